/**
 * MobileNetV2 (Sandler et al. 2018) exactly as torchvision.models.mobilenet_v2 builds it (width 1.0):
 * conv 3x3/2 32 + BN + ReLU6, 17 inverted-residual blocks (1x1 expand + BN + ReLU6 when t != 1,
 * 3x3 depthwise + BN + ReLU6, 1x1 linear projection + BN, residual add when stride 1 and channels
 * match), conv 1x1 1280 + BN + ReLU6, global average pool, flatten, Dropout(0.2), Linear 1280->1000.
 * Convolutions have no bias.
 *
 * Published (torchvision): 3,504,872 params, 0.30 GMACs.
 */
import type { Network } from '../types.js';
import { NetBuilder, imageInput } from './builder.js';

/** torchvision's inverted_residual_setting: expansion t, channels c, repeats n, first stride s. */
const SETTING: [number, number, number, number][] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/**
 * torchvision's MobileNetV2 for a 224x224 RGB input at the given batch. Layer names follow
 * torchvision's module paths (features.3.conv.1.0 is block 3's depthwise conv). Cost: O(layers).
 */
export function mobilenetV2(batch = 1): Network {
  const b = new NetBuilder(imageInput(batch));
  let x = b.conv('features.0.0', 'input', 32, 3, { stride: 2, padding: 1, bias: false });
  x = b.bn('features.0.1', x);
  x = b.act('features.0.2', x, 'relu6');
  let inp = 32;
  let f = 1;
  for (const [t, c, n, s] of SETTING) {
    for (let i = 0; i < n; i++) {
      const block = `features.${f++}`;
      const p = `${block}.conv`;
      const stride = i === 0 ? s : 1;
      const hidden = inp * t;
      let y = x;
      let k = 0; // index in the block's `conv` Sequential
      if (t !== 1) {
        y = b.conv(`${p}.${k}.0`, y, hidden, 1, { bias: false });
        y = b.bn(`${p}.${k}.1`, y);
        y = b.act(`${p}.${k}.2`, y, 'relu6');
        k++;
      }
      y = b.conv(`${p}.${k}.0`, y, hidden, 3, { stride, padding: 1, groups: hidden, bias: false });
      y = b.bn(`${p}.${k}.1`, y);
      y = b.act(`${p}.${k}.2`, y, 'relu6');
      k++;
      y = b.conv(`${p}.${k}`, y, c, 1, { bias: false });
      y = b.bn(`${p}.${k + 1}`, y);
      x = stride === 1 && inp === c ? b.addTensors(`${block}.add`, [x, y]) : y;
      inp = c;
    }
  }
  x = b.conv(`features.${f}.0`, x, 1280, 1, { bias: false });
  x = b.bn(`features.${f}.1`, x);
  x = b.act(`features.${f}.2`, x, 'relu6');
  x = b.globalAvgPool('avgpool', x);
  x = b.flatten('flatten', x);
  x = b.dropout('classifier.0', x, 0.2);
  b.dense('classifier.1', x, 1000);
  return b.build('mobilenetv2', 'zoo:mobilenetv2 (torchvision.models.mobilenet_v2, width 1.0, 224x224 input)');
}
