/**
 * GoogLeNet / Inception v1 (Szegedy et al. 2014) as torchvision.models.googlenet builds it, which
 * differs from the paper and from Caffe's bvlc_googlenet: every convolution is a BasicConv2d (conv
 * without bias + BatchNorm2d(eps=0.001) + ReLU), there is no LRN, the "5x5" branch uses a 3x3 kernel
 * (a torchvision quirk kept for its pretrained weights), and max pools use ceil_mode=True. Built
 * without the two auxiliary classifiers (they only exist in training) and without `transform_input`
 * (a per-channel input affine, i.e. preprocessing): this is the inference graph torchvision's
 * published figures describe.
 *
 * Published (torchvision): 6,624,904 params, 1.50 GMACs.
 */
import type { Network } from '../types.js';
import { NetBuilder, imageInput } from './builder.js';

/** conv (no bias) + BN(eps 1e-3) + ReLU; returns the ReLU's name. */
function basicConv(b: NetBuilder, p: string, x: string, out: number, kernel: number, stride = 1, padding = 0): string {
  const c = b.conv(`${p}.conv`, x, out, kernel, { stride, padding, bias: false });
  return b.act(`${p}.relu`, b.bn(`${p}.bn`, c, 1e-3));
}

/** An Inception module: 1x1 | 1x1->3x3 | 1x1->3x3 ("5x5") | maxpool 3x3/1->1x1, concatenated. */
function inception(
  b: NetBuilder,
  p: string,
  x: string,
  [ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, poolProj]: [number, number, number, number, number, number],
): string {
  const b1 = basicConv(b, `${p}.branch1`, x, ch1x1, 1);
  const b2 = basicConv(b, `${p}.branch2.1`, basicConv(b, `${p}.branch2.0`, x, ch3x3red, 1), ch3x3, 3, 1, 1);
  const b3 = basicConv(b, `${p}.branch3.1`, basicConv(b, `${p}.branch3.0`, x, ch5x5red, 1), ch5x5, 3, 1, 1);
  const pool = b.maxPool(`${p}.branch4.0`, x, 3, 1, 1, true);
  const b4 = basicConv(b, `${p}.branch4.1`, pool, poolProj, 1);
  return b.concat(`${p}.cat`, [b1, b2, b3, b4]);
}

/** torchvision's GoogLeNet (inference graph) for a 224x224 RGB input at the given batch. Cost: O(layers). */
export function googlenet(batch = 1): Network {
  const b = new NetBuilder(imageInput(batch));
  let x = basicConv(b, 'conv1', 'input', 64, 7, 2, 3);
  x = b.maxPool('maxpool1', x, 3, 2, 0, true);
  x = basicConv(b, 'conv2', x, 64, 1);
  x = basicConv(b, 'conv3', x, 192, 3, 1, 1);
  x = b.maxPool('maxpool2', x, 3, 2, 0, true);
  x = inception(b, 'inception3a', x, [64, 96, 128, 16, 32, 32]);
  x = inception(b, 'inception3b', x, [128, 128, 192, 32, 96, 64]);
  x = b.maxPool('maxpool3', x, 3, 2, 0, true);
  x = inception(b, 'inception4a', x, [192, 96, 208, 16, 48, 64]);
  x = inception(b, 'inception4b', x, [160, 112, 224, 24, 64, 64]);
  x = inception(b, 'inception4c', x, [128, 128, 256, 24, 64, 64]);
  x = inception(b, 'inception4d', x, [112, 144, 288, 32, 64, 64]);
  x = inception(b, 'inception4e', x, [256, 160, 320, 32, 128, 128]);
  x = b.maxPool('maxpool4', x, 2, 2, 0, true);
  x = inception(b, 'inception5a', x, [256, 160, 320, 32, 128, 128]);
  x = inception(b, 'inception5b', x, [384, 192, 384, 48, 128, 128]);
  x = b.globalAvgPool('avgpool', x);
  x = b.flatten('flatten', x);
  x = b.dropout('dropout', x, 0.2);
  b.dense('fc', x, 1000);
  return b.build('googlenet', 'zoo:googlenet (torchvision.models.googlenet, BN variant, no aux classifiers, 224x224 input)');
}
