import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callRatios, isIdentityTransfer, TransferModel, transferRatios, transferSigma, TRANSFER_SIGMA_PER_LOG } from '../../src/models/transfer.js';
import type { CallProbe, HardwareFingerprint } from '../../src/dataset/schema.js';
import { layerStats } from '../../src/features/layer.js';
import { A, CONV, DENSE, StubModel } from '../helpers/transfer-stub.js';

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
  // the per-call part adds the mean |ln p| of its three ratios: (ln 2 + ln 4 + 0) / 3 = ln 2
  assert.ok(Math.abs(transferSigma({ disk: 1, mem: 1, gemm: 1, call: { load: 2, run: 0.25, unload: 1 } }) - 0.25 * Math.LN2) < 1e-12);
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

const probe = (p: Partial<CallProbe>): CallProbe => ({
  networks: ['mobilenetv3_small', 'squeezenet1_1'],
  layers: 223,
  weightBytes: 50e6,
  passes: 5,
  threads: 2,
  loadMs: 150,
  runMs: 300,
  unloadMs: 20,
  ...p,
});

test("callRatios: the load's fixed part is what is left after reading the weights at each machine's disk rate", () => {
  // A: 150 ms load, 50 MB at 1 GB/s = 50 ms reading -> 100 ms fixed; B: 95 ms at 2 GB/s = 25 ms reading -> 70 ms fixed
  const a: HardwareFingerprint = { ...A, callProbe: probe({}) };
  const b: HardwareFingerprint = { ...A, id: 'b', diskReadBytesPerSec: 2e9, callProbe: probe({ loadMs: 95, runMs: 100, unloadMs: 5 }) };
  const r = callRatios(a, b)!;
  assert.ok(Math.abs(r.load - 0.7) < 1e-12, `load ${r.load}`);
  assert.ok(Math.abs(r.run - 1 / 3) < 1e-12);
  assert.ok(Math.abs(r.unload - 0.25) < 1e-12);
  // a load faster than its weights at the probed disk rate keeps a fifth of itself as fixed part
  const fast: HardwareFingerprint = { ...b, diskReadBytesPerSec: 0.1e9 }; // 500 ms of reading > 95 ms
  assert.ok(Math.abs(callRatios(a, fast)!.load - 19 / 100) < 1e-12);
  // either side without a probe, or probes of other networks: no per-call ratios
  assert.equal(callRatios(A, b), null);
  assert.equal(callRatios(a, { ...b, callProbe: probe({ networks: ['resnet18'] }) }), null);
  assert.equal(transferRatios(a, { ...a, id: 'same' }).call?.run, 1);
  assert.ok(isIdentityTransfer(transferRatios(a, { ...a, id: 'same' })));
  assert.ok(!isIdentityTransfer(transferRatios(a, b)));
});

test('per-call probe: the fixed part of each phase scales by its ratio, the weight reading by the disk, the roofline part by GEMM and memory', () => {
  const fixed = { load: 3, run: 5, unload: 4 };
  const s = new StubModel(fixed);
  const a: HardwareFingerprint = { ...A, callProbe: probe({}) };
  // B: disk twice as fast, GEMM half, memory the same; per-call: load fixed part 0.7x, run 1/3, unload 1/4
  const b: HardwareFingerprint = { ...A, id: 'b', diskReadBytesPerSec: 2e9, gemmGflops: 50, callProbe: probe({ loadMs: 95, runMs: 100, unloadMs: 5 }) };
  const m = new TransferModel(s, a, b);
  for (const layer of [CONV, DENSE]) {
    const onA = s.predict({ layer, memoryBytes: A.ramBytes, hardware: A });
    // the same layer on B, in closed form: the stub's parts at B's rates, its fixed parts scaled by the probe
    const roofB = new StubModel({ load: 3 * 0.7, run: 5 / 3, unload: 1 }).predict({ layer, memoryBytes: A.ramBytes, hardware: b });
    const viaTransfer = m.predict({ layer, memoryBytes: A.ramBytes, hardware: A });
    assert.ok(Math.abs(viaTransfer.loadMs - roofB.loadMs) < 1e-9, `${layer.layer.name} load ${viaTransfer.loadMs} vs ${roofB.loadMs}`);
    assert.ok(Math.abs(viaTransfer.runMs - roofB.runMs) < 1e-9, `${layer.layer.name} run ${viaTransfer.runMs} vs ${roofB.runMs}`);
    assert.ok(Math.abs(viaTransfer.unloadMs - 0.25 * onA.unloadMs) < 1e-12);
  }
});
