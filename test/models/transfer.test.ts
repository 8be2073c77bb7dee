import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIdentityTransfer, TransferModel, transferRatios, transferSigma, TRANSFER_SIGMA_PER_LOG } from '../../src/models/transfer.js';
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
  assert.deepEqual(r, { disk: 0.5, mem: 1, gemm: 1 });
  assert.ok(isIdentityTransfer(transferRatios(A, { ...A, id: 'other' })));
  assert.equal(TRANSFER_SIGMA_PER_LOG, 0.25);
  assert.ok(Math.abs(transferSigma({ disk: 0.5, mem: 2, gemm: 1 }) - 0.25 * 2 * Math.LN2) < 1e-12);
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
