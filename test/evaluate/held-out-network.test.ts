// scoreHeldOutNetwork: per-layer and network-total scores of one held-out network, checked against
// values worked out by hand below (not the code's own output).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scoreHeldOutNetwork } from '../../src/evaluate/held-out-network.js';
import type { LayerObservation } from '../../src/models/observations.js';

/** Only the measured times matter to the scoring. */
const ob = (loadMs: number, runMs: number, unloadMs: number | null = null): LayerObservation => ({ loadMs, runMs, unloadMs }) as unknown as LayerObservation;
const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

test('two layers, unload not measured (EdgeCaffe): unload left out of the totals', () => {
  const obs = [ob(1, 4), ob(2, 10)];
  const preds = [
    { loadMs: 2, runMs: 3, unloadMs: 9 },
    { loadMs: 1, runMs: 12, unloadMs: 9 },
  ];
  const s = scoreHeldOutNetwork(preds, obs, [15, 17, 20]);
  assert.equal(s.layers, 2);
  assert.equal(s.passes, 3);
  assert.equal(s.unloadMeasured, false);
  // load APEs 1/1 = 1 and 1/2 = 0.5: median 0.75; ratios 2 and 0.5: geometric mean 1
  close(s.layerApe.load, 0.75);
  close(s.layerBias.load, 1);
  // run APEs 1/4 = 0.25 and 2/10 = 0.2: median 0.225; ratios 0.75 and 1.2: sqrt(0.9)
  close(s.layerApe.run, 0.225);
  close(s.layerBias.run, Math.sqrt(0.9));
  assert.equal(s.layerApe.unload, null);
  assert.equal(s.layerBias.unload, null);
  // predicted total 2 + 3 + 1 + 12 = 18 (the 9 ms unloads are not measured, so not counted)
  close(s.predictedMs, 18);
  close(s.measuredMedianMs, 17);
  // pass APEs 3/15 = 0.2, 1/17, 2/20 = 0.1: median 0.1; bias (18^3 / (15 * 17 * 20))^(1/3) = (5832/5100)^(1/3)
  close(s.totalApe, 0.1);
  close(s.totalBias, Math.cbrt(5832 / 5100));
  // noise: (20 - 15) / 17, and the median of 2/17, 0, 3/17
  close(s.noiseRange, 5 / 17);
  close(s.noiseApe, 2 / 17);
});

test('unload measured on every layer: scored and counted in the totals', () => {
  const obs = [ob(1, 4, 1), ob(2, 10, 2)];
  const preds = [
    { loadMs: 2, runMs: 3, unloadMs: 3 },
    { loadMs: 1, runMs: 12, unloadMs: 1 },
  ];
  const s = scoreHeldOutNetwork(preds, obs, [20]);
  assert.equal(s.unloadMeasured, true);
  // unload APEs 2/1 = 2 and 1/2 = 0.5: median 1.25; ratios 3 and 0.5: sqrt(1.5)
  close(s.layerApe.unload!, 1.25);
  close(s.layerBias.unload!, Math.sqrt(1.5));
  // 18 + 3 + 1 = 22 against one pass of 20: APE 0.1, bias 1.1, no spread
  close(s.predictedMs, 22);
  close(s.totalApe, 0.1);
  close(s.totalBias, 1.1);
  close(s.noiseRange, 0);
  close(s.noiseApe, 0);
});

test('one layer without unload is enough to leave unload out', () => {
  const s = scoreHeldOutNetwork(
    [
      { loadMs: 1, runMs: 1, unloadMs: 5 },
      { loadMs: 1, runMs: 1, unloadMs: 5 },
    ],
    [ob(1, 1, 5), ob(1, 1, null)],
    [4],
  );
  assert.equal(s.unloadMeasured, false);
  close(s.predictedMs, 4);
  close(s.totalApe, 0);
});

test('predictions and observations must pair up, and there must be passes', () => {
  assert.throws(() => scoreHeldOutNetwork([{ loadMs: 1, runMs: 1, unloadMs: 0 }], [ob(1, 1), ob(1, 1)], [2]), /1 predictions for 2 observations/);
  assert.throws(() => scoreHeldOutNetwork([{ loadMs: 1, runMs: 1, unloadMs: 0 }], [ob(1, 1)], []), /no layers or no passes/);
});
