import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HardwareFingerprint } from '../../src/dataset/schema.js';
import { steadyFingerprint } from '../../src/machine/steady.js';
import { isUserError } from '../../src/errors.js';

const MiB = 2 ** 20;

/** A fingerprint of host D's kind with the probes given (the rest as `memlat hardware` writes them). */
function reading(at: string, disk: number, gemm: number, call: [number, number, number], curve: number[], idleMiB = 86): HardwareFingerprint {
  return {
    id: 'x64-2c-24g-ecb3',
    cpuModel: 'AMD EPYC',
    cores: 2,
    ramBytes: 24 * 1024 * MiB,
    cgroupVersion: 1,
    diskReadBytesPerSec: disk * MiB,
    memBandwidthBytesPerSec: 16e9,
    gemmGflops: gemm,
    runtimeIdleBytes: idleMiB * MiB,
    measuredAt: at,
    diskCurve: { bytes: [MiB, 4 * MiB], ms: curve, idleMs: 100, reads: 3 },
    callProbe: {
      networks: ['mobilenetv3_small', 'squeezenet1_1'],
      layers: 223,
      weightBytes: 15161856,
      passes: 5,
      threads: 2,
      loadMs: call[0],
      runMs: call[1],
      unloadMs: call[2],
    },
    freshWeights: { bytes: 64 * MiB, reps: 3, threads: 2, coldMs: 60, warmMs: 2.5, freshPagesMs: 200 },
    notes: 'threads 2',
  };
}

// host D's five fingerprints of held-out #31 (19:32-19:54 UTC, rounded): the per-call probe in its
// fast (~115 / 565 / 28 ms) and slow (~158 / 741 / 46 ms) states
const D31 = [
  reading('2026-12-03T19:32:00Z', 311, 133, [130, 571, 30], [4.4, 18.0]),
  reading('2026-12-03T19:37:21Z', 326, 122, [159, 741, 46], [4.5, 18.5]),
  reading('2026-12-03T19:41:00Z', 266, 166, [121, 565, 30], [4.0, 17.0], 90),
  reading('2026-12-03T19:45:00Z', 264, 122, [118, 541, 28], [4.2, 17.5]),
  reading('2026-12-03T19:54:00Z', 286, 158, [115, 573, 27], [4.3, 19.0]),
];

test('steady fingerprint: the median of each probe, the range it read and the readings it came from', () => {
  const s = steadyFingerprint(D31);
  // medians of 5: disk 264 266 286 311 326 -> 286; GEMM 122 122 133 158 166 -> 133; call run 541 565 571 573 741 -> 571
  assert.equal(s.diskReadBytesPerSec, 286 * MiB);
  assert.equal(s.gemmGflops, 133);
  assert.deepEqual([s.callProbe?.loadMs, s.callProbe?.runMs, s.callProbe?.unloadMs], [121, 571, 30]);
  assert.deepEqual(s.diskCurve?.ms, [4.3, 18.0]);
  assert.equal(s.runtimeIdleBytes, 86 * MiB);
  // the slow state's one reading (19:37) is in the range, not in the answer
  assert.deepEqual(s.steady.range.callRunMs, [541, 741]);
  assert.deepEqual(s.steady.range.gemmGflops, [122, 166]);
  assert.deepEqual(s.steady.range.diskReadBytesPerSec, [264 * MiB, 326 * MiB]);
  assert.equal(s.steady.readings, 5);
  assert.equal(s.steady.from, '2026-12-03T19:32:00Z');
  assert.equal(s.steady.to, '2026-12-03T19:54:00Z');
  assert.equal(s.measuredAt, '2026-12-03T19:54:00Z');
  assert.match(s.notes ?? '', /median of 5 fingerprints/);
  // the readings themselves are not changed
  assert.equal(D31[1]!.callProbe?.runMs, 741);
});

test('steady fingerprint: an even count takes the mean of the middle two; a field one reading lacks is not guessed', () => {
  const two = steadyFingerprint([D31[0]!, D31[1]!]);
  assert.equal(two.gemmGflops, (133 + 122) / 2);
  assert.equal(two.callProbe?.runMs, (571 + 741) / 2);
  const noGemm = { ...D31[2]!, gemmGflops: null };
  const s = steadyFingerprint([D31[0]!, noGemm, D31[3]!]);
  assert.equal(s.gemmGflops, null);
  assert.equal(s.steady.range.gemmGflops, undefined);
  assert.equal(s.diskReadBytesPerSec, 266 * MiB); // 311, 266, 264
  // a reading without a disk curve of the same sizes leaves the last reading's curve as it is
  const odd = { ...D31[3]!, diskCurve: { bytes: [MiB], ms: [9], idleMs: 100, reads: 3 } };
  assert.deepEqual(steadyFingerprint([D31[0]!, odd, D31[4]!]).diskCurve?.ms, [4.3, 19.0]);
});

test('steady fingerprint: one reading is itself; readings of two machines or none are a clear error', () => {
  const one = steadyFingerprint([D31[4]!]);
  assert.equal(one.gemmGflops, 158);
  assert.equal(one.steady.readings, 1);
  assert.equal(one.notes, 'threads 2');
  assert.throws(
    () => steadyFingerprint([D31[0]!, { ...D31[1]!, id: 'x64-4c-16g-0001' }]),
    (e: unknown) => isUserError(e) && /different machines \(x64-2c-24g-ecb3, x64-4c-16g-0001\)/.test((e as Error).message),
  );
  assert.throws(
    () => steadyFingerprint([]),
    (e: unknown) => isUserError(e) && /no readings/.test((e as Error).message),
  );
});

test('hardware({ repeat, everySec }): a bad count or interval is refused by name before anything is measured', async () => {
  const { hardware } = await import('../../src/api-tools.js');
  await assert.rejects(
    hardware({ repeat: 0 }),
    (e: unknown) => isUserError(e) && (e as Error).message === 'repeat 0: expected a whole number of readings >= 1, e.g. repeat 5',
  );
  await assert.rejects(hardware({ repeat: 2.5 }), (e: unknown) => isUserError(e) && /^repeat 2\.5: expected a whole number/.test((e as Error).message));
  await assert.rejects(
    hardware({ repeat: 3, everySec: -1 }),
    (e: unknown) => isUserError(e) && (e as Error).message === 'everySec -1: expected seconds >= 0 between the starts of two readings, e.g. everySec 60',
  );
});
