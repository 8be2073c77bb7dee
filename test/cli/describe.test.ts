import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { unknownOps } from '../fixtures/onnx/make-fixtures.js';
import { tempDirForFile } from '../helpers/tmp.js';

const dir = tempDirForFile('memlat-cli-');

/** Runs the real CLI from source (as a user would with tsx), capturing exit code and output. */
function memlat(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npx', ['tsx', join(repoRoot, 'src', 'cli', 'main.ts'), ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('describe resnet50: 25.6M params and 4.09 GMACs (torchvision: 25,557,032 / 4.09 G)', () => {
  const r = memlat('describe', 'resnet50');
  assert.equal(r.code, 0, r.stderr);
  const first = r.stdout.split('\n')[0] ?? '';
  assert.match(first, /^resnet50: 175 layers, 25\.6M params, 4\.09 GMACs, /);
  assert.match(r.stdout, /\n\s+total\s+175 layers\s+25,557,032\s+4\.09G\s/);
  assert.equal(r.stderr, '');
});

test('describe --json --batch 2: the documented document, MACs scale with the batch', () => {
  const r = memlat('describe', 'resnet50', '--json', '--batch', '2');
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout) as {
    name: string;
    totals: { params: number; macs: number; weightBytes: number };
    layers: { name: string; type: string; inputShapes: number[][]; outputShape: number[]; macs: number }[];
  };
  assert.equal(d.name, 'resnet50');
  assert.deepEqual(d.totals, { params: 25_557_032, macs: 2 * 4_089_184_256, weightBytes: d.totals.weightBytes });
  assert.equal(d.layers.length, 175);
  assert.deepEqual(d.layers[0]?.inputShapes, [[2, 3, 224, 224]]);
  assert.deepEqual(d.layers.at(-1)?.outputShape, [2, 1000]);
  assert.equal(
    d.layers.reduce((a, l) => a + l.macs, 0),
    d.totals.macs,
  );
});

test('user errors: one line each on stderr, exit 2, no stack trace', () => {
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{\n  "name": "x",\n  "inputs": [}\n');
  let r = memlat('describe', bad);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^memlat: .*bad\.json: not valid JSON at line 3, column 14: Unexpected token '}'; fix the syntax[^\n]*\n$/);

  const shapes = join(dir, 'shapes.json');
  writeFileSync(
    shapes,
    JSON.stringify({
      name: 's',
      inputs: [{ name: 'x', shape: [1, 3, 3, 3] }],
      layers: [
        { name: 'conv3', type: 'conv2d', inputs: ['x'], outChannels: 4, kernel: 5 },
        { name: 'fc', type: 'dense', units: 0, inputs: ['conv3'] },
      ],
    }),
  );
  r = memlat('describe', shapes);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `memlat: ${shapes}: layers[1] "fc": units is 0; must be a positive integer\n`);
  // Structure is checked first; once it is valid, shapes are checked.
  writeFileSync(
    shapes,
    JSON.stringify({
      name: 's',
      inputs: [{ name: 'x', shape: [1, 3, 3, 3] }],
      layers: [{ name: 'conv3', type: 'conv2d', inputs: ['x'], outChannels: 4, kernel: 5 }],
    }),
  );
  r = memlat('describe', shapes);
  assert.equal(r.stderr, `memlat: ${shapes}: layers[0] "conv3": kernel 5 exceeds padded input 3x3\n`);

  r = memlat('describe', 'resnet51', '--batch', '0');
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'memlat: --batch 0: must be a positive integer, e.g. --batch 8\n');
  r = memlat('describe', 'resnet51');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^memlat: unknown network "resnet51": not a file and not a zoo name; zoo names are [^\n]*resnet50[^\n]*\n$/);
});

test('ONNX with unsupported ops: error listing them, or opaque layers with warnings', () => {
  const p = join(dir, 'unknown-ops.onnx');
  writeFileSync(p, unknownOps().bytes);
  let r = memlat('describe', p);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^memlat: .*unknown-ops\.onnx: .*Hardmax.*Shrink/);
  assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
  r = memlat('describe', p, '--allow-unknown-ops', '--json');
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout) as { layers: { type: string }[] };
  assert.deepEqual(
    d.layers.map((l) => l.type),
    ['conv2d', 'opaque', 'opaque', 'opaque', 'activation'],
  );
  assert.match(r.stderr, /^memlat: warning: /);
});
