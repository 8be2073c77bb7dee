import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callRatios, isIdentityTransfer, TransferModel, transferRatios, transferSigma, TRANSFER_SIGMA_PER_LOG } from '../../src/models/transfer.js';
import type { CallProbe, HardwareFingerprint } from '../../src/dataset/schema.js';
import { layerStats } from '../../src/features/layer.js';
import { A, CONV, DENSE, resolved, StubModel } from '../helpers/transfer-stub.js';

const MiB = 2 ** 20;
const stub = new StubModel();

test('half the disk bandwidth doubles the load phase of a weight-dominated layer', () => {
  const B = { ...A, id: 'hw-b', diskReadBytesPerSec: 0.5e9 };
  const m = new TransferModel(stub, A, B);
  const onA = stub.predict({ layer: DENSE, memoryBytes: A.ramBytes, hardware: A });
  const onB = m.predict({ layer: DENSE, memoryBytes: A.ramBytes, hardware: A });
  // 16 MiB of weights at 1 GB/s = 16.777 ms; at 0.5 GB/s twice that
  assert.ok(Math.abs(onA.loadMs - (4096 * 1024 * 4 + 4096 * 4) / 1e6) < 1e-9);
  assert.ok(Math.abs(onB.loadMs - 2 * onA.loadMs) < 1e-9);
  // run (memory and GEMM unchanged) and unload stay
  assert.ok(Math.abs(onB.runMs - onA.runMs) < 1e-9);
  assert.equal(onB.unloadMs, 2);
});

test('the swap part scales with the disk: half the bandwidth, twice the extra time', () => {
  const B = { ...A, id: 'hw-b', diskReadBytesPerSec: 0.5e9 };
  const m = new TransferModel(stub, A, B);
  const ws = layerStats(DENSE, { threads: 2 }).workingSetBytes;
  const M = 50e6 + ws - 8 * MiB; // 8 MiB do not fit
  const unlA = stub.predict({ layer: DENSE, memoryBytes: A.ramBytes, hardware: A });
  const atA = stub.predict({ layer: DENSE, memoryBytes: M, hardware: A });
  const extraA = atA.runMs - unlA.runMs;
  assert.ok(Math.abs(extraA - ((8 * MiB) / 1e9) * 1000) < 1e-9);
  const atB = m.predict({ layer: DENSE, memoryBytes: M, hardware: A });
  assert.ok(Math.abs(atB.runMs - (unlA.runMs + 2 * extraA)) < 1e-9);
});

test('run: memory and GEMM both half as fast doubles it whatever the mix; GEMM alone nearly doubles a compute-heavy conv', () => {
  const both = new TransferModel(stub, A, { ...A, id: 'b', memBandwidthBytesPerSec: 5e9, gemmGflops: 50 });
  const onA = stub.predict({ layer: CONV, memoryBytes: A.ramBytes, hardware: A });
  const onB = both.predict({ layer: CONV, memoryBytes: A.ramBytes, hardware: A });
  assert.ok(Math.abs(onB.runMs - 2 * onA.runMs) < 1e-9);
  const gemm = new TransferModel(stub, A, { ...A, id: 'c', gemmGflops: 50 });
  // the stub's run is exactly the roofline sum the transfer splits by, so the scaled time equals the stub on C
  const onC = stub.predict({ layer: CONV, memoryBytes: A.ramBytes, hardware: { ...A, gemmGflops: 50 } });
  const viaTransfer = gemm.predict({ layer: CONV, memoryBytes: A.ramBytes, hardware: A });
  assert.ok(Math.abs(viaTransfer.runMs - onC.runMs) < 1e-9 * onC.runMs);
  assert.ok(viaTransfer.runMs > 1.9 * onA.runMs && viaTransfer.runMs < 2 * onA.runMs);
});

test('ratios: unknown parts count as 1; identical fingerprints are the identity; sigma is 0.25 x sum |ln r|', () => {
  const r = transferRatios(A, { ...A, diskReadBytesPerSec: 0.5e9, gemmGflops: null });
  assert.deepEqual(r, { disk: 0.5, mem: 1, gemm: 1, call: null });
  assert.ok(isIdentityTransfer(transferRatios(A, { ...A, id: 'other' })));
  assert.equal(TRANSFER_SIGMA_PER_LOG, 0.25);
  assert.ok(Math.abs(transferSigma({ disk: 0.5, mem: 2, gemm: 1, call: null }) - 0.25 * 2 * Math.LN2) < 1e-12);
  // the per-call part adds the mean |ln p| of its two ratios: (ln 4 + 0) / 2 = ln 2
  assert.ok(Math.abs(transferSigma({ disk: 1, mem: 1, gemm: 1, call: { run: 0.25, unload: 1 } }) - 0.25 * Math.LN2) < 1e-12);
});

