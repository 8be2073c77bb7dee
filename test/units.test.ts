import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBytes, parseMemoryLimit, parseDurationMs, formatBytes, setupSwapCommand } from '../src/units.js';
import { UserError } from '../src/errors.js';

test('parseBytes accepts binary, decimal and plain units', () => {
  assert.equal(parseBytes('512MiB', 'm'), 512 * 1024 * 1024);
  assert.equal(parseBytes('0.5GiB', 'm'), 512 * 1024 * 1024);
  assert.equal(parseBytes('300MB', 'm'), 300_000_000);
  assert.equal(parseBytes('4096', 'm'), 4096);
  assert.equal(parseBytes('1.5G', 'm'), 1.5 * 1024 ** 3);
  assert.equal(parseBytes(' 64 kib ', 'm'), 65536);
});

test('parseBytes rejects garbage with the field and an example', () => {
  assert.throws(
    () => parseBytes('lots', '--memory'),
    (e: unknown) => e instanceof UserError && /--memory: "lots" is not a size; write e\.g\. 512MiB/.test(e.message),
  );
  assert.throws(() => parseBytes('5 parsecs', '--memory'), UserError);
});

test('parseMemoryLimit maps none to null and rejects zero', () => {
  assert.equal(parseMemoryLimit('none'), null);
  assert.equal(parseMemoryLimit('1GiB'), 1024 ** 3);
  assert.throws(() => parseMemoryLimit('0'), /greater than zero/);
});

test('parseDurationMs and formatBytes', () => {
  assert.equal(parseDurationMs('200ms', 't'), 200);
  assert.equal(parseDurationMs('1.5s', 't'), 1500);
  assert.equal(parseDurationMs('30m', 't'), 1_800_000);
  assert.equal(parseDurationMs('250', 't'), 250);
  assert.equal(formatBytes(536870912), '512 MiB');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(100), '100 B');
});

test('stats: median and type-7 quantile against hand-computed values (numpy.quantile defaults)', async () => {
  const { median, quantile } = await import('../src/stats.js');
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  // numpy.quantile([1, 2, 3, 4, 10], [0.1, 0.5, 0.9]) = [1.4, 3.0, 7.6]
  assert.ok(Math.abs(quantile([10, 1, 2, 3, 4], 0.1) - 1.4) < 1e-12);
  assert.equal(quantile([10, 1, 2, 3, 4], 0.5), 3);
  assert.ok(Math.abs(quantile([10, 1, 2, 3, 4], 0.9) - 7.6) < 1e-12);
});

test('setupSwapCommand: whole GiB rounded up, at least 1 (one rule for every swap advice)', () => {
  assert.equal(setupSwapCommand(1), 'sudo memlat doctor --setup-swap 1GiB');
  assert.equal(setupSwapCommand(0), 'sudo memlat doctor --setup-swap 1GiB');
  assert.equal(setupSwapCommand(2 ** 30), 'sudo memlat doctor --setup-swap 1GiB');
  assert.equal(setupSwapCommand(2 ** 30 + 1), 'sudo memlat doctor --setup-swap 2GiB');
  // run's advice: the whole need + 1 GiB; 3.5 GiB needed -> 4.5 GiB -> 5GiB
  assert.equal(setupSwapCommand(3.5 * 2 ** 30 + 2 ** 30), 'sudo memlat doctor --setup-swap 5GiB');
});
