/**
 * Constants during import: Constant nodes, and folding of nodes whose inputs are all constants. The
 * shape-element path here remembers which activation dim each entry of a shape vector came from (so
 * `x.view(x.size(0), -1)` keeps its batch adjustable); everything else goes to the general evaluator
 * of ./fold.ts. Pure.
 */
import { UserError } from '../../../errors.js';
import { attr, attrFloat, attrInt, attrInts, tensorValues, type OnnxNode } from '../../../onnx/model.js';
import { foldNode, isFloatType, reshapeDims, squeezeDims } from './fold.js';
import { sliceAxis } from '../../shapes.js';
import type { ImportContext, ShapeElem, Value } from './context.js';

/** Ops that fold away when all their inputs are constants. */
export const FOLDABLE = new Set(['Shape', 'Gather', 'Unsqueeze', 'Squeeze', 'Concat', 'Cast', 'Slice', 'Identity', 'Add', 'Sub', 'Mul', 'Div', 'Reshape']);

/** Inputs that carry data (not indices, shapes or axes) into a folded result, per op. */
const DATA_POS: Record<string, number[]> = {
  Gather: [0],
  Reshape: [0],
  Slice: [0],
  Expand: [0],
  Tile: [0],
  Transpose: [0],
  Unsqueeze: [0],
  Squeeze: [0],
  Where: [1, 2],
  Cast: [0],
  Identity: [0],
  Flatten: [0],
  Clip: [0],
  Pad: [0],
  ScatterND: [0, 2],
  ScatterElements: [0, 2],
  Shape: [],
  Size: [],
  Range: [],
  ConstantOfShape: [],
};

/** A Constant node: its value (tensor, ints, floats, int or float attribute) becomes a constant. */
export function constantNode(ctx: ImportContext, node: OnnxNode): void {
  const out = node.output[0] ?? '';
  const t = attr(node, 'value')?.t;
  if (t) {
    const c: Value = { kind: 'const', dims: t.dims.map(Number) };
    if (isFloatType(t.data_type)) c.float = true;
    const vals = tensorValues(t);
    if (vals) c.values = vals;
    return ctx.alias(out, c);
  }
  const ints = attrInts(node, 'value_ints');
  const floats = attr(node, 'value_floats')?.floats;
  if (ints && ints.length > 0) return ctx.alias(out, { kind: 'const', dims: [ints.length], values: ints.map(Number) });
  if (floats && floats.length > 0) return ctx.alias(out, { kind: 'const', dims: [floats.length], values: floats, float: true });
  const i = attrInt(node, 'value_int');
  if (i !== undefined) return ctx.alias(out, { kind: 'const', dims: [], values: [i] });
  const f = attrFloat(node, 'value_float');
  if (f !== undefined) return ctx.alias(out, { kind: 'const', dims: [], values: [f], float: true });
  throw new UserError(`${ctx.where(node)}: Constant without a value/value_ints/value_floats attribute memlat can read`);
}

/**
 * Folds a node whose inputs are all constants: the shape-element path (which remembers which
 * activation dim a shape entry came from) when a shape vector is involved, else the general
 * evaluator of fold.ts. The result remembers the float initializers it was computed from.
 */
export function foldAll(ctx: ImportContext, node: OnnxNode, ins: (Value | undefined)[]): Value | undefined {
  const op = node.op_type ?? '';
  const cs = ins.map((v) => (v?.kind === 'const' ? v : undefined));
  const viaElems = cs.some((c) => c?.elems) && !cs.some((c) => c?.float) ? foldShape(node, ins) : undefined;
  let r: Value | undefined = viaElems;
  if (!r) {
    const t = foldNode(
      node,
      cs.map((c) => (c ? { dims: c.dims, values: c.values, float: c.float } : undefined)),
      ctx.model.opset,
    );
    if (!t) return undefined;
    const v: Value = { kind: 'const', dims: t.dims };
    if (t.values) v.values = t.values;
    if (t.float) v.float = true;
    r = v;
  }
  if (r.kind === 'const' && (r.float || cs.some((c) => c?.float))) {
    const pos = DATA_POS[op] ?? cs.map((_, k) => k);
    const src = new Set(pos.flatMap((k) => cs[k]?.src ?? []));
    if (src.size > 0) r = { ...r, src: [...src] };
  }
  return r;
}

