import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  callRatios,
  FRESH_OUTPUT_COPIES,
  FRESH_WEIGHTS_MIN_BYTES,
  freshCosts,
  freshRunFloorMs,
  isIdentityTransfer,
  PROBE_NOISE_SD,
  sessionThreadScale,
  shrinkRatio,
  SWAP_FAULT_MS_PER_MIB,
  swapScale,
  TransferModel,
  transferRatios,
  transferSigma,
  TRANSFER_SIGMA_PER_LOG,
} from '../../src/models/transfer.js';
import type { CallProbe, HardwareFingerprint } from '../../src/dataset/schema.js';
import type { LayerInput, TimePrediction } from '../../src/models/types.js';
import { layerStats } from '../../src/features/layer.js';
import { A, CONV, DENSE, resolved, StubModel } from '../helpers/transfer-stub.js';

const MiB = 2 ** 20;
const stub = new StubModel();

test('shrinkRatio by hand: ln r x L^2 / (L^2 + 2 sd^2); 1 stays 1, a ratio far outside the noise is kept within 1%', () => {
  // ln 0.5 = -0.693147; L^3 = -0.333025; L^2 + 2 x 0.24^2 = 0.480453 + 0.1152 = 0.595653; exp(-0.559092) = 0.57170
  assert.ok(Math.abs(shrinkRatio(0.5, 0.24) - 0.5717) < 1e-4);
  assert.ok(Math.abs(shrinkRatio(2, 0.24) - 1 / 0.5717) < 1e-3, 'symmetric in ln');
  assert.equal(shrinkRatio(1, 0.24), 1);
  // a 100 MiB/s throttle against 1.3 GB/s (13.3x): ln 2.588, factor 6.697 / 6.812 = 0.9831, 12.7x
  const r = shrinkRatio(13.3, 0.24);
  assert.ok(r > 12.5 && r < 13.3, `${r}`);
  // a session's drift on one machine (1.24x) is mostly noise: pulled halfway in ln
  assert.ok(Math.abs(Math.log(shrinkRatio(1.24, 0.24)) / Math.log(1.24) - 0.2151 ** 2 / (0.2151 ** 2 + 0.1152)) < 1e-3);
  assert.deepEqual(PROBE_NOISE_SD, { disk: 0.24, mem: 0.18, gemm: 0.21, run: 0.22, unload: 0.34, load: 0.08 });
});

test('half the disk bandwidth: the load of a weight-only layer (all reading) scales by the shrunk disk ratio', () => {
  const B = { ...A, id: 'hw-b', diskReadBytesPerSec: 0.5e9 };
  const m = new TransferModel(stub, A, B);
  const onA = stub.predict({ layer: DENSE, memoryBytes: A.ramBytes, hardware: A });
  const onB = m.predict({ layer: DENSE, memoryBytes: A.ramBytes, hardware: A });
  // 16 MiB of weights at 1 GB/s = 16.777 ms; at 0.5 GB/s twice that
  assert.ok(Math.abs(onA.loadMs - (4096 * 1024 * 4 + 4096 * 4) / 1e6) < 1e-9);
  assert.ok(Math.abs(onB.loadMs - onA.loadMs / shrinkRatio(0.5, 0.24)) < 1e-9);
  assert.ok(onB.loadMs > 1.7 * onA.loadMs && onB.loadMs < 1.8 * onA.loadMs);
  // run (memory and GEMM unchanged) and unload stay
  assert.ok(Math.abs(onB.runMs - onA.runMs) < 1e-9);
  assert.equal(onB.unloadMs, 2);
});

