import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { importOnnx } from '../../../src/network/import/onnx.js';
import { resolveNetwork } from '../../../src/network/shapes.js';
import { validateNetwork } from '../../../src/network/validate.js';
import { layerStats, networkStats } from '../../../src/features/layer.js';
import { UserError } from '../../../src/errors.js';
import type { Layer, Network, ResolvedNetwork } from '../../../src/network/types.js';
import { fixturesDir } from '../../helpers/paths.js';
import {
  allFixtures,
  attentionBlock,
  externalData,
  GraphBuilder,
  i,
  ints,
  s,
  residualBlock,
  smallCnn,
  torchFlatten,
  unknownOps,
  type Fixture,
} from '../../fixtures/onnx/make-fixtures.js';
import { withTempDir } from '../../helpers/tmp.js';

/** Loads the model in onnxruntime (from a temp dir, with its external data if any), runs it on zeros, returns output dims. */
async function runOnOrt(fx: Fixture, feedDims?: Record<string, number[]>): Promise<number[][]> {
  return withTempDir('memlat-onnx-', async (dir) => {
    const path = join(dir, 'model.onnx');
    writeFileSync(path, fx.bytes);
    if (fx.external) writeFileSync(join(dir, fx.external.file), fx.external.bytes);
    const session = await ort.InferenceSession.create(path);
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, f] of Object.entries(fx.feeds)) {
      const dims = feedDims?.[name] ?? f.dims;
      const n = dims.reduce((a, b) => a * b, 1);
      feeds[name] = f.type === 'int64' ? new ort.Tensor('int64', new BigInt64Array(n).fill(1n), dims) : new ort.Tensor('float32', new Float32Array(n), dims);
    }
    const out = await session.run(feeds);
    await session.release();
    return session.outputNames.map((o) => [...out[o]!.dims]);
  });
}

function byName(net: Network): Map<string, Layer> {
  return new Map(net.layers.map((l) => [l.name, l]));
}
function stat(rn: ResolvedNetwork, name: string): ReturnType<typeof layerStats> {
  const rl = rn.layers.find((l) => l.layer.name === name);
  assert.ok(rl, `layer ${name}`);
  return layerStats(rl);
}

function userError(fn: () => unknown, re: RegExp): UserError {
  let caught: UserError | undefined;
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UserError, `expected UserError, got ${String(e)}`);
    assert.match(e.message, re);
    assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
    caught = e;
    return true;
  });
  return caught!;
}

