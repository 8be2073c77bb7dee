/**
 * `memlat fit [--model KIND] --data rows.csv --out model.json`: fits one model on a dataset and
 * writes it. When the data comes from one machine, the file is a model bundle (model + that
 * machine's fingerprint + provenance) that `memlat predict --model <file>` uses directly; with
 * several machines it is the bare model JSON (pair it with `--hardware` when predicting).
 * Thin: the work is in src/models (loaded lazily).
 */
import type { Command } from 'commander';
import { UserError } from '../../errors.js';

interface FitFlags {
  model?: string;
  data: string;
  context?: string;
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
    .option('--model <kind>', 'model kind: fe-swap (FE without a limit x a swap slowdown learned from paired limits), hybrid, physical, gbt, roofline, fe (the study: per-type regression on theoretical features) or fs (the study: LASSO over expanded features + PCA); default: the default kind')
    .requiredOption('--data <rows.csv>', 'dataset from memlat profile or memlat import (.csv or .csv.gz); several comma-separated are read as one')
    .option('--context <rows.csv>', 'fe-swap: whole-network runs (memlat validate-runs rows, with an unlimited run per network) to fit the network-context correction on; use networks you will not evaluate on')
    .requiredOption('--out <model.json>', 'file to write the fitted model (bundle) to')
    .option('--feature-scale <scale>', 'features as log1p (default, power-law model) or raw')
    .option('--feature-set <set>', 'fe: per-target (default: the quantities each phase depends on) or all (all seven for every phase)')
    .option('--back-transform <mode>', 'exp (the study: plain exp of the ln-time prediction) or smearing (Duan bias fix)')
    .option('--rounds <n>', 'fs: rounds of product expansion (default 2)')
    .option('--rule <rule>', 'fs: CV rule for the LASSO alpha, min (default) or 1se')
    .option('-q, --quiet', 'do not print the summary')
    .action(async (flags: FitFlags) => {
      const { checkOutputFile } = await import('../../units.js');
      checkOutputFile(flags.out, '--out', 'model.json');
      const { parseModelKind, fitModelOnObservations, DEFAULT_MODEL_KIND, DEFAULT_FIT_OPTIONS } = await import('../../models/index.js');
      const kind = parseModelKind(flags.model ?? DEFAULT_MODEL_KIND);
      // Without --model: the default kind with the default options (flags given still override them).
      const fit = flags.model === undefined ? { ...DEFAULT_FIT_OPTIONS, ...parseFitFlags(flags) } : parseFitFlags(flags);
      const { readDataset, readDatasets } = await import('../../dataset/files.js');
      const { writeFileAtomic } = await import('../../dataset/files.js');
      const { rows, hardware } = await readDatasets(flags.data);
      if (rows.length === 0) throw new UserError(`--data ${flags.data}: no rows; profile or import some first`);
      const { aggregateRows } = await import('../../models/observations.js');
      const hw = new Map(hardware.map((h) => [h.id, h] as const));
      const obs = aggregateRows(rows, hw);
      if (flags.context !== undefined) {
        if (kind !== 'fe-swap') throw new UserError(`--context ${flags.context}: only model fe-swap uses whole-network context runs; drop --context or use --model fe-swap`);
        const ctx = await readDataset(flags.context);
        if (ctx.rows.length === 0) throw new UserError(`--context ${flags.context}: no rows; make some with 'memlat validate-runs --levels 0.25,0.5,1,none'`);
        // a machine in both files is taken with --data's fingerprint, the one the model is fitted and bundled with
        const ctxHw = new Map([...ctx.hardware, ...hardware].map((h) => [h.id, h] as const));
        fit.feSwap = { ...fit.feSwap, context: { rows: ctx.rows, hardware: ctxHw } };
      }
      let model;
      if (flags.model === undefined) {
        // the default kind, or the kind the data can support, said out loud
        const { fitDefaultModel } = await import('../../models/index.js');
        const d = fitDefaultModel(obs, fit);
        if (d.note) process.stderr.write(`memlat fit: ${d.note}\n`);
        model = d.model;
      } else model = fitModelOnObservations(kind, obs, fit);
      const usedHw = [...new Set(obs.map((o) => o.hardwareId))];
      let doc: unknown = model.toJSON();
      if (usedHw.length === 1) {
        const { makeBundle } = await import('../../predict/bundle.js');
        doc = makeBundle(model, hw.get(usedHw[0]!)!, {
          provenance: { data: flags.data, command: `memlat fit --model ${kind} --data ${flags.data}${flags.context ? ` --context ${flags.context}` : ''}`, fittedAt: new Date().toISOString(), rows: rows.length },
        });
      }
      await writeFileAtomic(flags.out, JSON.stringify(doc) + '\n');
      if (!flags.quiet) {
        const { summarizeModel } = await import('../../models/summary.js');
        process.stderr.write(`${summarizeModel(model)}\n${obs.length} layer configurations from ${rows.length} rows -> ${flags.out}` +
          (usedHw.length === 1 ? ` (bundle with hardware ${usedHw[0]}; 'memlat model install ${flags.out}' makes it this user's default)` : ` (bare model: ${usedHw.length} machines; predict with --hardware)`) + '\n');
      }
    });
}

/** Parses the model options shared by `fit` and `evaluate` into FitOptions. */
export function parseFitFlags(flags: { featureScale?: string; featureSet?: string; backTransform?: string; rounds?: string; rule?: string }): import('../../models/index.js').FitOptions {
  const scale = flags.featureScale;
  if (scale !== undefined && scale !== 'log1p' && scale !== 'raw') throw new UserError(`--feature-scale "${scale}": use log1p or raw`);
  const bt = flags.backTransform;
  if (bt !== undefined && bt !== 'exp' && bt !== 'smearing') throw new UserError(`--back-transform "${bt}": use exp or smearing`);
  const rounds = flags.rounds === undefined ? undefined : Number(flags.rounds);
  if (rounds !== undefined && !(Number.isInteger(rounds) && rounds >= 1 && rounds <= 4)) throw new UserError(`--rounds "${flags.rounds}": must be an integer from 1 to 4`);
  const rule = flags.rule;
  if (rule !== undefined && rule !== 'min' && rule !== '1se') throw new UserError(`--rule "${rule}": use min or 1se`);
  const common: { featureScale?: 'log1p' | 'raw'; backTransform?: 'exp' | 'smearing' } = {};
  if (scale !== undefined) common.featureScale = scale;
  if (bt !== undefined) common.backTransform = bt;
  const set = flags.featureSet;
  if (set !== undefined && set !== 'per-target' && set !== 'all') throw new UserError(`--feature-set "${set}": use per-target or all`);
  return { fe: { ...common, ...(set ? { featureSet: set } : {}) }, fs: { ...common, ...(rounds ? { rounds } : {}), ...(rule ? { rule } : {}) } };
}
