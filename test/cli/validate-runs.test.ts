import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { register } from '../../src/cli/commands/validate.js';
import { readDataset } from '../../src/dataset/files.js';
import { withTempDir } from '../helpers/tmp.js';

async function cli(args: string[]): Promise<void> {
  const program = new Command().exitOverride();
  register(program);
  await program.parseAsync(['node', 'memlat', 'validate-runs', ...args]);
}

test('memlat validate-runs: a network run whole, every pass stored as rows + summary; rerun skips it', async () => {
  await withTempDir('memlat-val-', async (dir) => {
    const netPath = join(dir, 'mlp.json');
    await writeFile(
      netPath,
      JSON.stringify({
        format: 'memlat-network@1',
        name: 'mlp',
        inputs: [{ name: 'x', shape: [1, 256] }],
        layers: [
          { type: 'dense', name: 'fc1', inputs: ['x'], units: 512 },
          { type: 'activation', name: 'relu', inputs: ['fc1'], fn: 'relu' },
          { type: 'dense', name: 'fc2', inputs: ['relu'], units: 10 },
        ],
      }),
    );
    const out = join(dir, 'val');
    // Skip the hardware probe: give the side file a resume would find.
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'rows.plan.json'), JSON.stringify({ idleBytes: 110 * 2 ** 20, hardwareId: 'hw-test', threads: 1 }));
    const args = ['--out', out, '--networks', netPath, '--levels', 'none', '--reps', '2', '--threads', '1', '--cache-dir', join(dir, 'cache')];
    await cli(args);
    const { rows } = await readDataset(join(out, 'rows.csv'));
    assert.equal(rows.length, 3 * 2);
    assert.deepEqual(
      rows.map((r) => `${r.layerName}#${r.rep}`),
      ['fc1#0', 'relu#0', 'fc2#0', 'fc1#1', 'relu#1', 'fc2#1'],
    );
    assert.ok(rows.every((r) => r.source === 'memlat-run' && r.network === 'mlp' && r.hardwareId === 'hw-test' && r.memoryLimitBytes === null && r.runMs > 0));
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as {
      network: string;
      status: string;
      result: { reps: number; layers: unknown[] };
    }[];
    assert.equal(summary.length, 1);
    assert.equal(summary[0]!.status, 'done');
    assert.equal(summary[0]!.result.reps, 2);
    assert.equal(summary[0]!.result.layers.length, 3);
    await cli(args); // already done: nothing added
    assert.equal((await readDataset(join(out, 'rows.csv'))).rows.length, 6);
  });
});
