/**
 * The fixed lists of the network format that other folders need: every layer type and every
 * activation function, each in one fixed order (the validator's lists, the features' one-hot order,
 * the dataset's layer-type column). A compile-time check keeps them complete against ./types.ts.
 *
 * Pure: constants only.
 */
import type { ActivationFn, LayerType } from './types.js';

/** Every layer type, in a fixed order (the validator's list and the features' one-hot order). */
export const LAYER_TYPES = [
  'conv2d',
  'dense',
  'pool',
  'batchnorm',
  'layernorm',
  'lrn',
  'activation',
  'softmax',
  'dropout',
  'add',
  'mul',
  'concat',
  'flatten',
  'reshape',
  'transpose',
  'matmul',
  'embedding',
  'opaque',
  'elementwise',
  'unary',
  'slice',
  'reduce',
  'pad',
  'expand',
] as const satisfies readonly LayerType[];

/** Every activation function, in a fixed order (validator list and features' one-hot order). */
export const ACTIVATION_FNS = [
  'relu',
  'relu6',
  'leakyrelu',
  'sigmoid',
  'tanh',
  'gelu',
  'silu',
  'hardswish',
  'hardsigmoid',
  'elu',
] as const satisfies readonly ActivationFn[];

// Compile-time check that the two lists above are complete.
type Missing<All, Listed> = Exclude<All, Listed>;
const _allTypesListed: Missing<LayerType, (typeof LAYER_TYPES)[number]> extends never ? true : never = true;
const _allFnsListed: Missing<ActivationFn, (typeof ACTIVATION_FNS)[number]> extends never ? true : never = true;
