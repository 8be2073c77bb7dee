// fitDefaultModel: the default kind where the data supports it, and a named fallback where it does
// not (the EdgeCaffe profiles have no limited/unlimited pairs of one layer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fitDefaultModel, pairedObservations } from '../../src/models/index.js';
import { aggregateRows } from '../../src/models/observations.js';
import { readDataset } from '../../src/dataset/files.js';
import { HW_MAP, syntheticRows } from '../helpers/synthetic.js';
import { repoRoot } from '../helpers/paths.js';

test('data with limited + unlimited pairs: fe-swap, no note', () => {
  const obs = aggregateRows(syntheticRows(), HW_MAP);
  const pairs = pairedObservations(obs);
  // every synthetic configuration is measured at 64 MiB, 128 MiB and unlimited: two pairs each
  assert.equal(pairs, obs.filter((o) => o.memoryLimitBytes !== null).length);
  assert.ok(pairs >= 20);
  const r = fitDefaultModel(obs);
  assert.equal(r.kind, 'fe-swap');
  assert.equal(r.note, null);
});

test('EdgeCaffe profiles (no pairs): falls back to fe with smearing and says why', async () => {
  const ds = await readDataset(join(repoRoot, 'data/reference/edgecaffe.csv.gz'));
  const obs = aggregateRows(ds.rows, new Map(ds.hardware.map((h) => [h.id, h])));
  assert.equal(pairedObservations(obs), 0);
  const r = fitDefaultModel(obs);
  assert.equal(r.kind, 'fe');
  assert.match(r.note ?? '', /0 layer configuration\(s\) measured both with and without a memory limit.*fe-swap needs >= 20.*fitted kind fe/);
  const p = r.model.predict(obs[0]!);
  assert.ok(p.runMs > 0 && Number.isFinite(p.runMs));
});
