// Emulated machines (MEMLAT_EMULATE): the spec parser against hand-computed values, and on a root
// cgroup v1 machine the real thing: a child process inside "cpus=1,cpu=0.5,disk=40MiB/s" sees one CPU,
// gets at most half a core of CPU time per wall second (the kernel counts its throttled periods), reads a cold file at about 40 MiB/s, and leaves
// no group behind (after a normal exit; after kill -9 the next start sweeps it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cpuPeriodUs, cpuQuotaUs, emulationLabel, firstCpus, parseEmulation, sweepStaleEmulation } from '../../src/host/emulate.js';
import { UserError } from '../../src/errors.js';
import { withTempDir } from '../helpers/tmp.js';
import { detectCgroups } from '../../src/host/limiter.js';
import { repoRoot } from '../helpers/paths.js';

const MiB = 2 ** 20;

test('parseEmulation: parts, canonical label, and one-line refusals naming the part and the fix', () => {
  assert.deepEqual(parseEmulation('cpus=1,cpu=0.5,disk=100MiB/s'), { cpus: 1, cpuFraction: 0.5, diskReadBytesPerSec: 100 * MiB });
  assert.deepEqual(parseEmulation(' disk=1GiB/s '), { diskReadBytesPerSec: 2 ** 30 });
  assert.equal(emulationLabel(parseEmulation('disk=100MiB/s,cpus=1')), 'cpus=1,disk=104857600B/s');
  const bad: [string, RegExp][] = [
    ['', /is empty/],
    ['cpus=0', /cpus=0 is not a positive whole number/],
    ['cpus=1.5', /cpus=1\.5 is not a positive whole number/],
    ['cpu=1.5', /cpu=1\.5 must be a fraction of each core's time in \(0, 1\]/],
    ['cpu=0', /cpu=0 must be a fraction/],
    ['disk=100MiB', /disk=100MiB needs a rate such as 100MiB\/s/],
    ['disk=10KiB/s', /below 1 MiB\/s/],
    ['gpu=1', /unknown part "gpu"; the parts are cpus, cpu and disk/],
    ['cpus', /"cpus" is not key=value/],
  ];
  for (const [spec, re] of bad) {
    assert.throws(
      () => parseEmulation(spec),
      (e: unknown) => e instanceof UserError && re.test(e.message) && /MEMLAT_EMULATE/.test(e.message),
      spec,
    );
  }
});

test('firstCpus and cpuQuotaUs: closed-form cases', () => {
  assert.equal(firstCpus('0-3\n', 2), '0,1');
  assert.equal(firstCpus('0,2-3,6', 3), '0,2,3');
  assert.throws(() => firstCpus('0-1', 3), /cpus=3 but this machine allows 2 \(0-1\); use at most cpus=2/);
  assert.equal(cpuQuotaUs(0.5, 1), 50_000);
  assert.equal(cpuQuotaUs(0.25, 2), 50_000);
  assert.equal(cpuQuotaUs(0.001, 1), 1000); // the kernel's minimum quota
  // The period: shortest >= 1 ms whose quota reaches the kernel's 1 ms minimum.
  assert.equal(cpuPeriodUs(0.5, 1), 2000);
  assert.equal(cpuQuotaUs(0.5, 1, cpuPeriodUs(0.5, 1)), 1000);
  assert.equal(cpuPeriodUs(0.25, 2), 2000);
  assert.equal(cpuPeriodUs(1, 2), 1000);
  assert.equal(cpuQuotaUs(1, 2, 1000), 2000);
  assert.equal(cpuPeriodUs(0.3, 1), 3334); // ceil(1000 / 0.3)
  assert.equal(cpuPeriodUs(0.0001, 1), 1_000_000); // the kernel's longest period
});

const cg = detectCgroups();
const skip =
  process.getuid?.() !== 0 || cg.version !== 1 || !existsSync('/sys/fs/cgroup/blkio/blkio.throttle.read_bps_device')
    ? `needs root on a cgroup v1 machine with cpu, cpuset and blkio (found v${cg.version})`
    : false;

// The child: applies MEMLAT_EMULATE, then reports CPUs, CPU time over 1.5 s of busy wall time, and a
// cold read of a 96 MiB file (written, fsync'ed and evicted before timing).
const CHILD = `
import { availableParallelism } from 'node:os';
import { openSync, writeSync, fsyncSync, closeSync, readFileSync } from 'node:fs';
const { emulationFromEnv } = await import(${JSON.stringify(join(repoRoot, 'dist/src/host/emulate.js'))});
const { evictFromPageCache } = await import(${JSON.stringify(join(repoRoot, 'dist/src/host/page-cache.js'))});
const label = emulationFromEnv();
const file = process.argv[1];
const fd = openSync(file, 'w'); const chunk = Buffer.alloc(8 << 20, 7);
for (let i = 0; i < 12; i++) writeSync(fd, chunk);
fsyncSync(fd); closeSync(fd); evictFromPageCache(file);
const t0 = performance.now(); readFileSync(file); const readMs = performance.now() - t0;
const c0 = process.cpuUsage(); const w0 = performance.now();
while (performance.now() - w0 < 1500) { /* busy */ }
const c = process.cpuUsage(c0); const wallMs = performance.now() - w0;
const stat = label ? readFileSync('/sys/fs/cgroup/cpu/memlat-emu-' + process.pid + '/cpu.stat', 'utf8') : '';
const throttled = Number((/nr_throttled (\\d+)/.exec(stat) ?? [])[1] ?? 0);
console.log(JSON.stringify({ label, cpus: availableParallelism(), readMiBs: 96 / (readMs / 1000), cpuShare: (c.user + c.system) / 1000 / wallMs, throttled, cgroup: readFileSync('/proc/self/cgroup', 'utf8') }));
`;

function runChild(env: Record<string, string>, file: string): { out: Record<string, unknown> | null; status: number | null; pid: number } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD, file], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  return { out: line.startsWith('{') ? (JSON.parse(line) as Record<string, unknown>) : null, status: r.status, pid: r.pid ?? 0 };
}

