/**
 * Model FS, the study's second ("feature selection") model: LASSO over every description feature,
 * with the feature set grown by products of features, PCA before the final regression, the
 * regularisation chosen by cross-validation, on ln(time), back-transformed with plain exp().
 *
 * Our exact reading of the study's procedure, per target (load, run, unload), on the training
 * observations only:
 * 1. Base features: FEATURE_NAMES (features/layer.ts), transformed by `featureScale` ('log1p':
 *    sign(x) ln(1+|x|), the default, so products are interactions of log-quantities; 'raw': as is).
 *    Columns constant on the training data, and exact duplicates, are dropped.
 * 2. Round 1: candidates = the base features and all their pairwise products (squares included).
 *    LASSO with CV-chosen alpha on the standardised candidates; the features with non-zero
 *    coefficients are kept.
 *    Round r > 1: candidates = the kept features and all pairwise products of kept features (terms
 *    up to `maxDegree` base factors). LASSO-CV again keeps a subset. `rounds` (default 2) rounds.
 *    Cap: when a round has more than `maxCandidates` (default 300) candidates, the kept features of
 *    the previous round stay and the rest are screened by |correlation with ln t| (sure independence
 *    screening, Fan & Lv 2008) down to the cap, which bounds the cost of a round.
 * 3. PCA on the standardised kept features, keeping the components that explain `varianceKept`
 *    (default 99.9%) of their variance, then LASSO-CV on the component scores. PCA and scaling are
 *    linear, so the result is folded back into one coefficient per kept feature: prediction is one
 *    dot product over products of base features.
 * The features kept by the last round are the model's "selected features"; the evaluation harness
 * compares them across folds (selection frequency, mean pairwise Jaccard).
 *
 * Cost: fit ~ (rounds + 1) x (folds + 1) LASSO paths on n x maxCandidates; predict one
 * layerFeatureVector plus O(terms x degree).
 */
import { UserError } from '../errors.js';
import { FEATURE_NAMES } from '../features/layer.js';
import { lassoCV } from './lasso.js';
import type { LayerObservation } from './observations.js';
import { inputFeatures, observedMs } from './observations.js';
import { fitPca } from './pca.js';
import { backTransform, DEFAULT_FLOOR_MS, logTime, randomFolds, slog1p, smearingFactor } from './target.js';
import { MODEL_NAME, TARGETS, type BackTransform, type LayerInput, type Model, type ModelJSON, type Target, type TimePrediction } from './types.js';

/** Serialisation format version of FS models. */
export const FS_VERSION = 1;

/** Options of fitFs. */
export interface FsOptions {
  featureScale?: 'log1p' | 'raw';
  backTransform?: BackTransform;
  rounds?: number; // default 2
  maxCandidates?: number; // default 300
  maxDegree?: number; // default 4
  varianceKept?: number; // default 0.999
  folds?: number; // inner CV folds, default 5
  nAlphas?: number; // default 50
  rule?: 'min' | '1se'; // default 'min'
  seed?: number; // inner CV folds, default 1
  floorMs?: number;
  /** LASSO duality-gap tolerance (default 1e-5). */
  tol?: number;
  /** Full coordinate-descent sweeps per alpha (default 300; selection does not need more). */
  maxIter?: number;
}

/** One round of the selection: how many candidates went in and which came out. */
export interface FsRound {
  candidates: number;
  alpha: number;
  selected: string[];
}

/** The fitted regression of ln(time) for one target. */
export interface FsRegression {
  /** Each term is a product of base features (indices into the model's baseFeatures). */
  terms: number[][];
  termNames: string[];
  intercept: number;
  coef: number[];
  smearing: number;
  rmseLog: number;
  n: number;
  components: number;
  finalAlpha: number;
  rounds: FsRound[];
}

/** Plain-data form of an FS model. */
export interface FsModelJSON extends ModelJSON {
  kind: 'fs';
  baseFeatures: string[];
  featureScale: 'log1p' | 'raw';
  backTransform: BackTransform;
  floorMs: number;
  fittedTargets: Target[];
  targets: Partial<Record<Target, FsRegression>>;
}

function transform(v: number, scale: 'log1p' | 'raw'): number {
  return scale === 'log1p' ? slog1p(v) : v;
}

