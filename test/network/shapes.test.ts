import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShapeError } from '../../src/network/hyperparams.js';
import { LAYER_TYPES } from '../../src/network/lists.js';
import { resolveLayerOutput, resolveNetwork, sliceAxis } from '../../src/network/shapes.js';
import type { Layer, Network } from '../../src/network/types.js';
import { UserError } from '../../src/errors.js';

/** A layer without name/inputs (distributive over the union, so each variant keeps its fields). */
type LayerBody = Layer extends infer L ? (L extends Layer ? Omit<L, 'name' | 'inputs'> : never) : never;

const out = (layer: LayerBody, ...shapes: number[][]): number[] => resolveLayerOutput({ name: 'l', inputs: shapes.map((_, i) => `x${i}`), ...layer }, shapes);

function throwsShape(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof ShapeError && re.test(e.message));
}

test('conv2d: stride, symmetric/asymmetric padding, dilation, groups', () => {
  // ResNet stem: 7x7/2 pad 3 on 224 -> 112 (torchvision).
  assert.deepEqual(out({ type: 'conv2d', outChannels: 64, kernel: 7, stride: 2, padding: 3 }, [1, 3, 224, 224]), [1, 64, 112, 112]);
  // AlexNet (Caffe): 11x11/4 no pad on 227 -> 55.
  assert.deepEqual(out({ type: 'conv2d', outChannels: 96, kernel: 11, stride: 4 }, [1, 3, 227, 227]), [1, 96, 55, 55]);
  // TF "SAME" stride 2: pads [top, left, bottom, right] = [0, 0, 1, 1]: floor((224+1-3)/2)+1 = 112.
  assert.deepEqual(out({ type: 'conv2d', outChannels: 32, kernel: 3, stride: 2, padding: [0, 0, 1, 1] }, [1, 3, 224, 224]), [1, 32, 112, 112]);
  // Dilation 2, kernel 3 -> effective 5; pad 2 keeps 7x7.
  assert.deepEqual(out({ type: 'conv2d', outChannels: 8, kernel: 3, dilation: 2, padding: 2 }, [1, 4, 7, 7]), [1, 8, 7, 7]);
  // Non-square kernel/stride: (10-3)/1+1 = 8, (20-5)/2+1 = 8 (floor of 7.5 +1).
  assert.deepEqual(out({ type: 'conv2d', outChannels: 2, kernel: [3, 5], stride: [1, 2] }, [2, 1, 10, 20]), [2, 2, 8, 8]);
  // Depthwise.
  assert.deepEqual(out({ type: 'conv2d', outChannels: 32, kernel: 3, padding: 1, groups: 32 }, [1, 32, 112, 112]), [1, 32, 112, 112]);
  throwsShape(() => out({ type: 'conv2d', outChannels: 64, kernel: 3, groups: 3 }, [1, 64, 8, 8]), /^groups 3 does not divide input channels 64/);
  throwsShape(() => out({ type: 'conv2d', outChannels: 10, kernel: 3, groups: 4 }, [1, 64, 8, 8]), /groups 4 does not divide outChannels 10/);
  throwsShape(() => out({ type: 'conv2d', outChannels: 8, kernel: 5 }, [1, 4, 3, 3]), /^kernel 5 exceeds padded input 3x3$/);
  throwsShape(
    () => out({ type: 'conv2d', outChannels: 8, kernel: 3, dilation: 3 }, [1, 4, 5, 5]),
    /^dilated kernel 7 \(kernel 3, dilation 3\) exceeds padded input 5x5$/,
  );
  throwsShape(() => out({ type: 'conv2d', outChannels: 8, kernel: 3 }, [1, 512]), /expects a 4-D NCHW input, got 1x512/);
  throwsShape(() => out({ type: 'conv2d', outChannels: 0, kernel: 3 }, [1, 4, 8, 8]), /outChannels 0 must be a positive integer/);
});