test('an emulated machine: 1 CPU, half a core, disk throttled to 40 MiB/s; nothing left after exit', { skip }, async () => {
  await withTempDir('memlat-emu-', (dir) => {
    const base = runChild({}, join(dir, 'a.bin'));
    const emu = runChild({ MEMLAT_EMULATE: 'cpus=1,cpu=0.5,disk=40MiB/s', MEMLAT_CACHE: dir }, join(dir, 'b.bin'));
    assert.equal(emu.status, 0, JSON.stringify(emu));
    const e = emu.out!;
    const b = base.out!;
    assert.equal(b.label, null);
    assert.equal(e.label, 'cpus=1,cpu=0.5,disk=41943040B/s');
    assert.equal(e.cpus, 1);
    assert.match(String(e.cgroup), /cpuset:\/memlat-emu-\d+/);
    // CPU: the quota allows 0.5 s per wall second (the scheduler's granularity gives a few %); the
    // kernel's own counter says the group was throttled (1.5 s of busy loop = hundreds of 2 ms periods).
    // No lower bound: on a busy machine other processes take CPU time too.
    assert.ok((e.cpuShare as number) < 0.6, `cpu share ${String(e.cpuShare)}`);
    assert.ok((e.throttled as number) >= 10, `nr_throttled ${String(e.throttled)}`);
    // Disk: at most the throttle (+15% for the first burst the kernel lets through), and well below
    // the unthrottled read of the same size.
    assert.ok((e.readMiBs as number) < 40 * 1.15, `throttled read ${String(e.readMiBs)} MiB/s`);
    assert.ok((e.readMiBs as number) > 40 * 0.6, `throttled read ${String(e.readMiBs)} MiB/s`);
    assert.ok((b.readMiBs as number) > 80, `unthrottled read ${String(b.readMiBs)} MiB/s`);
    for (const h of ['cpu', 'cpuset', 'blkio']) assert.equal(existsSync(`/sys/fs/cgroup/${h}/memlat-emu-${emu.pid}`), false, `${h} group left`);
  });
});

test('a group left by a killed process is swept at the next start', { skip }, () => {
  const r = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `
    const { emulationFromEnv } = await import(${JSON.stringify(join(repoRoot, 'dist/src/host/emulate.js'))});
    emulationFromEnv(); process.kill(process.pid, 'SIGKILL');`,
    ],
    { env: { ...process.env, MEMLAT_EMULATE: 'cpus=1' }, encoding: 'utf8' },
  );
  assert.equal(r.signal, 'SIGKILL');
  const left = ['cpu', 'cpuset', 'blkio'].map((h) => `/sys/fs/cgroup/${h}/memlat-emu-${r.pid}`);
  assert.ok(
    left.every((p) => existsSync(p)),
    'kill -9 leaves the groups (no exit handler runs)',
  );
  const removed = sweepStaleEmulation();
  for (const p of left) {
    assert.ok(removed.includes(p), `${p} swept`);
    assert.equal(existsSync(p), false);
  }
});
