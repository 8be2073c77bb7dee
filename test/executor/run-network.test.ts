// memlat run on a network of more layers than a run prepares (issue 14): the worker prepares an
// onnxruntime session per layer before its first timed pass (~130 KiB each), so a 10^6-layer network
// grew its memory without bound. Beyond MAX_RUN_LAYERS it is refused with one line, before any weight
// file is written or any worker started. Scaled down: MAX_RUN_LAYERS + 1 layers (seconds); the
// 10^6-layer chain is test/cli/large-network.test.ts under MEMLAT_BIG_LAYERS=1000000.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveNetwork } from '../../src/network/shapes.js';
import type { Layer, Network } from '../../src/network/types.js';
import { UserError } from '../../src/errors.js';
import { checkRunLayerCount, MAX_RUN_LAYERS, runNetwork } from '../../src/executor/run-network.js';
import { prepareRun } from '../../src/executor/run-prepare.js';
import { captureCli } from '../helpers/cli.js';
import { withTempDir } from '../helpers/tmp.js';

/** A chain of n layers: the first a dense 256 -> 256 (it has a weight file), the rest ReLUs. */
function chain(n: number): Network {
  const layers: Layer[] = [];
  for (let i = 0; i < n; i++) {
    const inputs = [i === 0 ? 'x' : `l${i - 1}`];
    layers.push(i === 0 ? { type: 'dense', name: `l${i}`, inputs, units: 256 } : { type: 'activation', fn: 'relu', name: `l${i}`, inputs });
  }
  return { name: 'chain', inputs: [{ name: 'x', shape: [1, 256] }], layers };
}

test('checkRunLayerCount: up to the limit passes, one more is refused naming the count, the limit and the fix', () => {
  assert.equal(MAX_RUN_LAYERS, 10_000);
  checkRunLayerCount(resolveNetwork(chain(5)), 5);
  assert.throws(
    () => checkRunLayerCount(resolveNetwork(chain(6)), 5),
    (e: unknown) =>
      e instanceof UserError &&
      // 6 sessions x 130 KiB = 780 KiB
      e.message ===
        "network chain: 6 layers, more than the 5 memlat run takes (it prepares an onnxruntime session for every layer before the first timed pass, about 130 KiB each, so 780 KiB here); run a part of it of at most 5 layers, or use 'memlat predict' for the whole network",
  );
});

test(`run and runNetwork refuse ${MAX_RUN_LAYERS + 1} layers before writing a weight file or starting a worker`, async () => {
  await withTempDir('memlat-runmax-', async (dir) => {
    const rn = resolveNetwork(chain(MAX_RUN_LAYERS + 1));
    const cache = join(dir, 'cache');
    await assert.rejects(
      prepareRun(rn, { memoryLimitBytes: null, cacheDir: cache }),
      /^UserError: network chain: 10001 layers, more than the 10000 memlat run takes/,
    );
    // runNetwork on its own (curve --measure, validate-runs, calibrate call it directly): refused
    // before its worker starts (a worker would need cgroups; none is created here)
    await assert.rejects(runNetwork(rn, { memoryLimitBytes: null, reps: 1, cacheDir: cache }), /10001 layers, more than the 10000/);
    assert.ok(!existsSync(join(cache, 'weights')) || readdirSync(join(cache, 'weights')).length === 0, 'no weight file written');

    // the CLI: one line, exit 2, no stack trace, nothing in the cache
    const file = join(dir, 'chain.json');
    writeFileSync(file, JSON.stringify(chain(MAX_RUN_LAYERS + 1)));
    const r = await captureCli(['run', file, '--reps', '1', '--cache-dir', cache]);
    assert.equal(r.code, 2, r.err);
    assert.equal(
      r.err,
      "memlat: network chain: 10001 layers, more than the 10000 memlat run takes (it prepares an onnxruntime session for every layer before the first timed pass, about 130 KiB each, so 1.24 GiB here); run a part of it of at most 10000 layers, or use 'memlat predict' for the whole network\n",
    );
    assert.ok(!existsSync(join(cache, 'weights')) || readdirSync(join(cache, 'weights')).length === 0, 'no weight file written');
  });
});
