import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bundleOn, normalQuantile, ratesDiffer, transferBundle, widenCalibration } from '../../src/predict/zero-shot.js';
import { predictNetwork } from '../../src/predict/predict.js';
import { resolveNetwork } from '../../src/network/shapes.js';
import { zooNetwork } from '../../src/network/zoo/index.js';
import { HW, testBundle } from '../helpers/bundle-fixture.js';
import { checkMachine, FRESH_TOLERANCE_MS_PER_MIB } from '../../src/predict/machine.js';
import { shrinkRatio } from '../../src/models/transfer.js';

test('identical fingerprints change nothing, bit for bit (the same bundle object)', () => {
  const b = testBundle();
  const same = transferBundle(b, { ...HW, id: 'another-id-same-rates' });
  assert.equal(same, b);
  const rn = resolveNetwork(zooNetwork('alexnet'));
  assert.deepEqual(predictNetwork(rn, 256 * 2 ** 20, same), predictNetwork(rn, 256 * 2 ** 20, testBundle()));
});

test('half the disk: slower network, interval widened by z sigma in quadrature, zeroShot says so', () => {
  const b = testBundle();
  const t = transferBundle(b, { ...HW, id: 'slow-disk', diskReadBytesPerSec: HW.diskReadBytesPerSec! / 2 });
  assert.notEqual(t, b);
  assert.deepEqual(t.zeroShot?.ratios, { disk: 0.5, mem: 1, gemm: 1, call: null });
  assert.ok(Math.abs((t.zeroShot?.sigma ?? NaN) - 0.1 * Math.LN2) < 1e-12);
  const rn = resolveNetwork(zooNetwork('alexnet'));
  const p0 = predictNetwork(rn, null, b);
  const p1 = predictNetwork(rn, null, t);
  assert.ok(p1.totalMs > p0.totalMs);
  assert.ok(
    p1.layers.every((l, i) => l.runMs === p0.layers[i]!.runMs),
    'run does not depend on the disk',
  );
  assert.ok(p1.layers[0]!.loadMs > p0.layers[0]!.loadMs);
});

test('widenCalibration: closed form, and sigma 0 returns the calibration itself', () => {
  assert.ok(Math.abs(normalQuantile(0.95) - 1.6448536) < 1e-6);
  assert.ok(Math.abs(normalQuantile(0.5)) < 1e-12);
  assert.ok(Math.abs(normalQuantile(0.005) + 2.5758293) < 1e-6);
  const c = { coverage: 0.9, logLow: -0.3, logHigh: 0.3, method: 'm', n: 30 };
  assert.equal(widenCalibration(c, 0), c);
  const w = widenCalibration(c, 0.4 / normalQuantile(0.95)); // e = 0.4: sqrt(0.3^2 + 0.4^2) = 0.5
  assert.ok(Math.abs(w.logHigh - 0.5) < 1e-9);
  assert.ok(Math.abs(w.logLow + 0.5) < 1e-9);
  assert.match(w.method, /widened for zero-shot transfer/);
});

test('ratesDiffer: a fresh-weights cost beyond 0.15 ms per MiB read over the model machine (0 where it has no probe) warrants a transfer alone', () => {
  const probe = (coldMs: number) => ({ bytes: 64 * 2 ** 20, reps: 3, threads: 2, coldMs, warmMs: 2 });
  assert.equal(FRESH_TOLERANCE_MS_PER_MIB, 0.15);
  // host D: 52 - 2 = 50 ms over 64 MiB = 0.78 ms per MiB
  assert.equal(ratesDiffer(HW, { ...HW, freshWeights: probe(52) }), true);
  // 8 ms over 64 MiB = 0.125: within
  assert.equal(ratesDiffer(HW, { ...HW, freshWeights: probe(10) }), false);
  // both measured: their difference counts
  assert.equal(ratesDiffer({ ...HW, freshWeights: probe(50) }, { ...HW, freshWeights: probe(52) }), false);
  // the model's probe without one here: nothing to compare
  assert.equal(ratesDiffer({ ...HW, freshWeights: probe(52) }, HW), false);
});

test('checkMachine: a fresh-weights cost beyond the tolerance is flagged with its value; the zero-shot line names the floor with both costs', () => {
  const fw = { bytes: 64 * 2 ** 20, reps: 3, threads: 2, coldMs: 53.2, warmMs: 1.9, freshPagesMs: 184 };
  const here = { ...HW, id: 'host-d', freshWeights: fw };
  const target = { fingerprint: here, kind: 'this-machine' as const, measured: true, path: '/c/hardware.json' };
  const plain = checkMachine(HW, target, { memoryBytes: 2 ** 28 });
  const d = plain.differences.find((x) => x.part === 'freshWeights')!;
  // 51.3 ms over 64 MiB = 0.8016 ms per MiB against 0 on a model machine without the probe
  assert.ok(Math.abs((d.here as number) - 51.3 / 64) < 1e-9);
  assert.equal(d.model, null);
  assert.equal(d.severity, 'warn');
  assert.match(plain.warnings[0]!, /fresh weights 0\.80 ms per MiB read/);
  assert.match(plain.warnings[0]!, /runs of layers with large weights are likely longer \(fresh weights\)/);
  const t = transferBundle(testBundle(), here);
  assert.ok(t.zeroShot, 'a fresh-weights difference alone moves the model');
  const zs = checkMachine(HW, target, { memoryBytes: 2 ** 28, zeroShot: t.zeroShot });
  // 184 ms over 64 MiB = 2.875 ms per MiB of fresh pages
  assert.match(
    zs.warnings[0]!,
    /each layer's run at least its roofline plus this machine's first accesses \(0\.80 ms per MiB of weights just read, 2\.9 ms per MiB of fresh output pages\)/,
  );
  // within the tolerance: not flagged
  const near = checkMachine(HW, { ...target, fingerprint: { ...here, freshWeights: { ...fw, coldMs: 10 } } }, { memoryBytes: 2 ** 28 });
  assert.equal(near.differences.find((x) => x.part === 'freshWeights')?.severity, 'ok');
});

