import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { importCaffe } from '../../../src/network/import/caffe.js';
import { parseTextProto } from '../../../src/network/import/prototxt.js';
import { resolveNetwork } from '../../../src/network/shapes.js';
import { validateNetwork } from '../../../src/network/validate.js';
import { layerStats } from '../../../src/features/layer.js';
import { UserError } from '../../../src/errors.js';
import type { Layer } from '../../../src/network/types.js';
import { edgecaffeDir } from '../../helpers/paths.js';

interface YamlLayer {
  name: string;
  'number-of-paramters': number;
}
interface Description {
  name: string;
  'network-file': string;
  'conv-layers': YamlLayer[];
  'fc-layers': YamlLayer[];
}

const networks = readdirSync(edgecaffeDir).filter((d) => statSync(join(edgecaffeDir, d)).isDirectory() && d !== 'profiles');

test('the six EdgeCaffe networks are present', () => {
  assert.deepEqual(networks.sort(), ['AgeNet', 'EmotionNet', 'FaceNet', 'GenderNet', 'MemNet', 'SceneNet']);
});

for (const dir of networks) {
  test(`EdgeCaffe ${dir}: every layer's weight count equals number-of-paramters in description.yaml`, () => {
    const desc = parseYaml(readFileSync(join(edgecaffeDir, dir, 'description.yaml'), 'utf8')) as Description;
    const text = readFileSync(join(edgecaffeDir, dir, desc['network-file']), 'utf8');
    const { network } = importCaffe(text, { name: desc.name });
    // what the importer produces is a valid network description, also after a JSON round trip
    assert.deepEqual(validateNetwork(JSON.parse(JSON.stringify(network)), dir), network);
    const rn = resolveNetwork(network);
    const byName = new Map(rn.layers.map((rl) => [rl.layer.name, rl]));
    const entries = [...desc['conv-layers'], ...desc['fc-layers']];
    assert.ok(entries.length >= 20, `${dir}: description lists ${entries.length} layers`);
    for (const e of entries) {
      const expected = e['number-of-paramters'];
      if (e.name === 'input') {
        // The data layer: a network input in memlat, with no parameters.
        assert.equal(rn.inputs.length, 1);
        assert.equal(expected, 0);
        continue;
      }
      const rl = byName.get(e.name);
      assert.ok(rl, `${dir}: layer "${e.name}" from description.yaml not found in the import`);
      assert.equal(layerStats(rl).weights, expected, `${dir} layer "${e.name}" (${rl.layer.type}): weights`);
    }
    // Conversely, every imported layer is either in the description or an inserted zero-weight flatten.
    const listed = new Set(entries.map((e) => e.name));
    for (const rl of rn.layers) {
      if (listed.has(rl.layer.name)) continue;
      assert.equal(rl.layer.type, 'flatten', `${dir}: unexpected extra layer ${rl.layer.name}`);
      assert.equal(layerStats(rl).weights, 0);
    }
  });
}

test('AgeNet (V1 syntax): shapes follow Caffe arithmetic (ceil pooling, implicit flatten before fc6)', () => {
  const text = readFileSync(join(edgecaffeDir, 'AgeNet', 'age_deploy.prototxt'), 'utf8');
  const rn = resolveNetwork(importCaffe(text).network);
  const shape = (n: string): number[] | undefined => rn.layers.find((l) => l.layer.name === n)?.outputShape;
  // conv1: 7x7 stride 4 on 227 -> floor((227-7)/4)+1 = 56; pool1 3/2 ceil: ceil((56-3)/2)+1 = 28
  assert.deepEqual(shape('conv1'), [1, 96, 56, 56]);
  assert.deepEqual(shape('pool1'), [1, 96, 28, 28]);
  // conv2 5x5 pad 2 keeps 28; pool2 -> ceil(25/2)+1 = 14; conv3 3x3 pad 1 keeps 14; pool5 -> ceil(11/2)+1 = 7
  assert.deepEqual(shape('pool2'), [1, 256, 14, 14]);
  assert.deepEqual(shape('pool5'), [1, 384, 7, 7]);
  assert.deepEqual(shape('fc6_flatten'), [1, 384 * 7 * 7]);
  assert.deepEqual(shape('fc6'), [1, 512]);
  assert.deepEqual(shape('prob'), [1, 8]);
  // in-place layers got their own outputs: relu1 reads conv1, pool1 reads relu1
  const layer = (n: string): Layer | undefined => rn.layers.find((l) => l.layer.name === n)?.layer;
  assert.deepEqual(layer('relu1')?.inputs, ['conv1']);
  assert.deepEqual(layer('pool1')?.inputs, ['relu1']);
  assert.deepEqual(layer('fc7')?.inputs, ['drop6']);
});

