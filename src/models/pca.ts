/**
 * Principal component analysis as plain data, fitted with ml-pca (SVD of the centred data) and
 * stored as arrays so projecting a row costs O(p k) with no library call and no allocation beyond
 * the output. Explained variances use the n-1 denominator (as scikit-learn's PCA does).
 *
 * Reference: Jolliffe, "Principal Component Analysis" (2002); values checked against scikit-learn
 * 1.2.1 in test/models/pca.test.ts (components up to sign).
 */
import { PCA } from 'ml-pca';

/** A fitted PCA: scores = ((x - mean) / scale) . components^T. */
export interface PcaFit {
  mean: number[];
  /** Per-column scale (all 1 unless fitted with scale: true). */
  scale: number[];
  /** k x p, rows are unit-norm principal axes, strongest first. */
  components: number[][];
  /** Variance of each component's scores (n-1 denominator). */
  explainedVariance: number[];
  /** explainedVariance / total variance of the (scaled) data. */
  explainedVarianceRatio: number[];
}

/** Options of fitPca. */
export interface PcaOptions {
  /** Divide columns by their (n-1) standard deviation first (constant columns are left unscaled). */
  scale?: boolean;
  /** Keep at most this many components. */
  maxComponents?: number;
  /** Keep the fewest components whose cumulative explained-variance ratio reaches this (0, 1]. */
  varianceKept?: number;
}

/**
 * Fits a PCA on row-major X (n x p). Components are sign-normalised so that the largest-magnitude
 * loading of each is positive (deterministic across runs and libraries). Cost O(n p min(n, p)).
 */
export function fitPca(X: readonly (readonly number[])[], options: PcaOptions = {}): PcaFit {
  const n = X.length;
  if (n < 2) throw new Error(`pca: need at least 2 rows, got ${n}`);
  const p = X[0]!.length;
  const mean = new Array<number>(p).fill(0);
  for (const row of X) for (let j = 0; j < p; j++) mean[j]! += row[j]!;
  for (let j = 0; j < p; j++) mean[j]! /= n;
  const scale = new Array<number>(p).fill(1);
  if (options.scale) {
    for (let j = 0; j < p; j++) {
      let ss = 0;
      for (const row of X) ss += (row[j]! - mean[j]!) ** 2;
      const sd = Math.sqrt(ss / (n - 1));
      if (sd > 1e-12 * (Math.abs(mean[j]!) + 1)) scale[j] = sd;
    }
  }
  const Z = X.map((row) => row.map((v, j) => (v - mean[j]!) / scale[j]!));
  const pca = new PCA(Z, { center: false, scale: false, method: 'SVD' });
  // ml-pca without centring divides by n-1 as well: eigenvalues = s^2 / (n - 1)
  const eig = pca.getEigenvalues();
  const vec = pca.getEigenvectors(); // p x m, columns are axes
  let total = 0;
  for (let j = 0; j < p; j++) for (const row of Z) total += row[j]! ** 2;
  total /= n - 1;
  let k = Math.min(eig.length, options.maxComponents ?? Infinity);
  if (options.varianceKept !== undefined && total > 0) {
    let cum = 0;
    for (let c = 0; c < k; c++) {
      cum += eig[c]! / total;
      if (cum >= options.varianceKept - 1e-12) {
        k = c + 1;
        break;
      }
    }
  }
  const components: number[][] = [];
  for (let c = 0; c < k; c++) {
    const axis = vec.getColumn(c);
    let big = 0;
    for (const v of axis) if (Math.abs(v) > Math.abs(big)) big = v;
    components.push(big < 0 ? axis.map((v) => -v) : axis);
  }
  const explainedVariance = eig.slice(0, k);
  return {
    mean,
    scale,
    components,
    explainedVariance,
    explainedVarianceRatio: explainedVariance.map((v) => (total > 0 ? v / total : 0)),
  };
}

/** Projects one row onto the components. O(p k). */
export function pcaTransform(fit: PcaFit, x: ArrayLike<number>, out: number[] = new Array<number>(fit.components.length)): number[] {
  for (let c = 0; c < fit.components.length; c++) {
    const axis = fit.components[c]!;
    let s = 0;
    for (let j = 0; j < axis.length; j++) s += ((x[j]! - fit.mean[j]!) / fit.scale[j]!) * axis[j]!;
    out[c] = s;
  }
  return out;
}
