// THE test that matters: a dense layer whose working set (~256 MiB of weights) exceeds the memory
// limit really swaps (major faults / swap-ins) and is clearly slower than without a limit, while a
// limit far above it does not swap. Sets up (and removes) the swap file and cgroups it needs; skips
// with a printed reason only where the machine cannot (not root / no cgroup memory controller).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { detectCgroups } from '../../src/host/limiter.js';
import { withSwap, swapBytes } from '../../src/host/swap.js';
import { median } from '../../src/executor/run-network.js';
import { startWorker, type LayerJob, type LayerTiming } from '../../src/executor/worker-client.js';
import type { Layer } from '../../src/network/types.js';
import { tempDirForFile } from '../helpers/tmp.js';

const MiB = 2 ** 20;
const cg = detectCgroups();
const skip =
  process.getuid?.() !== 0
    ? 'needs root (swapon and cgroups); run the tests as root'
    : cg.version === null || !cg.writable
      ? `no writable cgroup memory controller (version ${cg.version}, parent ${cg.parentDir})`
      : false;
if (skip) console.log(`# swap test skipped: ${skip}`);

const layer: Layer = { type: 'dense', name: 'swap_probe_fc', inputs: ['x'], units: 8192 }; // 8192x8192 fp32 = 256 MiB
const job: LayerJob = { id: 'fc', layer, inputShapes: [[1, 8192]] };
const REPS = 3;
// A private weight cache on disk (not tmpfs), removed afterwards.
const cacheDir = tempDirForFile('memlat-swaptest-cache-', '/var/tmp');

async function measureAt(limit: number | null): Promise<{ timings: LayerTiming[]; idle: number; group: string | null }> {
  const w = await startWorker({ memoryLimitBytes: limit, cacheDir });
  const timings: LayerTiming[] = [];
  try {
    const outcome = await w.measure([job], REPS, (t) => timings.push(t));
    assert.deepEqual(outcome, { status: 'done' });
  } finally {
    await w.close();
  }
  return { timings, idle: w.idleRssBytes, group: w.group?.path ?? null };
}

const total = (t: LayerTiming): number => t.loadMs + t.runMs + t.unloadMs;

test('a layer larger than the limit swaps and is slower; a generous limit does not swap', { skip, timeout: 180_000 }, async () => {
  const swapsBefore = readFileSync('/proc/swaps', 'utf8');
  const groups: string[] = [];
  await withSwap(768 * MiB, async () => {
    assert.ok(swapBytes().freeBytes >= 768 * MiB, 'withSwap provided the swap it promised');
    const free = await measureAt(null);
    const roomy = await measureAt(free.idle + 1024 * MiB);
    const tight = await measureAt(free.idle + 64 * MiB);
    for (const r of [roomy, tight]) if (r.group) groups.push(r.group);

    const med = (r: { timings: LayerTiming[] }, f: (t: LayerTiming) => number): number => median(r.timings.map(f));
    const report = (name: string, r: typeof free): string =>
      `${name}: total ${med(r, total).toFixed(0)} ms (load ${med(r, (t) => t.loadMs).toFixed(0)}, run ${med(r, (t) => t.runMs).toFixed(0)}), majorFaults ${med(r, (t) => t.majorFaults)}, swapIn ${med(r, (t) => t.swapInPages ?? -1)}`;
    console.log(`idle footprint ${(free.idle / MiB).toFixed(0)} MiB`);
    console.log(`${report('no limit', free)}\n${report('idle+1GiB', roomy)}\n${report('idle+64MiB', tight)}`);

    assert.equal(tight.timings.length, REPS);
    // Under the tight limit the 256 MiB of weights cannot stay resident: the run pages them back in.
    const tightFaults = med(tight, (t) => t.majorFaults);
    const tightSwapIn = med(tight, (t) => t.swapInPages ?? 0);
    assert.ok(tightFaults > 1000 || tightSwapIn > 1000, `expected swapping under idle+64MiB, got majorFaults ${tightFaults}, swapIn ${tightSwapIn}`);
    // ... and that costs time: clearly slower than unconstrained.
    assert.ok(med(tight, total) > 2 * med(free, total), `tight ${med(tight, total)} ms vs free ${med(free, total)} ms`);
    // A limit far above the working set behaves like no limit: (almost) no major faults.
    assert.ok(med(roomy, (t) => t.majorFaults) < 100, `roomy limit faulted ${med(roomy, (t) => t.majorFaults)} times`);
    assert.ok(med(free, (t) => t.majorFaults) < 100);
  });
  // Everything set up is gone: the cgroups, and the swap file (if this test created one).
  for (const g of groups) assert.throws(() => readdirSync(g), /ENOENT/, `cgroup ${g} removed`);
  const mine = readdirSync(cg.parentDir ?? '/nonexistent').filter((d) => d.startsWith(`memlat-${process.pid}-`));
  assert.deepEqual(mine, [], 'no memlat cgroup of this process left');
  assert.equal(readFileSync('/proc/swaps', 'utf8'), swapsBefore, 'swap areas as before');
});
