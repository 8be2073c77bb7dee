/**
 * AlexNet as torchvision.models.alexnet builds it (the single-GPU "one weird trick" variant, Krizhevsky
 * 2014: 64/192/384/256/256 channels, no LRN, no groups), not the original two-tower Caffe net: conv
 * 11x11/4 pad 2, 3x3/2 max pools (floor mode), AdaptiveAvgPool2d((6, 6)) (a 1x1 average pool at 224,
 * kept because it runs), then Dropout, Linear 9216->4096, ReLU, Dropout, Linear 4096->4096, ReLU,
 * Linear 4096->1000.
 *
 * Published (torchvision): 61,100,840 params, 0.71 GMACs.
 */
import type { Network } from '../types.js';
import { NetBuilder, imageInput } from './builder.js';

/** torchvision's AlexNet for a 224x224 RGB input at the given batch. Cost: O(layers). */
export function alexnet(batch = 1): Network {
  const b = new NetBuilder(imageInput(batch));
  let x = b.conv('features.0', 'input', 64, 11, { stride: 4, padding: 2 });
  x = b.act('features.1', x);
  x = b.maxPool('features.2', x, 3, 2);
  x = b.conv('features.3', x, 192, 5, { padding: 2 });
  x = b.act('features.4', x);
  x = b.maxPool('features.5', x, 3, 2);
  x = b.conv('features.6', x, 384, 3, { padding: 1 });
  x = b.act('features.7', x);
  x = b.conv('features.8', x, 256, 3, { padding: 1 });
  x = b.act('features.9', x);
  x = b.conv('features.10', x, 256, 3, { padding: 1 });
  x = b.act('features.11', x);
  x = b.maxPool('features.12', x, 3, 2);
  x = b.avgPool('avgpool', x, 1, 1); // AdaptiveAvgPool2d((6,6)) on a 6x6 map
  x = b.flatten('flatten', x);
  x = b.dropout('classifier.0', x, 0.5);
  x = b.dense('classifier.1', x, 4096);
  x = b.act('classifier.2', x);
  x = b.dropout('classifier.3', x, 0.5);
  x = b.dense('classifier.4', x, 4096);
  x = b.act('classifier.5', x);
  b.dense('classifier.6', x, 1000);
  return b.build('alexnet', 'zoo:alexnet (torchvision.models.alexnet, 224x224 input)');
}