test('ratesDiffer: only beyond the 1.25x drift tolerance', () => {
  assert.equal(ratesDiffer(HW, { ...HW, diskReadBytesPerSec: HW.diskReadBytesPerSec! * 1.2 }), false);
  assert.equal(ratesDiffer(HW, { ...HW, gemmGflops: HW.gemmGflops! / 1.3 }), true);
});

test('bundleOn: as fitted (the same object) within the drift tolerance, moved beyond it, where it answers as transferBundle does', () => {
  const b = testBundle();
  // disk 1.2x faster, GEMM 1.2x slower: one VM minutes apart, not another machine
  const drift = { ...HW, id: 'same-vm-later', diskReadBytesPerSec: HW.diskReadBytesPerSec! * 1.2, gemmGflops: HW.gemmGflops! / 1.2 };
  assert.equal(bundleOn(b, drift), b);
  const slow = { ...HW, id: 'slow-disk', diskReadBytesPerSec: HW.diskReadBytesPerSec! / 3 };
  const moved = bundleOn(b, slow);
  assert.notEqual(moved, b);
  assert.equal(moved.zeroShot?.toId, 'slow-disk');
  // the transfer itself, not the gate, decides the answer: the same as transferBundle's
  const rn = resolveNetwork(zooNetwork('alexnet'));
  const viaGate = predictNetwork(rn, null, moved).totalMs;
  assert.equal(viaGate, predictNetwork(rn, null, transferBundle(b, slow)).totalMs);
  // its loads read the weights from a 3x slower disk
  const asFitted = predictNetwork(rn, null, b).totalMs;
  assert.ok(viaGate > asFitted * 1.05, `a 3x slower disk slows alexnet's loads: ${viaGate} vs ${asFitted}`);
});

test('disk curves on both machines: zeroShot.diskBySize gives the time ratio at each size, and the machine line names them', () => {
  const sizes = [1, 4, 16, 64, 256].map((m) => m * 2 ** 20);
  const curve = (ms: number[]) => ({ bytes: sizes, ms, idleMs: 100, reads: 3 });
  const b = testBundle();
  const from = { ...HW, diskCurve: curve([2, 5, 17, 65, 260]) };
  const withCurve = { ...b, fittedOn: from, hardware: from };
  const t = transferBundle(withCurve, { ...HW, id: 'throttled', diskReadBytesPerSec: HW.diskReadBytesPerSec! / 10, diskCurve: curve([3, 5, 17, 650, 2600]) });
  assert.deepEqual(
    t.zeroShot?.diskBySize?.map((x) => [x.bytes / 2 ** 20, Number(x.ratio.toFixed(9))]),
    [
      [1, Number(shrinkRatio(1.5, 0.24).toFixed(9))],
      [4, 1],
      [16, 1],
      [64, Number(shrinkRatio(10, 0.24).toFixed(9))],
      [256, Number(shrinkRatio(10, 0.24).toFixed(9))],
    ],
  );
  // the shrunk ratios by hand: 1.5 -> exp(0.40547^3 / (0.16440 + 0.1152)) = 1.2693; 10 -> exp(2.30259^3 / (5.30190 + 0.1152)) = 9.522
  assert.ok(Math.abs(shrinkRatio(1.5, 0.24) - 1.2693) < 1e-4 && Math.abs(shrinkRatio(10, 0.24) - 9.522) < 1e-3);
  // swap: the fault path (12.7 ms per MiB) and a 1 MiB read of 3 ms against 2 ms
  assert.ok(Math.abs((t.zeroShot?.swapScale ?? NaN) - 15.7 / 14.7) < 1e-12);
  // without a curve on the model's machine: no diskBySize
  assert.equal(
    transferBundle(b, { ...HW, id: 'throttled', diskReadBytesPerSec: HW.diskReadBytesPerSec! / 10, diskCurve: curve([3, 5, 17, 650, 2600]) }).zeroShot
      ?.diskBySize,
    undefined,
  );
  const line = checkMachine(
    from,
    {
      fingerprint: { ...HW, id: 'throttled', diskReadBytesPerSec: HW.diskReadBytesPerSec! / 10 },
      kind: 'this-machine',
      measured: true,
      path: '/c/hardware.json',
    },
    {
      memoryBytes: 2 ** 28,
      zeroShot: { ...t.zeroShot, used: { ...t.zeroShot.used, call: { run: 1, unload: 1, load: 1 } } },
    },
  ).warnings[0]!;
  assert.match(
    line,
    /each weight file's read by the disk curves at its size: x1\.27 at 1 MiB, x1\.00 at 4 MiB, x1\.00 at 16 MiB, x9\.52 at 64 MiB, x9\.52 at 256 MiB; .*; swap time x1\.07 \(the fault path and a small read\); ratios shrunk toward 1 by the probes' noise/,
  );
});
