/**
 * Caffe prototxt importer: a network definition in Caffe's text format (the current
 * `layer { type: "Convolution" }` syntax and the old V1 `layers { type: CONVOLUTION }` syntax) ->
 * a memlat Network.
 *
 * Caffe names blobs, memlat names tensors after layers, so the importer tracks which layer last
 * wrote each blob: in-place layers (top == bottom: ReLU, Dropout, BatchNorm, Scale) get their own
 * output, and later readers of the blob read the newest writer. BatchNorm followed by Scale on its
 * output merges into one affine batchnorm; Split is an alias; InnerProduct on a 4-D blob gets an
 * explicit flatten (Caffe flattens implicitly). Layers of the TRAIN phase only, losses and accuracy
 * layers are left out (a deploy network is what runs). Pure: text in, Network out.
 */
import { UserError } from '../../errors.js';
import type { Layer, Pair, TensorSpec } from '../types.js';
import type { ImportResult } from './result.js';
import { parseTextProto, type TextMessage, type TextScalar, type TextValue } from './prototxt.js';

/** Options of importCaffe. */
export interface CaffeImportOptions {
  /** Network name; default: the prototxt's `name`, else 'caffe-net'. */
  name?: string;
}

export type { ImportResult } from './result.js';

/** V1 (`layers { type: ENUM }`) type names -> current type strings. */
const V1_TYPES: Record<string, string> = {
  ABSVAL: 'AbsVal',
  ACCURACY: 'Accuracy',
  ARGMAX: 'ArgMax',
  BNLL: 'BNLL',
  CONCAT: 'Concat',
  CONTRASTIVE_LOSS: 'ContrastiveLoss',
  CONVOLUTION: 'Convolution',
  DATA: 'Data',
  DECONVOLUTION: 'Deconvolution',
  DROPOUT: 'Dropout',
  DUMMY_DATA: 'DummyData',
  EUCLIDEAN_LOSS: 'EuclideanLoss',
  ELTWISE: 'Eltwise',
  EXP: 'Exp',
  FLATTEN: 'Flatten',
  HDF5_DATA: 'HDF5Data',
  HDF5_OUTPUT: 'HDF5Output',
  HINGE_LOSS: 'HingeLoss',
  IM2COL: 'Im2col',
  IMAGE_DATA: 'ImageData',
  INFOGAIN_LOSS: 'InfogainLoss',
  INNER_PRODUCT: 'InnerProduct',
  LRN: 'LRN',
  MEMORY_DATA: 'MemoryData',
  MULTINOMIAL_LOGISTIC_LOSS: 'MultinomialLogisticLoss',
  MVN: 'MVN',
  POOLING: 'Pooling',
  POWER: 'Power',
  RELU: 'ReLU',
  SIGMOID: 'Sigmoid',
  SIGMOID_CROSS_ENTROPY_LOSS: 'SigmoidCrossEntropyLoss',
  SILENCE: 'Silence',
  SOFTMAX: 'Softmax',
  SOFTMAX_LOSS: 'SoftmaxWithLoss',
  SPLIT: 'Split',
  SLICE: 'Slice',
  TANH: 'TanH',
  WINDOW_DATA: 'WindowData',
  THRESHOLD: 'Threshold',
};

const DATA_TYPES = new Set(['Data', 'ImageData', 'HDF5Data', 'WindowData', 'MemoryData', 'DummyData', 'Input', 'Python']);
const DROPPED_TYPES = new Set([
  'Accuracy',
  'SoftmaxWithLoss',
  'EuclideanLoss',
  'SigmoidCrossEntropyLoss',
  'HingeLoss',
  'InfogainLoss',
  'MultinomialLogisticLoss',
  'ContrastiveLoss',
  'Silence',
  'HDF5Output',
]);

// ---- typed accessors over the generic text tree -------------------------------------------------

