import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { networkJsonSchema, validateNetwork } from '../../src/network/validate.js';
import { resolveNetwork } from '../../src/network/shapes.js';
import { zooNames, zooNetwork } from '../../src/network/zoo/index.js';
import { UserError } from '../../src/errors.js';
import { repoRoot } from '../helpers/paths.js';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof UserError) return e.problems;
    throw e;
  }
  assert.fail('expected a UserError');
}

test('a valid network comes back typed and unchanged (defaults are not filled in)', () => {
  const doc = {
    format: 'memlat-network@1',
    name: 'ok',
    inputs: [{ name: 'data', shape: [1, 3, 8, 8] }],
    layers: [
      { name: 'conv', type: 'conv2d', inputs: ['data'], outChannels: 4, kernel: [3, 3], padding: [0, 0, 1, 1] },
      { name: 'pool', type: 'pool', mode: 'avg', global: true, inputs: ['conv'] },
    ],
    source: 'hand-written',
  };
  assert.deepEqual(validateNetwork(structuredClone(doc)), doc);
  const { format: _f, ...noFormat } = doc;
  assert.deepEqual(validateNetwork(noFormat), noFormat, 'format is optional');
});

test('every problem is listed, one line each, with index, name, field, value and fix', () => {
  const problems = problemsOf(() =>
    validateNetwork(
      {
        name: 'bad',
        inputs: [{ name: 'data', shape: [1, 3, 0] }],
        layers: [
          { name: 'conv1', type: 'conv2d', inputs: ['data'], kernal: 3, outChannels: 2.5 },
          { name: 'p', type: 'pool', mode: 'max', inputs: ['conv1'] },
          { name: 'q', type: 'Convolution', inputs: ['p'] },
          { name: 'a', type: 'activation', fn: 'swish', inputs: ['p'] },
          { name: 'r', type: 'add', inputs: ['p'] },
          { name: 's', type: 'relu', inputs: ['p'] },
          42,
        ],
        extra: 1,
      },
      'net.json',
    ),
  );
  const types =
    'conv2d, dense, pool, batchnorm, layernorm, lrn, activation, softmax, dropout, add, mul, concat, flatten, reshape, transpose, matmul, embedding, opaque, elementwise, unary, slice, reduce, pad, expand';
  assert.deepEqual(problems, [
    'net.json: inputs[0].shape[2] is 0; must be a positive integer',
    'net.json: unknown field "extra"; valid fields: $schema, format, name, inputs, source, layers',
    'net.json: layers[0] "conv1": outChannels is 2.5; must be a positive integer',
    'net.json: layers[0] "conv1": kernel is missing; it must be a positive integer or [height, width]',
    'net.json: layers[0] "conv1": unknown field "kernal" (did you mean "kernel"?); valid fields: name, type, inputs, outChannels, kernel, stride, padding, dilation, groups, bias',
    'net.json: layers[1] "p": kernel is missing; it must be given unless "global": true',
    `net.json: layers[2] "q": type "Convolution" is not a layer type (did you mean "conv2d"?); valid types: ${types}`,
    'net.json: layers[3] "a": fn is "swish"; must be one of relu, relu6, leakyrelu, sigmoid, tanh, gelu, silu, hardswish, hardsigmoid, elu',
    'net.json: layers[4] "r": inputs is ["p"]; must list at least two tensors to combine',
    `net.json: layers[5] "s": type "relu" is not a layer type (did you mean "activation" with "fn": "relu"?); valid types: ${types}`,
    'net.json: layers[6]: must be an object with "name", "type" and "inputs", got 42',
  ]);
  assert.ok(problems.every((p) => !p.includes('\n')));
});

test('non-objects and missing sections', () => {
  assert.deepEqual(
    problemsOf(() => validateNetwork([1, 2])),
    ['a network must be a JSON object with "name", "inputs" and "layers" (see docs/NETWORK-FORMAT.md), got [1,2]'],
  );
  assert.deepEqual(
    problemsOf(() => validateNetwork({ name: 'x', format: 'onnx' })),
    [
      'format is "onnx"; must be "memlat-network@1" (or omitted)',
      'inputs is missing; it must be a list of {name, shape}',
      'layers is missing; it must be a list of layers',
    ],
  );
  assert.deepEqual(
    problemsOf(() => validateNetwork({ name: 'x', inputs: [{ name: 'd', shape: [1] }], layers: [] })),
    ['layers is []; must list at least one layer'],
  );
});

test('every zoo network passes the validator after a JSON round trip', () => {
  for (const name of zooNames()) {
    const net = zooNetwork(name);
    const back = validateNetwork(JSON.parse(JSON.stringify(net)), name);
    assert.equal(back.layers.length, net.layers.length, name);
    assert.deepEqual(resolveNetwork(back).layers.at(-1)?.outputShape, resolveNetwork(net).layers.at(-1)?.outputShape, name);
  }
});

test('docs/network.schema.json is the published schema, up to date', () => {
  const published: unknown = JSON.parse(readFileSync(join(repoRoot, 'docs', 'network.schema.json'), 'utf8'));
  assert.deepEqual(published, JSON.parse(JSON.stringify(networkJsonSchema())), 'regenerate docs/network.schema.json (see docs/NETWORK-FORMAT.md)');
  const s = networkJsonSchema() as { properties: { layers: { items: { oneOf: unknown[] } } } };
  assert.equal(s.properties.layers.items.oneOf.length, 24);
});

test('the example network in docs/NETWORK-FORMAT.md validates and resolves as described', () => {
  const md = readFileSync(join(repoRoot, 'docs', 'NETWORK-FORMAT.md'), 'utf8');
  const block = /```json\n([\s\S]*?)\n```/.exec(md)?.[1];
  assert.ok(block, 'a ```json block');
  const rn = resolveNetwork(validateNetwork(JSON.parse(block), 'NETWORK-FORMAT.md'));
  const shape = (n: string): number[] | undefined => rn.layers.find((l) => l.layer.name === n)?.outputShape;
  assert.deepEqual(shape('stem'), [1, 32, 32, 32]);
  assert.deepEqual(shape('mix'), [1, 32, 32, 32]);
  assert.deepEqual(shape('join'), [1, 32, 32, 32]);
  assert.deepEqual(shape('prob'), [1, 10]);
});
