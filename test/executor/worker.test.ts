// The worker process: a bad job is reported 'crashed' with its message (and the worker stays
// usable), a hung job times out, abort works, an OOM kill is reported as 'oom', a limit below the
// runtime's footprint is refused, and runNetwork's medians/totals are consistent with its raw passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../src/errors.js';
import type { Network } from '../../src/network/types.js';
import { resolveNetwork } from '../../src/network/shapes.js';
import { detectCgroups } from '../../src/host/limiter.js';
import { median, runNetwork } from '../../src/executor/run-network.js';
import { startWorker, type LayerJob, type LayerTiming } from '../../src/executor/worker-client.js';
import { tempDirForFile } from '../helpers/tmp.js';

const MiB = 2 ** 20;
const cacheDir = tempDirForFile('memlat-workertest-');
const cg = detectCgroups();
const cgSkip = process.getuid?.() !== 0 || cg.version !== 1 || !cg.writable ? 'needs root and a writable cgroup v1 memory controller' : false;
const relu: LayerJob = { id: 'relu', layer: { type: 'activation', fn: 'relu', name: 'r', inputs: ['x'] }, inputShapes: [[1, 64, 8, 8]] };
const big: LayerJob = { id: 'big', layer: { type: 'dense', name: 'oom_probe', inputs: ['x'], units: 8192 }, inputShapes: [[1, 8192]] };

test('crashed job reports its message; the worker stays usable; abort stops it', { timeout: 60_000 }, async () => {
  const w = await startWorker({ memoryLimitBytes: null, threads: 1, cacheDir });
  try {
    assert.ok(w.idleRssBytes > 20 * MiB && w.idleRssBytes < 1024 * MiB, `idle RSS ${w.idleRssBytes}`);
    const bad: LayerJob = { id: 'bad', layer: { type: 'opaque', name: 'roi', inputs: ['x'], op: 'RoiAlign', outputShape: [1, 4] }, inputShapes: [[1, 4]] };
    const o = await w.measure([bad], 2, () => assert.fail('no timing for a crashed job'));
    assert.equal(o.status, 'crashed');
    assert.ok(o.status === 'crashed' && o.jobId === 'bad' && /RoiAlign.*cannot be executed/.test(o.message), JSON.stringify(o));
    const ts: LayerTiming[] = [];
    assert.deepEqual(await w.measure([relu], 3, (t) => ts.push(t)), { status: 'done' });
    assert.deepEqual(
      ts.map((t) => [t.jobId, t.rep]),
      [
        ['relu', 0],
        ['relu', 1],
        ['relu', 2],
      ],
    );
    assert.ok(ts.every((t) => t.loadMs >= 0 && t.runMs > 0 && t.unloadMs > 0 && t.majorFaults >= 0));
    const ac = new AbortController();
    let n = 0;
    const o2 = await w.measure(
      [relu],
      1000,
      () => {
        if (++n === 2) ac.abort();
      },
      ac.signal,
    );
    assert.deepEqual(o2, { status: 'aborted' });
    assert.ok(n < 1000, `stopped after ${n} passes`);
  } finally {
    await w.close();
  }
});

test('a job exceeding its timeout is killed and reported', { timeout: 60_000 }, async () => {
  const w = await startWorker({ memoryLimitBytes: null, threads: 1, jobTimeoutMs: 50, cacheDir });
  try {
    const o = await w.measure([relu], 100_000, () => undefined);
    assert.equal(o.status, 'crashed');
    assert.ok(o.status === 'crashed' && /timed out after 50 ms/.test(o.message), JSON.stringify(o));
    assert.equal((await w.measure([relu], 1, () => undefined)).status, 'crashed', 'a dead worker says so');
  } finally {
    await w.close();
  }
});

test('OOM kill of the worker (memsw capped, so no swap escape) is reported as oom', { skip: cgSkip, timeout: 60_000 }, async () => {
  const probe = await startWorker({ memoryLimitBytes: null });
  const idle = probe.idleRssBytes;
  await probe.close();
  const limit = idle + 48 * MiB;
  const w = await startWorker({ memoryLimitBytes: limit, cacheDir, dropNewWeightFiles: true });
  try {
    // Cap memory+swap at the same value: the 256 MiB load cannot fit anywhere -> the OOM killer.
    writeFileSync(join(w.group?.path ?? '', 'memory.memsw.limit_in_bytes'), String(limit));
    const o = await w.measure([relu, big], 1, () => undefined);
    assert.deepEqual(o, { status: 'oom', jobId: 'big' });
    assert.ok((w.group?.counters().oomKills ?? 0) >= 1, 'memory.oom_control counted the kill');
    assert.deepEqual(readdirSync(join(cacheDir, 'weights')), [], 'dropNewWeightFiles removed the 256 MiB file it wrote');
  } finally {
    await w.close();
  }
});