test("the query fingerprint's own rates do not leak into the base: the base sees the model machine's", () => {
  const B = { ...A, id: 'hw-b', diskReadBytesPerSec: 0.25e9 };
  const m = new TransferModel(stub, A, B);
  // asking with B as the query fingerprint (as --hardware does) gives the same as asking with A
  const viaB = m.predict({ layer: DENSE, memoryBytes: A.ramBytes, hardware: B });
  const viaA = m.predict({ layer: DENSE, memoryBytes: A.ramBytes, hardware: A });
  assert.deepEqual(viaB, viaA);
  const onB = stub.predict({ layer: DENSE, memoryBytes: A.ramBytes, hardware: B });
  assert.ok(Math.abs(viaB.loadMs - onB.loadMs) < 1e-9);
});

// A: 223 layers, 123 without weights (100 weight files); 150 ms of load of which 50 MB at 1 GB/s is
// 50 ms of reading: a per-file latency of (150 - 50) / 100 = 1 ms
const probe = (p: Partial<CallProbe>): CallProbe => ({
  networks: ['mobilenetv3_small', 'squeezenet1_1'],
  layers: 223,
  weightBytes: 50e6,
  passes: 5,
  threads: 2,
  loadMs: 150,
  runMs: 300,
  unloadMs: 20,
  weightlessLayers: 123,
  weightlessLoadMs: 0.2,
  ...p,
});

test('callRatios: run and unload of the probes, B over A; null without both probes or for other networks', () => {
  const a: HardwareFingerprint = { ...A, callProbe: probe({}) };
  const b: HardwareFingerprint = { ...A, id: 'b', diskReadBytesPerSec: 2e9, callProbe: probe({ loadMs: 95, runMs: 100, unloadMs: 5 }) };
  assert.deepEqual(callRatios(a, b), { run: 1 / 3, unload: 0.25 });
  assert.equal(callRatios(A, b), null);
  assert.equal(callRatios(a, A), null);
  assert.equal(callRatios(a, { ...b, callProbe: probe({ networks: ['resnet18'] }) }), null);
  assert.equal(transferRatios(a, { ...a, id: 'same' }).call?.run, 1);
  assert.ok(isIdentityTransfer(transferRatios(a, { ...a, id: 'same' })));
  assert.ok(!isIdentityTransfer(transferRatios(a, b)));
});

test("per-call probe: a load is A's per-file latency plus the rest at the disk; run's fixed part by the probe, its roofline by GEMM and memory; unload by the probe", () => {
  const fixed = { load: 3, run: 5, unload: 4 };
  const s = new StubModel(fixed);
  const a: HardwareFingerprint = { ...A, callProbe: probe({}) };
  // B: disk twice as fast, GEMM half, memory the same; probe run 1/3 and unload 1/4 of A's
  const b: HardwareFingerprint = { ...A, id: 'b', diskReadBytesPerSec: 2e9, gemmGflops: 50, callProbe: probe({ loadMs: 95, runMs: 100, unloadMs: 5 }) };
  const m = new TransferModel(s, a, b);
  const RELU = resolved({ type: 'activation', name: 'relu', inputs: ['x'], fn: 'relu' }, [[1, 256, 28, 28]]);
  for (const layer of [CONV, DENSE, RELU]) {
    const onA = s.predict({ layer, memoryBytes: A.ramBytes, hardware: A });
    const w = layerStats(layer, { threads: 2 }).weightBytes;
    // closed form: a layer with weights keeps A's 1 ms latency, the rest of its load halves with the
    // disk; a weightless one reads nothing, so all of its load scales with the disk
    const loadB = w > 0 ? 1 + (onA.loadMs - 1) / 2 : onA.loadMs / 2;
    // run: the stub's roofline part at B's rates plus its fixed part x 1/3
    const runB = new StubModel({ load: 0, run: 5 / 3, unload: 0 }).predict({ layer, memoryBytes: A.ramBytes, hardware: b }).runMs;
    const viaTransfer = m.predict({ layer, memoryBytes: A.ramBytes, hardware: A });
    assert.ok(Math.abs(viaTransfer.loadMs - loadB) < 1e-9, `${layer.layer.name} load ${viaTransfer.loadMs} vs ${loadB}`);
    assert.ok(Math.abs(viaTransfer.runMs - runB) < 1e-9, `${layer.layer.name} run ${viaTransfer.runMs} vs ${runB}`);
    assert.ok(Math.abs(viaTransfer.unloadMs - 0.25 * onA.unloadMs) < 1e-12);
  }
});

