// measureHardware gives plausible measured numbers and a stable id; runDoctor reports failures with
// exact fix commands (swap against a network's largest layer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpus, totalmem } from 'node:os';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { defaultCacheDir } from '../../src/executor/weights.js';
import {
  DISK_PROBE_READS,
  hardwareId,
  measureDiskCurve,
  measureDiskReadBytesPerSec,
  measureFreshWeights,
  measureHardware,
} from '../../src/machine/hardware.js';
import { runDoctor } from '../../src/machine/doctor.js';
import { resolveNetwork } from '../../src/network/shapes.js';
import { swapBytes } from '../../src/host/swap.js';

test('hardwareId: stable, readable, sensitive to cores and RAM, not to small RAM differences', () => {
  const id = hardwareId('Intel(R) Xeon(R) Processor', 2, 24152 * 2 ** 20, 'x64');
  assert.match(id, /^x64-2c-24g-[0-9a-f]{4}$/);
  assert.equal(hardwareId('Intel(R) Xeon(R) Processor', 2, 24100 * 2 ** 20, 'x64'), id);
  assert.notEqual(hardwareId('Intel(R) Xeon(R) Processor', 4, 24152 * 2 ** 20, 'x64'), id);
});

test('measureHardware: identity fields match the OS; measured rates are plausible', { timeout: 120_000 }, async () => {
  const fp = await measureHardware({ diskTestBytes: 32 * 2 ** 20, memTestBytes: 32 * 2 ** 20, gemmSize: 512, threads: 1 });
  console.log(JSON.stringify(fp));
  assert.equal(fp.cores, cpus().length);
  assert.equal(fp.ramBytes, totalmem());
  assert.equal(fp.id, hardwareId(fp.cpuModel, fp.cores, fp.ramBytes));
  const within = (v: number | null, lo: number, hi: number): boolean => v !== null && v > lo && v < hi;
  assert.ok(within(fp.diskReadBytesPerSec, 10e6, 100e9), `disk ${fp.diskReadBytesPerSec}`);
  assert.ok(within(fp.memBandwidthBytesPerSec, 100e6, 1e12), `mem ${fp.memBandwidthBytesPerSec}`);
  assert.ok(within(fp.gemmGflops, 0.1, 10_000), `gemm ${fp.gemmGflops}`);
  assert.ok(within(fp.runtimeIdleBytes, 20 * 2 ** 20, 2 ** 30), `idle ${fp.runtimeIdleBytes}`);
  // the per-call probe: MobileNetV3-small (157 layers) and SqueezeNet 1.1 (66), 5 passes each, one thread
  const p = fp.callProbe!;
  assert.deepEqual(p.networks, ['mobilenetv3_small', 'squeezenet1_1']);
  assert.equal(p.layers, 223);
  assert.equal(p.passes, 5);
  assert.equal(p.threads, 1);
  assert.ok(p.weightBytes >= 3_778_352 * 4 && p.weightBytes < 3_778_352 * 4 * 1.02, `weights ${p.weightBytes}`);
  // every layer is timed: each phase's sum is positive and below a second per layer
  for (const k of ['loadMs', 'runMs', 'unloadMs'] as const) assert.ok(within(p[k], 0, 223_000), `${k} ${p[k]}`);
  // the disk curve: the sizes below the 32 MiB probe, then the probe itself at its size over its rate
  const c = fp.diskCurve!;
  assert.deepEqual(
    c.bytes,
    [1, 4, 16, 32].map((m) => m * 2 ** 20),
  );
  assert.ok(Math.abs(c.ms[3]! - ((32 * 2 ** 20) / fp.diskReadBytesPerSec!) * 1000) < 1e-9);
  for (const ms of c.ms) assert.ok(within(ms, 0, 60_000), `curve ${c.ms.join(',')}`);
  // the fresh-memory probe, with the fingerprint's threads
  assert.equal(fp.freshWeights?.bytes, 64 * 2 ** 20);
  assert.equal(fp.freshWeights?.threads, 1);
});

