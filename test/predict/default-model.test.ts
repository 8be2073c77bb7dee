// The shipped default model (data/models/default.json) against the real measurements shipped with
// it (data/nospin: host B, thread pools sleeping after a run; data/README.md): the zoo validation
// runs (whole networks it never saw) and the context runs it was fitted on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readModelBundle } from '../../src/predict/model-bundle.js';
import { readDataset } from '../../src/dataset/files.js';
import { aggregateRows, median } from '../../src/models/observations.js';
import { FeSwapModel } from '../../src/models/fe-swap.js';
import { resolveNetwork } from '../../src/network/shapes.js';
import { zooNetwork } from '../../src/network/zoo/index.js';
import { predictNetwork, predictTotalAt, prepareNetwork } from '../../src/predict/predict.js';
import { repoRoot } from '../helpers/paths.js';

const bundle = readModelBundle('default');
const MiB = 2 ** 20;

test('default model: fe-swap whose network context comes from the six context networks only, none of them a validation or held-out network', async () => {
  assert.ok(bundle.model instanceof FeSwapModel);
  const c = bundle.model.data.context;
  // data/heldout21/PLAN.md: the context is fitted on data/nospin/context alone (6 networks x 4 limits
  // + unlimited), as data/nospin/PLAN.md named before its amendment; the 12 validation networks and
  // the held-out sets are not in it.
  const ctxRows = await readDataset(join(repoRoot, 'data/nospin/context/rows.csv.gz'));
  const ctxNets = new Set(c.networks);
  assert.deepEqual([...ctxNets].sort(), [...new Set(ctxRows.rows.map((r) => r.network))].sort());
  assert.equal(ctxNets.size, 6);
  assert.equal(c.unlimitedRuns, 6);
  assert.equal(c.runs, 24);
  const val = await readDataset(join(repoRoot, 'data/nospin/validation/rows.csv.gz'));
  const others = new Set(val.rows.map((r) => r.network));
  assert.equal(others.size, 12);
  for (const set of ['heldout20', 'heldout21']) {
    const h = await readDataset(join(repoRoot, `data/${set}/whole/rows.csv.gz`));
    const k = await readDataset(join(repoRoot, `data/${set}/knee/rows.csv.gz`));
    for (const r of [...h.rows, ...k.rows]) others.add(r.network);
  }
  assert.ok(others.size >= 12 + 7 + 7, `${others.size} validation and held-out networks`);
  assert.deepEqual(
    [...ctxNets].filter((n) => others.has(n)),
    [],
  );
  assert.ok(bundle.calibration && bundle.calibration.coverage === 0.9);
  assert.equal(bundle.model.data.swapTerm, 'physical');
});

test(
  "default model: VGG-16's slowdown at half its largest working set matches the measured one within 15%",
  {
    todo: 'not met by the default under sleeping pools (2026-12-02, context of the six context networks): predicted 3.29x against 5.23x measured, the swap under-predicted deep in the cliff as on held-out #20 and #21 at 0.5x; docs/MODELS.md',
  },
  async () => {
    // The accuracy targets of the default model (median APE, bias per level) are measured by
    // `npm run bench` on the validation runs and reported in docs/BENCHMARKS.md; here, one physical
    // property that must hold whatever the level: the cliff. VGG-16 at 283 MiB (classifier.0, 392 MiB,
    // swapping) against its unlimited run, measured and predicted.
    const val = await readDataset(join(repoRoot, 'data/nospin/validation/rows.csv.gz'));
    const hw = new Map(val.hardware.map((h) => [h.id, h]));
    const passes = new Map<string, Map<number, number>>();
    for (const r of val.rows) {
      if (r.network !== 'vgg16') continue;
      const k = String(r.memoryLimitBytes ?? 'none');
      const p = passes.get(k) ?? new Map<number, number>();
      p.set(r.rep, (p.get(r.rep) ?? 0) + r.loadMs + r.runMs + (r.unloadMs ?? 0));
      passes.set(k, p);
    }
    const limited = [...passes.keys()]
      .filter((k) => k !== 'none')
      .map(Number)
      .sort((a, b) => a - b);
    const tight = limited[0]!;
    assert.equal(tight, 283 * MiB);
    const measured = median([...passes.get(String(tight))!.values()]) / median([...passes.get('none')!.values()]);
    const vgg = resolveNetwork(zooNetwork('vgg16'));
    const predicted = predictNetwork(vgg, tight, bundle).totalMs / predictNetwork(vgg, null, bundle).totalMs;
    assert.ok(measured > 2, `measured slowdown ${measured}`);
    assert.ok(Math.abs(predicted / measured - 1) <= 0.15, `predicted slowdown ${predicted} vs measured ${measured}`);
    assert.ok(hw.size >= 1);
    // aggregateRows accepts the shipped rows (every row valid under the dataset rules)
    assert.ok(aggregateRows(val.rows, hw).length > 0);
  },
);

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
          if (w > 0 && Math.exp(t.lnWsCuts[w - 1]!) >= 64)
            assert.ok(v >= t.lnS[(f * nW + w - 1) * nH + h]!, `${phase}: larger layer less slowed at family ${f}, size cell ${w}, h cell ${h}`);
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
