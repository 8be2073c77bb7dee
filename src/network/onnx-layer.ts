/**
 * Single-layer ONNX graphs: one memlat Layer (with the shapes it sees) becomes a small ONNX model
 * whose weights are GRAPH INPUTS, not initializers. The session is therefore built once, before any
 * timing, and every timed pass feeds the weights it just read from disk as tensors that wrap the read
 * buffer (no copy). See docs/RUNTIME.md and ../../docs/EXECUTION-MODEL.md.
 *
 * Pure: builds bytes, touches neither files nor onnxruntime (the worker does that).
 */
import type { ActivationLayer, ElementwiseLayer, Layer, ReduceLayer, ResolvedLayer, ResolvedNetwork, UnaryLayer } from './types.js';
import { UserError } from '../errors.js';
import { FP32_BYTES, numElements } from '../units.js';
import { onnxRoot, OnnxDataType } from '../onnx/schema.js';
import { expandPadding, expandPair } from './hyperparams.js';

/** ONNX opset used for every generated graph (20: Gelu, LayerNormalization-17, ceil_mode pools). */
export const LAYER_OPSET = 20;
/** IR version matching opset 20. */
export const LAYER_IR_VERSION = 9;

/** One weight tensor a layer loads from disk (fp32). `positive` asks for values in [0.5, 1.5). */
export interface WeightSpec {
  name: string;
  shape: number[];
  positive?: boolean;
}

/** An activation input of the generated graph. */
export interface ActivationInput {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int64';
}

/** The generated model plus what the worker must feed it. */
export interface LayerGraph {
  /** Serialized onnx.ModelProto. */
  modelBytes: Uint8Array;
  /** Activation inputs in layer-input order (x0, x1, ...). */
  inputs: ActivationInput[];
  /** Weight inputs in the order they are stored in the layer's weight file. */
  weights: WeightSpec[];
  /** Name of the single graph output. */
  outputName: string;
}

/** Bytes of the layer's weight file: the fp32 weight tensors stored back to back. Cost O(#weights). */
export function weightFileBytes(specs: readonly WeightSpec[]): number {
  let total = 0;
  for (const s of specs) total += numElements(s.shape) * FP32_BYTES;
  return total;
}

function where(layer: Layer): string {
  return `layer "${layer.name}" (${layer.type})`;
}

function need(layer: Layer, inputShapes: number[][], count: number | 'many', minRank = 1): void {
  if (count === 'many' ? inputShapes.length < 1 : inputShapes.length !== count) {
    throw new UserError(`${where(layer)}: expects ${count === 'many' ? 'at least 1' : count} input(s), got ${inputShapes.length}; fix its "inputs"`);
  }
  inputShapes.forEach((s, i) => {
    if (s.length < minRank || s.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new UserError(`${where(layer)}: input ${i} shape [${s.join(',')}] must have rank >= ${minRank} and positive integer dims`);
    }
  });
}

function shapeAt(inputShapes: number[][], i: number): number[] {
  const s = inputShapes[i];
  if (!s) throw new Error(`internal: missing input shape ${i}`);
  return s;
}

function lastDim(s: number[]): number {
  return s[s.length - 1] ?? 0;
}

/**
 * The weight tensors a layer loads, in file order. Layers without parameters return [].
 * Conv: [outC, inC/groups, kh, kw] (+ bias [outC]); dense: [inFeatures, units] (+ bias [units]);
 * batchnorm: (gamma, beta,) mean, var [C]; layernorm: gamma, beta [D]; embedding: [vocab, dim].
 */