test('small CNN: conv/bn/relu/pool/lrn/grouped SAME conv/relu6/ceil avgpool/flatten/gemm/dropout/softmax', async () => {
  const fx = smallCnn();
  const { network, warnings } = importOnnx(fx.bytes, {});
  assert.deepEqual(warnings, []);
  assert.equal(network.name, 'small_cnn');
  assert.deepEqual(network.inputs, [{ name: 'image', shape: [1, 3, 32, 32] }]);
  const l = byName(network);
  assert.deepEqual(
    network.layers.map((x) => x.name),
    ['conv1', 'bn1', 'relu1', 'pool1', 'lrn1', 'conv2', 'relu6', 'pool2', 'flatten', 'fc', 'drop', 'prob'],
  );
  assert.deepEqual(l.get('conv1'), { type: 'conv2d', name: 'conv1', inputs: ['image'], outChannels: 8, kernel: 3, padding: 1 });
  assert.deepEqual(l.get('bn1'), { type: 'batchnorm', name: 'bn1', inputs: ['conv1'], epsilon: Math.fround(1e-3), affine: true });
  assert.deepEqual(l.get('pool1'), { type: 'pool', name: 'pool1', inputs: ['relu1'], mode: 'max', kernel: 2, stride: 2 });
  assert.deepEqual(l.get('lrn1'), { type: 'lrn', name: 'lrn1', inputs: ['pool1'], size: 5, alpha: Math.fround(1e-4), beta: 0.75, k: 2 });
  // SAME_UPPER, stride 2, kernel 3 on 16: out 8, total pad (8-1)*2+3-16 = 1, the extra row/col at the end
  assert.deepEqual(l.get('conv2'), {
    type: 'conv2d',
    name: 'conv2',
    inputs: ['lrn1'],
    outChannels: 16,
    kernel: 3,
    stride: 2,
    padding: [0, 0, 1, 1],
    groups: 2,
  });
  assert.deepEqual(l.get('relu6'), { type: 'activation', name: 'relu6', inputs: ['conv2'], fn: 'relu6' });
  assert.deepEqual(l.get('pool2'), { type: 'pool', name: 'pool2', inputs: ['relu6'], mode: 'avg', kernel: 3, stride: 2, ceilMode: true });
  assert.deepEqual(l.get('fc'), { type: 'dense', name: 'fc', inputs: ['flatten'], units: 10 });
  assert.deepEqual(l.get('prob'), { type: 'softmax', name: 'prob', inputs: ['drop'], axis: 1 });

  const rn = resolveNetwork(network);
  assert.deepEqual(rn.layers.find((x) => x.layer.name === 'pool2')?.outputShape, [1, 16, 4, 4]); // ceil((8-3)/2)+1 = 4
  assert.equal(stat(rn, 'conv1').params, 8 * 3 * 9 + 8);
  assert.equal(stat(rn, 'conv2').weights, 16 * 4 * 9);
  assert.equal(stat(rn, 'fc').weights, 256 * 10); // B stored [10, 256] with transB=1
  assert.equal(stat(rn, 'fc').params, 256 * 10 + 10);
  // onnxruntime accepts the model and agrees on the output shape
  assert.deepEqual(await runOnOrt(fx), [rn.layers.at(-1)!.outputShape]);
});

test('residual block: Identity dropped, Add joins the skip, bias-free convs', async () => {
  const fx = residualBlock();
  const { network } = importOnnx(fx.bytes, { name: 'block' });
  assert.equal(network.name, 'block');
  assert.deepEqual(
    network.layers.map((l) => `${l.name}:${l.type}<${l.inputs.join('+')}`),
    ['conv1:conv2d<x', 'bn1:batchnorm<conv1', 'relu1:activation<bn1', 'conv2:conv2d<relu1', 'bn2:batchnorm<conv2', 'add:add<bn2+x', 'relu2:activation<add'],
  );
  const rn = resolveNetwork(network);
  assert.equal(stat(rn, 'conv1').params, 16 * 16 * 9);
  assert.equal(stat(rn, 'bn1').params, 32);
  assert.deepEqual(await runOnOrt(fx), [rn.layers.at(-1)!.outputShape]);
});

test('PyTorch x.view(x.size(0), -1): the Shape->Gather->Unsqueeze->Concat subgraph folds to reshape [0, -1]', async () => {
  const fx = torchFlatten();
  const { network } = importOnnx(fx.bytes, {});
  assert.deepEqual(network.inputs, [{ name: 'input', shape: [1, 3, 8, 8] }]); // symbolic batch -> 1
  assert.deepEqual(
    network.layers.map((l) => l.type),
    ['conv2d', 'activation', 'reshape', 'dense'],
  );
  assert.deepEqual(network.layers[2], { type: 'reshape', name: '/Reshape', inputs: ['/relu/Relu'], shape: [0, -1] });
  // MatMul + Add(bias) is one dense layer with a bias, named after the MatMul
  assert.deepEqual(network.layers[3], { type: 'dense', name: '/fc/MatMul', inputs: ['/Reshape'], units: 5 });
  const rn = resolveNetwork(network, { batch: 2 });
  assert.deepEqual(rn.layers[2]!.outputShape, [2, 144]);
  assert.equal(layerStats(rn.layers[3]!).params, 144 * 5 + 5);
  // the batch really is free: onnxruntime at batch 2 agrees with memlat at batch 2
  assert.deepEqual(await runOnOrt(fx, { input: [2, 3, 8, 8] }), [[2, 5]]);
});

