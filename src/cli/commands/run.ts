/**
 * `memlat run <network> --memory 256MiB|none [--reps 5] [--threads N] [--batch N] [--seq-len N]
 * [--dim name=size] [--json]`: really
 * execute a network layer by layer under a memory limit (see docs/RUNTIME.md). Thin: parsing and
 * printing only; the work is the library's run (src/api.ts; onnxruntime is loaded only then).
 */
import type { Command } from 'commander';
import type { UserError } from '../../errors.js';
import { formatBytes } from '../../units.js';
import { collectDim, flagName, memoryOption, optionalPositiveInt, parseInteger, withFlagNames } from '../options.js';

const f1 = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

/** Register `memlat run`. */
export function register(program: Command): void {
  program
    .command('run')
    .description('execute a network layer by layer (load, run, unload) under a real memory limit and time it')
    .argument('<network>', 'zoo name, network .json, .onnx or Caffe .prototxt (at most 10000 layers: run prepares a session per layer)')
    .option('--memory <size>', 'memory limit M for the worker (e.g. 256MiB, 1GiB) or "none"', 'none')
    .option('--reps <n>', 'timed passes (median and min-max are reported)', '5')
    .option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)')
    .option('--batch <n>', 'batch size (dimension 0 of every input)')
    .option('--seq-len <n>', 'sequence length of transformer networks (zoo bert-base; ONNX symbolic sequence dims)')
    .option('--dim <name=size>', 'size of a symbolic ONNX input dimension (repeatable)', collectDim)
    .option('--cache-dir <dir>', 'weight file cache (default $MEMLAT_CACHE or ~/.cache/memlat)')
    .option(
      '--json',
      'print the result as JSON (see docs/RUNTIME.md); after an OOM kill, { oom: true, oomPass, oomLayerName, passes that finished }, then exit 2',
    )
    .action(
      withFlagNames(
        async (
          arg: string,
          o: {
            memory: string;
            reps: string;
            threads?: string;
            batch?: string;
            seqLen?: string;
            dim?: Record<string, number>;
            cacheDir?: string;
            json?: boolean;
          },
        ) => {
          const memoryLimitBytes = memoryOption(o.memory, '--memory');
          const reps = parseInteger(o.reps, '--reps');
          const threads = optionalPositiveInt(o.threads, '--threads', 4);
          const batch = optionalPositiveInt(o.batch, '--batch', 8);
          const seqLen = optionalPositiveInt(o.seqLen, '--seq-len', 128);
          const { run } = await import('../../api.js');
          const r = await run(arg, {
            memory: memoryLimitBytes,
            reps,
            ...(threads !== undefined ? { threads } : {}),
            ...(batch !== undefined ? { batch } : {}),
            ...(seqLen !== undefined ? { seqLen } : {}),
            ...(o.dim !== undefined ? { dims: o.dim } : {}),
            ...(o.cacheDir !== undefined ? { cacheDir: o.cacheDir } : {}),
            onWarning: (w) => process.stderr.write(`memlat: warning: ${w}\n`),
            onEvent: (m) => process.stderr.write(`memlat run: ${m}\n`),
            // an OOM kill: with --json, print the kill and the passes that finished (its message naming flags), then fail as before
            ...(o.json
              ? {
                  onOom: (doc: unknown, e: UserError) => {
                    const shown = e.render ? { ...(doc as object), message: e.render(flagName).join('\n') } : doc;
                    process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
                  },
                }
              : {}),
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
        },
      ),
    );
}
