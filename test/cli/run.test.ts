// `memlat run` end to end through the CLI entry (runCli): the --json document has exactly the
// documented keys and consistent numbers; bad flags are one-line UserErrors with exit code 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureCli } from '../helpers/cli.js';
import { tempDirForFile } from '../helpers/tmp.js';

const capture = captureCli;

const dir = tempDirForFile('memlat-clirun-');
const netFile = join(dir, 'tiny.json');
writeFileSync(
  netFile,
  JSON.stringify({
    format: 'memlat-network@1',
    name: 'tiny',
    inputs: [{ name: 'x', shape: [1, 64] }],
    layers: [
      { type: 'dense', name: 'fc1', inputs: ['x'], units: 128 },
      { type: 'activation', name: 'act', inputs: ['fc1'], fn: 'gelu' },
      { type: 'dense', name: 'fc2', inputs: ['act'], units: 10 },
    ],
  }),
);

test('memlat run --json: documented shape, medians of passes', { timeout: 120_000 }, async () => {
  const r = await capture(['run', netFile, '--memory', 'none', '--reps', '3', '--threads', '1', '--json', '--cache-dir', dir]);
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out) as Record<string, unknown> & { layers: Record<string, unknown>[]; totalsMs: number[]; totalMs: number };
  assert.deepEqual(
    Object.keys(doc).sort(),
    ['harnessMsPerPass', 'layers', 'majorFaults', 'memoryBytes', 'network', 'reps', 'swapInPages', 'totalMs', 'totalsMs'].sort(),
  );
  assert.equal(doc.network, 'tiny');
  assert.equal(doc.memoryBytes, null);
  assert.equal(doc.reps, 3);
  assert.equal(doc.totalsMs.length, 3);
  const sorted = [...doc.totalsMs].sort((a, b) => a - b);
  assert.equal(doc.totalMs, sorted[1]);
  assert.deepEqual(
    doc.layers.map((l) => [l.name, l.type, l.weightBytes]),
    [
      ['fc1', 'dense', (64 * 128 + 128) * 4],
      ['act', 'activation', 0],
      ['fc2', 'dense', (128 * 10 + 10) * 4],
    ],
  );
  for (const l of doc.layers) for (const k of ['loadMs', 'runMs', 'unloadMs', 'totalMs']) assert.equal(typeof l[k], 'number');
  assert.match(r.err, /pass 3\/3/, 'progress on stderr');
});

test('memlat run: bad flags are one-line UserErrors (exit 2)', async () => {
  const bad = await capture(['run', netFile, '--memory', 'lots']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^memlat: --memory: "lots" is not a size/m);
  const reps = await capture(['run', netFile, '--reps', '0']);
  assert.equal(reps.code, 2);
  assert.match(reps.err, /memlat: --reps 0: must be a positive integer/);
});
