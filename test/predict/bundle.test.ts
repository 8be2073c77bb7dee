import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/errors.js';
import { mulberry32 } from '../../src/models/target.js';
import { calibrateNetworkTotals, loadBundle } from '../../src/predict/bundle.js';
import { HW, testBundleJson } from '../helpers/bundle-fixture.js';

function normal(rnd: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
}

test('loadBundle: a bundle loads with its hardware, calibration and a model that predicts', () => {
  const b = loadBundle(testBundleJson(), { path: 'm.json' });
  assert.equal(b.model.kind, 'fe');
  assert.equal(b.hardware.id, HW.id);
  assert.deepEqual(b.calibration, { coverage: 0.9, logLow: -0.2, logHigh: 0.3, method: 'test', n: 40 });
  assert.equal(b.label, 'fe (m.json)');
  assert.equal(loadBundle(testBundleJson(false)).calibration, null);
});

test('loadBundle: a bare model needs hardware given separately', () => {
  const bare = testBundleJson().model;
  const b = loadBundle(bare, { path: 'bare.json', hardware: HW });
  assert.equal(b.hardware, HW);
  assert.equal(b.calibration, null);
  assert.throws(() => loadBundle(bare, { path: 'bare.json' }), /^UserError: invalid model file bare\.json: a bare model has no hardware fingerprint/);
});

test('loadBundle: wrong files are rejected naming the file, the field and the fix', () => {
  const cases: [unknown, RegExp][] = [
    [[1, 2], /^invalid model file x\.json: expected a JSON object .*got \[1,2\]/],
    [
      { format: 'memlat-network@1', name: 'vgg16' },
      /^invalid model file x\.json: expected format "memlat-bundle@1" or name "memlat-model", got format "memlat-network@1", name "vgg16"/,
    ],
    [
      { ...testBundleJson(), hardware: { ...HW, ramBytes: -1 } },
      /^invalid model file x\.json: hardware\.ramBytes: expected a positive number of bytes, got -1$/,
    ],
    [
      { ...testBundleJson(), calibration: { coverage: 1.5, logLow: 0.4, logHigh: 0.1, method: 'x', n: 3 } },
      /calibration\.coverage: expected a number in \(0, 1\), got 1\.5\ninvalid model file x\.json: calibration: logLow 0\.4 exceeds logHigh 0\.1$/,
    ],
    [{ ...testBundleJson(), model: { ...testBundleJson().model, kind: 'nope' } }, /^invalid model file x\.json: unknown kind "nope"; known kinds: /],
  ];
  for (const [json, re] of cases) {
    assert.throws(
      () => loadBundle(json, { path: 'x.json' }),
      (e: unknown) => e instanceof UserError && re.test(e.message),
      String(re),
    );
  }
});

test('calibrateNetworkTotals: order statistics by hand (n = 39, 0.9 -> 2nd and 38th of 39)', () => {
  const k = Array.from({ length: 39 }, (_, i) => i + 1).reverse();
  const pred = k.map((j) => 10 * j);
  const meas = k.map((j, i) => pred[i]! * Math.exp(j / 100));
  const c = calibrateNetworkTotals(pred, meas, 0.9);
  assert.equal(c.n, 39);
  assert.ok(Math.abs(c.logLow - 0.02) < 1e-12, String(c.logLow));
  assert.ok(Math.abs(c.logHigh - 0.38) < 1e-12, String(c.logHigh));
  // n = 19 is the least for 0.9: the interval is [min, max].
  const c19 = calibrateNetworkTotals(pred.slice(0, 19), meas.slice(0, 19), 0.9);
  assert.ok(Math.abs(c19.logLow - 0.21) < 1e-12 && Math.abs(c19.logHigh - 0.39) < 1e-12);
  assert.throws(
    () => calibrateNetworkTotals(pred.slice(0, 18), meas.slice(0, 18), 0.9),
    /18 held-out networks are too few for a 0\.9 interval; need at least 19/,
  );
  assert.throws(() => calibrateNetworkTotals([1, 2], [1, 0], 0.5), /calibration pair 1: predicted 2 ms, measured 0 ms/);
});

test('calibrateNetworkTotals: held-out coverage is the nominal 0.9 on synthetic log-normal errors', () => {
  const rnd = mulberry32(42);
  // Large calibration set: quantiles approach those of N(0.1, 0.3): 0.1 -+ 1.645 * 0.3.
  const n = 4000;
  const pred = Array.from({ length: n }, () => 10 + 1000 * rnd());
  const meas = pred.map((p) => p * Math.exp(0.1 + 0.3 * normal(rnd)));
  const big = calibrateNetworkTotals(pred, meas, 0.9);
  assert.ok(Math.abs(big.logLow - (0.1 - 1.645 * 0.3)) < 0.04, String(big.logLow));
  assert.ok(Math.abs(big.logHigh - (0.1 + 1.645 * 0.3)) < 0.04, String(big.logHigh));
  // Small calibration sets (n = 39, exact 0.9 by construction): mean coverage over many trials.
  let covered = 0;
  let total = 0;
  for (let trial = 0; trial < 400; trial++) {
    const p = Array.from({ length: 39 }, () => 10 + 1000 * rnd());
    const m = p.map((x) => x * Math.exp(0.1 + 0.3 * normal(rnd)));
    const c = calibrateNetworkTotals(p, m, 0.9);
    for (let j = 0; j < 100; j++) {
      const x = 10 + 1000 * rnd();
      const y = x * Math.exp(0.1 + 0.3 * normal(rnd));
      if (y >= x * Math.exp(c.logLow) && y <= x * Math.exp(c.logHigh)) covered++;
      total++;
    }
  }
  const cov = covered / total;
  assert.ok(cov > 0.89 && cov < 0.91, `coverage ${cov}`);
});
