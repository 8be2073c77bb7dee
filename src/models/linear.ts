/**
 * Linear least squares: ordinary (OLS), weighted (WLS) and non-negative (NNLS), with an optional
 * unpenalised intercept. The decompositions come from ml-matrix (QR for full-rank designs, SVD as
 * the fallback for rank-deficient ones); nothing here is a hand-rolled factorisation except the
 * Lawson-Hanson active-set loop of NNLS, which itself calls ml-matrix's least squares.
 *
 * Inputs are plain row-major arrays (`number[][]`, one row per observation) so callers need not
 * know ml-matrix. Cost: O(n p^2) per solve (QR); NNLS does at most ~3p such solves on subsets.
 *
 * Reference: Lawson & Hanson, "Solving Least Squares Problems" (1974), ch. 23 (NNLS); results are
 * checked against scikit-learn's LinearRegression and scipy.optimize.nnls in test/models/linear.test.ts.
 */
import { Matrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';

/** Options shared by the least-squares solvers. */
export interface LeastSquaresOptions {
  /** Fit an unpenalised intercept (default true). With NNLS the intercept is unconstrained. */
  intercept?: boolean;
  /** Per-row non-negative weights: minimises sum_i w_i (y_i - x_i b - b0)^2 (WLS). */
  weights?: ArrayLike<number>;
}

/** A fitted linear map y ~ intercept + coef . x. */
export interface LinearFit {
  coef: number[];
  intercept: number;
}

function checkShapes(X: readonly (readonly number[])[], y: ArrayLike<number>, w?: ArrayLike<number>): number {
  const n = X.length;
  if (n === 0) throw new Error('least squares: no rows');
  if (y.length !== n) throw new Error(`least squares: X has ${n} rows but y has ${y.length}`);
  if (w && w.length !== n) throw new Error(`least squares: X has ${n} rows but weights has ${w.length}`);
  const p = X[0]!.length;
  for (let i = 0; i < n; i++) {
    if (X[i]!.length !== p) throw new Error(`least squares: row ${i} has ${X[i]!.length} columns, expected ${p}`);
  }
  if (w) for (let i = 0; i < n; i++) if (!(w[i]! >= 0)) throw new Error(`least squares: weights[${i}] = ${w[i]} must be >= 0`);
  return p;
}

/**
 * Solves min ||A b - z|| for a dense A (n x k, n >= 1): QR when A has full column rank, otherwise
 * the minimum-norm solution by SVD. Returns the k coefficients.
 */
function solveDense(A: Matrix, z: Matrix): number[] {
  if (A.rows >= A.columns) {
    const qr = new QrDecomposition(A);
    // numerical rank test on R's diagonal (QrDecomposition.isFullRank only checks exact zeros)
    const R = qr.upperTriangularMatrix;
    let maxD = 0;
    let minD = Infinity;
    for (let j = 0; j < A.columns; j++) {
      const d = Math.abs(R.get(j, j));
      maxD = Math.max(maxD, d);
      minD = Math.min(minD, d);
    }
    if (minD > maxD * 1e-10) return qr.solve(z).getColumn(0);
  }
  const svd = new SingularValueDecomposition(A, { autoTranspose: true });
  return svd.solve(z).getColumn(0);
}

/** Builds the (weighted) design [1 | X] scaled by sqrt(w), and sqrt(w) * y. */
function design(X: readonly (readonly number[])[], y: ArrayLike<number>, intercept: boolean, w?: ArrayLike<number>): { A: Matrix; z: Matrix } {
  const n = X.length;
  const p = X[0]!.length;
  const k = p + (intercept ? 1 : 0);
  const A = new Matrix(n, k);
  const z = new Matrix(n, 1);
  for (let i = 0; i < n; i++) {
    const s = w ? Math.sqrt(w[i]!) : 1;
    const row = X[i]!;
    let c = 0;
    if (intercept) A.set(i, c++, s);
    for (let j = 0; j < p; j++) A.set(i, c++, s * row[j]!);
    z.set(i, 0, s * y[i]!);
  }
  return { A, z };
}

/**
 * Ordinary / weighted least squares: min sum_i w_i (y_i - b0 - x_i . b)^2.
 * Rank-deficient designs get the minimum-norm solution (SVD) rather than an error, so a constant
 * or duplicated feature column does not break a fit. Cost O(n p^2).
 *
 * @example ols([[0], [1], [2]], [1, 3, 5]) // { intercept: 1, coef: [2] }
 */
export function ols(X: readonly (readonly number[])[], y: ArrayLike<number>, options: LeastSquaresOptions = {}): LinearFit {
  const intercept = options.intercept ?? true;
  checkShapes(X, y, options.weights);
  const { A, z } = design(X, y, intercept, options.weights);
  const b = solveDense(A, z);
  return intercept ? { intercept: b[0]!, coef: b.slice(1) } : { intercept: 0, coef: b };
}

/** Weighted least squares: `ols` with required weights (named for readability at call sites). */
export function wls(X: readonly (readonly number[])[], y: ArrayLike<number>, weights: ArrayLike<number>, options: { intercept?: boolean } = {}): LinearFit {
  return ols(X, y, { ...options, weights });
}

/**
 * Non-negative least squares, min sum_i w_i (y_i - b0 - x_i . b)^2 subject to b >= 0 (the
 * intercept, if any, is free), by the Lawson-Hanson active-set method. Physical models (time = a
 * sum of non-negative costs) need it. Cost: O(p) outer iterations of an O(n p^2) solve.
 */
export function nnls(
  X: readonly (readonly number[])[],
  y: ArrayLike<number>,
  options: LeastSquaresOptions & { maxIter?: number; tol?: number } = {},
): LinearFit {
  const intercept = options.intercept ?? true;
  const p = checkShapes(X, y, options.weights);
  const { A, z } = design(X, y, intercept, options.weights);
  const off = intercept ? 1 : 0;
  const k = p + off;
  const n = X.length;
  const maxIter = options.maxIter ?? 3 * k + 10;
  const tol = options.tol ?? 1e-10 * Math.max(1, A.norm('frobenius') * z.norm('frobenius'));
  const passive = new Array<boolean>(k).fill(false);
  if (intercept) passive[0] = true;
  let b = new Array<number>(k).fill(0);

  const solvePassive = (): number[] => {
    const idx = passive.flatMap((v, j) => (v ? [j] : []));
    const out = new Array<number>(k).fill(0);
    if (idx.length === 0) return out;
    const sub = A.subMatrixColumn(idx);
    const s = solveDense(sub, z);
    idx.forEach((j, t) => (out[j] = s[t]!));
    return out;
  };
  if (intercept) b = solvePassive();

  for (let iter = 0; iter < maxIter; iter++) {
    // gradient of -1/2||Ab - z||^2: A^T (z - A b)
    const r = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = z.get(i, 0);
      for (let j = 0; j < k; j++) s -= A.get(i, j) * b[j]!;
      r[i] = s;
    }
    let best = -1;
    let bestG = tol;
    for (let j = off; j < k; j++) {
      if (passive[j]) continue;
      let g = 0;
      for (let i = 0; i < n; i++) g += A.get(i, j) * r[i]!;
      if (g > bestG) {
        bestG = g;
        best = j;
      }
    }
    if (best < 0) break;
    passive[best] = true;
    for (;;) {
      const s = solvePassive();
      let alpha = 1;
      let blocking = -1;
      for (let j = off; j < k; j++) {
        if (passive[j] && s[j]! <= 0) {
          const a = b[j]! / (b[j]! - s[j]!);
          if (a < alpha) {
            alpha = a;
            blocking = j;
          }
        }
      }
      if (blocking < 0) {
        b = s;
        break;
      }
      for (let j = 0; j < k; j++) b[j] = b[j]! + alpha * (s[j]! - b[j]!);
      for (let j = off; j < k; j++) {
        if (passive[j] && b[j]! <= 1e-15) {
          passive[j] = false;
          b[j] = 0;
        }
      }
    }
  }
  return intercept ? { intercept: b[0]!, coef: b.slice(1) } : { intercept: 0, coef: b };
}

/** intercept + coef . x, for one row. O(p). */
export function predictLinear(fit: LinearFit, x: ArrayLike<number>): number {
  let s = fit.intercept;
  for (let j = 0; j < fit.coef.length; j++) s += fit.coef[j]! * x[j]!;
  return s;
}
