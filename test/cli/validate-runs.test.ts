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

test('validate-runs --order shuffled: the same runs in a seeded order (the same for the same seed), listed order by default', async () => {
  const { validateRuns } = await import('../../src/api-tools.js');
  await withTempDir('memlat-val-order-', async (dir) => {
    const order = async (extra: { order?: 'listed' | 'shuffled'; seed?: number }): Promise<string[]> => {
      const lines: string[] = [];
      await validateRuns({
        out: join(dir, 'v'),
        networks: ['resnet18', 'alexnet'],
        levels: [1, 0.5, null],
        reps: 1,
        threads: 1,
        dryRun: true,
        ...extra,
        onProgress: (t) => lines.push(...t.split('\n').filter((l) => l.startsWith('todo'))),
      });
      return lines.map((l) => l.replace(/\s+M=.*/, '').replace(/\s+/g, ' '));
    };
    const listed = await order({});
    assert.deepEqual(listed, [
      'todo resnet18 f=1',
      'todo resnet18 f=0.5',
      'todo resnet18 f=none',
      'todo alexnet f=1',
      'todo alexnet f=0.5',
      'todo alexnet f=none',
    ]);
    const a = await order({ order: 'shuffled', seed: 1 });
    const b = await order({ order: 'shuffled', seed: 1 });
    const c = await order({ order: 'shuffled', seed: 2 });
    assert.deepEqual([...a].sort(), [...listed].sort(), 'a permutation of the same runs');
    assert.deepEqual(a, b, 'the same seed gives the same order');
    assert.notDeepEqual(a, listed);
    assert.notDeepEqual(a, c, 'another seed, another order');
  });
});