/** A fitted FS model (see the file comment). */
export class FsModel implements Model {
  readonly name = MODEL_NAME;
  readonly kind = 'fs';
  readonly version = FS_VERSION;
  readonly fittedTargets: readonly Target[];
  private readonly buf: Float64Array;

  constructor(readonly data: FsModelJSON) {
    this.fittedTargets = data.fittedTargets;
    this.buf = new Float64Array(data.baseFeatures.length);
  }

  /** The selected features (product terms) of each fitted target. */
  selectedFeatures(): Partial<Record<Target, string[]>> {
    const out: Partial<Record<Target, string[]>> = {};
    for (const t of this.fittedTargets) out[t] = this.data.targets[t]!.termNames;
    return out;
  }

  private fillBase(x: LayerInput): Float64Array {
    const f = inputFeatures(x);
    const names = this.data.baseFeatures;
    for (let j = 0; j < names.length; j++) this.buf[j] = transform(f[names[j]!] ?? 0, this.data.featureScale);
    return this.buf;
  }

  /** ln(time) for one target (NaN when not fitted). */
  predictLog(x: LayerInput, target: Target): number {
    const reg = this.data.targets[target];
    return reg ? evalTerms(reg, this.fillBase(x)) : NaN;
  }

  predict(x: LayerInput): TimePrediction {
    const b = this.fillBase(x);
    const one = (t: Target): number => {
      const reg = this.data.targets[t];
      return reg ? backTransform(evalTerms(reg, b), this.data.backTransform, reg.smearing) : 0;
    };
    return { loadMs: one('load'), runMs: one('run'), unloadMs: one('unload') };
  }

  toJSON(): FsModelJSON {
    return this.data;
  }
}

function evalTerms(reg: FsRegression, base: Float64Array): number {
  let z = reg.intercept;
  for (let k = 0; k < reg.terms.length; k++) {
    const term = reg.terms[k]!;
    let v = 1;
    for (let q = 0; q < term.length; q++) v *= base[term[q]!]!;
    z += reg.coef[k]! * v;
  }
  return z;
}

/** Canonical key of a term (sorted base indices). */
function termKey(t: readonly number[]): string {
  return t.join('*');
}

function termColumn(t: readonly number[], base: readonly Float64Array[], n: number): Float64Array {
  const c = new Float64Array(n).fill(1);
  for (const j of t) {
    const b = base[j]!;
    for (let i = 0; i < n; i++) c[i]! *= b[i]!;
  }
  return c;
}

function isConstant(c: Float64Array): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of c) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return !(hi - lo > 1e-12 * (Math.abs(hi) + Math.abs(lo) + 1e-300)) || !Number.isFinite(hi - lo);
}

/**
 * A fingerprint of a column's standardised values, to drop columns that are exact affine copies of
 * another (after the LASSO's standardisation they would be the same column).
 */
function columnHash(c: Float64Array): string {
  const n = c.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += c[i]!;
  m /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (c[i]! - m) ** 2;
  const sd = Math.sqrt(ss / n) || 1;
  let h1 = 0;
  let h2 = 0;
  for (let i = 0; i < n; i++) {
    const z = (c[i]! - m) / sd;
    h1 += z * (1 + ((i * 7919) % 1000) / 1000);
    h2 += z * ((i * 104729) % 997);
  }
  return `${h1.toPrecision(10)}|${h2.toPrecision(10)}`;
}

function absCorr(c: Float64Array, y: readonly number[]): number {
  const n = c.length;
  let mc = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mc += c[i]!;
    my += y[i]!;
  }
  mc /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const a = c[i]! - mc;
    const b = y[i]! - my;
    sxy += a * b;
    sxx += a * a;
    syy += b * b;
  }
  return sxx > 0 && syy > 0 ? Math.abs(sxy) / Math.sqrt(sxx * syy) : 0;
}

function toRows(cols: readonly Float64Array[], n: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(cols.map((c) => c[i]!));
  return rows;
}

interface Candidate {
  term: number[];
  col: Float64Array;
}

