import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FEATURE_NAMES, layerFeatureVector, layerStats, networkStats, swapBytes } from '../../src/features/layer.js';
import { resolveLayerOutput, resolveNetwork } from '../../src/network/shapes.js';
import type { Layer, Network, ResolvedLayer } from '../../src/network/types.js';

type LayerBody = Layer extends infer L ? (L extends Layer ? Omit<L, 'name' | 'inputs'> : never) : never;

function rl(body: LayerBody, ...inputShapes: number[][]): ResolvedLayer {
  const layer: Layer = { name: 'l', inputs: inputShapes.map((_, i) => `x${i}`), ...body };
  return { index: 0, layer, inputShapes, outputShape: resolveLayerOutput(layer, inputShapes) };
}

const MiB = 2 ** 20;

test('conv2d: ResNet stem (no bias), all quantities by hand', () => {
  const s = layerStats(rl({ type: 'conv2d', outChannels: 64, kernel: 7, stride: 2, padding: 3, bias: false }, [1, 3, 224, 224]));
  assert.equal(s.weights, 64 * 3 * 7 * 7); // 9408, torchvision conv1
  assert.equal(s.params, 9408);
  assert.equal(s.weightBytes, 9408 * 4);
  assert.equal(s.macs, 64 * 112 * 112 * 3 * 49); // 118,013,952
  assert.equal(s.flops, 2 * 118_013_952);
  assert.equal(s.inputBytes, 3 * 224 * 224 * 4);
  assert.equal(s.outputBytes, 64 * 112 * 112 * 4);
  // F = 64 <= P = 12544, batch 1, groups 1: one 128x128-float MLAS slice per thread.
  assert.equal(s.workspaceBytes, 16384 * 4);
  assert.equal(s.workingSetBytes, 37_632 + 602_112 + 3_211_264 + 65_536);
  assert.equal(s.arithmeticIntensity, (2 * 118_013_952) / (37_632 + 602_112 + 3_211_264));
  const s2 = layerStats(rl({ type: 'conv2d', outChannels: 64, kernel: 7, stride: 2, padding: 3, bias: false }, [1, 3, 224, 224]), { threads: 2 });
  assert.equal(s2.workspaceBytes, 2 * 16384 * 4);
});

test('conv2d: bias, full im2col when filters outnumber output pixels, pointwise has none', () => {
  const s = layerStats(rl({ type: 'conv2d', outChannels: 512, kernel: 3, padding: 1 }, [1, 512, 7, 7]));
  assert.equal(s.weights, 2_359_296);
  assert.equal(s.params, 2_359_808);
  assert.equal(s.macs, 115_605_504);
  assert.equal(s.flops, 231_211_008 + 512 * 49);
  assert.equal(s.workspaceBytes, 49 * 512 * 9 * 4); // P*K floats = 903,168 bytes
  const pw = layerStats(rl({ type: 'conv2d', outChannels: 256, kernel: 1 }, [1, 64, 56, 56]));
  assert.equal(pw.weights, 16_384);
  assert.equal(pw.workspaceBytes, 0);
});

test('conv2d: grouped (AlexNet conv2, Caffe count 307200) and depthwise', () => {
  const g = layerStats(rl({ type: 'conv2d', outChannels: 256, kernel: 5, padding: 2, groups: 2 }, [1, 96, 27, 27]));
  assert.equal(g.weights, 307_200);
  assert.equal(g.params, 307_456);
  assert.equal(g.macs, 256 * 27 * 27 * 48 * 25); // 223,948,800
  const dwl = rl({ type: 'conv2d', outChannels: 32, kernel: 3, padding: 1, groups: 32 }, [1, 32, 112, 112]);
  const dw = layerStats(dwl);
  assert.equal(dw.weights, 288);
  assert.equal(dw.params, 320);
  assert.equal(dw.macs, 32 * 112 * 112 * 9); // 3,612,672
  // Grouped: min(threads, N*g) * max(P*K, F*P, 16384) = 1 * 12544*9 floats.
  assert.equal(dw.workspaceBytes, 112_896 * 4);
  const f = layerFeatureVector(dwl, 512 * MiB, 0);
  assert.equal(f.isDepthwise, 1);
  assert.equal(f.groups, 32);
  assert.equal(layerFeatureVector(rl({ type: 'conv2d', outChannels: 256, kernel: 5, padding: 2, groups: 2 }, [1, 96, 27, 27]), MiB, 0).isDepthwise, 0);
});

