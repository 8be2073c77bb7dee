/**
 * Error metrics of predicted vs measured times. Pure; O(n) each (median: O(n log n)).
 *
 * - logErrorPct: the study's log-space error, mean over pairs of |ln pred - ln actual| / |ln actual|,
 *   as a percentage (times in ms). It is what the study reported; note it is small almost by
 *   construction (a 2x error on a 100 ms layer is |ln 2| / ln 100 = 15%) and undefined at exactly
 *   1 ms (ln 1 = 0): such pairs are excluded from it and counted in `nLogExcluded`.
 * - In real milliseconds: MAPE, median APE, RMSPE (root mean squared percentage error), the share
 *   of predictions within +-10% and +-25%, and bias = geometric mean of pred/actual (1 = unbiased,
 *   < 1 = underestimates).
 * Pairs with a non-positive or non-finite actual or prediction are excluded from everything
 * (`nExcluded`): percentage errors need a positive actual, logs a positive prediction.
 */
import { median } from '../stats.js';

/** Metrics of one set of (prediction, actual) pairs. Percentages are 0-100. */
export interface ErrorMetrics {
  n: number;
  nExcluded: number;
  logErrorPct: number;
  nLogExcluded: number;
  mapePct: number;
  medianApePct: number;
  rmspePct: number;
  within10Pct: number;
  within25Pct: number;
  /** Geometric mean of pred / actual. */
  bias: number;
}

/**
 * Computes every metric over paired arrays.
 * @example errorMetrics([110, 50], [100, 100]) // mape 30, within10 50, bias sqrt(1.1*0.5)
 */
export function errorMetrics(pred: ArrayLike<number>, actual: ArrayLike<number>): ErrorMetrics {
  if (pred.length !== actual.length) throw new Error(`errorMetrics: ${pred.length} predictions vs ${actual.length} actuals`);
  const ape: number[] = [];
  let sq = 0;
  let logSum = 0;
  let logN = 0;
  let ratioLog = 0;
  let w10 = 0;
  let w25 = 0;
  let excluded = 0;
  let logExcluded = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i]!;
    const a = actual[i]!;
    if (!(a > 0) || !(p > 0) || !Number.isFinite(a) || !Number.isFinite(p)) {
      excluded++;
      continue;
    }
    const rel = (p - a) / a;
    ape.push(Math.abs(rel) * 100);
    sq += rel * rel;
    if (Math.abs(rel) <= 0.1 + 1e-12) w10++;
    if (Math.abs(rel) <= 0.25 + 1e-12) w25++;
    const la = Math.log(a);
    ratioLog += Math.log(p) - la;
    if (la === 0) logExcluded++;
    else {
      logSum += Math.abs(Math.log(p) - la) / Math.abs(la);
      logN++;
    }
  }
  const n = ape.length;
  return {
    n,
    nExcluded: excluded,
    logErrorPct: logN ? (100 * logSum) / logN : NaN,
    nLogExcluded: logExcluded,
    mapePct: n ? ape.reduce((s, v) => s + v, 0) / n : NaN,
    medianApePct: median(ape),
    rmspePct: n ? 100 * Math.sqrt(sq / n) : NaN,
    within10Pct: n ? (100 * w10) / n : NaN,
    within25Pct: n ? (100 * w25) / n : NaN,
    bias: n ? Math.exp(ratioLog / n) : NaN,
  };
}

/** Jaccard index |A n B| / |A u B| (1 for two empty sets). */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

/** How stable a feature selection is across folds. */
export interface SelectionStability {
  folds: number;
  /** Mean Jaccard index over all pairs of folds (1 = identical selections). */
  meanPairwiseJaccard: number;
  /** Mean number of features selected per fold. */
  meanSelected: number;
  /** Feature -> share of folds (0-1) that selected it, most frequent first. */
  frequency: [string, number][];
}

/** Selection frequency and mean pairwise Jaccard of per-fold selected feature lists. O(k^2 p). */
export function selectionStability(perFold: readonly (readonly string[])[]): SelectionStability {
  const sets = perFold.map((f) => new Set(f));
  const k = sets.length;
  let jSum = 0;
  let pairs = 0;
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      jSum += jaccard(sets[i]!, sets[j]!);
      pairs++;
    }
  }
  const count = new Map<string, number>();
  for (const s of sets) for (const f of s) count.set(f, (count.get(f) ?? 0) + 1);
  const frequency = [...count].map(([f, c]) => [f, c / k] as [string, number]).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return {
    folds: k,
    meanPairwiseJaccard: pairs ? jSum / pairs : 1,
    meanSelected: k ? sets.reduce((s, x) => s + x.size, 0) / k : 0,
    frequency,
  };
}
