/**
 * The evaluation harness: for every fold of a split, fit each model on the training observations
 * and predict the held-out ones; then score the out-of-fold predictions per target (load, run,
 * unload when measured, total per layer) and on whole-network sums, overall and broken down by
 * memory level and by swapping vs not; and, for models that select features (FS), report how
 * stable the selection is across folds.
 *
 * Whole-network sums: per (hardware, network, memory limit), the sum over its layers of the
 * per-layer median times (actual) against the sum of the per-layer predictions; a network
 * configuration counts as "swapping" when any of its layers swaps. Under k-fold, the layers of one
 * network fall into different folds; every layer still gets exactly one out-of-fold prediction, so
 * the sums are cross-fitted.
 *
 * Pure (no I/O). Cost: folds x models x (fit + n_test predictions).
 */
import { fitModelOnObservations, type FitOptions, type ModelKind } from '../models/index.js';
import type { LayerObservation } from '../models/observations.js';
import type { Target, TimePrediction } from '../models/types.js';
import { errorMetrics, selectionStability, type ErrorMetrics, type SelectionStability } from './metrics.js';
import { makeFolds, memoryLabel, type SplitKind, type SplitOptions } from './splits.js';

/** Targets scored: the three phases, the layer total, and whole-network totals. */
export type ScoredTarget = Target | 'total' | 'network';

/** One line of the result table. */
export interface MetricRow {
  model: string;
  target: ScoredTarget;
  /** "all", "M=<level>", "swapping" or "not swapping". */
  slice: string;
  metrics: ErrorMetrics;
}

/** Options of evaluateModels. */
export interface EvaluationOptions extends SplitOptions {
  split: SplitKind;
  fit?: FitOptions;
  /** Called after each fold and model (progress). */
  onFold?: (fold: string, model: string, done: number, total: number) => void;
}

/** Everything an evaluation produced. */
export interface EvaluationResult {
  split: SplitKind;
  observations: number;
  folds: { name: string; nTrain: number; nTest: number }[];
  /** Targets that are scored (unload only when every observation measured it). */
  targets: ScoredTarget[];
  rows: MetricRow[];
  /** model -> target -> stability of the selected features over folds (models that select). */
  selection: Record<string, Partial<Record<Target, SelectionStability & { perFold: string[][] }>>>;
  notes: string[];
}

interface HasSelection {
  selectedFeatures(): Partial<Record<Target, string[]>>;
}

function hasSelection(m: object): m is HasSelection {
  return typeof (m as Partial<HasSelection>).selectedFeatures === 'function';
}

function phaseValue(p: TimePrediction, t: Target): number {
  return t === 'load' ? p.loadMs : t === 'run' ? p.runMs : p.unloadMs;
}

/**
 * Runs the split and scores every model kind. Observations that are never in a test fold (none
 * for the built-in splits except hardware pairs) are simply not scored; an observation tested in
 * several folds (hardware pairs with 3+ machines) is scored once per fold.
 */
