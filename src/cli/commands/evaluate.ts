/**
 * `memlat evaluate --data rows.csv --models fe,fs --split kfold|network|memory|hardware`: fits
 * every model on each fold's training data, scores the held-out layers and whole-network sums, and
 * prints one table (or JSON with --json). Thin: the work is the library's evaluate (src/api-tools.ts).
 */
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { parseInteger, withFlagNames } from '../options.js';
import { parseFitFlags } from './fit.js';

interface EvaluateFlags {
  data: string;
  models: string;
  split: string;
  folds: string;
  seed: string;
  json?: boolean;
  slices: string;
  featureScale?: string;
  featureSet?: string;
  backTransform?: string;
  rounds?: string;
  rule?: string;
}

/** Register `memlat evaluate`. */
export function register(program: Command): void {
  program
    .command('evaluate')
    .description('cross-validate latency models on a dataset and print their errors (log-space, MAPE, bias, ...)')
    .requiredOption('--data <rows.csv>', 'dataset from memlat profile or memlat import (.csv or .csv.gz)')
    .option('--models <list>', 'comma-separated model kinds', 'fe,fs')
    .option('--split <kind>', 'kfold, network (leave-one-network-out), memory (leave-one-level-out) or hardware', 'kfold')
    .option('--folds <n>', 'folds for kfold (and for grouping many networks)', '5')
    .option('--seed <n>', 'seed of the random folds', '1')
    .option('--slices <which>', 'every (default: overall, per memory level, swapping / not) or all (overall rows only)', 'every')
    .option('--json', 'print the full result as JSON')
    .option('--feature-scale <scale>', 'features as log1p (default) or raw')
    .option('--feature-set <set>', 'fe: per-target (default) or all')
    .option('--back-transform <mode>', 'exp (the study) or smearing')
    .option('--rounds <n>', 'fs: rounds of product expansion (default 2)')
    .option('--rule <rule>', 'fs: CV rule, min (default) or 1se')
    .action(
      withFlagNames(async (flags: EvaluateFlags) => {
        const { evaluate, evaluationText } = await import('../../api-tools.js');
        const folds = parseInteger(flags.folds, '--folds');
        const seed = parseInteger(flags.seed, '--seed', { example: 1 });
        if (flags.slices !== 'every' && flags.slices !== 'all') throw new UserError(`--slices "${flags.slices}": use every or all`);
        const fit = parseFitFlags(flags);
        const doc = await evaluate(flags.data, {
          models: flags.models.split(','),
          split: flags.split,
          folds,
          seed,
          fit,
          // progress only on a terminal (a piped or logged stderr stays clean)
          ...(flags.json || !process.stderr.isTTY
            ? {}
            : { onFold: (fold: string, model: string, done: number, total: number) => process.stderr.write(`\r${done}/${total} ${model} ${fold}`.padEnd(60)) }),
        });
        if (!flags.json && process.stderr.isTTY) process.stderr.write('\r'.padEnd(61) + '\r');
        process.stdout.write(flags.json ? JSON.stringify(doc, null, 1) + '\n' : await evaluationText(doc, { slices: flags.slices }));
      }),
    );
}
