import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitPca, pcaTransform } from '../../src/models/pca.js';
import { assertClose, reference } from '../helpers/reference.js';

const P = reference.pca;

test('pca: explained variance (n-1) and ratios match scikit-learn PCA to 1e-9', () => {
  const f = fitPca(P.X);
  assertClose(f.explainedVariance, P.explainedVariance, 1e-9, 'explained_variance_');
  assertClose(f.explainedVarianceRatio, P.explainedVarianceRatio, 1e-9, 'explained_variance_ratio_');
});

test('pca: components and projected scores match scikit-learn up to sign (1e-8)', () => {
  const f = fitPca(P.X);
  f.components.forEach((axis, c) => {
    const ref = P.components[c]!;
    const sign = Math.sign(axis.reduce((s, v, j) => s + v * ref[j]!, 0));
    assert.equal(Math.abs(sign), 1);
    assertClose(
      axis.map((v) => v * sign),
      ref,
      1e-8,
      `component ${c}`,
    );
    P.X.forEach((row, i) => {
      const s = pcaTransform(f, row)[c]! * sign;
      assertClose([s], [P.scores[i]![c]!], 1e-8, `score[${i}][${c}]`);
    });
  });
});

test('pca: varianceKept keeps the fewest components reaching the share', () => {
  const f = fitPca(P.X, { varianceKept: 0.9 });
  const cum = P.explainedVarianceRatio.reduce<number[]>((a, v) => [...a, (a.at(-1) ?? 0) + v], []);
  const expected = cum.findIndex((c) => c >= 0.9) + 1;
  assert.equal(f.components.length, expected);
});
