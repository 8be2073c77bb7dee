// Every layer type becomes a single-layer ONNX graph that onnxruntime really runs; its output shape
// must equal the shape inference's (resolveLayerOutput) AND a hand-computed shape; a few are checked
// numerically against hand-computed values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import type { Layer } from '../../src/network/types.js';
import { resolveLayerOutput } from '../../src/network/shapes.js';
import { buildLayerGraph, layerWeightSpecs, weightFileBytes } from '../../src/network/onnx-layer.js';
import { numElements } from '../../src/units.js';
import { UserError } from '../../src/errors.js';

const opts: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  enableCpuMemArena: false,
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
};

/** Run a layer with given (or generated) inputs and weights; returns the output tensor. */
async function runLayer(
  layer: Layer,
  inputShapes: number[][],
  data?: { inputs?: (Float32Array | BigInt64Array)[]; weights?: Float32Array[] },
): Promise<ort.Tensor> {
  const g = buildLayerGraph(layer, inputShapes);
  const session = await ort.InferenceSession.create(g.modelBytes, opts);
  const feeds: Record<string, ort.Tensor> = {};
  g.inputs.forEach((a, i) => {
    const given = data?.inputs?.[i];
    if (a.dtype === 'int64') {
      feeds[a.name] = new ort.Tensor('int64', (given as BigInt64Array | undefined) ?? new BigInt64Array(numElements(a.shape)), a.shape);
    } else {
      const x = (given as Float32Array | undefined) ?? Float32Array.from({ length: numElements(a.shape) }, (_, k) => Math.sin(k));
      feeds[a.name] = new ort.Tensor('float32', x, a.shape);
    }
  });
  g.weights.forEach((w, i) => {
    const n = numElements(w.shape);
    const v = data?.weights?.[i] ?? Float32Array.from({ length: n }, (_, k) => (w.positive ? 1 + 0.1 * Math.cos(k) : 0.1 * Math.cos(k)));
    feeds[w.name] = new ort.Tensor('float32', v, w.shape);
  });
  const out = await session.run(feeds);
  await session.release();
  const y = out[g.outputName];
  assert.ok(y, 'graph produced its output');
  return y;
}

const L = <T extends Layer['type']>(type: T, extra: Omit<Extract<Layer, { type: T }>, 'type' | 'name' | 'inputs'>, n = 1): Layer =>
  ({ type, name: `l_${type}`, inputs: Array.from({ length: n }, (_, i) => `x${i}`), ...extra }) as unknown as Layer;

