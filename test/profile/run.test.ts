import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { MeasurementRow } from '../../src/dataset/schema.js';
import { buildPlan, measurementKey, type ProfilePlan } from '../../src/profile/plan.js';
import { runProfile } from '../../src/profile/run.js';
import { openRowWriter, readDataset } from '../../src/dataset/files.js';
import { fakeStartWorker, fakeTiming, type FakeWorld } from '../helpers/fake-worker.js';
import { withTempDir } from '../helpers/tmp.js';

const MiB = 1024 * 1024;
const plan: ProfilePlan = buildPlan({ seed: 4, layers: 12, reps: 3, idleBytes: 60 * MiB, chunkSize: 6 });
const allJobs = plan.groups.flatMap((g) => g.jobs);
// One big job at its tightest level OOMs, one job crashes.
const tight = plan.groups.filter((g) => g.memoryLimitBytes !== null).at(-1)!.jobs[0]!;
const crashy = plan.groups[0]!.jobs[3]!;

function keys(rows: MeasurementRow[]): string[] {
  return rows.map((r) => measurementKey(r.network, r.memoryLimitBytes, r.rep)).sort();
}

/** What a complete run must contain: every (job, rep) with the fake's timings, one OOM row for `tight`. */
function expectedRows(world: FakeWorld): Map<string, { loadMs: number; oom: boolean }> {
  const m = new Map<string, { loadMs: number; oom: boolean }>();
  for (const j of allJobs) {
    if (world.crashJobs?.has(j.id)) continue;
    if (world.oomJobs?.has(j.id)) {
      m.set(measurementKey(j.sampleId, j.memoryLimitBytes, 0), { loadMs: NaN, oom: true });
      continue;
    }
    for (let r = 0; r < 3; r++) m.set(measurementKey(j.sampleId, j.memoryLimitBytes, r), { loadMs: fakeTiming(j.id, r).loadMs, oom: false });
  }
  return m;
}

function assertComplete(rows: MeasurementRow[], world: FakeWorld): void {
  const exp = expectedRows(world);
  const ks = keys(rows);
  assert.equal(new Set(ks).size, ks.length, 'no duplicate (sample, limit, rep)');
  assert.deepEqual(ks, [...exp.keys()].sort());
  for (const r of rows) {
    const e = exp.get(measurementKey(r.network, r.memoryLimitBytes, r.rep))!;
    assert.equal(r.oom, e.oom);
    if (!e.oom) assert.equal(r.loadMs, e.loadMs);
  }
}

test('a full run writes every (job, rep), records OOM and moves on after OOM and crash', () =>
  withTempDir('memlat-prof-', async (dir) => {
    const world: FakeWorld = { oomJobs: new Set([tight.id]), crashJobs: new Set([crashy.id]), started: [] };
    const out = join(dir, 'rows.csv');
    const writer = await openRowWriter(out);
    const events: string[] = [];
    const s = await runProfile({ plan, writer, hardwareId: 'hw-fake', startWorker: fakeStartWorker(world), onEvent: (m) => events.push(m) });
    await writer.close();
    const { rows } = await readDataset(out);
    assertComplete(rows, world);
    assert.equal(s.stoppedBy, 'done');
    assert.equal(s.oom, 1);
    assert.deepEqual(
      s.crashed.map((c) => c.jobId),
      [crashy.id],
    );
    assert.equal(s.measured, rows.length);
    assert.equal(s.workersStarted, plan.groups.length + 2); // one per group + one after OOM + one after crash
    assert.ok(
      world.started.every((w) => w.closed),
      'every worker closed',
    );
    assert.equal(events.length, 2);
    const oomRow = rows.find((r) => r.oom)!;
    assert.equal(oomRow.network, tight.sampleId);
    assert.ok(Number.isNaN(oomRow.loadMs));
    // The rows carry the plan's description and limit.
    const r0 = rows.find((r) => r.network === allJobs[0]!.sampleId && r.memoryLimitBytes === allJobs[0]!.memoryLimitBytes)!;
    assert.deepEqual(r0.layer, allJobs[0]!.layer);
    assert.equal(r0.hardwareId, 'hw-fake');
  }));

