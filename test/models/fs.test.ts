import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitModel, loadModel } from '../../src/models/index.js';
import { aggregateRows } from '../../src/models/observations.js';
import type { FsModel } from '../../src/models/fs.js';
import { exactLaw, HW_MAP, syntheticRows } from '../helpers/synthetic.js';

const rows = syntheticRows(exactLaw);
const obs = aggregateRows(rows, HW_MAP);
const model = fitModel('fs', rows, HW_MAP) as FsModel;

test('fs: fits ln(time) of a log1p-linear law closely (training RMSE of ln t < 0.1) for every phase', () => {
  assert.deepEqual(model.fittedTargets, ['load', 'run', 'unload']);
  for (const t of model.fittedTargets) {
    const reg = model.data.targets[t]!;
    assert.ok(reg.rmseLog < 0.1, `${t}: rmse ln ${reg.rmseLog}`);
    assert.ok(reg.rounds.length >= 1 && reg.rounds[0]!.candidates > 50, `${t}: round 1 had ${reg.rounds[0]?.candidates} candidates`);
    assert.ok(reg.components >= 1 && reg.components <= reg.terms.length);
  }
  // the law's run time depends on macs: some selected run term must involve macs or flops
  const run = model.selectedFeatures().run!;
  assert.ok(
    run.some((n) => /macs|flops/.test(n)),
    `run terms: ${run.join(', ')}`,
  );
});

test('fs: predictions from the folded-back coefficients equal exp(predictLog) and survive JSON', () => {
  const back = loadModel(JSON.parse(JSON.stringify(model.toJSON()))) as FsModel;
  for (const o of obs.slice(0, 20)) {
    const p = model.predict(o);
    assert.ok(Math.abs(p.runMs - Math.exp(model.predictLog(o, 'run'))) <= 1e-12 * p.runMs);
    assert.deepEqual(back.predict(o), p);
  }
});

test('fs: too few configurations is a user error', () => {
  assert.throws(() => fitModel('fs', rows.slice(0, 6), HW_MAP), /model fs: needs at least 10 layer configurations/);
});
