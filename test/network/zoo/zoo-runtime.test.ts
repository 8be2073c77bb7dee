/**
 * The zoo against the runtime: every distinct layer of every zoo network compiles into an
 * onnxruntime session (so `memlat profile`/`run` can execute any zoo network), and the BERT pooler's
 * token-0 selection (reshape -> strided 1x1 max pool -> flatten) really returns token 0's vector.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { zooNames, zooNetwork } from '../../../src/network/zoo/index.js';
import { resolveNetwork } from '../../../src/network/shapes.js';
import { buildLayerGraph } from '../../../src/network/onnx-layer.js';

const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, enableCpuMemArena: false };

test('bert-base-pooled: the pooler picks token 0 of every sequence (run with onnxruntime)', async () => {
  const seqLen = 8;
  const hidden = 768;
  const rn = resolveNetwork(zooNetwork('bert-base-pooled', { seqLen, batch: 2 }));
  // Element (b, s, j) holds b*S*H + s*H + j, so token 0 of sequence b is b*S*H + j.
  let x = new ort.Tensor(
    'float32',
    Float32Array.from({ length: 2 * seqLen * hidden }, (_, i) => i),
    [2, seqLen, hidden],
  );
  for (const name of ['pooler.first_token.view', 'pooler.first_token', 'pooler.first_token.flatten']) {
    const rl = rn.layers.find((l) => l.layer.name === name);
    assert.ok(rl, name);
    const graph = buildLayerGraph(rl.layer, rl.inputShapes);
    assert.equal(graph.weights.length, 0);
    const session = await ort.InferenceSession.create(graph.modelBytes, SESSION_OPTIONS);
    const input = graph.inputs[0];
    assert.ok(input);
    const out = (await session.run({ [input.name]: x }))[graph.outputName];
    await session.release();
    assert.ok(out);
    assert.deepEqual([...out.dims], rl.outputShape);
    x = out as typeof x;
  }
  const want = Float32Array.from({ length: 2 * hidden }, (_, i) => (i < hidden ? i : seqLen * hidden + (i - hidden)));
  assert.deepEqual(x.data, want);
});

test('every distinct layer of every zoo network builds an onnxruntime session', async () => {
  const seen = new Set<string>();
  for (const name of zooNames()) {
    const rn = resolveNetwork(zooNetwork(name, { seqLen: 16 }));
    for (const rl of rn.layers) {
      const { name: _name, inputs: _inputs, ...config } = rl.layer;
      const key = JSON.stringify([config, rl.inputShapes]);
      if (seen.has(key)) continue;
      seen.add(key);
      const graph = buildLayerGraph(rl.layer, rl.inputShapes);
      const session = await ort.InferenceSession.create(graph.modelBytes, SESSION_OPTIONS);
      await session.release();
    }
  }
  assert.ok(seen.size > 500, `${seen.size} distinct layers`);
});
