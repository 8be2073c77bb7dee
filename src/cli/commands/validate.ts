/**
 * `memlat validate-runs --out data/validation/ [--networks a,b] [--levels 4,1,0.5,none] [--reps 5] [--rounds 1] [--order shuffled --seed 1]`:
 * run whole zoo networks with `memlat run`'s executor at memory levels relative to each network's
 * largest layer working set (+ the runtime's idle footprint) and store every pass of every layer as
 * rows (source "memlat-run") plus a summary JSON. Resumable: (network, limit) pairs already in the
 * summary as done are skipped. See docs/PROFILING.md. Thin: the work is the library's validateRuns
 * (src/api-tools.ts).
 */
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { optionalPositiveInt, parseInteger, withFlagNames } from '../options.js';

interface ValidateFlags {
  out: string;
  networks?: string;
  levels: string;
  reps: string;
  threads?: string;
  cacheDir?: string;
  dryRun?: boolean;
  order: string;
  seed: string;
  rounds: string;
}

/** Parses `--levels 4,1,0.5,none`. */
function parseLevels(text: string): (number | null)[] {
  const out = text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => (/^none$/i.test(t) ? null : Number(t)));
  if (!out.length || out.some((x) => x !== null && (!Number.isFinite(x) || x <= 0))) {
    throw new UserError(`--levels ${text}: must be comma-separated positive factors of the largest layer's working set or "none", e.g. 4,1,0.5,none`);
  }
  return out;
}

/** Register `memlat validate-runs`. */
export function register(program: Command): void {
  program
    .command('validate-runs')
    .description('run zoo networks whole at several memory levels and store every pass as validation rows (resumable)')
    .requiredOption('--out <dir>', 'output folder (rows.csv, rows.hardware.json, summary.json), e.g. data/validation/')
    .option('--networks <names>', 'comma-separated networks (zoo names or files); default: the whole zoo')
    .option('--levels <factors>', 'factors f of the largest layer working set W (M = idle + f*W) or "none"', '4,1,0.5,none')
    .option('--reps <n>', 'passes per run (>= 5 for validation data)', '5')
    .option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)')
    .option('--cache-dir <dir>', 'weight file cache (default $MEMLAT_CACHE or ~/.cache/memlat)')
    .option(
      '--order <order>',
      '"listed" (network by network) or "shuffled" (a seeded permutation of the runs: drift spreads over networks and levels)',
      'listed',
    )
    .option('--seed <n>', 'seed of --order shuffled', '1')
    .option(
      '--rounds <n>',
      'runs of each (network, level), each with --reps passes, round by round (every run of a round before the next; shuffled rounds drawn from seed + round): the machine moving between minutes moves every level alike; more rounds on a finished --out add only the new ones',
      '1',
    )
    .option('--dry-run', 'print the runs and their limits, measure nothing')
    .action(
      withFlagNames(async (o: ValidateFlags) => {
        const { checkOutputDir, validateRuns } = await import('../../api-tools.js');
        checkOutputDir(o.out, '--out');
        const reps = parseInteger(o.reps, '--reps');
        const levels = parseLevels(o.levels);
        const threads = optionalPositiveInt(o.threads, '--threads', 4);
        if (o.order !== 'listed' && o.order !== 'shuffled') throw new UserError(`--order ${o.order}: must be "listed" or "shuffled"`);
        const seed = parseInteger(o.seed, '--seed');
        const rounds = parseInteger(o.rounds, '--rounds');
        const ac = new AbortController();
        const onSigint = (): void => ac.abort();
        process.once('SIGINT', onSigint);
        let r;
        try {
          r = await validateRuns({
            out: o.out,
            levels,
            reps,
            signal: ac.signal,
            ...(o.networks
              ? {
                  networks: o.networks
                    .split(',')
                    .map((s) => s.trim())
                    .filter(Boolean),
                }
              : {}),
            ...(threads !== undefined ? { threads } : {}),
            ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
            ...(o.dryRun ? { dryRun: true } : {}),
            order: o.order,
            seed,
            rounds,
            onProgress: (t) => process.stderr.write(t),
          });
        } finally {
          process.off('SIGINT', onSigint);
        }
        if (o.dryRun) return;
        const ok = r.summary.filter((s) => s.status === 'done').length;
        process.stderr.write(`${ok} runs done, ${r.summary.length - ok} failed -> ${r.rowsPath}, ${r.summaryPath}\n`);
        if (r.interrupted) {
          process.stderr.write('interrupted; resume with the same command\n');
          process.exitCode = 130;
        }
      }),
    );
}
