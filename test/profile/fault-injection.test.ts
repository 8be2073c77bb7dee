// Fault injection that runs in seconds: kill -9 of a profiling process at a random point (holding
// the dataset lock and a real cgroup with a process in it), then resume: the stale lock is taken
// over, the cgroup is removed, no row is lost or duplicated. Two writers on one dataset: the second
// is refused naming the first's pid. The slow rest (real workers) is scripts/fault-injection.sh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measurementKey } from '../../src/profile/plan.js';
import { runProfile } from '../../src/profile/run.js';
import { lockDataset, openRowWriter, readDataset } from '../../src/dataset/files.js';
import { detectCgroups, pidAlive } from '../../src/host/limiter.js';
import { sweepLeftovers } from '../../src/executor/leftovers.js';
import { profileSession } from '../../src/profile/session.js';
import { UserError } from '../../src/errors.js';
import { captureCli } from '../helpers/cli.js';
import { fakeStartWorker } from '../helpers/fake-worker.js';
import { killTestPlan } from '../helpers/kill-plan.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

const cg = detectCgroups();
const withCgroup = process.getuid?.() === 0 && cg.version === 1 && cg.writable;
const child = fileURLToPath(new URL('../helpers/fault-child.js', import.meta.url));

async function rowsOnDisk(out: string): Promise<number> {
  return existsSync(out) ? (await readFile(out, 'utf8')).split('\n').length - 2 : 0;
}

test('kill -9 of a profile at a random point, then resume: lock taken over, cgroup removed, every row once', async () => {
  const dir = makeTempDir('memlat-fault-');
  let group = '-';
  try {
    const out = join(dir, 'rows.csv');
    const plan = killTestPlan();
    const total = plan.jobs * plan.options.reps;
    const killAt = 1 + Math.floor(Math.random() * (total - 10)); // rows on disk before the kill
    const p = spawn(process.execPath, [child, out, withCgroup ? 'cgroup' : 'none'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((res) => p.on('exit', (_c, s) => res(s)));
    for (;;) {
      await new Promise((r) => setTimeout(r, 5));
      if ((await rowsOnDisk(out)) >= killAt) break;
      assert.equal(p.exitCode, null, 'the child is still running');
    }
    p.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    group = /^ready (\S+)/m.exec(stdout)?.[1] ?? '-';
    // What the dead process left: its lock (with its pid) and, as root, its cgroup with a process in it.
    assert.equal(readFileSync(`${out}.lock`, 'utf8').trim(), String(p.pid));
    if (withCgroup) assert.ok(existsSync(group), `cgroup ${group} left by the kill`);
    const mid = (await readDataset(out)).rows.length;
    assert.ok(mid >= killAt && mid < total, `${mid} of ${total} rows before the kill`);

    // Resume as memlat profile does: lock (taking over the dead pid's), sweep, append.
    const lock = lockDataset(out);
    assert.equal(lock.tookOverFrom, p.pid);
    const swept = sweepLeftovers(join(dir, 'cache'));
    if (withCgroup) {
      assert.deepEqual(swept.groups, [group]);
      assert.equal(existsSync(group), false, 'the cgroup is gone');
    }
    const writer = await openRowWriter(out);
    const s = await runProfile({ plan, writer, hardwareId: 'hw-fake', startWorker: fakeStartWorker({ started: [] }) });
    await writer.close();
    lock.release();
    assert.equal(existsSync(`${out}.lock`), false, 'the lock is released');
    assert.equal(s.skipped, mid);
    const { rows } = await readDataset(out);
    const keys = rows.map((r) => measurementKey(r.network, r.memoryLimitBytes, r.rep));
    assert.equal(rows.length, total, 'no row lost');
    assert.equal(new Set(keys).size, total, 'no row duplicated');
  } finally {
    if (group !== '-' && existsSync(group)) {
      for (const pid of readFileSync(join(group, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
      await new Promise((r) => setTimeout(r, 100));
      rmdirSync(group);
    }
    removeDir(dir);
  }
});

test('two writers on one dataset: the second is refused naming the first pid, before measuring anything', async () => {
  const dir = makeTempDir('memlat-2w-');
  const other = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    const out = join(dir, 'rows.csv');
    const first = lockDataset(out);
    assert.equal(first.tookOverFrom, null);
    assert.equal(readFileSync(`${out}.lock`, 'utf8').trim(), String(process.pid));
    first.release();
    // a live other process holds it
    writeFileSync(`${out}.lock`, `${other.pid}\n`);
    assert.throws(
      () => lockDataset(out),
      (e: unknown) =>
        e instanceof UserError &&
        e.message ===
          `out ${out}: another memlat process (pid ${other.pid}) is writing this dataset (lock ${out}.lock); wait for it to finish, stop it (kill ${other.pid}), or choose another out`, // the library names the argument; the CLI says --out
    );
    // a lock inside the folder the user gave (calibrate: --cache-dir) names that folder, not the file
    assert.throws(
      () => lockDataset(out, 'cacheDir', dir),
      (e: unknown) =>
        e instanceof UserError &&
        e.message ===
          `cacheDir ${dir}: another memlat process (pid ${other.pid}) is writing this dataset (lock ${out}.lock); wait for it to finish, stop it (kill ${other.pid}), or choose another cacheDir`,
    );
    // profile refuses before the hardware measurement (which would take seconds and write side files)
    await assert.rejects(profileSession({ out, layers: 2 }), new RegExp(`another memlat process \\(pid ${other.pid}\\)`));
    assert.equal(existsSync(join(dir, 'rows.hardware.json')), false);
    assert.equal(existsSync(join(dir, 'rows.plan.json')), false);
    assert.equal(readFileSync(`${out}.lock`, 'utf8').trim(), String(other.pid), 'the other writer keeps its lock');
    // once it is gone, the lock is taken over
    const ended = new Promise((r) => other.on('exit', r));
    other.kill('SIGKILL');
    await ended;
    assert.equal(pidAlive(other.pid!), false);
    const l = lockDataset(out);
    assert.equal(l.tookOverFrom, other.pid);
    l.release();
    assert.equal(existsSync(`${out}.lock`), false);
  } finally {
    other.kill('SIGKILL');
    removeDir(dir);
  }
});

test('two writers: validate-runs on a folder another live memlat process writes is refused naming its pid, before measuring', async () => {
  const dir = makeTempDir('memlat-2v-');
  const other = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    const out = join(dir, 'v');
    const rows = join(out, 'rows.csv');
    mkdirSync(out);
    writeFileSync(`${rows}.lock`, `${other.pid}\n`);
    const r = await captureCli(['validate-runs', '--out', out, '--networks', 'alexnet', '--reps', '1']);
    assert.equal(r.code, 2, r.err);
    assert.equal(
      r.err,
      // the folder given to --out (not its rows.csv), the other pid and the fix
      `memlat: --out ${out}: another memlat process (pid ${other.pid}) is writing this dataset (lock ${rows}.lock); wait for it to finish, stop it (kill ${other.pid}), or choose another --out\n`,
    );
    assert.deepEqual(readdirSync(out), ['rows.csv.lock'], 'no hardware, plan, summary or rows file');
    assert.equal(readFileSync(`${rows}.lock`, 'utf8').trim(), String(other.pid), 'the other writer keeps its lock');
  } finally {
    other.kill('SIGKILL');
    removeDir(dir);
  }
});
