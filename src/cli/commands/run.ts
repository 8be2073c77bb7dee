/**
 * `memlat run <network> --memory 256MiB|none [--reps 5] [--threads N] [--batch N] [--seq-len N]
 * [--dim name=size] [--json]`: really
 * execute a network layer by layer under a memory limit (see docs/RUNTIME.md). Thin: parsing and
 * printing only; the work is executor/run-network.ts, loaded lazily.
 */
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { formatBytes, parseMemoryLimit } from '../../units.js';

function posInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag} ${text}: must be a positive integer`);
  return n;
}

function collectDim(text: string, acc: Record<string, number> | undefined): Record<string, number> {
  const m = /^([^=\s]+)=(\d+)$/.exec(text.trim());
  const size = m ? Number(m[2]) : NaN;
  if (!m || !Number.isInteger(size) || size < 1) throw new UserError(`--dim ${text}: write name=size with a positive size, e.g. --dim sequence=128`);
  return { ...acc, [m[1] ?? '']: size };
}

const f1 = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

/** Register `memlat run`. */
export function register(program: Command): void {
  program
    .command('run')
    .description('execute a network layer by layer (load, run, unload) under a real memory limit and time it')
    .argument('<network>', 'zoo name, network .json, .onnx or Caffe .prototxt')
    .option('--memory <size>', 'memory limit M for the worker (e.g. 256MiB, 1GiB) or "none"', 'none')
    .option('--reps <n>', 'timed passes (median and min-max are reported)', '5')
    .option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)')
    .option('--batch <n>', 'batch size (dimension 0 of every input)')
    .option('--seq-len <n>', 'sequence length of transformer networks (zoo bert-base; ONNX symbolic sequence dims)')
    .option('--dim <name=size>', 'size of a symbolic ONNX input dimension (repeatable)', collectDim)
    .option('--cache-dir <dir>', 'weight file cache (default $MEMLAT_CACHE or ~/.cache/memlat)')
    .option('--json', 'print the result as JSON (see docs/RUNTIME.md); after an OOM kill, { oom: true, oomPass, oomLayerName, passes that finished }, then exit 2')
    .action(async (arg: string, o: { memory: string; reps: string; threads?: string; batch?: string; seqLen?: string; dim?: Record<string, number>; cacheDir?: string; json?: boolean }) => {
      const memoryLimitBytes = parseMemoryLimit(o.memory, '--memory');
      const reps = posInt(o.reps, '--reps');
      const threads = o.threads === undefined ? undefined : posInt(o.threads, '--threads');
      const batch = o.batch === undefined ? undefined : posInt(o.batch, '--batch');
      const seqLen = o.seqLen === undefined ? undefined : posInt(o.seqLen, '--seq-len');
      const { loadNetwork } = await import('../../network/load.js');
      const { resolveNetwork } = await import('../../network/shapes.js');
      const { runNetwork, OomError } = await import('../../executor/run-network.js');
      const loaded = await loadNetwork(arg, { batch, seqLen, dims: o.dim });
      for (const w of loaded.warnings) process.stderr.write(`memlat: warning: ${w}\n`);
      const rn = resolveNetwork(loaded.network);
      const { prepareRun } = await import('../../executor/run-prepare.js');
      await prepareRun(rn, { memoryLimitBytes, cacheDir: o.cacheDir, onEvent: (m) => process.stderr.write(`memlat run: ${m}\n`) });
      process.stderr.write(
        `memlat run: ${rn.name}, ${rn.layers.length} layers, memory ${memoryLimitBytes === null ? 'unlimited' : formatBytes(memoryLimitBytes)}, ${reps} passes\n`,
      );
      const t0 = Date.now();
      const r = await runNetwork(rn, {
        memoryLimitBytes,
        reps,
        threads,
        cacheDir: o.cacheDir,
        onPass: (i) => process.stderr.write(`memlat run: pass ${i + 1}/${reps} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`),
      }).catch(async (e: unknown) => {
        // an OOM kill: with --json, print the kill and the passes that finished, then fail as before
        if (o.json && e instanceof OomError) {
          const { oomRunDocument } = await import('../../profile/validation.js');
          process.stdout.write(`${JSON.stringify(oomRunDocument(rn, e, memoryLimitBytes, reps), null, 2)}\n`);
        }
        throw e;
      });
      if (o.json) {
        const { passes: _passes, ...doc } = r;
        process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
        return;
      }
      const rows = r.layers.map((l, i) => [
        String(i),
        l.name,
        l.type,
        l.weightBytes ? formatBytes(l.weightBytes) : '-',
        `${f1(l.loadMs)} [${f1(l.loadSpreadMs[0])}-${f1(l.loadSpreadMs[1])}]`,
        `${f1(l.runMs)} [${f1(l.runSpreadMs[0])}-${f1(l.runSpreadMs[1])}]`,
        `${f1(l.unloadMs)} [${f1(l.unloadSpreadMs[0])}-${f1(l.unloadSpreadMs[1])}]`,
        f1(l.totalMs),
        String(l.majorFaults),
        l.swapInPages === null ? '-' : String(l.swapInPages),
      ]);
      const head = ['#', 'layer', 'type', 'weights', 'load ms [min-max]', 'run ms [min-max]', 'unload ms [min-max]', 'total ms', 'maj.faults', 'swap-ins'];
      const width = head.map((h) => h.length);
      for (const row of rows) row.forEach((cell, c) => (width[c] = Math.max(width[c] ?? 0, cell.length)));
      const line = (cells: string[]): string => cells.map((c, i) => (i <= 2 ? c.padEnd(width[i] ?? 0) : c.padStart(width[i] ?? 0))).join('  ');
      const out = [line(head), ...rows.map(line)];
      out.push(
        '',
        `total ${f1(r.totalMs)} ms (median of ${r.reps} passes; min ${f1(Math.min(...r.totalsMs))}, max ${f1(Math.max(...r.totalsMs))})` +
          ` at memory ${r.memoryBytes === null ? 'unlimited' : formatBytes(r.memoryBytes)}; major faults ${r.majorFaults}, swap-ins ${r.swapInPages ?? 'n/a'} pages per pass (median)`,
      );
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
