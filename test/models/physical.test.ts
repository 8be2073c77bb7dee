import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateRows, observedMs, type LayerObservation } from '../../src/models/observations.js';
import { designRow, fitPhysical, physicalTerms, runFamily, loadPhysical, type RunFamily } from '../../src/models/physical.js';
import { rooflineFor, loadRoofline } from '../../src/models/roofline.js';
import { fitBoosted, loadBoosted } from '../../src/models/boosted.js';
import { HW, HW_MAP, syntheticRows } from '../helpers/synthetic.js';
import type { Target } from '../../src/models/types.js';

const TRUE = {
  load: [0.3, 0.6, 2.0],
  unload: [5, 0.05, 0.5],
  run: {
    conv: [0.05, 40, 0.02, 3, 0],
    dwconv: [0.05, 40, 0.02, 3, 0],
    gemm: [0.02, 25, 0.08, 4, 0.5],
    other: [0.01, 10, 0.1, 2, 0],
  } as Record<RunFamily, number[]>,
};

function lawObservations(): LayerObservation[] {
  const obs = aggregateRows(syntheticRows(), HW_MAP);
  const dot = (c: number[], x: number[]): number => c.reduce((s, v, j) => s + v * x[j]!, 0);
  return obs.map((o) => {
    const p = physicalTerms(o);
    return {
      ...o,
      loadMs: dot(TRUE.load, designRow('load', p)),
      runMs: dot(TRUE.run[runFamily(o)], designRow('run', p)),
      unloadMs: dot(TRUE.unload, designRow('unload', p)),
    };
  });
}

test('physical: times that follow the model exactly are fitted exactly, coefficients recovered', () => {
  const obs = lawObservations();
  const m = fitPhysical(obs);
  for (const [i, c] of TRUE.load.entries()) assert.ok(Math.abs(m.data.load[i]! - c) < 1e-6 * (1 + c), `load[${i}] ${m.data.load[i]} vs ${c}`);
  for (const [i, c] of TRUE.unload.entries()) assert.ok(Math.abs(m.data.unload[i]! - c) < 1e-6 * (1 + c), `unload[${i}] ${m.data.unload[i]} vs ${c}`);
  let worst = 0;
  for (const o of obs) {
    const pr = m.predict(o);
    for (const t of ['load', 'run', 'unload'] as Target[]) {
      const y = observedMs(o, t)!;
      const v = t === 'load' ? pr.loadMs : t === 'run' ? pr.runMs : pr.unloadMs;
      worst = Math.max(worst, Math.abs(v - y) / y);
    }
  }
  assert.ok(worst < 1e-6, `worst relative error ${worst}`);
  assert.deepEqual(m.fittedTargets, ['load', 'run', 'unload']);
  // dwconv has no rows here, so it falls back to the pooled run fit
  assert.equal(m.data.n.run.dwconv, 0);
});

test('physical: coefficients are non-negative even when the data pull one below zero', () => {
  // run time that decreases with flops would need a negative coefficient: NNLS clamps it at 0
  const obs = lawObservations().map((o) => ({ ...o, runMs: 50 / (1 + physicalTerms(o).stats.flops / 1e9) }));
  const m = fitPhysical(obs);
  for (const fam of Object.values(m.data.run)) for (const c of fam) assert.ok(c >= 0);
  assert.throws(() => loadPhysical({ ...m.toJSON(), load: [-1, 0, 0] }), /invalid model: physical/);
  assert.deepEqual(loadPhysical(JSON.parse(JSON.stringify(m.toJSON())) as Record<string, unknown>).predict(obs[3]!), m.predict(obs[3]!));
});

test('roofline: closed-form times from the peak rates', () => {
  const m = rooflineFor(HW); // disk 500 MB/s, memory 5 GB/s, 20 GFLOP/s
  const x = {
    layer: { index: 0, layer: { type: 'dense' as const, name: 'fc', inputs: ['x'], units: 1000 }, inputShapes: [[1, 1000]], outputShape: [1, 1000] },
    memoryBytes: HW.ramBytes,
    hardware: HW,
  };
  const p = m.predict(x);
  const weightBytes = (1000 * 1000 + 1000) * 4;
  assert.ok(Math.abs(p.loadMs - weightBytes / 500e3) < 1e-9);
  // flops 2e6 (+bias) -> 0.1 ms of compute; bytes ~4 MB -> ~0.8 ms of traffic: memory bound
  const traffic = (weightBytes + 4000 + 4000) / 5e6;
  assert.ok(Math.abs(p.runMs - traffic) < 1e-9, `${p.runMs} vs ${traffic}`);
  assert.equal(p.unloadMs, 0);
  assert.throws(() => rooflineFor({ ...HW, gemmGflops: null }), /no measured gemmGflops/);
  assert.throws(() => loadRoofline({ kind: 'roofline', flopsPerMs: 0 }), /positive diskBytesPerMs/);
});

test('gbt and hybrid: smearing makes the mean of measured/predicted exactly 1 on the training rows', () => {
  const obs = aggregateRows(syntheticRows(undefined, { noise: 0.2 }), HW_MAP);
  for (const hybrid of [false, true]) {
    const m = fitBoosted(obs, hybrid, { gbt: { nTrees: 60, subsample: 1 } });
    const ratios = obs.map((o) => o.runMs / m.predict(o).runMs);
    const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    assert.ok(Math.abs(mean - 1) < 1e-9, `${m.kind}: mean ratio ${mean}`);
    const back = loadBoosted(JSON.parse(JSON.stringify(m.toJSON())) as Record<string, unknown>);
    assert.deepEqual(back.predict(obs[7]!), m.predict(obs[7]!));
  }
  assert.throws(() => loadBoosted({ kind: 'gbt', targets: { run: { trees: {}, smearing: 1 } } }), /invalid model: gbt target run/);
});
