import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alphaGrid, contiguousFolds, lasso, lassoCV, lassoPath, prepareDesign } from '../../src/models/lasso.js';
import { ols } from '../../src/models/linear.js';
import { assertClose, reference } from '../helpers/reference.js';

const L = reference.lasso;

test('lasso: fixed alphas match scikit-learn Lasso coef_ / intercept_ to 1e-6 relative', () => {
  for (const ref of L.fixed) {
    const f = lasso(L.X, L.y, ref.alpha, { tol: 1e-12 });
    assertClose(f.coef, ref.coef, 1e-6, `alpha ${ref.alpha} coef`);
    assertClose([f.intercept], [ref.intercept], 1e-6, `alpha ${ref.alpha} intercept`);
    // exact zeros where sklearn has exact zeros
    ref.coef.forEach((c, j) => assert.equal(f.coef[j] === 0, c === 0, `alpha ${ref.alpha} zero pattern at ${j}`));
  }
});

test('lasso: orthonormal design equals soft-thresholding of X^T y / n (closed form) and sklearn', () => {
  const O = reference.orthonormal;
  const n = O.X.length;
  const p = O.X[0]!.length;
  const ym = O.y.reduce((s, v) => s + v, 0) / n;
  const closed: number[] = [];
  for (let j = 0; j < p; j++) {
    const z = O.X.reduce((s, row, i) => s + row[j]! * (O.y[i]! - ym), 0) / n;
    closed.push(Math.sign(z) * Math.max(0, Math.abs(z) - O.alpha));
  }
  const f = lasso(O.X, O.y, O.alpha, { tol: 1e-14 });
  assertClose(f.coef, closed, 1e-10, 'soft-threshold');
  assertClose(f.coef, O.coef, 1e-8, 'sklearn');
  assertClose([f.intercept], [O.intercept], 1e-8, 'intercept');
});

test('lasso: alpha -> 0 approaches OLS; alpha >= alphaMax gives all zeros', () => {
  const o = ols(L.X, L.y);
  const f = lasso(L.X, L.y, 1e-9, { tol: 1e-14, maxIter: 200000 });
  assertClose(f.coef, o.coef, 1e-5, 'tiny alpha ~ OLS');
  const amax = alphaGrid(prepareDesign(L.X, L.y), 1)[0]!;
  const z = lasso(L.X, L.y, amax * 1.0001);
  assert.deepEqual(z.coef, new Array(8).fill(0));
  assert.ok(Math.abs(z.intercept - L.y.reduce((s, v) => s + v, 0) / L.y.length) < 1e-12);
});

test('lassoPath: warm-started path reproduces the independent fixed-alpha fits', () => {
  const alphas = L.fixed.map((f) => f.alpha).sort((a, b) => b - a);
  const path = lassoPath(L.X, L.y, alphas, { tol: 1e-12 });
  alphas.forEach((a, k) => {
    const ref = L.fixed.find((f) => f.alpha === a)!;
    assertClose(path[k]!.coef, ref.coef, 1e-6, `path alpha ${a}`);
  });
});

test('lassoCV: alpha grid, mean CV MSE, chosen alpha and coef match scikit-learn LassoCV (1e-4 relative)', () => {
  const cv = lassoCV(L.X, L.y, { folds: L.cv.folds, nAlphas: L.cv.nAlphas, eps: L.cv.eps, tol: 1e-12 });
  assertClose(cv.alphas, L.cv.alphas, 1e-10, 'alphas');
  assertClose(cv.mseMean, L.cv.mseMean, 1e-4, 'mse path');
  assertClose([cv.alpha], [L.cv.alpha], 1e-10, 'alpha_');
  assertClose(cv.coef, L.cv.coef, 1e-4, 'coef_');
  assertClose([cv.intercept], [L.cv.intercept], 1e-4, 'intercept_');
});

test('lassoCV: the 1-SE rule picks a larger (sparser-or-equal) alpha whose error is within one SE', () => {
  const min = lassoCV(L.X, L.y, { tol: 1e-10 });
  const se = lassoCV(L.X, L.y, { tol: 1e-10, rule: '1se' });
  assert.ok(se.alpha >= min.alpha);
  const iMin = min.alphas.indexOf(min.alpha);
  const iSe = se.alphas.indexOf(se.alpha);
  assert.ok(se.mseMean[iSe]! <= min.mseMean[iMin]! + min.mseSe[iMin]!);
  assert.ok(se.selected.length <= min.selected.length);
});

test('contiguousFolds: sklearn KFold block sizes (first n % k folds are one longer)', () => {
  assert.deepEqual(contiguousFolds(7, 3), [0, 0, 0, 1, 1, 2, 2]);
});

test('lasso: standardize maps coefficients back to the original scale (scale-equivariant)', () => {
  const X2 = L.X.map((r) => r.map((v, j) => (j === 0 ? v * 1000 : v)));
  const a = lasso(L.X, L.y, 0.1, { standardize: true, tol: 1e-12 });
  const b = lasso(X2, L.y, 0.1, { standardize: true, tol: 1e-12 });
  assert.ok(Math.abs(a.coef[0]! - b.coef[0]! * 1000) < 1e-8 * Math.abs(a.coef[0]!));
  assertClose(a.coef.slice(1), b.coef.slice(1), 1e-8, 'other coefs unchanged');
});
