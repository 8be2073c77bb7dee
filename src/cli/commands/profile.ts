/**
 * `memlat profile --out rows.csv [--layers 1000] [--reps 3] [--seed 1] [--budget 30m] [--levels ...]`:
 * measure sampled layers at memory levels and append rows (see docs/PROFILING.md). The same command
 * resumes an interrupted run. Thin: flag parsing, progress bar and summary; the work is the library's
 * profile (src/api.ts: the session src/profile/session.ts, plan src/profile/plan.ts, loop src/profile/run.ts).
 */
import type { Command } from 'commander';
import type { SingleBar } from 'cli-progress';
import { UserError } from '../../errors.js';
import { formatBytes } from '../../units.js';
import { durationOption, parseInteger, sizeOption, withFlagNames } from '../options.js';
import type { SampleKind } from '../../api.js';

interface ProfileFlags {
  out: string;
  layers: string;
  reps: string;
  seed: string;
  budget?: string;
  levels?: string;
  unlimited: boolean;
  unlimitedOrder: string;
  limitedOrder: string;
  threads?: string;
  cacheDir?: string;
  maxLayerSize: string;
  minLayerSize?: string;
  kinds?: string;
  chunk: string;
  dryRun?: boolean;
  allowNoSwap?: boolean;
}

/** Parses `--levels continuous`, `--levels 4,1.5,1,0.75,0.5,0.25` or `--levels none` (no limited level: only the unlimited measurement). */
function parseLevels(text: string): number[] | 'continuous' {
  if (text.trim() === 'continuous') return 'continuous';
  if (text.trim() === 'none') return [];
  const xs = text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
    .map(Number);
  if (!xs.length || xs.some((x) => !Number.isFinite(x) || x <= 0)) {
    throw new UserError(
      `--levels ${text}: must be 'continuous', 'none' (unlimited only) or comma-separated positive factors of the layer's working set, e.g. 4,1.5,1,0.75,0.5,0.25`,
    );
  }
  return [...new Set(xs)].sort((a, b) => b - a);
}