const CURRENT = `
# A small current-syntax net exercising the importer's features.
name: "tiny" # trailing comment
layer {
  name: "data" type: "Input" top: "data"
  input_param { shape: { dim: 2 dim: 3 dim: 32 dim: 32 } }
}
layer { name: "label" type: "Input" top: "label" include { phase: TRAIN } input_param { shape { dim: 2 } } }
layer {
  name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
  param { lr_mult: 1 } param { lr_mult: 2 }
  convolution_param { num_output: 16 kernel_h: 3 kernel_w: 5 pad_h: 1 pad_w: 2 stride: 2 bias_term: false
    weight_filler { type: "msra" } }
}
layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" batch_norm_param { eps: 0.001 } }
layer { name: "scale1" type: "Scale" bottom: "conv1" top: "conv1" scale_param { bias_term: true } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" relu_param { negative_slope: 0.1 } }
layer { name: "split" type: "Split" bottom: "conv1" top: "a" top: "b" }
layer { name: "br1" type: "Convolution" bottom: "a" top: "br1"
  convolution_param { num_output: 8 kernel_size: 1 } }
layer { name: "br2" type: "Convolution" bottom: "b" top: "br2"
  convolution_param { num_output: 8 kernel_size: [3] pad: 1 group: 8 dilation: 1 } }
layer { name: "cat" type: "Concat" bottom: "br1" bottom: "br2" top: "cat" concat_param { axis: 1 } }
layer { name: "sum" type: "Eltwise" bottom: "cat" bottom: "conv1" top: "sum" }
layer { name: "prod" type: 'Eltwise' bottom: "sum" bottom: "sum" top: "prod" eltwise_param { operation: PROD } }
layer { name: "norm" type: "LRN" bottom: "prod" top: "norm" lrn_param { local_size: 3 alpha: 5e-05 beta: 0.75 } }
layer { name: "gpool" type: "Pooling" bottom: "norm" top: "gpool" pooling_param { pool: AVE global_pooling: true } }
layer { name: "fc" type: "InnerProduct" bottom: "gpool" top: "fc" inner_product_param { num_output: 10 } }
layer { name: "drop" type: "Dropout" bottom: "fc" top: "fc" dropout_param { dropout_ratio: 0.3 } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" top: "loss" }
layer { name: "prob" type: "Softmax" bottom: "fc" top: "prob" include { phase: TEST } }
`;

