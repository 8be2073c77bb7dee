/**
 * Constant folding for the ONNX importer: evaluates one ONNX node whose inputs are all constants
 * (initializers, Constant nodes, static shapes, earlier folded results) to a constant.
 *
 * Exporters emit subgraphs that compute static values at run time: shape arithmetic (Shape, Gather,
 * Unsqueeze, Concat, Range, Mod, Equal, Where, ConstantOfShape, Expand, Cast), a weight transposed
 * or reshaped in the graph, Swin's attention mask and relative position bias, MaxViT's window
 * indices. Folding them leaves only the ops that touch activations as layers.
 *
 * A constant always has its dims; it has its values when they are known and small (LIMIT elements):
 * weights stored in external files have dims only, and so has everything computed from them. Ops
 * whose result only needs dims (MatMul of two weights, Gather of rows of an external table) fold to
 * dims only. Returns undefined when a needed value is unknown or the op is not foldable.
 *
 * Pure. Cost: O(output elements) per node when values are computed, O(rank) otherwise.
 */
import { attr, attrFloat, attrInt, attrInts, type OnnxNode } from '../../../onnx/model.js';
import { numElements } from '../../../units.js';
import { broadcastOrConflict, sliceAxis } from '../../shapes.js';

/** A constant tensor: dims, values (row-major) when known, and whether its element type is float. */
export interface ConstTensor {
  dims: number[];
  values?: number[];
  float?: boolean;
}

/** Largest constant (elements) whose values are computed; bigger results keep dims only. */
export const FOLD_VALUE_LIMIT = 1 << 20;

const FLOAT_TYPES = new Set([1, 10, 11, 16]);

/** Is an ONNX TensorProto data_type a floating-point type? */
export function isFloatType(t: number | undefined): boolean {
  return t !== undefined && FLOAT_TYPES.has(t);
}

function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let k = dims.length - 2; k >= 0; k--) s[k] = s[k + 1]! * dims[k + 1]!;
  return s;
}

/** Numpy broadcast of dims (the shape checker's rule); undefined when incompatible. */
export function broadcastDims(shapes: number[][]): number[] | undefined {
  const r = broadcastOrConflict(shapes);
  return 'dims' in r ? r.dims : undefined;
}

/**
 * Output dims of ONNX Reshape of `dims` to `shape`: 0 copies the input dim (unless `allowZero`),
 * one -1 takes what is left. The one reshape rule of the folder and the importer's shape tracking.
 */
export function reshapeDims(dims: readonly number[], shape: readonly number[], allowZero = false): number[] {
  const total = numElements(dims);
  const known = shape.map((d, k) => (d === 0 && !allowZero ? (dims[k] ?? 1) : d));
  const rest = numElements(known.filter((d) => d !== -1));
  return known.map((d) => (d === -1 ? total / rest : d));
}

/** Index into a broadcast operand of `dims` for the output's flat index `i` over `outDims`. */
function broadcastIndexer(dims: number[], outDims: number[]): (i: number) => number {
  const r = outDims.length;
  const pad = [...new Array<number>(r - dims.length).fill(1), ...dims];
  const inStr = stridesOf(pad);
  const outStr = stridesOf(outDims);
  return (i) => sourceIndex(i, outStr, (k, c) => (pad[k] !== 1 ? c * inStr[k]! : 0));
}

/**
 * The values of an output of `outDims` whose element at coordinates (c_0, ..., c_r-1) is
 * `values[sum_k offset(k, c_k)]`: the one index walk of Transpose, Slice, Tile and broadcasting.
 * Cost O(output elements x rank).
 */
function gather(values: readonly number[], outDims: readonly number[], offset: (k: number, c: number) => number): number[] {
  const outStr = stridesOf(outDims);
  return Array.from({ length: numElements(outDims) }, (_, i) => values[sourceIndex(i, outStr, offset)]!);
}

/** The source index of output element `i` (output strides `outStr`), summing offset(k, c_k) over its coordinates. */
function sourceIndex(i: number, outStr: readonly number[], offset: (k: number, c: number) => number): number {
  let off = 0;
  let rem = i;
  for (let k = 0; k < outStr.length; k++) {
    const c = Math.floor(rem / outStr[k]!);
    rem -= c * outStr[k]!;
    off += offset(k, c);
  }
  return off;
}

