/**
 * Tree models (gradient-boosted trees from ./gbt.ts), as nn-Meter uses per kernel:
 *
 * - "gbt": ln(time) of each phase learned from a compact feature vector of the layer at M, then
 *   back-transformed with Duan's smearing factor (mean of exp(residual) over the training rows), so
 *   predictions estimate the mean time, not the geometric mean (the study's bias).
 * - "hybrid": the physical model (./physical.ts) times a learned correction:
 *   time = physical * exp(gbt(features)) * smearing, the trees fitted to ln(y / physical). The
 *   physics carries the extrapolation to sizes and memory levels outside the training data; the
 *   trees learn shape-dependent efficiency (e.g. poor depthwise-conv throughput, cache effects).
 *
 * Features (ln(1+x) of sizes so trees split on orders of magnitude): flops, weight/input/output/
 * workspace bytes, swap bytes, load-overflow bytes, swap fraction, weight passes, kernel family,
 * kernel area, stride, groups, layer type code. Cost: predict O(trees * depth), no allocation.
 */
import { UserError } from '../errors.js';
import { expandPair } from '../network/hyperparams.js';
import { LAYER_TYPES } from '../network/lists.js';
import { fitGbt, loadGbt, predictGbt, type GbtModel, type GbtOptions } from './gbt.js';
import { observedMs, type LayerObservation } from './observations.js';
import { PhysicalModel, fitPhysical, loadPhysical, physicalTerms, runFamily, RUN_FAMILIES, type PhysicalModelJSON, type PhysicalTerms } from './physical.js';
import { MODEL_NAME, TARGETS, type LayerInput, type Model, type ModelJSON, type Target, type TimePrediction } from './types.js';

export const BOOSTED_VERSION = 1;

export const TREE_FEATURES = [
  'ln_flops',
  'ln_weightBytes',
  'ln_inputBytes',
  'ln_outputBytes',
  'ln_workspaceBytes',
  'ln_swapBytes',
  'ln_loadSwapBytes',
  'swapFraction',
  'ln_passes',
  'family',
  'kernelArea',
  'stride',
  'ln_groups',
  'typeCode',
] as const;

const l1p = (v: number): number => Math.log1p(Math.max(0, v));

/** Writes the tree features of a query into `out` (TREE_FEATURES order). */
export function treeFeatures(x: LayerInput, p: PhysicalTerms, out: Float64Array): Float64Array {
  const s = p.stats;
  const l = x.layer.layer;
  out[0] = l1p(s.flops);
  out[1] = l1p(s.weightBytes);
  out[2] = l1p(s.inputBytes);
  out[3] = l1p(s.outputBytes);
  out[4] = l1p(s.workspaceBytes);
  out[5] = l1p(p.swapBytes);
  out[6] = l1p(p.loadSwapBytes);
  out[7] = s.workingSetBytes > 0 ? p.swapBytes / s.workingSetBytes : 0;
  out[8] = Math.log(p.passes);
  out[9] = RUN_FAMILIES.indexOf(runFamily(x));
  let area = 0;
  let stride = 0;
  let groups = 1;
  if (l.type === 'conv2d' || (l.type === 'pool' && l.kernel !== undefined)) {
    const [kh, kw] = expandPair(l.kernel ?? 1, 1, 'kernel');
    area = kh * kw;
    stride = expandPair(l.stride ?? (l.type === 'pool' ? l.kernel : 1) ?? 1, 1, 'stride')[0];
    if (l.type === 'conv2d') groups = l.groups ?? 1;
  }
  out[10] = area;
  out[11] = stride;
  out[12] = Math.log(groups);
  out[13] = LAYER_TYPES.indexOf(l.type);
  return out;
}

interface TargetTrees {
  trees: GbtModel;
  smearing: number;
  n: number;
}

export interface BoostedModelJSON extends ModelJSON {
  kind: 'gbt' | 'hybrid';
  version: typeof BOOSTED_VERSION;
  fittedTargets: Target[];
  floorMs: number;
  targets: Partial<Record<Target, TargetTrees>>;
  /** hybrid only: the physical base model. */
  base?: PhysicalModelJSON;
}