// [layer, input shapes, hand-computed output shape]
const cases: [string, Layer, number[][], number[]][] = [
  ['dense 2-D', L('dense', { units: 10 }), [[2, 7]], [2, 10]],
  ['dense 3-D no bias', L('dense', { units: 5, bias: false }), [[2, 3, 8]], [2, 3, 5]],
  ['conv2d stride/pad', L('conv2d', { outChannels: 8, kernel: 3, stride: 2, padding: 1 }), [[1, 3, 9, 9]], [1, 8, 5, 5]],
  [
    'conv2d grouped dilated asym pads',
    L('conv2d', { outChannels: 6, kernel: [3, 2], dilation: 2, groups: 3, padding: [1, 0, 2, 1] }),
    [[1, 6, 10, 8]],
    [1, 6, 9, 7],
  ],
  ['conv2d depthwise', L('conv2d', { outChannels: 4, kernel: 3, groups: 4, padding: 1, bias: false }), [[1, 4, 6, 6]], [1, 4, 6, 6]],
  ['maxpool ceil', L('pool', { mode: 'max', kernel: 3, stride: 2, ceilMode: true }), [[1, 2, 8, 8]], [1, 2, 4, 4]],
  ['maxpool floor', L('pool', { mode: 'max', kernel: 3, stride: 2 }), [[1, 2, 8, 8]], [1, 2, 3, 3]],
  ['avgpool padded', L('pool', { mode: 'avg', kernel: 2, stride: 1, padding: 1 }), [[1, 2, 4, 4]], [1, 2, 5, 5]],
  ['global avg pool', L('pool', { mode: 'avg', global: true }), [[1, 5, 7, 7]], [1, 5, 1, 1]],
  ['global max pool', L('pool', { mode: 'max', global: true }), [[1, 5, 7, 7]], [1, 5, 1, 1]],
  ['batchnorm', L('batchnorm', {}), [[1, 4, 3, 3]], [1, 4, 3, 3]],
  ['batchnorm non-affine', L('batchnorm', { affine: false }), [[1, 4, 3, 3]], [1, 4, 3, 3]],
  ['layernorm', L('layernorm', {}), [[1, 3, 16]], [1, 3, 16]],
  ['lrn', L('lrn', { size: 5 }), [[1, 8, 4, 4]], [1, 8, 4, 4]],
  ...(['relu', 'relu6', 'leakyrelu', 'sigmoid', 'tanh', 'gelu', 'silu', 'hardswish', 'hardsigmoid', 'elu'] as const).map(
    (fn): [string, Layer, number[][], number[]] => [`activation ${fn}`, L('activation', { fn }), [[2, 6]], [2, 6]],
  ),
  ['softmax', L('softmax', {}), [[2, 10]], [2, 10]],
  ['dropout', L('dropout', { rate: 0.5 }), [[2, 10]], [2, 10]],
  [
    'add 3 inputs',
    L('add', {}, 3),
    [
      [1, 4, 2, 2],
      [1, 4, 2, 2],
      [1, 4, 2, 2],
    ],
    [1, 4, 2, 2],
  ],
  [
    'mul broadcast (SE gate)',
    L('mul', {}, 2),
    [
      [1, 4, 3, 3],
      [1, 4, 1, 1],
    ],
    [1, 4, 3, 3],
  ],
  [
    'concat channels',
    L('concat', {}, 2),
    [
      [1, 2, 3, 3],
      [1, 5, 3, 3],
    ],
    [1, 7, 3, 3],
  ],
  ['flatten', L('flatten', {}), [[2, 3, 4, 5]], [2, 60]],
  ['reshape 0/-1', L('reshape', { shape: [0, 4, -1] }), [[2, 3, 8]], [2, 4, 6]],
  ['transpose', L('transpose', { perm: [0, 2, 1, 3] }), [[1, 3, 4, 5]], [1, 4, 3, 5]],
  [
    'matmul batched',
    L('matmul', {}, 2),
    [
      [2, 3, 4],
      [2, 4, 5],
    ],
    [2, 3, 5],
  ],
  [
    'matmul transposeB',
    L('matmul', { transposeB: true }, 2),
    [
      [1, 2, 3, 8],
      [1, 2, 6, 8],
    ],
    [1, 2, 3, 6],
  ],
  ['embedding', L('embedding', { vocab: 50, dim: 16 }), [[2, 7]], [2, 7, 16]],
  ['elementwise mul layer scale [C,1,1]', L('elementwise', { op: 'mul', constShape: [6, 1, 1], constFirst: true }), [[1, 6, 3, 3]], [1, 6, 3, 3]],
  ['elementwise add position table', L('elementwise', { op: 'add', constShape: [1, 5, 8] }), [[1, 5, 8]], [1, 5, 8]],
  ['elementwise add attention mask (rank grows)', L('elementwise', { op: 'add', constShape: [1, 4, 1, 3, 3], params: 0 }), [[1, 2, 3, 3]], [1, 4, 2, 3, 3]],
  ['elementwise div by constant', L('elementwise', { op: 'div', constShape: [8] }), [[2, 8]], [2, 8]],
  ['elementwise pow constant base', L('elementwise', { op: 'pow', constShape: [1], constFirst: true }), [[2, 8]], [2, 8]],
  [
    'elementwise sub of two tensors',
    L('elementwise', { op: 'sub' }, 2),
    [
      [2, 3, 4],
      [2, 1, 4],
    ],
    [2, 3, 4],
  ],
  [
    'elementwise max of two tensors',
    L('elementwise', { op: 'max' }, 2),
    [
      [2, 4],
      [2, 4],
    ],
    [2, 4],
  ],
  ['elementwise min with constant', L('elementwise', { op: 'min', constShape: [4] }), [[2, 4]], [2, 4]],
  ...(['erf', 'exp', 'abs', 'neg', 'floor', 'ceil', 'sin', 'cos'] as const).map((op): [string, Layer, number[][], number[]] => [
    `unary ${op}`,
    L('unary', { op }),
    [[2, 6]],
    [2, 6],
  ]),
  ['slice channel split (ShuffleNet)', L('slice', { starts: [0], ends: [4], axes: [1] }), [[1, 8, 3, 3]], [1, 4, 3, 3]],
  ['slice strided two axes (MaxViT/Swin windows)', L('slice', { starts: [1, 0], ends: [8, 6], axes: [2, 3], steps: [2, 3] }), [[1, 2, 8, 6]], [1, 2, 4, 2]],
  ['slice negative step', L('slice', { starts: [4], ends: [-6], axes: [1], steps: [-1] }), [[1, 5]], [1, 5]],
  ['reduce mean over tokens', L('reduce', { op: 'mean', axes: [1], keepdims: false }), [[1, 7, 16]], [1, 16]],
  ['reduce sum keepdims', L('reduce', { op: 'sum', axes: [-1] }), [[2, 3, 5]], [2, 3, 1]],
  ['reduce max two axes', L('reduce', { op: 'max', axes: [2, 3] }), [[1, 3, 4, 4]], [1, 3, 1, 1]],
  ['reduce l2', L('reduce', { op: 'l2', axes: [1] }), [[2, 6]], [2, 1]],
  ['pad zero H, W (Swin)', L('pad', { pads: [0, 0, 1, 2, 0, 0, 3, 0] }), [[1, 2, 4, 4]], [1, 2, 8, 6]],
  ['pad reflect', L('pad', { pads: [0, 0, 1, 1, 0, 0, 1, 1], mode: 'reflect' }), [[1, 2, 4, 4]], [1, 2, 6, 6]],
  ['concat with a constant class token first (ViT)', L('concat', { axis: 1, constInputs: [{ index: 0, shape: [1, 1, 8] }] }), [[1, 4, 8]], [1, 5, 8]],
  ['expand class token', L('expand', { shape: [3, 1, 8] }), [[1, 1, 8]], [3, 1, 8]],
];

