import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diskCurveRatio, validDiskCurve, withLargeProbe } from '../../src/dataset/disk-curve.js';
import type { DiskCurve, HardwareFingerprint } from '../../src/dataset/schema.js';
import { A } from '../helpers/transfer-stub.js';

const MiB = 2 ** 20;
const SIZES = [1, 4, 16, 64, 256].map((m) => m * MiB);
const curve = (ms: number[]): DiskCurve => ({ bytes: SIZES, ms, idleMs: 100, reads: 3 });
// A: about 1 GiB/s at every size; B: the same up to 16 MiB (burst credit), 10x slower from 64 MiB on
const onA: HardwareFingerprint = { ...A, diskCurve: curve([2, 5, 17, 65, 260]) };
const onB: HardwareFingerprint = { ...A, id: 'hw-b', diskCurve: curve([2, 5, 17, 650, 2600]) };

test('diskCurveRatio: B / A at the sizes read, geometric between them, constant beyond the ends', () => {
  assert.equal(diskCurveRatio(onA, onB, 0.5 * MiB), 1);
  assert.equal(diskCurveRatio(onA, onB, 4 * MiB), 1);
  assert.equal(diskCurveRatio(onA, onB, 16 * MiB), 1);
  assert.ok(Math.abs(diskCurveRatio(onA, onB, 64 * MiB)! - 10) < 1e-12);
  // 32 MiB is halfway between 16 and 64 MiB in ln size: sqrt(1 x 10)
  assert.ok(Math.abs(diskCurveRatio(onA, onB, 32 * MiB)! - Math.sqrt(10)) < 1e-12);
  assert.ok(Math.abs(diskCurveRatio(onA, onB, 4096 * MiB)! - 10) < 1e-12);
  // and the other way round
  assert.ok(Math.abs(diskCurveRatio(onB, onA, 256 * MiB)! - 0.1) < 1e-12);
});

test('diskCurveRatio: null without a curve on both sides, for other sizes, or for a damaged curve', () => {
  assert.equal(diskCurveRatio(A, onB, MiB), null);
  assert.equal(diskCurveRatio(onA, { ...onB, diskCurve: null }, MiB), null);
  const other: HardwareFingerprint = { ...onB, diskCurve: { ...onB.diskCurve!, bytes: [1, 4, 16, 64, 512].map((m) => m * MiB) } };
  assert.equal(diskCurveRatio(onA, other, MiB), null);
  assert.equal(validDiskCurve({ bytes: [4 * MiB, MiB], ms: [5, 2], idleMs: 100, reads: 3 }), false);
  assert.equal(validDiskCurve({ bytes: [MiB, 4 * MiB], ms: [2, 0], idleMs: 100, reads: 3 }), false);
  assert.equal(validDiskCurve({ bytes: [MiB], ms: [2], idleMs: 100, reads: 3 }), false);
  assert.equal(validDiskCurve(curve([2, 5, 17, 65, 260])), true);
});

test('withLargeProbe: the large probe is the last point, its time its size over its rate', () => {
  const c = withLargeProbe({ bytes: [MiB, 4 * MiB], ms: [2, 5] }, 256 * MiB, 128 * MiB, 100, 3)!;
  assert.deepEqual(c.bytes, [MiB, 4 * MiB, 256 * MiB]);
  assert.deepEqual(c.ms, [2, 5, 2000]);
  assert.equal(withLargeProbe({ bytes: [MiB], ms: [2] }, 256 * MiB, null, 100, 3), null);
});
