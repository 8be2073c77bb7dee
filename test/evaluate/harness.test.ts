import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateModels, formatEvaluation } from '../../src/evaluate/harness.js';
import { makeFolds } from '../../src/evaluate/splits.js';
import { aggregateRows } from '../../src/models/observations.js';
import { UserError } from '../../src/errors.js';
import { exactLaw, HW_MAP, syntheticRows } from '../helpers/synthetic.js';

const obs = aggregateRows(syntheticRows(exactLaw), HW_MAP);

test('splits: folds partition the observations; memory/network groups are never split', () => {
  const k = makeFolds(obs, 'kfold', { folds: 5 });
  assert.equal(k.length, 5);
  const tested = k.flatMap((f) => f.test).sort((a, b) => a - b);
  assert.deepEqual(
    tested,
    obs.map((_, i) => i),
  );
  for (const f of k) assert.equal(f.train.length + f.test.length, obs.length);
  const mem = makeFolds(obs, 'memory');
  assert.deepEqual(mem.map((f) => f.name).sort(), ['M=128 MiB', 'M=64 MiB', 'M=none'].sort());
  for (const f of mem) assert.equal(new Set(f.test.map((i) => obs[i]!.memoryLimitBytes)).size, 1);
  // 68 networks > 30: grouped into 5 folds, each network entirely in one test fold
  const net = makeFolds(obs, 'network', { folds: 5 });
  assert.equal(net.length, 5);
  for (const f of net) {
    const testNets = new Set(f.test.map((i) => obs[i]!.network));
    assert.ok(f.train.every((i) => !testNets.has(obs[i]!.network)));
  }
  assert.throws(
    () => makeFolds(obs, 'hardware'),
    (e: unknown) =>
      e instanceof UserError && /^split hardware: the data comes from 1 machine\(s\) \(hw-syn\); it needs at least 2 \(use split kfold\)/.test(e.message),
  );
});

test('harness: FE on an exact law scores ~0% error and bias 1 out of fold, per target, slice and network sum', () => {
  const r = evaluateModels(['fe'], obs, { split: 'kfold', folds: 4 });
  assert.deepEqual(r.targets, ['load', 'run', 'unload', 'total', 'network']);
  const all = r.rows.filter((x) => x.slice === 'all');
  assert.equal(all.length, 5);
  for (const row of r.rows) {
    assert.ok(row.metrics.mapePct < 1e-4, `${row.target}/${row.slice}: MAPE ${row.metrics.mapePct}`);
    assert.ok(Math.abs(row.metrics.bias - 1) < 1e-6);
    assert.equal(row.metrics.within10Pct, 100);
  }
  assert.equal(all.find((x) => x.target === 'run')!.metrics.n, obs.length);
  // every layer is its own "network" here: network sums = layer totals, one per (network, memory)
  assert.equal(all.find((x) => x.target === 'network')!.metrics.n, obs.length);
  const swapping = r.rows.find((x) => x.target === 'run' && x.slice === 'swapping')!;
  assert.equal(swapping.metrics.n, obs.filter((o) => o.swapBytes > 0).length);
  assert.ok(swapping.metrics.n > 0);
  const text = formatEvaluation(r);
  assert.match(text, /^split kfold: 4 folds over 204 layer configurations/);
  assert.match(text, /fe\s+run\s+all\s+204\s+0\.0\s+0\.0/);
});

test('harness: FS reports per-fold selections and their stability; unload absent is noted', () => {
  const noUnload = aggregateRows(syntheticRows(exactLaw, { withUnload: false }), HW_MAP);
  const r = evaluateModels(['fs'], noUnload, { split: 'memory' });
  assert.deepEqual(r.targets, ['load', 'run', 'total', 'network']);
  const sel = r.selection.fs!.run!;
  assert.equal(sel.folds, 3);
  assert.equal(sel.perFold.length, 3);
  assert.ok(sel.meanPairwiseJaccard >= 0 && sel.meanPairwiseJaccard <= 1);
  assert.match(r.notes[0]!, /unload is not measured/);
  assert.match(formatEvaluation(r), /fs run: [\d.]+ features\/fold, mean pairwise Jaccard [\d.]+/);
});