test("unlimitedOrder 'network': unlimited groups pass-major (every job's rep r before any rep r + 1), limited groups back to back; every row written", () =>
  withTempDir('memlat-prof-', async (dir) => {
    const world: FakeWorld = { started: [], passes: [] };
    const out = join(dir, 'rows.csv');
    const writer = await openRowWriter(out);
    const s = await runProfile({ plan, writer, hardwareId: 'hw-fake', startWorker: fakeStartWorker(world), unlimitedOrder: 'network' });
    await writer.close();
    assertComplete((await readDataset(out)).rows, world);
    assert.equal(s.stoppedBy, 'done');
    const passes = world.passes!;
    assert.deepEqual(new Set(passes.filter((p) => p.limit === null).map((p) => p.order)), new Set(['pass']));
    assert.deepEqual(new Set(passes.filter((p) => p.limit !== null).map((p) => p.order)), new Set(['job']));
    for (const g of plan.groups) {
      const reps = passes.filter((p) => g.jobs.some((j) => j.id === p.jobId) && p.limit === g.memoryLimitBytes).map((p) => p.rep);
      assert.equal(reps.length, g.jobs.length * 3);
      // pass-major: reps 0,0,..,1,1,..,2,2,..; back to back: 0,1,2,0,1,2,...
      const want = g.memoryLimitBytes === null ? [0, 1, 2].flatMap((r) => g.jobs.map(() => r)) : g.jobs.flatMap(() => [0, 1, 2]);
      assert.deepEqual(reps, want, `group at ${g.memoryLimitBytes ?? 'none'}`);
    }
  }));

test("limitedOrder 'network': limited groups pass-major too; an OOM or crash mid-pass loses no other job's reps in the same run", () =>
  withTempDir('memlat-prof-', async (dir) => {
    // the failing jobs must not be first in their groups, or there is no job before them to lose
    assert.ok(plan.groups[0]!.jobs.indexOf(crashy) > 0);
    const tightGroup = plan.groups.find((g) => g.jobs.includes(tight))!;
    const oomJob = tightGroup.jobs.at(-1)!;
    assert.ok(tightGroup.memoryLimitBytes !== null && tightGroup.jobs.length >= 2, 'a limited group of two or more jobs');
    const world: FakeWorld = { oomJobs: new Set([oomJob.id]), crashJobs: new Set([crashy.id]), started: [], passes: [] };
    const out = join(dir, 'rows.csv');
    const writer = await openRowWriter(out);
    const s = await runProfile({
      plan,
      writer,
      hardwareId: 'hw-fake',
      startWorker: fakeStartWorker(world),
      unlimitedOrder: 'network',
      limitedOrder: 'network',
    });
    await writer.close();
    assert.equal(s.stoppedBy, 'done');
    // complete in one run: the jobs measured before the failed one in its pass get their later reps
    assertComplete((await readDataset(out)).rows, world);
    const passes = world.passes!;
    assert.deepEqual(new Set(passes.map((p) => p.order)), new Set(['pass']));
    const first = passes
      .filter((p) => p.limit === tightGroup.memoryLimitBytes && tightGroup.jobs.some((j) => j.id === p.jobId))
      .slice(0, tightGroup.jobs.length - 1);
    assert.deepEqual(
      first.map((p) => p.rep),
      tightGroup.jobs.slice(0, -1).map(() => 0),
      'rep 0 of every job before the OOM first',
    );
  }));

test('abort mid-run then resume: nothing lost, nothing duplicated, crashed job retried', () =>
  withTempDir('memlat-prof-', async (dir) => {
    const out = join(dir, 'rows.csv');
    const world: FakeWorld = { oomJobs: new Set([tight.id]), crashJobs: new Set([crashy.id]), started: [] };
    const ac = new AbortController();
    const w1 = await openRowWriter(out);
    let n = 0;
    const s1 = await runProfile({
      plan,
      writer: w1,
      hardwareId: 'hw-fake',
      startWorker: fakeStartWorker(world),
      signal: ac.signal,
      onProgress: () => {
        if (++n === 40) ac.abort();
      },
    });
    await w1.close();
    assert.equal(s1.stoppedBy, 'signal');
    assert.ok(
      world.started.every((w) => w.closed),
      'worker closed on abort',
    );
    const mid = (await readDataset(out)).rows.length;
    assert.ok(mid >= 40 && mid < 60, `stopped promptly: ${mid} rows`);
    // Resume, and this time the crashing job works.
    world.crashJobs = new Set();
    const w2 = await openRowWriter(out);
    const s2 = await runProfile({ plan, writer: w2, hardwareId: 'hw-fake', startWorker: fakeStartWorker(world) });
    await w2.close();
    assert.equal(s2.skipped, mid);
    assert.equal(s2.stoppedBy, 'done');
    assertComplete((await readDataset(out)).rows, world);
    // A third run has nothing to do and starts no worker.
    const before = world.started.length;
    const w3 = await openRowWriter(out);
    const s3 = await runProfile({ plan, writer: w3, hardwareId: 'hw-fake', startWorker: fakeStartWorker(world) });
    await w3.close();
    assert.equal(s3.measured, 0);
    assert.equal(world.started.length, before);
  }));

