/**
 * The zoo against published figures: every network resolves, ends in the right shape, and its total
 * parameters and MACs equal torchvision's (Hugging Face's for BERT) published numbers. Parameter
 * counts are exact; torchvision's "GFLOPS" column (which counts multiply-accumulates) is published
 * to two decimals, so MACs must agree to 1% or to half a rounding unit (0.005 G), whichever is wider.
 * BERT's and VGG-16's totals are also checked exactly against closed-form formulas written here
 * independently of the builders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zooNames, zooNetwork, isZooName } from '../../../src/network/zoo/index.js';
import { resolveNetwork } from '../../../src/network/shapes.js';
import { validateNetwork } from '../../../src/network/validate.js';
import { layerStats, networkStats } from '../../../src/features/layer.js';
import { UserError } from '../../../src/errors.js';
import type { Network, ResolvedNetwork } from '../../../src/network/types.js';

/** torchvision model docs (params, GFLOPS = GMACs at 224x224), and Hugging Face bert-base-uncased. */
const PUBLISHED: Record<string, { params: number; gmacs: number; output: number[] }> = {
  alexnet: { params: 61_100_840, gmacs: 0.71, output: [1, 1000] },
  vgg11: { params: 132_863_336, gmacs: 7.61, output: [1, 1000] },
  vgg11_bn: { params: 132_868_840, gmacs: 7.61, output: [1, 1000] },
  vgg13: { params: 133_047_848, gmacs: 11.31, output: [1, 1000] },
  vgg13_bn: { params: 133_053_736, gmacs: 11.31, output: [1, 1000] },
  vgg16: { params: 138_357_544, gmacs: 15.47, output: [1, 1000] },
  vgg16_bn: { params: 138_365_992, gmacs: 15.47, output: [1, 1000] },
  vgg19: { params: 143_667_240, gmacs: 19.63, output: [1, 1000] },
  vgg19_bn: { params: 143_678_248, gmacs: 19.63, output: [1, 1000] },
  resnet18: { params: 11_689_512, gmacs: 1.81, output: [1, 1000] },
  resnet34: { params: 21_797_672, gmacs: 3.66, output: [1, 1000] },
  resnet50: { params: 25_557_032, gmacs: 4.09, output: [1, 1000] },
  resnet101: { params: 44_549_160, gmacs: 7.8, output: [1, 1000] },
  resnet152: { params: 60_192_808, gmacs: 11.51, output: [1, 1000] },
  resnext50_32x4d: { params: 25_028_904, gmacs: 4.23, output: [1, 1000] },
  wide_resnet50_2: { params: 68_883_240, gmacs: 11.4, output: [1, 1000] },
  densenet121: { params: 7_978_856, gmacs: 2.83, output: [1, 1000] },
  densenet161: { params: 28_681_000, gmacs: 7.73, output: [1, 1000] },
  densenet169: { params: 14_149_480, gmacs: 3.36, output: [1, 1000] },
  densenet201: { params: 20_013_928, gmacs: 4.29, output: [1, 1000] },
  mobilenetv2: { params: 3_504_872, gmacs: 0.3, output: [1, 1000] },
  mobilenetv3_large: { params: 5_483_032, gmacs: 0.22, output: [1, 1000] },
  mobilenetv3_small: { params: 2_542_856, gmacs: 0.06, output: [1, 1000] },
  squeezenet1_0: { params: 1_248_424, gmacs: 0.82, output: [1, 1000] },
  squeezenet1_1: { params: 1_235_496, gmacs: 0.35, output: [1, 1000] },
  googlenet: { params: 6_624_904, gmacs: 1.5, output: [1, 1000] },
  'bert-base': { params: 108_891_648, gmacs: 11.17, output: [1, 128, 768] },
  'bert-base-pooled': { params: 109_482_240, gmacs: 11.17, output: [1, 768] },
};

