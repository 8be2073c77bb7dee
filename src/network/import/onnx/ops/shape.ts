/**
 * Ops that move or reshape data: Identity/Cast (pass-through), Pad (folded into the Conv/Pool reading
 * it when it is plain zero padding of H, W), Concat, Flatten, Reshape, (Un)Squeeze, Transpose, Gather
 * (embedding lookup or an index slice), Slice, Split, Expand.
 */
import { UserError } from '../../../../errors.js';
import { attrInt, attrInts, attrString } from '../../../../onnx/model.js';
import { numElements } from '../../../../units.js';
import { broadcastShapes, sliceAxis } from '../../../shapes.js';
import type { Layer } from '../../../types.js';
import type { Act } from '../context.js';
import type { OpMapper } from './mapper.js';

/** A slice layer with normalised bounds (non-negative starts, ends clamped); undefined when empty. */
function sliceLayer(lname: string, x: Act, axes: number[], starts: number[], ends: number[], steps: number[]): Layer | undefined {
  const r = x.shape.length;
  const ax: number[] = [];
  const st: number[] = [];
  const en: number[] = [];
  const sp: number[] = [];
  for (let k = 0; k < starts.length; k++) {
    const axis = axes[k]! < 0 ? axes[k]! + r : axes[k]!;
    const size = x.shape[axis]!;
    const step = steps[k] ?? 1;
    const { start, count } = sliceAxis(size, starts[k]!, ends[k]!, step);
    if (count === 0) return undefined;
    if (start === 0 && step === 1 && count === size) continue; // the whole axis
    const end = start + count * step;
    ax.push(axis);
    st.push(start);
    en.push(end < 0 ? -size - 1 : end);
    sp.push(step);
  }
  const layer: Layer = { type: 'slice', name: lname, inputs: [x.tensor], starts: st, ends: en, axes: ax };
  if (ax.length === 0) Object.assign(layer, { starts: [0], ends: [x.shape[0]!], axes: [0] });
  if (sp.some((v) => v !== 1)) layer.steps = sp;
  return layer;
}

const passThrough: OpMapper = ({ ctx, op, x, where, out }) => {
  if (op === 'Cast') ctx.warnings.push(`${where}: Cast of an activation is not timed (treated as pass-through)`);
  ctx.alias(out, x);
  return 'done';
};

// Explicit zero padding of H, W (Keras/TF exports, ZeroPad2d) folds into the Conv/Pool reading it.
const pad: OpMapper = ({ ctx, node, x, name, where, out, constIn }) => {
  const mode = attrString(node, 'mode') ?? 'constant';
  const p = ctx.model.opset >= 11 ? constIn(1)?.values : attrInts(node, 'pads');
  const readers = ctx.readerNodes.get(out) ?? [];
  const reader = readers[0];
  const foldable =
    mode === 'constant' &&
    p !== undefined &&
    p.length === 8 &&
    !node.input[3] &&
    x.shape.length === 4 &&
    p[0] === 0 &&
    p[1] === 0 &&
    p[4] === 0 &&
    p[5] === 0 &&
    p.every((v) => v >= 0) &&
    readers.length === 1 &&
    !ctx.g.output.some((o) => o.name === out) &&
    ['Conv', 'MaxPool', 'AveragePool'].includes(reader?.op_type ?? '') &&
    reader?.input[0] === out;
  if (!p || p.length !== 2 * x.shape.length || p.some((v) => v < 0)) return { unsupported: 'Pad with pads computed at run time or negative' };
  if (!foldable) {
    if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge') return { unsupported: `Pad mode ${mode}` };
    const cv = node.input[2] ? constIn(2)?.values?.[0] : 0;
    if (cv !== 0) ctx.warnings.push(`${where}: Pad value ${String(cv)} timed as zero padding`);
    const layer: Layer = { type: 'pad', name: name(), inputs: [x.tensor], pads: [...p] };
    if (mode !== 'constant') layer.mode = mode;
    return layer;
  }
  ctx.pendingPads.set(out, [p[2]!, p[3]!, p[6]!, p[7]!]);
  ctx.alias(out, x);
  return 'done';
};