test('external data: imports from dims alone without the weight file; onnxruntime runs it with the file', async () => {
  const fx = externalData();
  assert.ok(fx.external);
  // the model file itself holds no weights
  assert.ok(fx.bytes.length < 2000, `model is ${fx.bytes.length} bytes`);
  assert.equal(fx.external.bytes.length, 4 * (32 * 3 * 25 + 32 + 32 * 100));
  const { network } = importOnnx(fx.bytes, {});
  const rn = resolveNetwork(network);
  assert.deepEqual(
    rn.layers.map((l) => `${l.layer.name}${JSON.stringify(l.outputShape)}`),
    ['conv1[1,32,8,8]', 'relu1[1,32,8,8]', 'gap[1,32,1,1]', 'flat[1,32]', 'fc[1,100]'],
  );
  assert.equal(stat(rn, 'conv1').params, 32 * 3 * 25 + 32);
  assert.equal(stat(rn, 'fc').params, 32 * 100); // Gemm without C: no bias
  assert.deepEqual(await runOnOrt(fx), [[1, 100]]);
  // the committed file sits without its weights.bin and still imports
  const committed = join(fixturesDir, 'onnx', 'external-data.onnx');
  assert.ok(!existsSync(join(fixturesDir, 'onnx', fx.external.file)));
  assert.deepEqual(importOnnx(readFileSync(committed), {}).network, network);
});

test('attention block: embedding, Linear fusion, head reshapes from Shape, q k^T as transposeB, GELU and layer-norm patterns', async () => {
  const fx = attentionBlock();
  userError(() => importOnnx(fx.bytes, {}), /input "input_ids": dimension 1 is symbolic \("sequence"\); give its size, e\.g\. dims: \{ sequence: 128 \}/);
  const { network, warnings } = importOnnx(fx.bytes, { dims: { sequence: 6 } });
  assert.deepEqual(network.inputs, [{ name: 'input_ids', shape: [1, 6], dtype: 'int64' }]);
  assert.deepEqual(
    network.layers.map((l) => (l.type === 'activation' ? l.fn : l.type)),
    [
      'embedding',
      'dense',
      'reshape',
      'transpose',
      'dense',
      'reshape',
      'transpose',
      'dense',
      'reshape',
      'transpose',
      'matmul',
      'softmax',
      'matmul',
      'transpose',
      'reshape',
      'dense',
      'add',
      'layernorm',
      'dense',
      'gelu',
      'dense',
      'add',
      'layernorm',
    ],
  );
  const l = byName(network);
  assert.deepEqual(l.get('/embeddings/Gather'), { type: 'embedding', name: '/embeddings/Gather', inputs: ['input_ids'], vocab: 50, dim: 8 });
  // Transpose(0,1,3,2) of k feeding only the MatMul is folded into transposeB
  assert.deepEqual(l.get('/attn/MatMul_qk'), { type: 'matmul', name: '/attn/MatMul_qk', inputs: ['/qh/Transpose', '/kh/Transpose'], transposeB: true });
  assert.equal(l.get('/attn/Transpose_k'), undefined);
  // Reshape targets from Shape(x)[0], Shape(x)[1] copy the input's dims (0), the rest are literals
  assert.deepEqual(l.get('/qh/Reshape'), { type: 'reshape', name: '/qh/Reshape', inputs: ['/q/MatMul'], shape: [0, 0, 2, 4] });
  assert.deepEqual(l.get('/gelu/Mul_1'), { type: 'activation', name: '/gelu/Mul_1', inputs: ['/ffn1/MatMul'], fn: 'gelu' });
  assert.deepEqual(l.get('/ln1/LayerNorm'), { type: 'layernorm', name: '/ln1/LayerNorm', inputs: ['/attn/residual'], epsilon: Math.fround(1e-12) });
  assert.deepEqual(l.get('/ln2/Add_1'), { type: 'layernorm', name: '/ln2/Add_1', inputs: ['/ffn/residual'], epsilon: Math.fround(1e-5) });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /"\/attn\/Div" \(Div\): Div by a scalar constant is not timed/);

  const rn = resolveNetwork(network);
  const shape = (n: string): number[] | undefined => rn.layers.find((x) => x.layer.name === n)?.outputShape;
  assert.deepEqual(shape('/attn/MatMul_qk'), [1, 2, 6, 6]);
  assert.deepEqual(shape('/attn/MatMul_v'), [1, 2, 6, 4]);
  assert.deepEqual(shape('/ln2/Add_1'), [1, 6, 8]);
  // parameters: embedding 50*8, q/k/v/o 4*(8*8+8), ln 2*(2*8), ffn 8*32+32 + 32*8+8
  const total = rn.layers.reduce((a, x) => a + layerStats(x).params, 0);
  assert.equal(total, 400 + 4 * 72 + 2 * 16 + 288 + 264);
  assert.equal(stat(rn, '/attn/MatMul_qk').macs, 2 * 6 * 6 * 4);
  assert.deepEqual(await runOnOrt(fx), [[1, 6, 8]]);
});

