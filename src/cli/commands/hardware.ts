/**
 * `memlat hardware [--json] [--out hardware.json]`: measure this machine's fingerprint (CPU, cores,
 * RAM, cgroup version, cold disk read, memory copy, GEMM GFLOP/s, runtime idle footprint), and
 * cache it per user ($MEMLAT_CACHE/hardware.json or ~/.cache/memlat/hardware.json) for the machine
 * check of predict, curve and min-memory (the library's hardware, src/api-tools.ts).
 */
import type { Command } from 'commander';
import { formatBytes } from '../../units.js';
import { optionalPositiveInt, withFlagNames } from '../options.js';
import { UserError } from '../../errors.js';

/** How `memlat hardware` names the probes of a steady fingerprint's ranges (SteadyInfo.range). */
const STEADY_LABEL: Record<string, string> = {
  diskReadBytesPerSec: 'disk',
  memBandwidthBytesPerSec: 'memory copy',
  gemmGflops: 'GEMM (GFLOP/s)',
  callLoadMs: 'per-call load (ms)',
  callRunMs: 'run',
  callUnloadMs: 'unload',
};

/** Register `memlat hardware`. */
export function register(program: Command): void {
  program
    .command('hardware')
    .description("measure the hardware fingerprint stored with every dataset (and cache it for predict's machine check)")
    .option('--json', 'print the fingerprint as JSON')
    .option('--out <file>', 'also write it to this JSON file')
    .option('--cache-dir <dir>', 'directory for the 256 MiB disk probe (default: the weight cache)')
    .option('--threads <n>', 'onnxruntime threads for the GEMM and per-call probes (default: all cores)')
    .option(
      '--repeat <n>',
      'measure n times and keep the median of each probe (a steady fingerprint: on a VM whose speed drifts within minutes, one reading moves predict by its noise); default 1',
    )
    .option('--every <seconds>', 'with --repeat: start a reading every this many seconds (default 0: back to back)')
    .action(
      withFlagNames(async (o: { json?: boolean; out?: string; cacheDir?: string; threads?: string; repeat?: string; every?: string }) => {
        const { checkOutputFile } = await import('../../api.js');
        if (o.out !== undefined) checkOutputFile(o.out, '--out', 'hw.json');
        const threads = optionalPositiveInt(o.threads, '--threads');
        const repeat = optionalPositiveInt(o.repeat, '--repeat', 5);
        // a number here; the library checks its range (argument errors name the flag)
        const everySec = o.every === undefined ? undefined : Number(o.every);
        if (everySec !== undefined && (o.every!.trim() === '' || !Number.isFinite(everySec)))
          throw new UserError(`--every "${o.every}": expected seconds >= 0 between the starts of two readings, e.g. --every 60`);
        if (everySec !== undefined && repeat === undefined) throw new UserError('--every: only with --repeat <n> (n readings, one every --every seconds)');
        const { hardware } = await import('../../api-tools.js');
        const r = await hardware({
          ...(o.out !== undefined ? { out: o.out } : {}),
          ...(o.cacheDir !== undefined ? { cacheDir: o.cacheDir } : {}),
          ...(threads !== undefined ? { threads } : {}),
          ...(repeat !== undefined ? { repeat } : {}),
          ...(everySec !== undefined ? { everySec } : {}),
          ...(repeat !== undefined && repeat > 1
            ? {
                onReading: (fp, k) =>
                  process.stderr.write(
                    `memlat hardware: reading ${k + 1} of ${repeat} at ${fp.measuredAt ?? '?'}: GEMM ${fp.gemmGflops?.toFixed(0) ?? 'n/a'} GFLOP/s, per-call run ${fp.callProbe?.runMs.toFixed(0) ?? 'n/a'} ms\n`,
                  ),
              }
            : {}),
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
            ...(fp.steady
              ? [
                  `steady        median of ${fp.steady.readings} readings, ${fp.steady.from ?? '?'} to ${fp.steady.to ?? '?'}; each read ${Object.entries(
                    fp.steady.range,
                  )
                    .map(
                      ([k, [lo, hi]]) =>
                        `${STEADY_LABEL[k] ?? k} ${k.endsWith('PerSec') ? `${formatBytes(lo)}/s-${formatBytes(hi)}/s` : `${lo.toFixed(0)}-${hi.toFixed(0)}`}`,
                    )
                    .join(', ')}`,
                ]
              : []),
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
