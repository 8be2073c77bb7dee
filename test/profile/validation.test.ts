import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveNetwork } from '../../src/network/shapes.js';
import type { Network } from '../../src/network/types.js';
import {
  largestWorkingSetBytes,
  nearestInTime,
  oomRow,
  oomRunDocument,
  pairMoment,
  validationLevels,
  validationPairDone,
  validationRows,
} from '../../src/profile/validation.js';
import { fakeTiming } from '../helpers/fake-worker.js';

const MiB = 1024 * 1024;
// dense 1024 -> 4096: weights (1024*4096 + 4096) * 4 = 16,793,600 B; input 4096 B; output 16384 B.
const net: Network = {
  name: 'tiny-mlp',
  inputs: [{ name: 'x', shape: [1, 1024] }],
  layers: [
    { type: 'dense', name: 'fc1', inputs: ['x'], units: 4096 },
    { type: 'activation', name: 'relu', inputs: ['fc1'], fn: 'relu' },
    { type: 'dense', name: 'fc2', inputs: ['relu'], units: 10 },
  ],
};
const rn = resolveNetwork(net);

test('validation levels: idle + f * largest working set, rounded up to MiB, null = no limit', () => {
  const w = 16_793_600 + 4096 + 16384;
  assert.equal(largestWorkingSetBytes(rn), w);
  const levels = validationLevels(rn, 100 * MiB, [4, 1, 0.5, null]);
  assert.deepEqual(
    levels.map((l) => l.factor),
    [4, 1, 0.5, null],
  );
  assert.equal(levels[0]!.memoryLimitBytes, Math.ceil((100 * MiB + 4 * w) / MiB) * MiB); // 165 MiB
  assert.equal(levels[0]!.memoryLimitBytes, 165 * MiB);
  assert.equal(levels[2]!.memoryLimitBytes, 109 * MiB); // 100 + 8.03 -> 109
  assert.equal(levels[3]!.memoryLimitBytes, null);
});

test('validation rows: one per pass per layer, rep = pass, source memlat-run', () => {
  const t = (jobId: string, rep: number, loadMs: number) => ({
    ...fakeTiming(jobId, rep),
    loadMs,
    runMs: 1,
    unloadMs: 0.1,
    majorFaults: 2,
    swapInPages: 0,
    swapOutPages: 0,
  });
  const passes = [0, 1].map((p) => rn.layers.map((l) => t(String(l.index), p, 10 * p + l.index)));
  const rows = validationRows(rn, passes, 165 * MiB, 'hw');
  assert.equal(rows.length, 6);
  assert.deepEqual(
    rows.map((r) => [r.layerName, r.rep, r.loadMs]),
    [
      ['fc1', 0, 0],
      ['relu', 0, 1],
      ['fc2', 0, 2],
      ['fc1', 1, 10],
      ['relu', 1, 11],
      ['fc2', 1, 12],
    ],
  );
  assert.ok(rows.every((r) => r.source === 'memlat-run' && r.network === 'tiny-mlp' && r.memoryLimitBytes === 165 * MiB));
  assert.deepEqual(rows[2]!.inputShapes, [[1, 4096]]);
});

test('oomRow: the killed layer at its pass, oom = true, no times', () => {
  const r = oomRow(rn, 2, 1, 165 * MiB, 'hw');
  assert.equal(r.oom, true);
  assert.equal(r.layerName, 'fc2');
  assert.equal(r.rep, 1);
  assert.equal(r.memoryLimitBytes, 165 * MiB);
  assert.equal(r.unloadMs, null);
  assert.ok(Number.isNaN(r.loadMs) && Number.isNaN(r.runMs));
  assert.throws(() => oomRow(rn, 99, 0, null, 'hw'), /layer 99 is not in tiny-mlp/);
});

