import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildPlan, measurementKey } from '../../src/profile/plan.js';
import { runProfile } from '../../src/profile/run.js';
import { openRowWriter, readDataset } from '../../src/dataset/files.js';
import { startWorker } from '../../src/executor/worker-client.js';
import { existsSync } from 'node:fs';
import { defaultCacheDir, layerHash } from '../../src/executor/weights.js';
import { layerWeightSpecs, weightFileBytes } from '../../src/network/onnx-layer.js';
import { withTempDir } from '../helpers/tmp.js';

/** Can this machine start a memory-limited worker? (root + a cgroup hierarchy, or systemd-run.) */
async function canLimit(cacheDir: string): Promise<string | null> {
  try {
    const w = await startWorker({ memoryLimitBytes: 1024 * 1024 * 1024, threads: 1, cacheDir });
    await w.close();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

test('real worker: a small profile aborted mid-run and resumed has every row once, with real timings', async (t) => {
  await withTempDir('memlat-realprof-', async (dir) => {
    const cacheDir = join(dir, 'cache');
    const why = await canLimit(cacheDir);
    if (why) {
      t.skip(`cannot start a memory-limited worker here: ${why}`);
      return;
    }
    // 5 small layers (<= 4 MiB), one level (f = 4) + no limit, 2 reps; idle as a real worker reports.
    const probe = await startWorker({ memoryLimitBytes: null, threads: 1, cacheDir });
    const idleBytes = probe.idleRssBytes;
    await probe.close();
    const plan = buildPlan({ seed: 2, layers: 5, reps: 2, levels: [4], idleBytes, maxTensorBytes: 4 * 1024 * 1024 });
    const out = join(dir, 'rows.csv');
    const ac = new AbortController();
    const w1 = await openRowWriter(out);
    let seen = 0;
    const s1 = await runProfile({
      plan,
      writer: w1,
      hardwareId: 'hw-real',
      startWorker,
      signal: ac.signal,
      workerOptions: { threads: 1, cacheDir },
      onProgress: () => {
        if (++seen === 3) ac.abort();
      },
    });
    await w1.close();
    assert.equal(s1.stoppedBy, 'signal');
    const mid = (await readDataset(out)).rows.length;
    assert.ok(mid >= 3 && mid < plan.jobs * 2, `${mid} rows after abort`);

    const w2 = await openRowWriter(out);
    const s2 = await runProfile({ plan, writer: w2, hardwareId: 'hw-real', startWorker, workerOptions: { threads: 1, cacheDir } });
    await w2.close();
    assert.equal(s2.stoppedBy, 'done');
    assert.equal(s2.skipped, mid);
    assert.equal(s2.crashed.length, 0);
    const { rows } = await readDataset(out);
    assert.equal(rows.length, plan.jobs * 2);
    const keys = new Set(rows.map((r) => measurementKey(r.network, r.memoryLimitBytes, r.rep)));
    assert.equal(keys.size, rows.length);
    // `memlat profile` deletes a chunk's weight files at <cache>/weights/<layerHash>.f32 when the
    // chunk is done: pin that path convention here (files of layers with weights must be there).
    for (const j of plan.groups.flatMap((g) => g.jobs)) {
      if (weightFileBytes(layerWeightSpecs(j.layer, j.inputShapes)) === 0) continue;
      assert.ok(existsSync(join(defaultCacheDir(cacheDir), 'weights', `${layerHash(j.layer, j.inputShapes)}.f32`)), `weight file of ${j.id}`);
    }
    for (const r of rows) {
      assert.ok(r.runMs > 0 && r.runMs < 10_000, `${r.network} runMs ${r.runMs}`);
      assert.ok(r.loadMs >= 0 && r.unloadMs !== null && r.unloadMs >= 0);
      assert.ok(!r.oom);
    }
  });
});
