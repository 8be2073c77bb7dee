// Host state and weight files: leftovers of dead memlat processes (cgroups memlat-<pid>-<n>,
// weight files .tmp-<pid>) are found and removed by the start sweep and reported by doctor; weight
// writing refuses what does not fit in the free space, leaves no temporary file on failure, and
// a Ctrl-C while writing ends the process at once with the temporary file removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectCgroups, findStaleGroups, pidAlive } from '../../src/host/limiter.js';
import { runDoctor } from '../../src/machine/doctor.js';
import { sweepLeftovers } from '../../src/executor/leftovers.js';
import { ensureWeightFile, sweepStaleWeightTmp, writeWeightFiles } from '../../src/executor/weights.js';
import { UserError } from '../../src/errors.js';
import type { Layer } from '../../src/network/types.js';
import { makeTempDir, removeDir, withTempDir } from '../helpers/tmp.js';

const cg = detectCgroups();
const root = process.getuid?.() === 0;
const cgSkip = !root || cg.version !== 1 || !cg.writable || !cg.parentDir ? 'needs root on a writable cgroup v1 machine' : false;

/** A pid that surely belonged to a process that has exited. */
function deadPid(): number {
  const pid = spawnSync('true').pid;
  assert.ok(pid > 0 && !pidAlive(pid));
  return pid;
}

const dense = (units: number, name = 'fc'): Layer => ({ type: 'dense', name, inputs: ['x'], units });

test('pidAlive: this process yes, an exited one no, nonsense no', () => {
  assert.equal(pidAlive(process.pid), true);
  assert.equal(pidAlive(deadPid()), false);
  assert.equal(pidAlive(0), false);
  assert.equal(pidAlive(-5), false);
});

test('sweepStaleWeightTmp removes only .tmp files of dead pids', async () => {
  await withTempDir('memlat-sweep-', (cache) => {
    const dir = join(cache, 'weights');
    mkdirSync(dir);
    const dead = deadPid();
    writeFileSync(join(dir, `aaaa.f32.tmp-${dead}`), 'x');
    writeFileSync(join(dir, `bbbb.f32.tmp-${process.pid}`), 'x'); // ours: being written
    writeFileSync(join(dir, 'cccc.f32'), 'x'); // a finished file
    const removed = sweepStaleWeightTmp(cache);
    assert.deepEqual(removed, [join(dir, `aaaa.f32.tmp-${dead}`)]);
    assert.deepEqual(readdirSync(dir).sort(), [`bbbb.f32.tmp-${process.pid}`, 'cccc.f32']);
  });
});

test('sweepStaleWeightTmp also removes disk-probe files of dead pids (a Ctrl-C or kill -9 during memlat hardware), not live ones', async () => {
  await withTempDir('memlat-sweep-probe-', (cache) => {
    const dead = deadPid();
    writeFileSync(join(cache, `disk-probe-${dead}.bin`), 'x');
    writeFileSync(join(cache, `disk-probe-${process.pid}.bin`), 'x'); // ours: being measured
    writeFileSync(join(cache, 'disk-probe-notes.txt'), 'x'); // not a probe file
    const removed = sweepStaleWeightTmp(cache);
    assert.deepEqual(removed, [join(cache, `disk-probe-${dead}.bin`)]);
    assert.deepEqual(readdirSync(cache).sort(), [`disk-probe-${process.pid}.bin`, 'disk-probe-notes.txt'].sort());
  });
});

