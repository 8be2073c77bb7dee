/**
 * Model FE, the study's first ("feature engineering") model: one linear regression per layer type
 * on theoretical quantities, with separate regressions for load, run and unload time, trained on
 * ln(time) and mapped back with plain exp().
 *
 * Our reading of the study, and the choices it leaves open:
 * - Features (FE_FEATURES): MACs, FLOPs, weight bytes, input and output activation bytes, working
 *   set bytes, and the bytes swapped at the available memory M (features/layer.ts swapBytes).
 *   Default `featureSet: 'per-target'` gives each phase the quantities its cost model names
 *   (FE_TARGET_FEATURES): load = weight bytes + swapped bytes (it reads the weights from disk);
 *   run = MACs + input and output activation bytes + swapped bytes; unload = weight bytes + working
 *   set + swapped bytes. FLOPs (~2 MACs) and the working set (~ the sum of the others) are left out
 *   of run because they are near-exact linear combinations of the rest: with the few
 *   configurations per type the study had, collinear features make OLS coefficients large and
 *   opposite-signed and the model extrapolates wildly to unseen networks. `featureSet: 'all'` uses
 *   all seven features for every phase (min-norm OLS), for comparison.
 * - Feature scale: 'log1p' (default) regresses ln t on ln(1 + feature): a power law
 *   t = c * macs^a * bytes^b ..., which is what compute- and bandwidth-bound times look like and is
 *   invariant to units; with 'raw' features ln t is linear in byte counts, so predicted time grows
 *   exponentially in layer size (one 100 MB layer dominates the fit). Both are offered; the study's
 *   text does not settle it, and docs/SEED-MODELS.md reports both.
 * - Groups: dense and conv2d get their own regression once they have enough observations to
 *   determine one (features + 2: 6 per-target, 9 with all features; or `minRowsPerType` if smaller); any other type gets its own
 *   with at least `minRowsPerType` (default 20); the rest are pooled into "other". A pooled "all" regression is the fallback for types never seen.
 * - Targets: a phase with no measurements in the training data (unload in EdgeCaffe) is not fitted,
 *   predicted as 0 and listed as absent in `fittedTargets`.
 * - Solver: OLS by QR (ml-matrix) on standardised features, min-norm SVD solution when a group's
 *   features are collinear (e.g. pooling: weightBytes = 0 everywhere).
 *
 * Cost: fit O(n p^2) per group and target; predict O(p) with no allocation (layerStats is cached
 * per layer object, so asking about one layer at many memory sizes costs under 1 us each).
 */
import { UserError } from '../errors.js';
import { swapBytes } from '../features/layer.js';
import { ols } from './linear.js';
import type { LayerObservation } from './observations.js';
import { cachedStats, observedMs } from './observations.js';
import { backTransform, DEFAULT_FLOOR_MS, logTime, slog1p, smearingFactor } from './target.js';
import { MODEL_NAME, TARGETS, type BackTransform, type LayerInput, type Model, type ModelJSON, type Target, type TimePrediction } from './types.js';

/** The theoretical features of model FE, in coefficient order. */
export const FE_FEATURES = ['macs', 'flops', 'weightBytes', 'inputBytes', 'outputBytes', 'workingSetBytes', 'swapBytes'] as const;
/** Name of one FE feature. */
export type FeFeature = (typeof FE_FEATURES)[number];

/** The features each phase uses with featureSet 'per-target' (see the file comment). */
export const FE_TARGET_FEATURES: Readonly<Record<Target, readonly FeFeature[]>> = {
  load: ['weightBytes', 'swapBytes'],
  run: ['macs', 'inputBytes', 'outputBytes', 'swapBytes'],
  unload: ['weightBytes', 'workingSetBytes', 'swapBytes'],
};

/** Serialisation format version of FE models. */
export const FE_VERSION = 1;

/** Options of fitFe. */
export interface FeOptions {
  featureScale?: 'log1p' | 'raw';
  /** 'per-target' (default): FE_TARGET_FEATURES; 'all': every FE feature for every phase. */
  featureSet?: 'per-target' | 'all';
  backTransform?: BackTransform;
  /** Observations a layer type needs for its own regression (default 20). */
  minRowsPerType?: number;
  /** Times are clamped to this before ln() (default 1e-3 ms). */
  floorMs?: number;
}