export function layerWeightSpecs(layer: Layer, inputShapes: number[][]): WeightSpec[] {
  switch (layer.type) {
    case 'dense': {
      need(layer, inputShapes, 1, 2);
      const inF = lastDim(shapeAt(inputShapes, 0));
      const w: WeightSpec[] = [{ name: 'W', shape: [inF, layer.units] }];
      if (layer.bias !== false) w.push({ name: 'B', shape: [layer.units] });
      return w;
    }
    case 'conv2d': {
      need(layer, inputShapes, 1, 4);
      const inC = shapeAt(inputShapes, 0)[1] ?? 0;
      const groups = layer.groups ?? 1;
      if (inC % groups !== 0 || layer.outChannels % groups !== 0) {
        throw new UserError(`${where(layer)}: groups ${groups} must divide input channels ${inC} and outChannels ${layer.outChannels}`);
      }
      const [kh, kw] = expandPair(layer.kernel, 1, 'kernel');
      const w: WeightSpec[] = [{ name: 'W', shape: [layer.outChannels, inC / groups, kh, kw] }];
      if (layer.bias !== false) w.push({ name: 'B', shape: [layer.outChannels] });
      return w;
    }
    case 'batchnorm': {
      need(layer, inputShapes, 1, 2);
      const c = shapeAt(inputShapes, 0)[1] ?? 0;
      const stats: WeightSpec[] = [
        { name: 'mean', shape: [c] },
        { name: 'var', shape: [c], positive: true },
      ];
      return layer.affine === false ? stats : [{ name: 'scale', shape: [c], positive: true }, { name: 'B', shape: [c] }, ...stats];
    }
    case 'layernorm': {
      need(layer, inputShapes, 1, 1);
      const d = lastDim(shapeAt(inputShapes, 0));
      return [
        { name: 'scale', shape: [d], positive: true },
        { name: 'B', shape: [d] },
      ];
    }
    case 'embedding':
      need(layer, inputShapes, 1, 1);
      return [{ name: 'W', shape: [layer.vocab, layer.dim] }];
    case 'concat':
      return (layer.constInputs ?? []).map((c, k) => ({ name: `C${k}`, shape: [...c.shape] }));
    case 'elementwise':
      if (layer.constShape === undefined) return [];
      need(layer, inputShapes, 1);
      return [{ name: 'C', shape: [...layer.constShape], positive: true }];
    default:
      return [];
  }
}

// ---- protobuf object helpers ---------------------------------------------------------------------

type Attr = Record<string, unknown>;
const attrInt = (name: string, i: number): Attr => ({ name, type: 2, i });
const attrInts = (name: string, ints: number[]): Attr => ({ name, type: 7, ints });
const attrFloat = (name: string, f: number): Attr => ({ name, type: 1, f });
const attrString = (name: string, s: string): Attr => ({ name, type: 3, s: new TextEncoder().encode(s) });

interface Node {
  op_type: string;
  input: string[];
  output: string[];
  attribute?: Attr[];
}

function valueInfo(name: string, elemType: number, shape?: number[]): Record<string, unknown> {
  const tensor: Record<string, unknown> = { elem_type: elemType };
  if (shape) tensor.shape = { dim: shape.map((d) => ({ dim_value: d })) };
  return { name, type: { tensor_type: tensor } };
}

function int64Init(name: string, values: number[]): Record<string, unknown> {
  return { name, dims: [values.length], data_type: OnnxDataType.INT64, int64_data: values };
}

function floatScalarInit(name: string, value: number): Record<string, unknown> {
  return { name, dims: [], data_type: OnnxDataType.FLOAT, float_data: [value] };
}

function floatVecInit(name: string, n: number, value: number): Record<string, unknown> {
  return { name, dims: [n], data_type: OnnxDataType.FLOAT, float_data: new Array<number>(n).fill(value) };
}

const ACTIVATION_OP: Record<Exclude<ActivationLayer['fn'], 'relu6' | 'silu'>, string> = {
  relu: 'Relu',
  leakyrelu: 'LeakyRelu',
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  gelu: 'Gelu',
  hardswish: 'HardSwish',
  hardsigmoid: 'HardSigmoid',
  elu: 'Elu',
};

const ELEMENTWISE_OP: Record<ElementwiseLayer['op'], string> = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', pow: 'Pow', max: 'Max', min: 'Min' };
const UNARY_OP: Record<UnaryLayer['op'], string> = {
  sqrt: 'Sqrt',
  erf: 'Erf',
  exp: 'Exp',
  log: 'Log',
  abs: 'Abs',
  neg: 'Neg',
  reciprocal: 'Reciprocal',
  floor: 'Floor',
  ceil: 'Ceil',
  sin: 'Sin',
  cos: 'Cos',
};
const REDUCE_OP: Record<ReduceLayer['op'], string> = {
  sum: 'ReduceSum',
  mean: 'ReduceMean',
  max: 'ReduceMax',
  min: 'ReduceMin',
  prod: 'ReduceProd',
  l2: 'ReduceL2',
};

