/** contextFreeModel (src/models/index.ts): fe-swap without its network context predicts isolated layers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contextFreeModel } from '../../src/models/index.js';
import { readModelBundle } from '../../src/predict/model-bundle.js';
import { resolveNetwork } from '../../src/network/shapes.js';
import { zooNetwork } from '../../src/network/zoo/index.js';
import { testBundle } from '../helpers/bundle-fixture.js';

test('the default fe-swap model without context: unlimited phases are the contexted ones divided by totalFactor', () => {
  const b = readModelBundle('default');
  type Ctx = { kind: string; context: { totalFactor: number; ctxMiB: number; kappa: number } };
  const json = b.model.toJSON() as unknown as Ctx;
  assert.equal(json.kind, 'fe-swap');
  assert.ok(json.context.totalFactor !== 1, 'the default model carries a context factor');
  const iso = contextFreeModel(b.model);
  const isoJson = iso.toJSON() as unknown as Ctx;
  assert.equal(isoJson.context.totalFactor, 1);
  assert.equal(isoJson.context.ctxMiB, 0);
  assert.equal(isoJson.context.kappa, 1);
  for (const l of resolveNetwork(zooNetwork('resnet18')).layers.slice(0, 5)) {
    const x = { layer: l, memoryBytes: b.hardware.ramBytes, hardware: b.hardware };
    const p = b.model.predict(x);
    const q = iso.predict(x);
    assert.ok(Math.abs(q.runMs * json.context.totalFactor - p.runMs) <= 1e-9 * p.runMs, `${l.layer.name} run`);
    assert.ok(Math.abs(q.loadMs * json.context.totalFactor - p.loadMs) <= 1e-9 * Math.max(p.loadMs, 1e-9), `${l.layer.name} load`);
  }
});

test('other kinds are returned as they are', () => {
  const fe = testBundle().model;
  assert.equal(contextFreeModel(fe), fe);
});