/** One fitted regression of ln(time) for one target: ln t = intercept + sum_k coef[k] f(x)[featureIdx[k]]. */
export interface FeRegression {
  /** Indices into FE_FEATURES of the features this regression uses. */
  featureIdx: number[];
  intercept: number;
  coef: number[];
  /** Duan's smearing factor on the training residuals. */
  smearing: number;
  /** Root mean square of the training residuals of ln(time). */
  rmseLog: number;
  n: number;
}

/** The regressions of one layer-type group. */
export interface FeGroup {
  /** Layer types this group covers ("all" for the fallback). */
  types: string[];
  n: number;
  targets: Partial<Record<Target, FeRegression>>;
}

/** Plain-data form of an FE model. */
export interface FeModelJSON extends ModelJSON {
  kind: 'fe';
  features: string[];
  featureScale: 'log1p' | 'raw';
  featureSet: 'per-target' | 'all';
  backTransform: BackTransform;
  floorMs: number;
  fittedTargets: Target[];
  /** Group name -> group; names are a layer type, "other" or "all". */
  groups: Record<string, FeGroup>;
}

/** Feature values of FE (in FE_FEATURES order) for one input, written into `out`. */
function feFeatures(x: LayerInput, scale: 'log1p' | 'raw', out: Float64Array): Float64Array {
  const st = cachedStats(x);
  const sw = swapBytes(st.workingSetBytes, x.memoryBytes, x.hardware.runtimeIdleBytes ?? 0);
  out[0] = st.macs;
  out[1] = st.flops;
  out[2] = st.weightBytes;
  out[3] = st.inputBytes;
  out[4] = st.outputBytes;
  out[5] = st.workingSetBytes;
  out[6] = sw;
  if (scale === 'log1p') for (let j = 0; j < out.length; j++) out[j] = slog1p(out[j]!);
  return out;
}

/** A fitted FE model (see the file comment). */
export class FeModel implements Model {
  readonly name = MODEL_NAME;
  readonly kind = 'fe';
  readonly version = FE_VERSION;
  readonly fittedTargets: readonly Target[];
  private readonly buf = new Float64Array(FE_FEATURES.length);
  private readonly byType = new Map<string, FeGroup>();

  constructor(readonly data: FeModelJSON) {
    this.fittedTargets = data.fittedTargets;
    for (const [name, g] of Object.entries(data.groups)) if (name !== 'all' && name !== 'other') for (const t of g.types) this.byType.set(t, g);
  }

  /** The group that predicts a layer type: its own, else "other", else "all". */
  groupFor(layerType: string): FeGroup {
    return this.byType.get(layerType) ?? this.data.groups.other ?? this.data.groups.all!;
  }

  /** ln(time) predicted for one target (NaN when the target was not fitted). */
  predictLog(x: LayerInput, target: Target): number {
    const g = this.groupFor(x.layer.layer.type);
    const reg = g.targets[target] ?? this.data.groups.all?.targets[target];
    if (!reg) return NaN;
    return linear(reg, feFeatures(x, this.data.featureScale, this.buf));
  }

  predict(x: LayerInput): TimePrediction {
    const g = this.groupFor(x.layer.layer.type);
    const all = this.data.groups.all;
    const f = feFeatures(x, this.data.featureScale, this.buf);
    const one = (t: Target): number => {
      const reg = g.targets[t] ?? all?.targets[t];
      return reg ? backTransform(linear(reg, f), this.data.backTransform, reg.smearing) : 0;
    };
    return { loadMs: one('load'), runMs: one('run'), unloadMs: one('unload') };
  }

  toJSON(): FeModelJSON {
    return this.data;
  }
}

function linear(reg: FeRegression, f: Float64Array): number {
  let z = reg.intercept;
  const idx = reg.featureIdx;
  for (let k = 0; k < idx.length; k++) z += reg.coef[k]! * f[idx[k]!]!;
  return z;
}

