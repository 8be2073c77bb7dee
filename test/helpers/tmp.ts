/**
 * Temporary folders for tests, removed afterwards: the one helper instead of inline
 * mkdtemp/rm pairs. `withTempDir` scopes a folder to one callback (removed even when it throws);
 * `tempDirForFile` gives a folder for a whole test file (removed after its last test).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

/** A new empty folder `<parent>/<prefix>XXXXXX` (parent: the OS temp folder). */
export function makeTempDir(prefix: string, parent = tmpdir()): string {
  return mkdtempSync(join(parent, prefix));
}

/** Removes a folder and everything in it; no error when it is already gone. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Runs `fn` with a new temporary folder and removes the folder when `fn` settles (also on a throw
 * or rejection). Returns what `fn` returns.
 * @example await withTempDir('memlat-ds-', async (dir) => { await writeFile(join(dir, 'x.csv'), '') });
 */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => T | Promise<T>, parent = tmpdir()): Promise<T> {
  const dir = makeTempDir(prefix, parent);
  try {
    return await fn(dir);
  } finally {
    removeDir(dir);
  }
}

/**
 * A temporary folder for the whole test file, removed after its last test (node:test `after`).
 * Call it at the top level of a test file.
 */
export function tempDirForFile(prefix: string, parent = tmpdir()): string {
  const dir = makeTempDir(prefix, parent);
  after(() => removeDir(dir));
  return dir;
}
