/**
 * ResNets (He et al. 2015) exactly as torchvision.models.resnet builds them: conv 7x7/2 (no bias) +
 * BN + ReLU + max pool 3x3/2 pad 1, four stages of BasicBlocks (18, 34) or Bottlenecks (50, 101,
 * 152: "ResNet v1.5", the stride sits on the 3x3 convolution), a 1x1 conv + BN downsample shortcut
 * where the shape changes, global average pool, flatten, Linear -> 1000. Also the Bottleneck
 * variants ResNeXt (grouped 3x3) and Wide ResNet (wider 3x3), which share torchvision's code.
 *
 * Published (torchvision): resnet18 11,689,512 params / 1.81 GMACs; resnet34 21,797,672 / 3.66;
 * resnet50 25,557,032 / 4.09; resnet101 44,549,160 / 7.80; resnet152 60,192,808 / 11.51;
 * resnext50_32x4d 25,028,904 / 4.23; wide_resnet50_2 68,883,240 / 11.40.
 */
import type { Network } from '../types.js';
import { NetBuilder, imageInput } from './builder.js';

/** Which residual block and how many per stage, plus ResNeXt/Wide widths (torchvision arguments). */
export interface ResNetSpec {
  name: string;
  block: 'basic' | 'bottleneck';
  blocksPerStage: [number, number, number, number];
  groups?: number; // default 1
  widthPerGroup?: number; // default 64
}

/** The torchvision ResNet family members memlat's zoo knows. */
export const RESNETS: Record<string, ResNetSpec> = {
  resnet18: { name: 'resnet18', block: 'basic', blocksPerStage: [2, 2, 2, 2] },
  resnet34: { name: 'resnet34', block: 'basic', blocksPerStage: [3, 4, 6, 3] },
  resnet50: { name: 'resnet50', block: 'bottleneck', blocksPerStage: [3, 4, 6, 3] },
  resnet101: { name: 'resnet101', block: 'bottleneck', blocksPerStage: [3, 4, 23, 3] },
  resnet152: { name: 'resnet152', block: 'bottleneck', blocksPerStage: [3, 8, 36, 3] },
  resnext50_32x4d: { name: 'resnext50_32x4d', block: 'bottleneck', blocksPerStage: [3, 4, 6, 3], groups: 32, widthPerGroup: 4 },
  wide_resnet50_2: { name: 'wide_resnet50_2', block: 'bottleneck', blocksPerStage: [3, 4, 6, 3], widthPerGroup: 128 },
};

/**
 * A torchvision ResNet for a 224x224 RGB input at the given batch. Layer names follow torchvision's
 * module paths (layer2.0.downsample.0, ...); the shared `relu` module gets one layer per use
 * (layer1.0.relu1, relu2[, relu3]) and each residual sum is `<block>.add`. Cost: O(layers).
 */
export function resnet(spec: ResNetSpec, batch = 1): Network {
  const groups = spec.groups ?? 1;
  const baseWidth = spec.widthPerGroup ?? 64;
  const expansion = spec.block === 'basic' ? 1 : 4;
  const b = new NetBuilder(imageInput(batch));
  let x = b.conv('conv1', 'input', 64, 7, { stride: 2, padding: 3, bias: false });
  x = b.bn('bn1', x);
  x = b.act('relu', x);
  x = b.maxPool('maxpool', x, 3, 2, 1);
  let inplanes = 64;
  spec.blocksPerStage.forEach((blocks, stage) => {
    const planes = 64 << stage;
    for (let i = 0; i < blocks; i++) {
      const p = `layer${stage + 1}.${i}`;
      const stride = i === 0 && stage > 0 ? 2 : 1;
      const identity = x;
      let y: string;
      if (spec.block === 'basic') {
        y = b.conv(`${p}.conv1`, x, planes, 3, { stride, padding: 1, bias: false });
        y = b.bn(`${p}.bn1`, y);
        y = b.act(`${p}.relu1`, y);
        y = b.conv(`${p}.conv2`, y, planes, 3, { padding: 1, bias: false });
        y = b.bn(`${p}.bn2`, y);
      } else {
        const width = Math.floor(planes * (baseWidth / 64)) * groups;
        y = b.conv(`${p}.conv1`, x, width, 1, { bias: false });
        y = b.bn(`${p}.bn1`, y);
        y = b.act(`${p}.relu1`, y);
        y = b.conv(`${p}.conv2`, y, width, 3, { stride, padding: 1, groups, bias: false });
        y = b.bn(`${p}.bn2`, y);
        y = b.act(`${p}.relu2`, y);
        y = b.conv(`${p}.conv3`, y, planes * expansion, 1, { bias: false });
        y = b.bn(`${p}.bn3`, y);
      }
      let shortcut = identity;
      if (stride !== 1 || inplanes !== planes * expansion) {
        shortcut = b.conv(`${p}.downsample.0`, identity, planes * expansion, 1, { stride, bias: false });
        shortcut = b.bn(`${p}.downsample.1`, shortcut);
      }
      y = b.addTensors(`${p}.add`, [y, shortcut]);
      x = b.act(`${p}.relu${spec.block === 'basic' ? 2 : 3}`, y);
      inplanes = planes * expansion;
    }
  });
  x = b.globalAvgPool('avgpool', x);
  x = b.flatten('flatten', x);
  b.dense('fc', x, 1000);
  return b.build(spec.name, `zoo:${spec.name} (torchvision.models.${spec.name}, 224x224 input)`);
}
