/**
 * Gradient-boosted regression trees, histogram-based (as LightGBM / scikit-learn's
 * HistGradientBoostingRegressor do), pure TypeScript.
 *
 * Why our own: the only maintained-enough JS option (ml-xgboost) is unmaintained wasm without types;
 * this is ~250 lines, deterministic, serialises to plain JSON, and predicts with a flat-array walk
 * (tens of millions of rows/s for depth-4 trees).
 *
 * Algorithm (Friedman 2001, "Greedy function approximation"; histogram splits as in Ke et al. 2017):
 * - every feature is cut once into <= maxBins-1 thresholds (midpoints between distinct values, or
 *   between quantiles when there are more distinct values than bins);
 * - squared loss: each tree fits the residuals; a node's split maximises
 *   G_L^2/(n_L+lambda) + G_R^2/(n_R+lambda) - G^2/(n+lambda), leaves hold sum(r)/(n+lambda);
 * - quantile (pinball) loss at alpha: trees are grown on the negative gradient
 *   (alpha - 1[y < f]) and each leaf's value is then the alpha-quantile of the residuals in it
 *   (the line search of Friedman's LAD/quantile TreeBoost, as scikit-learn's GradientBoostingRegressor).
 * Cost: fit O(trees * depth * rows * features); predict O(trees * depth).
 *
 * @example
 *   const m = fitGbt(X, y, { nTrees: 200, maxDepth: 3 });
 *   predictGbt(m, [1.5, 2]);
 */

import { mulberry32 } from '../random.js';
import { quantile } from '../stats.js';

export interface GbtOptions {
  nTrees?: number; // default 200
  maxDepth?: number; // default 4
  learningRate?: number; // default 0.1
  minSamplesLeaf?: number; // default 5
  maxBins?: number; // default 64 (<= 256)
  /** L2 penalty on leaf values (squared loss only). Default 1. */
  lambda?: number;
  /** Fraction of rows used per tree (stochastic gradient boosting), seeded. Default 1. */
  subsample?: number;
  /** 'squared' (default) or a quantile level in (0, 1). */
  loss?: 'squared' | { quantile: number };
  seed?: number;
}

/** A fitted ensemble as plain data. Trees are stored flat: node k of tree t is at offset[t] + k. */
export interface GbtModel {
  kind: 'gbt';
  version: 1;
  nFeatures: number;
  base: number;
  learningRate: number;
  loss: 'squared' | { quantile: number };
  /** Start of each tree in the node arrays. */
  offsets: number[];
  /** Split feature per node, -1 for a leaf. */
  feature: number[];
  /** Go left when x[feature] <= threshold. */
  threshold: number[];
  /** Child node indices relative to the tree start; leaves use `value`. */
  left: number[];
  right: number[];
  value: number[];
}

/** Cut points for one feature column: midpoints between distinct values (or between quantiles). */
export function binThresholds(values: ArrayLike<number>, maxBins: number): number[] {
  const sorted = Float64Array.from(values).sort();
  const distinct: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i]!;
    if (distinct.length === 0 || v !== distinct[distinct.length - 1]) distinct.push(v);
  }
  const cuts: number[] = [];
  if (distinct.length <= maxBins) {
    for (let i = 0; i + 1 < distinct.length; i++) cuts.push((distinct[i]! + distinct[i + 1]!) / 2);
    return cuts;
  }
  for (let b = 1; b < maxBins; b++) {
    const idx = Math.floor((b * sorted.length) / maxBins);
    const lo = sorted[Math.max(0, idx - 1)]!;
    const hi = sorted[idx]!;
    const cut = lo === hi ? hi : (lo + hi) / 2;
    if (cuts.length === 0 || cut > cuts[cuts.length - 1]!) cuts.push(cut);
  }
  return cuts;
}

