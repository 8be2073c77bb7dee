// The README's main command runs `npx memlat ...` from a fresh clone after `npm run build`: the bin
// must be an executable file with a node shebang (tsc writes mode 644; the build script sets 755).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.js';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };
const bin = join(repoRoot, pkg.bin.memlat!);

test('the memlat bin is executable and runs by itself and through npx', () => {
  assert.ok(statSync(bin).mode & 0o100, `${bin} is not executable; build with 'npm run build'`);
  assert.equal(readFileSync(bin, 'utf8').split('\n')[0], '#!/usr/bin/env node');
  const direct = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  assert.equal(direct.status, 0, direct.stderr);
  assert.equal(direct.stdout.trim(), pkg.version);
  const viaNpx = spawnSync('npx', ['--no-install', 'memlat', '--version'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(viaNpx.status, 0, viaNpx.stderr);
  assert.equal(viaNpx.stdout.trim(), pkg.version);
});
