import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { register } from '../../src/cli/commands/profile.js';
import { UserError } from '../../src/errors.js';
import { withTempDir } from '../helpers/tmp.js';

async function cli(args: string[]): Promise<void> {
  const program = new Command().exitOverride();
  register(program);
  await program.parseAsync(['node', 'memlat', 'profile', ...args]);
}

const isUser =
  (re: RegExp) =>
  (e: unknown): boolean =>
    e instanceof UserError && re.test(e.message);

test('memlat profile: bad flags are UserErrors naming the flag and the fix', async () => {
  await assert.rejects(cli(['--out', '/tmp/x.csv', '--layers', '0', '--dry-run']), isUser(/^--layers 0: must be a positive integer/));
  await assert.rejects(
    cli(['--out', '/tmp/x.csv', '--levels', '4,-1', '--dry-run']),
    isUser(/^--levels 4,-1: must be 'continuous', 'none' \(unlimited only\) or comma-separated positive factors/),
  );
  await assert.rejects(cli(['--out', '/tmp/x.csv', '--budget', 'soon', '--dry-run']), isUser(/^--budget: "soon" is not a duration/));
  await assert.rejects(cli(['--out', '/tmp/x.parquet', '--dry-run']), isUser(/^--out \/tmp\/x\.parquet: must end in \.csv/));
});

/** A stored plan (rows.plan.json) of a 2-thread profile, with `fields` over the defaults. */
function storedPlan(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    format: 'memlat-profile-plan@1',
    seed: 1,
    levels: 'continuous',
    unlimited: true,
    idleBytes: 100 * 2 ** 20,
    maxTensorBytes: 512 * 2 ** 20,
    gridRatio: 2 ** (1 / 16),
    chunkSize: 100,
    threads: 2,
    hardwareId: 'hw',
    ...fields,
  };
}

test('memlat profile: resuming with different plan flags is refused with the stored values', async () => {
  await withTempDir('memlat-cliprof-', async (dir) => {
    const out = join(dir, 'rows.csv');
    await writeFile(join(dir, 'rows.plan.json'), JSON.stringify(storedPlan({ seed: 7, levels: [4, 1.5, 1, 0.75, 0.5, 0.25] })));
    // A file profiled with the older fixed levels: the default (continuous) differs, and says so.
    await assert.rejects(
      cli(['--out', out, '--seed', '1', '--threads', '2', '--dry-run']),
      isUser(/--out .*rows\.csv: was profiled with --seed 7 --levels 4,1\.5,1,0\.75,0\.5,0\.25 \(see .*rows\.plan\.json\); resume with those flags/),
    );
    // The matching flags pass (dry run: plan only).
    await cli(['--out', out, '--seed', '7', '--levels', '4,1.5,1,0.75,0.5,0.25', '--threads', '2', '--layers', '10', '--dry-run']);
  });
});

test('memlat profile: a file profiled in network order is resumed only in that order, named by flag', async () => {
  await withTempDir('memlat-cliprof-', async (dir) => {
    const out = join(dir, 'rows.csv');
    await writeFile(join(dir, 'rows.plan.json'), JSON.stringify(storedPlan({ unlimitedOrder: 'network', limitedOrder: 'network' })));
    await assert.rejects(
      cli(['--out', out, '--threads', '2', '--dry-run']),
      isUser(/--out .*rows\.csv: was profiled with --unlimited-order network --limited-order network \(see .*rows\.plan\.json\)/),
    );
    await assert.rejects(
      cli(['--out', out, '--threads', '2', '--unlimited-order', 'network', '--dry-run']),
      isUser(/was profiled with --limited-order network \(see/),
    );
    await cli(['--out', out, '--threads', '2', '--unlimited-order', 'network', '--limited-order', 'network', '--layers', '10', '--dry-run']);
    // a plan stored before the limited order existed is a job-order one
    await writeFile(join(dir, 'rows.plan.json'), JSON.stringify(storedPlan({ unlimitedOrder: 'network' })));
    await assert.rejects(
      cli(['--out', out, '--threads', '2', '--unlimited-order', 'network', '--limited-order', 'network', '--dry-run']),
      isUser(/was profiled with --limited-order job \(see/),
    );
  });
});

test('memlat profile: a targeted profile is resumed only with its --kinds and --min-layer-size, named by flag', async () => {
  await withTempDir('memlat-cliprof-', async (dir) => {
    const out = join(dir, 'rows.csv');
    const MiB = 2 ** 20;
    await writeFile(
      join(dir, 'rows.plan.json'),
      JSON.stringify(storedPlan({ levels: [], kinds: ['dense'], minTensorBytes: 96 * MiB, maxTensorBytes: 640 * MiB })),
    );
    const flags = ['--out', out, '--threads', '2', '--levels', 'none', '--max-layer-size', '640MiB', '--dry-run'];
    await assert.rejects(cli(flags), isUser(/was profiled with --kinds dense --min-layer-size 100663296 \(see .*rows\.plan\.json\)/));
    await assert.rejects(cli([...flags, '--kinds', 'conv2d', '--min-layer-size', '96MiB']), isUser(/was profiled with --kinds dense \(see/));
    await cli([...flags, '--kinds', 'dense', '--min-layer-size', '96MiB', '--layers', '3']);
    // an untargeted file refuses a targeted resume
    await writeFile(join(dir, 'rows.plan.json'), JSON.stringify(storedPlan({ levels: [] })));
    await assert.rejects(
      cli(['--out', out, '--threads', '2', '--levels', 'none', '--kinds', 'dense', '--dry-run']),
      isUser(/was profiled with \(without --kinds\) \(see/),
    );
  });
});
