// min-memory --verify for real: the answer and the conservative answer are run with the real executor
// under real cgroup limits (and a swap file this test sets up and removes), and each run reports its
// measured median and whether it met the target, consistently with min-memory's own answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as memlat from '../src/index.js';
import { detectCgroups } from '../src/host/limiter.js';
import { withSwap } from '../src/host/swap.js';
import { tempDirForFile } from './helpers/tmp.js';

const cg = detectCgroups();
const skip = process.getuid?.() !== 0 || cg.version === null || !cg.writable ? 'needs root and a writable cgroup memory controller' : false;
const cacheDir = tempDirForFile('memlat-verifytest-', '/var/tmp');

test('verifyMinMemory runs both answers for real and reports met = measured <= target', { skip, timeout: 300_000 }, async () => {
  const prev = process.env.MEMLAT_CACHE;
  process.env.MEMLAT_CACHE = cacheDir;
  try {
    const unlimited = (await memlat.predict('squeezenet1_1', { memory: null })).totalMs;
    const target = `${Math.round(3 * unlimited)}ms`;
    const answer = await memlat.minMemory('squeezenet1_1', { target });
    await withSwap(1024 * 2 ** 20, async () => {
      const v = await memlat.verifyMinMemory('squeezenet1_1', { target, reps: 2 });
      assert.equal(v.memoryBytes, answer.memoryBytes);
      assert.equal(v.conservativeMemoryBytes, answer.conservativeMemoryBytes);
      assert.deepEqual(
        v.runs.map((r) => r.answer),
        ['memory', 'conservative'],
      );
      for (const r of v.runs) {
        assert.equal(r.passesMs.length, 2);
        assert.ok(r.measuredMs !== null && r.measuredMs > 0 && Number.isFinite(r.measuredMs), 'squeezenet1_1 is not OOM-killed at its answers');
        assert.equal(r.oomKilledAt, undefined);
        assert.equal(r.met, r.measuredMs <= v.targetMs);
        assert.ok(r.predictedMs <= v.targetMs * 1.0001 || r.answer === 'conservative', `the answer is predicted to meet the target: ${r.predictedMs}`);
      }
      assert.equal(v.runs[0]!.memoryBytes, Math.ceil(answer.memoryBytes!));
    });
  } finally {
    if (prev === undefined) delete process.env.MEMLAT_CACHE;
    else process.env.MEMLAT_CACHE = prev;
  }
});