// Constant operands (ViT's class token expanded to the batch) are loaded like weights.
const concat: OpMapper = ({ ctx, node, ins, name, where }) => {
  const parts: string[] = [];
  const constInputs: { index: number; shape: number[] }[] = [];
  let params = 0;
  ins.forEach((v, k) => {
    if (v?.kind === 'act') parts.push(v.tensor);
    else if (v?.kind === 'const') {
      constInputs.push({ index: k, shape: v.dims.length === 0 ? [1] : [...v.dims] });
      params += ctx.takeParams(v);
    } else throw new UserError(`${where}: input ${k} is missing`);
  });
  const layer: Layer = { type: 'concat', name: name(), inputs: parts, axis: attrInt(node, 'axis', 1) };
  if (constInputs.length > 0) {
    layer.constInputs = constInputs;
    if (params !== constInputs.reduce((a, c) => a + numElements(c.shape), 0)) layer.params = params;
  }
  return layer;
};

// ONNX Flatten is always 2-D: [prod(d[:axis]), prod(d[axis:])]. memlat's flatten folds the
// dims from `axis` on (Caffe's meaning), so only axis 1 maps to it; others become a reshape
// that keeps the batch adjustable (-1 absorbs dim 0).
const flatten: OpMapper = ({ node, x, name }) => {
  const rank = x.shape.length;
  const raw = attrInt(node, 'axis', 1);
  const axis = raw < 0 ? raw + rank : raw;
  if (axis === 1) return { type: 'flatten', name: name(), inputs: [x.tensor], axis: 1 };
  const inner = numElements(x.shape.slice(axis));
  const shape = axis === 0 ? [1, -1] : [-1, inner];
  return { type: 'reshape', name: name(), inputs: [x.tensor], shape };
};

const reshape: OpMapper = ({ node, x, name, where, constIn, needActFirst }) => {
  needActFirst();
  const s = constIn(1);
  const vals = s?.values;
  if (!s || !vals)
    throw new UserError(`${where}: target shape is computed at run time; memlat needs it constant (re-export with fixed shapes or constant folding)`);
  if (attrInt(node, 'allowzero', 0) === 1 && vals.includes(0)) throw new UserError(`${where}: allowzero=1 with a 0 in the shape is unsupported`);
  const e = s.elems;
  const shape = vals.map((v, k) => {
    const src = e?.[k]?.src;
    if (src && src.tensor === x.tensor && src.axis === k) return 0; // "copy input dim k"
    return v;
  });
  return { type: 'reshape', name: name(), inputs: [x.tensor], shape };
};

const squeeze: OpMapper = ({ node, op, x, name, where, constIn }) => {
  const axes = (attrInts(node, 'axes') ?? constIn(1)?.values)?.map((a) => (a < 0 ? a + x.shape.length + (op === 'Unsqueeze' ? 1 : 0) : a));
  let shape: number[];
  if (op === 'Squeeze') shape = x.shape.filter((d, k) => (axes ? !axes.includes(k) : d !== 1));
  else {
    if (!axes) throw new UserError(`${where}: Unsqueeze without axes`);
    shape = [];
    let k = 0;
    for (let d = 0; d < x.shape.length + axes.length; d++) shape.push(axes.includes(d) ? 1 : x.shape[k++]!);
  }
  return { type: 'reshape', name: name(), inputs: [x.tensor], shape };
};

