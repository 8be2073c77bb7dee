/**
 * The network description format: the one data structure every part of memlat reads.
 *
 * A network is a list of layers in execution order (a topological order of its graph, see
 * ../../docs/EXECUTION-MODEL.md). Every layer produces exactly one output tensor, named after the
 * layer; a layer's `inputs` name either a network input or an earlier layer. Tensors are fp32 and
 * laid out NCHW (conv/pool) or [batch, ..., features] (dense/matmul); dimension 0 is the batch.
 *
 * This file holds types only (no code), so it can be imported anywhere at no cost.
 */

/** Element types a tensor may have. Only fp32 is timed today; the others exist for ids/masks. */
export type DType = 'fp32' | 'fp16' | 'int64' | 'int32' | 'int8';

/** A network input (or the input of an isolated layer). `shape[0]` is the batch dimension. */
export interface TensorSpec {
  name: string;
  shape: number[];
  dtype?: DType; // default 'fp32'
}

/** Either one number applied to both spatial axes, or [height, width]. */
export type Pair = number | [number, number];

interface LayerBase {
  /** Unique within the network; also the name of this layer's output tensor. */
  name: string;
  /** Names of the tensors this layer consumes (network inputs or earlier layers). */
  inputs: string[];
}

/** Fully connected: y = x W^T + b over the last axis. Input [..., inFeatures] -> [..., units]. */
export interface DenseLayer extends LayerBase {
  type: 'dense';
  units: number;
  bias?: boolean; // default true
}

/** 2-D convolution, NCHW. groups = inChannels = outChannels is depthwise. */
export interface Conv2dLayer extends LayerBase {
  type: 'conv2d';
  outChannels: number;
  kernel: Pair;
  stride?: Pair; // default 1
  /** Symmetric padding per spatial axis, or [top, left, bottom, right]. Default 0. */
  padding?: Pair | [number, number, number, number];
  dilation?: Pair; // default 1
  groups?: number; // default 1
  bias?: boolean; // default true
}

/** Max or average pooling, NCHW. `global: true` pools the whole spatial extent to 1x1. */
export interface PoolLayer extends LayerBase {
  type: 'pool';
  mode: 'max' | 'avg';
  kernel?: Pair; // required unless global
  stride?: Pair; // default = kernel
  padding?: Pair | [number, number, number, number]; // default 0
  /** Round output size up (Caffe's convention) instead of down (ONNX/PyTorch default). */
  ceilMode?: boolean;
  global?: boolean;
}

/** Batch normalisation over channels (axis 1). Inference form: per-channel scale and shift. */
export interface BatchNormLayer extends LayerBase {
  type: 'batchnorm';
  epsilon?: number; // default 1e-5
  /** With learned gamma/beta (PyTorch BN, Caffe BatchNorm+Scale). Default true. */
  affine?: boolean;
}

/** Layer normalisation over the last axis (transformers), with gamma and beta. */
export interface LayerNormLayer extends LayerBase {
  type: 'layernorm';
  epsilon?: number; // default 1e-5
}

/** Local response normalisation across channels (AlexNet/GoogLeNet/Caffe). */
export interface LrnLayer extends LayerBase {
  type: 'lrn';
  size: number;
  alpha?: number; // default 1e-4
  beta?: number; // default 0.75
  k?: number; // default 1
}

export type ActivationFn = 'relu' | 'relu6' | 'leakyrelu' | 'sigmoid' | 'tanh' | 'gelu' | 'silu' | 'hardswish' | 'hardsigmoid' | 'elu';

/** Element-wise activation. */
export interface ActivationLayer extends LayerBase {
  type: 'activation';
  fn: ActivationFn;
  alpha?: number; // leakyrelu slope / elu alpha
}

export interface SoftmaxLayer extends LayerBase {
  type: 'softmax';
  axis?: number; // default -1
}

/** Identity at inference; kept because it runs (and the study's networks have it). */
export interface DropoutLayer extends LayerBase {
  type: 'dropout';
  rate?: number;
}

/** Element-wise sum of two or more inputs of the same shape (numpy broadcasting allowed). */
export interface AddLayer extends LayerBase {
  type: 'add';
}

/** Element-wise product (gates, squeeze-excitation); numpy broadcasting allowed. */
export interface MulLayer extends LayerBase {
  type: 'mul';
}

export interface ConcatLayer extends LayerBase {
  type: 'concat';
  axis?: number; // default 1 (channels)
  /**
   * Constant operands (ViT's class token), loaded from disk like weights: `index` is the position in
   * the full operand list (activations fill the other positions in order).
   */
  constInputs?: { index: number; shape: number[] }[];
  /** Trainable parameters behind the constant operands. Default: their size. */
  params?: number;
}

/** Flatten dims [axis, ...) into one: [N, C, H, W] -> [N, C*H*W] with axis 1 (default). */
export interface FlattenLayer extends LayerBase {
  type: 'flatten';
  axis?: number;
}

/** Reshape with ONNX semantics: 0 copies the input dim, -1 (at most one) is inferred. */
export interface ReshapeLayer extends LayerBase {
  type: 'reshape';
  shape: number[];
}

/** Permute axes (attention heads). */
export interface TransposeLayer extends LayerBase {
  type: 'transpose';
  perm: number[];
}

/**
 * Activation x activation product (attention), numpy matmul semantics on the last two axes:
 * [..., M, K] x [..., K, N] -> [..., M, N]. `transposeB` multiplies by B^T instead.
 */