test('oomRunDocument (memlat run --json after an OOM kill): oom = true, the killed pass and layer, the finished passes kept whole', () => {
  // OomError.passes as runNetwork builds it: two finished passes, then the killed pass's first layer
  const t = (p: number, i: number) => ({ ...fakeTiming(String(i), p), loadMs: 1 + i, runMs: 10 * (p + 1), unloadMs: 0.5 });
  const passes = [[t(0, 0), t(0, 1), t(0, 2)], [t(1, 0), t(1, 1), t(1, 2)], [t(2, 0)]];
  const doc = oomRunDocument(rn, { message: 'the worker was OOM-killed at layer "relu"', layerIndex: 1, rep: 2, passes }, 100 * MiB, 5);
  assert.equal(doc.oom, true);
  assert.deepEqual([doc.network, doc.memoryBytes, doc.reps, doc.oomPass, doc.oomLayerIndex, doc.oomLayerName], ['tiny-mlp', 100 * MiB, 5, 2, 1, 'relu']);
  assert.equal(doc.message, 'the worker was OOM-killed at layer "relu"');
  assert.equal(doc.completedPasses, 2);
  // pass 0: loads 1 + 2 + 3, runs 3 x 10, unloads 3 x 0.5 = 37.5; pass 1: 6 + 60 + 1.5 = 67.5
  assert.deepEqual(doc.totalsMs, [37.5, 67.5]);
  assert.equal(doc.totalMs, 52.5);
  assert.deepEqual(doc.passes, passes.slice(0, 2));
  assert.deepEqual(doc.partialPass, [t(2, 0)]);
  // killed in the first pass, at its first layer: nothing finished, nothing invented
  const none = oomRunDocument(rn, { message: 'm', layerIndex: 0, rep: 0, passes: [] }, 100 * MiB, 3);
  assert.deepEqual([none.completedPasses, none.totalsMs, none.totalMs, none.passes, none.partialPass], [0, [], null, [], []]);
  // a layer id the network does not have is reported as unknown, not as some other layer
  assert.deepEqual([oomRunDocument(rn, { message: 'm', layerIndex: -1, rep: 0, passes: [] }, null, 1).oomLayerName], [null]);
  // the document is plain JSON (what --json prints)
  assert.deepEqual(JSON.parse(JSON.stringify(doc)), doc);
});

test('validationPairDone: a finished run and an OOM kill count as results (not retried); a crash or another pair does not', () => {
  const MiB = 2 ** 20;
  const summary = [
    { network: 'vgg16', memoryLimitBytes: 300 * MiB, status: 'failed', oom: true },
    { network: 'vgg16', memoryLimitBytes: null, status: 'done' },
    { network: 'alexnet', memoryLimitBytes: 150 * MiB, status: 'failed' },
  ];
  assert.equal(validationPairDone(summary, 'vgg16', 300 * MiB), true); // OOM: kept as its OOM row
  assert.equal(validationPairDone(summary, 'vgg16', null), true);
  assert.equal(validationPairDone(summary, 'alexnet', 150 * MiB), false); // a crash: retried
  assert.equal(validationPairDone(summary, 'vgg16', 301 * MiB), false); // another limit
  assert.equal(validationPairDone(summary, 'alexnet', null), false); // never run
});

test('pairMoment and nearestInTime: a pair is placed at the mean midpoint of its finished rounds and paired with the nearest fingerprint', () => {
  const MiB = 2 ** 20;
  const summary = [
    // round 1: 10:00:00-10:01:00 (midpoint 10:00:30); round 2: 10:20:00-10:22:00 (midpoint 10:21:00)
    { network: 'vgg16', memoryLimitBytes: 300 * MiB, status: 'done', elapsedMs: 60_000, finishedAt: '2026-12-03T10:01:00.000Z' },
    { network: 'vgg16', memoryLimitBytes: 300 * MiB, status: 'done', elapsedMs: 120_000, finishedAt: '2026-12-03T10:22:00.000Z', round: 1 },
    // a failed run and other pairs do not move it
    { network: 'vgg16', memoryLimitBytes: 300 * MiB, status: 'failed', elapsedMs: 5_000, finishedAt: '2026-12-03T11:00:00.000Z' },
    { network: 'vgg16', memoryLimitBytes: null, status: 'done', elapsedMs: 10_000, finishedAt: '2026-12-03T12:00:10.000Z' },
  ];
  // (10:00:30 + 10:21:00) / 2 = 10:10:45
  assert.equal(pairMoment(summary, 'vgg16', 300 * MiB), Date.parse('2026-12-03T10:10:45.000Z'));
  assert.equal(pairMoment(summary, 'vgg16', null), Date.parse('2026-12-03T12:00:05.000Z'));
  assert.equal(pairMoment(summary, 'alexnet', null), null);
  const fps: { id: string; measuredAt?: string }[] = [
    { id: 'start', measuredAt: '2026-12-03T09:59:00.000Z' },
    { id: 'later', measuredAt: '2026-12-03T10:15:00.000Z' },
    { id: 'untimed' },
    { id: 'end', measuredAt: '2026-12-03T12:30:00.000Z' },
  ];
  assert.equal(nearestInTime(fps, Date.parse('2026-12-03T10:10:45.000Z'))?.id, 'later'); // 4.25 min against 11.75
  assert.equal(nearestInTime(fps, Date.parse('2026-12-03T10:06:00.000Z'))?.id, 'start'); // 7 min against 9
  assert.equal(nearestInTime(fps, Date.parse('2026-12-03T12:00:05.000Z'))?.id, 'end');
  assert.equal(nearestInTime<{ id: string; measuredAt?: string }>([{ id: 'untimed' }], 0), null);
});