test('a limit below the idle runtime footprint is refused with a UserError', { skip: cgSkip, timeout: 120_000 }, async () => {
  await assert.rejects(startWorker({ memoryLimitBytes: 24 * MiB }), (e: unknown) => e instanceof UserError && /idle footprint|while starting/.test(e.message));
});

test('runNetwork: per-layer medians within spreads, totals = sum of layer times per pass', { timeout: 120_000 }, async () => {
  const net: Network = {
    name: 'tiny',
    inputs: [{ name: 'x', shape: [1, 3, 16, 16] }],
    layers: [
      { type: 'conv2d', name: 'c1', inputs: ['x'], outChannels: 8, kernel: 3, padding: 1 },
      { type: 'activation', name: 'r1', inputs: ['c1'], fn: 'relu' },
      { type: 'pool', name: 'p1', inputs: ['r1'], mode: 'max', kernel: 2 },
      { type: 'flatten', name: 'f', inputs: ['p1'] },
      { type: 'dense', name: 'fc', inputs: ['f'], units: 10 },
      { type: 'softmax', name: 'prob', inputs: ['fc'] },
    ],
  };
  const passesSeen: number[] = [];
  const r = await runNetwork(resolveNetwork(net), { memoryLimitBytes: null, reps: 3, threads: 1, cacheDir, onPass: (i) => passesSeen.push(i) });
  assert.deepEqual(passesSeen, [0, 1, 2]);
  assert.deepEqual(
    r.layers.map((l) => [l.name, l.type]),
    net.layers.map((l) => [l.name, l.type]),
  );
  assert.equal(r.passes.length, 3);
  assert.ok(r.passes.every((p) => p.length === 6 && p.every((t, i) => t.jobId === String(i))));
  r.passes.forEach((p, i) => assert.ok(Math.abs((r.totalsMs[i] ?? 0) - p.reduce((a, t) => a + t.loadMs + t.runMs + t.unloadMs, 0)) < 1e-9));
  assert.equal(r.totalMs, median(r.totalsMs));
  for (const l of r.layers) {
    assert.ok(l.loadSpreadMs[0] <= l.loadMs && l.loadMs <= l.loadSpreadMs[1]);
    assert.ok(l.runSpreadMs[0] <= l.runMs && l.runMs <= l.runSpreadMs[1]);
  }
  assert.equal(r.layers[4]?.weightBytes, (8 * 8 * 8 * 10 + 10) * 4, 'fc weights: 512 x 10 + 10 floats');
  assert.equal(r.layers[1]?.weightBytes, 0);
});

test('runNetwork refuses bad reps and missing swap with UserErrors', async () => {
  const net = resolveNetwork({
    name: 'big1',
    inputs: [{ name: 'x', shape: [1, 8192] }],
    layers: [{ type: 'dense', name: 'fc', inputs: ['x'], units: 262144 }], // 8 GiB of weights (never written: refused first)
  });
  await assert.rejects(runNetwork(net, { memoryLimitBytes: null, reps: 0 }), /^UserError: reps 0: must be a positive integer, e\.g\. reps 5$/);
  await assert.rejects(runNetwork(net, { memoryLimitBytes: 256 * MiB, reps: 1 }), (e: unknown) => e instanceof UserError && /setup-swap/.test(e.message));
});

test(
  'MEMLAT_ORT_SPINNING: 1 runs layers with spinning threads (the rule before 2026-12-02); anything but 0 or 1 is refused by name before a worker starts',
  { timeout: 60_000 },
  async () => {
    const was = process.env.MEMLAT_ORT_SPINNING;
    try {
      process.env.MEMLAT_ORT_SPINNING = 'off';
      await assert.rejects(
        startWorker({ memoryLimitBytes: null, threads: 2, cacheDir }),
        (e: unknown) => e instanceof UserError && /MEMLAT_ORT_SPINNING=off: must be 0 .* or 1 /.test(e.message),
      );
      process.env.MEMLAT_ORT_SPINNING = '1';
      const w = await startWorker({ memoryLimitBytes: null, threads: 2, cacheDir });
      try {
        const ts: LayerTiming[] = [];
        assert.deepEqual(await w.measure([relu], 3, (t) => ts.push(t)), { status: 'done' });
        assert.equal(ts.length, 3);
        assert.ok(
          ts.every((t) => t.runMs > 0 && t.unloadMs > 0),
          JSON.stringify(ts.map((t) => t.runMs)),
        );
      } finally {
        await w.close();
      }
    } finally {
      if (was === undefined) delete process.env.MEMLAT_ORT_SPINNING;
      else process.env.MEMLAT_ORT_SPINNING = was;
    }
  },
);