const resolved = new Map<string, ResolvedNetwork>();
function resolve(name: string): ResolvedNetwork {
  let rn = resolved.get(name);
  if (!rn) {
    rn = resolveNetwork(zooNetwork(name));
    resolved.set(name, rn);
  }
  return rn;
}

/**
 * Total MACs of a network, checked to come only from conv2d, dense and matmul layers (the layers
 * torchvision's counter and the hand formulas below count).
 */
function macsOf(rn: ResolvedNetwork): number {
  const others = rn.layers.filter((l) => !['conv2d', 'dense', 'matmul'].includes(l.layer.type));
  assert.equal(
    others.reduce((s, l) => s + layerStats(l).macs, 0),
    0,
  );
  return networkStats(rn).totals.macs;
}

test('every zoo name has a published figure and vice versa', () => {
  assert.deepEqual([...zooNames()].sort(), Object.keys(PUBLISHED).sort());
});

for (const name of zooNames()) {
  test(`${name}: resolves, ends in the published output shape, params exact, MACs within 1%`, () => {
    const pub = PUBLISHED[name];
    assert.ok(pub, name);
    const rn = resolve(name);
    assert.equal(rn.name, name);
    assert.deepEqual(rn.layers.at(-1)?.outputShape, pub.output);
    const totals = networkStats(rn).totals;
    assert.equal(totals.params, pub.params);
    const gmacs = totals.macs / 1e9;
    const tol = Math.max(0.01 * pub.gmacs, 0.005);
    assert.ok(Math.abs(gmacs - pub.gmacs) <= tol, `${name}: ${gmacs.toFixed(4)} GMACs vs published ${pub.gmacs} (tolerance ${tol})`);
    // Parameters excluding biases never exceed parameters, and every parameter is stored as fp32.
    assert.ok(totals.weights < totals.params);
    assert.ok(totals.weightBytes >= 4 * totals.params);
  });
}

test('vgg16: MACs equal the closed form sum over conv (H*W*Cin*Cout*9) and fc layers', () => {
  // [spatial size, in channels, out channels] of VGG-16's 13 convolutions at 224x224.
  const convs: [number, number, number][] = [
    [224, 3, 64],
    [224, 64, 64],
    [112, 64, 128],
    [112, 128, 128],
    [56, 128, 256],
    [56, 256, 256],
    [56, 256, 256],
    [28, 256, 512],
    [28, 512, 512],
    [28, 512, 512],
    [14, 512, 512],
    [14, 512, 512],
    [14, 512, 512],
  ];
  const convMacs = convs.reduce((s, [hw, ci, co]) => s + hw * hw * ci * co * 9, 0);
  const fcMacs = 25088 * 4096 + 4096 * 4096 + 4096 * 1000;
  assert.equal(convMacs + fcMacs, 15_470_264_320);
  assert.equal(macsOf(resolve('vgg16')), convMacs + fcMacs);
  const convParams = convs.reduce((s, [, ci, co]) => s + ci * co * 9 + co, 0);
  const fcParams = 25088 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000;
  assert.equal(networkStats(resolve('vgg16')).totals.params, convParams + fcParams);
});

/** BERT-base by hand: H hidden, F FFN width, L layers, S sequence length. */
function bertByHand(S: number, pooler: boolean): { params: number; macs: number } {
  const H = 768,
    F = 3072,
    L = 12;
  const embeddings = 30522 * H + 512 * H + 2 * H + 2 * H; // word, position, token type, LayerNorm
  const perLayer =
    4 * (H * H + H) + // Q, K, V, attention output dense
    2 * H + // attention LayerNorm
    (H * F + F) +
    (F * H + H) + // FFN
    2 * H; // output LayerNorm
  const params = embeddings + L * perLayer + (pooler ? H * H + H : 0);
  const macsPerLayer =
    4 * S * H * H + // Q, K, V, output projections
    2 * S * H * F + // FFN
    2 * S * S * H; // Q K^T and P V over 12 heads of 64
  return { params, macs: L * macsPerLayer + (pooler ? H * H : 0) };
}

