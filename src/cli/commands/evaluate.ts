/**
 * `memlat evaluate --data rows.csv --models fe,fs --split kfold|network|memory|hardware`: fits
 * every model on each fold's training data, scores the held-out layers and whole-network sums, and
 * prints one table (or JSON with --json). Thin: the work is in src/evaluate (loaded lazily).
 */
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
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

function positiveInt(v: string, field: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${field} "${v}": must be a positive integer`);
  return n;
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
    .action(async (flags: EvaluateFlags) => {
      const { parseModelKind } = await import('../../models/index.js');
      const kinds = flags.models.split(',').map((s) => s.trim()).filter(Boolean).map((k) => parseModelKind(k, '--models'));
      if (kinds.length === 0) throw new UserError('--models: give at least one model kind, e.g. --models fe,fs');
      const { parseSplitKind } = await import('../../evaluate/splits.js');
      const split = parseSplitKind(flags.split);
      const folds = positiveInt(flags.folds, '--folds');
      const seed = positiveInt(flags.seed, '--seed');
      if (flags.slices !== 'every' && flags.slices !== 'all') throw new UserError(`--slices "${flags.slices}": use every or all`);
      const fit = parseFitFlags(flags);
      const { readDataset } = await import('../../dataset/files.js');
      const { rows, hardware } = await readDataset(flags.data);
      if (rows.length === 0) throw new UserError(`--data ${flags.data}: no rows; profile or import some first`);
      const { aggregateRows } = await import('../../models/observations.js');
      const obs = aggregateRows(rows, new Map(hardware.map((h) => [h.id, h] as const)));
      const { evaluateModels, formatEvaluation } = await import('../../evaluate/harness.js');
      const result = evaluateModels(kinds, obs, {
        split, folds, seed, fit,
        // progress only on a terminal (a piped or logged stderr stays clean)
        onFold: flags.json || !process.stderr.isTTY ? undefined : (fold, model, done, total) => process.stderr.write(`\r${done}/${total} ${model} ${fold}`.padEnd(60)),
      });
      if (!flags.json && process.stderr.isTTY) process.stderr.write('\r'.padEnd(61) + '\r');
      process.stdout.write(flags.json ? JSON.stringify({ data: flags.data, measurementRows: rows.length, ...result }, null, 1) + '\n' : formatEvaluation(result, { slices: flags.slices }));
    });
}