test('pool: floor vs Caffe ceil rounding with the last-window clip, global', () => {
  // GoogLeNet (Caffe) pool1 3/2 on 112: ceil((112-3)/2)+1 = 56; floor would give 55.
  assert.deepEqual(out({ type: 'pool', mode: 'max', kernel: 3, stride: 2, ceilMode: true }, [1, 64, 112, 112]), [1, 64, 56, 56]);
  assert.deepEqual(out({ type: 'pool', mode: 'max', kernel: 3, stride: 2 }, [1, 64, 112, 112]), [1, 64, 55, 55]);
  // ResNet maxpool 3/2 pad 1 on 112 -> 56.
  assert.deepEqual(out({ type: 'pool', mode: 'max', kernel: 3, stride: 2, padding: 1 }, [1, 64, 112, 112]), [1, 64, 56, 56]);
  // Clip: 5 wide, kernel 2, stride 2, pad 1, ceil: ceil(5/2)+1 = 4, but window 4 would start at 6 >= 5+1
  // (entirely in the tail padding), so Caffe/PyTorch give 3.
  assert.deepEqual(out({ type: 'pool', mode: 'avg', kernel: 2, stride: 2, padding: 1, ceilMode: true }, [1, 1, 5, 5]), [1, 1, 3, 3]);
  // stride defaults to kernel.
  assert.deepEqual(out({ type: 'pool', mode: 'max', kernel: 2 }, [1, 8, 7, 9]), [1, 8, 3, 4]);
  assert.deepEqual(out({ type: 'pool', mode: 'avg', global: true }, [2, 2048, 7, 7]), [2, 2048, 1, 1]);
  throwsShape(() => out({ type: 'pool', mode: 'max', kernel: 3, padding: 3 }, [1, 1, 9, 9]), /padding 3 must be smaller than kernel 3/);
  throwsShape(() => out({ type: 'pool', mode: 'max', kernel: 4 }, [1, 1, 3, 3]), /kernel 4 exceeds padded input 3x3/);
  throwsShape(() => out({ type: 'pool', mode: 'max' }, [1, 1, 3, 3]), /kernel is missing/);
});

test('dense, matmul (broadcast, transposeB), embedding', () => {
  assert.deepEqual(out({ type: 'dense', units: 1000 }, [4, 2048]), [4, 1000]);
  assert.deepEqual(out({ type: 'dense', units: 3072 }, [1, 128, 768]), [1, 128, 3072]);
  throwsShape(() => out({ type: 'dense', units: 10 }, [512]), /rank >= 2/);
  assert.deepEqual(out({ type: 'matmul', transposeB: true }, [1, 12, 128, 64], [1, 12, 128, 64]), [1, 12, 128, 128]);
  assert.deepEqual(out({ type: 'matmul' }, [1, 12, 128, 128], [1, 12, 128, 64]), [1, 12, 128, 64]);
  assert.deepEqual(out({ type: 'matmul' }, [2, 1, 4, 5], [3, 5, 6]), [2, 3, 4, 6]);
  throwsShape(() => out({ type: 'matmul' }, [1, 12, 128, 64], [1, 12, 128, 64]), /K=64 .* has K=128; set "transposeB": true/);
  throwsShape(() => out({ type: 'matmul' }, [2, 4, 5], [3, 5, 6]), /cannot be broadcast together \(axis -1: 2 vs 3\)/);
  throwsShape(() => out({ type: 'matmul' }, [2, 4, 5]), /takes 2 inputs/);
  assert.deepEqual(out({ type: 'embedding', vocab: 30522, dim: 768 }, [1, 128]), [1, 128, 768]);
});