export class BoostedModel implements Model {
  readonly name = MODEL_NAME;
  readonly kind: 'gbt' | 'hybrid';
  readonly version = BOOSTED_VERSION;
  readonly fittedTargets: readonly Target[];
  private readonly buf = new Float64Array(TREE_FEATURES.length);
  private readonly base: PhysicalModel | null;
  constructor(readonly data: BoostedModelJSON) {
    this.kind = data.kind;
    this.fittedTargets = data.fittedTargets;
    this.base = data.base ? new PhysicalModel(data.base) : null;
  }
  predictTerms(x: LayerInput, p: PhysicalTerms): TimePrediction {
    const f = treeFeatures(x, p, this.buf);
    const b = this.base?.predictTerms(p, runFamily(x));
    const one = (t: Target, baseMs: number | undefined): number => {
      const tt = this.data.targets[t];
      if (!tt) return 0;
      const corr = Math.exp(predictGbt(tt.trees, f)) * tt.smearing;
      return baseMs === undefined ? corr : Math.max(baseMs, this.data.floorMs) * corr;
    };
    return { loadMs: one('load', b?.loadMs), runMs: one('run', b?.runMs), unloadMs: one('unload', b?.unloadMs) };
  }
  predict(x: LayerInput): TimePrediction {
    return this.predictTerms(x, physicalTerms(x));
  }
  toJSON(): BoostedModelJSON {
    return this.data;
  }
}

export interface BoostedOptions {
  gbt?: GbtOptions;
  floorMs?: number;
}

const DEFAULT_TREES: GbtOptions = { nTrees: 300, maxDepth: 4, learningRate: 0.05, minSamplesLeaf: 8, subsample: 0.8, seed: 1 };

/** Fits "gbt" (hybrid = false) or "hybrid" (hybrid = true) on observations. */
export function fitBoosted(obs: readonly LayerObservation[], hybrid: boolean, options: BoostedOptions = {}): BoostedModel {
  if (obs.length < 20)
    throw new UserError(`model ${hybrid ? 'hybrid' : 'gbt'}: needs at least 20 layer configurations, got ${obs.length}; profile more layers`);
  const floorMs = options.floorMs ?? 1e-3;
  const base = hybrid ? fitPhysical(obs) : null;
  const terms = obs.map((o) => physicalTerms(o));
  const feats = obs.map((o, i) => Array.from(treeFeatures(o, terms[i]!, new Float64Array(TREE_FEATURES.length))));
  const targets: Partial<Record<Target, TargetTrees>> = {};
  const fitted: Target[] = [];
  for (const t of TARGETS) {
    const idx: number[] = [];
    obs.forEach((o, i) => {
      const v = observedMs(o, t);
      if (v !== null && Number.isFinite(v) && v > 0) idx.push(i);
    });
    if (idx.length < 20) continue;
    const y = idx.map((i) => {
      const meas = Math.log(Math.max(observedMs(obs[i]!, t)!, floorMs));
      if (!base) return meas;
      const bp = base.predictTerms(terms[i]!, runFamily(obs[i]!));
      const bms = t === 'load' ? bp.loadMs : t === 'run' ? bp.runMs : bp.unloadMs;
      return meas - Math.log(Math.max(bms, floorMs));
    });
    const X = idx.map((i) => feats[i]!);
    const trees = fitGbt(X, y, { ...DEFAULT_TREES, ...options.gbt });
    let sm = 0;
    idx.forEach((_, k) => (sm += Math.exp(y[k]! - predictGbt(trees, X[k]!))));
    targets[t] = { trees, smearing: sm / idx.length, n: idx.length };
    fitted.push(t);
  }
  return new BoostedModel({
    name: MODEL_NAME,
    kind: hybrid ? 'hybrid' : 'gbt',
    version: BOOSTED_VERSION,
    fittedTargets: fitted,
    floorMs,
    targets,
    ...(base ? { base: base.toJSON() } : {}),
  });
}

export function loadBoosted(o: Record<string, unknown>): BoostedModel {
  const targets = o.targets as Record<string, { trees?: unknown; smearing?: unknown }> | undefined;
  if (typeof targets !== 'object' || targets === null) throw new UserError(`invalid model: ${String(o.kind)} model has no "targets"; refit it`);
  for (const [t, v] of Object.entries(targets)) {
    try {
      loadGbt(v.trees);
    } catch (e) {
      throw new UserError(`invalid model: ${String(o.kind)} target ${t}: ${(e as Error).message}`);
    }
    if (!(typeof v.smearing === 'number' && v.smearing > 0))
      throw new UserError(`invalid model: ${String(o.kind)} target ${t} has no positive smearing factor`);
  }
  if (o.kind === 'hybrid') {
    if (typeof o.base !== 'object' || o.base === null) throw new UserError('invalid model: hybrid model has no physical "base"; refit it');
    loadPhysical(o.base as Record<string, unknown>);
  }
  return new BoostedModel(o as unknown as BoostedModelJSON);
}
