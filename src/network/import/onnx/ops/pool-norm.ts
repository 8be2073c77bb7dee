/** Pooling (windowed, global, ReduceMean/Max over H, W), reductions, normalisations, Softmax, Dropout. */
import { UserError } from '../../../../errors.js';
import { attrFloat, attrInt, attrInts } from '../../../../onnx/model.js';
import type { Layer } from '../../../types.js';
import { paddingOf, padsOf, pairOf } from '../padding.js';
import type { OpMapper } from './mapper.js';

const pool: OpMapper = ({ ctx, node, op, x, name, where }) => {
  const k = attrInts(node, 'kernel_shape');
  if (!k || k.length !== 2) throw new UserError(`${where}: kernel_shape ${JSON.stringify(k)} unsupported; memlat pools 2-D (two values)`);
  const dil = attrInts(node, 'dilations') ?? [1, 1];
  if (dil.some((d) => d !== 1)) throw new UserError(`${where}: dilated pooling unsupported`);
  const strides = attrInts(node, 'strides') ?? [1, 1];
  const layer: Layer = {
    type: 'pool',
    name: name(),
    inputs: [x.tensor],
    mode: op === 'MaxPool' ? 'max' : 'avg',
    kernel: pairOf(k[0]!, k[1]!),
    stride: pairOf(strides[0]!, strides[1]!),
  };
  const pads = paddingOf(ctx, node, x.shape, k, strides, [1, 1]);
  if (pads.some((p) => p !== 0)) layer.padding = padsOf(pads);
  if (attrInt(node, 'ceil_mode', 0) === 1) layer.ceilMode = true;
  return layer;
};

/** ReduceMean/Sum/Max/Min/Prod/L2 over any axes (axes from the attribute or, newer opsets, input 1). */
const reduce: OpMapper = ({ node, op, ins, x, name }) => {
  const r = x.shape.length;
  const c1 = ins[1]?.kind === 'const' ? ins[1] : undefined;
  if (node.input[1] && !c1?.values) return { unsupported: `${op} over axes computed at run time` };
  const raw = attrInts(node, 'axes') ?? c1?.values;
  const axes = (raw ?? x.shape.map((_, k) => k)).map((a) => (a < 0 ? a + r : a)).sort((p, q) => p - q);
  const rop = ({ ReduceMean: 'mean', ReduceSum: 'sum', ReduceMax: 'max', ReduceMin: 'min', ReduceProd: 'prod', ReduceL2: 'l2' } as const)[op as 'ReduceMean'];
  const layer: Layer = { type: 'reduce', name: name(), inputs: [x.tensor], op: rop, axes };
  if (attrInt(node, 'keepdims', 1) === 0) layer.keepdims = false;
  return layer;
};

// x.mean([2, 3]) / amax over H, W of an NCHW tensor: global pooling (+ flatten when keepdims=0).
const reduceMeanMax: OpMapper = (a) => {
  const { ctx, node, op, x, name, out, constIn } = a;
  const r = x.shape.length;
  const axes = (attrInts(node, 'axes') ?? constIn(1)?.values)?.map((v) => (v < 0 ? v + r : v)).sort((p, q) => p - q);
  if (r !== 4 || axes?.length !== 2 || axes[0] !== 2 || axes[1] !== 3) return reduce(a);
  const pool: Layer = { type: 'pool', name: name(), inputs: [x.tensor], mode: op === 'ReduceMax' ? 'max' : 'avg', global: true };
  if (attrInt(node, 'keepdims', 1) === 1) return pool;
  ctx.emit(pool, `${out}\u0000pool`, node);
  ctx.emit({ type: 'flatten', name: ctx.unique(`${pool.name}_flatten`), inputs: [pool.name], axis: 1 }, out, node);
  return 'done';
};

const globalPool: OpMapper = ({ op, x, name }) => ({
  type: 'pool',
  name: name(),
  inputs: [x.tensor],
  mode: op === 'GlobalMaxPool' ? 'max' : 'avg',
  global: true,
});

/** Pools, reductions, normalisations, Softmax and Dropout. */
export const POOL_NORM_OPS: Record<string, OpMapper> = {
  MaxPool: pool,
  AveragePool: pool,
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  ReduceMean: reduceMeanMax,
  ReduceMax: reduceMeanMax,
  ReduceSum: reduce,
  ReduceMin: reduce,
  ReduceProd: reduce,
  ReduceL2: reduce,
  BatchNormalization: ({ node, x, name, needActFirst }) => {
    needActFirst();
    return { type: 'batchnorm', name: name(), inputs: [x.tensor], epsilon: attrFloat(node, 'epsilon', 1e-5), affine: true };
  },
  LayerNormalization: ({ node, x, name, where, needActFirst }) => {
    needActFirst();
    const axis = attrInt(node, 'axis', -1);
    if (axis !== -1 && axis !== x.shape.length - 1) throw new UserError(`${where}: axis ${axis} unsupported; memlat normalises the last axis`);
    return { type: 'layernorm', name: name(), inputs: [x.tensor], epsilon: attrFloat(node, 'epsilon', 1e-5) };
  },
  LRN: ({ node, x, name, where }) => {
    const size = attrInt(node, 'size');
    if (size === undefined) throw new UserError(`${where}: LRN without 'size'`);
    return {
      type: 'lrn',
      name: name(),
      inputs: [x.tensor],
      size,
      alpha: attrFloat(node, 'alpha', 1e-4),
      beta: attrFloat(node, 'beta', 0.75),
      k: attrFloat(node, 'bias', 1),
    };
  },
  Softmax: ({ ctx, node, x, name }) => ({ type: 'softmax', name: name(), inputs: [x.tensor], axis: attrInt(node, 'axis', ctx.model.opset >= 13 ? -1 : 1) }),
  Dropout: ({ node, x, name, constIn }) => {
    const layer: Layer = { type: 'dropout', name: name(), inputs: [x.tensor] };
    const r = attrFloat(node, 'ratio') ?? constIn(1)?.values?.[0];
    if (r !== undefined) layer.rate = r;
    return layer;
  },
};