test('unknown ops: one error listing every unsupported op; with allowUnknownOps, opaque layers and a warning each', async () => {
  const fx = unknownOps();
  userError(
    () => importOnnx(fx.bytes, {}),
    /^ONNX model uses unsupported ops: Hardmax x2 \(first: "hardmax_a"\), Shrink x1 \(first: "shrink"\); .*allowUnknownOps/,
  );
  const { network, warnings } = importOnnx(fx.bytes, { allowUnknownOps: true });
  assert.deepEqual(
    network.layers.map((l) => l.type),
    ['conv2d', 'opaque', 'opaque', 'opaque', 'activation'],
  );
  assert.deepEqual(network.layers[1], { type: 'opaque', name: 'hardmax_a', inputs: ['conv'], op: 'Hardmax', outputShape: [1, 4, 6, 6] });
  assert.deepEqual(network.layers[4]!.inputs, ['hardmax_b']);
  assert.equal(warnings.length, 3);
  assert.match(warnings[1]!, /node "shrink" \(Shrink\): unsupported op Shrink kept as an opaque layer \(output \[1,4,6,6\], 0 params\)/);
  assert.deepEqual(resolveNetwork(network).layers.at(-1)!.outputShape, [1, 4, 6, 6]);
  assert.deepEqual(await runOnOrt(fx), [[1, 4, 6, 6]]);
  // without value_info the opaque layer's shape is unknown: say what is missing
  userError(
    () => importOnnx(unknownOps(false).bytes, { allowUnknownOps: true }),
    /node "hardmax_a" \(Hardmax\): .*output "hardmax_a_out" has no shape in value_info or graph outputs; run onnx\.shape_inference/,
  );
});

test('a constant tensor operand becomes an elementwise layer that loads it; custom domains are reported as unsupported', () => {
  const b = new GraphBuilder('pos');
  const x = b.input('x', [1, 4, 8]);
  const h = b.node('Add', [x, b.weight('pos_table', [1, 4, 8])], {}, { name: 'add_pos' });
  b.node('Foo', [h], {}, { name: 'custom', domain: 'com.example' });
  b.node('Relu', ['custom_out'], {}, { name: 'r' });
  const bytes = b.encode();
  userError(() => importOnnx(bytes, {}), /unsupported ops: com\.example\.Foo x1 \(first: "custom"\); re-export/);
  b.info('custom_out', [1, 4, 8]);
  const { network } = importOnnx(b.encode(), { allowUnknownOps: true });
  // the Add loads its constant (32 parameters, the default: the constant's size)
  assert.deepEqual(network.layers[0], { type: 'elementwise', name: 'add_pos', inputs: ['x'], op: 'add', constShape: [1, 4, 8] });
  assert.equal(networkStats(resolveNetwork(network)).layers[0]!.params, 32);
  assert.equal(network.layers[1]!.type, 'opaque');
});

