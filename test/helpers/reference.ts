/** Loads the scikit-learn/scipy reference values (test/fixtures/reference/linear-models.json). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir } from './paths.js';

export interface Reference {
  ols: { X: number[][]; y: number[]; w: number[]; coef: number[]; intercept: number; closedForm: number[]; wlsCoef: number[]; wlsIntercept: number };
  nnls: { X: number[][]; y: number[]; coef: number[]; residualNorm: number };
  lasso: {
    X: number[][];
    y: number[];
    fixed: { alpha: number; coef: number[]; intercept: number }[];
    cv: { folds: number; nAlphas: number; eps: number; alpha: number; alphas: number[]; mseMean: number[]; coef: number[]; intercept: number };
  };
  orthonormal: { X: number[][]; y: number[]; alpha: number; coef: number[]; intercept: number };
  pca: { X: number[][]; explainedVariance: number[]; explainedVarianceRatio: number[]; components: number[][]; scores: number[][] };
}

export const reference = JSON.parse(readFileSync(join(fixturesDir, 'reference', 'linear-models.json'), 'utf8')) as Reference;

/** Asserts |a - b| <= tol * max(1, |b|) elementwise, with a message naming the index. */
export function assertClose(actual: readonly number[], expected: readonly number[], tol: number, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != ${expected.length}`);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)))) throw new Error(`${what}[${i}]: ${a} vs expected ${e} (tol ${tol})`);
  });
}
