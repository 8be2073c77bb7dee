// A real OOM kill through `memlat validate-runs` (issue 14, row 11a end to end). Real cgroups: run
// it under `flock /tmp/memlat-realtests.lock` beside other real-cgroup tests; it skips (with the
// reason) where this process cannot create memory cgroups.
//
// With swap on, the kernel swaps rather than kills, so the kill is provoked deterministically: the
// test makes a parent memory group capped at the worker's idle footprint + 48 MiB for memory AND
// memory+swap (v1 memory.limit_in_bytes = memory.memsw.limit_in_bytes; v2 memory.max, memory.swap.max
// = 0) and points MEMLAT_CGROUP_PARENT at it. validate-runs creates its memlat-<pid>-<n> group for
// the level (M, hundreds of MiB, so its own swap check passes with no swap at all) inside it; the
// layer's 128 MiB load exceeds the parent's cap and the kernel OOM-kills the worker. Takes ~3 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureCli } from '../helpers/cli.js';
import { withTempDir } from '../helpers/tmp.js';
import { readDataset } from '../../src/dataset/files.js';
import { detectCgroups } from '../../src/host/limiter.js';
import { startWorker } from '../../src/executor/worker-client.js';
import { resolveNetwork } from '../../src/network/shapes.js';
import type { Network } from '../../src/network/types.js';
import { validationLevels, validationPairDone } from '../../src/profile/validation.js';

const MiB = 2 ** 20;

/** One dense layer 4096 -> 8192: 128 MiB (+ 32 KiB bias) of weights read by the timed load. */
const net: Network = {
  name: 'oomnet',
  inputs: [{ name: 'x', shape: [1, 4096] }],
  layers: [
    { type: 'activation', name: 'r0', inputs: ['x'], fn: 'relu' },
    { type: 'dense', name: 'fc', inputs: ['r0'], units: 8192 },
  ],
};

/** Why this machine cannot host the capped parent group (null: it can). */
function cannot(): string | null {
  if (process.getuid?.() !== 0) return 'not root: cannot create memory cgroups';
  const cg = detectCgroups();
  if (cg.version === null || !cg.parentDir) return 'no cgroup v1 or v2 memory controller';
  if (!cg.writable) return `${cg.parentDir} is not writable`;
  if (cg.version === 1 && !existsSync(join(cg.parentDir, 'memory.memsw.limit_in_bytes')))
    return 'cgroup v1 without memory.memsw (swapaccount=0): swap cannot be capped, so the kill is not certain';
  if (cg.version === 2 && !readFileSync(join(cg.parentDir, 'cgroup.subtree_control'), 'utf8').split(/\s+/).includes('memory'))
    return `cgroup v2 without the memory controller enabled in ${cg.parentDir}`;
  return null;
}

/** Make `dir` a memory group capped at `bytes` with no swap; returns how to remove it. */
function cappedParent(dir: string, version: 1 | 2, bytes: number): () => void {
  mkdirSync(dir);
  if (version === 1) {
    writeFileSync(join(dir, 'memory.limit_in_bytes'), String(bytes));
    writeFileSync(join(dir, 'memory.memsw.limit_in_bytes'), String(bytes));
  } else {
    writeFileSync(join(dir, 'memory.max'), String(bytes));
    if (existsSync(join(dir, 'memory.swap.max'))) writeFileSync(join(dir, 'memory.swap.max'), '0');
    writeFileSync(join(dir, 'cgroup.subtree_control'), '+memory');
  }
  return () => {
    for (let i = 0; i < 40 && existsSync(dir); i++) {
      try {
        rmdirSync(dir);
      } catch {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      }
    }
  };
}

const memlatGroups = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((n) => new RegExp(`^memlat-${process.pid}-\\d+$`).test(n)) : []);

