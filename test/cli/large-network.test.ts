// Networks of any size (issue 14): a chain of layers through describe (table and --json), predict
// (table) and run's checks, with no recursion or argument-count limit (Math.max(...layers) threw a
// RangeError beyond ~125,000 layers, shown as "internal error"); min-memory on it takes about as
// long as curve (it used to take minutes). 200,000 layers here (~30 s); scripts/fault-injection.sh
// runs the same file with MEMLAT_BIG_LAYERS=1000000 (~2.5 min), the size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureCli } from '../helpers/cli.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

const N = Number(process.env.MEMLAT_BIG_LAYERS ?? 200_000);
const dir = makeTempDir('memlat-big-');
test.after(() => removeDir(dir));

/** A chain: every 1000th layer dense 256 -> 256 (256 KiB of weights), the rest ReLUs, on a [1, 256] input. */
const file = join(dir, 'chain.json');
{
  const layers: string[] = [];
  for (let i = 0; i < N; i++) {
    const input = i === 0 ? 'x' : `l${i - 1}`;
    layers.push(
      i % 1000 === 0
        ? `{"type":"dense","name":"l${i}","inputs":["${input}"],"units":256}`
        : `{"type":"activation","fn":"relu","name":"l${i}","inputs":["${input}"]}`,
    );
  }
  writeFileSync(file, `{"name":"chain","inputs":[{"name":"x","shape":[1,256]}],"layers":[${layers.join(',')}]}`);
}

test(`describe and predict a chain of ${N} layers: tables and JSON with every layer, exit 0`, { timeout: 300_000 }, async () => {
  const t = await captureCli(['describe', file]);
  assert.equal(t.code, 0, t.err.slice(0, 500));
  // one dense layer of 256 x 256 + 256 = 65,792 parameters in every 1000
  const params = Math.ceil(N / 1000) * 65_792;
  assert.ok(t.out.startsWith(`chain: ${N} layers, `), t.out.slice(0, 200));
  assert.match(t.out.trimEnd().split('\n').pop()!, new RegExp(`^\\s+total\\s+${N} layers\\s+${params.toLocaleString('en-US')}\\s`));
  assert.equal(t.out.trimEnd().split('\n').length, 1 + 1 + 2 + N + 2, 'summary, blank, header, rule, a row per layer, rule, totals');
  const j = await captureCli(['describe', file, '--json']);
  assert.equal(j.code, 0, j.err.slice(0, 500));
  assert.equal((JSON.parse(j.out) as { layers: unknown[] }).layers.length, N);
  const p = await captureCli(['predict', file, '--memory', '512MiB']);
  assert.equal(p.code, 0, p.err.slice(0, 500));
  assert.match(p.out, new RegExp(`chain at memory 512 MiB: predicted total [\\d.]+ ms; 0 of ${N} layers swap`));
});

test(
  `run on a chain of ${N} layers gets through loading and its checks to a one-line refusal (a batch RAM + swap cannot hold; more layers than a run takes)`,
  { timeout: 300_000 },
  async () => {
    // --batch 10^8: each ReLU holds 2 x 10^8 x 256 x 4 bytes (191 GiB) in and out
    const r = await captureCli(['run', file, '--batch', '100000000', '--reps', '1', '--cache-dir', join(dir, 'cache')]);
    assert.equal(r.code, 2, r.err.slice(0, 500));
    assert.match(r.err, /^memlat: --memory none: chain cannot run on this machine: its largest layer "l\d+" needs 191 GiB resident .*\n$/);
    // at batch 1 it fits, but its N sessions would not: refused for its layer count (it used to
    // prepare them all and grow without bound), before a weight file is written
    const c = await captureCli(['run', file, '--reps', '1', '--cache-dir', join(dir, 'cache')]);
    assert.equal(c.code, 2, c.err.slice(0, 500));
    assert.match(
      c.err,
      new RegExp(
        `^memlat: network chain: ${N} layers, more than the 10000 memlat run takes .*; run a part of it of at most 10000 layers, or use 'memlat predict' for the whole network\n$`,
      ),
    );
    assert.ok(!existsSync(join(dir, 'cache', 'weights')) || readdirSync(join(dir, 'cache', 'weights')).length === 0, 'no weight file written');
  },
);

test(`min-memory on a chain of ${N} layers takes about as long as curve`, { timeout: 300_000 }, async () => {
  let t0 = Date.now();
  const c = await captureCli(['curve', file, '--json']);
  const curveMs = Date.now() - t0;
  assert.equal(c.code, 0, c.err.slice(0, 500));
  t0 = Date.now();
  const m = await captureCli(['min-memory', file, '--target', '1h', '--json']);
  const minMs = Date.now() - t0;
  assert.equal(m.code, 0, m.err.slice(0, 500));
  assert.ok(minMs < 3 * curveMs + 5000, `min-memory ${minMs} ms vs curve ${curveMs} ms`);
});
