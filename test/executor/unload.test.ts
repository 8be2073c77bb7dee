// Unload gives a layer's memory back (docs/EXECUTION-MODEL.md, step 4): the worker's RSS and its
// cgroup's charge fall by the bytes the layer held (weights, input, output) within the timed
// unload, and a network whose layers each fit in M on their own runs at that M without swapping
// (major faults per pass in the hundreds at most, not the tens of thousands a leak would cause).
// Real worker processes, real cgroups (v1 here) and a swap file this test sets up and removes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerStats } from '../../src/features/layer.js';
import { resolveNetwork } from '../../src/network/shapes.js';
import { zooNetwork } from '../../src/network/zoo/index.js';
import { detectCgroups } from '../../src/host/limiter.js';
import { runNetwork } from '../../src/executor/run-network.js';
import { withSwap } from '../../src/host/swap.js';
import { startWorker, type LayerJob, type LayerTiming } from '../../src/executor/worker-client.js';
import { tempDirForFile } from '../helpers/tmp.js';

const MiB = 2 ** 20;
const cg = detectCgroups();
const cgSkip = process.getuid?.() !== 0 || cg.version === null || !cg.writable ? 'needs root and a writable cgroup memory controller' : false;
const cacheDir = tempDirForFile('memlat-unloadtest-', '/var/tmp');

// 4096x4096 fp32 weights + bias: 64 MiB + 16 KiB held in the weight buffer; 16 KiB in and out.
const dense: LayerJob = { id: 'fc', layer: { type: 'dense', name: 'unload_fc', inputs: ['x'], units: 4096 }, inputShapes: [[1, 4096]] };
// No weights; a 64 MiB input and a 64 MiB output (the output buffer is onnxruntime's).
const relu: LayerJob = { id: 'relu', layer: { type: 'activation', fn: 'relu', name: 'unload_relu', inputs: ['x'] }, inputShapes: [[1, 16 * 2 ** 20]] };

test("unload returns the layer's bytes: RSS and the cgroup charge fall by what the layer held", { skip: cgSkip, timeout: 120_000 }, async () => {
  const w = await startWorker({ memoryLimitBytes: 1024 * MiB, threads: 1, cacheDir });
  const ts: LayerTiming[] = [];
  try {
    assert.deepEqual(await w.measure([dense, relu], 3, (t) => ts.push(t)), { status: 'done' });
  } finally {
    await w.close();
  }
  assert.equal(ts.length, 6);
  const held = { fc: 64 * MiB + 16 * 1024 * 3, relu: 128 * MiB };
  for (const t of ts) {
    const want = held[t.jobId as 'fc' | 'relu'];
    const rssDrop = t.rssAfterRunBytes - t.rssAfterUnloadBytes;
    const msg = `${t.jobId} rep ${t.rep}: RSS ${(t.rssBeforeLoadBytes / MiB).toFixed(1)} -> ${(t.rssAfterRunBytes / MiB).toFixed(1)} -> ${(t.rssAfterUnloadBytes / MiB).toFixed(1)} MiB; group ${t.groupAfterRunBytes} -> ${t.groupAfterUnloadBytes}`;
    console.log(msg);
    assert.ok(rssDrop >= 0.95 * want, `RSS fell by ${(rssDrop / MiB).toFixed(1)} MiB, want >= ${((0.95 * want) / MiB).toFixed(1)}: ${msg}`);
    // The input was resident before the load and is freed too, so RSS ends at most a few MiB above the
    // runtime without the input.
    assert.ok(t.rssAfterUnloadBytes <= t.rssBeforeLoadBytes + 4 * MiB, msg);
    assert.ok(t.groupAfterRunBytes !== null && t.groupAfterUnloadBytes !== null, 'the group usage file was read');
    // The group is charged the same anonymous pages (the weight file's page cache stays charged on both sides).
    const groupDrop = t.groupAfterRunBytes - t.groupAfterUnloadBytes;
    assert.ok(groupDrop >= 0.95 * want, `group charge fell by ${(groupDrop / MiB).toFixed(1)} MiB: ${msg}`);
    assert.ok(Number.isFinite(t.harnessMs) && t.harnessMs >= 0);
  }
});

test('networks whose layers each fit in M run at M without swapping (vgg19 at 640 MiB, three more at 1.25x)', { skip: cgSkip, timeout: 600_000 }, async () => {
  const probe = await startWorker({ memoryLimitBytes: null });
  const idle = probe.idleRssBytes;
  await probe.close();
  const cases: { name: string; memory: number }[] = [{ name: 'vgg19', memory: 640 * MiB }];
  for (const name of ['alexnet', 'resnet50', 'mobilenetv2']) {
    const rn = resolveNetwork(zooNetwork(name));
    const ws = Math.max(...rn.layers.map((l) => layerStats(l, { threads: 2 }).workingSetBytes));
    cases.push({ name, memory: Math.ceil((idle + 1.25 * ws) / MiB) * MiB });
  }
  await withSwap(1024 * MiB, async () => {
    for (const c of cases) {
      const rn = resolveNetwork(zooNetwork(c.name));
      const r = await runNetwork(rn, { memoryLimitBytes: c.memory, reps: 2, cacheDir });
      const faults = r.passes.map((p) => p.reduce((a, t) => a + t.majorFaults, 0));
      console.log(
        `${c.name} at ${(c.memory / MiB).toFixed(0)} MiB: major faults per pass ${faults.join(', ')}, totals ${r.totalsMs.map((x) => x.toFixed(0)).join(', ')} ms`,
      );
      for (const f of faults) assert.ok(f < 1000, `${c.name} at ${c.memory / MiB} MiB: ${f} major faults in a pass`);
    }
  });
});