test('onChunkDone is called once per chunk with all of its jobs', () =>
  withTempDir('memlat-prof-', async (dir) => {
    const world: FakeWorld = { started: [] };
    const w = await openRowWriter(join(dir, 'rows.csv'));
    const calls: [number, string[]][] = [];
    await runProfile({
      plan,
      writer: w,
      hardwareId: 'hw-fake',
      startWorker: fakeStartWorker(world),
      onChunkDone: (c, jobs) => {
        calls.push([c, jobs.map((j) => j.id)]);
        return Promise.resolve();
      },
    });
    await w.close();
    assert.deepEqual(
      calls.map((c) => c[0]),
      [0, 1],
    );
    for (const [c, ids] of calls) {
      assert.deepEqual(
        ids.sort(),
        plan.groups
          .filter((g) => g.chunk === c)
          .flatMap((g) => g.jobs.map((j) => j.id))
          .sort(),
      );
    }
  }));

test('a worker that dies while starting: retried once; after Ctrl-C it is a clean stop', () =>
  withTempDir('memlat-prof-', async (dir) => {
    const world: FakeWorld = { failStarts: 1, started: [] };
    const w = await openRowWriter(join(dir, 'rows.csv'));
    const s = await runProfile({ plan, writer: w, hardwareId: 'hw-fake', startWorker: fakeStartWorker(world) });
    assert.equal(s.stoppedBy, 'done');
    assert.equal(s.crashed.length, 1);
    assert.match(s.crashed[0]!.message, /worker did not start/);
    assert.equal(s.measured, allJobs.length * 3);
    await w.close();

    // Ctrl-C arrives while the 3rd worker starts (the signal kills it too): stop, do not throw.
    const ac = new AbortController();
    let starts = 0;
    const world2: FakeWorld = {
      started: [],
      beforeStart: () => {
        if (++starts === 3) {
          ac.abort();
          world2.failStarts = 1;
        }
      },
    };
    const w2 = await openRowWriter(join(dir, 'rows2.csv'));
    const s2 = await runProfile({ plan, writer: w2, hardwareId: 'hw-fake', startWorker: fakeStartWorker(world2), signal: ac.signal });
    await w2.close();
    assert.equal(s2.stoppedBy, 'signal');
    assert.equal(s2.crashed.length, 0);
    assert.equal(s2.workersStarted, 2);
  }));

test('a time budget stops the run between passes', () =>
  withTempDir('memlat-prof-', async (dir) => {
    const world: FakeWorld = { passDelayMs: 10, started: [] };
    const w = await openRowWriter(join(dir, 'rows.csv'));
    const s = await runProfile({ plan, writer: w, hardwareId: 'hw-fake', startWorker: fakeStartWorker(world), budgetMs: 120 });
    await w.close();
    assert.equal(s.stoppedBy, 'budget');
    // Every fake pass waits >= 10 ms, so a run stopped promptly at 120 ms has at most ~12 passes (a
    // count, not a wall-clock threshold: a slower machine measures fewer, never more).
    assert.ok(s.measured <= 15, `${s.measured} measured within a 120 ms budget of >= 10 ms passes`);
    assert.ok(s.measured >= 3 && s.measured < allJobs.length * 3, `${s.measured} measured`);
    assert.equal((await readDataset(join(dir, 'rows.csv'))).rows.length, s.measured);
  }));