/** Index of the first cut >= v (so code b means cuts[b-1] < v <= cuts[b]). */
function binOf(cuts: number[], v: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= cuts[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function check(X: ArrayLike<number>[], y: ArrayLike<number>): number {
  if (X.length !== y.length) throw new Error(`fitGbt: ${X.length} feature rows but ${y.length} targets`);
  if (X.length === 0) throw new Error('fitGbt: no rows to fit');
  const p = X[0]!.length;
  for (let i = 0; i < X.length; i++) {
    const row = X[i]!;
    if (row.length !== p) throw new Error(`fitGbt: row ${i} has ${row.length} features, expected ${p}`);
    for (let j = 0; j < p; j++) {
      if (!Number.isFinite(row[j]!)) throw new Error(`fitGbt: row ${i} feature ${j} is ${row[j]}`);
    }
    if (!Number.isFinite(y[i]!)) throw new Error(`fitGbt: target ${i} is ${y[i]}`);
  }
  return p;
}

/**
 * Fits a boosted ensemble to rows X (n x p) and targets y.
 * Throws (plain Error: programmer input) on ragged or non-finite data.
 */
export function fitGbt(X: ArrayLike<number>[], y: ArrayLike<number>, options: GbtOptions = {}): GbtModel {
  const p = check(X, y);
  const n = X.length;
  const nTrees = options.nTrees ?? 200;
  const maxDepth = options.maxDepth ?? 4;
  const lr = options.learningRate ?? 0.1;
  const minLeaf = Math.max(1, options.minSamplesLeaf ?? 5);
  const maxBins = Math.min(256, Math.max(2, options.maxBins ?? 64));
  const lambda = options.lambda ?? 1;
  const subsample = options.subsample ?? 1;
  const loss = options.loss ?? 'squared';
  const alpha = loss === 'squared' ? 0 : loss.quantile;
  if (loss !== 'squared' && !(alpha > 0 && alpha < 1)) throw new Error(`fitGbt: quantile ${alpha} must be in (0, 1)`);
  const random = mulberry32(options.seed ?? 1);

  // Bin every feature once.
  const cuts: number[][] = [];
  const codes: Uint8Array[] = [];
  for (let j = 0; j < p; j++) {
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) col[i] = X[i]![j]!;
    const c = binThresholds(col, maxBins);
    cuts.push(c);
    const code = new Uint8Array(n);
    for (let i = 0; i < n; i++) code[i] = binOf(c, col[i]!);
    codes.push(code);
  }

  const yy = Float64Array.from(y);
  const base = loss === 'squared' ? yy.reduce((a, b) => a + b, 0) / n : quantile(yy, alpha);
  const f = new Float64Array(n).fill(base);
  const grad = new Float64Array(n);

  const model: GbtModel = {
    kind: 'gbt',
    version: 1,
    nFeatures: p,
    base,
    learningRate: lr,
    loss,
    offsets: [],
    feature: [],
    threshold: [],
    left: [],
    right: [],
    value: [],
  };

  const histG = new Float64Array(256);
  const histN = new Float64Array(256);

  for (let t = 0; t < nTrees; t++) {
    for (let i = 0; i < n; i++) {
      const r = yy[i]! - f[i]!;
      grad[i] = loss === 'squared' ? r : r > 0 ? alpha : alpha - 1;
    }
    let rows: number[] = [];
    if (subsample < 1) {
      for (let i = 0; i < n; i++) if (random() < subsample) rows.push(i);
      if (rows.length < 2 * minLeaf) rows = Array.from({ length: n }, (_, i) => i);
    } else rows = Array.from({ length: n }, (_, i) => i);

    const offset = model.feature.length;
    model.offsets.push(offset);
    // Grow depth-first; each entry: node index (relative), its rows, depth.
    const stack: { node: number; rows: number[]; depth: number }[] = [];
    const newNode = (): number => {
      model.feature.push(-1);
      model.threshold.push(0);
      model.left.push(-1);
      model.right.push(-1);
      model.value.push(0);
      return model.feature.length - 1 - offset;
    };
    stack.push({ node: newNode(), rows, depth: 0 });
    const leaves: { node: number; rows: number[] }[] = [];
    while (stack.length > 0) {
      const { node, rows: nodeRows, depth } = stack.pop()!;
      let G = 0;
      for (const i of nodeRows) G += grad[i]!;
      const nn = nodeRows.length;
      let bestGain = 1e-12;
      let bestFeature = -1;
      let bestBin = -1;
      if (depth < maxDepth && nn >= 2 * minLeaf) {
        const parentScore = (G * G) / (nn + lambda);
        for (let j = 0; j < p; j++) {
          const nb = cuts[j]!.length + 1;
          if (nb < 2) continue;
          histG.fill(0, 0, nb);
          histN.fill(0, 0, nb);
          const code = codes[j]!;
          for (const i of nodeRows) {
            const b = code[i]!;
            histG[b]! += grad[i]!;
            histN[b]! += 1;
          }
          let gl = 0;
          let nl = 0;
          for (let b = 0; b < nb - 1; b++) {
            gl += histG[b]!;
            nl += histN[b]!;
            const nr = nn - nl;
            if (nl < minLeaf) continue;
            if (nr < minLeaf) break;
            const gr = G - gl;
            const gain = (gl * gl) / (nl + lambda) + (gr * gr) / (nr + lambda) - parentScore;
            if (gain > bestGain) {
              bestGain = gain;
              bestFeature = j;
              bestBin = b;
            }
          }
        }
      }
      if (bestFeature < 0) {
        leaves.push({ node, rows: nodeRows });
        continue;
      }
      const code = codes[bestFeature]!;
      const lrows: number[] = [];
      const rrows: number[] = [];
      for (const i of nodeRows) (code[i]! <= bestBin ? lrows : rrows).push(i);
      const abs = offset + node;
      model.feature[abs] = bestFeature;
      model.threshold[abs] = cuts[bestFeature]![bestBin]!;
      const l = newNode();
      const r = newNode();
      model.left[abs] = l;
      model.right[abs] = r;
      stack.push({ node: r, rows: rrows, depth: depth + 1 });
      stack.push({ node: l, rows: lrows, depth: depth + 1 });
    }
    // Leaf values, then update the running prediction of every row (not only the subsample).
    for (const { node, rows: leafRows } of leaves) {
      let v: number;
      if (loss === 'squared') {
        let s = 0;
        for (const i of leafRows) s += grad[i]!;
        v = s / (leafRows.length + lambda);
      } else {
        const res = new Float64Array(leafRows.length);
        leafRows.forEach((i, k) => (res[k] = yy[i]! - f[i]!));
        v = res.length === 0 ? 0 : quantile(res, alpha); // an empty leaf keeps 0
      }
      model.value[offset + node] = v;
    }
    for (let i = 0; i < n; i++) f[i]! += lr * treeValue(model, t, X[i]!);
  }
  return model;
}

function treeValue(m: GbtModel, t: number, x: ArrayLike<number>): number {
  const off = m.offsets[t]!;
  let k = off;
  for (;;) {
    const feat = m.feature[k]!;
    if (feat < 0) return m.value[k]!;
    k = off + (x[feat]! <= m.threshold[k]! ? m.left[k]! : m.right[k]!);
  }
}

/** Predicts one row. O(trees * depth), no allocation. */
export function predictGbt(m: GbtModel, x: ArrayLike<number>): number {
  let s = m.base;
  const nt = m.offsets.length;
  for (let t = 0; t < nt; t++) s += m.learningRate * treeValue(m, t, x);
  return s;
}

/** Checks that a parsed JSON object is a GbtModel (structure and array lengths). */
export function loadGbt(json: unknown): GbtModel {
  const o = json as Partial<GbtModel> | null;
  if (!o || o.kind !== 'gbt' || o.version !== 1) {
    throw new Error(`invalid model: expected kind "gbt" version 1, got ${JSON.stringify(o?.kind)} ${JSON.stringify(o?.version)}`);
  }
  const len = o.feature?.length;
  for (const key of ['threshold', 'left', 'right', 'value'] as const) {
    if (!Array.isArray(o[key]) || o[key].length !== len) throw new Error(`invalid model: gbt.${key} length differs from gbt.feature (${len})`);
  }
  if (!Array.isArray(o.offsets) || typeof o.base !== 'number' || typeof o.learningRate !== 'number') {
    throw new Error('invalid model: gbt needs offsets, base and learningRate');
  }
  return o as GbtModel;
}
