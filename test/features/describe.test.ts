import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeJsonText, describeNetwork, describeTable, formatCount } from '../../src/features/describe.js';
import { resolveNetwork } from '../../src/network/shapes.js';
import type { Network } from '../../src/network/types.js';

const net: Network = {
  name: 'tiny',
  inputs: [{ name: 'x', shape: [1, 3, 32, 32] }],
  layers: [
    { name: 'conv', type: 'conv2d', inputs: ['x'], outChannels: 16, kernel: 3, padding: 1 },
    { name: 'bn', type: 'batchnorm', inputs: ['conv'] },
    { name: 'relu', type: 'activation', fn: 'relu', inputs: ['bn'] },
    { name: 'gap', type: 'pool', mode: 'avg', global: true, inputs: ['relu'] },
    { name: 'flat', type: 'flatten', inputs: ['gap'] },
    { name: 'fc', type: 'dense', units: 10, inputs: ['flat'] },
  ],
};

test('describeNetwork: exactly the documented keys, hand-computed values', () => {
  const d = describeNetwork(resolveNetwork(net));
  assert.deepEqual(Object.keys(d), ['name', 'totals', 'layers']);
  assert.deepEqual(Object.keys(d.totals), ['params', 'macs', 'weightBytes']);
  for (const l of d.layers) {
    assert.deepEqual(Object.keys(l), ['name', 'type', 'inputShapes', 'outputShape', 'params', 'weights', 'macs', 'weightBytes', 'workingSetBytes']);
  }
  const conv = d.layers[0];
  assert.deepEqual(conv, {
    name: 'conv',
    type: 'conv2d',
    inputShapes: [[1, 3, 32, 32]],
    outputShape: [1, 16, 32, 32],
    params: 448, // 16*27 + 16
    weights: 432,
    macs: 16 * 32 * 32 * 27, // 442,368
    weightBytes: 448 * 4,
    // weights + input 3*1024*4 + output 16*1024*4 + one 128x128-float MLAS slice
    workingSetBytes: 1792 + 12_288 + 65_536 + 65_536,
  });
  assert.deepEqual(d.layers[1], {
    name: 'bn',
    type: 'batchnorm',
    inputShapes: [[1, 16, 32, 32]],
    outputShape: [1, 16, 32, 32],
    params: 32,
    weights: 16,
    macs: 0,
    weightBytes: 64 * 4,
    workingSetBytes: 256 + 2 * 65_536,
  });
  assert.deepEqual(d.totals, { params: 448 + 32 + 170, macs: 442_368 + 160, weightBytes: (448 + 64 + 170) * 4 });
  assert.deepEqual(JSON.parse(describeJsonText(d)), d);
  assert.match(describeJsonText(d), /"outputShape": \[1, 16, 32, 32\]/);
});

test('describeTable: summary, one row per layer, totals', () => {
  const rn = resolveNetwork(net);
  const lines = describeTable(describeNetwork(rn), rn).trimEnd().split('\n');
  assert.equal(lines[0], 'tiny: 6 layers, 650 params, 443 KMACs, 0.00 MiB of weights; largest working set 0.14 MiB (conv)');
  assert.equal(lines.length, 1 + 1 + 2 + 6 + 2);
  assert.match(lines[4] ?? '', /^0\s+conv\s+conv2d\s+1x16x32x32\s+448\s+442K\s+0\.00\s+0\.14$/);
  assert.match(lines[6] ?? '', /^2\s+relu\s+activation:relu\s/);
  assert.match(lines[7] ?? '', /^3\s+gap\s+pool:avg-global\s+1x16x1x1\s/);
  assert.match(lines.at(-1) ?? '', /^\s+total\s+6 layers\s+650\s+443K\s+0\.00\s+0\.14 max$/);
});

test('formatCount: 3 significant digits', () => {
  assert.equal(formatCount(25_557_032), '25.6M');
  assert.equal(formatCount(4_089_184_256, 'MACs'), '4.09 GMACs');
  assert.equal(formatCount(138_357_544), '138M');
  assert.equal(formatCount(950), '950');
  assert.equal(formatCount(950, 'MACs'), '950 MACs');
});