function all(m: TextMessage, key: string): TextValue[] {
  return m.fields.get(key) ?? [];
}
function scalars(m: TextMessage, key: string, where: string): TextScalar[] {
  return all(m, key).map((v) => {
    if (v.kind === 'message') throw new UserError(`${where} (line ${v.pos.line}): '${key}' must be a value, not a { } block`);
    return v;
  });
}
function last<T>(xs: T[]): T | undefined {
  return xs[xs.length - 1];
}
function str(m: TextMessage, key: string, where: string): string | undefined {
  const v = last(scalars(m, key, where));
  return v?.text;
}
function num(m: TextMessage, key: string, where: string): number | undefined {
  const v = last(scalars(m, key, where));
  return v === undefined ? undefined : toNumber(v, key, where);
}
function nums(m: TextMessage, key: string, where: string): number[] {
  return scalars(m, key, where).map((v) => toNumber(v, key, where));
}
function toNumber(v: TextScalar, key: string, where: string): number {
  const t = v.text.replace(/[fF]$/, '');
  const x = v.kind === 'number' ? Number(t) : NaN;
  if (!Number.isFinite(x)) throw new UserError(`${where} (line ${v.pos.line}:${v.pos.col}): '${key}' must be a number, got '${v.text}'`);
  return x;
}
function int(m: TextMessage, key: string, where: string, min = 0): number | undefined {
  const v = last(scalars(m, key, where));
  if (v === undefined) return undefined;
  const x = toNumber(v, key, where);
  if (!Number.isInteger(x) || x < min) throw new UserError(`${where} (line ${v.pos.line}:${v.pos.col}): '${key}' must be an integer >= ${min}, got ${v.text}`);
  return x;
}
function bool(m: TextMessage, key: string, where: string): boolean | undefined {
  const v = last(scalars(m, key, where));
  if (v === undefined) return undefined;
  if (v.text === 'true' || v.text === '1') return true;
  if (v.text === 'false' || v.text === '0') return false;
  throw new UserError(`${where} (line ${v.pos.line}:${v.pos.col}): '${key}' must be true or false, got '${v.text}'`);
}
function sub(m: TextMessage, key: string, where: string): TextMessage | undefined {
  const v = last(all(m, key));
  if (v === undefined) return undefined;
  if (v.kind !== 'message') throw new UserError(`${where} (line ${v.pos.line}:${v.pos.col}): '${key}' must be a { } block`);
  return v;
}
function messages(m: TextMessage, key: string, where: string): TextMessage[] {
  return all(m, key).map((v) => {
    if (v.kind !== 'message') throw new UserError(`${where} (line ${v.pos.line}:${v.pos.col}): '${key}' must be a { } block`);
    return v;
  });
}

/** Spatial (h, w) from Caffe's `x` (repeated, 1 or 2 values) or `x_h`/`x_w`. */
function spatial(p: TextMessage, key: string, where: string, dflt: number | undefined): [number, number] | undefined {
  const h = int(p, `${key}_h`, where);
  const w = int(p, `${key}_w`, where);
  if (h !== undefined || w !== undefined) {
    if (h === undefined || w === undefined) throw new UserError(`${where}: give both ${key}_h and ${key}_w, or ${key}`);
    return [h, w];
  }
  const xs = nums(p, key, where);
  for (const x of xs) if (!Number.isInteger(x) || x < 0) throw new UserError(`${where}: '${key}' must be a non-negative integer, got ${x}`);
  if (xs.length === 0) return dflt === undefined ? undefined : [dflt, dflt];
  if (xs.length === 1) return [xs[0]!, xs[0]!];
  if (xs.length === 2) return [xs[0]!, xs[1]!];
  throw new UserError(`${where}: '${key}' has ${xs.length} values; memlat supports 2-D layers (1 or 2 values)`);
}
function pair([h, w]: [number, number]): Pair {
  return h === w ? h : [h, w];
}

// ---- the importer --------------------------------------------------------------------------------

/** Is this layer excluded from the TEST (deploy) phase by include/exclude rules? */
function notInTest(l: TextMessage, where: string): boolean {
  const inc = messages(l, 'include', where);
  const exc = messages(l, 'exclude', where);
  if (inc.length > 0 && !inc.some((r) => (str(r, 'phase', where) ?? 'TEST') === 'TEST')) return true;
  if (exc.some((r) => str(r, 'phase', where) === 'TEST')) return true;
  return false;
}

