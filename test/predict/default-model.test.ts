// The shipped default model (data/models/default.json, since 2026-12-03: host D's profile with every
// pass measured pass-major, data/hostD-cold2) against the real measurements shipped with it: the
// context runs it was fitted on (data/hostD/context) and held-out #27's knee sweeps, measured on its
// machine and fitted on by nothing (#27 chose it among two candidates; data/heldout27/PLAN.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readModelBundle } from '../../src/predict/model-bundle.js';
import { readDataset } from '../../src/dataset/files.js';
import { aggregateRows } from '../../src/models/observations.js';
import { FeSwapModel } from '../../src/models/fe-swap.js';
import { predictRun, validationRuns } from '../../src/models/network-runs.js';
import { resolveNetwork } from '../../src/network/shapes.js';
import { zooNetwork } from '../../src/network/zoo/index.js';
import { predictNetwork, predictTotalAt, prepareNetwork } from '../../src/predict/predict.js';
import { repoRoot } from '../helpers/paths.js';

const bundle = readModelBundle('default');
const MiB = 2 ** 20;

test("default model: fitted on host D's every-pass-cold profile, its context on host D's six context networks, none of them a network of held-out #27 or #28", async () => {
  assert.ok(bundle.model instanceof FeSwapModel);
  assert.equal(bundle.bundle.provenance?.data, 'data/hostD-cold2/reference/rows.csv.gz');
  const plan = JSON.parse(readFileSync(join(repoRoot, 'data/hostD-cold2/reference/rows.plan.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(plan.unlimitedOrder, 'network');
  assert.equal(plan.limitedOrder, 'network');
  const profile = await readDataset(join(repoRoot, 'data/hostD-cold2/reference/rows.csv.gz'));
  assert.equal(bundle.hardware.id, profile.hardware[0]!.id);
  const c = bundle.model.data.context;
  const ctx = await readDataset(join(repoRoot, 'data/hostD/context/rows.csv.gz'));
  const runs = new Set(ctx.rows.map((r) => `${r.network}|${r.memoryLimitBytes ?? 'none'}`));
  const unlimited = [...runs].filter((k) => k.endsWith('|none'));
  assert.deepEqual([...c.networks].sort(), [...new Set(ctx.rows.map((r) => r.network))].sort());
  assert.equal(c.unlimitedRuns, unlimited.length);
  assert.equal(c.runs, runs.size - unlimited.length);
  // the interval is calibrated on every context run, as memlat fit --context does
  assert.equal(bundle.calibration?.n, runs.size);
  assert.ok(bundle.calibration && bundle.calibration.coverage === 0.9);
  assert.equal(bundle.model.data.swapTerm, 'physical');
  const scored = new Set<string>();
  for (const set of ['heldout27', 'heldout28'])
    for (const part of ['whole', 'knee']) {
      for (const r of (await readDataset(join(repoRoot, `data/${set}/${part}/rows.csv.gz`))).rows) scored.add(r.network);
    }
  assert.equal(scored.size, 12);
  assert.deepEqual(
    c.networks.filter((n) => scored.has(n)),
    [],
  );
});

test("default model: VGG-16-BN's slowdown deep in its cliff (held-out #27, 0.6x against 1.3x of the largest working set, on the model's machine) matches the measured one within 15%", async () => {
  const ds = await readDataset(join(repoRoot, 'data/heldout27/knee/rows.csv.gz'));
  const hw = new Map(ds.hardware.map((h) => [h.id, h]));
  const runs = validationRuns(ds.rows, aggregateRows(ds.rows, hw), [0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.3]).filter((r) => r.network === 'vgg16_bn_oi9k');
  const at = (level: string) => runs.find((r) => r.level === level)!;
  const [tight, roomy] = [at('0.6x'), at('1.3x')];
  // fc6 (392 MiB) at 322 MiB swaps; at 597 MiB nothing does
  assert.ok(tight.limit! < 330 * MiB && roomy.limit! > 590 * MiB);
  const measured = tight.medianMs / roomy.medianMs;
  const predicted = predictRun(bundle.model, tight) / predictRun(bundle.model, roomy);
  assert.ok(measured > 1.5, `measured slowdown ${measured}`);
  assert.ok(Math.abs(predicted / measured - 1) <= 0.15, `predicted slowdown ${predicted} vs measured ${measured}`);
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
