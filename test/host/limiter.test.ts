// The memory limiter: cgroup v1 for real (this machine), cgroup v2 against a fake cgroupfs tree
// (file writes and reads only: a plain directory cannot emulate cgroupfs rmdir or process moves),
// the exact systemd-run argv, and cleanup on close and on SIGTERM/SIGINT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CgroupV1Limiter, CgroupV2Limiter, detectCgroups, parseKeyValues, readSwapPages, systemdRunArgv, SystemdRunLimiter } from '../../src/host/limiter.js';
import { makeTempDir, removeDir, withTempDir } from '../helpers/tmp.js';

const cg = detectCgroups();
const v1skip =
  process.getuid?.() !== 0 || cg.version !== 1 || !cg.writable ? `needs root on a cgroup v1 machine (found v${cg.version}, writable ${cg.writable})` : false;

test('detectCgroups: v2 layout uses the root; v1 nests under this process memory cgroup', async () => {
  await withTempDir('memlat-fakecg-', (root) => {
    writeFileSync(join(root, 'cgroup.controllers'), 'cpu memory io\n');
    assert.deepEqual(detectCgroups(root, '0::/user.slice/x.scope\n'), { version: 2, parentDir: root, writable: true });
    unlinkSync(join(root, 'cgroup.controllers'));
    mkdirSync(join(root, 'memory', 'a', 'b'), { recursive: true });
    writeFileSync(join(root, 'memory', 'memory.limit_in_bytes'), '9223372036854771712\n');
    const self = '9:name=systemd:/\n4:memory:/a/b\n3:cpuset:/\n0::/\n';
    assert.deepEqual(detectCgroups(root, self), { version: 1, parentDir: join(root, 'memory', 'a', 'b'), writable: true });
    rmSync(join(root, 'memory'), { recursive: true });
    assert.equal(detectCgroups(root, self).version, null);
  });
});

test('cgroup v2 (fake cgroupfs): memory.max written, counters read, wrap argv', async () => {
  await withTempDir('memlat-fakecg2-', (root) => {
    const lim = new CgroupV2Limiter(root);
    const g = lim.create(300 * 2 ** 20);
    assert.match(g.name, new RegExp(`^memlat-${process.pid}-\\d+$`));
    assert.equal(g.path, join(root, g.name));
    assert.equal(readFileSync(join(root, g.name, 'memory.max'), 'utf8'), String(300 * 2 ** 20));
    assert.equal(g.swapStatFile, '/proc/vmstat', 'no pswpin in the group memory.stat -> machine-wide vmstat');
    writeFileSync(join(root, g.name, 'memory.events'), 'low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\n');
    assert.equal(g.counters().oomKills, 1);
    assert.deepEqual(g.wrap(['node', 'w.js']), ['sh', '-c', 'echo $$ > "$0" && exec "$@"', join(root, g.name, 'cgroup.procs'), 'node', 'w.js']);
    // a plain directory is not cgroupfs: remove the control files so rmdir can succeed
    for (const f of ['memory.max', 'memory.events']) unlinkSync(join(root, g.name, f));
    g.close();
    assert.equal(existsSync(join(root, g.name)), false);
  });
});

test('cgroup v2 (fake cgroupfs): memory.swap.max reset to max where swap accounting exists', () => {
  const dir = makeTempDir('memlat-fakecg2s-');
  class Exposed extends CgroupV2Limiter {
    apply(d: string, n: number): void {
      this.configure(d, n);
    }
  }
  try {
    writeFileSync(join(dir, 'memory.swap.max'), '0\n'); // e.g. inherited from a distro default
    new Exposed(tmpdir()).apply(dir, 123 * 4096);
    assert.equal(readFileSync(join(dir, 'memory.swap.max'), 'utf8'), 'max');
    assert.equal(readFileSync(join(dir, 'memory.max'), 'utf8'), String(123 * 4096));
  } finally {
    removeDir(dir);
  }
});

