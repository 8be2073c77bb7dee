/**
 * The real `memlat predict` / `curve` / `min-memory` commands, spawned as a user runs them, with a
 * module-load recorder (an ESM resolve hook plus require.cache at exit) proving the prediction path
 * never loads onnxruntime.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveNetwork } from '../../src/network/shapes.js';
import { zooNetwork } from '../../src/network/zoo/index.js';
import { loadBundle } from '../../src/predict/bundle.js';
import { latencyCurve } from '../../src/predict/curve.js';
import { minMemory } from '../../src/predict/min-memory.js';
import { formatBytes } from '../../src/units.js';
import { predictNetwork } from '../../src/predict/predict.js';
import { repoRoot } from '../helpers/paths.js';
import { writeDataset } from '../../src/dataset/files.js';
import { HW, syntheticRows } from '../helpers/synthetic.js';
import { testBundleJson } from '../helpers/bundle-fixture.js';
import { tempDirForFile } from '../helpers/tmp.js';

const fromSource = import.meta.url.endsWith('.ts');
const dir = tempDirForFile('memlat-predict-cli-');
// The machine check reads this machine's cached fingerprint (<MEMLAT_CACHE>/hardware.json); one that
// differs from the bundle's by > 1.25x makes predict scale the model zero-shot (test/predict/zero-shot*).
// An empty cache keeps these equality tests independent of what `memlat hardware` last measured here.
process.env.MEMLAT_CACHE = join(dir, 'empty-cache');
const bundlePath = join(dir, 'bundle.json');
writeFileSync(bundlePath, JSON.stringify(testBundleJson()));
const loadsFile = join(dir, 'loads.txt');
const hookPath = join(dir, 'record-loads.mjs');
writeFileSync(
  join(dir, 'hooks.mjs'),
  `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(loadsFile)}, r.url + '\\n');
  return r;
}
`,
);
writeFileSync(
  hookPath,
  `import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});
const require = createRequire(import.meta.url);
process.on('exit', () => appendFileSync(${JSON.stringify(loadsFile)}, Object.keys(require.cache).map((k) => 'cjs:' + k + '\\n').join('')));
`,
);

/** Runs the CLI (from source under tsx, or compiled from dist/) with the load recorder. */
function cli(args: string[]): { status: number | null; stdout: string; stderr: string; loads: string[] } {
  writeFileSync(loadsFile, '');
  const entry = fromSource ? ['--import', 'tsx', join(repoRoot, 'src', 'cli', 'main.ts')] : [join(repoRoot, 'dist', 'src', 'cli', 'main.js')];
  const r = spawnSync(process.execPath, ['--import', hookPath, ...entry, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, loads: readFileSync(loadsFile, 'utf8').split('\n').filter(Boolean) };
}

const vgg = resolveNetwork(zooNetwork('vgg16'));
const bundle = loadBundle(testBundleJson());

test('memlat predict --json: the documented document, equal to predictNetwork, without loading onnxruntime', () => {
  const r = cli(['predict', 'vgg16', '--memory', '300MiB', '--model', bundlePath, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as Record<string, unknown> & { layers: Record<string, unknown>[] };
  assert.deepEqual(Object.keys(doc).slice(0, 6), ['network', 'memoryBytes', 'model', 'totalMs', 'intervalMs', 'layers']);
  assert.deepEqual(Object.keys(doc.layers[0]!).slice(0, 7), ['name', 'type', 'loadMs', 'runMs', 'unloadMs', 'totalMs', 'swaps']);
  const p = predictNetwork(vgg, 300 * 2 ** 20, bundle);
  assert.equal(doc.network, 'vgg16');
  assert.equal(doc.memoryBytes, 300 * 2 ** 20);
  assert.equal(doc.model, bundlePath);
  assert.equal(doc.totalMs, p.totalMs);
  assert.deepEqual(doc.intervalMs, p.intervalMs);
  assert.equal(doc.layers.length, 40);
  assert.deepEqual(
    doc.layers.filter((l) => l.swaps).map((l) => l.name),
    ['classifier.0'],
  );
  // The recorder works (it saw the CLI's own modules) and saw no onnxruntime.
  assert.ok(
    r.loads.some((u) => u.includes('/predict/predict.')),
    'load recorder saw the predictor',
  );
  assert.deepEqual(
    r.loads.filter((u) => /onnxruntime/.test(u)),
    [],
  );
});

test('the load recorder does see onnxruntime when a command loads it (control)', () => {
  writeFileSync(loadsFile, '');
  const s = spawnSync(process.execPath, ['--import', hookPath, '--input-type=module', '-e', "await import('onnxruntime-node')"], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(s.status, 0, s.stderr);
  assert.ok(readFileSync(loadsFile, 'utf8').includes('onnxruntime-node'));
});

test('memlat predict: table with totals, interval and bottlenecks; one-line errors exit 2', () => {
  const r = cli(['predict', 'vgg16', '--memory', '300MiB', '--model', bundlePath, '--top', '2']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^vgg16 at memory 300 MiB: predicted total \d+ ms; 1 of 40 layers swap$/m);
  assert.match(r.stdout, /^90% interval: \d+ - \d+ ms$/m);
  assert.match(r.stdout, /^bottlenecks:\n {2}classifier\.0 \(dense\): \d+ ms, \d+\.\d% of total\n {2}features\.19 \(conv2d\)/m);
  const nocal = join(dir, 'nocal.json');
  writeFileSync(nocal, JSON.stringify(testBundleJson(false)));
  assert.match(cli(['predict', 'vgg16', '--memory', 'none', '--model', nocal]).stdout, /^no interval: the model has no calibration$/m);
  const cases: [string[], RegExp][] = [
    [['predict', 'vgg16', '--memory', '30MiB', '--model', bundlePath], /^memlat: --memory 30 MiB is not more than the 47\.7 MiB the runtime itself needs/],
    [['predict', 'nonet', '--memory', '1GiB', '--model', bundlePath], /^memlat: unknown network "nonet"/],
    [['predict', 'vgg16', '--memory', 'lots', '--model', bundlePath], /^memlat: --memory: "lots" is not a size/],
    [['predict', 'vgg16', '--memory', '1GiB', '--model', join(dir, 'missing.json')], /^memlat: --model .*missing\.json: no such file/],
    [['predict', 'vgg16', '--memory', '1GiB', '--model', 'nosuchname'], /^memlat: --model nosuchname: not a file and not a bundled model/],
    [
      ['predict', 'vgg16', '--memory', '1GiB', '--model', join(repoRoot, 'package.json')],
      /^memlat: invalid model file .*package\.json: expected format "memlat-bundle@1" or name "memlat-model"/,
    ],
  ];
  for (const [args, re] of cases) {
    const e = cli(args);
    assert.equal(e.status, 2, args.join(' '));
    assert.match(e.stderr, re);
    assert.equal(e.stderr.trim().split('\n').length, 1, e.stderr);
  }
});

test('memlat curve --json equals latencyCurve; --svg writes the chart; no onnxruntime', () => {
  const svg = join(dir, 'curve.svg');
  const r = cli(['curve', 'vgg16', '--model', bundlePath, '--from', '64MiB', '--to', '4GiB', '--points', '25', '--json', '--svg', svg]);
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as {
    network: string;
    points: { memoryBytes: number; totalMs: number; lowMs: number; highMs: number }[];
    kneeBytes: number;
    saturationBytes: number;
  };
  assert.deepEqual(Object.keys(doc).slice(0, 4), ['network', 'points', 'kneeBytes', 'saturationBytes']);
  const c = latencyCurve(vgg, bundle, { fromBytes: 64 * 2 ** 20, toBytes: 4 * 2 ** 30, points: 25 });
  assert.deepEqual(doc.points, c.points);
  assert.equal(doc.kneeBytes, c.kneeBytes);
  assert.equal(doc.saturationBytes, c.saturationBytes);
  // The CLI's points agree with predict at the same M.
  const mid = doc.points[12]!;
  assert.equal(mid.totalMs, predictNetwork(vgg, mid.memoryBytes, bundle).totalMs);
  const s = readFileSync(svg, 'utf8');
  assert.match(s, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" class="chart" data-kind="line"/);
  assert.equal((/class="mark line"[^>]* d="([^"]+)"/.exec(s)![1]!.match(/[ML]/g) ?? []).length, 25);
  assert.deepEqual(
    r.loads.filter((u) => /onnxruntime/.test(u)),
    [],
  );
  const t = cli(['curve', 'vgg16', '--model', bundlePath, '--points', '8']);
  assert.match(t.stdout, /^knee 440 MiB: below it at least one layer swaps/m);
  assert.match(t.stdout, /^saturation \S+ MiB: more memory improves the predicted total by less than 1%$/m);
});

test('memlat min-memory --json equals minMemory; unreachable targets say so', () => {
  const target = (predictNetwork(vgg, 100 * 2 ** 20, bundle).totalMs + predictNetwork(vgg, null, bundle).totalMs) / 2;
  const r = cli(['min-memory', 'vgg16', '--model', bundlePath, '--target', `${target}ms`, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.deepEqual(Object.keys(doc).slice(0, 4), ['network', 'targetMs', 'memoryBytes', 'conservativeMemoryBytes']);
  const m = minMemory(vgg, bundle, target);
  assert.equal(doc.memoryBytes, m.memoryBytes);
  assert.equal(doc.conservativeMemoryBytes, m.conservativeMemoryBytes);
  assert.ok(predictNetwork(vgg, m.memoryBytes, bundle).totalMs <= target);
  assert.deepEqual(
    r.loads.filter((u) => /onnxruntime/.test(u)),
    [],
  );
  const no = cli(['min-memory', 'vgg16', '--model', bundlePath, '--target', '1s']);
  assert.equal(no.status, 0, no.stderr);
  // the range starts at the thrash floor: idle + half of classifier.0's working set
  assert.match(
    no.stdout,
    new RegExp(
      `^vgg16: no memory from ${formatBytes(m.floorBytes).replace('.', '\\.')} to 8 GiB \\(the machine's RAM\\) meets 1000 ms; the fastest predicted total is \\d+ ms$`,
      'm',
    ),
  );
  assert.ok(m.floorBytes > 200 * 2 ** 20 && m.floorBytes < 300 * 2 ** 20, `floor ${m.floorBytes}`);
  // a target only the thrashing region meets by the model: the answer is the floor, with a warning
  const slow = predictNetwork(vgg, 60 * 2 ** 20, bundle).totalMs * 1.0001;
  const f = cli(['min-memory', 'vgg16', '--model', bundlePath, '--target', `${slow}ms`]);
  assert.equal(f.status, 0, f.stderr);
  assert.match(f.stdout, new RegExp(`^vgg16: ${formatBytes(m.floorBytes).replace('.', '\\.')} \\(${m.floorBytes} bytes\\) is the least memory`, 'm'));
  assert.match(
    f.stderr,
    /^memlat: warning: the model alone would answer \S+ MiB, but below \S+ MiB \(the runtime's footprint \+ half the working set of the largest layer "classifier\.0", \S+ MiB\) runs thrash/m,
  );
  const bad = cli(['min-memory', 'vgg16', '--model', bundlePath, '--target', 'soon']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^memlat: --target: "soon" is not a duration/);
});

test('memlat report writes one self-contained page from a dataset, without onnxruntime', () => {
  const data = join(dir, 'rows.csv');
  const out = join(dir, 'report.html');
  return writeDataset(data, syntheticRows(), { hardware: [HW] }).then(() => {
    const r = cli(['report', '--data', data, '--model', bundlePath, '--network', 'vgg16', '--memory', '300MiB', '--points', '20', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const html = readFileSync(out, 'utf8');
    assert.equal((html.match(/<svg /g) ?? []).length, 4);
    assert.equal((html.match(/class="mark point"/g) ?? []).length, 68 * 3); // 68 layer configurations x 3 memory levels
    assert.match(html, /<td>none<\/td><td>68<\/td>/);
    assert.ok(!/<script|<link|src="http/.test(html));
    assert.deepEqual(
      r.loads.filter((u) => /onnxruntime/.test(u)),
      [],
    );
    const missing = cli(['report', '--data', join(dir, 'nope.csv'), '--model', bundlePath, '--out', out]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^memlat: --data .*nope\.csv: no such file/);
  });
});

test('memlat curve --measure really runs the network at the asked level and overlays the medians', (t) => {
  const net = join(dir, 'tiny.json');
  writeFileSync(
    net,
    JSON.stringify({
      format: 'memlat-network@1',
      name: 'tiny',
      inputs: [{ name: 'x', shape: [1, 16, 32, 32] }],
      layers: [
        { type: 'conv2d', name: 'c1', inputs: ['x'], outChannels: 32, kernel: 3, padding: 1 },
        { type: 'activation', name: 'r1', inputs: ['c1'], fn: 'relu' },
      ],
    }),
  );
  const svg = join(dir, 'tiny.svg');
  const r = cli(['curve', net, '--model', bundlePath, '--points', '6', '--measure', '--measure-at', '400MiB', '--reps', '2', '--json', '--svg', svg]);
  if (r.status === 2 && /swap|cgroup|doctor|systemd/i.test(r.stderr)) {
    t.skip(`the runtime cannot limit memory here: ${r.stderr.trim()}`);
    return;
  }
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { measured: { memoryBytes: number; totalMs: number; minMs: number; maxMs: number }[]; points: unknown[] };
  assert.equal(doc.points.length, 6);
  assert.equal(doc.measured.length, 1);
  const m = doc.measured[0]!;
  assert.equal(m.memoryBytes, 400 * 2 ** 20);
  assert.ok(m.totalMs > 0 && m.minMs <= m.totalMs && m.totalMs <= m.maxMs, JSON.stringify(m));
  // The overlay: one measured circle in the chart.
  assert.equal((readFileSync(svg, 'utf8').match(/class="mark point"/g) ?? []).length, 1);
});
