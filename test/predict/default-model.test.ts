// The shipped default model (data/models/default.json) against the real measurements shipped with
// it: the zoo validation runs (whole networks it never saw) and the context runs it was fitted on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readModelBundle } from '../../src/runtime/model-bundle.js';
import { readDataset } from '../../src/runtime/dataset-files.js';
import { aggregateRows, median } from '../../src/models/observations.js';
import { FeSwapModel } from '../../src/models/fe-swap.js';
import { resolveNetwork } from '../../src/network/shapes.js';
import { zooNetwork } from '../../src/network/zoo/index.js';
import { predictNetwork, predictTotalAt, prepareNetwork } from '../../src/predict/predict.js';
import { repoRoot } from '../helpers/paths.js';

const bundle = readModelBundle('default');
const MiB = 2 ** 20;

test('default model: fe-swap whose network context comes from networks that are not validation networks', async () => {
  assert.ok(bundle.model instanceof FeSwapModel);
  const c = bundle.model.data.context;
  assert.ok(c.runs >= 20 && c.unlimitedRuns >= 5, `context from ${c.runs} limited + ${c.unlimitedRuns} unlimited runs`);
  const val = await readDataset(join(repoRoot, 'data/validation/rows.csv.gz'));
  const valNets = new Set(val.rows.map((r) => r.network));
  assert.equal(valNets.size, 12);
  assert.deepEqual(c.networks.filter((n) => valNets.has(n)), []);
  assert.ok(bundle.calibration && bundle.calibration.coverage === 0.9);
});

test('default model: meets the network-total targets on the 48 measured zoo validation runs', async () => {
  const val = await readDataset(join(repoRoot, 'data/validation/rows.csv.gz'));
  const hw = new Map(val.hardware.map((h) => [h.id, h]));
  const obs = aggregateRows(val.rows, hw);
  const passes = new Map<string, Map<number, number>>();
  for (const r of val.rows) {
    const k = `${r.network}|${r.memoryLimitBytes ?? 'none'}`;
    const p = passes.get(k) ?? new Map<number, number>();
    p.set(r.rep, (p.get(r.rep) ?? 0) + r.loadMs + r.runMs + (r.unloadMs ?? 0));
    passes.set(k, p);
  }
  const pred = new Map<string, number>();
  for (const o of obs) {
    const k = `${o.network}|${o.memoryLimitBytes ?? 'none'}`;
    const p = bundle.model.predict({ layer: o.layer, memoryBytes: o.memoryBytes, hardware: bundle.hardware });
    pred.set(k, (pred.get(k) ?? 0) + p.loadMs + p.runMs + p.unloadMs);
  }
  assert.equal(pred.size, 48);
  const ratios = [...pred].map(([k, p]) => ({ k, r: p / median([...passes.get(k)!.values()]) }));
  const ape = ratios.map((x) => Math.abs(x.r - 1));
  assert.ok(median(ape) <= 0.1, `median APE ${median(ape)}`);
  assert.ok(ape.filter((a) => a <= 0.2).length / ape.length >= 0.8);
  // unbiased overall and in the unlimited and the half-memory runs (ranks of the limit per network)
  const gm = (xs: number[]): number => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
  assert.ok(Math.abs(gm(ratios.map((x) => x.r)) - 1) <= 0.05);
  const none = ratios.filter((x) => x.k.endsWith('|none')).map((x) => x.r);
  assert.equal(none.length, 12);
  assert.ok(Math.abs(gm(none) - 1) <= 0.05, `unlimited bias ${gm(none)}`);
  // VGG-16 at 283 MiB, its 392 MiB classifier.0 swapping: measured 4.1 s (the study's FE: 1.7 s)
  const vgg = ratios.find((x) => x.k === 'vgg16|296747008')!;
  assert.ok(Math.abs(vgg.r - 1) <= 0.2, `vgg16 at 283 MiB: predicted / measured ${vgg.r}`);
});

test('default model: its slowdown tables are >= 1, non-increasing in headroom and, for large layers, non-decreasing in size', () => {
  assert.ok(bundle.model instanceof FeSwapModel);
  const d = bundle.model.data;
  assert.equal(d.sizeMonotoneFromMiB, 64);
  for (const [phase, t] of Object.entries(d.slowdown)) {
    const nW = t.lnWsCuts.length + 1;
    const nH = t.hCuts.length + 1;
    for (let f = 0; f < 4; f++) {
      for (let w = 0; w < nW; w++) {
        for (let h = 0; h < nH; h++) {
          const v = t.lnS[(f * nW + w) * nH + h]!;
          assert.ok(v >= 0, `${phase} below 1`);
          if (h > 0) assert.ok(v <= t.lnS[(f * nW + w) * nH + h - 1]!, `${phase}: more headroom slower at family ${f}, size cell ${w}, h cell ${h}`);
          if (w > 0 && Math.exp(t.lnWsCuts[w - 1]!) >= 64) assert.ok(v >= t.lnS[(f * nW + w - 1) * nH + h]!, `${phase}: larger layer less slowed at family ${f}, size cell ${w}, h cell ${h}`);
        }
      }
    }
  }
});

test('default model: predicted time never grows with memory, and swapping shows as a steep rise', () => {
  for (const name of ['vgg16', 'resnet50', 'mobilenetv2', 'bert-base']) {
    const p = prepareNetwork(resolveNetwork(zooNetwork(name)), bundle);
    let prev = Infinity;
    for (let M = p.minMemoryBytes + MiB; M < 4096 * MiB; M *= 1.02) {
      const t = predictTotalAt(p, M);
      assert.ok(t <= prev * (1 + 1e-12), `${name}: ${t} ms at ${(M / MiB).toFixed(1)} MiB > ${prev} with less memory`);
      prev = t;
    }
  }
  const vgg = resolveNetwork(zooNetwork('vgg16'));
  const roomy = predictNetwork(vgg, 1024 * MiB, bundle).totalMs;
  const tight = predictNetwork(vgg, 283 * MiB, bundle);
  assert.ok(tight.totalMs > 2 * roomy, `${tight.totalMs} vs ${roomy}`);
  assert.equal(tight.bottlenecks[0]?.name, 'classifier.0');
});