/** Register `memlat profile`. */
export function register(program: Command): void {
  program
    .command('profile')
    .description('measure sampled layers under memory limits and append the rows to a dataset (resumable)')
    .requiredOption('--out <file.csv>', 'dataset to append to (resumes if it exists), e.g. data/reference/rows.csv')
    .option('--layers <n>', 'sampled layers (a larger number extends an earlier run)', '1000')
    .option('--reps <n>', 'timed passes per layer and limit', '3')
    .option('--seed <n>', 'seed of the design-space sequence', '1')
    .option('--budget <duration>', 'stop after this much time, e.g. 30m (resume later with the same command)')
    .option(
      '--levels <factors>',
      "memory levels, M = idle + f*W: 'continuous' (6 factors drawn per layer over 0.15-2, denser near 1), fixed factors f, e.g. 4,1.5,1,0.75,0.5,0.25, or 'none' (only the measurement without a limit)",
      'continuous',
    )
    .option('--no-unlimited', 'skip the measurement without a memory limit')
    .option(
      '--unlimited-order <order>',
      "unlimited measurements: job (each layer's reps back to back) or network (pass-major over a chunk's layers, as a network runs them: each layer runs cold, after the others)",
      'job',
    )
    .option(
      '--limited-order <order>',
      "limited measurements: job (each layer's reps back to back) or network (pass-major over the layers that share a limit, each loaded, run and unloaded alone)",
      'job',
    )
    .option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)')
    .option('--cache-dir <dir>', 'weight file cache (default $MEMLAT_CACHE or ~/.cache/memlat)')
    .option('--max-layer-size <size>', 'largest sampled layer (fp32 weights + activations)', '512MiB')
    .option('--min-layer-size <size>', 'a targeted profile: only samples of at least this size (the first --layers of the sequence that pass; ids prefixed t)')
    .option('--kinds <names>', 'a targeted profile: only these design-space kinds, comma-separated, e.g. dense or dense,conv2d')
    .option('--chunk <n>', 'samples per chunk (all levels of a chunk finish before the next starts)', '100')
    .option('--dry-run', 'print the plan summary and exit without measuring')
    .option('--allow-no-swap', 'measure even if swap is too small (tight levels are then recorded as OOM)')
    .action(
      withFlagNames(async (o: ProfileFlags) => {
        const layers = parseInteger(o.layers, '--layers', { example: 1000 });
        const reps = parseInteger(o.reps, '--reps', { example: 3 });
        const seed = parseInteger(o.seed, '--seed', { min: 0, example: 1 });
        const budgetMs = o.budget === undefined ? undefined : durationOption(o.budget, '--budget');
        const levels = parseLevels(o.levels ?? 'continuous');
        const maxTensorBytes = sizeOption(o.maxLayerSize, '--max-layer-size');
        const minTensorBytes = o.minLayerSize === undefined ? undefined : sizeOption(o.minLayerSize, '--min-layer-size');
        const kinds =
          o.kinds === undefined
            ? undefined
            : o.kinds
                .split(',')
                .map((k) => k.trim())
                .filter(Boolean);
        if (Array.isArray(levels) && levels.length === 0 && !o.unlimited)
          throw new UserError('--levels none with --no-unlimited: nothing to measure; drop one of them');
        const chunkSize = parseInteger(o.chunk, '--chunk', { example: 100 });
        // --out is checked by the session: a folder, a missing or read-only parent first, then the .csv suffix
        // threads default: the library's, every core this process may use (an emulated machine's cpuset applied first)
        const threads = o.threads === undefined ? undefined : parseInteger(o.threads, '--threads');

        const { profile } = await import('../../api.js');
        const { MultiBar, Presets } = await import('cli-progress');
        const bars = new MultiBar(
          {
            format: 'profile {bar} {percentage}% | {value}/{total} | ETA {eta_formatted} | limit {limit} | oom {oom}',
            noTTYOutput: true,
            notTTYSchedule: 10_000,
            etaBuffer: 200,
            hideCursor: true,
          },
          Presets.shades_classic,
        );
        let bar: SingleBar | null = null;
        const ac = new AbortController();
        const onSigint = (): void => ac.abort();
        process.once('SIGINT', onSigint);
        let summary;
        try {
          summary = await profile(
            {
              out: o.out,
              layers,
              reps,
              seed,
              levels,
              unlimited: o.unlimited,
              unlimitedOrder: o.unlimitedOrder as 'job' | 'network',
              limitedOrder: o.limitedOrder as 'job' | 'network',
              maxTensorBytes,
              ...(minTensorBytes !== undefined ? { minTensorBytes } : {}),
              ...(kinds !== undefined ? { kinds: kinds as SampleKind[] } : {}),
              chunkSize,
              ...(threads !== undefined ? { threads } : {}),
              ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
              ...(budgetMs !== undefined ? { budgetMs } : {}),
              ...(o.allowNoSwap ? { allowNoSwap: true } : {}),
              ...(o.dryRun ? { dryRun: true } : {}),
            },
            {
              signal: ac.signal,
              onPlan: (line) => process.stderr.write(`${line}\n`),
              onResume: (r) => {
                if (r.droppedPartialLine) process.stderr.write(`${o.out}: dropped a truncated last line (an interrupted write)\n`);
                bar = bars.create(1, 0, { limit: '-', oom: 0 });
              },
              onProgress: (p) => {
                bar?.setTotal(Math.max(1, p.total));
                bar?.update(p.measured, { limit: p.memoryLimitBytes === null ? 'none' : formatBytes(p.memoryLimitBytes), oom: p.oom });
              },
              onEvent: (m) => (bar ? bars.log(`${m}\n`) : process.stderr.write(`${m}\n`)),
            },
          );
        } finally {
          process.off('SIGINT', onSigint);
          // stop() ends a bar's line; with no bar (a refusal, a dry run) it would print an empty line
          if ((bar as SingleBar | null) !== null) bars.stop();
        }
        if (summary === null) return;
        const min = (summary.elapsedMs / 60_000).toFixed(1);
        process.stderr.write(
          `${summary.stoppedBy === 'done' ? 'done' : `stopped (${summary.stoppedBy})`}: ${summary.measured} rows written in ${min} min ` +
            `(${summary.skipped} already present, ${summary.oom} OOM, ${summary.crashed.length} crashed, ${summary.workersStarted} workers) -> ${o.out}\n`,
        );
        if (summary.stoppedBy !== 'done' || summary.crashed.length) process.stderr.write(`resume with the same command to finish\n`);
        if (summary.stoppedBy === 'signal') process.exitCode = 130;
      }),
    );
}