function mapN(inputs: ConstTensor[], f: (...v: number[]) => number, float: boolean): ConstTensor | undefined {
  const dims = broadcastDims(inputs.map((t) => t.dims));
  if (!dims) return undefined;
  const n = numElements(dims);
  if (n > FOLD_VALUE_LIMIT || inputs.some((t) => !t.values)) return { dims, float };
  const idx = inputs.map((t) => broadcastIndexer(t.dims, dims));
  const values = Array.from({ length: n }, (_, i) => f(...inputs.map((t, k) => t.values![idx[k]!(i)]!)));
  return { dims, values, float };
}

const UNARY: Record<string, (v: number) => number> = {
  Neg: (v) => -v,
  Abs: Math.abs,
  Sqrt: Math.sqrt,
  Exp: Math.exp,
  Log: Math.log,
  Floor: Math.floor,
  Ceil: Math.ceil,
  Reciprocal: (v) => 1 / v,
  Relu: (v) => Math.max(0, v),
  Sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  Tanh: Math.tanh,
  Sin: Math.sin,
  Cos: Math.cos,
  Not: (v) => (v ? 0 : 1),
  Sign: Math.sign,
  Round: (v) => {
    const f = Math.floor(v);
    const d = v - f;
    return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
  },
  Erf: erf,
};

/** Abramowitz-Stegun 7.1.26 erf (|error| < 1.5e-7): only folded constants use it. */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

/** Reduce ops: (accumulator start, step, finish). */
const REDUCE: Record<string, [number, (a: number, v: number) => number, (a: number, n: number) => number]> = {
  ReduceSum: [0, (a, v) => a + v, (a) => a],
  ReduceMean: [0, (a, v) => a + v, (a, n) => a / n],
  ReduceMax: [-Infinity, Math.max, (a) => a],
  ReduceMin: [Infinity, Math.min, (a) => a],
  ReduceProd: [1, (a, v) => a * v, (a) => a],
  ReduceL2: [0, (a, v) => a + v * v, (a) => Math.sqrt(a)],
};

/**
 * Evaluates one node on constant inputs (`ins[k]` undefined for an absent optional input).
 * `opset` is the model's default-domain opset (axes moved from attributes to inputs in 13/18).
 */
