import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as memlat from '../src/index.js';
import { resolveNetwork } from '../src/network/shapes.js';
import { zooNetwork } from '../src/network/zoo/index.js';
import { predictNetwork } from '../src/predict/predict.js';
import { latencyCurve } from '../src/predict/curve.js';
import { minMemory as minMemoryOfResolved } from '../src/predict/min-memory.js';
import { testBundle, testBundleJson } from './helpers/bundle-fixture.js';
import { HW_MAP, syntheticRows } from './helpers/synthetic.js';
import { tempDirForFile } from './helpers/tmp.js';

const dir = tempDirForFile('memlat-api-');
// The machine check reads this machine's cached fingerprint (<MEMLAT_CACHE>/hardware.json); one that
// differs from the bundle's by > 1.25x makes predict scale the model zero-shot (test/predict/zero-shot*).
// An empty cache keeps these equality tests independent of what `memlat hardware` last measured here.
process.env.MEMLAT_CACHE = join(dir, 'empty-cache');
const bundlePath = join(dir, 'bundle.json');
writeFileSync(bundlePath, JSON.stringify(testBundleJson()));

test('api.describe: resnet50 totals are the published ones', async () => {
  const d = await memlat.describe('resnet50');
  assert.equal(d.totals.params, 25_557_032);
  assert.ok(Math.abs(d.totals.macs / 1e9 - 4.09) < 0.01);
  const b2 = await memlat.describe('resnet50', { batch: 2 });
  assert.equal(b2.totals.macs, 2 * d.totals.macs);
});

test('api.predict / curve / minMemory agree with the low-level functions on the same bundle', async () => {
  const rn = resolveNetwork(zooNetwork('squeezenet1_1'));
  const bundle = testBundle();
  const p = await memlat.predict('squeezenet1_1', { memory: '256MiB', model: bundlePath });
  assert.equal(p.totalMs, predictNetwork(rn, 256 * 2 ** 20, bundle).totalMs);
  const none = await memlat.predict(zooNetwork('squeezenet1_1'), { memory: 'none', model: bundlePath });
  assert.equal(none.totalMs, predictNetwork(rn, null, bundle).totalMs);
  const c = await memlat.curve('squeezenet1_1', { from: '128MiB', to: '2GiB', points: 9, model: bundlePath });
  assert.deepEqual(c.points, latencyCurve(rn, bundle, { fromBytes: 128 * 2 ** 20, toBytes: 2 * 2 ** 30, points: 9 }).points);
  // the facade answers exactly what the low-level search answers, and the answer meets the target
  const target = (c.points[0]!.totalMs + c.points.at(-1)!.totalMs) / 2;
  const m = await memlat.minMemory('squeezenet1_1', { target: `${target}ms`, model: bundlePath });
  const { model, modelSource, modelPath, machine, used, ...answer } = m;
  assert.deepEqual([used.kind, used.hardwareId], [bundle.model.kind, bundle.hardware.id]);
  assert.deepEqual(answer, minMemoryOfResolved(rn, bundle, target));
  assert.deepEqual([model, modelSource, modelPath], [bundlePath, 'flag', bundlePath]);
  assert.equal(machine.modelHardwareId, bundle.hardware.id);
  assert.ok(m.memoryBytes !== null);
  assert.ok(predictNetwork(rn, m.memoryBytes, bundle).totalMs <= target);
});

test('api.fit returns a bundle predict accepts; errors stay user errors', async () => {
  const rows = syntheticRows();
  const b = await memlat.fit({ rows, hardware: [...HW_MAP.values()] }, { kind: 'physical' });
  assert.equal(b.model.kind, 'physical');
  assert.equal(b.hardware.id, 'hw-syn');
  const path = join(dir, 'fitted.json');
  writeFileSync(path, JSON.stringify(b));
  const p = await memlat.predict('alexnet', { memory: '1GiB', model: path });
  assert.ok(p.totalMs > 0 && Number.isFinite(p.totalMs));
  await assert.rejects(memlat.predict('nosuchnet', { memory: '1GiB', model: path }), memlat.UserError);
  await assert.rejects(memlat.predict('alexnet', { memory: 'lots', model: path }), /memory: "lots" is not a size/);
});
