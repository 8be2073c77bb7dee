/**
 * The bundle `memlat calibrate` writes (src/predict/calibrated-bundle.ts): kind, hardware, factors
 * fitted towards known truths and shrunk, the interval widened by what is left, loadable by predict;
 * and readChosenModel applies no zero-shot transfer on top of a calibrated model of this machine.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { calibratedBundle, remainingSigma } from '../../src/predict/calibrated-bundle.js';
import { loadBundle } from '../../src/predict/bundle.js';
import { normalQuantile } from '../../src/predict/zero-shot.js';
import { readChosenModel } from '../../src/predict/user-files.js';
import { predictNetwork } from '../../src/predict/predict.js';
import { Transfer } from '../../src/models/transfer.js';
import { layerStats } from '../../src/features/layer.js';
import { resolveNetwork } from '../../src/network/shapes.js';
import { zooNetwork } from '../../src/network/zoo/index.js';
import type { LayerObservation } from '../../src/models/observations.js';
import type { HardwareFingerprint } from '../../src/dataset/schema.js';
import { HW, testBundle } from '../helpers/bundle-fixture.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

const dir = makeTempDir('memlat-calibrated-bundle-');
after(() => removeDir(dir));

/** Machine B: half the model machine's disk bandwidth. */
const B: HardwareFingerprint = { ...HW, id: 'hw-b', diskReadBytesPerSec: HW.diskReadBytesPerSec! / 2 };
const alexnet = resolveNetwork(zooNetwork('alexnet'));

/** Unlimited observations on B whose times are the zero-shot prediction times `truth` per phase. */
function observations(truth: { load: number; run: number; unload: number }): LayerObservation[] {
  const base = testBundle();
  const zs = new Transfer(base.model, HW, B);
  return alexnet.layers.map((l, i) => {
    const p = zs.phases({ layer: l, memoryBytes: B.ramBytes, hardware: B }).unlimited;
    return {
      key: `k${i}`,
      hardwareId: B.id,
      network: 'alexnet',
      layerIndex: l.index,
      layerType: l.layer.type,
      memoryLimitBytes: null,
      layer: l,
      memoryBytes: B.ramBytes,
      hardware: B,
      reps: 3,
      loadMs: p.loadMs * truth.load,
      runMs: p.runMs * truth.run,
      unloadMs: p.unloadMs * truth.unload,
      swapBytes: 0,
    };
  });
}

test("remainingSigma: prior x the least-measured load/run cell's sqrt(k / (n + k)); unload does not count", () => {
  const counts = { unlimited: { load: 9, run: 9, unload: 0 }, swapping: { load: 1, run: 3, unload: 0 } };
  // worst cell: swapping.load with 1 row: sqrt(3 / 4)
  assert.ok(Math.abs(remainingSigma(0.2, counts, 3) - 0.2 * Math.sqrt(3 / 4)) < 1e-12);
  assert.equal(remainingSigma(0, counts, 3), 0);
  assert.equal(remainingSigma(0.2, counts, 0), 0);
  const none = { unlimited: { load: 0, run: 0, unload: 0 }, swapping: { load: 0, run: 0, unload: 0 } };
  assert.equal(remainingSigma(0.2, none, 3), 0.2);
});

test("the calibrated bundle: this machine's fingerprint, kind calibrated, factors between the prior and the truth, interval widened", () => {
  const base = testBundle();
  const obs = observations({ load: 1.5, run: 0.8, unload: 1 });
  const r = calibratedBundle(base, B, obs, {
    provenance: { data: 'rows.csv', rows: obs.length * 3, spentMs: 1234, budgetMs: 60_000 },
    command: 'memlat calibrate --budget 1m',
  });
  assert.equal(r.bundle.format, 'memlat-bundle@1');
  assert.equal(r.bundle.hardware.id, 'hw-b');
  assert.equal(r.bundle.model.kind, 'calibrated');
  assert.equal(r.bundle.provenance?.command, 'memlat calibrate --budget 1m');
  assert.deepEqual(r.ratios, { disk: 0.5, mem: 1, gemm: 1, call: null });
  const f = r.model.data.factors.unlimited;
  const n = r.model.data.counts.unlimited.load;
  assert.ok(n >= 10 && n <= alexnet.layers.length, String(n));
  // shrunk towards 1 by n / (n + 3) in log space
  assert.ok(Math.abs(f.load - Math.exp((n / (n + 3)) * Math.log(1.5))) < 1e-9, String(f.load));
  assert.ok(f.load > 1 && f.load < 1.5);
  assert.ok(f.run < 1 && f.run > 0.8, String(f.run));
  assert.ok(Math.abs(f.unload - 1) < 1e-9);
  assert.deepEqual(r.model.data.factors.swapping, { load: 1, run: 1, unload: 1 });
  // interval: the zero-shot sigma 0.1 ln 2; no swapping rows, so nothing of it is explained away
  assert.ok(Math.abs(r.priorSigma - 0.1 * Math.LN2) < 1e-12);
  assert.ok(Math.abs(r.sigma - r.priorSigma) < 1e-12);
  const e = normalQuantile(0.95) * r.sigma;
  assert.ok(Math.abs(r.bundle.calibration!.logHigh - Math.sqrt(0.3 ** 2 + e * e)) < 1e-12);
  assert.ok(Math.abs(r.bundle.calibration!.logLow + Math.sqrt(0.2 ** 2 + e * e)) < 1e-12);
  assert.match(r.bundle.calibration!.method, /widened for calibration/);
  assert.equal(r.model.data.provenance.spentMs, 1234);

  // it loads as a bundle and predicts what the model in memory predicts
  const loaded = loadBundle(JSON.parse(JSON.stringify(r.bundle)), { path: 'calibrated.json' });
  assert.equal(loaded.model.kind, 'calibrated');
  const p1 = predictNetwork(alexnet, null, loaded);
  const p0 = predictNetwork(alexnet, null, { ...loaded, model: r.model });
  assert.ok(Math.abs(p1.totalMs - p0.totalMs) < 1e-9 * p0.totalMs);
  // loads slower than the base's on its own machine: half the disk, and the load factor > 1
  const loads = (p: typeof p1): number => p.layers.reduce((s, l) => s + l.loadMs, 0);
  assert.ok(loads(p1) > loads(predictNetwork(alexnet, null, base)));
});