/**
 * Imports a Caffe prototxt (protobuf text format, V1 or current syntax) as a memlat Network.
 * Throws one UserError with line:column for syntax errors; one listing every unsupported layer
 * type; otherwise one naming the layer, the field and the fix. Cost: O(size of the text).
 *
 * @example importCaffe(readFileSync('deploy.prototxt', 'utf8'), {}).network.layers.length
 */
export function importCaffe(text: string, opts: CaffeImportOptions = {}): ImportResult {
  const root = parseTextProto(text);
  const warnings: string[] = [];
  const top = 'prototxt';
  const netName = opts.name ?? str(root, 'name', top) ?? 'caffe-net';

  const inputs: TensorSpec[] = [];
  const layers: Layer[] = [];
  /** blob name -> name of the tensor (network input or layer) that last wrote it. */
  const producer = new Map<string, string>();
  /** tensor name -> rank (for InnerProduct's implicit flatten). */
  const rank = new Map<string, number>();
  const used = new Set<string>();
  const unique = (base: string): string => {
    let n = base || 'layer';
    for (let k = 2; used.has(n); k++) n = `${base}_${k}`;
    used.add(n);
    return n;
  };
  const addInput = (blob: string, shape: number[], where: string): void => {
    if (shape.length === 0) throw new UserError(`${where}: input '${blob}' has no dimensions; give its shape (e.g. dim: 1 dim: 3 dim: 224 dim: 224)`);
    for (const d of shape)
      if (!Number.isInteger(d) || d < 1) throw new UserError(`${where}: input '${blob}' has dimension ${d}; dimensions must be integers >= 1`);
    const name = unique(blob);
    inputs.push({ name, shape });
    producer.set(blob, name);
    rank.set(name, shape.length);
  };

  // Top-level inputs: `input: "data"` with `input_dim` x4 each, or `input_shape { dim ... }` each.
  const topInputs = scalars(root, 'input', top).map((s) => s.text);
  const inputDims = nums(root, 'input_dim', top);
  const inputShapes = messages(root, 'input_shape', top);
  if (topInputs.length > 0) {
    if (inputShapes.length > 0) {
      if (inputShapes.length !== topInputs.length)
        throw new UserError(`prototxt: ${topInputs.length} 'input' entries but ${inputShapes.length} 'input_shape' blocks; give one shape per input`);
      topInputs.forEach((b, i) => addInput(b, nums(inputShapes[i]!, 'dim', top), `input_shape[${i}]`));
    } else {
      if (inputDims.length !== 4 * topInputs.length)
        throw new UserError(
          `prototxt: ${topInputs.length} 'input' entries need ${4 * topInputs.length} 'input_dim' values (4 each, N C H W), found ${inputDims.length}`,
        );
      topInputs.forEach((b, i) => addInput(b, inputDims.slice(4 * i, 4 * i + 4), `input '${b}'`));
    }
  } else if (inputDims.length > 0 || inputShapes.length > 0) {
    throw new UserError(`prototxt: 'input_dim'/'input_shape' given without an 'input: "name"' line; add one`);
  }

  const v2 = messages(root, 'layer', top);
  const v1 = messages(root, 'layers', top);
  if (v2.length > 0 && v1.length > 0)
    throw new UserError(`prototxt: mixes 'layer { }' (current) and 'layers { }' (V1) blocks; use one syntax (upgrade with Caffe's upgrade_net_proto_text)`);
  const isV1 = v1.length > 0;
  const defs = isV1 ? v1 : v2;
  if (defs.length === 0) throw new UserError(`prototxt: no 'layer { }' blocks found; is this a Caffe network definition?`);

  // First pass: every type must be known, reported all at once.
  const typeOf = (l: TextMessage, where: string): string => {
    const t = last(scalars(l, 'type', where));
    if (t === undefined) throw new UserError(`${where}: missing 'type'`);
    return isV1 && t.kind === 'ident' ? (V1_TYPES[t.text] ?? t.text) : t.text;
  };
  const SUPPORTED = new Set([
    ...DATA_TYPES,
    ...DROPPED_TYPES,
    'Convolution',
    'InnerProduct',
    'Pooling',
    'LRN',
    'ReLU',
    'Sigmoid',
    'TanH',
    'Softmax',
    'Dropout',
    'Concat',
    'Eltwise',
    'Flatten',
    'Reshape',
    'BatchNorm',
    'Scale',
    'Split',
    'Power',
  ]);
  const unsupported = new Map<string, { count: number; first: string }>();
  defs.forEach((l, i) => {
    const where = `layer ${i} (line ${l.pos.line})`;
    const t = typeOf(l, where);
    if (SUPPORTED.has(t) || notInTest(l, where)) return;
    const u = unsupported.get(t);
    if (u) u.count++;
    else unsupported.set(t, { count: 1, first: str(l, 'name', where) ?? `#${i}` });
  });
  if (unsupported.size > 0) {
    const list = [...unsupported].map(([t, u]) => `${t} x${u.count} (first: "${u.first}")`).join(', ');
    throw new UserError(
      `prototxt: unsupported Caffe layer types: ${list}; memlat supports ${[...SUPPORTED].filter((t) => !DATA_TYPES.has(t) && !DROPPED_TYPES.has(t)).join(', ')}`,
    );
  }

  // Second pass: build layers.
  for (let i = 0; i < defs.length; i++) {
    const l = defs[i]!;
    const cname = str(l, 'name', `layer ${i}`) ?? `layer${i}`;
    const where = `layer ${i} "${cname}" (line ${l.pos.line})`;
    const type = typeOf(l, where);
    if (notInTest(l, where)) continue;
    const bottoms = scalars(l, 'bottom', where).map((s) => s.text);
    const tops = scalars(l, 'top', where).map((s) => s.text);
    if (DROPPED_TYPES.has(type)) {
      warnings.push(`${where}: ${type} is a training-only layer; left out`);
      continue;
    }
    if (DATA_TYPES.has(type)) {
      const shape = dataShape(l, type, where);
      if (tops.length === 0) throw new UserError(`${where}: ${type} layer has no 'top'; name its output blob`);
      addInput(tops[0]!, shape, where);
      if (tops.length > 1) warnings.push(`${where}: extra data outputs (${tops.slice(1).join(', ')}) ignored (labels)`);
      continue;
    }
    const ins = bottoms.map((b) => {
      const p = producer.get(b);
      if (p === undefined) throw new UserError(`${where}: bottom "${b}" is not produced by any earlier layer or input; check the blob name`);
      return p;
    });
    const need = (n: number): void => {
      if (ins.length !== n) throw new UserError(`${where}: ${type} takes ${n} bottom blob(s), got ${ins.length}`);
      if (tops.length !== 1) throw new UserError(`${where}: ${type} needs exactly 1 top blob, got ${tops.length}`);
    };
    const inRank = ins[0] !== undefined ? (rank.get(ins[0]) ?? 4) : 4;
    const emit = (layer: Layer, outRank: number): void => {
      layers.push(layer);
      rank.set(layer.name, outRank);
      producer.set(tops[0]!, layer.name);
    };

    switch (type) {
      case 'Split': {
        if (ins.length !== 1) throw new UserError(`${where}: Split takes 1 bottom blob, got ${ins.length}`);
        for (const t of tops) producer.set(t, ins[0]!);
        break;
      }
      case 'Power': {
        need(1);
        warnings.push(`${where}: Power (element-wise y = (shift + scale*x)^power) is not modelled; treated as pass-through`);
        producer.set(tops[0]!, ins[0]!);
        break;
      }
      case 'Convolution': {
        need(1);
        const p = sub(l, 'convolution_param', where);
        if (!p) throw new UserError(`${where}: Convolution needs a convolution_param block with num_output and kernel_size`);
        const w = `${where} convolution_param`;
        const outChannels = int(p, 'num_output', w, 1);
        if (outChannels === undefined) throw new UserError(`${w}: 'num_output' missing; give the number of output channels`);
        const kernel = spatial(p, 'kernel', w, undefined) ?? spatial(p, 'kernel_size', w, undefined);
        if (!kernel) throw new UserError(`${w}: 'kernel_size' missing`);
        const stride = spatial(p, 'stride', w, 1)!;
        const pad = spatial(p, 'pad', w, 0)!;
        const dil = spatial(p, 'dilation', w, 1)!;
        const axis = int(p, 'axis', w);
        if (axis !== undefined && axis !== 1) throw new UserError(`${w}: axis ${axis} unsupported; memlat convolves NCHW (axis 1)`);
        const layer: Layer = { type: 'conv2d', name: unique(cname), inputs: ins, outChannels, kernel: pair(kernel) };
        if (stride[0] !== 1 || stride[1] !== 1) layer.stride = pair(stride);
        if (pad[0] !== 0 || pad[1] !== 0) layer.padding = pair(pad);
        if (dil[0] !== 1 || dil[1] !== 1) layer.dilation = pair(dil);
        const g = int(p, 'group', w, 1) ?? 1;
        if (g !== 1) layer.groups = g;
        if (bool(p, 'bias_term', w) === false) layer.bias = false;
        emit(layer, 4);
        break;
      }
      case 'InnerProduct': {
        need(1);
        const p = sub(l, 'inner_product_param', where);
        const w = `${where} inner_product_param`;
        const units = p ? int(p, 'num_output', w, 1) : undefined;
        if (units === undefined) throw new UserError(`${w}: 'num_output' missing; give the number of outputs`);
        const axis = (p && int(p, 'axis', w)) ?? 1;
        if (axis !== 1) throw new UserError(`${w}: axis ${axis} unsupported (only 1)`);
        if (p && bool(p, 'transpose', w)) warnings.push(`${w}: transpose: true only changes the weight layout; counted the same`);
        let src = ins[0]!;
        if (inRank > 2) {
          const f: Layer = { type: 'flatten', name: unique(`${cname}_flatten`), inputs: [src], axis: 1 };
          layers.push(f);
          rank.set(f.name, 2);
          src = f.name;
        }
        const layer: Layer = { type: 'dense', name: unique(cname), inputs: [src], units };
        if (p && bool(p, 'bias_term', w) === false) layer.bias = false;
        emit(layer, 2);
        break;
      }
      case 'Pooling': {
        need(1);
        const p = sub(l, 'pooling_param', where);
        const w = `${where} pooling_param`;
        const pool = (p && str(p, 'pool', w)) ?? 'MAX';
        if (pool !== 'MAX' && pool !== 'AVE')
          throw new UserError(`${w}: pool ${pool} unsupported; use MAX or AVE (STOCHASTIC pooling runs as AVE at test time)`);
        const mode = pool === 'MAX' ? 'max' : 'avg';
        if (p && bool(p, 'global_pooling', w)) {
          emit({ type: 'pool', name: unique(cname), inputs: ins, mode, global: true }, inRank);
          break;
        }
        const kernel = p && (spatial(p, 'kernel', w, undefined) ?? spatial(p, 'kernel_size', w, undefined));
        if (!p || !kernel) throw new UserError(`${w}: 'kernel_size' missing (or set global_pooling: true)`);
        const stride = spatial(p, 'stride', w, 1)!;
        const pad = spatial(p, 'pad', w, 0)!;
        const layer: Layer = { type: 'pool', name: unique(cname), inputs: ins, mode, kernel: pair(kernel), stride: pair(stride), ceilMode: true };
        if (pad[0] !== 0 || pad[1] !== 0) layer.padding = pair(pad);
        emit(layer, inRank);
        break;
      }
      case 'LRN': {
        need(1);
        const p = sub(l, 'lrn_param', where);
        const w = `${where} lrn_param`;
        const region = p && str(p, 'norm_region', w);
        if (region !== undefined && region !== 'ACROSS_CHANNELS')
          throw new UserError(`${w}: norm_region ${region} unsupported; memlat models ACROSS_CHANNELS LRN`);
        const layer: Layer = { type: 'lrn', name: unique(cname), inputs: ins, size: (p && int(p, 'local_size', w, 1)) ?? 5 };
        layer.alpha = (p && num(p, 'alpha', w)) ?? 1;
        layer.beta = (p && num(p, 'beta', w)) ?? 0.75;
        layer.k = (p && num(p, 'k', w)) ?? 1;
        emit(layer, inRank);
        break;
      }
      case 'ReLU': {
        need(1);
        const p = sub(l, 'relu_param', where);
        const slope = (p && num(p, 'negative_slope', `${where} relu_param`)) ?? 0;
        const layer: Layer =
          slope !== 0
            ? { type: 'activation', name: unique(cname), inputs: ins, fn: 'leakyrelu', alpha: slope }
            : { type: 'activation', name: unique(cname), inputs: ins, fn: 'relu' };
        emit(layer, inRank);
        break;
      }
      case 'Sigmoid':
      case 'TanH': {
        need(1);
        emit({ type: 'activation', name: unique(cname), inputs: ins, fn: type === 'Sigmoid' ? 'sigmoid' : 'tanh' }, inRank);
        break;
      }
      case 'Softmax': {
        need(1);
        const p = sub(l, 'softmax_param', where);
        const axis = (p && int(p, 'axis', `${where} softmax_param`)) ?? 1;
        emit({ type: 'softmax', name: unique(cname), inputs: ins, axis }, inRank);
        break;
      }
      case 'Dropout': {
        need(1);
        const p = sub(l, 'dropout_param', where);
        const layer: Layer = { type: 'dropout', name: unique(cname), inputs: ins };
        const r = p && num(p, 'dropout_ratio', `${where} dropout_param`);
        if (r !== undefined) layer.rate = r;
        emit(layer, inRank);
        break;
      }
      case 'Concat': {
        if (ins.length < 1 || tops.length !== 1) throw new UserError(`${where}: Concat needs bottom blobs and exactly 1 top`);
        const p = sub(l, 'concat_param', where);
        const axis = (p && (int(p, 'axis', `${where} concat_param`) ?? int(p, 'concat_dim', `${where} concat_param`))) ?? 1;
        emit({ type: 'concat', name: unique(cname), inputs: ins, axis }, inRank);
        break;
      }
      case 'Eltwise': {
        if (ins.length < 2 || tops.length !== 1) throw new UserError(`${where}: Eltwise needs 2 or more bottom blobs and 1 top`);
        const p = sub(l, 'eltwise_param', where);
        const op = (p && str(p, 'operation', `${where} eltwise_param`)) ?? 'SUM';
        if (op === 'SUM') emit({ type: 'add', name: unique(cname), inputs: ins }, inRank);
        else if (op === 'PROD') emit({ type: 'mul', name: unique(cname), inputs: ins }, inRank);
        else throw new UserError(`${where} eltwise_param: operation ${op} unsupported; memlat models SUM (add) and PROD (mul)`);
        if (op === 'SUM' && p && nums(p, 'coeff', where).some((c) => c !== 1))
          warnings.push(`${where}: Eltwise SUM coefficients are ignored (timed as a plain add)`);
        break;
      }
      case 'Flatten': {
        need(1);
        const p = sub(l, 'flatten_param', where);
        const w = `${where} flatten_param`;
        const axis = (p && int(p, 'axis', w)) ?? 1;
        const end = (p && num(p, 'end_axis', w)) ?? -1;
        if (end !== -1) throw new UserError(`${w}: end_axis ${end} unsupported; memlat flattens to the last axis (end_axis: -1)`);
        emit({ type: 'flatten', name: unique(cname), inputs: ins, axis }, axis + 1);
        break;
      }
      case 'Reshape': {
        need(1);
        const p = sub(l, 'reshape_param', where);
        const s = p && sub(p, 'shape', `${where} reshape_param`);
        if (!s) throw new UserError(`${where}: Reshape needs reshape_param { shape { dim: ... } }`);
        const w = `${where} reshape_param`;
        if (p && (int(p, 'axis', w) ?? 0) !== 0) throw new UserError(`${w}: axis unsupported; reshape the whole blob (axis 0)`);
        if (p && (num(p, 'num_axes', w) ?? -1) !== -1) throw new UserError(`${w}: num_axes unsupported; reshape the whole blob`);
        const shape = nums(s, 'dim', w); // Caffe: 0 copies, -1 infers (ONNX semantics too)
        emit({ type: 'reshape', name: unique(cname), inputs: ins, shape }, shape.length);
        break;
      }
      case 'BatchNorm': {
        need(1);
        const p = sub(l, 'batch_norm_param', where);
        const eps = p && num(p, 'eps', `${where} batch_norm_param`);
        const name = unique(cname);
        const layer: Layer = { type: 'batchnorm', name, inputs: ins, epsilon: eps ?? 1e-5, affine: false };
        // Merge a following Scale on this BatchNorm's output into one affine batchnorm.
        const nx = defs[i + 1];
        if (nx !== undefined) {
          const nwhere = `layer ${i + 1} (line ${nx.pos.line})`;
          const nb = scalars(nx, 'bottom', nwhere).map((b) => b.text);
          const nt = scalars(nx, 'top', nwhere).map((b) => b.text);
          if (typeOf(nx, nwhere) === 'Scale' && !notInTest(nx, nwhere) && nb.length === 1 && nb[0] === tops[0] && nt.length === 1) {
            layer.affine = true;
            emit(layer, inRank);
            producer.set(nt[0]!, name);
            const sname = str(nx, 'name', nwhere);
            if (sname !== undefined) used.add(sname);
            i++;
            break;
          }
        }
        emit(layer, inRank);
        break;
      }
      case 'Scale': {
        need(1);
        warnings.push(`${where}: Scale without a preceding BatchNorm is timed as an affine batchnorm (per-channel scale and shift)`);
        emit({ type: 'batchnorm', name: unique(cname), inputs: ins, affine: true }, inRank);
        break;
      }
      default:
        throw new UserError(`${where}: layer type ${type} unsupported`);
    }
  }

  if (inputs.length === 0)
    throw new UserError(
      `prototxt: the network has no input; add 'input: "data"' with 4 'input_dim' values, or an Input layer with input_param { shape { dim: ... } }`,
    );
  if (layers.length === 0) throw new UserError(`prototxt: no computing layers found (only data/loss layers)`);
  return { network: { format: 'memlat-network@1', name: netName, inputs, layers, source: 'caffe prototxt' }, warnings };
}