test('measureFreshWeights: a GEMV on 64 MiB just read and again, and 64 MiB of fresh pages written, 3 times; each fresh write takes its page faults (minor faults counted); the file removed', async () => {
  mkdirSync(defaultCacheDir(), { recursive: true });
  const dir = mkdtempSync(join(defaultCacheDir(), 'fresh-probe-test-'));
  try {
    const f0 = process.resourceUsage().minorPageFault;
    const p = await measureFreshWeights(dir, 2);
    const faults = process.resourceUsage().minorPageFault - f0;
    assert.equal(p.bytes, 4096 * 4096 * 4);
    assert.equal(p.reps, 3);
    assert.equal(p.threads, 2);
    // 64 MiB is 16384 pages: three fresh buffers read (3 x 16384 faults at least where read(2) fills
    // them) and three fresh mappings written (3 x 16384): at least the written ones, whatever the kernel
    assert.ok(faults >= 3 * 16384, `minor faults ${faults}`);
    for (const k of ['coldMs', 'warmMs', 'freshPagesMs'] as const) assert.ok(Number.isFinite(p[k]) && p[k]! > 0 && p[k]! < 60_000, `${k} ${p[k]}`);
    // streaming 64 MiB takes at least a few hundred microseconds at any memory bandwidth below 200 GB/s
    assert.ok(p.warmMs > 0.3, `warm ${p.warmMs}`);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Bytes this process has had read from storage (/proc/self/io read_bytes), or null where not accounted. */
function storageReadBytes(): number | null {
  try {
    const m = /^read_bytes: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

test('measureDiskCurve: each size read cold `reads` times after the idle wait (read_bytes), the files removed', async (t) => {
  mkdirSync(defaultCacheDir(), { recursive: true });
  const dir = mkdtempSync(join(defaultCacheDir(), 'disk-curve-test-'));
  try {
    const before = storageReadBytes();
    if (before === null) return t.skip('no /proc/self/io read_bytes accounting here');
    const t0 = performance.now();
    const c = await measureDiskCurve(dir, [2 ** 20, 4 * 2 ** 20], 2, 50);
    const waited = performance.now() - t0;
    const read = storageReadBytes()! - before;
    assert.deepEqual(c.bytes, [2 ** 20, 4 * 2 ** 20]);
    assert.equal(c.ms.length, 2);
    for (const ms of c.ms) assert.ok(ms > 0 && ms < 60_000, `ms ${c.ms.join(',')}`);
    // two sizes x two reads, each from the disk, each after 50 ms idle
    assert.ok(read >= 2 * 5 * 2 ** 20 * 0.95, `read_bytes grew by ${read}, expected ~${2 * 5 * 2 ** 20}`);
    assert.ok(waited >= 4 * 50, `took ${waited} ms`);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('measureDiskReadBytesPerSec: DISK_PROBE_READS cold reads, each from the disk (read_bytes), the file removed', (t) => {
  // on the weight cache's disk (what the probe measures in use), not /tmp (often tmpfs: nothing to evict)
  mkdirSync(defaultCacheDir(), { recursive: true });
  const dir = mkdtempSync(join(defaultCacheDir(), 'disk-probe-test-'));
  try {
    const bytes = 16 * 2 ** 20;
    const before = storageReadBytes();
    if (before === null) return t.skip('no /proc/self/io read_bytes accounting here');
    const bw = measureDiskReadBytesPerSec(dir, bytes);
    const read = storageReadBytes()! - before;
    assert.equal(DISK_PROBE_READS, 3);
    // each read found the file evicted: the storage layer delivered (nearly) all of it three times
    assert.ok(read >= DISK_PROBE_READS * bytes * 0.95, `read_bytes grew by ${read}, expected ~${DISK_PROBE_READS * bytes}`);
    assert.ok(bw > 1e6 && bw < 1e12, `bandwidth ${bw}`);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runDoctor: a network whose largest layer exceeds free swap fails "swap" with the setup command', async () => {
  const huge = resolveNetwork({
    name: 'huge',
    inputs: [{ name: 'x', shape: [1, 8192] }],
    layers: [{ type: 'dense', name: 'fc', inputs: ['x'], units: 262144 }], // 8 GiB
  });
  const checks = await runDoctor({ network: huge, skipRuntime: true });
  assert.deepEqual(
    checks.map((c) => c.name),
    ['privileges', 'cgroup', 'swap', 'leftovers', 'dd', 'page-cache'],
  );
  const swap = checks.find((c) => c.name === 'swap');
  const free = swapBytes().freeBytes;
  assert.equal(swap?.ok, free >= 8 * 2 ** 30 + 8192 * 4 + 262144 * 4);
  if (!swap?.ok) assert.match(swap?.fix ?? '', /^sudo memlat doctor --setup-swap \d+GiB$/);
  assert.ok(swap?.detail.includes('largest layer of huge (8 GiB)'), swap?.detail);
  assert.equal(checks.find((c) => c.name === 'dd')?.ok, true);
  assert.equal(checks.find((c) => c.name === 'page-cache')?.ok, true);
  for (const c of checks) if (!c.ok) assert.ok(c.fix, `failed check ${c.name} has a fix`);
});