test('the GEMM ratio is per probe thread for a target with fewer threads: one core at half the two-core rate is 1x, not 0.5x', () => {
  const two = { ...A, cores: 2, gemmGflops: 100 };
  const one = { ...A, id: 'one', cores: 1, gemmGflops: 50 };
  assert.equal(transferRatios(two, one).gemm, 1);
  // same cores: the plain ratio; more cores: the plain ratio too (no evidence of per-thread there)
  assert.equal(transferRatios(two, { ...two, id: 'x', gemmGflops: 50 }).gemm, 0.5);
  assert.equal(transferRatios(two, { ...two, id: 'eight', cores: 8, gemmGflops: 400 }).gemm, 4);
  assert.equal(transferRatios(one, two).gemm, 2);
  // the probe's threads (memlat hardware --threads 1 on a 2-core machine) count, not the cores
  const p1 = (threads: number): CallProbe => ({ ...probe({ loadMs: 10, runMs: 10, unloadMs: 1 }), threads });
  const oneThread = { ...two, id: 'y', gemmGflops: 60, callProbe: p1(1) };
  assert.ok(Math.abs(transferRatios({ ...two, callProbe: p1(2) }, oneThread).gemm - 60 / 50) < 1e-12);
});

test('disk curves on both sides: a weight file inside the burst loads as on A, a large one at the throttled ratio; one side without a curve keeps the large probe ratio', () => {
  const sizes = [1, 4, 16, 64, 256].map((m) => m * MiB);
  const curve = (ms: number[]): HardwareFingerprint['diskCurve'] => ({ bytes: sizes, ms, idleMs: 100, reads: 3 });
  const from: HardwareFingerprint = { ...A, diskCurve: curve([2, 5, 17, 65, 260]) };
  // B's large probe reads 10x slower (0.1 GB/s), its files of up to 16 MiB as fast as A's
  const to: HardwareFingerprint = { ...A, id: 'hw-b', diskReadBytesPerSec: 0.1e9, diskCurve: curve([2, 5, 17, 650, 2600]) };
  const onA = stub.predict({ layer: DENSE, memoryBytes: A.ramBytes, hardware: A });
  // DENSE holds 16 MiB + 16 KiB of weights: just above 16 MiB, ratio 10^(ln(1+1/1024)/ln 4)
  const bytes = layerStats(DENSE, { threads: 2 }).weightBytes;
  const q = Math.exp((Math.log(bytes / (16 * MiB)) / Math.log(4)) * Math.log(10));
  const withCurves = new TransferModel(stub, from, to).predict({ layer: DENSE, memoryBytes: A.ramBytes, hardware: A });
  assert.ok(Math.abs(withCurves.loadMs - q * onA.loadMs) < 1e-9, `${withCurves.loadMs} vs ${q * onA.loadMs}`);
  assert.ok(q < 1.01);
  // without A's curve: the large probe's ratio, 10x
  const without = new TransferModel(stub, A, to).predict({ layer: DENSE, memoryBytes: A.ramBytes, hardware: A });
  assert.ok(Math.abs(without.loadMs - 10 * onA.loadMs) < 1e-9);
  // a 144 MiB layer (beyond 64 MiB) gets the throttled 10x with the curves as well
  const big = resolved({ type: 'dense', name: 'fc', inputs: ['x'], units: 36864 }, [[1, 1024]]);
  const bigA = stub.predict({ layer: big, memoryBytes: A.ramBytes, hardware: A });
  const bigB = new TransferModel(stub, from, to).predict({ layer: big, memoryBytes: A.ramBytes, hardware: A });
  assert.ok(Math.abs(bigB.loadMs - 10 * bigA.loadMs) < 1e-9 * bigB.loadMs);
  // run and unload are untouched by the disk
  assert.ok(Math.abs(withCurves.runMs - onA.runMs) < 1e-9);
});

test("swap with disk curves on both sides: the extra time scales by the curves' ratio at their smallest file, not by the large probe's", () => {
  const sizes = [1, 4, 16, 64, 256].map((m) => m * MiB);
  const curve = (ms: number[]): HardwareFingerprint['diskCurve'] => ({ bytes: sizes, ms, idleMs: 100, reads: 3 });
  const from: HardwareFingerprint = { ...A, diskCurve: curve([2, 5, 17, 65, 260]) };
  // B: the large probe 10x slower, a 1 MiB file 1.5x
  const to: HardwareFingerprint = { ...A, id: 'hw-b', diskReadBytesPerSec: 0.1e9, diskCurve: curve([3, 5, 17, 650, 2600]) };
  const ws = layerStats(DENSE, { threads: 2 }).workingSetBytes;
  const M = 50e6 + ws - 8 * MiB; // 8 MiB do not fit
  const unlA = stub.predict({ layer: DENSE, memoryBytes: A.ramBytes, hardware: A });
  const atA = stub.predict({ layer: DENSE, memoryBytes: M, hardware: A });
  const extraA = atA.runMs - unlA.runMs;
  const t = new TransferModel(stub, from, to);
  assert.equal(t.transfer.swapScale, 1.5);
  const atB = t.predict({ layer: DENSE, memoryBytes: M, hardware: A });
  assert.ok(Math.abs(atB.runMs - (unlA.runMs + 1.5 * extraA)) < 1e-9, `${atB.runMs}`);
  // without the curves: 10x
  assert.equal(new TransferModel(stub, A, to).transfer.swapScale, 10);
});
