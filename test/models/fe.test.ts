import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitModel, loadModel } from '../../src/models/index.js';
import { aggregateRows, median, passTotals } from '../../src/models/observations.js';
import { FeModel } from '../../src/models/fe.js';
import { UserError } from '../../src/errors.js';
import { exactLaw, HW, HW_MAP, syntheticRows } from '../helpers/synthetic.js';
import { layerStats, swapBytes } from '../../src/features/layer.js';

const rows = syntheticRows(exactLaw, { noise: 0.1 });

test('observations: one per configuration, median over repetitions, M = RAM when unlimited', () => {
  const obs = aggregateRows(rows, HW_MAP);
  assert.equal(obs.length, rows.length / 3);
  const o = obs.find((x) => x.memoryLimitBytes === null)!;
  assert.equal(o.memoryBytes, HW.ramBytes);
  assert.equal(o.reps, 3);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.throws(
    () => aggregateRows(rows, new Map()),
    (e: unknown) => e instanceof UserError && /hardwareId "hw-syn" has no hardware fingerprint/.test(e.message),
  );
});

test('passTotals: per run, each pass summed over its layers and phases; OOM-killed passes left out', () => {
  const r0 = rows[0]!;
  const two = [
    { ...r0, layerIndex: 0, rep: 0, loadMs: 1, runMs: 2, unloadMs: 3 },
    { ...r0, layerIndex: 1, rep: 0, loadMs: 10, runMs: 20, unloadMs: null },
    { ...r0, layerIndex: 0, rep: 1, loadMs: 4, runMs: 5, unloadMs: 6 },
    { ...r0, layerIndex: 1, rep: 1, loadMs: 0, runMs: 0, unloadMs: 0, oom: true },
    { ...r0, memoryLimitBytes: null, layerIndex: 0, rep: 0, loadMs: 7, runMs: 0, unloadMs: 0 },
  ];
  const t = passTotals(two, (r) => String(r.memoryLimitBytes));
  assert.deepEqual(
    [...t],
    [
      [String(r0.memoryLimitBytes), [36, 15]],
      ['null', [7]],
    ],
  );
});

test('fe: recovers a log1p-linear law exactly (median times), per layer type, for load, run and unload', () => {
  const m = fitModel('fe', rows, HW_MAP) as FeModel;
  assert.deepEqual(m.fittedTargets, ['load', 'run', 'unload']);
  // dense and conv2d have their own regressions; pool + activation (12 configs each < 20) are pooled
  assert.deepEqual(Object.keys(m.data.groups).sort(), ['all', 'conv2d', 'dense', 'other']);
  assert.deepEqual(m.data.groups.other!.types, ['activation', 'pool']);
  let worst = 0;
  for (const o of aggregateRows(rows, HW_MAP)) {
    const p = m.predict(o);
    const st = layerStats(o.layer, { threads: 2 });
    const t = exactLaw({
      macs: st.macs,
      weightBytes: st.weightBytes,
      swapBytes: swapBytes(st.workingSetBytes, o.memoryBytes, 50e6),
      workingSetBytes: st.workingSetBytes,
      type: o.layerType,
    });
    worst = Math.max(worst, Math.abs(Math.log(p.loadMs) - t.load), Math.abs(Math.log(p.runMs) - t.run), Math.abs(Math.log(p.unloadMs) - t.unload!));
  }
  assert.ok(worst < 1e-6, `max |ln pred - ln law| = ${worst}`);
});

test('fe: a phase absent from the data (unload, as in EdgeCaffe) is not fitted and predicts 0', () => {
  const m = fitModel('fe', syntheticRows(exactLaw, { withUnload: false }), HW_MAP);
  assert.deepEqual(m.fittedTargets, ['load', 'run']);
  const o = aggregateRows(rows, HW_MAP)[0]!;
  assert.equal(m.predict(o).unloadMs, 0);
});

test('fe: back-transform is plain exp() by default; smearing multiplies by mean exp(residual)', () => {
  // noisy law: ln t = law + e, e in {-0.5, +0.5} alternating by configuration -> residual spread
  const noisy = syntheticRows((s) => {
    const t = exactLaw(s);
    const e = Math.sin(s.workingSetBytes / 4 + s.macs / 3) > 0 ? 0.5 : -0.5; // deterministic +-0.5 scatter
    return { load: t.load + e, run: t.run + e, unload: t.unload };
  });
  const plain = fitModel('fe', noisy, HW_MAP, { fe: { backTransform: 'exp' } }) as FeModel;
  const smear = fitModel('fe', noisy, HW_MAP, { fe: { backTransform: 'smearing' } }) as FeModel;
  const o = aggregateRows(noisy, HW_MAP).find((x) => x.layerType === 'dense')!;
  const f = smear.data.groups.dense!.targets.run!.smearing;
  assert.ok(f > 1.05 && f < Math.exp(0.5), `smearing factor ${f}`);
  assert.ok(Math.abs(smear.predict(o).runMs / plain.predict(o).runMs - f) < 1e-12);
});

test('fe: toJSON -> JSON text -> loadModel predicts identically; bad JSON is rejected clearly', () => {
  const m = fitModel('fe', rows, HW_MAP);
  const back = loadModel(JSON.parse(JSON.stringify(m.toJSON())));
  const o = aggregateRows(rows, HW_MAP)[5]!;
  assert.deepEqual(back.predict(o), m.predict(o));
  assert.throws(() => loadModel({ name: 'ml-pca' }), /invalid model: expected name "memlat-model", got "ml-pca"/);
  assert.throws(() => loadModel({ ...m.toJSON(), version: 99 }), /invalid model: kind "fe" expects version 1, got 99/);
  assert.throws(() => loadModel({ ...m.toJSON(), kind: 'xgb' }), /invalid model: unknown kind "xgb"/);
  assert.throws(() => loadModel([1]), /invalid model: expected a JSON object/);
  assert.throws(() => fitModel('lm', rows, HW_MAP), /^UserError: kind "lm": unknown model kind; use one of fe, fs/);
});

// Prediction speed (layer predictions per second, every model) is measured by `npm run bench`
// (docs/BENCHMARKS.md, section 5), not asserted here.