test('bert-base: params and MACs equal the closed form at seqLen 128, 384 and 1', () => {
  assert.equal(bertByHand(128, true).params, 109_482_240); // Hugging Face's bert-base-uncased count
  assert.equal(bertByHand(128, false).params, 108_891_648);
  assert.equal(bertByHand(128, false).macs, 11_173_625_856);
  for (const seqLen of [128, 384, 1]) {
    for (const pooled of [false, true]) {
      const rn = resolveNetwork(zooNetwork(pooled ? 'bert-base-pooled' : 'bert-base', { seqLen }));
      const want = bertByHand(seqLen, pooled);
      assert.equal(networkStats(rn).totals.params, want.params, `params seqLen ${seqLen} pooled ${pooled}`);
      assert.equal(macsOf(rn), want.macs, `MACs seqLen ${seqLen} pooled ${pooled}`);
      assert.deepEqual(rn.layers.at(-1)?.outputShape, pooled ? [1, 768] : [1, seqLen, 768]);
    }
  }
});

test('bert-base: attention is dense Q/K/V, 12 heads of 64, Q K^T then softmax then P V', () => {
  const rn = resolve('bert-base');
  const shape = (n: string): number[] | undefined => rn.layers.find((l) => l.layer.name === n)?.outputShape;
  const s = 'encoder.layer.11.attention.self';
  assert.deepEqual(shape(`${s}.query.permute`), [1, 12, 128, 64]);
  assert.deepEqual(shape(`${s}.scores`), [1, 12, 128, 128]);
  assert.deepEqual(shape(`${s}.context`), [1, 12, 128, 64]);
  assert.deepEqual(shape(`${s}.context.view`), [1, 128, 768]);
  assert.deepEqual(shape('encoder.layer.11.intermediate.gelu'), [1, 128, 3072]);
  const count = (t: string): number => rn.layers.filter((l) => l.layer.type === t).length;
  assert.equal(count('matmul'), 24);
  assert.equal(count('softmax'), 12);
  assert.equal(count('layernorm'), 25);
  assert.equal(count('embedding'), 3);
  assert.equal(count('dense'), 72);
});

test('structure matches torchvision: layer counts and module names', () => {
  const count = (name: string, t: string): number => resolve(name).layers.filter((l) => l.layer.type === t).length;
  assert.equal(count('resnet50', 'conv2d'), 53); // 1 + 16 blocks x 3 + 4 downsamples
  assert.equal(count('resnet50', 'add'), 16);
  assert.equal(count('resnet18', 'conv2d'), 20); // 1 + 8 x 2 + 3 downsamples
  assert.equal(count('googlenet', 'conv2d'), 57); // 3 stem + 9 inception x 6
  assert.equal(count('googlenet', 'batchnorm'), 57);
  assert.equal(count('googlenet', 'concat'), 9);
  assert.equal(count('mobilenetv2', 'add'), 10);
  assert.equal(count('mobilenetv2', 'conv2d'), 52);
  assert.equal(count('squeezenet1_1', 'concat'), 8);
  assert.equal(count('densenet121', 'concat'), 58); // one per dense layer after the first, one per block
  assert.equal(count('densenet121', 'conv2d'), 120); // conv0 + 58 dense layers x 2 + 3 transitions
  const layer = (net: string, n: string) => resolve(net).layers.find((l) => l.layer.name === n);
  assert.deepEqual(layer('resnet50', 'layer4.2.conv3')?.outputShape, [1, 2048, 7, 7]);
  assert.deepEqual(layer('resnet50', 'layer2.0.downsample.0')?.outputShape, [1, 512, 28, 28]);
  // torchvision's GoogLeNet: max pools in ceil mode (112 -> 56), and the "5x5" branch is 3x3.
  assert.deepEqual(layer('googlenet', 'maxpool1')?.outputShape, [1, 64, 56, 56]);
  const b3 = layer('googlenet', 'inception4a.branch3.1.conv')?.layer;
  assert.ok(b3?.type === 'conv2d' && b3.kernel === 3 && b3.outChannels === 48);
  // SqueezeNet 1.1: 224 -> conv 111 -> ceil pool 55 -> 27 -> 13.
  assert.deepEqual(layer('squeezenet1_1', 'features.12.cat')?.outputShape, [1, 512, 13, 13]);
  // MobileNetV2 block 14's depthwise conv: 576 channels, stride 2, 14 -> 7.
  const dw = layer('mobilenetv2', 'features.14.conv.1.0');
  assert.ok(dw?.layer.type === 'conv2d' && dw.layer.groups === 576);
  assert.deepEqual(dw.outputShape, [1, 576, 7, 7]);
  // DenseNet-121: block 4 ends with 512 + 16 x 32 = 1024 channels at 7x7.
  assert.deepEqual(layer('densenet121', 'features.denseblock4.cat')?.outputShape, [1, 1024, 7, 7]);
  assert.deepEqual(layer('densenet121', 'features.denseblock3.denselayer24.cat')?.outputShape, [1, 256 + 23 * 32, 14, 14]);
});