export function evaluateModels(kinds: readonly ModelKind[], obs: readonly LayerObservation[], options: EvaluationOptions): EvaluationResult {
  const folds = makeFolds(obs, options.split, options);
  const unloadMeasured = obs.length > 0 && obs.every((o) => o.unloadMs !== null);
  const phases: Target[] = unloadMeasured ? ['load', 'run', 'unload'] : ['load', 'run'];
  const notes: string[] = [];
  if (!unloadMeasured) notes.push('unload is not measured in (all of) this data: it is neither fitted nor scored, and totals are load + run');
  const rows: MetricRow[] = [];
  const selection: EvaluationResult['selection'] = {};
  const total = folds.length * kinds.length;
  let done = 0;
  for (const kind of kinds) {
    const tested: { o: LayerObservation; p: TimePrediction }[] = [];
    const perFoldSel: Partial<Record<Target, string[][]>> = {};
    for (const fold of folds) {
      const model = fitModelOnObservations(
        kind,
        fold.train.map((i) => obs[i]!),
        options.fit,
      );
      for (const i of fold.test) tested.push({ o: obs[i]!, p: model.predict(obs[i]!) });
      if (hasSelection(model)) {
        const sel = model.selectedFeatures();
        for (const t of phases) if (sel[t]) (perFoldSel[t] ??= []).push(sel[t]);
      }
      options.onFold?.(fold.name, kind, ++done, total);
    }
    const sel: Partial<Record<Target, SelectionStability & { perFold: string[][] }>> = {};
    for (const t of phases) if (perFoldSel[t]) sel[t] = { ...selectionStability(perFoldSel[t]), perFold: perFoldSel[t] };
    if (Object.keys(sel).length) selection[kind] = sel;

    const actualOf = (o: LayerObservation, t: Target | 'total'): number =>
      t === 'total' ? o.loadMs + o.runMs + (unloadMeasured ? o.unloadMs! : 0) : t === 'unload' ? o.unloadMs! : t === 'load' ? o.loadMs : o.runMs;
    const predOf = (p: TimePrediction, t: Target | 'total'): number =>
      t === 'total' ? p.loadMs + p.runMs + (unloadMeasured ? p.unloadMs : 0) : phaseValue(p, t);
    const slices = new Map<string, (o: LayerObservation) => boolean>([['all', () => true]]);
    const levels = [...new Set(obs.map((o) => o.memoryLimitBytes))].sort((a, b) => (a ?? Infinity) - (b ?? Infinity));
    for (const l of levels) slices.set(`M=${memoryLabel(l)}`, (o) => o.memoryLimitBytes === l);
    slices.set('swapping', (o) => o.swapBytes > 0);
    slices.set('not swapping', (o) => o.swapBytes === 0);
    for (const t of [...phases, 'total'] as const) {
      for (const [slice, keep] of slices) {
        const sub = tested.filter((x) => keep(x.o));
        if (sub.length === 0) continue;
        rows.push({
          model: kind,
          target: t,
          slice,
          metrics: errorMetrics(
            sub.map((x) => predOf(x.p, t)),
            sub.map((x) => actualOf(x.o, t)),
          ),
        });
      }
    }
    // whole-network sums
    const nets = new Map<string, { limit: number | null; swapping: boolean; actual: number; pred: number }>();
    for (const { o, p } of tested) {
      const key = `${o.hardwareId}|${o.network}|${o.memoryLimitBytes ?? 'none'}`;
      const e = nets.get(key) ?? { limit: o.memoryLimitBytes, swapping: false, actual: 0, pred: 0 };
      e.actual += actualOf(o, 'total');
      e.pred += predOf(p, 'total');
      e.swapping ||= o.swapBytes > 0;
      nets.set(key, e);
    }
    const netList = [...nets.values()];
    const netSlices = new Map<string, (e: (typeof netList)[number]) => boolean>([['all', () => true]]);
    for (const l of levels) netSlices.set(`M=${memoryLabel(l)}`, (e) => e.limit === l);
    netSlices.set('swapping', (e) => e.swapping);
    netSlices.set('not swapping', (e) => !e.swapping);
    for (const [slice, keep] of netSlices) {
      const sub = netList.filter(keep);
      if (sub.length)
        rows.push({
          model: kind,
          target: 'network',
          slice,
          metrics: errorMetrics(
            sub.map((e) => e.pred),
            sub.map((e) => e.actual),
          ),
        });
    }
  }
  return {
    split: options.split,
    observations: obs.length,
    folds: folds.map((f) => ({ name: f.name, nTrain: f.train.length, nTest: f.test.length })),
    targets: [...phases, 'total', 'network'],
    rows,
    selection,
    notes,
  };
}

function fmt(v: number, digits = 1): string {
  if (!Number.isFinite(v)) return '-';
  return Math.abs(v) >= 1e5 ? v.toExponential(1) : v.toFixed(digits);
}

/**
 * The result as one plain-text table (model x target x slice), followed by the feature-selection
 * stability of selecting models and any notes. `slices: 'all'` prints only the overall rows.
 */
export function formatEvaluation(r: EvaluationResult, opts: { slices?: 'all' | 'every' } = {}): string {
  const head = ['model', 'target', 'slice', 'n', 'log%', 'MAPE%', 'MdAPE%', 'RMSPE%', '<=10%', '<=25%', 'bias'];
  const body = r.rows
    .filter((x) => opts.slices !== 'all' || x.slice === 'all')
    .map((x) => [
      x.model,
      x.target,
      x.slice,
      String(x.metrics.n),
      fmt(x.metrics.logErrorPct),
      fmt(x.metrics.mapePct),
      fmt(x.metrics.medianApePct),
      fmt(x.metrics.rmspePct),
      fmt(x.metrics.within10Pct),
      fmt(x.metrics.within25Pct),
      fmt(x.metrics.bias, 3),
    ]);
  const width = head.map((h, j) => Math.max(h.length, ...body.map((b) => b[j]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, j) => (j < 3 ? c.padEnd(width[j]!) : c.padStart(width[j]!)))
      .join('  ')
      .trimEnd();
  const out = [
    `split ${r.split}: ${r.folds.length} folds over ${r.observations} layer configurations (medians over repetitions)`,
    line(head),
    line(width.map((w) => '-'.repeat(w))),
    ...body.map(line),
  ];
  for (const [model, byTarget] of Object.entries(r.selection)) {
    for (const [t, s] of Object.entries(byTarget)) {
      const top = s.frequency
        .slice(0, 8)
        .map(([f, q]) => `${f} ${(100 * q).toFixed(0)}%`)
        .join(', ');
      out.push(
        `${model} ${t}: ${s.meanSelected.toFixed(1)} features/fold, mean pairwise Jaccard ${s.meanPairwiseJaccard.toFixed(2)}; most selected: ${top || '(none)'}`,
      );
    }
  }
  out.push(
    "log% = mean |ln pred - ln actual| / |ln actual| (the study's metric); bias = geometric mean of pred/actual (< 1 underestimates); network = whole-network sums",
  );
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join('\n') + '\n';
}
