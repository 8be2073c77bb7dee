import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorMetrics, jaccard, selectionStability } from '../../src/evaluate/metrics.js';

const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('errorMetrics: hand-computed case (pred 110, 50, 100 vs actual 100 each)', () => {
  const m = errorMetrics([110, 50, 100], [100, 100, 100]);
  assert.equal(m.n, 3);
  close(m.mapePct, 20); // (10 + 50 + 0) / 3
  close(m.medianApePct, 10);
  close(m.rmspePct, 100 * Math.sqrt((0.01 + 0.25) / 3)); // 29.439...
  close(m.rmspePct, 29.43920288775949);
  close(m.within10Pct, 200 / 3); // 10% exactly counts as within
  close(m.within25Pct, 200 / 3);
  close(m.bias, Math.cbrt(0.55)); // geometric mean of 1.1, 0.5, 1
  // |ln 110 - ln 100| / ln 100 = 2.0696%, |ln 50 - ln 100| / ln 100 = 15.0515%, 0
  close(m.logErrorPct, (100 * (Math.log(1.1) + Math.log(2))) / Math.log(100) / 3);
  close(m.logErrorPct, 5.70704, 1e-5);
});

test('errorMetrics: log error excludes actual = 1 ms (ln 1 = 0); non-positive pairs are excluded and counted', () => {
  const m = errorMetrics([2, 5, 0, 3], [1, 10, 4, 0]);
  assert.equal(m.n, 2);
  assert.equal(m.nExcluded, 2);
  assert.equal(m.nLogExcluded, 1);
  close(m.logErrorPct, (100 * Math.log(2)) / Math.log(10));
  close(m.mapePct, (100 + 50) / 2);
  close(m.bias, Math.sqrt(2 * 0.5));
});

test("errorMetrics: a uniform 2x underestimate in ms is a small log-space error (the study's blind spot)", () => {
  const actual = [100, 200, 400, 800];
  const m = errorMetrics(
    actual.map((a) => a / 2),
    actual,
  );
  close(m.mapePct, 50);
  close(m.bias, 0.5);
  assert.ok(m.logErrorPct < 15, `log error ${m.logErrorPct}%`);
});

test('jaccard and selectionStability: hand-computed', () => {
  close(jaccard(new Set(['a', 'b']), new Set(['b', 'c'])), 1 / 3);
  assert.equal(jaccard(new Set(), new Set()), 1);
  const s = selectionStability([['a', 'b'], ['b', 'c'], ['b']]);
  close(s.meanPairwiseJaccard, (1 / 3 + 1 / 2 + 1 / 2) / 3);
  close(s.meanSelected, 5 / 3);
  assert.deepEqual(
    s.frequency.map(([f]) => f),
    ['b', 'a', 'c'],
  );
  close(s.frequency[0]![1], 1);
  close(s.frequency[1]![1], 1 / 3);
});