function fitRegression(Xall: number[][], y: number[], featureIdx: number[]): FeRegression {
  const X = Xall.map((row) => featureIdx.map((j) => row[j]!));
  const f = ols(X, y);
  const res = y.map((v, i) => v - X[i]!.reduce((s, x, j) => s + f.coef[j]! * x, f.intercept));
  return {
    featureIdx,
    intercept: f.intercept,
    coef: f.coef,
    smearing: smearingFactor(res),
    rmseLog: Math.sqrt(res.reduce((s, r) => s + r * r, 0) / Math.max(1, res.length)),
    n: y.length,
  };
}

function featureIndices(target: Target, set: 'per-target' | 'all'): number[] {
  return set === 'all' ? FE_FEATURES.map((_, j) => j) : FE_TARGET_FEATURES[target].map((f) => FE_FEATURES.indexOf(f));
}

function fitGroup(types: string[], obs: readonly LayerObservation[], X: number[][], floorMs: number, set: 'per-target' | 'all'): FeGroup {
  const targets: Partial<Record<Target, FeRegression>> = {};
  for (const t of TARGETS) {
    const idx: number[] = [];
    obs.forEach((o, i) => {
      const v = observedMs(o, t);
      if (v !== null && Number.isFinite(v)) idx.push(i);
    });
    if (idx.length < 2) continue;
    targets[t] = fitRegression(
      idx.map((i) => X[i]!),
      idx.map((i) => logTime(observedMs(obs[i]!, t)!, floorMs)),
      featureIndices(t, set),
    );
  }
  return { types, n: obs.length, targets };
}

/**
 * Fits model FE on per-configuration observations. Throws a UserError when there are fewer than 2
 * observations. Cost O(n p^2).
 */
export function fitFe(obs: readonly LayerObservation[], options: FeOptions = {}): FeModel {
  if (obs.length < 2) throw new UserError(`model fe: needs at least 2 layer configurations to fit, got ${obs.length}; profile more layers`);
  const featureScale = options.featureScale ?? 'log1p';
  const floorMs = options.floorMs ?? DEFAULT_FLOOR_MS;
  const minRows = options.minRowsPerType ?? 20;
  const set = options.featureSet ?? 'per-target';
  const X = obs.map((o) => Array.from(feFeatures(o, featureScale, new Float64Array(FE_FEATURES.length))));
  const byType = new Map<string, number[]>();
  obs.forEach((o, i) => {
    const t = o.layer.layer.type;
    let l = byType.get(t);
    if (!l) byType.set(t, (l = []));
    l.push(i);
  });
  const groups: Record<string, FeGroup> = {};
  const pooled: number[] = [];
  const pooledTypes: string[] = [];
  for (const [type, idx] of [...byType].sort(([a], [b]) => a.localeCompare(b))) {
    // dense and conv2d always get their own regression (the study's two main types) once they have
    // enough rows to determine it (features + 2); other types need minRowsPerType
    const need = type === 'dense' || type === 'conv2d' ? Math.min(minRows, (set === 'all' ? FE_FEATURES.length : 4) + 2) : minRows;
    if (idx.length >= need) {
      groups[type] = fitGroup(
        [type],
        idx.map((i) => obs[i]!),
        idx.map((i) => X[i]!),
        floorMs,
        set,
      );
    } else {
      pooled.push(...idx);
      pooledTypes.push(type);
    }
  }
  if (pooled.length >= 2)
    groups.other = fitGroup(
      pooledTypes,
      pooled.map((i) => obs[i]!),
      pooled.map((i) => X[i]!),
      floorMs,
      set,
    );
  groups.all = fitGroup([...byType.keys()].sort(), obs, X, floorMs, set);
  const fittedTargets = TARGETS.filter((t) => groups.all!.targets[t] !== undefined);
  return new FeModel({
    name: MODEL_NAME,
    kind: 'fe',
    version: FE_VERSION,
    features: [...FE_FEATURES],
    featureScale,
    featureSet: set,
    backTransform: options.backTransform ?? 'exp',
    floorMs,
    fittedTargets,
    groups,
  });
}