test('truncated and garbage files: one-line UserError', () => {
  const good = smallCnn().bytes;
  userError(
    () => importOnnx(good.slice(0, Math.floor(good.length / 2)), {}),
    /^not a valid ONNX model \(\d+ bytes\): protobuf decoding failed: .*; the file is truncated or not \.onnx$/,
  );
  userError(() => importOnnx(new TextEncoder().encode('name: "not onnx"\nlayer { }\n'), {}), /^not a valid ONNX model/);
  userError(() => importOnnx(new Uint8Array(0), {}), /^not a valid ONNX model \(0 bytes\): no graph with nodes found/);
});

test('Reshape with a run-time shape and 3-D convolutions are rejected with the node named', () => {
  const b = new GraphBuilder('dyn');
  const x = b.input('x', [1, 4, 6]);
  const y = b.input('shape_in', [2], 7);
  b.node('Reshape', [x, y], {}, { name: 'dyn_reshape' });
  userError(() => importOnnx(b.encode(), {}), /node "dyn_reshape" \(Reshape\): target shape is computed at run time/);
  const c = new GraphBuilder('c3d');
  const v = c.input('v', [1, 2, 4, 4, 4]);
  c.node('Conv', [v, c.weight('w', [2, 2, 3, 3, 3])], { kernel_shape: ints([3, 3, 3]) }, { name: 'conv3d' });
  userError(() => importOnnx(c.encode(), {}), /node "conv3d" \(Conv\): weight input must be a 4-D initializer .* got \[2,2,3,3,3\]/);
});

test('every imported fixture is a valid network description (JSON round trip through validateNetwork)', () => {
  for (const [name, fx] of Object.entries(allFixtures())) {
    const { network } = importOnnx(fx.bytes, { dims: { sequence: 6 }, allowUnknownOps: true });
    assert.deepEqual(validateNetwork(JSON.parse(JSON.stringify(network)), name), network, name);
  }
});

test('the committed .onnx fixture files are what make-fixtures.ts generates', () => {
  for (const [name, fx] of Object.entries(allFixtures())) {
    const onDisk = readFileSync(join(fixturesDir, 'onnx', `${name}.onnx`));
    assert.ok(Buffer.from(fx.bytes).equals(onDisk), `${name}.onnx is stale: run npx tsx test/fixtures/onnx/make-fixtures.ts`);
  }
});

test('weights given as graph inputs (how memlat builds single-layer models) are parameters, not network inputs', () => {
  const b = new GraphBuilder('single_conv');
  const x = b.input('x', [1, 3, 8, 8]);
  const w = b.input('w', [4, 3, 3, 3]);
  const bias = b.input('b', [4]);
  b.node('Conv', [x, w, bias], { kernel_shape: ints([3, 3]), strides: ints([1, 2]) }, { name: 'conv' });
  const { network } = importOnnx(b.encode(), {});
  assert.deepEqual(network.inputs, [{ name: 'x', shape: [1, 3, 8, 8] }]);
  assert.deepEqual(network.layers, [{ type: 'conv2d', name: 'conv', inputs: ['x'], outChannels: 4, kernel: 3, stride: [1, 2] }]);
  assert.deepEqual(resolveNetwork(network).layers[0]!.outputShape, [1, 4, 6, 3]);
});

test('ReduceMean/ReduceMax over H, W (x.mean([2, 3]) in PyTorch) become global pooling', async () => {
  const b = new GraphBuilder('reduce_pool');
  const x = b.input('x', [1, 6, 5, 7]);
  const m = b.node('ReduceMax', [x], { axes: ints([-1, -2]), keepdims: i(1) }, { name: 'gmax' });
  b.node('ReduceMean', [m], { axes: ints([2, 3]), keepdims: i(0) }, { name: 'gmean', outputs: ['y'] });
  b.output('y', [1, 6]);
  const fx: Fixture = { bytes: b.encode(), feeds: { x: { dims: [1, 6, 5, 7], type: 'float32' } } };
  const { network } = importOnnx(fx.bytes, {});
  assert.deepEqual(network.layers, [
    { type: 'pool', name: 'gmax', inputs: ['x'], mode: 'max', global: true },
    { type: 'pool', name: 'gmean', inputs: ['gmax'], mode: 'avg', global: true },
    { type: 'flatten', name: 'gmean_flatten', inputs: ['gmean'], axis: 1 },
  ]);
  assert.deepEqual(resolveNetwork(network).layers.at(-1)!.outputShape, [1, 6]);
  assert.deepEqual(await runOnOrt(fx), [[1, 6]]);
  // over the channel axis it is not a pooling: a reduce layer
  const c = new GraphBuilder('reduce_c');
  c.node('ReduceMean', [c.input('x', [1, 6, 5, 7])], { axes: ints([1]) }, { name: 'cmean' });
  assert.deepEqual(importOnnx(c.encode(), {}).network.layers, [{ type: 'reduce', name: 'cmean', inputs: ['x'], op: 'mean', axes: [1] }]);
});

