import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadNetwork, looksLikeCaffe } from '../../src/network/load.js';
import { resolveNetwork } from '../../src/network/shapes.js';
import { UserError } from '../../src/errors.js';
import { smallCnn } from '../fixtures/onnx/make-fixtures.js';
import { edgecaffeDir } from '../helpers/paths.js';
import { tempDirForFile } from '../helpers/tmp.js';

const dir = tempDirForFile('memlat-load-');

async function rejectsWith(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof UserError && re.test(e.message));
}

const tiny = {
  name: 'tiny',
  inputs: [{ name: 'x', shape: [1, 8] }],
  layers: [
    { name: 'fc', type: 'dense', units: 4, inputs: ['x'] },
    { name: 'r', type: 'reshape', shape: [1, 2, 2], inputs: ['fc'] },
  ],
};

test('zoo names (any spelling), with batch and seqLen', async () => {
  const { network, warnings } = await loadNetwork('ResNet-18', { batch: 2 });
  assert.equal(network.name, 'resnet18');
  assert.deepEqual(network.inputs[0]?.shape, [2, 3, 224, 224]);
  assert.deepEqual(warnings, []);
  const bert = await loadNetwork('bert-base', { seqLen: 64 });
  assert.deepEqual(bert.network.inputs[0]?.shape, [1, 64]);
  await rejectsWith(loadNetwork('resnet51'), /^unknown network "resnet51": not a file and not a zoo name; zoo names are alexnet, .*resnet50/);
  await rejectsWith(loadNetwork(join(dir, 'nope.json')), /nope\.json": no such file; check the path/);
  await rejectsWith(loadNetwork(dir), /is a directory/);
});

test('.json files: validated, batch applied (reshape targets follow)', async () => {
  const p = join(dir, 'tiny.json');
  writeFileSync(p, JSON.stringify(tiny));
  const { network } = await loadNetwork(p, { batch: 3 });
  assert.deepEqual(network.inputs[0]?.shape, [3, 8]);
  assert.deepEqual(resolveNetwork(network).layers.at(-1)?.outputShape, [3, 2, 2]);

  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{\n  "name": "x",\n  "inputs": [}\n');
  await rejectsWith(loadNetwork(bad), new RegExp(`^${bad.replace(/[.]/g, '\\.')}: not valid JSON at line 3, column 14: .*; fix the syntax`));
  const wrong = join(dir, 'wrong.json');
  writeFileSync(wrong, JSON.stringify({ ...tiny, layers: [{ name: 'fc', type: 'dense', units: -4, inputs: ['x'] }] }));
  await rejectsWith(loadNetwork(wrong), /wrong\.json: layers\[0\] "fc": units is -4; must be a positive integer$/);
});

test('.onnx (also sniffed without the extension) and Caffe prototxt (any file name)', async () => {
  const onnxPath = join(dir, 'small-cnn.onnx');
  writeFileSync(onnxPath, smallCnn().bytes);
  const onnx = await loadNetwork(onnxPath);
  assert.equal(onnx.network.name, 'small-cnn');
  assert.deepEqual(resolveNetwork(onnx.network).layers.at(-1)?.outputShape, [1, 10]);
  const sniffed = join(dir, 'model.bin');
  writeFileSync(sniffed, smallCnn().bytes);
  assert.equal((await loadNetwork(sniffed, { batch: 4 })).network.inputs[0]?.shape[0], 4);

  const text = readFileSync(join(edgecaffeDir, 'AgeNet', 'age_deploy.prototxt'), 'utf8');
  assert.ok(looksLikeCaffe(text));
  assert.ok(!looksLikeCaffe(JSON.stringify(tiny)));
  const caffePath = join(dir, 'age.txt');
  writeFileSync(caffePath, text);
  const caffe = await loadNetwork(caffePath);
  assert.ok(caffe.network.layers.some((l) => l.type === 'conv2d'));
  assert.deepEqual(resolveNetwork(caffe.network).layers.at(-1)?.outputShape, [1, 8]); // 8 age classes

  const junk = join(dir, 'junk.onnx');
  writeFileSync(junk, 'this is not a model');
  await rejectsWith(loadNetwork(junk), /^.*junk\.onnx: /);
});