test('dense: flat and over the last axis of a sequence', () => {
  const s = layerStats(rl({ type: 'dense', units: 4096 }, [1, 9216]));
  assert.equal(s.weights, 37_748_736);
  assert.equal(s.params, 37_752_832); // AlexNet fc6
  assert.equal(s.weightBytes, 151_011_328);
  assert.equal(s.macs, 37_748_736);
  const seq = layerStats(rl({ type: 'dense', units: 3072 }, [1, 128, 768]));
  assert.equal(seq.macs, 128 * 768 * 3072);
  assert.equal(seq.flops, 2 * 301_989_888 + 128 * 3072);
  const nob = layerStats(rl({ type: 'dense', units: 10, bias: false }, [4, 20]));
  assert.deepEqual([nob.params, nob.weights, nob.macs, nob.flops], [200, 200, 800, 1600]);
});

test('pool, batchnorm, layernorm, matmul, embedding, add', () => {
  const mp = layerStats(rl({ type: 'pool', mode: 'max', kernel: 3, stride: 2, padding: 1 }, [1, 64, 112, 112]));
  assert.deepEqual([mp.params, mp.macs, mp.flops, mp.weightBytes], [0, 0, 64 * 56 * 56 * 9, 0]);
  const gap = layerStats(rl({ type: 'pool', mode: 'avg', global: true }, [1, 2048, 7, 7]));
  assert.equal(gap.flops, 2048 * (49 + 1));
  assert.equal(gap.outputBytes, 2048 * 4);

  const bn = layerStats(rl({ type: 'batchnorm' }, [1, 64, 56, 56]));
  assert.equal(bn.params, 128); // torchvision: gamma + beta
  assert.equal(bn.weights, 64);
  assert.equal(bn.weightBytes, 4 * 64 * 4); // gamma, beta, running mean, running var
  assert.equal(bn.flops, 2 * 64 * 56 * 56);
  const bn0 = layerStats(rl({ type: 'batchnorm', affine: false }, [1, 64, 56, 56]));
  assert.deepEqual([bn0.params, bn0.weights, bn0.weightBytes], [0, 0, 2 * 64 * 4]);

  const ln = layerStats(rl({ type: 'layernorm' }, [1, 128, 768]));
  assert.deepEqual([ln.params, ln.weights, ln.weightBytes], [1536, 768, 6144]);

  const mm = layerStats(rl({ type: 'matmul', transposeB: true }, [1, 12, 128, 64], [1, 12, 128, 64]));
  assert.equal(mm.macs, 12 * 128 * 128 * 64); // 12,582,912
  assert.equal(mm.params, 0);
  assert.equal(mm.inputBytes, 2 * 12 * 128 * 64 * 4);
  assert.equal(mm.outputBytes, 12 * 128 * 128 * 4);

  const emb = layerStats(rl({ type: 'embedding', vocab: 30522, dim: 768 }, [1, 128]));
  assert.equal(emb.params, 23_440_896);
  assert.equal(emb.inputBytes, 128 * 8); // int64 ids
  assert.equal(emb.macs, 0);

  const add = layerStats(rl({ type: 'add' }, [1, 64, 56, 56], [1, 64, 56, 56], [1, 64, 56, 56]));
  assert.equal(add.flops, 2 * 64 * 56 * 56);
  assert.equal(add.inputBytes, 3 * 64 * 56 * 56 * 4);
});

test('networkStats totals and peak', () => {
  const net: Network = {
    name: 'tiny',
    inputs: [{ name: 'x', shape: [1, 3, 32, 32] }],
    layers: [
      { name: 'conv', type: 'conv2d', inputs: ['x'], outChannels: 16, kernel: 3, padding: 1 },
      { name: 'relu', type: 'activation', fn: 'relu', inputs: ['conv'] },
      { name: 'flat', type: 'flatten', inputs: ['relu'] },
      { name: 'fc', type: 'dense', units: 10, inputs: ['flat'] },
    ],
  };
  const ns = networkStats(resolveNetwork(net));
  assert.equal(ns.totals.params, 16 * 27 + 16 + 16384 * 10 + 10);
  assert.equal(ns.totals.weights, 16 * 27 + 163_840);
  assert.equal(ns.totals.macs, 16 * 1024 * 27 + 163_840);
  assert.equal(ns.totals.weightBytes, 4 * ns.totals.params);
  assert.equal(ns.peakLayer, 'fc'); // 655,400 weight bytes + 65,536 in + 40 out
  assert.equal(ns.peakWorkingSetBytes, 4 * (163_850 + 16_384 + 10));
});