/** Shape of a data layer's first top, from its parameters; UserError when Caffe leaves it to the data. */
function dataShape(l: TextMessage, type: string, where: string): number[] {
  if (type === 'Input') {
    const p = sub(l, 'input_param', where);
    const s = p && sub(p, 'shape', `${where} input_param`);
    if (!s) throw new UserError(`${where}: Input layer needs input_param { shape { dim: ... } }`);
    return nums(s, 'dim', `${where} input_param.shape`);
  }
  if (type === 'DummyData') {
    const p = sub(l, 'dummy_data_param', where);
    const s = p && sub(p, 'shape', `${where} dummy_data_param`);
    if (s) return nums(s, 'dim', `${where} dummy_data_param.shape`);
    if (p) {
      const dims = ['num', 'channels', 'height', 'width'].map((k) => num(p, k, `${where} dummy_data_param`));
      if (dims.every((d) => d !== undefined)) return dims;
    }
    throw new UserError(`${where}: DummyData needs dummy_data_param { shape { dim: ... } }`);
  }
  if (type === 'MemoryData') {
    const p = sub(l, 'memory_data_param', where);
    const w = `${where} memory_data_param`;
    const dims = p ? ['batch_size', 'channels', 'height', 'width'].map((k) => num(p, k, w)) : [];
    if (dims.length === 4 && dims.every((d) => d !== undefined)) return dims;
    throw new UserError(`${w}: needs batch_size, channels, height and width`);
  }
  throw new UserError(
    `${where}: a ${type} layer reads its input shape from the dataset; import the deploy prototxt (with an Input layer or input/input_dim) instead`,
  );
}