export function foldNode(node: OnnxNode, ins: (ConstTensor | undefined)[], opset: number): ConstTensor | undefined {
  const op = node.op_type ?? '';
  const a = ins[0];
  const vals = (k: number): number[] | undefined => ins[k]?.values;
  const anyFloat = ins.some((t) => t?.float === true);
  switch (op) {
    case 'Identity':
      return a;
    case 'Cast': {
      if (!a) return undefined;
      const to = attrInt(node, 'to', 1);
      const float = isFloatType(to);
      const r: ConstTensor = { dims: a.dims, float };
      if (a.values) r.values = float ? a.values : to === 9 ? a.values.map((v) => (v ? 1 : 0)) : a.values.map((v) => Math.trunc(v));
      return r;
    }
    case 'Shape': {
      if (!a) return undefined;
      let d = a.dims;
      const start = attrInt(node, 'start');
      const end = attrInt(node, 'end');
      if (start !== undefined || end !== undefined) d = d.slice(start ?? 0, end ?? d.length);
      return { dims: [d.length], values: [...d] };
    }
    case 'Size':
      return a ? { dims: [], values: [numElements(a.dims)] } : undefined;
    case 'ConstantOfShape': {
      const s = vals(0);
      if (!s) return undefined;
      const t = attr(node, 'value')?.t;
      const v = t ? (t.float_data[0] ?? t.int64_data[0] ?? t.int32_data[0] ?? rawFirst(t.raw_data, t.data_type)) : 0;
      const float = t ? isFloatType(t.data_type) : true;
      const n = numElements(s);
      return n <= FOLD_VALUE_LIMIT ? { dims: [...s], values: new Array<number>(n).fill(Number(v ?? 0)), float } : { dims: [...s], float };
    }
    case 'Range': {
      const [s, l, d] = [vals(0)?.[0], vals(1)?.[0], vals(2)?.[0]];
      if (s === undefined || l === undefined || d === undefined || d === 0) return undefined;
      const n = Math.max(0, Math.ceil((l - s) / d));
      return { dims: [n], values: Array.from({ length: n }, (_, k) => s + k * d), float: anyFloat };
    }
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
    case 'Pow':
    case 'Mod':
    case 'Max':
    case 'Min':
    case 'Equal':
    case 'Less':
    case 'Greater':
    case 'LessOrEqual':
    case 'GreaterOrEqual':
    case 'And':
    case 'Or':
    case 'Sum': {
      if (ins.some((t) => !t)) return undefined;
      const float = anyFloat && !['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or'].includes(op);
      const fmod = attrInt(node, 'fmod', 0) === 1;
      const f: Record<string, (...v: number[]) => number> = {
        Add: (p, q) => p + q,
        Sum: (...v) => v.reduce((s, x) => s + x, 0),
        Sub: (p, q) => p - q,
        Mul: (p, q) => p * q,
        Div: (p, q) => (anyFloat ? p / q : Math.trunc(p / q)),
        Pow: (p, q) => p ** q,
        Mod: (p, q) => (fmod ? p % q : ((p % q) + q) % q),
        Max: (...v) => Math.max(...v),
        Min: (...v) => Math.min(...v),
        Equal: (p, q) => (p === q ? 1 : 0),
        Less: (p, q) => (p < q ? 1 : 0),
        Greater: (p, q) => (p > q ? 1 : 0),
        LessOrEqual: (p, q) => (p <= q ? 1 : 0),
        GreaterOrEqual: (p, q) => (p >= q ? 1 : 0),
        And: (p, q) => (p && q ? 1 : 0),
        Or: (p, q) => (p || q ? 1 : 0),
      };
      return mapN(ins as ConstTensor[], f[op]!, float);
    }
    case 'Where': {
      if (ins.some((t) => !t) || ins.length !== 3) return undefined;
      return mapN(ins as ConstTensor[], (c, p, q) => (c ? p : q), ins[1]!.float === true);
    }
    case 'Clip': {
      if (!a) return undefined;
      const lo = opset >= 11 ? (vals(1)?.[0] ?? -Infinity) : attrFloat(node, 'min', -Infinity);
      const hi = opset >= 11 ? (vals(2)?.[0] ?? Infinity) : attrFloat(node, 'max', Infinity);
      if ((node.input[1] && vals(1) === undefined) || (node.input[2] && vals(2) === undefined)) return undefined;
      return mapN([a], (v) => Math.min(hi, Math.max(lo, v)), a.float === true);
    }
    case 'Transpose': {
      if (!a) return undefined;
      const r = a.dims.length;
      const perm = attrInts(node, 'perm') ?? a.dims.map((_, k) => r - 1 - k);
      const dims = perm.map((p) => a.dims[p]!);
      const out: ConstTensor = { dims, float: a.float === true };
      if (a.values && a.values.length <= FOLD_VALUE_LIMIT) {
        const inStr = stridesOf(a.dims);
        out.values = gather(a.values, dims, (k, c) => c * inStr[perm[k]!]!);
      }
      return out;
    }
    case 'Reshape': {
      const s = vals(1);
      if (!a || !s) return undefined;
      const dims = reshapeDims(a.dims, s, attrInt(node, 'allowzero', 0) === 1);
      return withValues({ dims, float: a.float === true }, a.values);
    }
    case 'Flatten': {
      if (!a) return undefined;
      const r = a.dims.length;
      const raw = attrInt(node, 'axis', 1);
      const ax = raw < 0 ? raw + r : raw;
      return withValues({ dims: [numElements(a.dims.slice(0, ax)), numElements(a.dims.slice(ax))], float: a.float === true }, a.values);
    }
    case 'Unsqueeze':
    case 'Squeeze': {
      if (!a) return undefined;
      const axes = (opset >= 13 ? vals(1) : attrInts(node, 'axes')) ?? attrInts(node, 'axes');
      if (op === 'Squeeze' && node.input[1] && !axes) return undefined;
      const dims = squeezeDims(op, a.dims, axes);
      if (!dims) return undefined;
      return withValues({ dims, float: a.float === true }, a.values);
    }
    case 'Concat': {
      if (ins.some((t) => !t) || ins.length === 0) return undefined;
      const ts = ins as ConstTensor[];
      const r = ts[0]!.dims.length;
      const raw = attrInt(node, 'axis', 0);
      const ax = raw < 0 ? raw + r : raw;
      const dims = [...ts[0]!.dims];
      dims[ax] = ts.reduce((s, t) => s + (t.dims[ax] ?? 0), 0);
      const out: ConstTensor = { dims, float: ts.some((t) => t.float === true) };
      if (ts.every((t) => t.values) && numElements(dims) <= FOLD_VALUE_LIMIT) {
        const outer = numElements(dims.slice(0, ax));
        const values: number[] = [];
        for (let o = 0; o < outer; o++)
          for (const t of ts) {
            const block = numElements(t.dims.slice(ax));
            for (let j = 0; j < block; j++) values.push(t.values![o * block + j]!);
          }
        out.values = values;
      }
      return out;
    }
    case 'Gather': {
      const ind = ins[1];
      if (!a || !ind) return undefined;
      const r = a.dims.length;
      const raw = attrInt(node, 'axis', 0);
      const ax = raw < 0 ? raw + r : raw;
      const dims = [...a.dims.slice(0, ax), ...ind.dims, ...a.dims.slice(ax + 1)];
      const out: ConstTensor = { dims, float: a.float === true };
      if (a.values && ind.values && numElements(dims) <= FOLD_VALUE_LIMIT) {
        const outer = numElements(a.dims.slice(0, ax));
        const n = a.dims[ax]!;
        const inner = numElements(a.dims.slice(ax + 1));
        const values: number[] = [];
        for (let o = 0; o < outer; o++)
          for (const i0 of ind.values) {
            const i = i0 < 0 ? i0 + n : i0;
            for (let j = 0; j < inner; j++) values.push(a.values[(o * n + i) * inner + j]!);
          }
        out.values = values;
      }
      return out;
    }
    case 'Slice': {
      if (!a) return undefined;
      const r = a.dims.length;
      const starts = opset >= 10 ? vals(1) : attrInts(node, 'starts');
      const ends = opset >= 10 ? vals(2) : attrInts(node, 'ends');
      if (!starts || !ends) return undefined;
      const axes = (opset >= 10 ? (node.input[3] ? vals(3) : undefined) : attrInts(node, 'axes')) ?? starts.map((_, k) => k);
      const steps = (node.input[4] ? vals(4) : undefined) ?? starts.map(() => 1);
      if ((node.input[3] && !vals(3)) || (node.input[4] && !vals(4))) return undefined;
      const dims = [...a.dims];
      const picks = a.dims.map((n) => ({ start: 0, step: 1, count: n }));
      for (let k = 0; k < starts.length; k++) {
        const axis = axes[k]! < 0 ? axes[k]! + r : axes[k]!;
        const step = steps[k]!;
        if (step === 0 || !Number.isInteger(step)) return undefined;
        const pick = sliceAxis(a.dims[axis]!, starts[k]!, ends[k]!, step);
        dims[axis] = pick.count;
        picks[axis] = pick;
      }
      const out: ConstTensor = { dims, float: a.float === true };
      if (a.values && numElements(dims) <= FOLD_VALUE_LIMIT) {
        const inStr = stridesOf(a.dims);
        out.values = gather(a.values, dims, (k, c) => (picks[k]!.start + c * picks[k]!.step) * inStr[k]!);
      }
      return out;
    }
    case 'Expand': {
      const s = vals(1);
      if (!a || !s) return undefined;
      const dims = broadcastDims([a.dims, s]);
      if (!dims) return undefined;
      const out: ConstTensor = { dims, float: a.float === true };
      if (a.values && numElements(dims) <= FOLD_VALUE_LIMIT) {
        const idx = broadcastIndexer(a.dims, dims);
        out.values = Array.from({ length: numElements(dims) }, (_, i) => a.values![idx(i)]!);
      }
      return out;
    }
    case 'Tile': {
      const reps = vals(1);
      if (!a || !reps) return undefined;
      const dims = a.dims.map((d, k) => d * reps[k]!);
      const out: ConstTensor = { dims, float: a.float === true };
      if (a.values && numElements(dims) <= FOLD_VALUE_LIMIT) {
        const inStr = stridesOf(a.dims);
        out.values = gather(a.values, dims, (k, c) => (c % a.dims[k]!) * inStr[k]!);
      }
      return out;
    }
    case 'MatMul': {
      const b = ins[1];
      if (!a || !b || a.dims.length < 2 || b.dims.length < 2) return undefined;
      const batch = broadcastDims([a.dims.slice(0, -2), b.dims.slice(0, -2)]);
      if (!batch) return undefined;
      return { dims: [...batch, a.dims.at(-2)!, b.dims.at(-1)!], float: true };
    }
    case 'Gemm': {
      const b = ins[1];
      if (!a || !b) return undefined;
      const m = attrInt(node, 'transA', 0) ? a.dims[1]! : a.dims[0]!;
      const n = attrInt(node, 'transB', 0) ? b.dims[0]! : b.dims[1]!;
      return { dims: [m, n], float: true };
    }
    case 'Softmax':
    case 'LogSoftmax':
    case 'LeakyRelu':
    case 'HardSigmoid':
    case 'HardSwish':
    case 'Gelu':
    case 'Elu':
    case 'Dropout':
      return a ? { dims: a.dims, float: true } : undefined;
    case 'ReduceSum':
    case 'ReduceMean':
    case 'ReduceMax':
    case 'ReduceMin':
    case 'ReduceProd':
    case 'ReduceL2': {
      if (!a) return undefined;
      const r = a.dims.length;
      const axesIn = op === 'ReduceSum' ? (opset >= 13 ? vals(1) : attrInts(node, 'axes')) : opset >= 18 ? vals(1) : attrInts(node, 'axes');
      if (node.input[1] && !vals(1)) return undefined;
      const axes = (axesIn ?? a.dims.map((_, k) => k)).map((x) => (x < 0 ? x + r : x));
      const keep = attrInt(node, 'keepdims', 1) === 1;
      const kept = a.dims.map((d, k) => (axes.includes(k) ? 1 : d));
      const dims = keep ? kept : a.dims.filter((_, k) => !axes.includes(k));
      const out: ConstTensor = { dims, float: a.float === true || op === 'ReduceMean' || op === 'ReduceL2' };
      if (a.values && a.values.length <= FOLD_VALUE_LIMIT) {
        const [init, step, finish] = REDUCE[op]!;
        const acc = new Array<number>(numElements(kept)).fill(init);
        const inStr = stridesOf(a.dims);
        const kStr = stridesOf(kept);
        for (let i = 0; i < a.values.length; i++) {
          let off = 0;
          let rem = i;
          for (let k = 0; k < r; k++) {
            const c = Math.floor(rem / inStr[k]!);
            rem -= c * inStr[k]!;
            if (!axes.includes(k)) off += c * kStr[k]!;
          }
          acc[off] = step(acc[off]!, a.values[i]!);
        }
        const n = a.values.length / acc.length;
        out.values = acc.map((v) => finish(v, n));
      }
      return out;
    }
    case 'ScatterND':
    case 'ScatterElements':
      return a ? { dims: a.dims, float: a.float === true } : undefined;
    case 'Trilu':
      return a ? { dims: a.dims, float: a.float === true } : undefined;
  }
  const u = UNARY[op];
  if (u && a) return mapN([a], u, a.float === true || !['Not', 'Abs', 'Neg', 'Sign'].includes(op));
  return undefined;
}

