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

/**
 * A 3-layer network file (fc1, relu, fc2) in `dir` and an output folder with the side file a resume
 * would find, so that validate-runs skips the hardware probe.
 */
async function mlpAndOutput(dir: string): Promise<{ netPath: string; out: string }> {
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
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'rows.plan.json'), JSON.stringify({ idleBytes: 110 * 2 ** 20, hardwareId: 'hw-test', threads: 1 }));
  return { netPath, out };
}

test('memlat validate-runs: a network run whole, every pass stored as rows + summary; rerun skips it', async () => {
  await withTempDir('memlat-val-', async (dir) => {
    const { netPath, out } = await mlpAndOutput(dir);
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

test('validate-runs --rounds: a second round continues the pass numbers beside the first; a finished round is not rerun; another --reps is refused', async () => {
  await withTempDir('memlat-val-rounds-', async (dir) => {
    const { netPath, out } = await mlpAndOutput(dir);
    const args = (rounds: number, reps = 2): string[] => [
      '--out',
      out,
      '--networks',
      netPath,
      '--levels',
      'none',
      '--reps',
      String(reps),
      '--rounds',
      String(rounds),
      '--threads',
      '1',
      '--cache-dir',
      join(dir, 'cache'),
    ];
    await cli(args(1));
    await cli(args(2)); // round 1 is done: only round 2 runs
    const { rows } = await readDataset(join(out, 'rows.csv'));
    assert.deepEqual(
      rows.map((r) => `${r.layerName}#${r.rep}`),
      [0, 1, 2, 3].flatMap((rep) => ['fc1', 'relu', 'fc2'].map((l) => `${l}#${rep}`)),
    );
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as { status: string; round?: number; result: { reps: number } }[];
    assert.deepEqual(
      summary.map((e) => [e.status, e.round ?? 0, e.result.reps]),
      [
        ['done', 0, 2],
        ['done', 1, 2],
      ],
    );
    await cli(args(2)); // both rounds done: nothing added
    assert.equal((await readDataset(join(out, 'rows.csv'))).rows.length, 12);
    // a third round of 3 passes would number them 6-8 beside rounds of 2: refused by name
    await assert.rejects(cli(args(3, 3)), /--reps 3: .* holds runs of 2 passes; with --rounds resume with --reps 2/);
    assert.equal((await readDataset(join(out, 'rows.csv'))).rows.length, 12);
    await assert.rejects(cli([...args(1), '--rounds', '0']), /--rounds 0: must be a positive integer/);
  });
});

test('validate-runs --rounds: every run of a round before the next; a shuffled first round is the order without rounds, the next drawn from seed + 1', async () => {
  const { validateRuns } = await import('../../src/api-tools.js');
  await withTempDir('memlat-val-rounds-order-', async (dir) => {
    const order = async (extra: { order?: 'listed' | 'shuffled'; seed?: number; rounds?: number }): Promise<string[]> => {
      const lines: string[] = [];
      await validateRuns({
        out: join(dir, 'v'),
        networks: ['resnet18', 'alexnet'],
        levels: [1, null],
        reps: 1,
        threads: 1,
        dryRun: true,
        ...extra,
        onProgress: (t) => lines.push(...t.split('\n').filter((l) => l.startsWith('todo'))),
      });
      return lines.map((l) => l.replace(/\s+M=\S+( MiB)?/, '').replace(/\s+/g, ' '));
    };
    assert.deepEqual(await order({ rounds: 2 }), [
      'todo resnet18 f=1 round 1/2',
      'todo resnet18 f=none round 1/2',
      'todo alexnet f=1 round 1/2',
      'todo alexnet f=none round 1/2',
      'todo resnet18 f=1 round 2/2',
      'todo resnet18 f=none round 2/2',
      'todo alexnet f=1 round 2/2',
      'todo alexnet f=none round 2/2',
    ]);
    const one = await order({ order: 'shuffled', seed: 7 });
    const two = await order({ order: 'shuffled', seed: 7, rounds: 2 });
    const seed8 = await order({ order: 'shuffled', seed: 8 });
    const strip = (xs: string[]): string[] => xs.map((l) => l.replace(/ round \d\/\d$/, ''));
    assert.deepEqual(strip(two.slice(0, 4)), one, 'round 1 as without rounds');
    assert.deepEqual(strip(two.slice(4)), seed8, 'round 2 drawn from seed + 1');
    assert.ok(two.slice(4).every((l) => l.endsWith('round 2/2')));
  });
});