test('the swap part is the fault path plus a small read in series: half the disk bandwidth adds 6%, a 13x slower disk 1.9x', () => {
  const B = { ...A, id: 'hw-b', diskReadBytesPerSec: 0.5e9 };
  const m = new TransferModel(stub, A, B);
  const ws = layerStats(DENSE, { threads: 2 }).workingSetBytes;
  const M = 50e6 + ws - 8 * MiB; // 8 MiB do not fit
  const unlA = stub.predict({ layer: DENSE, memoryBytes: A.ramBytes, hardware: A });
  const atA = stub.predict({ layer: DENSE, memoryBytes: M, hardware: A });
  const extraA = atA.runMs - unlA.runMs;
  assert.ok(Math.abs(extraA - ((8 * MiB) / 1e9) * 1000) < 1e-9);
  const atB = m.predict({ layer: DENSE, memoryBytes: M, hardware: A });
  // A reads 1 MiB in 1.048576 ms; B in 1.048576 / 0.5717 ms; F = 12.7 ms per MiB on both
  const ta = (MiB / 1e9) * 1000;
  const w = (12.7 + ta / shrinkRatio(0.5, 0.24)) / (12.7 + ta);
  assert.equal(SWAP_FAULT_MS_PER_MIB, 12.7);
  assert.ok(Math.abs(w - 1.0571) < 1e-3, `${w}`);
  assert.ok(Math.abs(atB.runMs - (unlA.runMs + w * extraA)) < 1e-9);
  // 13.3x slower (a 100 MiB/s throttle against 1.3 GB/s): (12.7 + 1.0486 x 12.7) / 13.7486 = 1.893
  const slow = swapScale(A, { ...A, id: 'slow', diskReadBytesPerSec: 1e9 / 13.3 });
  assert.ok(Math.abs(slow - (12.7 + ta * shrinkRatio(13.3, 0.24)) / (12.7 + ta)) < 1e-12);
  assert.ok(slow > 1.85 && slow < 1.95, `${slow}`);
  // the fault path is kernel work on fresh pages: a per-call load ratio of 0.5 halves F on B's side,
  // whatever the run ratio
  assert.ok(Math.abs(swapScale(A, A, { disk: 1, mem: 1, gemm: 1, call: { run: 4, unload: 1, load: 0.5 } }) - (6.35 + ta) / (12.7 + ta)) < 1e-12);
  assert.ok(Math.abs(swapScale(A, A, { disk: 1, mem: 1, gemm: 1, call: { run: 0.5, unload: 1, load: 1 } }) - 1) < 1e-12);
  // A without a disk rate: left as on A
  assert.equal(swapScale({ ...A, diskReadBytesPerSec: null }, A), 1);
});

test('run: the roofline part by the shrunk GEMM and memory ratios, split by compute and memory time on A', () => {
  const st = layerStats(CONV, { threads: 2 });
  const tc = (st.flops / 100e9) * 1000;
  const tm = ((st.inputBytes + st.outputBytes + st.weightBytes) / 10e9) * 1000;
  const onA = stub.predict({ layer: CONV, memoryBytes: A.ramBytes, hardware: A });
  assert.ok(Math.abs(onA.runMs - (tc + tm)) < 1e-9);
  // memory and GEMM both 100x slower: each time part by its own shrunk ratio
  const both = new TransferModel(stub, A, { ...A, id: 'b', memBandwidthBytesPerSec: 1e8, gemmGflops: 1 });
  const onB = both.predict({ layer: CONV, memoryBytes: A.ramBytes, hardware: A });
  const want = tc / shrinkRatio(0.01, 0.21) + tm / shrinkRatio(0.01, 0.18);
  assert.ok(Math.abs(onB.runMs - want) < 1e-9 * want);
  assert.ok(onB.runMs > 95 * onA.runMs && onB.runMs < 105 * onA.runMs);
  // GEMM alone half as fast: a compute-heavy conv slows by nearly the shrunk ratio (1.75x), not by the memory part
  const gemm = new TransferModel(stub, A, { ...A, id: 'c', gemmGflops: 50 }).predict({ layer: CONV, memoryBytes: A.ramBytes, hardware: A });
  assert.ok(Math.abs(gemm.runMs - (tc / shrinkRatio(0.5, 0.21) + tm)) < 1e-9 * gemm.runMs);
  assert.ok(tc > 10 * tm);
});

