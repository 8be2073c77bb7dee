/**
 * Paths for tests that work both under tsx (test/*.ts) and compiled (dist/test/*.js):
 * the repo root is the nearest ancestor holding package.json.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${start}`);
    dir = up;
  }
}

/** Absolute path of the repository root. */
export const repoRoot = findRoot(dirname(fileURLToPath(import.meta.url)));
/** The vendored EdgeCaffe profiles and prototxts (data/edgecaffe, BSD-2-Clause). */
export const edgecaffeDir = join(repoRoot, 'data', 'edgecaffe');
/** Fixture files committed with the tests. */
export const fixturesDir = join(repoRoot, 'test', 'fixtures');
