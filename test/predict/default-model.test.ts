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

test('default model: fe-swap whose network context comes from the six context networks and retired held-out #20, none of them a validation network or #21', async () => {
  assert.ok(bundle.model instanceof FeSwapModel);
  const c = bundle.model.data.context;
  // data/heldout22/PLAN.md: the context is fitted on data/nospin/context (6 networks x 4 limits +
  // unlimited) and retired held-out #20 (4 networks x 2 limits + unlimited, 3 knee sweeps x 8
  // limits), all host B under sleeping pools; the 12 validation networks and #21 are not in it.
  const files = ['data/nospin/context', 'data/heldout20/whole', 'data/heldout20/knee'];
  const ctxSets = await Promise.all(files.map((f) => readDataset(join(repoRoot, `${f}/rows.csv.gz`))));
  const ctxNets = new Set(c.networks);
  assert.deepEqual([...ctxNets].sort(), [...new Set(ctxSets.flatMap((d) => d.rows.map((r) => r.network)))].sort());
  assert.equal(ctxNets.size, 6 + 4 + 3);
  assert.equal(c.unlimitedRuns, 6 + 4);
  assert.equal(c.runs, 24 + 8 + 21);
  assert.equal(c.runsAgainstLargestLimit, 21);
  const val = await readDataset(join(repoRoot, 'data/nospin/validation/rows.csv.gz'));
  const others = new Set(val.rows.map((r) => r.network));
  assert.equal(others.size, 12);
  const h = await readDataset(join(repoRoot, 'data/heldout21/whole/rows.csv.gz'));
  const k = await readDataset(join(repoRoot, 'data/heldout21/knee/rows.csv.gz'));
  for (const r of [...h.rows, ...k.rows]) others.add(r.network);
  assert.equal(others.size, 12 + 7);
  assert.deepEqual(
    [...ctxNets].filter((n) => others.has(n)),
    [],
  );
  // the interval is calibrated on the same 66 runs (30 + 12 + 24), as memlat fit --context does
  assert.equal(bundle.calibration?.n, 30 + 12 + 24);
  assert.ok(bundle.calibration && bundle.calibration.coverage === 0.9);
  assert.equal(bundle.model.data.swapTerm, 'physical');
});

test(
  "default model: VGG-16's slowdown at half its largest working set matches the measured one within 15%",
  {
    todo: 'not met by the default under sleeping pools (2026-12-02, context of the six context networks and retired #20): predicted 3.82x against 5.23x measured (3.29x with the six alone), the swap under-predicted deep in the cliff as on held-out #20 and #21 at 0.5x; docs/MODELS.md',
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
