// minMemory on a generated network of 10^5 layers (issue 14: min-memory on huge networks) against a
// brute-force search that calls the model for every layer at every grid point, with no grouping or
// caching of its own: the answers must be the same numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveNetwork } from '../../src/network/shapes.js';
import type { Layer, Network, ResolvedNetwork } from '../../src/network/types.js';
import type { LoadedBundle } from '../../src/predict/bundle.js';
import { logSpace } from '../../src/predict/curve.js';
import { minMemory } from '../../src/predict/min-memory.js';
import { MEMORY_UNCERTAINTY, networkContext, predictNetwork, prepareNetwork } from '../../src/predict/predict.js';
import { readModelBundle } from '../../src/predict/model-bundle.js';
import { testBundle } from '../helpers/bundle-fixture.js';

/** A chain of `n` layers: dense layers cycling through four widths (16-256 MiB of weights), each followed by a ReLU. */
function bigNetwork(n: number): ResolvedNetwork {
  const widths = [8192, 8192, 1024, 4096];
  const layers: Layer[] = [];
  let prev = 'x';
  for (let i = 0; i < n; i++) {
    const name = `l${i}`;
    layers.push(
      i % 2 === 0 ? { name, type: 'dense', units: widths[(i / 2) % widths.length]!, inputs: [prev] } : { name, type: 'activation', fn: 'relu', inputs: [prev] },
    );
    prev = name;
  }
  const net: Network = { name: 'big', inputs: [{ name: 'x', shape: [1, 1024] }], layers };
  return resolveNetwork(net);
}

/** The network's total at M the slow way: the model called for every layer, summed in order. */
function naiveTotal(rn: ResolvedNetwork, bundle: LoadedBundle, m: number, ctx: ReturnType<typeof networkContext>): number {
  const hardware = bundle.hardware;
  const mem = Math.min(m, hardware.ramBytes);
  let t = 0;
  for (const layer of rn.layers) {
    const p = bundle.model.predict({ layer, memoryBytes: mem, hardware, ...ctx });
    t += p.loadMs + p.runMs + p.unloadMs;
  }
  return t;
}

/** Brute force over minMemory's grid: the first grid point meeting the limit, or -1. */
function firstMeeting(totals: readonly number[], limitMs: number): number {
  return totals.findIndex((t) => t <= limitMs);
}

const rn = bigNetwork(100_000);
const GRID = 24;

for (const [label, bundle] of [
  ['default model (fe-swap)', readModelBundle('default')],
  ['test model (fe)', testBundle()],
] as const) {
  test(`minMemory on 10^5 layers equals a brute-force search over the same grid: ${label}`, () => {
    const p = prepareNetwork(rn, bundle);
    const ctx = networkContext(p); // what predict passes every layer of the network
    assert.ok(p.groupLayers.length <= 8, `${p.groupLayers.length} distinct layers`);
    // the search starts at the thrash floor: idle + max(half the largest working set, 16 MiB)
    const idleLo = Math.floor(p.minMemoryBytes) + 1;
    const hi = Math.max(idleLo + 1, Math.round(bundle.hardware.ramBytes));
    const floor = p.runtimeIdleBytes + Math.max(0.5 * p.workingSetBytes.reduce((a, b) => Math.max(a, b), 0), 16 * 2 ** 20);
    const lo = Math.min(Math.max(idleLo, Math.ceil(floor)), hi - 1);
    const grid = logSpace(lo, hi, GRID);
    const totals = grid.map((m) => naiveTotal(rn, bundle, m, ctx));
    // a target between two different grid totals, so the answer is inside a bracket, not at its end
    const k = totals.findIndex((t, i) => i > 0 && t < totals[i - 1]! * 0.999);
    assert.ok(k > 0, 'the curve falls somewhere on the grid');
    const target = (totals[k]! + totals[k - 1]!) / 2;
    const r = minMemory(rn, bundle, target, { gridPoints: GRID, prepared: p });
    assert.equal(firstMeeting(totals, target), k);
    assert.ok(r.memoryBytes !== null && r.memoryBytes > grid[k - 1]! && r.memoryBytes <= grid[k]!, `${r.memoryBytes} in (${grid[k - 1]}, ${grid[k]}]`);
    // the boundary to the byte: meets at the answer, misses one byte below
    const at = naiveTotal(rn, bundle, r.memoryBytes, ctx);
    assert.ok(at <= target && naiveTotal(rn, bundle, r.memoryBytes - 1, ctx) > target);
    assert.equal(r.predictedMs, at);
    assert.equal(r.bestMs, Math.min(...totals));
    assert.deepEqual(r.searchedBytes, [lo, hi]);
    assert.equal(predictNetwork(rn, r.memoryBytes, bundle, { prepared: p }).totalMs, at);
    // the conservative answer: the same search at target / exp(logHigh), then scaled by 1 / (1 - u)
    const cal = bundle.calibration!;
    const limit = target * Math.exp(-cal.logHigh);
    const kc = firstMeeting(totals, limit);
    assert.ok(kc > 0, 'the conservative answer lies inside a bracket too');
    const ans = r.conservativeMemoryBytes;
    assert.ok(ans !== null);
    // some M' in that bracket is the boundary to the byte for the lowered target and scales to the answer
    const m0 = Math.floor(ans * (1 - MEMORY_UNCERTAINTY));
    const found = [m0 - 1, m0, m0 + 1].filter(
      (m) =>
        m > grid[kc - 1]! &&
        m <= grid[kc]! &&
        Math.min(Math.ceil(m / (1 - MEMORY_UNCERTAINTY)), bundle.hardware.ramBytes) === ans &&
        naiveTotal(rn, bundle, m, ctx) <= limit &&
        naiveTotal(rn, bundle, m - 1, ctx) > limit,
    );
    assert.equal(found.length, 1, `conservative ${ans}: M' = ${m0} +- 1`);
  });
}