test('current syntax: Input layer, BN+Scale merge, in-place renaming, Split, Concat, Eltwise, phases', () => {
  const { network, warnings } = importCaffe(CURRENT);
  assert.equal(network.name, 'tiny');
  assert.deepEqual(network.inputs, [{ name: 'data', shape: [2, 3, 32, 32] }]); // TRAIN-only label input skipped
  assert.deepEqual(
    network.layers.map((l) => `${l.name}<${l.inputs.join('+')}`),
    [
      'conv1<data',
      'bn1<conv1',
      'relu1<bn1',
      'br1<relu1',
      'br2<relu1',
      'cat<br1+br2',
      'sum<cat+relu1',
      'prod<sum+sum',
      'norm<prod',
      'gpool<norm',
      'fc_flatten<gpool',
      'fc<fc_flatten',
      'drop<fc',
      'prob<drop',
    ],
  );
  const by = new Map(network.layers.map((l) => [l.name, l]));
  assert.deepEqual(by.get('conv1'), {
    type: 'conv2d',
    name: 'conv1',
    inputs: ['data'],
    outChannels: 16,
    kernel: [3, 5],
    stride: 2,
    padding: [1, 2],
    bias: false,
  });
  assert.deepEqual(by.get('bn1'), { type: 'batchnorm', name: 'bn1', inputs: ['conv1'], epsilon: 0.001, affine: true });
  assert.deepEqual(by.get('relu1'), { type: 'activation', name: 'relu1', inputs: ['bn1'], fn: 'leakyrelu', alpha: 0.1 });
  assert.deepEqual(by.get('br2'), { type: 'conv2d', name: 'br2', inputs: ['relu1'], outChannels: 8, kernel: 3, padding: 1, groups: 8 });
  assert.equal(by.get('prod')?.type, 'mul');
  assert.deepEqual(by.get('norm'), { type: 'lrn', name: 'norm', inputs: ['prod'], size: 3, alpha: 5e-5, beta: 0.75, k: 1 });
  assert.deepEqual(by.get('gpool'), { type: 'pool', name: 'gpool', inputs: ['norm'], mode: 'avg', global: true });
  assert.deepEqual(by.get('drop'), { type: 'dropout', name: 'drop', inputs: ['fc'], rate: 0.3 });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /"loss".*SoftmaxWithLoss is a training-only layer/);

  const rn = resolveNetwork(network);
  const shape = (n: string): number[] | undefined => rn.layers.find((l) => l.layer.name === n)?.outputShape;
  // conv1: h = floor((32+2-3)/2)+1 = 16, w = floor((32+4-5)/2)+1 = 16
  assert.deepEqual(shape('conv1'), [2, 16, 16, 16]);
  assert.deepEqual(shape('cat'), [2, 16, 16, 16]);
  assert.deepEqual(shape('gpool'), [2, 16, 1, 1]);
  assert.deepEqual(shape('prob'), [2, 10]);
  const stats = new Map(rn.layers.map((rl) => [rl.layer.name, layerStats(rl)]));
  assert.equal(stats.get('conv1')?.params, 16 * 3 * 3 * 5); // no bias
  assert.equal(stats.get('bn1')?.params, 2 * 16); // gamma and beta from the merged Scale
  assert.equal(stats.get('br2')?.weights, 8 * 2 * 9); // grouped: 16 input channels / 8 groups = 2 per filter
});

test('V1 syntax with top-level input_shape and enum types', () => {
  const text = `name: "v1"
input: "img"
input_shape { dim: 1 dim: 1 dim: 28 dim: 28 }
layers { name: "c" type: CONVOLUTION bottom: "img" top: "c" convolution_param { num_output: 4 kernel_size: 5 } }
layers { name: "t" type: TANH bottom: "c" top: "c" }
layers { name: "p" type: POOLING bottom: "c" top: "p" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layers { name: "s" type: SIGMOID bottom: "p" top: "p" }
layers { name: "f" type: FLATTEN bottom: "p" top: "f" }
layers { name: "ip" type: INNER_PRODUCT bottom: "f" top: "ip" inner_product_param { num_output: 3 bias_term: false } }`;
  const { network } = importCaffe(text);
  assert.deepEqual(network.inputs, [{ name: 'img', shape: [1, 1, 28, 28] }]);
  assert.deepEqual(
    network.layers.map((l) => l.type),
    ['conv2d', 'activation', 'pool', 'activation', 'flatten', 'dense'],
  );
  assert.deepEqual(network.layers[2], { type: 'pool', name: 'p', inputs: ['t'], mode: 'max', kernel: 2, stride: 2, ceilMode: true });
  // the explicit Flatten makes the input 2-D: no extra flatten before ip
  assert.deepEqual(network.layers[5], { type: 'dense', name: 'ip', inputs: ['f'], units: 3, bias: false });
  const rn = resolveNetwork(network);
  assert.deepEqual(rn.layers[5]!.outputShape, [1, 3]);
  assert.equal(layerStats(rn.layers[5]!).params, 4 * 12 * 12 * 3);
});