function withValues(t: ConstTensor, values: number[] | undefined): ConstTensor {
  if (values) t.values = values;
  return t;
}

function rawFirst(raw: Uint8Array | undefined, type: number | undefined): number | undefined {
  if (!raw || raw.length === 0) return undefined;
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (type) {
    case 1:
      return dv.getFloat32(0, true);
    case 7:
      return Number(dv.getBigInt64(0, true));
    case 6:
      return dv.getInt32(0, true);
    case 9:
    case 2:
      return dv.getUint8(0);
    case 11:
      return dv.getFloat64(0, true);
  }
  return undefined;
}

/**
 * Output dims of Unsqueeze (insert 1s at `axes`, negative counted from the output rank; undefined
 * without axes) or Squeeze (drop `axes`, negative counted from the input rank; without axes, every 1).
 * The one shape rule of the constant folder and the importer's shape tracking. Pure.
 */
export function squeezeDims(op: 'Unsqueeze' | 'Squeeze', dims: readonly number[], axes: readonly number[] | undefined): number[] | undefined {
  if (op === 'Unsqueeze') {
    if (!axes) return undefined;
    const r = dims.length + axes.length;
    const norm = axes.map((x) => (x < 0 ? x + r : x));
    const out: number[] = [];
    let k = 0;
    for (let d = 0; d < r; d++) out.push(norm.includes(d) ? 1 : dims[k++]!);
    return out;
  }
  const norm = axes?.map((x) => (x < 0 ? x + dims.length : x));
  return dims.filter((d, k) => (norm ? !norm.includes(k) : d !== 1));
}
