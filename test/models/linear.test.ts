import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nnls, ols, wls } from '../../src/models/linear.js';
import { assertClose, reference } from '../helpers/reference.js';

const R = reference;

test('ols: exact line through three points (hand-computed)', () => {
  const f = ols([[0], [1], [2]], [1, 3, 5]);
  assert.ok(Math.abs(f.intercept - 1) < 1e-12);
  assert.ok(Math.abs(f.coef[0]! - 2) < 1e-12);
});

test('ols: matches scikit-learn LinearRegression and the normal-equations closed form to 1e-10', () => {
  const f = ols(R.ols.X, R.ols.y);
  assertClose(f.coef, R.ols.coef, 1e-10, 'coef');
  assertClose([f.intercept], [R.ols.intercept], 1e-10, 'intercept');
  assertClose([f.intercept, ...f.coef], R.ols.closedForm, 1e-10, 'closed form');
});

test('wls: matches scikit-learn LinearRegression(sample_weight) to 1e-10', () => {
  const f = wls(R.ols.X, R.ols.y, R.ols.w);
  assertClose(f.coef, R.ols.wlsCoef, 1e-10, 'coef');
  assertClose([f.intercept], [R.ols.wlsIntercept], 1e-10, 'intercept');
  // integer weights = duplicated rows
  const dup = ols([[0], [1], [1], [2]], [0, 1, 1, 4]);
  const w = wls([[0], [1], [2]], [0, 1, 4], [1, 2, 1]);
  assertClose([w.intercept, ...w.coef], [dup.intercept, ...dup.coef], 1e-12, 'weights as duplicates');
});

test('ols: rank-deficient design (duplicated column) gives the minimum-norm solution', () => {
  const X = [
    [1, 1],
    [2, 2],
    [3, 3],
    [4, 4],
  ];
  const f = ols(X, [2, 4, 6, 8], { intercept: false });
  assertClose(f.coef, [1, 1], 1e-10, 'min-norm coef');
});

test('nnls: matches scipy.optimize.nnls to 1e-9 (negative true coefficient clipped to 0)', () => {
  const f = nnls(R.nnls.X, R.nnls.y, { intercept: false });
  assertClose(f.coef, R.nnls.coef, 1e-9, 'coef');
  assert.equal(f.coef[1], 0);
  let rss = 0;
  R.nnls.X.forEach((row, i) => {
    const pred = row.reduce((s, v, j) => s + v * f.coef[j]!, 0);
    rss += (R.nnls.y[i]! - pred) ** 2;
  });
  assertClose([Math.sqrt(rss)], [R.nnls.residualNorm], 1e-9, 'residual norm');
});

test('nnls: with a free intercept equals OLS when the OLS solution is already non-negative', () => {
  const X = [
    [0, 1],
    [1, 0],
    [2, 1],
    [3, 3],
    [1, 2],
  ];
  const y = X.map(([a, b]) => -5 + 2 * a! + 0.5 * b!);
  const f = nnls(X, y);
  assertClose([f.intercept, ...f.coef], [-5, 2, 0.5], 1e-10, 'nnls = ols');
});

test('least squares: mismatched lengths are reported', () => {
  assert.throws(() => ols([[1], [2]], [1]), /X has 2 rows but y has 1/);
  assert.throws(() => wls([[1], [2]], [1, 2], [1, -1]), /weights\[1\] = -1 must be >= 0/);
});
