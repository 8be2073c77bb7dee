import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerStats } from '../../src/features/layer.js';
import { resolveNetwork } from '../../src/network/shapes.js';
import type { Network } from '../../src/network/types.js';
import { zooNetwork } from '../../src/network/zoo/index.js';
import { latencyCurve, logSpace, saturationPoint } from '../../src/predict/curve.js';
import { minMemory } from '../../src/predict/min-memory.js';
import { MEMORY_UNCERTAINTY, predictNetwork, thrashFloor } from '../../src/predict/predict.js';
import { HW, testBundle } from '../helpers/bundle-fixture.js';

const MiB = 2 ** 20;
const bundle = testBundle();
const vgg = resolveNetwork(zooNetwork('vgg16'));
const idle = HW.runtimeIdleBytes!;

test("predictNetwork: per-layer times are the model's, totals and swaps follow the execution model", () => {
  const m = 300 * MiB;
  const p = predictNetwork(vgg, m, bundle, { top: 3 });
  assert.equal(p.network, 'vgg16');
  assert.equal(p.memoryBytes, m);
  assert.equal(p.effectiveMemoryBytes, m);
  assert.equal(p.layers.length, vgg.layers.length);
  let sum = 0;
  vgg.layers.forEach((rl, i) => {
    const l = p.layers[i]!;
    const t = bundle.model.predict({ layer: rl, memoryBytes: m, hardware: HW });
    assert.equal(l.name, rl.layer.name);
    assert.deepEqual([l.loadMs, l.runMs, l.unloadMs], [t.loadMs, t.runMs, t.unloadMs]);
    assert.equal(l.totalMs, t.loadMs + t.runMs + t.unloadMs);
    // Swaps iff idle + working set > M (working sets with the hardware's 2 threads).
    const ws = layerStats(rl, { threads: HW.cores }).workingSetBytes;
    assert.equal(l.swaps, ws + idle > m, rl.layer.name);
    assert.equal(l.swapBytes, Math.max(0, ws + idle - m));
    sum += l.totalMs;
  });
  assert.ok(Math.abs(p.totalMs - sum) < 1e-9 * sum);
  // VGG-16 at 300 MiB: only classifier.0 (25088x4096 fp32 = 392 MiB of weights) swaps.
  assert.deepEqual(
    p.layers.filter((l) => l.swaps).map((l) => l.name),
    ['classifier.0'],
  );
  assert.equal(p.layers.find((l) => l.swaps)!.swapBytes, layerStats(vgg.layers[33]!, { threads: 2 }).workingSetBytes + idle - m);
  // Interval from the calibration (e^-0.2, e^0.3) around the totals at M (1 +- 3%): classifier.0 swaps
  // here, so the total falls with more memory and the interval spans T(1.03 M) e^-0.2 .. T(0.97 M) e^0.3.
  const more = predictNetwork(vgg, m * (1 + MEMORY_UNCERTAINTY), testBundle(false)).totalMs;
  const less = predictNetwork(vgg, m * (1 - MEMORY_UNCERTAINTY), testBundle(false)).totalMs;
  assert.ok(more < p.totalMs && less > p.totalMs, `${more} < ${p.totalMs} < ${less}`);
  assert.ok(Math.abs(p.intervalMs![0] - more * Math.exp(-0.2)) < 1e-9 * more && Math.abs(p.intervalMs![1] - less * Math.exp(0.3)) < 1e-9 * less);
  // Where nothing swaps within +-3% the interval is the plain calibration around the total.
  const flat = predictNetwork(vgg, 2048 * MiB, bundle);
  assert.ok(
    Math.abs(flat.intervalMs![0] - flat.totalMs * Math.exp(-0.2)) < 1e-9 * flat.totalMs &&
      Math.abs(flat.intervalMs![1] - flat.totalMs * Math.exp(0.3)) < 1e-9 * flat.totalMs,
  );
  assert.equal(p.intervalCoverage, 0.9);
  // Bottlenecks: the 3 largest layers, in order, with their shares.
  const sorted = [...p.layers].sort((a, b) => b.totalMs - a.totalMs);
  assert.deepEqual(
    p.bottlenecks.map((b) => b.name),
    sorted.slice(0, 3).map((l) => l.name),
  );
  assert.equal(p.bottlenecks[0]!.share, sorted[0]!.totalMs / p.totalMs);
  // Unload was fitted on the synthetic rows: nothing is "not modelled".
  assert.deepEqual(p.notModelled, []);
});