test('add/mul broadcasting, concat, flatten, reshape, transpose, keep-shape layers, opaque', () => {
  assert.deepEqual(out({ type: 'add' }, [1, 64, 56, 56], [1, 64, 56, 56]), [1, 64, 56, 56]);
  assert.deepEqual(out({ type: 'mul' }, [1, 64, 56, 56], [1, 64, 1, 1]), [1, 64, 56, 56]);
  throwsShape(() => out({ type: 'add' }, [1, 64, 56, 56], [1, 32, 56, 56]), /cannot be broadcast together \(axis -3: 64 vs 32\)/);
  throwsShape(() => out({ type: 'add' }, [1, 64, 56, 56]), /takes at least 2 inputs/);
  assert.deepEqual(out({ type: 'concat' }, [1, 64, 28, 28], [1, 128, 28, 28], [1, 32, 28, 28]), [1, 224, 28, 28]);
  assert.deepEqual(out({ type: 'concat', axis: -1 }, [1, 3, 4], [1, 3, 2]), [1, 3, 6]);
  throwsShape(() => out({ type: 'concat' }, [1, 64, 28, 28], [1, 64, 14, 14]), /differ outside concat axis 1/);
  assert.deepEqual(out({ type: 'flatten' }, [2, 256, 6, 6]), [2, 9216]);
  assert.deepEqual(out({ type: 'flatten', axis: 2 }, [2, 3, 4, 5]), [2, 3, 20]);
  assert.deepEqual(out({ type: 'reshape', shape: [0, -1] }, [2, 3, 4]), [2, 12]);
  assert.deepEqual(out({ type: 'reshape', shape: [0, 0, 12, 64] }, [1, 128, 768]), [1, 128, 12, 64]);
  throwsShape(() => out({ type: 'reshape', shape: [-1, -1] }, [2, 3]), /more than one -1/);
  throwsShape(() => out({ type: 'reshape', shape: [5, -1] }, [2, 3]), /6 is not divisible by 5/);
  throwsShape(() => out({ type: 'reshape', shape: [4, 2] }, [2, 3]), /element counts must match/);
  assert.deepEqual(out({ type: 'transpose', perm: [0, 2, 1, 3] }, [1, 128, 12, 64]), [1, 12, 128, 64]);
  throwsShape(() => out({ type: 'transpose', perm: [0, 1, 1] }, [1, 2, 3]), /not a permutation/);
  for (const layer of [
    { type: 'batchnorm' },
    { type: 'lrn', size: 5 },
    { type: 'activation', fn: 'relu' },
    { type: 'softmax', axis: 1 },
    { type: 'dropout', rate: 0.5 },
    { type: 'layernorm' },
  ] as const) {
    assert.deepEqual(out(layer, [1, 96, 55, 55]), [1, 96, 55, 55], layer.type);
  }
  throwsShape(() => out({ type: 'softmax', axis: 4 }, [1, 96, 55, 55]), /axis 4 is out of range for a rank-4 input; use -4..3/);
  throwsShape(() => out({ type: 'activation', fn: 'swish' as 'silu' }, [1, 2]), /fn "swish" is not an activation/);
  assert.deepEqual(out({ type: 'opaque', op: 'NonMaxSuppression', outputShape: [10, 3] }, [1, 4]), [10, 3]);
  throwsShape(() => out({ type: 'nope' } as unknown as Layer, [1, 4]), new RegExp(`unknown type "nope"; valid types: ${LAYER_TYPES.join(', ')}`));
});

const branchy: Network = {
  name: 'branchy',
  inputs: [{ name: 'data', shape: [1, 3, 32, 32] }],
  layers: [
    { name: 'conv1', type: 'conv2d', inputs: ['data'], outChannels: 16, kernel: 3, padding: 1 },
    { name: 'relu1', type: 'activation', fn: 'relu', inputs: ['conv1'] },
    { name: 'b1', type: 'conv2d', inputs: ['relu1'], outChannels: 8, kernel: 1 },
    { name: 'b2', type: 'conv2d', inputs: ['relu1'], outChannels: 8, kernel: 3, padding: 1 },
    { name: 'cat', type: 'concat', inputs: ['b1', 'b2'] },
    { name: 'sum', type: 'add', inputs: ['cat', 'relu1'] },
    { name: 'gap', type: 'pool', mode: 'avg', global: true, inputs: ['sum'] },
    { name: 'flat', type: 'reshape', shape: [1, -1], inputs: ['gap'] },
    { name: 'fc', type: 'dense', units: 10, inputs: ['flat'] },
  ],
};

