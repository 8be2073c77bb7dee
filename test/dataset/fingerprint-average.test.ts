// averageFingerprints: one machine's measurements combined by geometric means (closed-form values).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averageFingerprints } from '../../src/dataset/fingerprint.js';
import type { HardwareFingerprint } from '../../src/dataset/schema.js';

/** Equal to 12 digits (geometric means go through exp and log). */
function near(actual: number | null | undefined, expected: number): void {
  assert.ok(typeof actual === 'number' && Math.abs(actual / expected - 1) < 1e-12, `${actual} vs ${expected}`);
}

const base: HardwareFingerprint = {
  id: 'x64-2c-24g-abcd',
  cpuModel: 'AMD EPYC',
  cores: 2,
  ramBytes: 24 * 2 ** 30,
  cgroupVersion: 1,
  diskReadBytesPerSec: 500e6,
  memBandwidthBytesPerSec: 8e9,
  gemmGflops: 50,
  runtimeIdleBytes: 80 * 2 ** 20,
  measuredAt: '2026-12-02T10:00:00Z',
  callProbe: { networks: ['mobilenetv3_small', 'squeezenet1_1'], layers: 223, weightBytes: 1, passes: 5, threads: 2, loadMs: 100, runMs: 200, unloadMs: 20 },
  diskCurve: { bytes: [1, 2], ms: [4, 9], idleMs: 100, reads: 3 },
};

test('averageFingerprints: rates, probe times and curve times are geometric means; the rest is the last one', () => {
  const later: HardwareFingerprint = {
    ...base,
    diskReadBytesPerSec: 2000e6,
    memBandwidthBytesPerSec: 2e9,
    gemmGflops: 200,
    runtimeIdleBytes: 320 * 2 ** 20,
    measuredAt: '2026-12-02T11:00:00Z',
    callProbe: { ...base.callProbe!, loadMs: 400, runMs: 50, unloadMs: 5 },
    diskCurve: { ...base.diskCurve!, ms: [16, 1] },
  };
  const m = averageFingerprints([base, later]);
  near(m.diskReadBytesPerSec, 1000e6);
  near(m.memBandwidthBytesPerSec, 4e9);
  near(m.gemmGflops, 100);
  near(m.runtimeIdleBytes, 160 * 2 ** 20);
  near(m.callProbe!.loadMs, 200);
  near(m.callProbe!.runMs, 100);
  near(m.callProbe!.unloadMs, 10);
  near(m.diskCurve!.ms[0], 8);
  near(m.diskCurve!.ms[1], 3);
  assert.equal(m.measuredAt, '2026-12-02T11:00:00Z');
  assert.match(m.notes!, /^geometric mean of 2 fingerprints of this machine \(2026-12-02T10:00:00Z to 2026-12-02T11:00:00Z\)/);
  // one fingerprint is itself; three average as the cube root
  assert.equal(averageFingerprints([base]), base);
  near(averageFingerprints([base, later, { ...base, gemmGflops: 12.5 }]).gemmGflops, 50);
});

test('averageFingerprints: a part measured differently (other probe networks or threads, other curve sizes, missing) keeps the last one', () => {
  const oneThread: HardwareFingerprint = {
    ...base,
    gemmGflops: 200,
    callProbe: { ...base.callProbe!, threads: 1, runMs: 800 },
    diskCurve: { ...base.diskCurve!, bytes: [1, 4] },
  };
  const m = averageFingerprints([base, oneThread]);
  near(m.gemmGflops, 100);
  assert.equal(m.callProbe!.runMs, 800);
  assert.deepEqual(m.diskCurve!.bytes, [1, 4]);
  const noGemm = averageFingerprints([
    { ...base, gemmGflops: null },
    { ...base, gemmGflops: 80 },
  ]);
  near(noGemm.gemmGflops, 80);
  assert.throws(() => averageFingerprints([]), /no fingerprint/);
  assert.throws(() => averageFingerprints([base, { ...base, id: 'x64-1c-24g-ffff' }]), /one machine only/);
});