test('predictNetwork: no limit = the hardware RAM; limits above RAM add nothing; no calibration = null interval', () => {
  const none = predictNetwork(vgg, null, bundle);
  assert.equal(none.effectiveMemoryBytes, HW.ramBytes);
  assert.equal(none.totalMs, predictNetwork(vgg, HW.ramBytes, bundle).totalMs);
  assert.equal(predictNetwork(vgg, 4 * HW.ramBytes, bundle).totalMs, none.totalMs);
  assert.ok(none.layers.every((l) => !l.swaps));
  const nc = predictNetwork(vgg, null, testBundle(false));
  assert.equal(nc.intervalMs, null);
  assert.equal(nc.totalMs, none.totalMs);
  // Less memory, more swapping, more time (the synthetic law charges swapped bytes).
  assert.ok(predictNetwork(vgg, 100 * MiB, bundle).totalMs > none.totalMs);
});

test('predictNetwork: memory not above the runtime footprint is a one-line UserError with the fix', () => {
  assert.throws(
    () => predictNetwork(vgg, 40 * MiB, bundle),
    /^UserError: memory 40 MiB is not more than the 47\.7 MiB the runtime itself needs on this hardware \(idle worker, hw-syn\); give more, e\.g\. \d+(\.\d+)? MiB runs vgg16 without swapping$/,
  );
  assert.throws(() => predictNetwork(vgg, idle, bundle), /is not more than/);
  assert.doesNotThrow(() => predictNetwork(vgg, idle + 1, bundle));
});

test('latencyCurve: points equal predictNetwork exactly, knee and saturation as defined', () => {
  const c = latencyCurve(vgg, bundle, { fromBytes: 64 * MiB, toBytes: 8 * 2 ** 30, points: 50 });
  assert.equal(c.points.length, 50);
  assert.equal(c.points[0]!.memoryBytes, 64 * MiB);
  assert.equal(c.points[49]!.memoryBytes, 8 * 2 ** 30);
  for (const pt of c.points) {
    const p = predictNetwork(vgg, pt.memoryBytes, bundle);
    assert.equal(pt.totalMs, p.totalMs);
    assert.deepEqual([pt.lowMs, pt.highMs], p.intervalMs);
  }
  // Knee: idle + the largest working set (classifier.0), by hand from layerStats.
  const peak = Math.max(...vgg.layers.map((rl) => layerStats(rl, { threads: 2 }).workingSetBytes));
  assert.equal(c.kneeBytes, idle + peak);
  assert.ok(predictNetwork(vgg, c.kneeBytes, bundle).layers.every((l) => !l.swaps));
  assert.ok(predictNetwork(vgg, c.kneeBytes - 1, bundle).layers.some((l) => l.swaps));
  // Saturation: the first point within 1% of every total after it; the point before is not.
  const i = c.points.findIndex((p) => p.memoryBytes === c.saturationBytes);
  const after = c.points.slice(i).map((p) => p.totalMs);
  assert.ok(c.points[i]!.totalMs <= 1.01 * Math.min(...after));
  if (i > 0) assert.ok(c.points[i - 1]!.totalMs > 1.01 * Math.min(...c.points.slice(i - 1).map((p) => p.totalMs)));
  // With this model nothing changes above the knee, so saturation is the first point at/after it.
  assert.equal(c.saturationBytes, c.points.find((p) => p.memoryBytes >= c.kneeBytes)!.memoryBytes);
  // from below the runtime footprint starts just above it.
  assert.equal(latencyCurve(vgg, bundle, { fromBytes: MiB, toBytes: 2 ** 30, points: 5 }).points[0]!.memoryBytes, idle + 1);
  assert.throws(() => latencyCurve(vgg, bundle, { fromBytes: 2 ** 30, toBytes: MiB, points: 5 }), /^UserError: to 1 MiB must be larger than from 1 GiB/);
  assert.throws(() => latencyCurve(vgg, bundle, { fromBytes: 1, toBytes: 2 ** 30, points: 1 }), /^UserError: points 1: use an integer from 2/);
});

