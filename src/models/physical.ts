/**
 * Model "physical": a physically grounded model of the three phases of EXECUTION-MODEL.md, with
 * non-negative, interpretable coefficients fitted per hardware on the real (millisecond) scale.
 *
 *   load   = a0 + a1 * weightBytes + a2 * loadSwapBytes
 *            (a1 = 1 / cold disk bandwidth; a2 = cost of writing out / reading back what does not
 *             fit while the weights are read)
 *   run    = b0 + b1 * flops + b2 * bytesTouched + b3 * swapBytes + b4 * swapBytes * nPasses
 *            fitted separately per kernel family (conv, depthwise/grouped conv, dense/matmul,
 *            element-wise and the rest), so b1 is the inverse of that family's achieved FLOP rate:
 *            the "learned efficiency that depends on the layer's shape"
 *   unload = c0 + c1 * (weightBytes + activation bytes) + c2 * swapBytes
 *
 * where bytesTouched = weight + input + output bytes (memory traffic), swapBytes = bytes of the
 * working set that do not fit at M (features/layer.ts), and nPasses = how many times the kernel
 * streams its weights (output pixels per weight for convs, rows for dense): a layer that does not
 * fit pays its swap once per pass over memory that was paged out.
 *
 * The loss is relative: minimise sum ((pred - y) / y)^2, i.e. non-negative least squares on rows
 * scaled by 1/y (Lawson-Hanson NNLS from ./linear.ts with a constant column, so the intercept is
 * non-negative too). Fitting directly on milliseconds avoids the back-transform bias of log-space
 * models (the study's 2-10x underestimate). Cost: fit O(n p^2), predict O(1).
 */
import { UserError } from '../errors.js';
import { swapBytes } from '../features/layer.js';
import type { LayerStats } from '../network/types.js';
import { nnls } from './linear.js';
import { cachedStats, observedMs, type LayerObservation } from './observations.js';
import { MODEL_NAME, TARGETS, type LayerInput, type Model, type ModelJSON, type Target, type TimePrediction } from './types.js';

export const PHYSICAL_VERSION = 1;

/** Kernel families with their own run-time coefficients. */
export const RUN_FAMILIES = ['conv', 'dwconv', 'gemm', 'other'] as const;
export type RunFamily = (typeof RUN_FAMILIES)[number];

/** The family a layer's run time is modelled with. */
export function runFamily(x: LayerInput): RunFamily {
  const l = x.layer.layer;
  if (l.type === 'conv2d') return (l.groups ?? 1) > 1 ? 'dwconv' : 'conv';
  if (l.type === 'dense' || l.type === 'matmul') return 'gemm';
  return 'other';
}

/** Everything the physical terms need about one query, computed once. */
export interface PhysicalTerms {
  stats: LayerStats;
  swapBytes: number;
  loadSwapBytes: number;
  passes: number;
}

/** Derives the physical terms of a query (layer stats, overflow at M, weight passes). */
export function physicalTerms(x: LayerInput): PhysicalTerms {
  const stats = cachedStats(x);
  const idle = x.hardware.runtimeIdleBytes ?? 0;
  const sw = swapBytes(stats.workingSetBytes, x.memoryBytes, idle);
  const loadSwapBytes = Math.max(0, idle + stats.inputBytes + stats.weightBytes - x.memoryBytes);
  // How often the kernel sweeps its weights: MACs per weight (>= 1 for layers with weights).
  const passes = stats.weights > 0 ? Math.max(1, stats.macs / stats.weights) : 1;
  return { stats, swapBytes: sw, loadSwapBytes, passes };
}

const MB = 1024 * 1024;
const GFLOP = 1e9;

/** Design row (scaled units: MiB and GFLOP, so coefficients are readable) of one target. */
export function designRow(t: Target, p: PhysicalTerms): number[] {
  const s = p.stats;
  switch (t) {
    case 'load':
      return [1, s.weightBytes / MB, p.loadSwapBytes / MB];
    case 'run':
      return [
        1,
        s.flops / GFLOP,
        (s.weightBytes + s.inputBytes + s.outputBytes) / MB,
        p.swapBytes / MB,
        ((p.swapBytes / MB) * Math.min(p.passes, 4096)) / 1024,
      ];
    case 'unload':
      return [1, (s.weightBytes + s.inputBytes + s.outputBytes) / MB, p.swapBytes / MB];
  }
}

/** Names of the design columns per target, for reports. */
export const DESIGN_COLUMNS: Readonly<Record<Target, readonly string[]>> = {
  load: ['ms', 'ms/MiB weights', 'ms/MiB load overflow'],
  run: ['ms', 'ms/GFLOP', 'ms/MiB touched', 'ms/MiB swapped', 'ms/MiB swapped per 1024 passes'],
  unload: ['ms', 'ms/MiB freed', 'ms/MiB swapped'],
};

export interface PhysicalModelJSON extends ModelJSON {
  kind: 'physical';
  version: typeof PHYSICAL_VERSION;
  fittedTargets: Target[];
  /** Coefficients (non-negative) per target; run has one vector per family. */
  load: number[];
  unload: number[];
  run: Record<RunFamily, number[]>;
  /** Rows behind each fit (run: per family). */
  n: { load: number; unload: number; run: Record<RunFamily, number> };
}

