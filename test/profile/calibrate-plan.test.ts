/** memlat calibrate's plan (src/profile/calibrate-plan.ts): which layers, in which order, what fits a budget. Pure. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildCalibrationPlan,
  calibrationSwapBytes,
  CALIBRATION_LAYER_NETWORKS,
  CALIBRATION_RUN_NETWORKS,
  ESTIMATE,
  fitCalibrationPlan,
  MIN_CALIBRATE_BUDGET_MS,
  stepEstimateMs,
  toProfilePlan,
  type CalibrationJob,
  type CalibrationStep,
} from '../../src/profile/calibrate-plan.js';
import { FLOOR_ABOVE_IDLE_BYTES, measurementKey } from '../../src/profile/plan.js';
import { resolveNetwork } from '../../src/network/shapes.js';
import { join } from 'node:path';
import { openRowWriter, readDataset } from '../../src/dataset/files.js';
import { runProfile } from '../../src/profile/run.js';
import { fakeStartWorker } from '../helpers/fake-worker.js';
import { zooNetwork } from '../../src/network/zoo/index.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

const MiB = 2 ** 20;
const IDLE = 90 * MiB;
const plan = buildCalibrationPlan({ idleBytes: IDLE, threads: 2 });
const layerSteps = plan.steps.filter((s): s is Extract<CalibrationStep, { kind: 'layers' }> => s.kind === 'layers');
const jobs: CalibrationJob[] = layerSteps.flatMap((s) => s.jobs);

test('deterministic: the same options give the same plan, job for job', () => {
  const again = buildCalibrationPlan({ idleBytes: IDLE, threads: 2 });
  const ids = (p: typeof plan): string[] =>
    p.steps.map((s) => (s.kind === 'layers' ? s.jobs.map((j) => j.id).join(',') : `${s.network}@${s.memoryLimitBytes}`));
  assert.deepEqual(ids(again), ids(plan));
  assert.equal(plan.reps, 3);
});

test('the first steps give a load, a run, a tiny layer and one swap cell', () => {
  const s0 = plan.steps[0]!;
  assert.equal(s0.kind, 'layers');
  assert.equal(s0.memoryLimitBytes, null);
  if (s0.kind !== 'layers') return;
  const roles = s0.jobs.map((j) => j.role);
  assert.deepEqual(roles, ['load', 'run', 'overhead']);
  // the load layer: AlexNet's second 4096x4096 dense layer, 64 MiB of weights (+ 16 KiB of bias)
  const load = s0.jobs[0]!;
  assert.equal(load.network, 'alexnet');
  assert.equal(load.layer.name, 'classifier.4');
  assert.ok(load.workingSetBytes > 64 * MiB && load.workingSetBytes < 65 * MiB, String(load.workingSetBytes));
  // the run layer is a convolution; the tiny layer's working set is a few KiB
  assert.equal(s0.jobs[1]!.layerType, 'conv2d');
  assert.ok(s0.jobs[2]!.workingSetBytes < 64 * 1024, String(s0.jobs[2]!.workingSetBytes));
  // step 1: the load layer at a limit below its working set + idle, above the floor
  const s1 = plan.steps[1]!;
  assert.equal(s1.kind, 'layers');
  if (s1.kind !== 'layers') return;
  assert.equal(s1.jobs.length, 1);
  assert.equal(s1.jobs[0]!.role, 'swap');
  assert.equal(s1.jobs[0]!.layer.name, 'classifier.4');
  const m = s1.memoryLimitBytes!;
  assert.ok(m < IDLE + load.workingSetBytes && m >= IDLE + FLOOR_ABOVE_IDLE_BYTES, String(m));
  // f = 0.6 of 64 MiB is ~38 MiB above idle, snapped to the ~4.4% grid
  assert.ok(Math.abs(m - (IDLE + 0.6 * load.workingSetBytes)) < 0.05 * m, String(m));
});

test('every job is a layer of a layer network, once per (network, layer, limit); whole runs come last on other networks', () => {
  const layerNets = CALIBRATION_LAYER_NETWORKS.map((n) => resolveNetwork(zooNetwork(n)).name);
  const runNets = CALIBRATION_RUN_NETWORKS.map((n) => resolveNetwork(zooNetwork(n)).name);
  const keys = jobs.map((j) => measurementKey(j.network, j.memoryLimitBytes, 0, j.layerIndex));
  assert.equal(new Set(keys).size, keys.length);
  for (const j of jobs) {
    assert.ok(layerNets.includes(j.network), j.network);
    assert.equal(j.sampleId, j.network);
    assert.equal(j.layerIndex, j.resolved.index);
  }
  // whole runs come after the hand-chosen layer steps (load, run, overhead, mixed, swap), then the tail
  const firstRun = plan.steps.findIndex((s) => s.kind === 'network');
  assert.ok(firstRun >= 6, String(firstRun));
  const before = new Set(plan.steps.slice(0, firstRun).flatMap((s) => (s.kind === 'layers' ? s.jobs.map((j) => j.role) : [])));
  for (const r of ['load', 'run', 'overhead', 'mixed', 'swap']) assert.ok(before.has(r as CalibrationJob['role']), r);
  // the tail measures every distinct layer configuration of the three networks once without a limit
  const config = (l: { layer: object; inputShapes: number[][] }): string => {
    const { name: _n, inputs: _i, ...rest } = l.layer as Record<string, unknown>;
    return JSON.stringify([rest, l.inputShapes]);
  };
  const unlimitedConfigs = new Set(jobs.filter((j) => j.memoryLimitBytes === null && j.network === 'alexnet').map(config));
  const alex = resolveNetwork(zooNetwork('alexnet'));
  // (layers of the same configuration, e.g. the two ReLUs after the 4096-wide dense layers, count once)
  assert.ok(
    alex.layers.every((l) => unlimitedConfigs.has(config(l))),
    'every alexnet configuration',
  );
  assert.equal(unlimitedConfigs.size, new Set(alex.layers.map(config)).size);
  for (const s of plan.steps.filter((x) => x.kind === 'network')) {
    if (s.kind !== 'network') continue;
    assert.ok(runNets.includes(s.network), s.network);
    assert.ok(!layerNets.includes(s.network), s.network);
  }
  // roles covered: load, run, overhead, mixed and swap (at least two swap cells)
  const roles = new Set(jobs.map((j) => j.role));
  for (const r of ['load', 'run', 'overhead', 'mixed', 'swap']) assert.ok(roles.has(r as CalibrationJob['role']), r);
  assert.ok(jobs.filter((j) => j.role === 'swap').length >= 3);
  // every limited job swaps: its limit is below idle + its working set
  for (const j of jobs) if (j.memoryLimitBytes !== null) assert.ok(j.memoryLimitBytes < IDLE + j.workingSetBytes, j.id);
  // swap needed by the first two steps: idle + 64 MiB - the 0.6 limit, ~26 MiB
  const need = calibrationSwapBytes(plan, plan.steps.slice(0, 2));
  assert.ok(need > 20 * MiB && need < 32 * MiB, String(need));
});

test('the estimate of a step: worker start + reps x (pass + harness) + weight files, times the safety factor', () => {
  assert.deepEqual({ ...ESTIMATE }, { workerStartMs: 1500, passOverheadMs: 40, weightWriteBytesPerSec: 200 * MiB, safety: 1.3 });
  const ctx = { budgetMs: 1e9, passMs: () => 10, weightsCached: () => true };
  // step 0: 3 jobs x 3 reps x (10 + 40) ms + 1500 ms, x 1.3 = 2535 ms
  assert.ok(Math.abs(stepEstimateMs(plan.steps[0]!, 3, ctx) - 2535) < 1e-9);
  // without cached weights the 64 MiB file is written at 200 MiB/s: + 320 ms (x 1.3)
  const uncached = stepEstimateMs(plan.steps[0]!, 3, {
    ...ctx,
    weightsCached: () => false,
    weightBytes: (rl) => (rl.layer.name === 'classifier.4' && rl.inputShapes[0]![1] === 4096 ? 64 * MiB : 0),
  });
  assert.ok(Math.abs(uncached - 1.3 * (1950 + 320)) < 1e-6, String(uncached));
});

test('budget fitting keeps the plan order, cuts a step to the jobs that fit, and skips what is measured', () => {
  const ctx = { passMs: () => 10, weightsCached: () => true };
  const s0 = 2535; // see above
  const s1 = 1.3 * (1500 + 3 * 50); // one swap job: 2145 ms
  const only0 = fitCalibrationPlan(plan, { ...ctx, budgetMs: s0 + 1 });
  assert.deepEqual(
    only0.steps.map((s) => s.step),
    [0],
  );
  assert.ok(Math.abs(only0.estimatedMs - s0) < 1e-9);
  const two = fitCalibrationPlan(plan, { ...ctx, budgetMs: s0 + s1 + 1 });
  assert.deepEqual(
    two.steps.map((s) => s.step),
    [0, 1],
  );
  // less than step 0 but room for one of its jobs: its first job (the load layer) alone
  const cut = fitCalibrationPlan(plan, { ...ctx, budgetMs: 2200 });
  assert.equal(cut.steps.length, 1);
  const c0 = cut.steps[0]!;
  assert.ok(c0.kind === 'layers' && c0.jobs.length === 1 && c0.jobs[0]!.role === 'load');
  assert.ok(cut.leftOut >= 1);
  // nothing fits
  assert.equal(fitCalibrationPlan(plan, { ...ctx, budgetMs: 1000 }).steps.length, 0);
  // a generous budget takes every step, whole-network runs included, in order
  const all = fitCalibrationPlan(plan, { ...ctx, budgetMs: 1e9 });
  assert.deepEqual(
    all.steps.map((s) => s.step),
    plan.steps.map((s) => s.step),
  );
  assert.equal(all.leftOut, 0);
  // a resumed run: step 0 measured in full and step 1 half: step 0 is dropped, step 1 costs only its missing reps
  const step0 = new Set((plan.steps[0] as Extract<CalibrationStep, { kind: 'layers' }>).jobs.map((j) => j.id));
  const resumed = fitCalibrationPlan(plan, {
    ...ctx,
    budgetMs: 1e9,
    missingReps: (j) =>
      step0.has(j.id) ? 0 : j.memoryLimitBytes !== null && j.role === 'swap' && j.levelFactors?.[0] === 0.6 && j.layer.name === 'classifier.4' ? 1 : 3,
    networkDone: (s) => s.memoryLimitBytes === null,
  });
  assert.equal(resumed.steps[0]!.step, 1);
  assert.ok(Math.abs(resumed.steps[0]!.estimatedMs - 1.3 * (1500 + 50)) < 1e-9);
  assert.equal(resumed.done, 1 + CALIBRATION_RUN_NETWORKS.length);
  // the profile plan runProfile executes: one group per chosen layer step, in order, with the plan's reps
  const pp = toProfilePlan(plan, two.steps);
  assert.deepEqual(
    pp.groups.map((g) => g.memoryLimitBytes),
    [null, plan.steps[1]!.memoryLimitBytes],
  );
  assert.equal(pp.jobs, 4);
  assert.equal(pp.options.reps, 3);
});

test('the least budget is 20 s', () => {
  assert.equal(MIN_CALIBRATE_BUDGET_MS, 20_000);
});

test('runProfile measures calibrate jobs as layers of their networks (layerIndex kept) and resumes by (network, layer, limit, rep)', async () => {
  const dir = makeTempDir('memlat-calplan-');
  try {
    const ctx = { passMs: () => 10, weightsCached: () => true };
    const first = fitCalibrationPlan(plan, { ...ctx, budgetMs: 2535 + 2145 + 1 }); // steps 0 and 1
    const out = join(dir, 'rows.csv');
    const w1 = await openRowWriter(out);
    const s1 = await runProfile({
      plan: toProfilePlan(plan, first.steps),
      writer: w1,
      hardwareId: 'hw',
      startWorker: fakeStartWorker({ started: [] }),
      source: 'memlat-calibrate',
    });
    await w1.close();
    assert.equal(s1.measured, 4 * 3);
    const rows1 = (await readDataset(out)).rows;
    const fc7 = rows1.filter((r) => r.layerName === 'classifier.4');
    assert.equal(fc7.length, 6); // unlimited and at the 0.6 limit, 3 reps each
    assert.ok(
      fc7.every(
        (r) =>
          r.network === 'alexnet' && r.layerIndex === (plan.steps[0] as Extract<CalibrationStep, { kind: 'layers' }>).jobs[0]!.layerIndex && r.layerIndex > 0,
      ),
    );
    // a resumed, larger run: what is in the file is skipped, nothing is written twice
    const w2 = await openRowWriter(out);
    const all = fitCalibrationPlan(plan, { ...ctx, budgetMs: 1e9 });
    const s2 = await runProfile({
      plan: toProfilePlan(plan, all.steps),
      writer: w2,
      hardwareId: 'hw',
      startWorker: fakeStartWorker({ started: [] }),
      source: 'memlat-calibrate',
    });
    await w2.close();
    assert.equal(s2.skipped, 12);
    const rows2 = (await readDataset(out)).rows;
    const k = rows2.map((r) => measurementKey(r.network, r.memoryLimitBytes, r.rep, r.layerIndex));
    assert.equal(new Set(k).size, k.length);
    assert.equal(rows2.length, jobs.length * 3);
  } finally {
    removeDir(dir);
  }
});