/** Column standardised to mean 0 and unit norm (for correlations by dot product). */
function unitColumn(c: Float64Array): Float64Array {
  const n = c.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += c[i]!;
  m /= n;
  const z = new Float64Array(n);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    z[i] = c[i]! - m;
    ss += z[i]! ** 2;
  }
  const s = Math.sqrt(ss) || 1;
  for (let i = 0; i < n; i++) z[i]! /= s;
  return z;
}

/**
 * Builds the candidate set of a round: the kept terms first, then new products in decreasing
 * |correlation with ln t|, skipping constants, exact (affine) duplicates and near-duplicates
 * (|correlation| > maxCorr with a column already in; products of log-features are often 0.999+
 * correlated, which adds nothing to the LASSO but makes coordinate descent crawl), up to `cap`.
 */
function candidates(
  kept: readonly number[][],
  products: readonly number[][],
  base: readonly Float64Array[],
  y: readonly number[],
  n: number,
  cap: number,
  maxCorr = 0.995,
): Candidate[] {
  const seenTerm = new Set<string>();
  const seenCol = new Set<string>();
  const out: Candidate[] = [];
  const units: Float64Array[] = [];
  const build = (term: number[]): Candidate | null => {
    const k = termKey(term);
    if (seenTerm.has(k)) return null;
    seenTerm.add(k);
    const col = termColumn(term, base, n);
    if (isConstant(col)) return null;
    const h = columnHash(col);
    if (seenCol.has(h)) return null;
    seenCol.add(h);
    return { term, col };
  };
  const accept = (c: Candidate, force: boolean): void => {
    const u = unitColumn(c.col);
    if (!force) {
      for (const v of units) {
        let d = 0;
        for (let i = 0; i < n; i++) d += u[i]! * v[i]!;
        if (Math.abs(d) > maxCorr) return;
      }
    }
    units.push(u);
    out.push(c);
  };
  for (const t of kept) {
    const c = build(t);
    if (c) accept(c, true);
  }
  // score every new product without keeping its column (memory stays O(cap x n), not O(p^2 x n))
  const extra: { term: number[]; s: number }[] = [];
  for (const t of products) {
    const c = build(t);
    if (c) extra.push({ term: c.term, s: absCorr(c.col, y) });
  }
  extra.sort((a, b) => b.s - a.s);
  for (const e of extra) {
    if (out.length >= cap) break;
    accept({ term: e.term, col: termColumn(e.term, base, n) }, false);
  }
  return out;
}

/**
 * Smallest alpha of the grid relative to alphaMax: sklearn's 1e-3, or glmnet's 1e-2 when there
 * are at least as many candidates as rows (near-interpolating fits are slow and never chosen).
 */
function epsFor(n: number, p: number): number {
  return p >= n ? 1e-2 : 1e-3;
}

function pairwise(terms: readonly number[][], maxDegree: number): number[][] {
  const out: number[][] = [];
  for (let a = 0; a < terms.length; a++) {
    for (let b = a; b < terms.length; b++) {
      const t = [...terms[a]!, ...terms[b]!].sort((x, y) => x - y);
      if (t.length <= maxDegree) out.push(t);
    }
  }
  return out;
}