test('thrashFloor: idle + half the largest working set, at least 16 MiB beside the runtime', () => {
  assert.equal(thrashFloor(90 * MiB, 400 * MiB), 290 * MiB);
  assert.equal(thrashFloor(90 * MiB, 10 * MiB), 106 * MiB);
  assert.equal(thrashFloor(90 * MiB, 32 * MiB), 106 * MiB);
  assert.equal(thrashFloor(0, 0), 16 * MiB);
});

test('saturationPoint and logSpace by hand', () => {
  const pts = [100, 60, 41, 40.5, 40.2, 40].map((totalMs, i) => ({ memoryBytes: (i + 1) * 10, totalMs }));
  // 41 > 1.01 * 40 = 40.4; 40.5 > 40.4 too; 40.2 <= 40.4 -> 50.
  assert.equal(saturationPoint(pts), 50);
  // Non-monotone: a dip then a rise; 30 is within 1% of the min after it (30).
  assert.equal(
    saturationPoint([
      { memoryBytes: 1, totalMs: 50 },
      { memoryBytes: 2, totalMs: 30 },
      { memoryBytes: 3, totalMs: 35 },
    ]),
    2,
  );
  assert.deepEqual(logSpace(1, 1000, 4), [1, 10, 100, 1000]);
});

test('minMemory: agrees with predictNetwork at the answer and one byte below; null when unreachable', () => {
  const c = latencyCurve(vgg, bundle, { fromBytes: 64 * MiB, toBytes: 8 * 2 ** 30, points: 30 });
  const unlimited = predictNetwork(vgg, null, bundle).totalMs;
  // A target between the swapping and non-swapping totals.
  const target = (c.points[0]!.totalMs + unlimited) / 2;
  const r = minMemory(vgg, bundle, target);
  assert.ok(r.memoryBytes !== null);
  assert.ok(predictNetwork(vgg, r.memoryBytes, bundle).totalMs <= target);
  // The floor by hand: idle + half of classifier.0's working set (the largest; see below).
  const fc6Ws0 = layerStats(
    vgg.layers.find((l) => l.layer.name === 'classifier.0')!,
    { threads: HW.cores },
  ).workingSetBytes;
  const floor = Math.ceil(idle + 0.5 * fc6Ws0);
  assert.equal(r.floorBytes, floor);
  assert.deepEqual(r.searchedBytes, [floor, HW.ramBytes]);
  assert.ok(r.memoryBytes >= floor);
  if (!r.raisedToFloor) assert.ok(predictNetwork(vgg, r.memoryBytes - 1, bundle).totalMs > target);
  else assert.ok(r.modelMemoryBytes !== null && r.modelMemoryBytes < floor && r.memoryBytes === floor);
  assert.equal(r.predictedMs, predictNetwork(vgg, r.memoryBytes, bundle).totalMs);
  // Conservative: interval high end meets the target, one byte less does not.
  const hi = (m: number): number => predictNetwork(vgg, m, bundle).intervalMs![1];
  const relaxed = minMemory(vgg, bundle, unlimited * Math.exp(0.3) * 1.001);
  assert.ok(relaxed.conservativeMemoryBytes !== null && relaxed.memoryBytes !== null);
  assert.ok(hi(relaxed.conservativeMemoryBytes) <= relaxed.targetMs);
  assert.ok(hi(relaxed.conservativeMemoryBytes - 1) > relaxed.targetMs);
  assert.ok(relaxed.conservativeMemoryBytes >= relaxed.memoryBytes);
  // The exact total with no swapping is met right at the knee (idle + peak working set).
  assert.equal(minMemory(vgg, bundle, unlimited).memoryBytes, c.kneeBytes);
  // The largest layer is classifier.0 (25088 x 4096 dense, its own working set); the answer to a
  // target the unlimited total meets lies at the knee, above it; one just above the slowest total
  // (everything swapping) lies near the bottom of the range, below it, and says so.
  const fc6 = vgg.layers.find((l) => l.layer.name === 'classifier.0')!;
  const fc6Ws = layerStats(fc6, { threads: HW.cores }).workingSetBytes;
  assert.ok(fc6Ws > 25088 * 4096 * 4, `classifier.0 working set ${fc6Ws}`);
  assert.deepEqual(r.largestLayer, { name: 'classifier.0', workingSetBytes: fc6Ws });
  assert.equal(minMemory(vgg, bundle, unlimited).belowLargestLayer, false);
  const low = minMemory(vgg, bundle, c.points[0]!.totalMs * 1.0001);
  assert.ok(low.memoryBytes !== null && low.memoryBytes < idle + fc6Ws, `answer ${low.memoryBytes}`);
  assert.equal(low.belowLargestLayer, true);
  // That target is met just above the runtime's footprint by the model alone, which is below the
  // floor: the answer is raised to the floor, the model's own answer is reported beside it, and
  // both meet the target by the model.
  assert.equal(low.raisedToFloor, true);
  assert.equal(low.memoryBytes, floor);
  assert.ok(low.modelMemoryBytes !== null && low.modelMemoryBytes < floor && low.modelMemoryBytes > idle, `model's answer ${low.modelMemoryBytes}`);
  assert.ok(predictNetwork(vgg, low.modelMemoryBytes, bundle).totalMs <= low.targetMs);
  assert.ok(low.predictedMs !== null && low.predictedMs <= low.targetMs);
  assert.ok(low.conservativeMemoryBytes === null || low.conservativeMemoryBytes >= floor);
  assert.equal(minMemory(vgg, bundle, unlimited).raisedToFloor, false);
  // predict and curve carry the same floor.
  assert.equal(predictNetwork(vgg, 300 * MiB, bundle).thrashFloorBytes, idle + 0.5 * fc6Ws0);
  assert.equal(c.thrashFloorBytes, idle + 0.5 * fc6Ws0);
  // Faster than possible: null for both.
  const none = minMemory(vgg, bundle, unlimited * 0.5);
  assert.equal(none.memoryBytes, null);
  assert.equal(none.conservativeMemoryBytes, null);
  assert.equal(none.bestMs, unlimited);
  // No calibration: conservative answer is null and says so.
  const nc = minMemory(vgg, testBundle(false), target);
  assert.equal(nc.memoryBytes, r.memoryBytes);
  assert.equal(nc.conservativeMemoryBytes, null);
  assert.equal(nc.hasInterval, false);
  assert.throws(() => minMemory(vgg, bundle, 0), /^UserError: target 0 ms: give a positive time/);
});

