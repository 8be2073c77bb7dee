/**
 * VGG (Simonyan & Zisserman 2014) exactly as torchvision.models.vgg builds it: 3x3 convolutions with
 * bias (padding 1) + ReLU, 2x2 max pooling, AdaptiveAvgPool2d((7, 7)) (a 1x1 average pool at a 224
 * input, kept because it runs), then Linear 25088->4096, ReLU, Dropout, Linear 4096->4096, ReLU,
 * Dropout, Linear 4096->1000. The `_bn` variants put BatchNorm2d after every convolution.
 *
 * Published (torchvision): vgg16 138,357,544 params, 15.47 GMACs; vgg16_bn 138,365,992.
 */
import type { Network } from '../types.js';
import { NetBuilder, imageInput } from './builder.js';

type VggDepth = 11 | 13 | 16 | 19;

/** torchvision's `cfgs` A/B/D/E: channel counts, 'M' = max pool. */
const CONFIGS: Record<VggDepth, (number | 'M')[]> = {
  11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  13: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  19: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
};

/**
 * VGG-`depth` for a 224x224 RGB input at the given batch; `batchNorm` selects the `_bn` variant.
 * Layer names follow torchvision's module paths (features.N, classifier.N). Cost: O(layers).
 */
export function vgg(depth: VggDepth, batchNorm: boolean, batch = 1): Network {
  const b = new NetBuilder(imageInput(batch));
  let x = 'input';
  let i = 0; // index in torchvision's `features` Sequential
  for (const v of CONFIGS[depth]) {
    if (v === 'M') {
      x = b.maxPool(`features.${i++}`, x, 2, 2);
      continue;
    }
    x = b.conv(`features.${i++}`, x, v, 3, { padding: 1 });
    if (batchNorm) x = b.bn(`features.${i++}`, x);
    x = b.act(`features.${i++}`, x);
  }
  x = b.avgPool('avgpool', x, 1, 1); // AdaptiveAvgPool2d((7,7)) on a 7x7 map
  x = b.flatten('flatten', x);
  x = b.dense('classifier.0', x, 4096);
  x = b.act('classifier.1', x);
  x = b.dropout('classifier.2', x, 0.5);
  x = b.dense('classifier.3', x, 4096);
  x = b.act('classifier.4', x);
  x = b.dropout('classifier.5', x, 0.5);
  b.dense('classifier.6', x, 1000);
  const name = `vgg${depth}${batchNorm ? '_bn' : ''}`;
  return b.build(name, `zoo:${name} (torchvision.models.${name}, 224x224 input)`);
}
