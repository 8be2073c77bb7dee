/**
 * MobileNetV3 Large and Small (Howard et al. 2019) exactly as torchvision.models.mobilenet_v3_large /
 * mobilenet_v3_small build them (width 1.0): conv 3x3/2 16 + BN + Hardswish; inverted-residual blocks
 * (1x1 expand + BN + act when the expansion differs, kxk depthwise + BN + act, optional
 * squeeze-excitation = global avg pool -> 1x1 conv + ReLU -> 1x1 conv + Hardsigmoid -> multiply,
 * 1x1 projection + BN, residual add when stride 1 and channels match); 1x1 conv to 6x channels + BN +
 * Hardswish; global average pool; Linear + Hardswish + Dropout(0.2) + Linear -> 1000.
 * BatchNorm eps 0.001; convolutions have no bias except inside squeeze-excitation.
 *
 * Published (torchvision): large 5,483,032 params / 0.22 GMACs; small 2,542,856 / 0.06 GMACs.
 */
import type { Network } from '../types.js';
import { NetBuilder, imageInput } from './builder.js';

/** torchvision's _make_divisible(v, 8): round to a multiple of 8, never down by more than 10%. */
function makeDivisible(v: number, divisor = 8): number {
  let r = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (r < 0.9 * v) r += divisor;
  return r;
}

/** One bneck row: input, kernel, expanded, output channels, squeeze-excite?, activation, stride. */
type Bneck = [number, number, number, number, boolean, 'RE' | 'HS', number];

const LARGE: Bneck[] = [
  [16, 3, 16, 16, false, 'RE', 1],
  [16, 3, 64, 24, false, 'RE', 2],
  [24, 3, 72, 24, false, 'RE', 1],
  [24, 5, 72, 40, true, 'RE', 2],
  [40, 5, 120, 40, true, 'RE', 1],
  [40, 5, 120, 40, true, 'RE', 1],
  [40, 3, 240, 80, false, 'HS', 2],
  [80, 3, 200, 80, false, 'HS', 1],
  [80, 3, 184, 80, false, 'HS', 1],
  [80, 3, 184, 80, false, 'HS', 1],
  [80, 3, 480, 112, true, 'HS', 1],
  [112, 3, 672, 112, true, 'HS', 1],
  [112, 5, 672, 160, true, 'HS', 2],
  [160, 5, 960, 160, true, 'HS', 1],
  [160, 5, 960, 160, true, 'HS', 1],
];

const SMALL: Bneck[] = [
  [16, 3, 16, 16, true, 'RE', 2],
  [16, 3, 72, 24, false, 'RE', 2],
  [24, 3, 88, 24, false, 'RE', 1],
  [24, 5, 96, 40, true, 'HS', 2],
  [40, 5, 240, 40, true, 'HS', 1],
  [40, 5, 240, 40, true, 'HS', 1],
  [40, 5, 120, 48, true, 'HS', 1],
  [48, 5, 144, 48, true, 'HS', 1],
  [48, 5, 288, 96, true, 'HS', 2],
  [96, 5, 576, 96, true, 'HS', 1],
  [96, 5, 576, 96, true, 'HS', 1],
];

/**
 * torchvision's MobileNetV3 (`size` 'large' or 'small') for a 224x224 RGB input at the given batch.
 * Layer names follow torchvision's module paths (features.4.block.2.fc1 is block 4's SE squeeze).
 * Cost: O(layers).
 */
export function mobilenetV3(size: 'large' | 'small', batch = 1): Network {
  const settings = size === 'large' ? LARGE : SMALL;
  const lastChannel = size === 'large' ? 1280 : 1024;
  const bnEps = 1e-3;
  const b = new NetBuilder(imageInput(batch));
  let x = b.conv('features.0.0', 'input', 16, 3, { stride: 2, padding: 1, bias: false });
  x = b.bn('features.0.1', x, bnEps);
  x = b.act('features.0.2', x, 'hardswish');
  let f = 1;
  for (const [inp, kernel, expanded, out, useSe, actName, stride] of settings) {
    const block = `features.${f++}`;
    const act = actName === 'RE' ? 'relu' : 'hardswish';
    let y = x;
    let k = 0; // index in the block's `block` Sequential
    if (expanded !== inp) {
      y = b.conv(`${block}.block.${k}.0`, y, expanded, 1, { bias: false });
      y = b.bn(`${block}.block.${k}.1`, y, bnEps);
      y = b.act(`${block}.block.${k}.2`, y, act);
      k++;
    }
    const pad = (kernel - 1) / 2;
    y = b.conv(`${block}.block.${k}.0`, y, expanded, kernel, { stride, padding: pad, groups: expanded, bias: false });
    y = b.bn(`${block}.block.${k}.1`, y, bnEps);
    y = b.act(`${block}.block.${k}.2`, y, act);
    k++;
    if (useSe) {
      const p = `${block}.block.${k++}`;
      const squeeze = makeDivisible(Math.floor(expanded / 4));
      let s = b.globalAvgPool(`${p}.avgpool`, y);
      s = b.act(`${p}.activation`, b.conv(`${p}.fc1`, s, squeeze, 1));
      s = b.act(`${p}.scale_activation`, b.conv(`${p}.fc2`, s, expanded, 1), 'hardsigmoid');
      y = b.push({ name: `${p}.mul`, type: 'mul', inputs: [y, s] });
    }
    y = b.conv(`${block}.block.${k}.0`, y, out, 1, { bias: false });
    y = b.bn(`${block}.block.${k}.1`, y, bnEps);
    x = stride === 1 && inp === out ? b.addTensors(`${block}.add`, [y, x]) : y;
  }
  const lastConv = 6 * (settings[settings.length - 1]?.[3] ?? 0);
  x = b.conv(`features.${f}.0`, x, lastConv, 1, { bias: false });
  x = b.bn(`features.${f}.1`, x, bnEps);
  x = b.act(`features.${f}.2`, x, 'hardswish');
  x = b.globalAvgPool('avgpool', x);
  x = b.flatten('flatten', x);
  x = b.dense('classifier.0', x, lastChannel);
  x = b.act('classifier.1', x, 'hardswish');
  x = b.dropout('classifier.2', x, 0.2);
  b.dense('classifier.3', x, 1000);
  const name = `mobilenetv3_${size}`;
  return b.build(name, `zoo:${name} (torchvision.models.mobilenet_v3_${size}, width 1.0, 224x224 input)`);
}
