/**
 * DenseNets (Huang et al. 2016) exactly as torchvision.models.densenet builds them (memory_efficient
 * off): conv 7x7/2 (no bias) + BN + ReLU + max pool 3x3/2 pad 1; four dense blocks where every dense
 * layer reads the channel concatenation of the block input and all earlier layers' outputs
 * (BN + ReLU + 1x1 conv to bn_size*growth, BN + ReLU + 3x3 conv to `growth`); transitions (BN +
 * ReLU + 1x1 conv halving the channels + 2x2 average pool) between blocks; final BN + ReLU, global
 * average pool, flatten, Linear -> 1000. Each concatenation torchvision performs is its own layer,
 * so the description allocates what PyTorch allocates.
 *
 * Published (torchvision): densenet121 7,978,856 params / 2.83 GMACs; densenet161 28,681,000 / 7.73;
 * densenet169 14,149,480 / 3.36; densenet201 20,013,928 / 4.29.
 */
import type { Network } from '../types.js';
import { NetBuilder, imageInput } from './builder.js';

/** torchvision's DenseNet arguments. */
export interface DenseNetSpec {
  name: string;
  growth: number;
  blocks: [number, number, number, number];
  initFeatures: number;
}

/** The torchvision DenseNets memlat's zoo knows (bn_size 4 for all). */
export const DENSENETS: Record<string, DenseNetSpec> = {
  densenet121: { name: 'densenet121', growth: 32, blocks: [6, 12, 24, 16], initFeatures: 64 },
  densenet161: { name: 'densenet161', growth: 48, blocks: [6, 12, 36, 24], initFeatures: 96 },
  densenet169: { name: 'densenet169', growth: 32, blocks: [6, 12, 32, 32], initFeatures: 64 },
  densenet201: { name: 'densenet201', growth: 32, blocks: [6, 12, 48, 32], initFeatures: 64 },
};

/**
 * A torchvision DenseNet for a 224x224 RGB input at the given batch. Layer names follow torchvision's
 * module paths (features.denseblock2.denselayer3.conv1); `<denselayer>.cat` is the concatenation
 * feeding that layer and `denseblockN.cat` the block output. Cost: O(layers x block size).
 */
export function densenet(spec: DenseNetSpec, batch = 1): Network {
  const bnSize = 4;
  const b = new NetBuilder(imageInput(batch));
  let x = b.conv('features.conv0', 'input', spec.initFeatures, 7, { stride: 2, padding: 3, bias: false });
  x = b.act('features.relu0', b.bn('features.norm0', x));
  x = b.maxPool('features.pool0', x, 3, 2, 1);
  let channels = spec.initFeatures;
  spec.blocks.forEach((layers, blockIndex) => {
    const blockName = `features.denseblock${blockIndex + 1}`;
    const features = [x];
    for (let i = 0; i < layers; i++) {
      const p = `${blockName}.denselayer${i + 1}`;
      const input = features.length === 1 ? x : b.concat(`${p}.cat`, [...features]);
      let y = b.act(`${p}.relu1`, b.bn(`${p}.norm1`, input));
      y = b.conv(`${p}.conv1`, y, bnSize * spec.growth, 1, { bias: false });
      y = b.act(`${p}.relu2`, b.bn(`${p}.norm2`, y));
      y = b.conv(`${p}.conv2`, y, spec.growth, 3, { padding: 1, bias: false });
      features.push(y);
    }
    x = b.concat(`${blockName}.cat`, features);
    channels += layers * spec.growth;
    if (blockIndex < 3) {
      const t = `features.transition${blockIndex + 1}`;
      channels = Math.floor(channels / 2);
      x = b.act(`${t}.relu`, b.bn(`${t}.norm`, x));
      x = b.conv(`${t}.conv`, x, channels, 1, { bias: false });
      x = b.avgPool(`${t}.pool`, x, 2, 2);
    }
  });
  x = b.act('features.relu5', b.bn('features.norm5', x));
  x = b.globalAvgPool('avgpool', x);
  x = b.flatten('flatten', x);
  b.dense('classifier', x, 1000);
  return b.build(spec.name, `zoo:${spec.name} (torchvision.models.${spec.name}, 224x224 input)`);
}