test('validate-runs: a level the kernel OOM-kills is stored as an OOM row, a resume does not retry it, nothing is left', { timeout: 120_000 }, async (t) => {
  const why = cannot();
  if (why) {
    t.skip(why);
    return;
  }
  const cg = detectCgroups();
  await withTempDir('memlat-valoom-', async (dir) => {
    const cacheDir = join(dir, 'cache');
    const probe = await startWorker({ memoryLimitBytes: null, threads: 1, cacheDir });
    const idle = probe.idleRssBytes;
    await probe.close();

    const netPath = join(dir, 'oomnet.json');
    writeFileSync(netPath, JSON.stringify(net));
    const out = join(dir, 'val');
    mkdirSync(out);
    // The side file a resume would find: no 9 s hardware measurement. idleBytes 110 MiB, f = 4:
    // M = 110 MiB + 4 x the largest working set (~128 MiB), ~630 MiB, well above what the layer needs
    // (so the run is not refused for lack of swap), far above the parent's cap.
    writeFileSync(join(out, 'rows.plan.json'), JSON.stringify({ idleBytes: 110 * MiB, hardwareId: 'hw-oom', threads: 1 }));
    const [level] = validationLevels(resolveNetwork(net), 110 * MiB, [4], 1);
    const M = level!.memoryLimitBytes!;
    assert.ok(M > 600 * MiB && M < 700 * MiB, `M = ${M}`);

    const parent = join(cg.parentDir!, `oomtest-${process.pid}`);
    const removeParent = cappedParent(parent, cg.version!, idle + 48 * MiB);
    const before = process.env.MEMLAT_CGROUP_PARENT;
    process.env.MEMLAT_CGROUP_PARENT = parent;
    try {
      const args = ['validate-runs', '--out', out, '--networks', netPath, '--levels', '4', '--reps', '2', '--threads', '1', '--cache-dir', cacheDir];
      const r = await captureCli(args);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /OOM \(kept as an OOM row; a resume does not retry it/);
      assert.match(r.err, /0 runs done, 1 failed/);

      // summary.json: the level is failed with oom: true
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
        network: string;
        memoryLimitBytes: number;
        status: string;
        oom?: boolean;
        message: string;
      }[];
      assert.equal(summary.length, 1);
      assert.equal(summary[0]!.network, 'oomnet');
      assert.equal(summary[0]!.memoryLimitBytes, M);
      assert.equal(summary[0]!.status, 'failed');
      assert.equal(summary[0]!.oom, true);
      assert.match(summary[0]!.message, /^the worker was OOM-killed at layer "fc" under memory /);
      assert.equal(validationPairDone(summary, 'oomnet', M), true);

      // rows.csv: exactly one row, the OOM row of the killed layer in pass 0, no times
      const rows = (await readDataset(join(out, 'rows.csv'))).rows;
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.oom, true);
      assert.equal(rows[0]!.layerName, 'fc');
      assert.equal(rows[0]!.rep, 0);
      assert.equal(rows[0]!.memoryLimitBytes, M);
      assert.equal(rows[0]!.network, 'oomnet');
      assert.equal(rows[0]!.hardwareId, 'hw-oom');

      // (the worker client reports 'oom' only for a SIGKILL it did not send itself; the kernel log
      // names the capped parent as oom_memcg. Its v1 counters, failcnt and oom_kill, read 0 here
      // once the child group is gone, so they are not asserted.)

      // resume: the OOM level is done, not retried: no run, no new row, summary unchanged
      const again = await captureCli(args);
      assert.equal(again.code, 0, again.err);
      assert.match(again.err, /done\s+oomnet/);
      assert.doesNotMatch(again.err, /\[1\/1\]/);
      assert.equal((await readDataset(join(out, 'rows.csv'))).rows.length, 1);
      assert.deepEqual(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')), summary);

      // nothing left behind: no memlat group, no temporary weight file, no lock
      assert.deepEqual(memlatGroups(parent), []);
      assert.deepEqual(memlatGroups(cg.parentDir!), []);
      assert.deepEqual(
        readdirSync(join(cacheDir, 'weights')).filter((f) => f.includes('.tmp-')),
        [],
      );
      assert.equal(existsSync(join(out, 'rows.csv.lock')), false);
    } finally {
      if (before === undefined) delete process.env.MEMLAT_CGROUP_PARENT;
      else process.env.MEMLAT_CGROUP_PARENT = before;
      removeParent();
    }
    assert.equal(existsSync(parent), false, 'the capped parent group is removed');
  });
});