test('on the same machine as the model the interval is not widened (ratios 1)', () => {
  const base = testBundle();
  const same = { ...HW, id: 'hw-same-rates' };
  const zs = new Transfer(base.model, HW, same);
  const l = alexnet.layers[0]!;
  const p = zs.phases({ layer: l, memoryBytes: same.ramBytes, hardware: same }).unlimited;
  const o: LayerObservation = {
    key: 'k',
    hardwareId: same.id,
    network: 'alexnet',
    layerIndex: 0,
    layerType: l.layer.type,
    memoryLimitBytes: null,
    layer: l,
    memoryBytes: same.ramBytes,
    hardware: same,
    reps: 3,
    loadMs: p.loadMs * 2,
    runMs: p.runMs,
    unloadMs: p.unloadMs,
    swapBytes: 0,
  };
  const r = calibratedBundle(base, same, [o]);
  assert.equal(r.sigma, 0);
  assert.deepEqual(r.bundle.calibration, base.calibration);
  // one row moves the load factor a quarter of the way in log space (k = 3): 2^(1/4)
  assert.ok(Math.abs(r.model.data.factors.unlimited.load - 2 ** 0.25) < 1e-9);
  assert.ok(layerStats(l).weightBytes > 0);
});

test('readChosenModel: no zero-shot transfer on top of a calibrated model of this machine; a plain bundle is transferred', () => {
  const base = testBundle();
  const r = calibratedBundle(base, B, observations({ load: 1.2, run: 1, unload: 1 }));
  const file = join(dir, 'calibrated.json');
  writeFileSync(file, JSON.stringify(r.bundle));
  // this machine: B's id, its disk measured 2x faster since (beyond the 1.25x tolerance)
  const here = {
    fingerprint: { ...B, diskReadBytesPerSec: B.diskReadBytesPerSec! * 2 },
    kind: 'this-machine' as const,
    measured: true,
    path: '/tmp/hw.json',
    sameBoot: true,
  };
  const cal = readChosenModel(file, { here });
  assert.equal(cal.bundle.zeroShot, undefined);
  assert.equal(cal.bundle.model.kind, 'calibrated');
  // the same situation with a plain bundle of B: transferred
  const plain = join(dir, 'plain.json');
  writeFileSync(plain, JSON.stringify({ ...base.bundle, hardware: B }));
  const pl = readChosenModel(plain, { here });
  assert.ok(pl.bundle.zeroShot !== undefined);
  assert.deepEqual(pl.bundle.zeroShot.ratios, { disk: 2, mem: 1, gemm: 1, call: null });
});

test('anchoring on the per-call probe: run and unload factors scaled so the probe networks are predicted as measured; load and swap untouched', () => {
  const base = testBundle();
  const obs = observations({ load: 1.5, run: 0.8, unload: 1 });
  const plain = calibratedBundle(base, B, obs).model;
  assert.equal(plain.data.anchor, undefined, 'no probe on B: nothing anchored');
  // what the plain calibrated model predicts for the probe's networks on B, unlimited
  const sums = { run: 0, unload: 0 };
  let layers = 0;
  for (const name of ['mobilenetv3_small', 'squeezenet1_1']) {
    for (const layer of resolveNetwork(zooNetwork(name)).layers) {
      const t = plain.predict({ layer, memoryBytes: B.ramBytes, hardware: B });
      sums.run += t.runMs;
      sums.unload += t.unloadMs;
      layers++;
    }
  }
  assert.equal(layers, 223);
  // B's probe measured run twice and unload half what the plain calibration predicts
  const probe = {
    networks: ['mobilenetv3_small', 'squeezenet1_1'],
    layers: 223,
    weightBytes: 0,
    passes: 5,
    threads: 2,
    loadMs: 1,
    runMs: 2 * sums.run,
    unloadMs: sums.unload / 2,
  };
  const Bp: HardwareFingerprint = { ...B, callProbe: probe };
  const anchored = calibratedBundle(
    base,
    Bp,
    obs.map((o) => ({ ...o, hardware: Bp })),
  ).model;
  const f0 = plain.data.factors;
  const f1 = anchored.data.factors;
  assert.ok(Math.abs(f1.unlimited.run / f0.unlimited.run - 2) < 1e-9, `run ${f1.unlimited.run} vs ${f0.unlimited.run}`);
  assert.ok(Math.abs(f1.unlimited.unload / f0.unlimited.unload - 0.5) < 1e-9);
  assert.equal(f1.unlimited.load, f0.unlimited.load);
  assert.deepEqual(f1.swapping, f0.swapping);
  assert.deepEqual(anchored.data.anchor?.rowFactors, { run: f0.unlimited.run, unload: f0.unlimited.unload });
  // and the anchored model predicts the probe's run as measured
  let run = 0;
  for (const name of probe.networks)
    for (const layer of resolveNetwork(zooNetwork(name)).layers) run += anchored.predict({ layer, memoryBytes: B.ramBytes, hardware: Bp }).runMs;
  assert.ok(Math.abs(run / probe.runMs - 1) < 1e-9, `predicted probe run ${run} vs ${probe.runMs}`);
});
