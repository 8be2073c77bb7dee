// The physical swap term: its NNLS against the closed-form normal equations, a fit that recovers known
// parameters from noiseless synthetic pairs, and monotonicity / continuity in M.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitSwapTerm, nnls2, swapExtraMs, swapGeometry, type SwapPair, type SwapTermParams } from '../../src/models/swap-physical.js';

const MiB = 2 ** 20;

test('nnls2: unconstrained 2x2 weighted LS when both >= 0, else the better clamped single fit', () => {
  // y = 2a + 3b exactly
  const a = [1, 2, 3, 4];
  const b = [1, 0, 1, 2];
  const y = a.map((x, i) => 2 * x + 3 * b[i]!);
  const [c1, c2] = nnls2(a, b, y, [1, 1, 1, 1]);
  assert.ok(Math.abs(c1 - 2) < 1e-12 && Math.abs(c2 - 3) < 1e-12, `${c1} ${c2}`);
  // y = 2a - 3b: the unconstrained c2 < 0, so c2 = 0 and c1 = sum(a y) / sum(a^2) (closed form)
  const y2 = a.map((x, i) => 2 * x - 3 * b[i]!);
  const [d1, d2] = nnls2(a, b, y2, [1, 1, 1, 1]);
  const want = a.reduce((s, x, i) => s + x * y2[i]!, 0) / a.reduce((s, x) => s + x * x, 0);
  assert.equal(d2, 0);
  assert.ok(Math.abs(d1 - want) < 1e-12, `${d1} vs ${want}`);
});

test('swapGeometry: no deficit while ws fits the budget, phi = 1 - exp(-D / (lambda V)) beyond', () => {
  assert.deepEqual(swapGeometry(100 * MiB, 100 * MiB, 200 * MiB, 0.1, 0), { deficit: 0, phi: 0 });
  const g = swapGeometry(100 * MiB, 100 * MiB, 90 * MiB, 0.1, 0); // D = 10 MiB = 0.1 V
  assert.equal(g.deficit, 10 * MiB);
  assert.ok(Math.abs(g.phi - (1 - Math.exp(-1))) < 1e-12);
  // the offset b takes memory from the budget
  assert.equal(swapGeometry(100 * MiB, 100 * MiB, 100 * MiB, 0.1, 16).deficit, 16 * MiB);
});

test('fitSwapTerm recovers known (lambda, b, c1, c2) from noiseless pairs', () => {
  const truth: SwapTermParams = { lambda: 0.05, offsetMiB: 16, c1: 2.5, c2: 0.75, n: 0, rmsRel: null };
  const bw = 500 * MiB;
  const pairs: SwapPair[] = [];
  for (const wsMiB of [20, 50, 120, 300]) {
    for (const f of [0.3, 0.6, 0.8, 0.9, 0.95, 1, 1.05, 1.2, 1.6, 2]) {
      const ws = wsMiB * MiB;
      const budget = f * ws;
      const tNone = wsMiB * 0.8;
      pairs.push({ tM: tNone + swapExtraMs(truth, ws, ws, budget, bw), tNone, ws, moved: ws, budget, bw, epsMs: 0.1 });
    }
  }
  const fit = fitSwapTerm(pairs);
  assert.equal(fit.lambda, 0.05);
  assert.equal(fit.offsetMiB, 16);
  assert.ok(Math.abs(fit.c1 - 2.5) < 1e-6 && Math.abs(fit.c2 - 0.75) < 1e-6, JSON.stringify(fit));
  assert.ok((fit.rmsRel ?? 1) < 1e-9);
});

test('the extra time is continuous and non-increasing in M, zero once the working set fits', () => {
  const p: SwapTermParams = { lambda: 0.05, offsetMiB: 8, c1: 2, c2: 0.5, n: 1, rmsRel: 0 };
  const ws = 400 * MiB;
  let prev = Infinity;
  for (let m = 100 * MiB; m <= 500 * MiB; m += MiB / 4) {
    const e = swapExtraMs(p, ws, ws, m, 1e9);
    assert.ok(e <= prev + 1e-9, `at ${m / MiB} MiB: ${e} > ${prev}`);
    if (prev !== Infinity) assert.ok(prev - e < 40, `jump of ${prev - e} ms in 0.25 MiB at ${m / MiB} MiB`);
    prev = e;
  }
  assert.equal(swapExtraMs(p, ws, ws, ws + 8 * MiB, 1e9), 0);
  assert.ok(swapExtraMs(p, ws, ws, ws + 7 * MiB, 1e9) > 0);
});