for (const [what, layer, inputShapes, expected] of cases) {
  test(`runs on onnxruntime with the inferred output shape: ${what}`, async () => {
    assert.deepEqual(resolveLayerOutput(layer, inputShapes), expected, 'shape inference agrees with the hand-computed shape');
    const y = await runLayer(layer, inputShapes);
    assert.deepEqual([...y.dims], expected);
    const data = y.data as Float32Array;
    assert.equal(data.length, numElements(expected));
    assert.ok(
      data.every((v) => Number.isFinite(v)),
      'all outputs finite',
    );
  });
}

test('dense: output equals the hand-computed x W + b', async () => {
  // x [1,3] = [1,2,3]; W [3,2] (inFeatures x units) = [[1,0],[0,1],[1,1]]; b = [10, 20]
  const y = await runLayer(L('dense', { units: 2 }), [[1, 3]], {
    inputs: [new Float32Array([1, 2, 3])],
    weights: [new Float32Array([1, 0, 0, 1, 1, 1]), new Float32Array([10, 20])],
  });
  assert.deepEqual([...(y.data as Float32Array)], [1 + 3 + 10, 2 + 3 + 20]);
});

test('conv2d: 2x2 kernel of ones with bias sums each window', async () => {
  // x [1,1,3,3] = 1..9; W ones [1,1,2,2]; b 0.5 -> windows: 1+2+4+5=12, 2+3+5+6=16, 24, 28
  const y = await runLayer(L('conv2d', { outChannels: 1, kernel: 2 }), [[1, 1, 3, 3]], {
    inputs: [new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9])],
    weights: [new Float32Array([1, 1, 1, 1]), new Float32Array([0.5])],
  });
  assert.deepEqual([...(y.data as Float32Array)], [12.5, 16.5, 24.5, 28.5]);
});

test('embedding: gathers the rows named by int64 ids', async () => {
  // vocab 3 x dim 2 table [[0,1],[10,11],[20,21]]; ids [2,0] -> [[20,21],[0,1]]
  const y = await runLayer(L('embedding', { vocab: 3, dim: 2 }), [[1, 2]], {
    inputs: [new BigInt64Array([2n, 0n])],
    weights: [new Float32Array([0, 1, 10, 11, 20, 21])],
  });
  assert.deepEqual([...(y.data as Float32Array)], [20, 21, 0, 1]);
});