test('text-format parser: lists, escapes, adjacent strings, angle brackets, separators', () => {
  const m = parseTextProto(`a: [1, -2.5e3, 0x10] s: "x\\ty" "z" b < c: 'q\\'' ; d: inf > e: { } f: -inf`);
  const v = (k: string): unknown => m.fields.get(k)?.map((x) => (x.kind === 'message' ? [...x.fields.keys()] : x.text));
  assert.deepEqual(v('a'), ['1', '-2.5e3', '0x10']);
  assert.deepEqual(v('s'), ['x\tyz']);
  assert.deepEqual(v('b'), [['c', 'd']]);
  assert.deepEqual(v('e'), [[]]);
  assert.deepEqual(v('f'), ['-inf']);
});

function userError(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UserError, `expected UserError, got ${String(e)}`);
    assert.match(e.message, re);
    assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
    return true;
  });
}

test('bad prototxt: one-line UserError with line:column', () => {
  userError(
    () => importCaffe('name: "x"\nlayer {\n  name: "c"\n  type "Convolution"\n}'),
    /^prototxt 4:8: expected ':' or '\{' after field 'type', found string "Convolution"$/,
  );
  userError(() => importCaffe('layer {\n  name: "c"\n'), /^prototxt 3:1: missing '\}' to close the message opened at 1:7$/);
  userError(() => importCaffe('layer { name: "c\n" }'), /^prototxt 1:15: unterminated string$/);
  userError(() => importCaffe('layer { name: } '), /^prototxt 1:15: expected a value after 'name:', found '\}'$/);
  userError(() => importCaffe('layer { name: "a" } @'), /^prototxt 1:21: unexpected character '@'$/);
});

test('bad networks: unsupported types listed together, unknown blobs, missing shapes and fields', () => {
  const head = 'input: "data"\ninput_dim: 1 input_dim: 3 input_dim: 8 input_dim: 8\n';
  userError(
    () =>
      importCaffe(
        `${head}layer { name: "d1" type: "Deconvolution" bottom: "data" top: "d1" }\nlayer { name: "p" type: "PReLU" bottom: "d1" top: "d1" }\nlayer { name: "d2" type: "Deconvolution" bottom: "d1" top: "d2" }`,
      ),
    /unsupported Caffe layer types: Deconvolution x2 \(first: "d1"\), PReLU x1 \(first: "p"\)/,
  );
  userError(
    () => importCaffe(`${head}layer { name: "r" type: "ReLU" bottom: "dta" top: "r" }`),
    /layer 0 "r" \(line 3\): bottom "dta" is not produced by any earlier layer or input/,
  );
  userError(
    () => importCaffe(`layer { name: "d" type: "Data" top: "data" }\nlayer { name: "r" type: "ReLU" bottom: "data" top: "r" }`),
    /"d" \(line 1\): a Data layer reads its input shape from the dataset/,
  );
  userError(
    () => importCaffe(`${head}layer { name: "c" type: "Convolution" bottom: "data" top: "c" convolution_param { kernel_size: 3 } }`),
    /"c".*'num_output' missing/,
  );
  userError(
    () => importCaffe(`${head}layer { name: "c" type: "Convolution" bottom: "data" top: "c" convolution_param { num_output: 2.5 kernel_size: 3 } }`),
    /'num_output' must be an integer >= 1, got 2.5/,
  );
  userError(
    () => importCaffe('input: "data"\ninput_dim: 1 input_dim: 3\nlayer { name: "r" type: "ReLU" bottom: "data" top: "r" }'),
    /1 'input' entries need 4 'input_dim' values .* found 2/,
  );
});