function dot(c: readonly number[], x: readonly number[]): number {
  let s = 0;
  for (let j = 0; j < x.length; j++) s += c[j]! * x[j]!;
  return s;
}

/** A fitted physical model. */
export class PhysicalModel implements Model {
  readonly name = MODEL_NAME;
  readonly kind = 'physical';
  readonly version = PHYSICAL_VERSION;
  readonly fittedTargets: readonly Target[];
  constructor(readonly data: PhysicalModelJSON) {
    this.fittedTargets = data.fittedTargets;
  }
  /** Prediction from precomputed terms (the fast path used by curves and benchmarks). */
  predictTerms(p: PhysicalTerms, family: RunFamily): TimePrediction {
    const d = this.data;
    return {
      loadMs: d.fittedTargets.includes('load') ? dot(d.load, designRow('load', p)) : 0,
      runMs: dot(d.run[family], designRow('run', p)),
      unloadMs: d.fittedTargets.includes('unload') ? dot(d.unload, designRow('unload', p)) : 0,
    };
  }
  predict(x: LayerInput): TimePrediction {
    return this.predictTerms(physicalTerms(x), runFamily(x));
  }
  toJSON(): PhysicalModelJSON {
    return this.data;
  }
}

/** Options of fitPhysical. */
export interface PhysicalOptions {
  /** Fewest rows for a run family to get its own coefficients (else it shares the pooled fit). */
  minRowsPerFamily?: number;
}

/** NNLS on the relative loss: rows scaled by 1/y, intercept as a constrained constant column. */
export function fitRelativeNnls(X: readonly (readonly number[])[], y: readonly number[]): number[] {
  const Xs = X.map((row, i) => row.map((v) => v / y[i]!));
  const ones = y.map(() => 1);
  return nnls(Xs, ones, { intercept: false }).coef;
}

/**
 * Fits the physical model on per-configuration observations (medians over repetitions).
 * Throws a UserError when there are too few usable observations for the load or run phase.
 */
export function fitPhysical(obs: readonly LayerObservation[], options: PhysicalOptions = {}): PhysicalModel {
  const minRows = options.minRowsPerFamily ?? 30;
  const terms = obs.map((o) => physicalTerms(o));
  const usable = (t: Target): number[] => {
    const idx: number[] = [];
    obs.forEach((o, i) => {
      const v = observedMs(o, t);
      if (v !== null && Number.isFinite(v) && v > 0) idx.push(i);
    });
    return idx;
  };
  const fitOn = (t: Target, idx: number[]): number[] =>
    fitRelativeNnls(
      idx.map((i) => designRow(t, terms[i]!)),
      idx.map((i) => observedMs(obs[i]!, t)!),
    );

  const fitted: Target[] = [];
  const loadIdx = usable('load');
  const unloadIdx = usable('unload');
  const runIdx = usable('run');
  if (runIdx.length < 5) throw new UserError(`model physical: needs at least 5 layer configurations with run times, got ${runIdx.length}; profile more layers`);
  const load = loadIdx.length >= 3 ? fitOn('load', loadIdx) : [0, 0, 0];
  if (loadIdx.length >= 3) fitted.push('load');
  const unload = unloadIdx.length >= 3 ? fitOn('unload', unloadIdx) : [0, 0, 0];
  if (unloadIdx.length >= 3) fitted.push('unload');
  fitted.push('run');
  const pooled = fitOn('run', runIdx);
  const run = {} as Record<RunFamily, number[]>;
  const nRun = {} as Record<RunFamily, number>;
  for (const fam of RUN_FAMILIES) {
    const idx = runIdx.filter((i) => runFamily(obs[i]!) === fam);
    nRun[fam] = idx.length;
    run[fam] = idx.length >= minRows ? fitOn('run', idx) : pooled;
  }
  const order = TARGETS.filter((t) => fitted.includes(t));
  return new PhysicalModel({
    name: MODEL_NAME,
    kind: 'physical',
    version: PHYSICAL_VERSION,
    fittedTargets: order,
    load,
    unload,
    run,
    n: { load: loadIdx.length, unload: unloadIdx.length, run: nRun },
  });
}

/** Checks and rebuilds a physical model from JSON. */
export function loadPhysical(o: Record<string, unknown>): PhysicalModel {
  const okVec = (v: unknown, len: number): boolean => Array.isArray(v) && v.length === len && v.every((x) => typeof x === 'number' && x >= 0);
  const run = o.run as Record<string, unknown> | undefined;
  if (!okVec(o.load, 3) || !okVec(o.unload, 3) || typeof run !== 'object' || run === null || !RUN_FAMILIES.every((f) => okVec(run[f], 5))) {
    throw new UserError(
      'invalid model: physical model needs non-negative coefficient vectors load[3], unload[3], run.{conv,dwconv,gemm,other}[5]; the file is damaged, refit it',
    );
  }
  return new PhysicalModel(o as unknown as PhysicalModelJSON);
}
