/**
 * `memlat calibrate` without measuring: the budget's duration parsing and minimum, --threads, and the
 * dry run (the plan and its estimated time; nothing measured, nothing written, no root needed).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { durationOption } from '../../src/cli/options.js';
import { UserError } from '../../src/errors.js';
import { captureCli } from '../helpers/cli.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

const dir = makeTempDir('memlat-calibrate-cli-');
after(() => removeDir(dir));

test('--budget durations: 30s, 2m, 10m, 1.5m, 1h; not a duration names the flag and the fix', () => {
  assert.equal(durationOption('30s', '--budget'), 30_000);
  assert.equal(durationOption('2m', '--budget'), 120_000);
  assert.equal(durationOption('10m', '--budget'), 600_000);
  assert.equal(durationOption('1.5m', '--budget'), 90_000);
  assert.equal(durationOption('1h', '--budget'), 3_600_000);
  assert.throws(
    () => durationOption('10 minutes', '--budget'),
    (e: unknown) => e instanceof UserError && /^--budget: "10 minutes" is not a duration; write e\.g\. 200ms, 1\.5s or 30m$/.test(e.message),
  );
});

test('a budget below 20 s is refused in one line with the minimum; so is a bad duration', async () => {
  const r = await captureCli(['calibrate', '--budget', '10s', '--dry-run', '--cache-dir', dir]);
  assert.equal(r.code, 2);
  assert.match(r.err, /^memlat: --budget 10s: 10\.0 s is too short to measure anything .*give at least 20s, e\.g\. --budget 2m \(default 10m\)\n$/);
  const bad = await captureCli(['calibrate', '--budget', 'soon', '--dry-run']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--budget: "soon" is not a duration/);
  const t = await captureCli(['calibrate', '--threads', '0', '--dry-run']);
  assert.equal(t.code, 2);
  assert.match(t.err, /^memlat: --threads 0: must be a positive integer/);
});

test('--dry-run prints the plan, what fits the budget and its estimated time, and measures nothing', async () => {
  const cache = join(dir, 'cache');
  const r = await captureCli(['calibrate', '--dry-run', '--budget', '1m', '--cache-dir', cache, '--threads', '2']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^machine \S+, 2 thread\(s\); rows in .*calibrate\/\S+\/rows\.csv$/m);
  assert.match(r.out, /\[x\] step 0: at no limit: alexnet#\d+ classifier\.4 \(load, 64\.0 MiB\)/);
  assert.match(r.out, /\[x\] step 1: at \d+ MiB: alexnet#\d+ classifier\.4 \(swap f=0\.6/);
  assert.match(r.out, /estimated measuring time \d+s .*nothing measured \(--dry-run\)/);
  // a longer budget chooses more steps
  const long = await captureCli(['calibrate', '--dry-run', '--budget', '30m', '--cache-dir', cache, '--threads', '2', '--json']);
  assert.equal(long.code, 0, long.err);
  const doc = JSON.parse(long.out) as {
    dryRun: boolean;
    measured: unknown;
    model: unknown;
    plan: { steps: { chosen: boolean; kind: string }[]; estimatedMs: number };
  };
  assert.equal(doc.dryRun, true);
  assert.equal(doc.measured, null);
  assert.equal(doc.model, null);
  const short = (r.out.match(/\[x\]/g) ?? []).length;
  const chosen = doc.plan.steps.filter((s) => s.chosen).length;
  assert.ok(chosen >= short && chosen === doc.plan.steps.length, `${short} -> ${chosen}`);
  assert.ok(doc.plan.steps.some((s) => s.kind === 'network'));
  assert.ok(doc.plan.estimatedMs > 0 && doc.plan.estimatedMs < 30 * 60_000);
  // nothing written
  assert.ok(!existsSync(join(cache, 'calibrate')) || readdirSync(join(cache, 'calibrate')).length === 0);
});