const gather: OpMapper = ({ ctx, node, ins, x, name, where, out, constIn }) => {
  const data = constIn(0);
  if (data && ins[1]?.kind === 'act' && attrInt(node, 'axis', 0) === 0) {
    if (data.dims.length !== 2) throw new UserError(`${where}: embedding table must be 2-D [vocab, dim], got ${JSON.stringify(data.dims)}`);
    return { type: 'embedding', name: name(), inputs: [ins[1].tensor], vocab: data.dims[0]!, dim: data.dims[1]! };
  }
  // x[:, k] (scalar index) -> slice + drop the axis; x[:, [k]] -> slice.
  const ind = constIn(1);
  const r = x.shape.length;
  const rawAxis = attrInt(node, 'axis', 0);
  const axis = rawAxis < 0 ? rawAxis + r : rawAxis;
  const iv = ind?.values;
  if (ins[0]?.kind === 'act' && ind && iv?.length === 1 && numElements(ind.dims) === 1) {
    const i = iv[0]! < 0 ? iv[0]! + x.shape[axis]! : iv[0]!;
    const base = name(); // the layer producing the node's output keeps the node's name
    const sl = sliceLayer(ind.dims.length === 0 ? ctx.unique(`${base}_slice`) : base, x, [axis], [i], [i + 1], [1]);
    if (!sl) return { unsupported: 'Gather out of range' };
    if (ind.dims.length > 0) return sl;
    ctx.emit(sl, `${out}\u0000slice`, node);
    const shape = x.shape.filter((_, k) => k !== axis);
    ctx.emit({ type: 'reshape', name: base, inputs: [sl.name], shape: shape.length ? shape : [1] }, out, node);
    return 'done';
  }
  return { unsupported: 'Gather on an activation' };
};

const slice: OpMapper = ({ ctx, node, x, name, constIn, needActFirst }) => {
  needActFirst();
  const opset = ctx.model.opset;
  const starts = opset >= 10 ? constIn(1)?.values : attrInts(node, 'starts');
  const ends = opset >= 10 ? constIn(2)?.values : attrInts(node, 'ends');
  if (!starts || !ends) return { unsupported: 'Slice with bounds computed at run time' };
  const axes = (opset >= 10 ? (node.input[3] ? constIn(3)?.values : undefined) : attrInts(node, 'axes')) ?? starts.map((_, k) => k);
  const steps = (node.input[4] ? constIn(4)?.values : undefined) ?? starts.map(() => 1);
  return sliceLayer(name(), x, axes, starts, ends, steps) ?? { unsupported: 'Slice with an empty result' };
};

const split: OpMapper = ({ ctx, node, x, constIn, needActFirst }) => {
  needActFirst();
  const r = x.shape.length;
  const raw = attrInt(node, 'axis', 0);
  const axis = raw < 0 ? raw + r : raw;
  const n = x.shape[axis]!;
  const outs = node.output;
  const sizes = (ctx.model.opset >= 13 ? constIn(1)?.values : attrInts(node, 'split')) ?? attrInts(node, 'split') ?? outs.map(() => Math.ceil(n / outs.length));
  let at = 0;
  outs.forEach((o, k) => {
    const size = Math.min(sizes[k]!, n - at);
    if (o !== '' && (ctx.readers.get(o) ?? 0) > 0 && size > 0) {
      const sl = sliceLayer(ctx.unique(`${ctx.nodeName(node, -1)}_${k}`), x, [axis], [at], [at + size], [1]);
      if (sl) ctx.emit(sl, o, node);
    }
    at += size;
  });
  return 'done';
};

const expand: OpMapper = ({ ctx, x, name, out, constIn, needActFirst }) => {
  needActFirst();
  const s = constIn(1)?.values;
  if (!s) return { unsupported: 'Expand to a shape computed at run time' };
  let shape: number[];
  try {
    shape = broadcastShapes([x.shape, s.map((d) => Math.max(1, d))]);
  } catch {
    return { unsupported: 'Expand to an incompatible shape' };
  }
  if (shape.length === x.shape.length && shape.every((d, k) => d === x.shape[k])) {
    ctx.alias(out, x);
    return 'done';
  }
  return { type: 'expand', name: name(), inputs: [x.tensor], shape };
};

/** Data movement and reshaping. */
export const SHAPE_OPS: Record<string, OpMapper> = {
  Identity: passThrough,
  Cast: passThrough,
  Pad: pad,
  Concat: concat,
  Flatten: flatten,
  Reshape: reshape,
  Squeeze: squeeze,
  Unsqueeze: squeeze,
  Transpose: ({ node, x, name }) => {
    const perm = attrInts(node, 'perm') ?? x.shape.map((_, k) => x.shape.length - 1 - k);
    return { type: 'transpose', name: name(), inputs: [x.tensor], perm };
  },
  Gather: gather,
  Slice: slice,
  Split: split,
  Expand: expand,
};