test('Slice folds on shape vectors (x.shape[2:], reversed) and on constant tables (position ids)', async () => {
  const b = new GraphBuilder('slices');
  const x = b.input('x', [1, 4, 3, 5]);
  const sh = b.node('Shape', [x], {}, { name: 'shape' });
  const head = b.node('Slice', [sh, b.int64('s0', [0]), b.int64('e1', [1])], {}, { name: 'head' });
  const tail = b.node('Slice', [sh, b.int64('s3', [3]), b.int64('big', [2 ** 53])], {}, { name: 'tail' });
  const target = b.node('Concat', [head, b.int64('m1', [-1]), tail], { axis: i(0) }, { name: 'target' });
  const r1 = b.node('Reshape', [x, target], {}, { name: 'r1' }); // [N, -1, W] -> [0, -1, 5]
  const rev = b.node(
    'Slice',
    [b.node('Shape', [x]), b.int64('sm1', [-1]), b.int64('emax', [-(2 ** 53)]), b.int64('ax0', [0]), b.int64('stm1', [-1])],
    {},
    { name: 'rev' },
  );
  const r2 = b.node('Reshape', [x, rev], {}, { name: 'r2' }); // [5, 3, 4, 1]
  b.node('Relu', [r1], {}, { name: 'out1', outputs: ['y1'] });
  b.node('Relu', [r2], {}, { name: 'out2', outputs: ['y2'] });
  b.output('y1');
  b.output('y2');
  const fx: Fixture = { bytes: b.encode(), feeds: { x: { dims: [1, 4, 3, 5], type: 'float32' } } };
  const { network } = importOnnx(fx.bytes, {});
  const l = byName(network);
  assert.deepEqual(l.get('r1'), { type: 'reshape', name: 'r1', inputs: ['x'], shape: [0, -1, 5] });
  assert.deepEqual(l.get('r2'), { type: 'reshape', name: 'r2', inputs: ['x'], shape: [5, 3, 4, 1] });
  const rn = resolveNetwork(network);
  assert.deepEqual(await runOnOrt(fx), [
    rn.layers.find((x) => x.layer.name === 'out1')!.outputShape,
    rn.layers.find((x) => x.layer.name === 'out2')!.outputShape,
  ]);

  // position ids sliced to the sequence length, then rows of a position table: a constant [1, S, 8]
  const p = new GraphBuilder('positions');
  const ids = p.input('ids', [1, 5], 7);
  const seq = p.node('Unsqueeze', [p.node('Gather', [p.node('Shape', [ids]), p.constInt64([1], [])], { axis: i(0) }), p.constInt64([0])]);
  const pos = p.node('Slice', [p.int64('position_ids', [...Array(16).keys()], [1, 16]), p.int64('z', [0]), seq, p.int64('a1', [1])], {}, { name: 'pos_slice' });
  const words = p.node('Gather', [p.weight('word_table', [30, 8]), ids], { axis: i(0) }, { name: 'words' });
  p.node('Add', [words, p.node('Gather', [p.weight('pos_table', [16, 8]), pos], { axis: i(0) })], {}, { name: 'add_pos', outputs: ['emb'] });
  p.output('emb', [1, 5, 8]);
  // the rows [1, 5, 8] of the table are loaded; the parameters are the whole table's 16 x 8
  const imported = importOnnx(p.encode(), {}).network;
  assert.deepEqual(imported.layers.at(-1), { type: 'elementwise', name: 'add_pos', inputs: ['words'], op: 'add', constShape: [1, 5, 8], params: 16 * 8 });
  assert.deepEqual(await runOnOrt({ bytes: p.encode(), feeds: { ids: { dims: [1, 5], type: 'int64' } } }), [[1, 5, 8]]);
});

