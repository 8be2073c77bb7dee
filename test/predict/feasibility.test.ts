// predict/curve/min-memory warn when memlat run would refuse the run on this machine (the same
// swap rule as run): TiB working sets from --batch 100000, limits needing more swap than is free,
// and no limit with a layer beyond RAM + swap. Machine memory is injected, so results do not depend
// on this host's swap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveNetwork } from '../../src/network/shapes.js';
import { zooNetwork } from '../../src/network/zoo/index.js';
import { runRefusal, runWarning } from '../../src/predict/feasibility.js';
import { captureCli } from '../helpers/cli.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const vgg = resolveNetwork(zooNetwork('vgg16'));

test("runWarning follows run's swap rule: largest resident layer + 256 MiB must fit in M + free swap", () => {
  const machine = { ramBytes: 24 * GiB, freeSwapBytes: 0 };
  // classifier.0: 392 MiB resident; + 256 MiB = 648 MiB
  assert.equal(runWarning(vgg, 1 * GiB, machine), null);
  assert.equal(
    runWarning(vgg, 512 * MiB, machine),
    `vgg16 cannot run here at 512 MiB: its largest layer "classifier.0" needs 392 MiB resident (+ 256 MiB for the runtime), so 136 MiB of swap beyond the limit, but 0 B is free ('sudo memlat doctor --setup-swap 1GiB' would add what is missing); memlat run would refuse it`,
  );
  assert.equal(runWarning(vgg, 512 * MiB, { ramBytes: 24 * GiB, freeSwapBytes: 4 * GiB }), null, 'enough swap: no warning');
  assert.equal(runWarning(vgg, null, machine), null);
});

test('runWarning: a batch of 100000 needs TiB, more swap than any machine plausibly has, limited or not', () => {
  const big = resolveNetwork(zooNetwork('vgg16', { batch: 100000 }));
  const machine = { ramBytes: 24 * GiB, freeSwapBytes: 4 * GiB };
  assert.match(
    runWarning(big, GiB, machine) ?? '',
    /^vgg16 cannot run here at 1 GiB: its largest layer "features\.2" needs 2\.34 TiB resident .* \(more swap than any machine plausibly has\); memlat run would refuse it$/,
  );
  assert.match(
    runWarning(big, null, machine) ?? '',
    /^vgg16 cannot run on this machine: .* more than its RAM 24 GiB \+ free swap 4 GiB \(more swap than any machine plausibly has\); memlat run would refuse it$/,
  );
});

test('memlat predict prints the warning line for --batch 100000 and still answers', async () => {
  const r = await captureCli(['predict', 'vgg16', '--batch', '100000', '--memory', '1GiB', '--json']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /^memlat: warning: vgg16 cannot run here at 1 GiB: .*memlat run would refuse it\n$/);
  assert.ok((JSON.parse(r.out) as { totalMs: number }).totalMs > 0);
});

test('runRefusal (memlat run refuses before writing anything): the same rule as runWarning, with the fix', () => {
  const machine = { ramBytes: 24 * GiB, freeSwapBytes: 0 };
  // classifier.0 needs 392 MiB + 256 MiB: at 512 MiB, 136 MiB of swap is missing -> 1 GiB rounds it up
  assert.equal(
    runRefusal(vgg, 512 * MiB, machine),
    `vgg16 cannot run here at 512 MiB: its largest layer "classifier.0" needs 392 MiB resident (+ 256 MiB for the runtime), so 136 MiB of swap beyond the limit, but 0 B is free; add swap ('sudo memlat doctor --setup-swap 1GiB'), raise --memory or use a smaller --batch`,
  );
  assert.equal(runRefusal(vgg, 512 * MiB, { ramBytes: 24 * GiB, freeSwapBytes: 4 * GiB }), null);
  assert.equal(runRefusal(vgg, null, machine), null);
  // no limit: features.2 at batch 100000 (64 x 224 x 224 in and out, 2.34 TiB) is beyond RAM + swap
  const big = resolveNetwork(zooNetwork('vgg16', { batch: 100000 }));
  assert.match(
    runRefusal(big, null, { ramBytes: 24 * GiB, freeSwapBytes: 4 * GiB }) ?? '',
    /^vgg16 cannot run on this machine: its largest layer "features\.2" needs 2\.34 TiB resident \(\+ 256 MiB for the runtime\), more than its RAM 24 GiB \+ free swap 4 GiB; no machine has that much swap: use a smaller --batch or --seq-len, or smaller layers$/,
  );
  // a plausible shortfall without a limit: add swap (the missing part, rounded up) or a smaller batch
  assert.equal(
    runRefusal(vgg, null, { ramBytes: 256 * MiB, freeSwapBytes: 0 }),
    `vgg16 cannot run on this machine: its largest layer "classifier.0" needs 392 MiB resident (+ 256 MiB for the runtime), more than its RAM 256 MiB + free swap 0 B; add swap ('sudo memlat doctor --setup-swap 1GiB') or use a smaller --batch`,
  );
});
