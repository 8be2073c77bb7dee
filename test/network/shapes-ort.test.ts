/**
 * Shape inference against the real thing: every case below is built as a single-layer ONNX graph
 * (src/network/onnx-layer.ts), run with onnxruntime, and the output dims it produces must equal
 * resolveLayerOutput's. The cases are the edges where frameworks differ: ceil rounding with the
 * last-window clip, asymmetric padding, dilation, groups, broadcasting, reshape 0/-1, slice clamping.
 * (For the ceil-mode clip case ONNX's static shape inference prints a warning that it expected 4x4:
 * onnxruntime's pooling kernel, like Caffe and PyTorch, really produces 3x3, as memlat says.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { resolveLayerOutput } from '../../src/network/shapes.js';
import { buildLayerGraph } from '../../src/network/onnx-layer.js';
import type { Layer } from '../../src/network/types.js';

type LayerBody = Layer extends infer L ? (L extends Layer ? Omit<L, 'name' | 'inputs'> : never) : never;

const CASES: [LayerBody, number[][]][] = [
  [{ type: 'conv2d', outChannels: 4, kernel: 3, stride: 2, padding: 1 }, [[1, 3, 9, 9]]],
  [{ type: 'conv2d', outChannels: 4, kernel: 3, stride: 2, padding: [0, 0, 1, 1] }, [[1, 3, 10, 10]]],
  [{ type: 'conv2d', outChannels: 4, kernel: [3, 5], stride: [1, 2], padding: [1, 2] }, [[2, 2, 7, 11]]],
  [{ type: 'conv2d', outChannels: 6, kernel: 3, dilation: 2, padding: 1 }, [[1, 3, 9, 8]]],
  [{ type: 'conv2d', outChannels: 8, kernel: 3, groups: 4, stride: 3 }, [[1, 4, 10, 10]]],
  [{ type: 'conv2d', outChannels: 6, kernel: 5, groups: 6, padding: 2, bias: false }, [[1, 6, 5, 5]]],
  [{ type: 'pool', mode: 'max', kernel: 3, stride: 2, ceilMode: true }, [[1, 2, 112, 112]]],
  [{ type: 'pool', mode: 'max', kernel: 3, stride: 2 }, [[1, 2, 112, 112]]],
  [{ type: 'pool', mode: 'avg', kernel: 2, stride: 2, padding: 1, ceilMode: true }, [[1, 1, 5, 5]]],
  [{ type: 'pool', mode: 'max', kernel: 3, stride: 2, padding: 1, ceilMode: true }, [[1, 1, 6, 7]]],
  [{ type: 'pool', mode: 'avg', kernel: [2, 3], stride: [1, 2] }, [[1, 3, 6, 9]]],
  [{ type: 'pool', mode: 'avg', global: true }, [[2, 5, 7, 3]]],
  [{ type: 'pool', mode: 'max', global: true }, [[1, 5, 4, 4]]],
  [{ type: 'dense', units: 7 }, [[2, 3, 5]]],
  [
    { type: 'matmul' },
    [
      [2, 1, 4, 5],
      [3, 5, 6],
    ],
  ],
  [
    { type: 'matmul', transposeB: true },
    [
      [1, 2, 4, 8],
      [1, 2, 6, 8],
    ],
  ],
  [
    { type: 'add' },
    [
      [1, 4, 3, 3],
      [4, 1, 1],
    ],
  ],
  [
    { type: 'mul' },
    [
      [2, 4, 3, 3],
      [2, 4, 1, 1],
    ],
  ],
  [
    { type: 'add' },
    [
      [1, 4, 3, 3],
      [1, 4, 3, 3],
      [1, 1, 1, 3],
    ],
  ],
  [
    { type: 'concat', axis: 1 },
    [
      [1, 2, 3, 3],
      [1, 5, 3, 3],
    ],
  ],
  [
    { type: 'concat', axis: -1 },
    [
      [2, 3, 4],
      [2, 3, 1],
    ],
  ],
  [{ type: 'flatten' }, [[2, 3, 4, 5]]],
  // memlat's flatten keeps the dims before `axis` (torch, Caffe: [2,3,4,5] axis 2 -> [2,3,20]); ONNX
  // Flatten is 2-D, so the runtime emits a Reshape for these and the shapes must still agree.
  [{ type: 'flatten', axis: 2 }, [[2, 3, 4, 5]]],
  [{ type: 'flatten', axis: 3 }, [[2, 3, 4, 5]]],
  [{ type: 'reshape', shape: [0, -1] }, [[2, 3, 4]]],
  [{ type: 'reshape', shape: [0, 0, 2, -1] }, [[1, 6, 8]]],
  [{ type: 'transpose', perm: [0, 2, 1, 3] }, [[1, 3, 4, 5]]],
  [{ type: 'softmax', axis: 1 }, [[2, 5]]],
  [{ type: 'batchnorm' }, [[1, 3, 4, 4]]],
  [{ type: 'layernorm' }, [[1, 4, 6]]],
  [{ type: 'lrn', size: 5 }, [[1, 8, 3, 3]]],
  [{ type: 'embedding', vocab: 11, dim: 4 }, [[2, 3]]],
  [{ type: 'slice', starts: [1], ends: [6], axes: [1], steps: [2] }, [[1, 6]]],
  [{ type: 'slice', starts: [-1], ends: [-100], axes: [1], steps: [-2] }, [[1, 5]]],
  // a backward slice starting before the first element: ONNX clamps the start to 0 (one element)
  [{ type: 'slice', starts: [-10], ends: [-10], axes: [1], steps: [-1] }, [[1, 4]]],
];

test('resolveLayerOutput agrees with onnxruntime on every edge case', async () => {
  const opts: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, enableCpuMemArena: false, logSeverityLevel: 3 };
  for (const [body, inputShapes] of CASES) {
    const layer: Layer = { name: 'l', inputs: inputShapes.map((_, i) => `x${i}`), ...body };
    const label = JSON.stringify([body, inputShapes]);
    const graph = buildLayerGraph(layer, inputShapes);
    const session = await ort.InferenceSession.create(graph.modelBytes, opts);
    const feeds: Record<string, ort.Tensor> = {};
    for (const inp of graph.inputs) {
      const n = inp.shape.reduce((a, b) => a * b, 1);
      feeds[inp.name] =
        inp.dtype === 'int64' ? new ort.Tensor('int64', new BigInt64Array(n), inp.shape) : new ort.Tensor('float32', new Float32Array(n), inp.shape);
    }
    for (const [k, wspec] of graph.weights.entries()) {
      const name = session.inputNames.find((nm) => nm.endsWith(wspec.name)) ?? session.inputNames[graph.inputs.length + k];
      assert.ok(name, label);
      feeds[name] = new ort.Tensor('float32', new Float32Array(wspec.shape.reduce((a, b) => a * b, 1)).fill(1), wspec.shape);
    }
    const out = (await session.run(feeds))[graph.outputName];
    await session.release();
    assert.ok(out, label);
    assert.deepEqual([...out.dims], resolveLayerOutput(layer, inputShapes), label);
  }
});
