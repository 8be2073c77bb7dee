/**
 * SqueezeNet 1.1 (Iandola et al. 2016, the v1.1 revision) exactly as torchvision.models.squeezenet1_1
 * builds it: conv 3x3/2 64 + ReLU, max pools 3x3/2 with ceil_mode=True, eight Fire modules (squeeze
 * 1x1 + ReLU, then expand 1x1 + ReLU and expand 3x3 pad 1 + ReLU, concatenated), Dropout(0.5),
 * final conv 1x1 -> 1000 + ReLU, global average pool, flatten. All convolutions have a bias.
 *
 * Published (torchvision): 1,235,496 params, 0.35 GMACs.
 */
import type { Network } from '../types.js';
import { NetBuilder, imageInput } from './builder.js';

/** Appends a Fire module (squeeze, expand1x1, expand3x3, concat); returns the concat's name. */
function fire(b: NetBuilder, p: string, x: string, squeeze: number, expand1: number, expand3: number): string {
  const s = b.act(`${p}.squeeze_activation`, b.conv(`${p}.squeeze`, x, squeeze, 1));
  const e1 = b.act(`${p}.expand1x1_activation`, b.conv(`${p}.expand1x1`, s, expand1, 1));
  const e3 = b.act(`${p}.expand3x3_activation`, b.conv(`${p}.expand3x3`, s, expand3, 3, { padding: 1 }));
  return b.concat(`${p}.cat`, [e1, e3]);
}

/** torchvision's SqueezeNet 1.1 for a 224x224 RGB input at the given batch. Cost: O(layers). */
export function squeezenet11(batch = 1): Network {
  const b = new NetBuilder(imageInput(batch));
  let x = b.conv('features.0', 'input', 64, 3, { stride: 2 });
  x = b.act('features.1', x);
  x = b.maxPool('features.2', x, 3, 2, 0, true);
  x = fire(b, 'features.3', x, 16, 64, 64);
  x = fire(b, 'features.4', x, 16, 64, 64);
  x = b.maxPool('features.5', x, 3, 2, 0, true);
  x = fire(b, 'features.6', x, 32, 128, 128);
  x = fire(b, 'features.7', x, 32, 128, 128);
  x = b.maxPool('features.8', x, 3, 2, 0, true);
  x = fire(b, 'features.9', x, 48, 192, 192);
  x = fire(b, 'features.10', x, 48, 192, 192);
  x = fire(b, 'features.11', x, 64, 256, 256);
  x = fire(b, 'features.12', x, 64, 256, 256);
  x = b.dropout('classifier.0', x, 0.5);
  x = b.conv('classifier.1', x, 1000, 1);
  x = b.act('classifier.2', x);
  x = b.globalAvgPool('classifier.3', x);
  b.flatten('flatten', x);
  return b.build('squeezenet1_1', 'zoo:squeezenet1_1 (torchvision.models.squeezenet1_1, 224x224 input)');
}

/**
 * torchvision's SqueezeNet 1.0 (the paper's original: conv 7x7/2 96, pools after fire 4 and 8) for a
 * 224x224 RGB input. Published (torchvision): 1,248,424 params, 0.82 GMACs. Cost: O(layers).
 */
export function squeezenet10(batch = 1): Network {
  const b = new NetBuilder(imageInput(batch));
  let x = b.conv('features.0', 'input', 96, 7, { stride: 2 });
  x = b.act('features.1', x);
  x = b.maxPool('features.2', x, 3, 2, 0, true);
  x = fire(b, 'features.3', x, 16, 64, 64);
  x = fire(b, 'features.4', x, 16, 64, 64);
  x = fire(b, 'features.5', x, 32, 128, 128);
  x = b.maxPool('features.6', x, 3, 2, 0, true);
  x = fire(b, 'features.7', x, 32, 128, 128);
  x = fire(b, 'features.8', x, 48, 192, 192);
  x = fire(b, 'features.9', x, 48, 192, 192);
  x = fire(b, 'features.10', x, 64, 256, 256);
  x = b.maxPool('features.11', x, 3, 2, 0, true);
  x = fire(b, 'features.12', x, 64, 256, 256);
  x = b.dropout('classifier.0', x, 0.5);
  x = b.conv('classifier.1', x, 1000, 1);
  x = b.act('classifier.2', x);
  x = b.globalAvgPool('classifier.3', x);
  b.flatten('flatten', x);
  return b.build('squeezenet1_0', 'zoo:squeezenet1_0 (torchvision.models.squeezenet1_0, 224x224 input)');
}