// Its time is measured by `npm run bench` (docs/BENCHMARKS.md, section 5), not asserted here.
test('a 100-point curve of a 100-layer network: 100 points over the asked range', () => {
  // A 100-layer chain: 50 convs and 50 ReLUs.
  const layers: Network['layers'] = [];
  for (let i = 0; i < 50; i++) {
    layers.push({ type: 'conv2d', name: `c${i}`, inputs: [i === 0 ? 'x' : `r${i - 1}`], outChannels: 64, kernel: 3, padding: 1 });
    layers.push({ type: 'activation', name: `r${i}`, inputs: [`c${i}`], fn: 'relu' });
  }
  const rn = resolveNetwork({ name: 'chain100', inputs: [{ name: 'x', shape: [1, 64, 56, 56] }], layers });
  assert.equal(rn.layers.length, 100);
  latencyCurve(rn, bundle, { fromBytes: 64 * MiB, toBytes: 8 * 2 ** 30, points: 10 }); // warm-up
  const c = latencyCurve(rn, bundle, { fromBytes: 64 * MiB, toBytes: 8 * 2 ** 30, points: 100 });
  assert.equal(c.points.length, 100);
  assert.equal(c.fromBytes, Math.max(64 * MiB, c.fromBytes)); // raised to what the runtime needs, never lowered
  assert.equal(c.points[0]!.memoryBytes, c.fromBytes);
  assert.equal(c.points.at(-1)!.memoryBytes, 8 * 2 ** 30);
  assert.ok(
    c.points.every((p, i) => i === 0 || p.memoryBytes > c.points[i - 1]!.memoryBytes),
    'memory rises along the curve',
  );
});