test('batchnorm: (x - mean) / sqrt(var + eps) * scale + B', async () => {
  // one channel: scale 2, B 1, mean 3, var 4 (eps 0) -> x=5: (5-3)/2*2+1 = 3
  const y = await runLayer(L('batchnorm', { epsilon: 0 }), [[1, 1, 1, 1]], {
    inputs: [new Float32Array([5])],
    weights: [new Float32Array([2]), new Float32Array([1]), new Float32Array([3]), new Float32Array([4])],
  });
  assert.ok(Math.abs((y.data as Float32Array)[0]! - 3) < 1e-6);
});

test('weight specs: bytes match the layer parameter layout', () => {
  // VGG16 fc6: 25088 x 4096 + 4096 floats
  const fc6 = layerWeightSpecs(L('dense', { units: 4096 }), [[1, 25088]]);
  assert.equal(weightFileBytes(fc6), (25088 * 4096 + 4096) * 4);
  // conv 64->128 3x3 grouped by 2: 128 * 32 * 9 + 128
  const conv = layerWeightSpecs(L('conv2d', { outChannels: 128, kernel: 3, groups: 2 }), [[1, 64, 8, 8]]);
  assert.equal(weightFileBytes(conv), (128 * 32 * 9 + 128) * 4);
  // BN stores running mean/var plus gamma/beta
  assert.equal(weightFileBytes(layerWeightSpecs(L('batchnorm', {}), [[1, 10, 2, 2]])), 40 * 4);
  assert.equal(weightFileBytes(layerWeightSpecs(L('activation', { fn: 'relu' }), [[1, 2]])), 0);
});

test('opaque layers and bad groups are UserErrors naming the layer', () => {
  assert.throws(
    () => buildLayerGraph({ type: 'opaque', name: 'roi', inputs: ['x'], op: 'RoiAlign', outputShape: [1, 2] }, [[1, 2]]),
    (e: unknown) => e instanceof UserError && /"roi".*RoiAlign.*cannot be executed/.test(e.message),
  );
  assert.throws(
    () => buildLayerGraph(L('conv2d', { outChannels: 4, kernel: 1, groups: 3 }), [[1, 4, 2, 2]]),
    (e: unknown) => e instanceof UserError && /groups 3 must divide input channels 4/.test(e.message),
  );
});

test('elementwise with a constant: y = C * x, the constant fed as a weight', async () => {
  const layer = L('elementwise', { op: 'mul', constShape: [2, 1, 1], constFirst: true });
  const x = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const y = await runLayer(layer, [[1, 2, 2, 2]], { inputs: [x], weights: [Float32Array.from([10, -1])] });
  assert.deepEqual([...(y.data as Float32Array)], [10, 20, 30, 40, -5, -6, -7, -8]);
  assert.deepEqual(layerWeightSpecs(layer, [[1, 2, 2, 2]]), [{ name: 'C', shape: [2, 1, 1], positive: true }]);
});

test('slice, reduce and unary sqrt give the hand-computed values', async () => {
  const x = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const s = await runLayer(L('slice', { starts: [1], ends: [9], axes: [1], steps: [3] }), [[1, 10]], { inputs: [x] });
  assert.deepEqual([...(s.data as Float32Array)], [1, 4, 7]);
  const r = await runLayer(L('reduce', { op: 'mean', axes: [1], keepdims: false }), [[2, 5]], { inputs: [x] });
  assert.deepEqual([...(r.data as Float32Array)], [2, 7]);
  const q = await runLayer(L('unary', { op: 'sqrt' }), [[1, 10]], { inputs: [Float32Array.from(x, (v) => v * v)] });
  assert.deepEqual([...(q.data as Float32Array)], [...x]);
  const p = await runLayer(L('pad', { pads: [0, 1, 0, 2] }), [[1, 2]], { inputs: [Float32Array.from([5, 6])] });
  assert.deepEqual([...(p.data as Float32Array)], [0, 5, 6, 0, 0]);
});

test('concat with a constant operand puts the loaded constant at its position', async () => {
  const layer = L('concat', { axis: 1, constInputs: [{ index: 1, shape: [1, 1] }] }, 2);
  const y = await runLayer(
    layer,
    [
      [1, 2],
      [1, 1],
    ],
    { inputs: [Float32Array.from([1, 2]), Float32Array.from([4])], weights: [Float32Array.from([3])] },
  );
  assert.deepEqual([...(y.data as Float32Array)], [1, 2, 3, 4]);
  assert.deepEqual(
    resolveLayerOutput(layer, [
      [1, 2],
      [1, 1],
    ]),
    [1, 4],
  );
});