test('stale memlat cgroups: found, orphaned worker killed, removed by the sweep and reported by doctor; live ones kept', { skip: cgSkip }, async () => {
  const parent = cg.parentDir!;
  const dead = deadPid();
  const stale = join(parent, `memlat-${dead}-1`);
  const stale2 = join(parent, `memlat-${dead}-2`);
  const mine = join(parent, `memlat-${process.pid}-9999`);
  const cache = makeTempDir('memlat-sweep-');
  const orphan = spawn('sleep', ['60'], { stdio: 'ignore' });
  const orphanExit = new Promise<NodeJS.Signals | null>((r) => orphan.on('exit', (_c, s) => r(s)));
  try {
    mkdirSync(stale);
    mkdirSync(stale2);
    mkdirSync(mine);
    writeFileSync(join(stale, 'cgroup.procs'), String(orphan.pid));
    assert.deepEqual(
      findStaleGroups(parent)
        .map((g) => g.path)
        .sort(),
      [stale, stale2],
    );
    assert.deepEqual(
      findStaleGroups(parent).map((g) => g.ownerPid),
      [dead, dead],
    );
    // doctor removes them and lists what it removed
    writeFileSync(join(cache, 'x'), '');
    mkdirSync(join(cache, 'weights'));
    writeFileSync(join(cache, 'weights', `dddd.f32.tmp-${dead}`), 'x');
    const checks = await runDoctor({ skipRuntime: true, cacheDir: cache });
    const left = checks.find((c) => c.name === 'leftovers');
    assert.ok(left, 'doctor has a leftovers check');
    assert.equal(left.ok, true);
    assert.match(left.detail, new RegExp(`removed 2 cgroup\\(s\\) of dead memlat processes: .*memlat-${dead}-1`));
    assert.match(left.detail, new RegExp(`removed 1 temporary weight file\\(s\\): .*dddd\\.f32\\.tmp-${dead}`));
    assert.equal(existsSync(stale), false);
    assert.equal(existsSync(stale2), false);
    assert.equal(existsSync(mine), true, 'a group of a live process (this one) is kept');
    assert.equal(await orphanExit, 'SIGKILL', 'the orphan left in the stale group was killed');
    // nothing left: a second sweep finds nothing
    assert.deepEqual(sweepLeftovers(cache), { groups: [], tmpFiles: [], failed: [] });
  } finally {
    orphan.kill('SIGKILL');
    for (const d of [stale, stale2, mine]) if (existsSync(d)) rmdirSync(d);
    removeDir(cache);
  }
});

test(
  'weight files: a layer larger than the free space is refused with the numbers; no temporary file is left',
  { skip: root ? false : 'needs root to mount a tmpfs' },
  async () => {
    const mnt = makeTempDir('memlat-small-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt]);
    try {
      // 1024 x 1024 fp32 + bias = 4 MiB + 4 KiB > 2 MiB
      assert.throws(
        () => ensureWeightFile(dense(1024), [[1, 1024]], mnt),
        (e: unknown) =>
          e instanceof UserError &&
          /needs 4 MiB \(4198400 bytes\) of weight files but only (1\.\d+|2) MiB is free/.test(e.message) &&
          e.message.includes(`cacheDir ${mnt}`),
      );
      await assert.rejects(
        writeWeightFiles(
          [
            { layer: dense(512, 'a'), inputShapes: [[1, 512]] },
            { layer: dense(512, 'b'), inputShapes: [[1, 512]] },
          ],
          mnt,
        ),
        (e: unknown) => e instanceof UserError && /this run \(2 layers not in the cache\) needs 2 MiB/.test(e.message),
        'two 1 MiB layers together (plus bias) do not fit although each alone would',
      );
      assert.deepEqual(readdirSync(join(mnt, 'weights')), []);
      // one that fits is written completely
      const f = ensureWeightFile(dense(256), [[1, 256]], mnt);
      assert.equal(readFileSync(f.path!).length, 256 * 256 * 4 + 256 * 4);
      assert.deepEqual(readdirSync(join(mnt, 'weights')), [f.path!.split('/').pop()]);
    } finally {
      execFileSync('umount', [mnt]);
      removeDir(mnt);
    }
  },
);

test('weight files: an abort between chunks removes the temporary file', async () => {
  await withTempDir('memlat-abort-', async (cache) => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(writeWeightFiles([{ layer: dense(2048), inputShapes: [[1, 2048]] }], cache, ac.signal), /aborted while writing weight files/);
    assert.deepEqual(readdirSync(join(cache, 'weights')), []);
  });
});

test('weight files: Ctrl-C while a 1 GiB file is written ends the writer before it finishes and removes the temporary file', async () => {
  const cache = makeTempDir('memlat-sigint-', '/dev/shm');
  const helper = fileURLToPath(new URL('../helpers/write-weights.js', import.meta.url));
  try {
    const child = spawn(process.execPath, [helper, cache, '16384', '16384'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
    const dir = join(cache, 'weights');
    // wait until the temporary file exists and has some data, then Ctrl-C
    for (;;) {
      const tmp = existsSync(dir) ? readdirSync(dir).find((n) => n.includes('.tmp-')) : undefined;
      if (tmp !== undefined) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGINT');
    const { signal } = await exit;
    assert.equal(signal, 'SIGINT', 'the writer died by the signal');
    assert.equal(out, '', 'it never finished the file');
    assert.deepEqual(readdirSync(dir), [], 'neither the temporary nor a finished file is left');
  } finally {
    removeDir(cache);
  }
});