/**
 * Bytes a layer needs resident to run (weights + inputs + output, fp32). Used to check swap size;
 * the features module has the full working-set model. Cost O(rank).
 */
export function layerResidentBytes(layer: ResolvedLayer): number {
  const weights = weightFileBytes(layerWeightSpecs(layer.layer, layer.inputShapes));
  const io = layer.inputShapes.reduce((a, s) => a + numElements(s) * FP32_BYTES, 0) + numElements(layer.outputShape) * FP32_BYTES;
  return weights + io;
}

/** The largest layerResidentBytes of a network (a loop: no argument spread, any number of layers). */
export function largestResidentBytes(rn: ResolvedNetwork): number {
  let largest = 0;
  for (const l of rn.layers) largest = Math.max(largest, layerResidentBytes(l));
  return largest;
}

/**
 * Build the single-layer ONNX model of `layer` seeing `inputShapes`. Throws UserError for layers that
 * cannot be executed (opaque) or whose inputs do not fit. Cost: O(size of the graph), microseconds.
 */
export function buildLayerGraph(layer: Layer, inputShapes: number[][]): LayerGraph {
  const weights = layerWeightSpecs(layer, inputShapes);
  const x = inputShapes.map((_, i) => `x${i}`);
  const x0 = x[0] ?? 'x0';
  const y = 'y';
  const w = (name: string): string => `w_${name}`;
  const nodes: Node[] = [];
  const inits: Record<string, unknown>[] = [];
  let inputDtype: 'float32' | 'int64' = 'float32';

  switch (layer.type) {
    case 'dense': {
      if (layer.bias === false) nodes.push({ op_type: 'MatMul', input: [x0, w('W')], output: [y] });
      else {
        nodes.push({ op_type: 'MatMul', input: [x0, w('W')], output: ['mm'] });
        nodes.push({ op_type: 'Add', input: ['mm', w('B')], output: [y] });
      }
      break;
    }
    case 'conv2d': {
      const [kh, kw] = expandPair(layer.kernel, 1, 'kernel');
      const attribute = [
        attrInts('kernel_shape', [kh, kw]),
        attrInts('strides', expandPair(layer.stride, 1, 'stride')),
        attrInts('dilations', expandPair(layer.dilation, 1, 'dilation')),
        attrInts('pads', expandPadding(layer.padding)),
        attrInt('group', layer.groups ?? 1),
      ];
      const input = [x0, w('W')];
      if (layer.bias !== false) input.push(w('B'));
      nodes.push({ op_type: 'Conv', input, output: [y], attribute });
      break;
    }
    case 'pool': {
      need(layer, inputShapes, 1, 3);
      if (layer.global) {
        nodes.push({ op_type: layer.mode === 'max' ? 'GlobalMaxPool' : 'GlobalAveragePool', input: [x0], output: [y] });
      } else {
        if (layer.kernel === undefined) throw new UserError(`${where(layer)}: "kernel" is required unless "global": true`);
        const k = expandPair(layer.kernel, 1, 'kernel');
        nodes.push({
          op_type: layer.mode === 'max' ? 'MaxPool' : 'AveragePool',
          input: [x0],
          output: [y],
          attribute: [
            attrInts('kernel_shape', k),
            attrInts('strides', layer.stride === undefined ? k : expandPair(layer.stride, 1, 'stride')),
            attrInts('pads', expandPadding(layer.padding)),
            attrInt('ceil_mode', layer.ceilMode ? 1 : 0),
          ],
        });
      }
      break;
    }
    case 'batchnorm': {
      const c = shapeAt(inputShapes, 0)[1] ?? 0;
      let scale = w('scale');
      let bias = w('B');
      if (layer.affine === false) {
        inits.push(floatVecInit('one', c, 1), floatVecInit('zero', c, 0));
        scale = 'one';
        bias = 'zero';
      }
      nodes.push({
        op_type: 'BatchNormalization',
        input: [x0, scale, bias, w('mean'), w('var')],
        output: [y],
        attribute: [attrFloat('epsilon', layer.epsilon ?? 1e-5)],
      });
      break;
    }
    case 'layernorm':
      nodes.push({
        op_type: 'LayerNormalization',
        input: [x0, w('scale'), w('B')],
        output: [y],
        attribute: [attrInt('axis', -1), attrFloat('epsilon', layer.epsilon ?? 1e-5)],
      });
      break;
    case 'lrn':
      need(layer, inputShapes, 1, 3);
      nodes.push({
        op_type: 'LRN',
        input: [x0],
        output: [y],
        attribute: [
          attrInt('size', layer.size),
          attrFloat('alpha', layer.alpha ?? 1e-4),
          attrFloat('beta', layer.beta ?? 0.75),
          attrFloat('bias', layer.k ?? 1),
        ],
      });
      break;
    case 'activation': {
      need(layer, inputShapes, 1);
      const fn = layer.fn;
      if (fn === 'relu6') {
        inits.push(floatScalarInit('lo', 0), floatScalarInit('hi', 6));
        nodes.push({ op_type: 'Clip', input: [x0, 'lo', 'hi'], output: [y] });
      } else if (fn === 'silu') {
        nodes.push({ op_type: 'Sigmoid', input: [x0], output: ['sig'] });
        nodes.push({ op_type: 'Mul', input: [x0, 'sig'], output: [y] });
      } else {
        const attribute: Attr[] = [];
        if ((fn === 'leakyrelu' || fn === 'elu') && layer.alpha !== undefined) attribute.push(attrFloat('alpha', layer.alpha));
        if (fn === 'gelu') attribute.push(attrString('approximate', 'none'));
        nodes.push({ op_type: ACTIVATION_OP[fn], input: [x0], output: [y], attribute });
      }
      break;
    }
    case 'softmax':
      need(layer, inputShapes, 1);
      nodes.push({ op_type: 'Softmax', input: [x0], output: [y], attribute: [attrInt('axis', layer.axis ?? -1)] });
      break;
    case 'dropout':
      need(layer, inputShapes, 1);
      nodes.push({ op_type: 'Identity', input: [x0], output: [y] });
      break;
    case 'add':
      need(layer, inputShapes, 'many');
      nodes.push({ op_type: x.length === 1 ? 'Identity' : 'Sum', input: x, output: [y] });
      break;
    case 'mul': {
      need(layer, inputShapes, 'many');
      if (x.length === 1) nodes.push({ op_type: 'Identity', input: x, output: [y] });
      let acc = x0;
      for (let i = 1; i < x.length; i++) {
        const out = i === x.length - 1 ? y : `m${i}`;
        nodes.push({ op_type: 'Mul', input: [acc, x[i] ?? ''], output: [out] });
        acc = out;
      }
      break;
    }
    case 'concat': {
      need(layer, inputShapes, 'many');
      const operands = [...x];
      const consts = (layer.constInputs ?? []).map((c, k) => ({ index: c.index, name: w(`C${k}`) })).sort((p, q) => p.index - q.index);
      for (const c of consts) operands.splice(c.index, 0, c.name);
      nodes.push({ op_type: 'Concat', input: operands, output: [y], attribute: [attrInt('axis', layer.axis ?? 1)] });
      break;
    }
    case 'flatten': {
      need(layer, inputShapes, 1);
      // memlat's flatten folds dims [axis, ...) into one (Caffe's meaning); ONNX Flatten is always
      // 2-D, so it only agrees for axis 1 (or a rank-2 result). Otherwise emit the exact Reshape.
      const inShape = inputShapes[0]!;
      const rawAxis = layer.axis ?? 1;
      const axis = rawAxis < 0 ? rawAxis + inShape.length : rawAxis;
      if (axis === 1) {
        nodes.push({ op_type: 'Flatten', input: [x0], output: [y], attribute: [attrInt('axis', 1)] });
      } else {
        const folded = [...inShape.slice(0, axis), numElements(inShape.slice(axis))];
        inits.push(int64Init('shape', folded));
        nodes.push({ op_type: 'Reshape', input: [x0, 'shape'], output: [y] });
      }
      break;
    }
    case 'reshape':
      need(layer, inputShapes, 1);
      inits.push(int64Init('shape', layer.shape));
      nodes.push({ op_type: 'Reshape', input: [x0, 'shape'], output: [y] });
      break;
    case 'transpose':
      need(layer, inputShapes, 1);
      nodes.push({ op_type: 'Transpose', input: [x0], output: [y], attribute: [attrInts('perm', layer.perm)] });
      break;
    case 'matmul': {
      need(layer, inputShapes, 2, 2);
      const x1 = x[1] ?? 'x1';
      if (layer.transposeB) {
        const rank = shapeAt(inputShapes, 1).length;
        const perm = [...Array(rank).keys()];
        perm[rank - 2] = rank - 1;
        perm[rank - 1] = rank - 2;
        nodes.push({ op_type: 'Transpose', input: [x1], output: ['bt'], attribute: [attrInts('perm', perm)] });
        nodes.push({ op_type: 'MatMul', input: [x0, 'bt'], output: [y] });
      } else nodes.push({ op_type: 'MatMul', input: [x0, x1], output: [y] });
      break;
    }
    case 'embedding':
      inputDtype = 'int64';
      nodes.push({ op_type: 'Gather', input: [w('W'), x0], output: [y], attribute: [attrInt('axis', 0)] });
      break;
    case 'elementwise': {
      const op = ELEMENTWISE_OP[layer.op];
      if (layer.constShape === undefined) {
        need(layer, inputShapes, 2);
        nodes.push({ op_type: op, input: [x0, x[1] ?? 'x1'], output: [y] });
      } else {
        need(layer, inputShapes, 1);
        nodes.push({ op_type: op, input: layer.constFirst ? [w('C'), x0] : [x0, w('C')], output: [y] });
      }
      break;
    }
    case 'unary':
      need(layer, inputShapes, 1);
      nodes.push({ op_type: UNARY_OP[layer.op], input: [x0], output: [y] });
      break;
    case 'slice': {
      need(layer, inputShapes, 1);
      inits.push(int64Init('starts', layer.starts), int64Init('ends', layer.ends), int64Init('axes', layer.axes));
      inits.push(int64Init('steps', layer.steps ?? layer.starts.map(() => 1)));
      nodes.push({ op_type: 'Slice', input: [x0, 'starts', 'ends', 'axes', 'steps'], output: [y] });
      break;
    }
    case 'reduce': {
      need(layer, inputShapes, 1);
      const keep = attrInt('keepdims', layer.keepdims === false ? 0 : 1);
      inits.push(int64Init('axes', layer.axes)); // every Reduce* takes axes as an input since opset 18
      nodes.push({ op_type: REDUCE_OP[layer.op], input: [x0, 'axes'], output: [y], attribute: [keep] });
      break;
    }
    case 'pad':
      need(layer, inputShapes, 1);
      inits.push(int64Init('pads', layer.pads));
      nodes.push({ op_type: 'Pad', input: [x0, 'pads'], output: [y], attribute: [attrString('mode', layer.mode ?? 'constant')] });
      break;
    case 'expand':
      need(layer, inputShapes, 1);
      inits.push(int64Init('shape', layer.shape));
      nodes.push({ op_type: 'Expand', input: [x0, 'shape'], output: [y] });
      break;
    case 'opaque':
      throw new UserError(
        `${where(layer)}: opaque operator "${layer.op}" cannot be executed by memlat's runtime; replace it with a supported layer type or remove it before 'memlat run'/'memlat profile'`,
      );
  }

  const inputs: ActivationInput[] = inputShapes.map((shape, i) => ({ name: `x${i}`, shape, dtype: inputDtype }));
  const elem = (d: 'float32' | 'int64'): number => (d === 'int64' ? OnnxDataType.INT64 : OnnxDataType.FLOAT);
  const graph = {
    name: `memlat_${layer.type}`,
    node: nodes.map((n, i) => ({ ...n, name: `n${i}` })),
    initializer: inits,
    input: [...inputs.map((a) => valueInfo(a.name, elem(a.dtype), a.shape)), ...weights.map((s) => valueInfo(w(s.name), OnnxDataType.FLOAT, s.shape))],
    output: [valueInfo(y, OnnxDataType.FLOAT)],
  };
  const ModelProto = onnxRoot().lookupType('onnx.ModelProto');
  const model = ModelProto.fromObject({
    ir_version: LAYER_IR_VERSION,
    producer_name: 'memlat',
    opset_import: [{ domain: '', version: LAYER_OPSET }],
    graph,
  });
  return {
    modelBytes: ModelProto.encode(model).finish(),
    inputs,
    weights: weights.map((s) => ({ ...s, name: w(s.name) })),
    outputName: y,
  };
}
