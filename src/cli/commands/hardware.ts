/**
 * `memlat hardware [--json] [--out hardware.json]`: measure this machine's fingerprint (CPU, cores,
 * RAM, cgroup version, cold disk read, memory copy, GEMM GFLOP/s, runtime idle footprint), and
 * cache it per user ($MEMLAT_CACHE/hardware.json or ~/.cache/memlat/hardware.json) for the machine
 * check of predict, curve and min-memory (src/user-files.ts).
 */
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { UserError } from '../../errors.js';
import { checkOutputFile, formatBytes } from '../../units.js';

/** Register `memlat hardware`. */
export function register(program: Command): void {
  program
    .command('hardware')
    .description('measure the hardware fingerprint stored with every dataset (and cache it for predict\'s machine check)')
    .option('--json', 'print the fingerprint as JSON')
    .option('--out <file>', 'also write it to this JSON file')
    .option('--cache-dir <dir>', 'directory for the 256 MiB disk probe (default: the weight cache)')
    .option('--threads <n>', 'onnxruntime threads for the GEMM probe (default: all cores)')
    .action(async (o: { json?: boolean; out?: string; cacheDir?: string; threads?: string }) => {
      if (o.out !== undefined) checkOutputFile(o.out, '--out', 'hw.json');
      const { measureHardware } = await import('../../machine/hardware.js');
      const threads = o.threads === undefined ? undefined : Number(o.threads);
      if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
        throw new UserError(`--threads ${o.threads}: must be a positive integer`);
      }
      const fp = await measureHardware({ cacheDir: o.cacheDir, threads });
      const json = `${JSON.stringify(fp, null, 2)}\n`;
      if (o.out) writeFileSync(o.out, json);
      if (threads !== undefined && threads !== fp.cores) {
        process.stderr.write(`memlat hardware: not cached (--threads ${threads}: predict compares against a fingerprint measured on all cores)\n`);
      } else {
        const { writeCachedFingerprint } = await import('../../predict/user-files.js');
        try {
          const cached = writeCachedFingerprint(fp);
          process.stderr.write(`memlat hardware: cached in ${cached} (predict, curve and min-memory compare the model's machine with it)\n`);
        } catch (e) {
          process.stderr.write(`memlat: warning: could not cache the fingerprint (${(e as NodeJS.ErrnoException).code ?? String(e)}); predict will compare CPU, cores and RAM only; set MEMLAT_CACHE to a writable folder\n`);
        }
      }
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
          `memory copy   ${rate(fp.memBandwidthBytesPerSec)}`,
          `GEMM          ${fp.gemmGflops === null ? 'n/a' : `${fp.gemmGflops.toFixed(1)} GFLOP/s`}`,
          `runtime idle  ${fp.runtimeIdleBytes === null ? 'n/a' : formatBytes(fp.runtimeIdleBytes)}`,
        ].join('\n') + '\n',
      );
    });
}
