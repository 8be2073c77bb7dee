/**
 * `memlat fit [--model KIND] --data rows.csv --out model.json`: fits one model on a dataset and
 * writes it. When the data comes from one machine, the file is a model bundle (model + that
 * machine's fingerprint + provenance) that `memlat predict --model <file>` uses directly; with
 * several machines it is the bare model JSON (pair it with `--hardware` when predicting).
 * Thin: the work is the library's fitDocument (src/api.ts).
 */
import type { Command } from 'commander';
import { withFlagNames } from '../options.js';
import type { FitOptions } from '../../api.js';
import { UserError } from '../../errors.js';
import { parseBytes } from '../../units.js';

interface FitFlags {
  model?: string;
  data: string;
  context?: string;
  sessionBytes?: string;
  evictableSessions?: boolean;
  inNetwork?: boolean;
  callCost?: boolean;
  kappaByFamily?: boolean;
  base?: string;
  baseRows?: string;
  out: string;
  featureScale?: string;
  featureSet?: string;
  backTransform?: string;
  rounds?: string;
  rule?: string;
  quiet?: boolean;
}

/** Register `memlat fit`. */
export function register(program: Command): void {
  program
    .command('fit')
    .description('fit a latency model on a dataset (default kind: the one the shipped default model uses)')
    .option(
      '--model <kind>',
      'model kind: fe-swap (FE without a limit x a swap slowdown learned from paired limits), hybrid, physical, gbt, roofline, fe (the study: per-type regression on theoretical features) or fs (the study: LASSO over expanded features + PCA); default: the default kind',
    )
    .requiredOption('--data <rows.csv>', 'dataset from memlat profile or memlat import (.csv or .csv.gz); several comma-separated are read as one')
    .option(
      '--context <rows.csv>',
      "fe-swap: whole-network runs (memlat validate-runs rows; several comma-separated are read as one) to fit the network-context correction on: each limited run is compared with its network's unlimited run, or with its largest limit when it has none (a knee sweep); use networks you will not evaluate on. With 19 or more runs (network, limit) the bundle also gets a 90% network interval, calibrated on them",
    )
    .option(
      '--session-bytes <size>',
      "fe-swap with --context: memory each of a network's prepared layer sessions keeps (130KiB measured; default 0): a layer of an L-layer network is predicted at M - (L - 1) x size",
    )
    .option(
      '--evictable-sessions',
      "fe-swap with --session-bytes: the sessions stay in memory only beside the network's largest layer; the rest are pushed out and faulted back at a cost fitted on the context runs (the host-B model's choice; docs/MODELS.md)",
    )
    .option(
      '--in-network',
      "fe-swap with --context: learn how layers inside whole networks differ from the same layers profiled alone, per layer kind, from the context's unlimited runs (use many networks), and fit the rest on that base",
    )
    .option(
      '--call-cost',
      "fe-swap with --context: fit a cost per layer call (ms added to every layer's run inside a network: its caches hold the other layers' data) with the total factor, on the context's unlimited runs of networks with different layer counts (docs/MODELS.md)",
    )
    .option(
      '--kappa-by-family',
      "fe-swap with --context (physical swap term, the default's): fit the GEMM family's (dense, MatMul) scale of the swap term apart from the other families' on the context's limited runs (docs/MODELS.md)",
    )
    .option(
      '--base <kind>',
      "fe-swap: the time without a limit, hybrid (physical NNLS x a tree correction; default, as the bundled model), gbt (boosted trees) or fe (the study's per-type regression)",
    )
    .option(
      '--base-rows <rows>',
      'fe-swap: the passes the base is fitted on, no-swap (default: every pass that does not swap), unlimited (for a profile measured with --unlimited-order network: its unlimited passes are cold, its limited ones back to back) or all',
    )
    .requiredOption('--out <model.json>', 'file to write the fitted model (bundle) to')
    .option('--feature-scale <scale>', 'features as log1p (default, power-law model) or raw')
    .option('--feature-set <set>', 'fe: per-target (default: the quantities each phase depends on) or all (all seven for every phase)')
    .option('--back-transform <mode>', 'exp (the study: plain exp of the ln-time prediction) or smearing (Duan bias fix)')
    .option('--rounds <n>', 'fs: rounds of product expansion (default 2)')
    .option('--rule <rule>', 'fs: CV rule for the LASSO alpha, min (default) or 1se')
    .option('-q, --quiet', 'do not print the summary')
    .action(
      withFlagNames(async (flags: FitFlags) => {
        const { checkOutputFile, fitDocument } = await import('../../api.js');
        checkOutputFile(flags.out, '--out', 'model.json');
        const fit = parseFitFlags(flags);
        const r = await fitDocument(flags.data, {
          ...(flags.model !== undefined ? { kind: flags.model } : {}),
          ...(flags.context !== undefined ? { context: flags.context } : {}),
          ...(flags.sessionBytes !== undefined ? { sessionBytes: parseBytes(flags.sessionBytes, '--session-bytes') } : {}),
          ...(flags.evictableSessions ? { evictableSessions: true } : {}),
          ...(flags.inNetwork ? { inNetwork: true } : {}),
          ...(flags.callCost ? { callCost: true } : {}),
          ...(flags.kappaByFamily ? { kappaByFamily: true } : {}),
          ...(flags.base !== undefined ? { base: flags.base } : {}),
          ...(flags.baseRows !== undefined ? { baseRows: flags.baseRows } : {}),
          fit,
          out: flags.out,
          onNote: (note) => process.stderr.write(`memlat fit: ${note}\n`),
          command: (kind) =>
            `memlat fit --model ${kind} --data ${flags.data}${flags.context ? ` --context ${flags.context}` : ''}${flags.sessionBytes ? ` --session-bytes ${flags.sessionBytes}` : ''}${flags.evictableSessions ? ' --evictable-sessions' : ''}${flags.inNetwork ? ' --in-network' : ''}${flags.callCost ? ' --call-cost' : ''}${flags.kappaByFamily ? ' --kappa-by-family' : ''}${flags.base ? ` --base ${flags.base}` : ''}${flags.baseRows ? ` --base-rows ${flags.baseRows}` : ''}`,
        });
        if (!flags.quiet) {
          process.stderr.write(
            `${r.summary}\n${r.observations} layer configurations from ${r.rows} rows -> ${flags.out}` +
              (r.hardwareIds.length === 1
                ? ` (bundle with hardware ${r.hardwareIds[0]}; 'memlat model install ${flags.out}' makes it this user's default)`
                : ` (bare model: ${r.hardwareIds.length} machines; predict with --hardware)`) +
              '\n' +
              (r.interval.coverage !== null
                ? `90% network interval: x${Math.exp(r.interval.logLow).toFixed(2)} to x${Math.exp(r.interval.logHigh).toFixed(2)} of the point, calibrated on ${r.interval.runs} context runs\n`
                : `no network interval: ${r.interval.why}\n`),
          );
        }
      }),
    );
}