test('zero Pad of H, W before a Conv/Pool folds into its padding (Keras/TF exports); elsewhere it is a pad layer', async () => {
  const b = new GraphBuilder('pad_conv');
  const x = b.input('x', [1, 3, 9, 9]);
  const padded = b.node('Pad', [x, b.constInt64([0, 0, 1, 2, 0, 0, 1, 0])], { mode: s('constant') }, { name: 'pad' });
  const c = b.node(
    'Conv',
    [padded, b.weight('w', [4, 3, 3, 3])],
    { kernel_shape: ints([3, 3]), strides: ints([2, 2]), auto_pad: s('VALID') },
    { name: 'conv' },
  );
  const p2 = b.node('Pad', [c, b.constInt64([0, 0, 0, 0, 0, 0, 1, 1])], {}, { name: 'pad2' });
  b.node('MaxPool', [p2], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) }, { name: 'pool', outputs: ['y'] });
  b.output('y');
  const fx: Fixture = { bytes: b.encode(), feeds: { x: { dims: [1, 3, 9, 9], type: 'float32' } } };
  const { network } = importOnnx(fx.bytes, {});
  assert.deepEqual(network.layers, [
    { type: 'conv2d', name: 'conv', inputs: ['x'], outChannels: 4, kernel: 3, stride: 2, padding: [1, 2, 1, 0], bias: false },
    { type: 'pool', name: 'pool', inputs: ['conv'], mode: 'max', kernel: 2, stride: 2, padding: [0, 0, 1, 1] },
  ]);
  const rn = resolveNetwork(network);
  assert.deepEqual(rn.layers[0]!.outputShape, [1, 4, 5, 5]); // (9+2-3)/2+1 = 5, (9+2-3)/2+1 = 5
  assert.deepEqual(await runOnOrt(fx), [rn.layers[1]!.outputShape]);

  const u = new GraphBuilder('pad_relu');
  u.node('Relu', [u.node('Pad', [u.input('x', [1, 3, 4, 4]), u.constInt64([0, 0, 1, 1, 0, 0, 1, 1])], {}, { name: 'lonely_pad' })]);
  assert.deepEqual(importOnnx(u.encode(), {}).network.layers[0], { type: 'pad', name: 'lonely_pad', inputs: ['x'], pads: [0, 0, 1, 1, 0, 0, 1, 1] });
});

test('a Transpose that is also read elsewhere stays a layer (no transposeB fold)', async () => {
  const b = new GraphBuilder('kt_shared');
  const q = b.input('q', [1, 2, 4, 3]);
  const k = b.input('k', [1, 2, 4, 3]);
  const kt = b.node('Transpose', [k], { perm: ints([0, 1, 3, 2]) }, { name: 'kt', outputs: ['kt'] });
  b.node('MatMul', [q, kt], {}, { name: 'scores', outputs: ['scores'] });
  b.output('scores');
  b.output('kt');
  const fx: Fixture = { bytes: b.encode(), feeds: { q: { dims: [1, 2, 4, 3], type: 'float32' }, k: { dims: [1, 2, 4, 3], type: 'float32' } } };
  const { network } = importOnnx(fx.bytes, {});
  assert.deepEqual(network.layers, [
    { type: 'transpose', name: 'kt', inputs: ['k'], perm: [0, 1, 3, 2] },
    { type: 'matmul', name: 'scores', inputs: ['q', 'kt'] },
  ]);
  const rn = resolveNetwork(network);
  assert.deepEqual(await runOnOrt(fx), [rn.layers[1]!.outputShape, rn.layers[0]!.outputShape]);
});