test('ratios: unknown parts count as 1; identical fingerprints are the identity; sigma is 0.1 x sum |ln r|', () => {
  const r = transferRatios(A, { ...A, diskReadBytesPerSec: 0.5e9, gemmGflops: null });
  assert.deepEqual(r, { disk: 0.5, mem: 1, gemm: 1, call: null });
  assert.ok(isIdentityTransfer(transferRatios(A, { ...A, id: 'other' })));
  assert.equal(TRANSFER_SIGMA_PER_LOG, 0.1);
  assert.ok(Math.abs(transferSigma({ disk: 0.5, mem: 2, gemm: 1, call: null }) - 0.1 * 2 * Math.LN2) < 1e-12);
  // the per-call part adds the mean |ln p| of its three ratios: (ln 4 + ln 2 + 0) / 3 = ln 2
  assert.ok(Math.abs(transferSigma({ disk: 1, mem: 1, gemm: 1, call: { run: 0.25, unload: 1, load: 2 } }) - 0.1 * Math.LN2) < 1e-12);
});

test("the query fingerprint's own rates do not leak into the base: the base sees the model machine's", () => {
  const B = { ...A, id: 'hw-b', diskReadBytesPerSec: 0.25e9 };
  const m = new TransferModel(stub, A, B);
  // asking with B as the query fingerprint (as --hardware does) gives the same as asking with A
  const viaB = m.predict({ layer: DENSE, memoryBytes: A.ramBytes, hardware: B });
  const viaA = m.predict({ layer: DENSE, memoryBytes: A.ramBytes, hardware: A });
  assert.deepEqual(viaB, viaA);
  const onA = stub.predict({ layer: DENSE, memoryBytes: A.ramBytes, hardware: A });
  assert.ok(Math.abs(viaB.loadMs - onA.loadMs / shrinkRatio(0.25, 0.24)) < 1e-9);
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

test('callRatios: run, unload and load of the probes, B over A; null without both probes or for other networks', () => {
  const a: HardwareFingerprint = { ...A, callProbe: probe({}) };
  const b: HardwareFingerprint = { ...A, id: 'b', diskReadBytesPerSec: 2e9, callProbe: probe({ loadMs: 95, runMs: 100, unloadMs: 5 }) };
  assert.deepEqual(callRatios(a, b), { run: 1 / 3, unload: 0.25, load: 95 / 150 });
  assert.equal(callRatios(a, { ...b, callProbe: probe({ loadMs: 0 }) }), null);
  assert.equal(callRatios(A, b), null);
  assert.equal(callRatios(a, A), null);
  assert.equal(callRatios(a, { ...b, callProbe: probe({ networks: ['resnet18'] }) }), null);
  assert.equal(transferRatios(a, { ...a, id: 'same' }).call?.run, 1);
  assert.ok(isIdentityTransfer(transferRatios(a, { ...a, id: 'same' })));
  assert.ok(!isIdentityTransfer(transferRatios(a, b)));
});

test("per-call probe: a load's read scales with the disk and the rest with the probe's load; run's fixed part by the probe's run, its roofline by GEMM and memory; unload by the probe", () => {
  const fixed = { load: 3, run: 5, unload: 4 };
  const s = new StubModel(fixed);
  const a: HardwareFingerprint = { ...A, callProbe: probe({}) };
  // B: disk twice as fast, GEMM half, memory the same; probe run 1/3 and unload 1/4 of A's
  const b: HardwareFingerprint = { ...A, id: 'b', diskReadBytesPerSec: 2e9, gemmGflops: 50, callProbe: probe({ loadMs: 95, runMs: 100, unloadMs: 5 }) };
  const m = new TransferModel(s, a, b);
  const q = 1 / shrinkRatio(2, 0.24);
  const p = shrinkRatio(1 / 3, 0.22);
  const pl = shrinkRatio(95 / 150, 0.08);
  // ln(95/150) = -0.45676; L^2 = 0.20863; + 2 x 0.08^2 = 0.22143; exp(-0.45676 x 0.94219) = 0.65028
  assert.ok(Math.abs(pl - 0.65028) < 1e-4, `${pl}`);
  const RELU = resolved({ type: 'activation', name: 'relu', inputs: ['x'], fn: 'relu' }, [[1, 256, 28, 28]]);
  for (const layer of [CONV, DENSE, RELU]) {
    const st = layerStats(layer, { threads: 2 });
    const onA = s.predict({ layer, memoryBytes: A.ramBytes, hardware: A });
    // closed form: the stub's load is the read at 1 GB/s plus 3 ms of CPU work; the read scales by
    // the disk (q), the 3 ms by the probe's load (pl); a weightless layer reads nothing
    const read = (st.weightBytes / 1e9) * 1000;
    assert.ok(Math.abs(onA.loadMs - (read + 3)) < 1e-9);
    const loadB = read * q + 3 * pl;
    // run: the stub's roofline part at B's (shrunk) GEMM rate plus its fixed 5 ms x p
    const tc = (st.flops / 100e9) * 1000;
    const tm = ((st.inputBytes + st.outputBytes + st.weightBytes) / 10e9) * 1000;
    const runB = tc / shrinkRatio(0.5, 0.21) + tm + 5 * p;
    const viaTransfer = m.predict({ layer, memoryBytes: A.ramBytes, hardware: A });
    assert.ok(Math.abs(viaTransfer.loadMs - loadB) < 1e-9, `${layer.layer.name} load ${viaTransfer.loadMs} vs ${loadB}`);
    assert.ok(Math.abs(viaTransfer.runMs - runB) < 1e-9, `${layer.layer.name} run ${viaTransfer.runMs} vs ${runB}`);
    assert.ok(Math.abs(viaTransfer.unloadMs - shrinkRatio(0.25, 0.34) * onA.unloadMs) < 1e-12);
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
  assert.ok(Math.abs(withCurves.loadMs - shrinkRatio(q, 0.24) * onA.loadMs) < 1e-9, `${withCurves.loadMs} vs ${q * onA.loadMs}`);
  assert.ok(q < 1.01);
  // without A's curve: the large probe's ratio, 10x (shrunk: 9.6x)
  const without = new TransferModel(stub, A, to).predict({ layer: DENSE, memoryBytes: A.ramBytes, hardware: A });
  assert.ok(Math.abs(without.loadMs - shrinkRatio(10, 0.24) * onA.loadMs) < 1e-9);
  assert.ok(without.loadMs > 9.5 * onA.loadMs);
  // a 144 MiB layer (beyond 64 MiB) gets the throttled 10x with the curves as well
  const big = resolved({ type: 'dense', name: 'fc', inputs: ['x'], units: 36864 }, [[1, 1024]]);
  const bigA = stub.predict({ layer: big, memoryBytes: A.ramBytes, hardware: A });
  const bigB = new TransferModel(stub, from, to).predict({ layer: big, memoryBytes: A.ramBytes, hardware: A });
  assert.ok(Math.abs(bigB.loadMs - shrinkRatio(10, 0.24) * bigA.loadMs) < 1e-9 * bigB.loadMs);
  // run and unload are untouched by the disk
  assert.ok(Math.abs(withCurves.runMs - onA.runMs) < 1e-9);
});

test("swap with disk curves on both sides: the small read is the curves' at their smallest file, not the large probe's", () => {
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
  // (F + 3 ms) / (F + 2 ms) for 1 MiB: 15.7 / 14.7
  assert.ok(Math.abs(t.transfer.swapScale - 15.7 / 14.7) < 1e-12);
  const atB = t.predict({ layer: DENSE, memoryBytes: M, hardware: A });
  assert.ok(Math.abs(atB.runMs - (unlA.runMs + (15.7 / 14.7) * extraA)) < 1e-9, `${atB.runMs}`);
  // without the curves: the large probe's (shrunk) 10x on the read, still far below 10x in all
  const ta = (MiB / 1e9) * 1000;
  const w = new TransferModel(stub, A, to).transfer.swapScale;
  assert.ok(Math.abs(w - (12.7 + ta * shrinkRatio(10, 0.24)) / (12.7 + ta)) < 1e-12);
  assert.ok(w > 1.6 && w < 1.7, `${w}`);
});

test('sessions scale with the intra-op threads: a one-thread target of a two-thread model gets sessionScale 0.5, the same threads none', () => {
  const seen: LayerInput[] = [];
  const base = new (class extends StubModel {
    override predict(x: LayerInput): TimePrediction {
      seen.push(x);
      return super.predict(x);
    }
  })();
  const p1 = (threads: number): CallProbe => ({ ...probe({ loadMs: 10, runMs: 10, unloadMs: 1 }), threads });
  const two = { ...A, callProbe: p1(2) };
  const one = { ...A, id: 'one', cores: 1, callProbe: p1(1) };
  assert.equal(sessionThreadScale(two, one), 0.5);
  assert.equal(sessionThreadScale(one, two), 2);
  // the probe's threads count, not the cores (memlat hardware --threads 1 on a 2-core machine)
  assert.equal(sessionThreadScale(two, { ...two, id: 'y', callProbe: p1(1) }), 0.5);
  // without a probe: the cores
  assert.equal(sessionThreadScale({ ...A, cores: 4 }, { ...A, id: 'z', cores: 2 }), 0.5);
  const q = { layer: DENSE, memoryBytes: 100 * MiB, networkLayers: 10, networkMaxWorkingSetBytes: 20 * MiB };
  new TransferModel(base, two, one).predict({ ...q, hardware: one });
  assert.ok(seen.length > 0 && seen.every((x) => x.sessionScale === 0.5 && x.networkLayers === 10));
  seen.length = 0;
  new TransferModel(base, two, { ...two, id: 'b', diskReadBytesPerSec: 5e8 }).predict({ ...q, hardware: two });
  assert.ok(seen.length > 0 && seen.every((x) => x.sessionScale === undefined));
});

/** host D's fresh-memory probe (23:20 UTC): a GEMV on 64 MiB just read 52.64 ms, again 1.42 ms; 64 MiB of fresh pages written 184.07 ms. */
const FRESH = { bytes: 64 * MiB, reps: 3, threads: 2, coldMs: 52.64, warmMs: 1.42, freshPagesMs: 184.07 };

test('freshCosts by hand: (cold - warm) / bytes and fresh pages / bytes; null without a probe, pages 0 for a probe without them', () => {
  const c = freshCosts({ ...A, freshWeights: FRESH })!;
  // 51.22 ms / 64 MiB = 0.8003 ms per MiB read; 184.07 / 64 = 2.876 ms per MiB of fresh pages
  assert.ok(Math.abs(c.weights * MiB - 0.8003125) < 1e-9, `${c.weights * MiB}`);
  assert.ok(Math.abs(c.pages * MiB - 2.87609375) < 1e-9, `${c.pages * MiB}`);
  assert.equal(freshCosts(A), null);
  assert.equal(freshCosts({ ...A, freshWeights: null }), null);
  const { freshPagesMs: _p, ...old } = FRESH;
  assert.deepEqual(freshCosts({ ...A, freshWeights: old }), { weights: 51.22 / (64 * MiB), pages: 0 });
  // warm slower than cold (a machine where the first access is free, and noise): 0, not negative
  assert.equal(freshCosts({ ...A, freshWeights: { ...FRESH, coldMs: 1, warmMs: 2 } })!.weights, 0);
});

test('freshRunFloorMs by hand: roofline + weights x cost + 2 x output x page cost, each only for buffers of 128 KiB or more', () => {
  const c = { weights: 0.8 / MiB, pages: 3 / MiB };
  assert.equal(FRESH_WEIGHTS_MIN_BYTES, 128 * 1024);
  assert.equal(FRESH_OUTPUT_COPIES, 2);
  // 16 MiB of weights, a 16 KiB output (reused heap pages): 2 + 12.8 ms
  assert.ok(Math.abs(freshRunFloorMs(2, c, 16 * MiB, 16384) - 14.8) < 1e-9);
  // a weightless layer with a 784 KiB output (1 x 256 x 28 x 28 fp32): 2 x 0.765625 MiB x 3 ms = 4.59375 ms
  assert.ok(Math.abs(freshRunFloorMs(1, c, 0, 802816) - (1 + 4.59375)) < 1e-9);
  // both below the threshold: the roofline alone
  assert.equal(freshRunFloorMs(1, c, 131071, 131071), 1);
});

test('the fresh-memory floor: a weight-streaming layer on a machine with costly first accesses runs at least its roofline plus them; a layer whose scaled run is above it keeps it; no probe on B, no change', () => {
  const RELU = resolved({ type: 'activation', name: 'relu', inputs: ['x'], fn: 'relu' }, [[1, 256, 28, 28]]);
  const B: HardwareFingerprint = { ...A, id: 'hw-b', freshWeights: FRESH };
  const c = freshCosts(B)!;
  const m = new TransferModel(stub, A, B);
  for (const layer of [DENSE, RELU, CONV]) {
    const st = layerStats(layer, { threads: 2 });
    const onA = stub.predict({ layer, memoryBytes: A.ramBytes, hardware: A });
    // the stub's run is its roofline (rates equal on A and B): the floor binds whenever a buffer counts
    const floor = freshRunFloorMs(onA.runMs, c, st.weightBytes, st.outputBytes);
    const onB = m.predict({ layer, memoryBytes: A.ramBytes, hardware: A });
    assert.ok(Math.abs(onB.runMs - floor) < 1e-9, `${layer.layer.name}: ${onB.runMs} vs ${floor}`);
    assert.equal(onB.loadMs, onA.loadMs);
    assert.equal(onB.unloadMs, onA.unloadMs);
  }
  // DENSE: 16 MiB + 16 KiB of weights at 0.8003 ms per MiB: +12.8 ms on a 1.7 ms roofline
  const d =
    m.predict({ layer: DENSE, memoryBytes: A.ramBytes, hardware: A }).runMs - stub.predict({ layer: DENSE, memoryBytes: A.ramBytes, hardware: A }).runMs;
  assert.ok(Math.abs(d - (4096 * 1024 * 4 + 4096 * 4) * c.weights) < 1e-9 && d > 12.8 && d < 12.9, `${d}`);
  // a fixed per-call part of 100 ms already above the floor: the run is the scaled one, untouched
  const slow = new StubModel({ load: 0, run: 100, unload: 2 });
  const ms = new TransferModel(slow, A, B);
  assert.equal(
    ms.predict({ layer: DENSE, memoryBytes: A.ramBytes, hardware: A }).runMs,
    slow.predict({ layer: DENSE, memoryBytes: A.ramBytes, hardware: A }).runMs,
  );
  // under a limit the floor lifts the unlimited part and the swap part is added as before
  const ws = layerStats(DENSE, { threads: 2 }).workingSetBytes;
  const M = 50e6 + ws - 8 * MiB;
  const extraA = stub.predict({ layer: DENSE, memoryBytes: M, hardware: A }).runMs - stub.predict({ layer: DENSE, memoryBytes: A.ramBytes, hardware: A }).runMs;
  const atB = m.predict({ layer: DENSE, memoryBytes: M, hardware: A }).runMs;
  assert.ok(Math.abs(atB - (m.predict({ layer: DENSE, memoryBytes: A.ramBytes, hardware: A }).runMs + extraA)) < 1e-9);
  // B without the probe: the transfer is the identity on run
  const same = new TransferModel(stub, A, { ...A, id: 'hw-c' });
  assert.equal(
    same.predict({ layer: DENSE, memoryBytes: A.ramBytes, hardware: A }).runMs,
    stub.predict({ layer: DENSE, memoryBytes: A.ramBytes, hardware: A }).runMs,
  );
});