export interface MatMulLayer extends LayerBase {
  type: 'matmul';
  transposeB?: boolean;
}

/** Token-id lookup: input [N, S] of ids -> [N, S, dim]; weights vocab x dim. */
export interface EmbeddingLayer extends LayerBase {
  type: 'embedding';
  vocab: number;
  dim: number;
}

/** Element-wise binary operators of an `elementwise` layer (numpy broadcasting). */
export type ElementwiseOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'max' | 'min';

/**
 * Element-wise binary op of two activations, or of one activation and a constant tensor of shape
 * `constShape` (a learned layer scale, a position table, an attention bias), which the layer loads
 * from disk like a weight. `params` counts the trainable parameters behind the constant (default: its
 * size; less when the constant is expanded from a smaller table, e.g. Swin's relative position bias).
 */
export interface ElementwiseLayer extends LayerBase {
  type: 'elementwise';
  op: ElementwiseOp;
  constShape?: number[];
  /** The constant is the first operand (c - x, c / x). Default false. */
  constFirst?: boolean;
  params?: number;
}

/** Element-wise unary math functions of a `unary` layer. */
export type UnaryOp = 'sqrt' | 'erf' | 'exp' | 'log' | 'abs' | 'neg' | 'reciprocal' | 'floor' | 'ceil' | 'sin' | 'cos';

/** Element-wise unary math (what is not an activation): y = op(x). */
export interface UnaryLayer extends LayerBase {
  type: 'unary';
  op: UnaryOp;
}

/**
 * Strided slice with ONNX semantics (negative indices count from the end, out-of-range ends clamp):
 * along each axes[k], elements starts[k], starts[k] + steps[k], ... before ends[k].
 */
export interface SliceLayer extends LayerBase {
  type: 'slice';
  starts: number[];
  ends: number[];
  axes: number[];
  steps?: number[]; // default 1 each
}

/** Reductions of a `reduce` layer. */
export type ReduceOp = 'mean' | 'sum' | 'max' | 'min' | 'prod' | 'l2';

/** Reduction over `axes` (ReduceMean over tokens, ReduceSum, L2 norms). */
export interface ReduceLayer extends LayerBase {
  type: 'reduce';
  op: ReduceOp;
  axes: number[];
  keepdims?: boolean; // default true
}

/** Padding with ONNX semantics: pads = [begin of every axis..., end of every axis...]. */
export interface PadLayer extends LayerBase {
  type: 'pad';
  pads: number[];
  mode?: 'constant' | 'reflect' | 'edge'; // default constant (zero)
}

/** Broadcast to `shape` (numpy rules, ONNX Expand). */
export interface ExpandLayer extends LayerBase {
  type: 'expand';
  shape: number[];
}

/**
 * An operator memlat has no model for (kept only when the importer is asked to, with a warning).
 * Its output shape and parameter count are taken as given; it is timed like any other layer.
 */
export interface OpaqueLayer extends LayerBase {
  type: 'opaque';
  op: string;
  outputShape: number[];
  params?: number;
}

export type Layer =
  | DenseLayer
  | Conv2dLayer
  | PoolLayer
  | BatchNormLayer
  | LayerNormLayer
  | LrnLayer
  | ActivationLayer
  | SoftmaxLayer
  | DropoutLayer
  | AddLayer
  | MulLayer
  | ConcatLayer
  | FlattenLayer
  | ReshapeLayer
  | TransposeLayer
  | MatMulLayer
  | EmbeddingLayer
  | OpaqueLayer
  | ElementwiseLayer
  | UnaryLayer
  | SliceLayer
  | ReduceLayer
  | PadLayer
  | ExpandLayer;

export type LayerType = Layer['type'];

/** The JSON document users write (and importers/zoo produce). */
export interface Network {
  /** Format marker, so a stray JSON file is recognised as not-a-network. */
  format?: 'memlat-network@1';
  name: string;
  inputs: TensorSpec[];
  layers: Layer[];
  /** Free-form provenance (importer, source file, zoo reference). */
  source?: string;
}

/** A layer after shape inference: its own description plus the shapes it sees. */
export interface ResolvedLayer {
  index: number;
  layer: Layer;
  inputShapes: number[][];
  outputShape: number[];
}

/** A network after validation and shape inference. */
export interface ResolvedNetwork {
  name: string;
  inputs: TensorSpec[];
  layers: ResolvedLayer[];
  source?: string;
}

/** Per-layer quantities derived from a ResolvedLayer (see src/features/layer.ts). */
export interface LayerStats {
  /** Trainable parameters including biases (matches torchvision's counts; BN running stats excluded). */
  params: number;
  /** Parameters excluding biases (and BN shifts). Caffe's `number-of-paramters` counts these. */
  weights: number;
  /** Bytes read from disk when the layer is loaded: every stored tensor (BN running stats included). */
  weightBytes: number;
  /** Multiply-accumulates of one forward pass at the given batch. */
  macs: number;
  /** Floating-point operations (2 per MAC plus element-wise work). */
  flops: number;
  inputBytes: number;
  outputBytes: number;
  /** Scratch memory the kernel needs beyond inputs/outputs/weights (e.g. conv im2col buffer). */
  workspaceBytes: number;
  /** weightBytes + inputBytes + outputBytes + workspaceBytes: what must be resident to run it. */
  workingSetBytes: number;
  /** flops / (weightBytes + inputBytes + outputBytes). */
  arithmeticIntensity: number;
}