function fitTarget(
  base: readonly Float64Array[],
  names: readonly string[],
  y: number[],
  o: Required<Omit<FsOptions, 'backTransform' | 'featureScale' | 'floorMs'>>,
): FsRegression {
  const n = y.length;
  const nameOf = (t: readonly number[]): string => t.map((j) => names[j]!).join('*');
  const foldOf = randomFolds(n, Math.min(o.folds, n), o.seed);
  const cvOpts = { foldOf, nAlphas: o.nAlphas, rule: o.rule, standardize: true, tol: o.tol, maxIter: o.maxIter };
  const baseTerms = base.flatMap((col, j) => (isConstant(col) ? [] : [[j]]));
  let kept: number[][] = [];
  const rounds: FsRound[] = [];
  for (let r = 0; r < o.rounds; r++) {
    const cand =
      r === 0
        ? candidates([], [...baseTerms, ...pairwise(baseTerms, o.maxDegree)], base, y, n, o.maxCandidates)
        : candidates(kept, pairwise(kept, o.maxDegree), base, y, n, o.maxCandidates);
    if (cand.length === 0) break;
    const cv = lassoCV(
      toRows(
        cand.map((c) => c.col),
        n,
      ),
      y,
      { ...cvOpts, eps: epsFor(n, cand.length) },
    );
    const next = cv.selected.map((j) => cand[j]!.term);
    rounds.push({ candidates: cand.length, alpha: cv.alpha, selected: next.map(nameOf) });
    if (next.length === 0) break;
    kept = next;
  }
  const ym = y.reduce((s, v) => s + v, 0) / n;
  if (kept.length === 0) {
    return {
      terms: [],
      termNames: [],
      intercept: ym,
      coef: [],
      smearing: smearingFactor(y.map((v) => v - ym)),
      rmseLog: Math.sqrt(y.reduce((s, v) => s + (v - ym) ** 2, 0) / n),
      n,
      components: 0,
      finalAlpha: NaN,
      rounds,
    };
  }
  const cols = kept.map((t) => termColumn(t, base, n));
  const X = toRows(cols, n);
  const pca = fitPca(X, { scale: true, varianceKept: o.varianceKept });
  const scores = X.map((row) => pca.components.map((axis) => axis.reduce((s, a, j) => s + a * ((row[j]! - pca.mean[j]!) / pca.scale[j]!), 0)));
  const cv = lassoCV(scores, y, { ...cvOpts, eps: epsFor(n, pca.components.length) });
  const coef = kept.map((_, j) => pca.components.reduce((s, axis, c) => s + cv.coef[c]! * axis[j]!, 0) / pca.scale[j]!);
  const intercept = cv.intercept - coef.reduce((s, b, j) => s + b * pca.mean[j]!, 0);
  const reg: FsRegression = {
    terms: kept,
    termNames: kept.map(nameOf),
    intercept,
    coef,
    smearing: 1,
    rmseLog: 0,
    n,
    components: pca.components.length,
    finalAlpha: cv.alpha,
    rounds,
  };
  const res = y.map((v, i) => v - evalTermsCols(reg, cols, i));
  reg.smearing = smearingFactor(res);
  reg.rmseLog = Math.sqrt(res.reduce((s, e) => s + e * e, 0) / n);
  return reg;
}

function evalTermsCols(reg: FsRegression, cols: readonly Float64Array[], i: number): number {
  let z = reg.intercept;
  for (let k = 0; k < cols.length; k++) z += reg.coef[k]! * cols[k]![i]!;
  return z;
}

/** Fits model FS on per-configuration observations (see the file comment for the procedure). */
export function fitFs(obs: readonly LayerObservation[], options: FsOptions = {}): FsModel {
  if (obs.length < 10) throw new UserError(`model fs: needs at least 10 layer configurations for its cross-validation, got ${obs.length}; profile more layers`);
  const featureScale = options.featureScale ?? 'log1p';
  const floorMs = options.floorMs ?? DEFAULT_FLOOR_MS;
  const o = {
    rounds: options.rounds ?? 2,
    maxCandidates: options.maxCandidates ?? 300,
    maxDegree: options.maxDegree ?? 4,
    varianceKept: options.varianceKept ?? 0.999,
    folds: options.folds ?? 5,
    nAlphas: options.nAlphas ?? 50,
    rule: options.rule ?? 'min',
    seed: options.seed ?? 1,
    tol: options.tol ?? 1e-5,
    maxIter: options.maxIter ?? 300,
  };
  const names = [...FEATURE_NAMES];
  const feats = obs.map((x) => inputFeatures(x));
  const targets: Partial<Record<Target, FsRegression>> = {};
  for (const t of TARGETS) {
    const idx = obs.flatMap((ob, i) => {
      const v = observedMs(ob, t);
      return v !== null && Number.isFinite(v) ? [i] : [];
    });
    if (idx.length < 10) continue;
    const base = names.map((name) => Float64Array.from(idx, (i) => transform(feats[i]![name] ?? 0, featureScale)));
    const y = idx.map((i) => logTime(observedMs(obs[i]!, t)!, floorMs));
    targets[t] = fitTarget(base, names, y, o);
  }
  return new FsModel({
    name: MODEL_NAME,
    kind: 'fs',
    version: FS_VERSION,
    baseFeatures: names,
    featureScale,
    backTransform: options.backTransform ?? 'exp',
    floorMs,
    fittedTargets: TARGETS.filter((t) => targets[t] !== undefined),
    targets,
  });
}