test('resolveNetwork: branch and join, batch override incl. reshape targets', () => {
  const rn = resolveNetwork(branchy);
  assert.deepEqual(
    rn.layers.map((l) => l.outputShape),
    [
      [1, 16, 32, 32],
      [1, 16, 32, 32],
      [1, 8, 32, 32],
      [1, 8, 32, 32],
      [1, 16, 32, 32],
      [1, 16, 32, 32],
      [1, 16, 1, 1],
      [1, 16],
      [1, 10],
    ],
  );
  assert.deepEqual(rn.layers[5]?.inputShapes, [
    [1, 16, 32, 32],
    [1, 16, 32, 32],
  ]);
  const r8 = resolveNetwork(branchy, { batch: 8 });
  assert.deepEqual(r8.inputs[0]?.shape, [8, 3, 32, 32]);
  assert.deepEqual(r8.layers.at(-1)?.outputShape, [8, 10]);
  assert.deepEqual(r8.layers[7]?.layer, { ...branchy.layers[7], shape: [8, -1] });
  assert.deepEqual(branchy.layers[7], { name: 'flat', type: 'reshape', shape: [1, -1], inputs: ['gap'] }, 'input not mutated');
  assert.throws(() => resolveNetwork(branchy, { batch: 0 }), /batch 0 must be a positive integer/);
});

test('resolveNetwork: collects every problem, one line each, no cascades', () => {
  const bad: Network = {
    name: 'bad',
    inputs: [{ name: 'data', shape: [1, 3, 8, 8] }],
    layers: [
      { name: 'conv1', type: 'conv2d', inputs: ['data'], outChannels: 4, kernel: 3 },
      { name: 'conv2', type: 'conv2d', inputs: ['conv1'], outChannels: 4, kernel: 3 },
      { name: 'conv3', type: 'conv2d', inputs: ['conv2'], outChannels: 4, kernel: 5 },
      { name: 'after3', type: 'activation', fn: 'relu', inputs: ['conv3'] },
      { name: 'early', type: 'add', inputs: ['conv2', 'late'] },
      { name: 'ghost', type: 'activation', fn: 'relu', inputs: ['nowhere'] },
      { name: 'conv1', type: 'activation', fn: 'relu', inputs: ['data'] },
      { name: 'late', type: 'activation', fn: 'relu', inputs: ['conv2'] },
    ],
  };
  let err: unknown;
  try {
    resolveNetwork(bad);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof UserError);
  assert.deepEqual(err.problems, [
    'layers[2] "conv3": kernel 5 exceeds padded input 4x4',
    'layers[4] "early": input "late" is used before it is defined (layers[7]); list layers in execution order',
    'layers[5] "ghost": input "nowhere" is neither a network input nor an earlier layer; known: data, conv1, conv2, conv3, after3, early',
    'layers[6] "conv1": name already used by layers[0]; layer names must be unique',
  ]);
});

test('sliceAxis: ONNX Slice clamping, forward and backward', () => {
  assert.deepEqual(sliceAxis(6, 1, 6, 2), { start: 1, step: 2, count: 3 }); // 1, 3, 5
  assert.deepEqual(sliceAxis(6, -2, 100, 1), { start: 4, step: 1, count: 2 }); // 4, 5
  assert.deepEqual(sliceAxis(5, -1, -100, -2), { start: 4, step: -2, count: 3 }); // 4, 2, 0
  // backward from before the first element: the start clamps to 0, the end to -1 -> element 0 only
  assert.deepEqual(sliceAxis(4, -10, -10, -1), { start: 0, step: -1, count: 1 });
  assert.deepEqual(sliceAxis(4, 3, 3, 1), { start: 3, step: 1, count: 0 });
  assert.throws(() => sliceAxis(4, 0, 4, 0), ShapeError);
});