/** Constant folding of shape arithmetic; undefined when values are not available. */
export function foldShape(node: OnnxNode, ins: (Value | undefined)[]): Value | undefined {
  const op = node.op_type ?? '';
  const c = ins.map((v) => (v?.kind === 'const' ? v : undefined));
  const a = c[0];
  if (!a) return undefined;
  const elems = (v: Extract<Value, { kind: 'const' }>): ShapeElem[] | undefined => v.elems ?? v.values?.map((value) => ({ value }));
  switch (op) {
    case 'Identity':
    case 'Cast':
      return a;
    case 'Shape':
      return { kind: 'const', dims: [a.dims.length], values: [...a.dims] };
    case 'Reshape': {
      const s = c[1]?.values;
      if (!s) return undefined;
      const r: Value = { kind: 'const', dims: reshapeDims(a.dims, s) };
      if (a.values) r.values = a.values;
      return r;
    }
    case 'Gather': {
      const ind = c[1];
      const e = elems(a);
      if (!ind || (attrInt(node, 'axis') ?? 0) !== 0) return undefined;
      // rows of a constant table (e.g. position embeddings): dims only
      if (!e || a.dims.length !== 1) return { kind: 'const', dims: [...ind.dims, ...a.dims.slice(1)] };
      const idx = ind.values;
      if (!idx) return undefined;
      const picked = idx.map((i) => e[i < 0 ? i + e.length : i]!);
      return { kind: 'const', dims: [...ind.dims], values: picked.map((p) => p.value), elems: picked };
    }
    case 'Unsqueeze':
    case 'Squeeze': {
      const axes = attrInts(node, 'axes') ?? c[1]?.values;
      const e = elems(a);
      const dims = squeezeDims(op, a.dims, axes);
      if (!dims) return undefined;
      const r: Value = { kind: 'const', dims };
      if (e) {
        r.values = e.map((x) => x.value);
        r.elems = e;
      }
      return r;
    }
    case 'Concat': {
      const all = c.map((v) => (v ? elems(v) : undefined));
      if (all.some((v) => v === undefined) || c.some((v) => v!.dims.length !== 1)) return undefined;
      const e = all.flatMap((v) => v!);
      return { kind: 'const', dims: [e.length], values: e.map((x) => x.value), elems: e };
    }
    case 'Slice': {
      // opset < 10: starts/ends/axes attributes; later: inputs (data, starts, ends, axes?, steps?)
      const starts = c[1]?.values ?? attrInts(node, 'starts');
      const ends = c[2]?.values ?? attrInts(node, 'ends');
      const axes = node.input[3] ? c[3]?.values : (attrInts(node, 'axes') ?? starts?.map((_, k) => k));
      const steps = node.input[4] ? c[4]?.values : starts?.map(() => 1);
      if (!starts || !ends || !axes || !steps) return undefined;
      const r = a.dims.length;
      const dims = [...a.dims];
      const picks: { axis: number; start: number; step: number; count: number }[] = [];
      for (let k = 0; k < starts.length; k++) {
        const axis = axes[k]! < 0 ? axes[k]! + r : axes[k]!;
        const n = a.dims[axis];
        const step = steps[k]!;
        if (n === undefined || step === 0 || !Number.isInteger(step)) return undefined;
        const pick = sliceAxis(n, starts[k]!, ends[k]!, step);
        dims[axis] = pick.count;
        picks.push({ axis, ...pick });
      }
      const e = elems(a);
      if (!e || r !== 1) return { kind: 'const', dims }; // e.g. position ids sliced to the sequence length
      const p = picks[0] ?? { start: 0, step: 1, count: e.length };
      const picked = Array.from({ length: p.count }, (_, j) => e[p.start + j * p.step]!);
      return { kind: 'const', dims, values: picked.map((x) => x.value), elems: picked };
    }
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div': {
      const b = c[1];
      if (!a.values || !b?.values) return undefined;
      const n = Math.max(a.values.length, b.values.length);
      if ((a.values.length !== 1 && a.values.length !== n) || (b.values.length !== 1 && b.values.length !== n)) return undefined;
      const f = {
        Add: (p: number, q: number) => p + q,
        Sub: (p: number, q: number) => p - q,
        Mul: (p: number, q: number) => p * q,
        Div: (p: number, q: number) => Math.trunc(p / q),
      }[op];
      const values = Array.from({ length: n }, (_, k) => f(a.values![a.values!.length === 1 ? 0 : k]!, b.values![b.values!.length === 1 ? 0 : k]!));
      return { kind: 'const', dims: a.dims.length >= b.dims.length ? a.dims : b.dims, values };
    }
  }
  return undefined;
}