test('swapBytes follows the execution model (runtime counts against M)', () => {
  assert.equal(swapBytes(300 * MiB, 256 * MiB, 60 * MiB), 104 * MiB);
  assert.equal(swapBytes(100 * MiB, 256 * MiB, 60 * MiB), 0);
  assert.equal(swapBytes(196 * MiB, 256 * MiB, 60 * MiB), 0); // exactly fits
  assert.equal(swapBytes(100 * MiB, Infinity, 60 * MiB), 0);
});

test('layerFeatureVector: fixed names and order, hand-computed values', () => {
  const layer = rl({ type: 'conv2d', outChannels: 512, kernel: 3, padding: 1 }, [1, 512, 7, 7]);
  const f = layerFeatureVector(layer, 8 * MiB, 2 * MiB);
  assert.deepEqual(Object.keys(f), [...FEATURE_NAMES]);
  assert.equal(new Set(FEATURE_NAMES).size, FEATURE_NAMES.length);
  assert.ok(Object.values(f).every(Number.isFinite));
  const ws = 2_359_808 * 4 + 2 * 25_088 * 4 + 903_168; // weights + in + out + im2col = 10,543,616
  assert.equal(f.workingSetBytes, ws);
  assert.equal(f.swapBytes, ws + 2 * MiB - 8 * MiB);
  assert.equal(f.swapFraction, (ws - 6 * MiB) / ws);
  assert.equal(f.loadSwapBytes, 2 * MiB + 25_088 * 4 + 2_359_808 * 4 - 8 * MiB);
  assert.equal(f.memoryPressure, (ws + 2 * MiB) / (8 * MiB));
  assert.deepEqual(
    [f.batch, f.inChannels, f.inH, f.inW, f.outChannels, f.outH, f.outW, f.kernelH, f.kernelW, f.kernelArea],
    [1, 512, 7, 7, 512, 7, 7, 3, 3, 9],
  );
  assert.deepEqual([f.strideH, f.padTop, f.padH, f.dilationH, f.groups, f.hasBias, f.isDepthwise], [1, 1, 1, 1, 1, 1, 0]);
  assert.equal(f.type_conv2d, 1);
  assert.equal(f.type_dense, 0);
  assert.equal(f.units, 0);

  const d = layerFeatureVector(rl({ type: 'dense', units: 3072 }, [2, 128, 768]), 1e9, 0);
  assert.deepEqual([d.inFeatures, d.units, d.rows, d.batch, d.kernelH, d.swapBytes], [768, 3072, 256, 2, 0, 0]);
  const p = layerFeatureVector(rl({ type: 'pool', mode: 'max', kernel: 3, stride: 2, ceilMode: true }, [1, 64, 112, 112]), 1e9, 0);
  assert.deepEqual([p.kernelH, p.strideW, p.ceilMode, p.poolMax, p.poolAvg, p.outH], [3, 2, 1, 1, 0, 56]);
  const a = layerFeatureVector(rl({ type: 'activation', fn: 'gelu' }, [1, 128, 3072]), 1e9, 0);
  assert.deepEqual([a.act_gelu, a.act_relu, a.type_activation, a.flops], [1, 0, 1, 5 * 128 * 3072]);
  const m = layerFeatureVector(rl({ type: 'matmul' }, [1, 12, 128, 128], [1, 12, 128, 64]), 1e9, 0);
  assert.deepEqual([m.matmulBatch, m.matmulM, m.matmulK, m.matmulN, m.transposeB], [12, 128, 128, 64, 0]);
  assert.throws(() => layerFeatureVector(layer, Infinity, 0), /memoryBytes Infinity must be a positive finite number/);
});
