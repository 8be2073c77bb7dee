// Swap files: setupSwap creates, enables and records a file; removeSwap disables and deletes only
// what memlat recorded; withSwap creates nothing when enough swap exists. Real swapon/swapoff (root).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { activeSwaps, readState, removeSwap, setupSwap, swapBytes, withSwap } from '../../src/host/swap.js';
import { UserError } from '../../src/errors.js';
import { makeTempDir, removeDir, withTempDir } from '../helpers/tmp.js';

const skip = process.getuid?.() !== 0 ? 'needs root (swapon/swapoff)' : false;
const MiB = 2 ** 20;

test('swapBytes parses /proc/meminfo', () => {
  assert.deepEqual(swapBytes('MemTotal: 100 kB\nSwapTotal:     2048 kB\nSwapFree:      1024 kB\n'), { totalBytes: 2048 * 1024, freeBytes: 1024 * 1024 });
});

test('setupSwap / removeSwap: real swap file, recorded in the state file, removed exactly', { skip, timeout: 60_000 }, async () => {
  const dir = makeTempDir('memlat-swaptest-', '/var/tmp');
  const prevState = process.env.MEMLAT_STATE;
  process.env.MEMLAT_STATE = join(dir, 'state.json');
  try {
    const foreign = join(dir, 'not-ours');
    writeFileSync(foreign, 'x');
    const path = join(dir, 'swap');
    const before = swapBytes().totalBytes;
    setupSwap(64 * MiB, path);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.ok(
      activeSwaps().some((s) => s.path === path),
      'listed in /proc/swaps',
    );
    assert.equal(swapBytes().totalBytes - before, 64 * MiB - 4096, 'swap grew by the file minus its header page');
    assert.deepEqual(
      readState().swapFiles.map((f) => [f.path, f.bytes]),
      [[path, 64 * MiB]],
    );
    assert.throws(
      () => setupSwap(64 * MiB, path),
      (e: unknown) => e instanceof UserError && /file exists/.test(e.message),
    );
    assert.deepEqual(removeSwap(), [path]);
    assert.equal(existsSync(path), false);
    assert.ok(!activeSwaps().some((s) => s.path === path));
    assert.equal(existsSync(foreign), true, 'files memlat did not create are untouched');
    assert.deepEqual(readState().swapFiles, []);
    assert.equal(existsSync(join(dir, 'state.json')), false, 'an empty state leaves no file behind');
    // withSwap(0) needs nothing: creates nothing
    const swapsBefore = readFileSync('/proc/swaps', 'utf8');
    assert.equal(await withSwap(0, () => Promise.resolve(readFileSync('/proc/swaps', 'utf8'))), swapsBefore);
  } finally {
    if (prevState === undefined) delete process.env.MEMLAT_STATE;
    else process.env.MEMLAT_STATE = prevState;
    removeDir(dir);
  }
});

test('setupSwap rejects a size too small to hold a swap header', { skip }, async () => {
  await withTempDir('memlat-swaptest-', (dir) => {
    assert.throws(() => setupSwap(1000, join(dir, 's')), /at least 40KiB/);
  });
});
