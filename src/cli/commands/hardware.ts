/**
 * `memlat hardware [--json] [--out hardware.json]`: measure this machine's fingerprint (CPU, cores,
 * RAM, cgroup version, cold disk read, memory copy, GEMM GFLOP/s, runtime idle footprint), and
 * cache it per user ($MEMLAT_CACHE/hardware.json or ~/.cache/memlat/hardware.json) for the machine
 * check of predict, curve and min-memory (the library's hardware, src/api-tools.ts).
 */
import type { Command } from 'commander';
import { formatBytes } from '../../units.js';
import { optionalPositiveInt, withFlagNames } from '../options.js';

/** Register `memlat hardware`. */
export function register(program: Command): void {
  program
    .command('hardware')
    .description("measure the hardware fingerprint stored with every dataset (and cache it for predict's machine check)")
    .option('--json', 'print the fingerprint as JSON')
    .option('--out <file>', 'also write it to this JSON file')
    .option('--cache-dir <dir>', 'directory for the 256 MiB disk probe (default: the weight cache)')
    .option('--threads <n>', 'onnxruntime threads for the GEMM and per-call probes (default: all cores)')
    .action(
      withFlagNames(async (o: { json?: boolean; out?: string; cacheDir?: string; threads?: string }) => {
        const { checkOutputFile } = await import('../../api.js');
        if (o.out !== undefined) checkOutputFile(o.out, '--out', 'hw.json');
        const threads = optionalPositiveInt(o.threads, '--threads');
        const { hardware } = await import('../../api-tools.js');
        const r = await hardware({
          ...(o.out !== undefined ? { out: o.out } : {}),
          ...(o.cacheDir !== undefined ? { cacheDir: o.cacheDir } : {}),
          ...(threads !== undefined ? { threads } : {}),
        });
        const fp = r.fingerprint;
        const json = `${JSON.stringify(fp, null, 2)}\n`;
        if (r.cachedIn !== null)
          process.stderr.write(`memlat hardware: cached in ${r.cachedIn} (predict, curve and min-memory compare the model's machine with it)\n`);
        else if (r.notCached === 'threads')
          process.stderr.write(`memlat hardware: not cached (--threads ${threads}: predict compares against a fingerprint measured on all cores)\n`);
        else
          process.stderr.write(
            `memlat: warning: could not cache the fingerprint (${r.notCached}); predict will compare CPU, cores and RAM only; set MEMLAT_CACHE to a writable folder\n`,
          );
        if (o.json) {
          process.stdout.write(json);
          return;
        }
        const rate = (v: number | null): string => (v === null ? 'n/a' : `${formatBytes(v)}/s`);
        process.stdout.write(
          [
            `id            ${fp.id}`,
            `cpu           ${fp.cpuModel} (${fp.cores} cores)`,
            `ram           ${formatBytes(fp.ramBytes)}`,
            `cgroup        ${fp.cgroupVersion === null ? 'none' : `v${fp.cgroupVersion}`}`,
            `disk (cold)   ${rate(fp.diskReadBytesPerSec)}`,
            `disk by size  ${
              fp.diskCurve
                ? `${fp.diskCurve.bytes.map((b, i) => `${formatBytes(b)} ${rate((b / fp.diskCurve!.ms[i]!) * 1000)}`).join(', ')} (cold, ${fp.diskCurve.idleMs} ms idle before each read)`
                : 'n/a'
            }`,
            `memory copy   ${rate(fp.memBandwidthBytesPerSec)}`,
            `GEMM          ${fp.gemmGflops === null ? 'n/a' : `${fp.gemmGflops.toFixed(1)} GFLOP/s`}`,
            `runtime idle  ${fp.runtimeIdleBytes === null ? 'n/a' : formatBytes(fp.runtimeIdleBytes)}`,
            `per-call      ${
              fp.callProbe
                ? `load ${fp.callProbe.loadMs.toFixed(0)} / run ${fp.callProbe.runMs.toFixed(0)} / unload ${fp.callProbe.unloadMs.toFixed(0)} ms (${fp.callProbe.networks.join(' + ')}, ${fp.callProbe.layers} layers, median of ${fp.callProbe.passes} passes)`
                : 'n/a'
            }`,
            `fresh weights ${
              fp.freshWeights
                ? `GEMV on ${formatBytes(fp.freshWeights.bytes)} just read ${fp.freshWeights.coldMs.toFixed(1)} ms, again ${fp.freshWeights.warmMs.toFixed(1)} ms (${(Math.max(0, fp.freshWeights.coldMs - fp.freshWeights.warmMs) / (fp.freshWeights.bytes / 2 ** 20)).toFixed(2)} ms per MiB read, median of ${fp.freshWeights.reps})`
                : 'n/a'
            }`,
          ].join('\n') + '\n',
        );
      }),
    );
}
