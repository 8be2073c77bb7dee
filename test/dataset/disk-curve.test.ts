import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  anchorDiskCurve,
  diskCurveFromRows,
  diskCurveRatio,
  diskCurveRatioAt,
  medianDiskCurve,
  validDiskCurve,
  withLargeProbe,
} from '../../src/dataset/disk-curve.js';
import type { DiskCurve, HardwareFingerprint, MeasurementRow } from '../../src/dataset/schema.js';
import { denseRow } from '../helpers/rows.js';
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

test('diskCurveFromRows: per size band the median over layers of each layer median load scaled to the size; other machines, limits and OOMs ignored', () => {
  // dense 1024 -> u: (1024 u + u) x 4 = 4100 u bytes of weights; loads 0.5 ms + 1 ms per 1e6 bytes,
  // a third rep 3x slower (the median over reps ignores it)
  const units = [
    [200, 256, 400], // 0.82, 1.05, 1.64 MB: the 1 MiB band [0.5, 2) MiB
    [600, 1000, 1500], // the 4 MiB band
    [2500, 4096, 6000], // 16 MiB
    [10000, 16384, 25000], // 64 MiB
  ];
  const rows: MeasurementRow[] = [];
  // layer i (dense 1024 -> u) as measured on `hardwareId`, with the rest of the row given
  const row = (i: number, u: number, over: Partial<MeasurementRow>): MeasurementRow =>
    denseRow(0, { network: `n${i}`, layer: { type: 'dense', name: 'fc', inputs: ['x'], units: u }, inputShapes: [[1, 1024]], outputShape: [1, u], ...over });
  units.flat().forEach((u, i) => {
    const b = 4100 * u;
    for (const rep of [0, 1, 2]) rows.push(row(i, u, { hardwareId: 'A', memoryLimitBytes: null, rep, loadMs: (0.5 + b / 1e6) * (rep === 2 ? 3 : 1) }));
    // ignored: the same layer under a limit, on another machine, and an OOM-killed pass, all 1000x slower
    rows.push(row(i, u, { hardwareId: 'A', memoryLimitBytes: 2 ** 28, rep: 0, loadMs: 1e6 }));
    rows.push(row(i, u, { hardwareId: 'B', memoryLimitBytes: null, rep: 3, loadMs: 1e6 }));
    rows.push(row(i, u, { hardwareId: 'A', memoryLimitBytes: null, rep: 4, loadMs: 1e6, oom: true }));
  });
  const c = diskCurveFromRows(rows, 'A', 256 * MiB, 1e9, 'test rows')!;
  assert.deepEqual(
    c.bytes,
    [1, 4, 16, 64, 256].map((m) => m * MiB),
  );
  // scaled to s, a layer of b bytes gives 0.5 s / b + s / 1e6: decreasing in b, so the middle layer's
  units.forEach(([, mid], k) => {
    const s = [1, 4, 16, 64][k]! * MiB;
    const want = (0.5 * s) / (4100 * mid!) + s / 1e6;
    assert.ok(Math.abs(c.ms[k]! - want) < 1e-9, `${s}: ${c.ms[k]} vs ${want}`);
  });
  assert.ok(Math.abs(c.ms[4]! - (256 * MiB) / 1e6) < 1e-9);
  assert.equal(c.source, 'test rows');
  assert.equal(c.reads, 0);
  // a band with two layers: no curve
  const thin = rows.filter((r) => r.network !== 'n11');
  assert.equal(diskCurveFromRows(thin, 'A', 256 * MiB, 1e9, 'x'), null);
  assert.equal(diskCurveFromRows(rows, 'A', 256 * MiB, null, 'x'), null);
});

test('anchorDiskCurve: the shape kept, the last point at the given rate', () => {
  const c = anchorDiskCurve(curve([2, 5, 17, 65, 260]), 2 ** 30); // 256 MiB at 1 GiB/s = 250 ms
  assert.ok(Math.abs(c.ms[4]! - 250) < 1e-9);
  c.ms.forEach((t, i) => assert.ok(Math.abs(t - [2, 5, 17, 65, 260][i]! * (250 / 260)) < 1e-9));
  assert.deepEqual(c.bytes, SIZES);
});

test('diskCurveRatioAt: the same ratios as diskCurveRatio, checked once; null where diskCurveRatio is', () => {
  const at = diskCurveRatioAt(onA, onB)!;
  for (const b of [0, 0.5, 1, 3, 16, 32, 100, 256, 4096].map((m) => m * MiB)) assert.equal(at(b), diskCurveRatio(onA, onB, b));
  assert.equal(diskCurveRatioAt(A, onB), null);
});

test('medianDiskCurve: per-size median of one machine curves, as measured (not anchored); null for a bad or mismatched curve', () => {
  const c = medianDiskCurve([curve([3, 8, 27, 76, 250]), curve([2, 12, 30, 70, 280]), curve([4, 7, 26, 80, 260])], 'three')!;
  assert.deepEqual(c.ms, [3, 8, 27, 76, 260]);
  assert.deepEqual(c.bytes, SIZES);
  assert.equal(c.source, 'three');
  // an even count: the mean of the middle two
  assert.deepEqual(medianDiskCurve([curve([2, 5, 17, 65, 260]), curve([4, 7, 19, 67, 262])], 'two')!.ms, [3, 6, 18, 66, 261]);
  assert.equal(medianDiskCurve([], 'none'), null);
  assert.equal(medianDiskCurve([curve([3, 8, 27, 76, 250]), { ...curve([3, 8, 27, 76]), bytes: SIZES.slice(0, 4) }], 'x'), null);
  assert.equal(medianDiskCurve([curve([3, 8, 27, 76, 250]), curve([3, -1, 27, 76, 250])], 'x'), null);
});
