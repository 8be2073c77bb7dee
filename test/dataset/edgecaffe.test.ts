import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EDGECAFFE_HARDWARE_ID, parseLinearProfile, parsePipelineRuns } from '../../src/dataset/edgecaffe.js';
import { readEdgecaffeDir } from '../../src/dataset/files.js';
import { UserError } from '../../src/errors.js';
import { edgecaffeDir } from '../helpers/paths.js';

const profiles = join(edgecaffeDir, 'profiles');
const linearFiles = readdirSync(profiles).filter((f) => /^linear-\d+\.csv$/.test(f));

/** Raw CSV lines per network over all linear files, and how many of them are "input" lines. */
function rawCounts(): Map<string, { lines: number; input: number }> {
  const m = new Map<string, { lines: number; input: number }>();
  for (const f of linearFiles) {
    for (const line of readFileSync(join(profiles, f), 'utf8').trim().split('\n').slice(1)) {
      const [net, , name] = line.split(',');
      const c = m.get(net!) ?? { lines: 0, input: 0 };
      c.lines++;
      if (name === 'input') c.input++;
      m.set(net!, c);
    }
  }
  return m;
}

test('import edgecaffe: row counts per network equal the raw CSV lines minus the "input" pseudo-layer', async () => {
  const imp = await readEdgecaffeDir(edgecaffeDir);
  const raw = rawCounts();
  assert.deepEqual([...raw.keys()].sort(), ['AgeNet', 'FaceNet', 'GenderNet']);
  assert.equal(linearFiles.length, 17);
  for (const [net, c] of raw) {
    const n = imp.rows.filter((r) => r.network === net && r.source === 'edgecaffe').length;
    assert.equal(n, c.lines - c.input, net);
    const info = imp.networks.find((x) => x.network === net)!;
    assert.deepEqual(info.unmatched, { input: c.input });
    assert.equal(c.input, 17 * 3); // 3 runs per file
  }
  // AgeNet: 20 timed layers (incl. input) x 51 runs -> 19 x 51 rows.
  assert.equal(imp.rows.filter((r) => r.network === 'AgeNet').length, 19 * 51);
  // Networks without linear runs come from description.yaml means, flagged.
  for (const net of ['EmotionNet', 'MemNet', 'SceneNet']) {
    const rows = imp.rows.filter((r) => r.network === net);
    assert.ok(rows.length > 15, net);
    assert.ok(rows.every((r) => r.source === 'edgecaffe-mean' && r.rep === 0));
  }
  assert.ok(imp.rows.every((r) => r.hardwareId === EDGECAFFE_HARDWARE_ID && r.memoryLimitBytes === null && r.unloadMs === null && !r.oom));
});

test('import edgecaffe: values spot-checked against the raw files', async () => {
  const imp = await readEdgecaffeDir(edgecaffeDir);
  const find = (net: string, layer: string, rep: number) => imp.rows.find((r) => r.network === net && r.layerName === layer && r.rep === rep);
  // linear-1.csv, first AgeNet run: conv1,732042,11418124
  const c1 = find('AgeNet', 'conv1', 0)!;
  assert.equal(c1.loadMs, 0.732042);
  assert.equal(c1.runMs, 11.418124);
  assert.equal(c1.layerType, 'conv2d');
  assert.deepEqual(c1.inputShapes, [[1, 3, 227, 227]]);
  // linear-1.csv, second AgeNet run: fc6,423760373,16348288 (rep 1)
  const fc6 = find('AgeNet', 'fc6', 1)!;
  assert.equal(fc6.loadMs, 423.760373);
  assert.equal(fc6.runMs, 16.348288);
  assert.equal(fc6.layerType, 'dense');
  // In-place relu keeps its Caffe name; rep of linear-2.csv's first run is 3.
  const line = readFileSync(join(profiles, 'linear-2.csv'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('GenderNet,2,relu1,'))!;
  const [, , , loadNs, execNs] = line.split(',');
  const relu = find('GenderNet', 'relu1', 3)!;
  assert.equal(relu.loadMs, Number(loadNs) / 1e6);
  assert.equal(relu.runMs, Number(execNs) / 1e6);
  assert.equal(relu.layerType, 'activation');
  assert.equal(relu.inputShapes[0]![0], 10); // GenderNet's prototxt batch
  // MemNet conv1 mean from description.yaml (microseconds -> ms).
  const desc = readFileSync(join(edgecaffeDir, 'MemNet', 'description.yaml'), 'utf8');
  const us = Number(/name: conv1\n(?:.*\n)*?\s+estimated_time_loading: (\d+)/.exec(desc)![1]);
  assert.equal(find('MemNet', 'conv1', 0)!.loadMs, us / 1000);
});

test('memory.csv becomes the pipeline table: 6 limits x 4 policies, binary units', async () => {
  const { pipeline } = await readEdgecaffeDir(edgecaffeDir);
  assert.equal(pipeline.length, 24);
  assert.deepEqual(pipeline[0], { memoryLimitBytes: 4 * 1024 ** 3, policy: 'partial', totalMs: 32255 });
  assert.deepEqual(pipeline.at(-1), { memoryLimitBytes: 128 * 1024 ** 2, policy: 'linear', totalMs: 168717 });
  assert.throws(() => parsePipelineRuns('mem_limit,policy,time\nlots,linear,5\n', 'm.csv'), /m\.csv line 2: expected mem_limit like 512M/);
});

test('bad linear profile lines throw UserErrors naming the line', () => {
  assert.throws(
    () => parseLinearProfile('networkName,layerId,layerName,Loading_ns,execution_ns,policy\nA,0,x,12,abc,linear\n', 1, 'l.csv'),
    (e: unknown) => e instanceof UserError && /l\.csv line 2: column execution_ns "abc" is not a non-negative integer/.test(e.message),
  );
});