/** Parses the model options shared by `fit` and `evaluate` into FitOptions. */
export function parseFitFlags(flags: { featureScale?: string; featureSet?: string; backTransform?: string; rounds?: string; rule?: string }): FitOptions {
  const scale = flags.featureScale;
  if (scale !== undefined && scale !== 'log1p' && scale !== 'raw') throw new UserError(`--feature-scale "${scale}": use log1p or raw`);
  const bt = flags.backTransform;
  if (bt !== undefined && bt !== 'exp' && bt !== 'smearing') throw new UserError(`--back-transform "${bt}": use exp or smearing`);
  const rounds = flags.rounds === undefined ? undefined : Number(flags.rounds);
  if (rounds !== undefined && !(Number.isInteger(rounds) && rounds >= 1 && rounds <= 4))
    throw new UserError(`--rounds "${flags.rounds}": must be an integer from 1 to 4`);
  const rule = flags.rule;
  if (rule !== undefined && rule !== 'min' && rule !== '1se') throw new UserError(`--rule "${rule}": use min or 1se`);
  const common: { featureScale?: 'log1p' | 'raw'; backTransform?: 'exp' | 'smearing' } = {};
  if (scale !== undefined) common.featureScale = scale;
  if (bt !== undefined) common.backTransform = bt;
  const set = flags.featureSet;
  if (set !== undefined && set !== 'per-target' && set !== 'all') throw new UserError(`--feature-set "${set}": use per-target or all`);
  return { fe: { ...common, ...(set ? { featureSet: set } : {}) }, fs: { ...common, ...(rounds ? { rounds } : {}), ...(rule ? { rule } : {}) } };
}