test('names are case-insensitive, ignore - _ . and accept aliases', () => {
  for (const [alias, canonical] of [
    ['ResNet-50', 'resnet50'],
    ['resnet_50', 'resnet50'],
    ['MOBILENET_V2', 'mobilenetv2'],
    ['mobilenet-v3-large', 'mobilenetv3_large'],
    ['SqueezeNet-1.1', 'squeezenet1_1'],
    ['Inception-v1', 'googlenet'],
    ['VGG-16-BN', 'vgg16_bn'],
    ['bert-base-uncased', 'bert-base'],
    ['BERT', 'bert-base'],
  ] as const) {
    assert.ok(isZooName(alias), alias);
    assert.equal(zooNetwork(alias).name, canonical);
  }
  assert.equal(isZooName('model.onnx'), false);
});

test('unknown names, bad seqLen and bad batch are UserErrors naming the value and the fix', () => {
  assert.throws(
    () => zooNetwork('resnet51'),
    (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.match(e.message, /unknown zoo network "resnet51": valid names are alexnet, .*resnet50, .*bert-base/);
      assert.equal(e.message.split('\n').length, 1);
      return true;
    },
  );
  assert.throws(() => zooNetwork('bert-base', { seqLen: 513 }), /seqLen 513 is invalid: use an integer from 1 to 512/);
  assert.throws(() => zooNetwork('bert-base', { seqLen: 0 }), UserError);
  assert.throws(() => zooNetwork('resnet18', { batch: 1.5 }), /batch 1.5 is invalid/);
});

test('batch option scales input, output and MACs; networks are fresh, valid, plain JSON objects', () => {
  const b4 = resolveNetwork(zooNetwork('resnet18', { batch: 4 }));
  assert.deepEqual(b4.inputs[0]?.shape, [4, 3, 224, 224]);
  assert.deepEqual(b4.layers.at(-1)?.outputShape, [4, 1000]);
  assert.equal(networkStats(b4).totals.macs, 4 * networkStats(resolve('resnet18')).totals.macs);
  assert.equal(networkStats(b4).totals.params, 11_689_512);
  const bert = resolveNetwork(zooNetwork('bert-base', { batch: 2, seqLen: 64 }));
  assert.deepEqual(bert.layers.at(-1)?.outputShape, [2, 64, 768]);
  for (const name of zooNames()) {
    const net: Network = zooNetwork(name);
    assert.deepEqual(JSON.parse(JSON.stringify(net)), net, `${name} is plain JSON`);
    assert.equal(net.format, 'memlat-network@1');
    assert.deepEqual(validateNetwork(JSON.parse(JSON.stringify(net)), name), net, `${name} passes the format validator unchanged`);
    net.layers.length = 0; // mutating one copy must not affect the next
    assert.ok(zooNetwork(name).layers.length > 0);
  }
});