test('ONNX Flatten keeps its 2-D meaning for every axis (axis 1 -> flatten, others -> reshape); shapes agree with onnxruntime', async () => {
  for (const axis of [0, 1, 2, 3, -1]) {
    const b = new GraphBuilder(`flatten_axis_${axis}`);
    const x = b.input('x', [2, 3, 4, 5]);
    b.node('Flatten', [x], { axis: i(axis) }, { name: 'flat', outputs: ['y'] });
    b.output('y', []);
    const fx: Fixture = { bytes: b.encode(), feeds: { x: { dims: [2, 3, 4, 5], type: 'float32' } } };
    const [ortDims] = await runOnOrt(fx);
    const { network } = importOnnx(fx.bytes);
    const rn = resolveNetwork(network);
    assert.deepEqual(rn.layers.at(-1)!.outputShape, ortDims, `axis ${axis}`);
    assert.equal(rn.layers.at(-1)!.layer.type, axis === 1 ? 'flatten' : 'reshape', `axis ${axis}`);
    // the batch stays adjustable where ONNX keeps it in the leading dim
    if (axis >= 1)
      assert.equal(
        resolveNetwork(network, { batch: 4 }).layers.at(-1)!.outputShape[0],
        axis === 1 ? 4 : 4 * (axis === 2 ? 3 : axis === 3 || axis === -1 ? 12 : 1),
      );
  }
});

test('Einsum batched products (MaxViT attention) become matmul, with transposeB for ...id,...jd->...ij', async () => {
  const b = new GraphBuilder('einsum');
  const q = b.input('q', [1, 2, 3, 5, 4]);
  const k = b.input('k', [1, 2, 3, 6, 4]);
  const v = b.input('v', [1, 2, 3, 6, 4]);
  const sc = b.node('Einsum', [q, k], { equation: s('B G H I D, B G H J D -> B G H I J') }, { name: 'scores' });
  b.node('Einsum', [sc, v], { equation: s('bghij,bghjd->bghid') }, { name: 'mix', outputs: ['y'] });
  b.output('y');
  const fx: Fixture = {
    bytes: b.encode(),
    feeds: { q: { dims: [1, 2, 3, 5, 4], type: 'float32' }, k: { dims: [1, 2, 3, 6, 4], type: 'float32' }, v: { dims: [1, 2, 3, 6, 4], type: 'float32' } },
  };
  const { network } = importOnnx(fx.bytes, {});
  assert.deepEqual(network.layers, [
    { type: 'matmul', name: 'scores', inputs: ['q', 'k'], transposeB: true },
    { type: 'matmul', name: 'mix', inputs: ['scores', 'v'] },
  ]);
  assert.deepEqual(await runOnOrt(fx), [resolveNetwork(network).layers[1]!.outputShape]);
  const c = new GraphBuilder('einsum_other');
  c.node('Einsum', [c.input('a', [2, 3]), c.input('b2', [3, 2])], { equation: s('ij,jk->ik') }, { name: 'ok' });
  c.node('Einsum', [c.input('t', [2, 3, 4])], { equation: s('ijk->kji') }, { name: 'perm' });
  userError(() => importOnnx(c.encode(), {}), /Einsum "ijk->kji" \(other than a batched matmul of two activations\) x1 \(first: "perm"\)/);
});

test("Clip with other bounds (F.normalize's clamp_min(eps)) is an element-wise max with the bound, no parameters", async () => {
  const b = new GraphBuilder('clip_eps');
  b.node('Clip', [b.input('x', [1, 4, 8]), b.constFloat(1e-3)], {}, { name: 'clamp', outputs: ['y'] });
  b.output('y');
  const fx: Fixture = { bytes: b.encode(), feeds: { x: { dims: [1, 4, 8], type: 'float32' } } };
  const { network } = importOnnx(fx.bytes, {});
  assert.deepEqual(network.layers, [{ type: 'elementwise', name: 'clamp', inputs: ['x'], op: 'max', constShape: [1], params: 0 }]);
  assert.equal(networkStats(resolveNetwork(network)).totals.params, 0);
  assert.deepEqual(await runOnOrt(fx), [[1, 4, 8]]);
});