test('swap counters are parsed from memory.stat / vmstat text', () => {
  const kv = parseKeyValues('pswpin 12\npswpout 34\npgmajfault 5\nbogus x\n');
  assert.equal(kv.get('pswpin'), 12);
  assert.equal(kv.get('pgmajfault'), 5);
  assert.equal(kv.has('bogus'), false);
  const real = readSwapPages('/proc/vmstat');
  assert.equal(typeof real.swapInPages, 'number');
  assert.deepEqual(readSwapPages('/nonexistent/memory.stat'), { swapInPages: null, swapOutPages: null });
});

test('systemd-run: exact argv of the transient user scope', () => {
  assert.deepEqual(systemdRunArgv('memlat-1-2', 268435456, ['node', '--expose-gc', 'worker.js']), [
    'systemd-run',
    '--user',
    '--scope',
    '--quiet',
    '--collect',
    '--unit=memlat-1-2',
    '-p',
    'MemoryMax=268435456',
    '-p',
    'MemorySwapMax=infinity',
    '--',
    'node',
    '--expose-gc',
    'worker.js',
  ]);
  const g = new SystemdRunLimiter().create(1 << 28);
  assert.equal(g.path, null);
  assert.deepEqual(g.wrap(['true']).slice(0, 6), ['systemd-run', '--user', '--scope', '--quiet', '--collect', `--unit=${g.name}`]);
  g.close(); // no scope was started: close is a harmless no-op
});

test('cgroup v1 (real): limit written, memsw left unlimited, process runs inside, group removed', { skip: v1skip }, () => {
  const lim = new CgroupV1Limiter(cg.parentDir ?? '');
  const g = lim.create(100 * 2 ** 20);
  try {
    const dir = g.path ?? '';
    assert.equal(readFileSync(join(dir, 'memory.limit_in_bytes'), 'utf8').trim(), String(100 * 2 ** 20));
    assert.ok(Number(readFileSync(join(dir, 'memory.memsw.limit_in_bytes'), 'utf8')) > 2 ** 60, 'memsw unlimited');
    const argv = g.wrap(['cat', '/proc/self/cgroup']);
    const out = execFileSync(argv[0] ?? 'sh', argv.slice(1), { encoding: 'utf8' });
    const memLine = out.split('\n').find((l) => /:memory:/.test(l)) ?? '';
    assert.ok(memLine.endsWith(`/${g.name}`), `process ran in the group: ${memLine}`);
    assert.equal(g.counters().oomKills, 0);
  } finally {
    g.close();
  }
  assert.equal(existsSync(g.path ?? ''), false);
});

for (const [sig, graceful] of [
  ['SIGTERM', false],
  ['SIGINT', false],
  ['SIGINT', true],
] as const) {
  const what = graceful ? 'an application handling SIGINT closes its worker itself' : `${sig} to memlat kills the worker`;
  test(`${what}; the cgroup is removed`, { skip: v1skip, timeout: 60_000 }, async () => {
    const me = fileURLToPath(import.meta.url);
    const helper = join(me, '..', '..', 'helpers', me.endsWith('.ts') ? 'hold-worker.ts' : 'hold-worker.js');
    const args = [...(me.endsWith('.ts') ? ['--import', import.meta.resolve('tsx'), helper] : [helper]), ...(graceful ? ['graceful'] : [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.includes('\n')) resolve(buf.split('\n')[0] ?? '');
      });
      child.on('exit', (c) => reject(new Error(`helper exited early (${c})`)));
    });
    const { group, pid } = JSON.parse(line) as { group: string; pid: number };
    assert.ok(existsSync(group), 'group exists while running');
    assert.ok(readFileSync(join(group, 'cgroup.procs'), 'utf8').split('\n').includes(String(pid)), 'worker is in the group');
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('exit', (c, s) => r([c, s])));
    child.kill(sig);
    assert.deepEqual(
      await exited,
      graceful ? [0, null] : [null, sig],
      graceful ? 'the application exited normally' : 'memlat re-raised the signal after cleaning up',
    );
    assert.equal(existsSync(group), false, 'group removed');
    // Killed: gone, or a zombie waiting for its new parent (pid 1 / a subreaper) to reap it.
    const state = ((): string => {
      try {
        return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] ?? 'gone';
      } catch {
        return 'gone';
      }
    })();
    assert.ok(state === 'gone' || state === 'Z', `worker killed (state ${state})`);
  });
}
