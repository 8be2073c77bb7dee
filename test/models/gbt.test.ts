import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitGbt, predictGbt, loadGbt, binThresholds } from '../../src/models/gbt.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

test('binThresholds: midpoints between distinct values when they fit', () => {
  assert.deepEqual(binThresholds([3, 1, 2, 2, 1], 64), [1.5, 2.5]);
  assert.deepEqual(binThresholds([5, 5, 5], 64), []);
  const many = Array.from({ length: 1000 }, (_, i) => i);
  const cuts = binThresholds(many, 4);
  // quartile cuts of 0..999: between 249|250, 499|500, 749|750
  assert.deepEqual(cuts, [249.5, 499.5, 749.5]);
});

test('one stump with learning rate 1 and no penalty is the closed-form best split', () => {
  // y = 0 for x <= 4, 10 for x > 4 on x = 1..10: base = mean = 6, the split is at 4.5,
  // leaves hold the mean residuals -6 and +4, so the fit is exact.
  const X = Array.from({ length: 10 }, (_, i) => [i + 1]);
  const y = X.map(([x]) => (x! <= 4 ? 0 : 10));
  const m = fitGbt(X, y, { nTrees: 1, maxDepth: 1, learningRate: 1, lambda: 0, minSamplesLeaf: 1 });
  assert.equal(m.base, 6);
  assert.equal(m.feature[0], 0);
  assert.equal(m.threshold[0], 4.5);
  assert.deepEqual([m.value[1], m.value[2]], [-6, 4]);
  for (let i = 0; i < 10; i++) assert.equal(predictGbt(m, X[i]!), y[i]);
});

test('the split minimises squared error: compare with brute force over all thresholds', () => {
  const r = lcg(7);
  const X = Array.from({ length: 60 }, () => [r() * 10, r() * 10]);
  const y = X.map(([a, b]) => Math.sin(a!) + 0.3 * b! + r() * 0.1);
  const m = fitGbt(X, y, { nTrees: 1, maxDepth: 1, learningRate: 1, lambda: 0, minSamplesLeaf: 1, maxBins: 256 });
  const sse = (feat: number, thr: number): number => {
    const L = y.filter((_, i) => X[i]![feat]! <= thr);
    const R = y.filter((_, i) => X[i]![feat]! > thr);
    const ss = (v: number[]): number => {
      const mu = v.reduce((a, b) => a + b, 0) / v.length;
      return v.reduce((a, b) => a + (b - mu) ** 2, 0);
    };
    return ss(L) + ss(R);
  };
  let best = Infinity;
  for (let f = 0; f < 2; f++) {
    const vals = [...new Set(X.map((x) => x[f]!))].sort((a, b) => a - b);
    for (let i = 0; i + 1 < vals.length; i++) best = Math.min(best, sse(f, (vals[i]! + vals[i + 1]!) / 2));
  }
  assert.ok(Math.abs(sse(m.feature[0]!, m.threshold[0]!) - best) < 1e-9);
});

test('boosting recovers an additive step function on held-out points', () => {
  const r = lcg(3);
  const f = (a: number, b: number): number => 3 * (a > 0.5 ? 1 : 0) + 2 * (b > 0.3 ? 1 : 0);
  // Features on a 20-value grid, so every step sits exactly between two bins.
  const g = (): number => Math.floor(r() * 20) / 20 + 0.025;
  const X = Array.from({ length: 800 }, () => [g(), g(), g()]);
  const y = X.map(([a, b]) => f(a!, b!));
  const m = fitGbt(X, y, { nTrees: 150, maxDepth: 2, learningRate: 0.2 });
  const trainMax = Math.max(...X.map((x, i) => Math.abs(predictGbt(m, x) - y[i]!)));
  assert.ok(trainMax < 0.01, `train max error ${trainMax}`);
  let maxErr = 0;
  for (const [a, b] of [
    [0.125, 0.125],
    [0.925, 0.125],
    [0.125, 0.925],
    [0.925, 0.925],
    [0.725, 0.225],
  ] as const) {
    maxErr = Math.max(maxErr, Math.abs(predictGbt(m, [a, b, 0.525]) - f(a, b)));
  }
  assert.ok(maxErr < 0.01, `max error ${maxErr}`);
});

test('quantile loss: the 0.9 model covers ~90% of held-out noise', () => {
  const r = lcg(11);
  const make = (n: number): { X: number[][]; y: number[] } => {
    const X = Array.from({ length: n }, () => [r() * 4]);
    return { X, y: X.map(([x]) => x! + r()) }; // noise ~ U(0,1): true 0.9-quantile is x + 0.9
  };
  const tr = make(3000);
  const te = make(2000);
  const m = fitGbt(tr.X, tr.y, { nTrees: 100, maxDepth: 2, learningRate: 0.2, loss: { quantile: 0.9 }, minSamplesLeaf: 20 });
  const covered = te.y.filter((v, i) => v <= predictGbt(m, te.X[i]!)).length / te.y.length;
  assert.ok(covered > 0.86 && covered < 0.94, `coverage ${covered}`);
  assert.ok(Math.abs(predictGbt(m, [2]) - 2.9) < 0.15, `q(2) = ${predictGbt(m, [2])}`);
});

test('fits are deterministic and survive a JSON round trip', () => {
  const r = lcg(5);
  const X = Array.from({ length: 200 }, () => [r(), r()]);
  const y = X.map(([a, b]) => a! * b! + r() * 0.01);
  const a = fitGbt(X, y, { nTrees: 20, subsample: 0.7, seed: 9 });
  const b = fitGbt(X, y, { nTrees: 20, subsample: 0.7, seed: 9 });
  assert.deepEqual(a, b);
  const back = loadGbt(JSON.parse(JSON.stringify(a)));
  assert.equal(predictGbt(back, [0.3, 0.6]), predictGbt(a, [0.3, 0.6]));
  assert.throws(() => loadGbt({ kind: 'linear' }), /invalid model: expected kind "gbt"/);
  assert.throws(() => fitGbt([[1], [Number.NaN]], [1, 2]), /row 1 feature 0 is NaN/);
});
