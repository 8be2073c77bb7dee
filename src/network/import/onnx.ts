/**
 * ONNX importer: an .onnx model's bytes -> a memlat Network (layer types of ../types.ts).
 *
 * Only dimensions are read: initializer dims come from TensorProto.dims, so models whose weights
 * live in external data files import without those files. Small constants stored in the model
 * (shapes, axes, scalars) are read to fold the shape-only subgraphs exporters emit
 * (Shape -> Gather -> Unsqueeze -> Concat -> Reshape for `x.view(x.size(0), -1)`, Constant nodes),
 * so they disappear. Exporter idioms are fused back into memlat layers: MatMul + Add(bias) -> dense,
 * Transpose(last two axes) -> MatMul -> matmul with transposeB, ReduceMean/Sub/Pow/Sqrt/Div (+Mul,
 * Add) -> layernorm, Div/Erf/Add/Mul/Mul -> gelu.
 *
 * Every layer's output shape is inferred as it is built (resolveLayerOutput), so later folds
 * (Shape of a tensor, auto_pad) see real numbers. Unknown ops are one UserError listing every
 * unsupported op type (count, first node); with allowUnknownOps they become `opaque` layers whose
 * output shape comes from the model's value_info / graph outputs. Pure: bytes in, Network out.
 */
import { UserError } from '../../errors.js';
import {
  attr,
  attrFloat,
  attrInt,
  attrInts,
  attrString,
  decodeOnnx,
  numel,
  tensorValues,
  type OnnxDim,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
} from '../../onnx/model.js';
import { broadcastShapes, resolveLayerOutput, sliceAxis } from '../shapes.js';
import { foldNode, isFloatType } from './onnx-fold.js';
import type { DType, Layer, Network, Pair, TensorSpec, UnaryOp } from '../types.js';
import type { ImportResult } from './result.js';

/** Options of importOnnx. */
export interface OnnxImportOptions {
  /** Network name; default: the graph's name, else 'onnx-net'. */
  name?: string;
  /** Keep unsupported ops as `opaque` layers (with a warning each) instead of failing. */
  allowUnknownOps?: boolean;
  /**
   * Sizes of symbolic input dimensions (dim_param), e.g. { sequence: 128 }. A symbolic dimension 0
   * (the batch) defaults to 1; any other symbolic dimension must be given here.
   */
  dims?: Record<string, number>;
}

export type { ImportResult } from './result.js';

/** One element of a folded shape vector: its value and, when it is a dim of a tensor, which. */
interface ShapeElem {
  value: number;
  src?: { tensor: string; axis: number };
}

/** An op memlat cannot map: its label in the error list and, when inferable, its output shape. */
interface Unsupported {
  unsupported: string;
  shape?: number[];
}

/** What an ONNX tensor name stands for during import. */
type Value =
  | { kind: 'act'; tensor: string; shape: number[] } // a memlat tensor (network input or layer output)
  | { kind: 'const'; dims: number[]; values?: number[]; elems?: ShapeElem[]; float?: boolean; src?: string[] } // constant (weights, folded shapes); src: the float initializers it is computed from
  | { kind: 'unknown' }; // downstream of an unsupported op (error mode)

const DTYPES: Record<number, DType> = { 1: 'fp32', 10: 'fp16', 7: 'int64', 6: 'int32', 3: 'int8' };

/** Ops this importer maps (or folds); anything else is unsupported. */
const SUPPORTED_OPS = new Set([
  'Conv', 'Gemm', 'MatMul', 'Add', 'Sum', 'Sub', 'Mul', 'Div', 'BatchNormalization', 'LayerNormalization',
  'Relu', 'Clip', 'Sigmoid', 'Tanh', 'Gelu', 'LeakyRelu', 'HardSwish', 'HardSigmoid', 'Elu', 'MaxPool',
  'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'LRN', 'Softmax', 'Dropout', 'Concat', 'Flatten',
  'Reshape', 'Transpose', 'Identity', 'Gather', 'Constant', 'Shape', 'Unsqueeze', 'Squeeze', 'Cast', 'Slice',
  'ReduceMean', 'ReduceMax', 'Pad', 'Pow', 'Max', 'Min', 'Sqrt', 'Erf', 'Exp', 'Log', 'Abs', 'Neg', 'Reciprocal', 'Floor', 'Ceil',
  'Sin', 'Cos', 'ReduceSum', 'ReduceMin', 'ReduceProd', 'ReduceL2', 'Split', 'Expand', 'Einsum',
]);

/** Ops that fold away when all their inputs are constants. */
const FOLDABLE = new Set(['Shape', 'Gather', 'Unsqueeze', 'Squeeze', 'Concat', 'Cast', 'Slice', 'Identity', 'Add', 'Sub', 'Mul', 'Div', 'Reshape']);

function pairOf(h: number, w: number): Pair {
  return h === w ? h : [h, w];
}
function padsOf(p: [number, number, number, number]): Pair | [number, number, number, number] {
  return p[0] === p[2] && p[1] === p[3] ? pairOf(p[0], p[1]) : p;
}

/**
 * Imports an ONNX model (the bytes of a .onnx file) as a memlat Network.
 * Throws a one-line UserError for undecodable bytes, one listing every unsupported op, or one naming
 * the node and field otherwise. Never reads external weight files. Cost: O(file size + nodes).
 *
 * @example importOnnx(readFileSync('resnet18.onnx'), { name: 'resnet18' }).network.layers.length
 */
export function importOnnx(bytes: Uint8Array, opts: OnnxImportOptions = {}): ImportResult {
  const model = decodeOnnx(bytes);
  return new Importer(model, opts).run();
}

class Importer {
  private readonly g: OnnxGraph;
  private readonly warnings: string[] = [];
  private readonly values = new Map<string, Value>();
  private readonly layers: Layer[] = [];
  private readonly shapes = new Map<string, number[]>(); // memlat tensor -> shape
  private readonly used = new Set<string>();
  /** ONNX tensor name -> number of readers (nodes + graph outputs). */
  private readonly readers = new Map<string, number>();
  /** ONNX tensor name -> the nodes reading it. */
  private readonly readerNodes = new Map<string, OnnxNode[]>();
  /** Zero padding [top, left, bottom, right] of a Pad folded into the Conv/Pool reading its output. */
  private readonly pendingPads = new Map<string, [number, number, number, number]>();
  /** memlat layer name -> ONNX tensor it was emitted for (for fusions that check single use). */
  private readonly layerOnnxOut = new Map<string, string>();
  private readonly unsupported = new Map<string, { count: number; first: string }>();
  /** Dims of every initializer, and the float initializers already counted as some layer's parameters. */
  private readonly initDims = new Map<string, number[]>();
  private readonly counted = new Set<string>();
  private readonly declared = new Map<string, OnnxDim[]>();
  private readonly symbols = new Map<string, number>();
  /** Node indices consumed by a fused pattern, and the fused layers keyed by the pattern's last node. */
  private readonly skip = new Set<number>();
  private readonly fused = new Map<number, { make: (x: string) => Layer; x: string; out: string }>();

  constructor(
    private readonly model: OnnxModel,
    private readonly opts: OnnxImportOptions,
  ) {
    this.g = model.graph;
  }

  run(): ImportResult {
    const g = this.g;
    for (const v of [...g.value_info, ...g.output, ...g.input]) if (v.dims) this.declared.set(v.name, v.dims);
    for (const n of g.node)
      for (const i of n.input)
        if (i) {
          this.readers.set(i, (this.readers.get(i) ?? 0) + 1);
          this.readerNodes.set(i, [...(this.readerNodes.get(i) ?? []), n]);
        }
    for (const o of g.output) this.readers.set(o.name, (this.readers.get(o.name) ?? 0) + 1);

    for (const t of g.initializer) {
      const c: Value = { kind: 'const', dims: t.dims.map(Number) };
      const vals = numel(c.dims) <= 4096 ? tensorValues(t) : undefined;
      if (vals) c.values = vals;
      if (isFloatType(t.data_type)) {
        c.float = true;
        c.src = [t.name ?? ''];
      }
      this.initDims.set(t.name ?? '', c.dims);
      this.values.set(t.name ?? '', c);
    }
    this.addInputs();
    this.findPatterns();

    g.node.forEach((node, idx) => {
      if (this.skip.has(idx)) return;
      const f = this.fused.get(idx);
      if (f) {
        const xv = this.values.get(f.x);
        if (xv?.kind === 'act') this.emit(f.make(xv.tensor), f.out, node);
        else this.values.set(f.out, { kind: 'unknown' });
        return;
      }
      this.visit(node, idx);
    });

    if (this.unsupported.size > 0) {
      const list = [...this.unsupported].map(([op, u]) => `${op} x${u.count} (first: "${u.first}")`).join(', ');
      throw new UserError(`ONNX model uses unsupported ops: ${list}; re-export without them, or pass allowUnknownOps (--allow-unknown-ops) to keep them as opaque layers`);
    }
    if (this.layers.length === 0) throw new UserError('ONNX model has no computing layers after folding constants');
    const inputs = this.inputs.filter((i) => this.usedInputs.has(i.name));
    const name = this.opts.name ?? (this.g.name || 'onnx-net');
    const network: Network = { format: 'memlat-network@1', name, inputs, layers: this.layers, source: `onnx${this.model.producer_name ? ` (${this.model.producer_name})` : ''}` };
    return { network, warnings: this.warnings };
  }

  // ---- inputs --------------------------------------------------------------------------------------

  private readonly inputs: TensorSpec[] = [];
  private readonly usedInputs = new Set<string>();

  /** Weight operand positions per op: graph inputs used only there are parameters, not inputs. */
  private static readonly WEIGHT_POS: Record<string, number[]> = {
    Conv: [1, 2], Gemm: [1, 2], BatchNormalization: [1, 2, 3, 4], LayerNormalization: [1, 2], Gather: [0],
  };

  private addInputs(): void {
    const asActivation = new Set<string>();
    const asWeight = new Set<string>();
    for (const n of this.g.node) {
      const wp = Importer.WEIGHT_POS[n.op_type ?? ''] ?? [];
      n.input.forEach((i, k) => (wp.includes(k) ? asWeight : asActivation).add(i));
    }
    for (const vi of this.g.input) {
      if (this.values.has(vi.name)) continue; // an initializer also listed as input (IR < 4)
      const dims = vi.dims;
      if (!dims) throw new UserError(`ONNX input "${vi.name}" has no declared shape; memlat needs every input's dimensions`);
      const shape = dims.map((d, k) => this.dimValue(d, k, `input "${vi.name}"`));
      if (asWeight.has(vi.name) && !asActivation.has(vi.name)) {
        this.values.set(vi.name, { kind: 'const', dims: shape });
        continue;
      }
      const name = this.unique(vi.name);
      const spec: TensorSpec = { name, shape };
      const dt = vi.elemType === undefined ? undefined : DTYPES[vi.elemType];
      if (dt && dt !== 'fp32') spec.dtype = dt;
      this.inputs.push(spec);
      this.values.set(vi.name, { kind: 'act', tensor: name, shape });
      this.shapes.set(name, shape);
    }
  }

  private dimValue(d: OnnxDim, axis: number, where: string): number {
    if (typeof d === 'number' && d > 0) return d;
    if (typeof d === 'string') {
      const given = this.opts.dims?.[d] ?? this.symbols.get(d);
      if (given !== undefined) return given;
      if (axis === 0) {
        this.symbols.set(d, 1);
        return 1;
      }
      throw new UserError(`${where}: dimension ${axis} is symbolic ("${d}"); give its size, e.g. dims: { ${d}: 128 } (--dim ${d}=128)`);
    }
    if (axis === 0) return 1;
    throw new UserError(`${where}: dimension ${axis} is unknown (${String(d)}); re-export with fixed input sizes`);
  }

  // ---- helpers -------------------------------------------------------------------------------------

  private unique(base: string): string {
    let n = base;
    for (let k = 2; this.used.has(n); k++) n = `${base}_${k}`;
    this.used.add(n);
    return n;
  }

  private nodeName(node: OnnxNode, idx: number): string {
    return node.name && node.name !== '' ? node.name : `${(node.op_type ?? 'node').toLowerCase()}_${idx}`;
  }

  private where(node: OnnxNode): string {
    return `node "${node.name ?? ''}" (${node.op_type ?? '?'})`;
  }

  private value(name: string): Value | undefined {
    if (name === '') return undefined;
    return this.values.get(name);
  }

  /** Adds a layer for `onnxOut`, inferring its shape; returns the memlat name. */
  private emit(layer: Layer, onnxOut: string, node: OnnxNode): string {
    let shape: number[];
    try {
      shape = resolveLayerOutput(layer, layer.inputs.map((i) => this.shapes.get(i)!));
    } catch (e) {
      if (e instanceof UserError) throw new UserError(`${this.where(node)}: ${e.message}`);
      throw e;
    }
    for (const i of layer.inputs) if (this.inputs.some((s) => s.name === i)) this.usedInputs.add(i);
    this.layers.push(layer);
    this.shapes.set(layer.name, shape);
    this.layerOnnxOut.set(layer.name, onnxOut);
    this.values.set(onnxOut, { kind: 'act', tensor: layer.name, shape });
    return layer.name;
  }

  private alias(onnxOut: string, v: Value): void {
    this.values.set(onnxOut, v);
  }

  private layerOf(tensor: string): Layer | undefined {
    for (let k = this.layers.length - 1; k >= 0; k--) if (this.layers[k]!.name === tensor) return this.layers[k];
    return undefined;
  }

  private markUnsupported(op: string, node: OnnxNode, idx: number): void {
    const u = this.unsupported.get(op);
    if (u) u.count++;
    else this.unsupported.set(op, { count: 1, first: this.nodeName(node, idx) });
    for (const o of node.output) this.values.set(o, { kind: 'unknown' });
  }

  // ---- the per-node mapping ------------------------------------------------------------------------

  private visit(node: OnnxNode, idx: number): void {
    const op = node.op_type ?? '';
    const domainOk = !node.domain || node.domain === 'ai.onnx';
    const ins = node.input.map((i) => this.value(i));
    const out = node.output[0] ?? '';

    if (domainOk && op !== 'Constant' && node.input.some((n) => n !== '') && ins.every((v, k) => v?.kind === 'const' || (v === undefined && node.input[k] === ''))) {
      const folded = this.foldAll(node, ins);
      if (folded) return this.alias(out, folded);
    }
    if (!domainOk || !SUPPORTED_OPS.has(op)) return this.unknownOp(`${domainOk ? '' : `${node.domain}.`}${op}`, node, idx);
    if (ins.some((v) => v?.kind === 'unknown')) {
      for (const o of node.output) this.values.set(o, { kind: 'unknown' });
      return;
    }
    node.input.forEach((n, k) => {
      if (n !== '' && ins[k] === undefined) throw new UserError(`${this.where(node)}: input ${k} "${n}" is not produced by any earlier node, initializer or graph input`);
    });
    for (const extra of node.output.slice(1))
      if (extra !== '' && (this.readers.get(extra) ?? 0) > 0 && !['Dropout', 'BatchNormalization', 'MaxPool', 'Split'].includes(op))
        throw new UserError(`${this.where(node)}: output "${extra}" is used, but memlat layers have one output`);

    if (op === 'Constant') return this.constantNode(node);
    const acts = ins.filter((v): v is Extract<Value, { kind: 'act' }> => v?.kind === 'act');
    if (acts.length === 0 && FOLDABLE.has(op)) {
      const folded = this.fold(node, ins);
      if (folded) return this.alias(out, folded);
    }
    if (op === 'Shape' && ins[0]?.kind === 'act') {
      const x = ins[0];
      return this.alias(out, { kind: 'const', dims: [x.shape.length], values: [...x.shape], elems: x.shape.map((v, a) => ({ value: v, src: { tensor: x.tensor, axis: a } })) });
    }
    if (acts.length === 0) throw new UserError(`${this.where(node)}: all inputs are constants but memlat cannot fold ${op} here; re-export with constant folding (do_constant_folding=True)`);

    const name = (): string => this.unique(this.nodeName(node, idx));
    const x = acts[0]!;
    const layer = this.mapOp(node, op, ins, x, name);
    if (layer === 'done') return;
    if ('unsupported' in layer) return this.unknownOp(layer.unsupported, node, idx, layer.shape);
    if (['conv2d', 'dense', 'batchnorm', 'layernorm', 'embedding'].includes(layer.type))
      for (const v of ins) if (v?.kind === 'const') for (const src of v.src ?? []) this.counted.add(src);
    this.emit(layer, out, node);
  }

  private unknownOp(op: string, node: OnnxNode, idx: number, inferred?: number[]): void {
    if (!this.opts.allowUnknownOps) return this.markUnsupported(op, node, idx);
    const out = node.output[0] ?? '';
    const dims: OnnxDim[] | undefined = this.declared.get(out) ?? inferred;
    if (!dims) throw new UserError(`${this.where(node)}: unsupported op ${op} kept as opaque, but its output "${out}" has no shape in value_info or graph outputs; run onnx.shape_inference on the model first`);
    const outputShape = dims.map((d, k) => this.dimValue(d, k, `${this.where(node)} output "${out}"`));
    const inputs: string[] = [];
    let params = 0;
    for (const i of node.input) {
      const v = this.value(i);
      if (v?.kind === 'act') inputs.push(v.tensor);
      else if (v?.kind === 'const') params += numel(v.dims);
      else if (v?.kind === 'unknown') throw new UserError(`${this.where(node)}: input "${i}" is unknown`);
    }
    if (inputs.length === 0) throw new UserError(`${this.where(node)}: unsupported op ${op} has no activation input; memlat cannot place it`);
    const layer: Layer = { type: 'opaque', name: this.unique(this.nodeName(node, idx)), inputs, op: node.op_type ?? op, outputShape };
    if (params > 0) layer.params = params;
    this.warnings.push(`${this.where(node)}: unsupported op ${op} kept as an opaque layer (output ${JSON.stringify(outputShape)}, ${params} params); its time is predicted without op-specific features`);
    this.emit(layer, out, node);
  }

  private constantNode(node: OnnxNode): void {
    const out = node.output[0] ?? '';
    const t = attr(node, 'value')?.t;
    if (t) {
      const c: Value = { kind: 'const', dims: t.dims.map(Number) };
      if (isFloatType(t.data_type)) c.float = true;
      const vals = tensorValues(t);
      if (vals) c.values = vals;
      return this.alias(out, c);
    }
    const ints = attrInts(node, 'value_ints');
    const floats = attr(node, 'value_floats')?.floats;
    if (ints && ints.length > 0) return this.alias(out, { kind: 'const', dims: [ints.length], values: ints.map(Number) });
    if (floats && floats.length > 0) return this.alias(out, { kind: 'const', dims: [floats.length], values: floats, float: true });
    const i = attrInt(node, 'value_int');
    if (i !== undefined) return this.alias(out, { kind: 'const', dims: [], values: [i] });
    const f = attrFloat(node, 'value_float');
    if (f !== undefined) return this.alias(out, { kind: 'const', dims: [], values: [f], float: true });
    throw new UserError(`${this.where(node)}: Constant without a value/value_ints/value_floats attribute memlat can read`);
  }

  /** Inputs that carry data (not indices, shapes or axes) into a folded result, per op. */
  private static readonly DATA_POS: Record<string, number[]> = {
    Gather: [0], Reshape: [0], Slice: [0], Expand: [0], Tile: [0], Transpose: [0], Unsqueeze: [0], Squeeze: [0], Where: [1, 2],
    Cast: [0], Identity: [0], Flatten: [0], Clip: [0], Pad: [0], ScatterND: [0, 2], ScatterElements: [0, 2],
    Shape: [], Size: [], Range: [], ConstantOfShape: [],
  };

  /**
   * Folds a node whose inputs are all constants: the shape-element path (which remembers which
   * activation dim a shape entry came from) when a shape vector is involved, else the general
   * evaluator of onnx-fold.ts. The result remembers the float initializers it was computed from.
   */
  private foldAll(node: OnnxNode, ins: (Value | undefined)[]): Value | undefined {
    const op = node.op_type ?? '';
    const cs = ins.map((v) => (v?.kind === 'const' ? v : undefined));
    const viaElems = cs.some((c) => c?.elems) && !cs.some((c) => c?.float) ? this.fold(node, ins) : undefined;
    let r: Value | undefined = viaElems;
    if (!r) {
      const t = foldNode(node, cs.map((c) => (c ? { dims: c.dims, values: c.values, float: c.float } : undefined)), this.model.opset);
      if (!t) return undefined;
      const v: Value = { kind: 'const', dims: t.dims };
      if (t.values) v.values = t.values;
      if (t.float) v.float = true;
      r = v;
    }
    if (r.kind === 'const' && (r.float || cs.some((c) => c?.float))) {
      const pos = Importer.DATA_POS[op] ?? cs.map((_, k) => k);
      const src = new Set(pos.flatMap((k) => cs[k]?.src ?? []));
      if (src.size > 0) r = { ...r, src: [...src] };
    }
    return r;
  }

  /** Parameters of the float initializers behind a constant that no layer has counted yet; marks them counted. */
  private takeParams(c: Extract<Value, { kind: 'const' }>): number {
    let n = 0;
    for (const s of c.src ?? []) {
      if (this.counted.has(s)) continue;
      this.counted.add(s);
      n += numel(this.initDims.get(s) ?? []);
    }
    return n;
  }

  private peekParams(c: Extract<Value, { kind: 'const' }>): number {
    return (c.src ?? []).filter((s) => !this.counted.has(s)).reduce((a, s) => a + numel(this.initDims.get(s) ?? []), 0);
  }

  /** Constant folding of shape arithmetic; undefined when values are not available. */
  private fold(node: OnnxNode, ins: (Value | undefined)[]): Value | undefined {
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
        const total = numel(a.dims);
        const known = s.map((d, k) => (d === 0 ? (a.dims[k] ?? 1) : d));
        const rest = numel(known.filter((d) => d !== -1));
        const dims = known.map((d) => (d === -1 ? total / rest : d));
        const r: Value = { kind: 'const', dims };
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
        let dims: number[];
        if (op === 'Unsqueeze') {
          if (!axes) return undefined;
          const r = a.dims.length + axes.length;
          const norm = axes.map((x) => (x < 0 ? x + r : x));
          dims = [];
          let k = 0;
          for (let d = 0; d < r; d++) dims.push(norm.includes(d) ? 1 : a.dims[k++]!);
        } else {
          const norm = axes?.map((x) => (x < 0 ? x + a.dims.length : x));
          dims = a.dims.filter((d, k) => (norm ? !norm.includes(k) : d !== 1));
        }
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
          if (n === undefined || step === 0) return undefined;
          const norm = (v: number): number => (v < 0 ? v + n : v);
          const lo = step > 0 ? 0 : -1;
          const hi = step > 0 ? n : n - 1;
          const start = Math.max(step > 0 ? 0 : 0, Math.min(step > 0 ? n : n - 1, norm(starts[k]!)));
          const end = Math.max(lo, Math.min(hi, norm(ends[k]!)));
          const count = Math.max(0, Math.ceil((end - start) / step));
          dims[axis] = count;
          picks.push({ axis, start, step, count });
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
        const f = { Add: (p: number, q: number) => p + q, Sub: (p: number, q: number) => p - q, Mul: (p: number, q: number) => p * q, Div: (p: number, q: number) => Math.trunc(p / q) }[op];
        const values = Array.from({ length: n }, (_, k) => f(a.values![a.values!.length === 1 ? 0 : k]!, b.values![b.values!.length === 1 ? 0 : k]!));
        return { kind: 'const', dims: a.dims.length >= b.dims.length ? a.dims : b.dims, values };
      }
    }
    return undefined;
  }

  /** Maps one node with at least one activation input to a layer; 'done' when handled by aliasing. */
  private mapOp(
    node: OnnxNode,
    op: string,
    ins: (Value | undefined)[],
    x: Extract<Value, { kind: 'act' }>,
    name: () => string,
  ): Layer | 'done' | Unsupported {
    const where = this.where(node);
    const out = node.output[0] ?? '';
    const constIn = (k: number): Extract<Value, { kind: 'const' }> | undefined => {
      const v = ins[k];
      return v?.kind === 'const' ? v : undefined;
    };
    const needActFirst = (): void => {
      if (ins[0]?.kind !== 'act') throw new UserError(`${where}: input 0 must be an activation, not a constant`);
    };

    switch (op) {
      case 'Identity':
      case 'Cast':
        if (op === 'Cast') this.warnings.push(`${where}: Cast of an activation is not timed (treated as pass-through)`);
        this.alias(out, x);
        return 'done';
      case 'Conv': {
        needActFirst();
        const w = constIn(1);
        if (!w || w.dims.length !== 4)
          throw new UserError(`${where}: weight input must be a 4-D initializer [out, in/groups, kh, kw]; got ${w ? JSON.stringify(w.dims) : 'an activation'} (memlat supports 2-D convolution only)`);
        const [o, , kh, kw] = w.dims as [number, number, number, number];
        const strides = attrInts(node, 'strides') ?? [1, 1];
        const dil = attrInts(node, 'dilations') ?? [1, 1];
        const layer: Layer = { type: 'conv2d', name: name(), inputs: [x.tensor], outChannels: o, kernel: pairOf(kh, kw) };
        if (strides[0] !== 1 || strides[1] !== 1) layer.stride = pairOf(strides[0]!, strides[1]!);
        if (dil[0] !== 1 || dil[1] !== 1) layer.dilation = pairOf(dil[0]!, dil[1]!);
        const pads = this.paddingOf(node, x.shape, [kh, kw], strides, dil);
        if (pads.some((p) => p !== 0)) layer.padding = padsOf(pads);
        const g = attrInt(node, 'group', 1);
        if (g !== 1) layer.groups = g;
        if (!node.input[2]) layer.bias = false;
        return layer;
      }
      case 'Gemm':
      case 'MatMul': {
        const transA = op === 'Gemm' ? attrInt(node, 'transA', 0) : 0;
        const transB = op === 'Gemm' ? attrInt(node, 'transB', 0) : 0;
        if (transA) throw new UserError(`${where}: transA=1 unsupported; memlat's dense/matmul take A untransposed`);
        if (ins[0]?.kind !== 'act') throw new UserError(`${where}: a constant first operand (W x) is unsupported; export as x W^T (Linear)`);
        if (op === 'Gemm' && (attrFloat(node, 'alpha', 1) !== 1 || attrFloat(node, 'beta', 1) !== 1))
          this.warnings.push(`${where}: Gemm alpha/beta scaling ignored (negligible cost)`);
        const b = ins[1];
        if (b?.kind === 'const') {
          if (b.dims.length !== 2) throw new UserError(`${where}: weight operand must be 2-D, got ${JSON.stringify(b.dims)}`);
          const units = transB ? b.dims[0]! : b.dims[1]!;
          const layer: Layer = { type: 'dense', name: name(), inputs: [x.tensor], units };
          if (!(op === 'Gemm' && node.input[2])) layer.bias = false;
          return layer;
        }
        if (b?.kind !== 'act') return { unsupported: op };
        if (op === 'Gemm' && node.input[2]) this.warnings.push(`${where}: Gemm bias C on an activation product ignored`);
        let bt = b.tensor;
        let tb = transB === 1;
        // Transpose(last two axes) feeding only this MatMul -> transposeB.
        const tl = this.layerOf(bt);
        const tOut = tl ? this.layerOnnxOut.get(tl.name) : undefined;
        if (tl?.type === 'transpose' && tOut === node.input[1] && (this.readers.get(tOut ?? '') ?? 0) === 1) {
          const r = tl.perm.length;
          const swapsLast = tl.perm.every((p, k) => (k < r - 2 ? p === k : k === r - 2 ? p === r - 1 : p === r - 2));
          if (swapsLast && r >= 2) {
            this.layers.splice(this.layers.indexOf(tl), 1);
            bt = tl.inputs[0]!;
            tb = !tb;
          }
        }
        const layer: Layer = { type: 'matmul', name: name(), inputs: [x.tensor, bt] };
        if (tb) layer.transposeB = true;
        return layer;
      }
      case 'Add':
      case 'Sum':
      case 'Sub':
      case 'Mul':
      case 'Div':
        return this.elementwise(node, op, ins, name);
      case 'BatchNormalization': {
        needActFirst();
        return { type: 'batchnorm', name: name(), inputs: [x.tensor], epsilon: attrFloat(node, 'epsilon', 1e-5), affine: true };
      }
      case 'LayerNormalization': {
        needActFirst();
        const axis = attrInt(node, 'axis', -1);
        if (axis !== -1 && axis !== x.shape.length - 1) throw new UserError(`${where}: axis ${axis} unsupported; memlat normalises the last axis`);
        return { type: 'layernorm', name: name(), inputs: [x.tensor], epsilon: attrFloat(node, 'epsilon', 1e-5) };
      }
      case 'Relu':
      case 'Sigmoid':
      case 'Tanh':
      case 'Gelu':
      case 'HardSwish':
      case 'HardSigmoid': {
        const fn = ({ Relu: 'relu', Sigmoid: 'sigmoid', Tanh: 'tanh', Gelu: 'gelu', HardSwish: 'hardswish', HardSigmoid: 'hardsigmoid' } as const)[op];
        return { type: 'activation', name: name(), inputs: [x.tensor], fn };
      }
      case 'LeakyRelu':
        return { type: 'activation', name: name(), inputs: [x.tensor], fn: 'leakyrelu', alpha: attrFloat(node, 'alpha', 0.01) };
      case 'Elu':
        return { type: 'activation', name: name(), inputs: [x.tensor], fn: 'elu', alpha: attrFloat(node, 'alpha', 1) };
      case 'Clip': {
        const lo = this.model.opset >= 11 ? constIn(1)?.values?.[0] : attrFloat(node, 'min');
        const hi = this.model.opset >= 11 ? constIn(2)?.values?.[0] : attrFloat(node, 'max');
        if (lo === 0 && hi === 6) return { type: 'activation', name: name(), inputs: [x.tensor], fn: 'relu6' };
        if (lo === 0 && (hi === undefined || !node.input[2])) return { type: 'activation', name: name(), inputs: [x.tensor], fn: 'relu' };
        if ((node.input[1] && lo === undefined) || (node.input[2] && hi === undefined)) return { unsupported: 'Clip with bounds computed at run time' };
        // Other bounds (F.normalize's clamp_min(eps)): one element-wise max (or min) with the bound.
        if (lo !== undefined && hi !== undefined) this.warnings.push(`${where}: Clip(${lo}, ${hi}) timed as one element-wise max`);
        return { type: 'elementwise', name: name(), inputs: [x.tensor], op: lo !== undefined ? 'max' : 'min', constShape: [1], params: 0 };
      }
      case 'MaxPool':
      case 'AveragePool': {
        const k = attrInts(node, 'kernel_shape');
        if (!k || k.length !== 2) throw new UserError(`${where}: kernel_shape ${JSON.stringify(k)} unsupported; memlat pools 2-D (two values)`);
        const dil = attrInts(node, 'dilations') ?? [1, 1];
        if (dil.some((d) => d !== 1)) throw new UserError(`${where}: dilated pooling unsupported`);
        const strides = attrInts(node, 'strides') ?? [1, 1];
        const layer: Layer = { type: 'pool', name: name(), inputs: [x.tensor], mode: op === 'MaxPool' ? 'max' : 'avg', kernel: pairOf(k[0]!, k[1]!), stride: pairOf(strides[0]!, strides[1]!) };
        const pads = this.paddingOf(node, x.shape, k, strides, [1, 1]);
        if (pads.some((p) => p !== 0)) layer.padding = padsOf(pads);
        if (attrInt(node, 'ceil_mode', 0) === 1) layer.ceilMode = true;
        return layer;
      }
      case 'Pad': {
        // Explicit zero padding of H, W (Keras/TF exports, ZeroPad2d) folds into the Conv/Pool reading it.
        const mode = attrString(node, 'mode') ?? 'constant';
        const p = this.model.opset >= 11 ? constIn(1)?.values : attrInts(node, 'pads');
        const readers = this.readerNodes.get(out) ?? [];
        const reader = readers[0];
        const foldable =
          mode === 'constant' && p !== undefined && p.length === 8 && !node.input[3] && x.shape.length === 4 &&
          p[0] === 0 && p[1] === 0 && p[4] === 0 && p[5] === 0 && p.every((v) => v >= 0) &&
          readers.length === 1 && !this.g.output.some((o) => o.name === out) &&
          ['Conv', 'MaxPool', 'AveragePool'].includes(reader?.op_type ?? '') && reader?.input[0] === out;
        if (!p || p.length !== 2 * x.shape.length || p.some((v) => v < 0)) return { unsupported: 'Pad with pads computed at run time or negative' };
        if (!foldable) {
          if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge') return { unsupported: `Pad mode ${mode}` };
          const cv = node.input[2] ? constIn(2)?.values?.[0] : 0;
          if (cv !== 0) this.warnings.push(`${where}: Pad value ${String(cv)} timed as zero padding`);
          const layer: Layer = { type: 'pad', name: name(), inputs: [x.tensor], pads: [...p] };
          if (mode !== 'constant') layer.mode = mode;
          return layer;
        }
        this.pendingPads.set(out, [p[2]!, p[3]!, p[6]!, p[7]!]);
        this.alias(out, x);
        return 'done';
      }
      case 'ReduceMean':
      case 'ReduceMax': {
        // x.mean([2, 3]) / amax over H, W of an NCHW tensor: global pooling (+ flatten when keepdims=0).
        const r = x.shape.length;
        const axes = (attrInts(node, 'axes') ?? constIn(1)?.values)?.map((a) => (a < 0 ? a + r : a)).sort((p, q) => p - q);
        if (r !== 4 || axes?.length !== 2 || axes[0] !== 2 || axes[1] !== 3) return this.reduceLayer(node, op, ins, x, name);
        const pool: Layer = { type: 'pool', name: name(), inputs: [x.tensor], mode: op === 'ReduceMax' ? 'max' : 'avg', global: true };
        if (attrInt(node, 'keepdims', 1) === 1) return pool;
        this.emit(pool, `${out}\u0000pool`, node);
        this.emit({ type: 'flatten', name: this.unique(`${pool.name}_flatten`), inputs: [pool.name], axis: 1 }, out, node);
        return 'done';
      }
      case 'ReduceSum':
      case 'ReduceMin':
      case 'ReduceProd':
      case 'ReduceL2':
        return this.reduceLayer(node, op, ins, x, name);
      case 'GlobalAveragePool':
      case 'GlobalMaxPool':
        return { type: 'pool', name: name(), inputs: [x.tensor], mode: op === 'GlobalMaxPool' ? 'max' : 'avg', global: true };
      case 'LRN': {
        const size = attrInt(node, 'size');
        if (size === undefined) throw new UserError(`${where}: LRN without 'size'`);
        return { type: 'lrn', name: name(), inputs: [x.tensor], size, alpha: attrFloat(node, 'alpha', 1e-4), beta: attrFloat(node, 'beta', 0.75), k: attrFloat(node, 'bias', 1) };
      }
      case 'Softmax':
        return { type: 'softmax', name: name(), inputs: [x.tensor], axis: attrInt(node, 'axis', this.model.opset >= 13 ? -1 : 1) };
      case 'Dropout': {
        const layer: Layer = { type: 'dropout', name: name(), inputs: [x.tensor] };
        const r = attrFloat(node, 'ratio') ?? constIn(1)?.values?.[0];
        if (r !== undefined) layer.rate = r;
        return layer;
      }
      case 'Concat': {
        // Constant operands (ViT's class token expanded to the batch) are loaded like weights.
        const parts: string[] = [];
        const constInputs: { index: number; shape: number[] }[] = [];
        let params = 0;
        ins.forEach((v, k) => {
          if (v?.kind === 'act') parts.push(v.tensor);
          else if (v?.kind === 'const') {
            constInputs.push({ index: k, shape: v.dims.length === 0 ? [1] : [...v.dims] });
            params += this.takeParams(v);
          } else throw new UserError(`${where}: input ${k} is missing`);
        });
        const layer: Layer = { type: 'concat', name: name(), inputs: parts, axis: attrInt(node, 'axis', 1) };
        if (constInputs.length > 0) {
          layer.constInputs = constInputs;
          if (params !== constInputs.reduce((a, c) => a + numel(c.shape), 0)) layer.params = params;
        }
        return layer;
      }
      case 'Flatten': {
        // ONNX Flatten is always 2-D: [prod(d[:axis]), prod(d[axis:])]. memlat's flatten folds the
        // dims from `axis` on (Caffe's meaning), so only axis 1 maps to it; others become a reshape
        // that keeps the batch adjustable (-1 absorbs dim 0).
        const rank = x.shape.length;
        const raw = attrInt(node, 'axis', 1);
        const axis = raw < 0 ? raw + rank : raw;
        if (axis === 1) return { type: 'flatten', name: name(), inputs: [x.tensor], axis: 1 };
        const inner = x.shape.slice(axis).reduce((a, b) => a * b, 1);
        const shape = axis === 0 ? [1, -1] : [-1, inner];
        return { type: 'reshape', name: name(), inputs: [x.tensor], shape };
      }
      case 'Reshape': {
        needActFirst();
        const s = constIn(1);
        const vals = s?.values;
        if (!s || !vals) throw new UserError(`${where}: target shape is computed at run time; memlat needs it constant (re-export with fixed shapes or constant folding)`);
        if (attrInt(node, 'allowzero', 0) === 1 && vals.includes(0)) throw new UserError(`${where}: allowzero=1 with a 0 in the shape is unsupported`);
        const e = s.elems;
        const shape = vals.map((v, k) => {
          const src = e?.[k]?.src;
          if (src && src.tensor === x.tensor && src.axis === k) return 0; // "copy input dim k"
          return v;
        });
        return { type: 'reshape', name: name(), inputs: [x.tensor], shape };
      }
      case 'Squeeze':
      case 'Unsqueeze': {
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
      }
      case 'Transpose': {
        const perm = attrInts(node, 'perm') ?? x.shape.map((_, k) => x.shape.length - 1 - k);
        return { type: 'transpose', name: name(), inputs: [x.tensor], perm };
      }
      case 'Gather': {
        const data = constIn(0);
        if (data && ins[1]?.kind === 'act' && (attrInt(node, 'axis', 0) === 0)) {
          if (data.dims.length !== 2) throw new UserError(`${where}: embedding table must be 2-D [vocab, dim], got ${JSON.stringify(data.dims)}`);
          return { type: 'embedding', name: name(), inputs: [ins[1].tensor], vocab: data.dims[0]!, dim: data.dims[1]! };
        }
        // x[:, k] (scalar index) -> slice + drop the axis; x[:, [k]] -> slice.
        const ind = constIn(1);
        const r = x.shape.length;
        const rawAxis = attrInt(node, 'axis', 0);
        const axis = rawAxis < 0 ? rawAxis + r : rawAxis;
        const iv = ind?.values;
        if (ins[0]?.kind === 'act' && ind && iv?.length === 1 && numel(ind.dims) === 1) {
          const i = iv[0]! < 0 ? iv[0]! + x.shape[axis]! : iv[0]!;
          const base = name(); // the layer producing the node's output keeps the node's name
          const sl = this.sliceLayer(ind.dims.length === 0 ? this.unique(`${base}_slice`) : base, x, [axis], [i], [i + 1], [1]);
          if (!sl) return { unsupported: 'Gather out of range' };
          if (ind.dims.length > 0) return sl;
          this.emit(sl, `${out}\u0000slice`, node);
          const shape = x.shape.filter((_, k) => k !== axis);
          this.emit({ type: 'reshape', name: base, inputs: [sl.name], shape: shape.length ? shape : [1] }, out, node);
          return 'done';
        }
        return { unsupported: 'Gather on an activation' };
      }
      case 'Pow':
      case 'Max':
      case 'Min':
        return this.elementwise(node, op, ins, name);
      case 'Einsum': {
        // Batched matrix products written as einsum (MaxViT's attention): '...ik,...kj->...ij' is a
        // matmul, '...ik,...jk->...ij' a matmul with transposeB; anything else is unsupported.
        const eq = (attrString(node, 'equation') ?? '').replace(/\s+/g, '');
        const m = /^([A-Za-z]+),([A-Za-z]+)->([A-Za-z]+)$/.exec(eq);
        const b = ins[1];
        if (!m || ins.length !== 2 || ins[0]?.kind !== 'act' || b?.kind !== 'act') return { unsupported: `Einsum "${eq}" (other than a batched matmul of two activations)` };
        const [A, B, O] = [m[1]!, m[2]!, m[3]!];
        const r = A.length;
        const pre = A.slice(0, r - 2);
        const [i, k] = [A[r - 2]!, A[r - 1]!];
        const ok = r >= 2 && B.length === r && O.length === r && B.slice(0, r - 2) === pre && O.slice(0, r - 2) === pre && O[r - 2] === i && new Set(A + O.slice(-1)).size === r + 1;
        const j = O[r - 1]!;
        if (ok && B.slice(-2) === k + j) return { type: 'matmul', name: name(), inputs: [x.tensor, b.tensor] };
        if (ok && B.slice(-2) === j + k) return { type: 'matmul', name: name(), inputs: [x.tensor, b.tensor], transposeB: true };
        return { unsupported: `Einsum "${eq}" (other than a batched matmul of two activations)` };
      }
      case 'Sqrt':
      case 'Erf':
      case 'Exp':
      case 'Log':
      case 'Abs':
      case 'Neg':
      case 'Reciprocal':
      case 'Floor':
      case 'Ceil':
      case 'Sin':
      case 'Cos':
        return { type: 'unary', name: name(), inputs: [x.tensor], op: op.toLowerCase() as UnaryOp };
      case 'Slice': {
        needActFirst();
        const opset = this.model.opset;
        const starts = opset >= 10 ? constIn(1)?.values : attrInts(node, 'starts');
        const ends = opset >= 10 ? constIn(2)?.values : attrInts(node, 'ends');
        if (!starts || !ends) return { unsupported: 'Slice with bounds computed at run time' };
        const axes = (opset >= 10 ? (node.input[3] ? constIn(3)?.values : undefined) : attrInts(node, 'axes')) ?? starts.map((_, k) => k);
        const steps = (node.input[4] ? constIn(4)?.values : undefined) ?? starts.map(() => 1);
        return this.sliceLayer(name(), x, axes, starts, ends, steps) ?? { unsupported: 'Slice with an empty result' };
      }
      case 'Split': {
        needActFirst();
        const r = x.shape.length;
        const raw = attrInt(node, 'axis', 0);
        const axis = raw < 0 ? raw + r : raw;
        const n = x.shape[axis]!;
        const outs = node.output;
        const sizes = (this.model.opset >= 13 ? constIn(1)?.values : attrInts(node, 'split')) ?? attrInts(node, 'split') ?? outs.map(() => Math.ceil(n / outs.length));
        let at = 0;
        outs.forEach((o, k) => {
          const size = Math.min(sizes[k]!, n - at);
          if (o !== '' && (this.readers.get(o) ?? 0) > 0 && size > 0) {
            const sl = this.sliceLayer(this.unique(`${this.nodeName(node, -1)}_${k}`), x, [axis], [at], [at + size], [1]);
            if (sl) this.emit(sl, o, node);
          }
          at += size;
        });
        return 'done';
      }
      case 'Expand': {
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
          this.alias(out, x);
          return 'done';
        }
        return { type: 'expand', name: name(), inputs: [x.tensor], shape };
      }
    }
    return { unsupported: `${op} on an activation` };
  }

  /** A slice layer with normalised bounds (non-negative starts, ends clamped); undefined when empty. */
  private sliceLayer(lname: string, x: Extract<Value, { kind: 'act' }>, axes: number[], starts: number[], ends: number[], steps: number[]): Layer | undefined {
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

  /** ReduceMean/Sum/Max/Min/Prod/L2 over any axes (axes from the attribute or, newer opsets, input 1). */
  private reduceLayer(node: OnnxNode, op: string, ins: (Value | undefined)[], x: Extract<Value, { kind: 'act' }>, name: () => string): Layer | Unsupported {
    const r = x.shape.length;
    const c1 = ins[1]?.kind === 'const' ? ins[1] : undefined;
    if (node.input[1] && !c1?.values) return { unsupported: `${op} over axes computed at run time` };
    const raw = attrInts(node, 'axes') ?? c1?.values;
    const axes = (raw ?? x.shape.map((_, k) => k)).map((a) => (a < 0 ? a + r : a)).sort((p, q) => p - q);
    const rop = ({ ReduceMean: 'mean', ReduceSum: 'sum', ReduceMax: 'max', ReduceMin: 'min', ReduceProd: 'prod', ReduceL2: 'l2' } as const)[op as 'ReduceMean'];
    const layer: Layer = { type: 'reduce', name: name(), inputs: [x.tensor], op: rop, axes };
    if (attrInt(node, 'keepdims', 1) === 0) layer.keepdims = false;
    return layer;
  }

  /** Element-wise Add/Sum/Sub/Mul/Div with folding of bias adds and scalar scalings. */
  private elementwise(node: OnnxNode, op: string, ins: (Value | undefined)[], name: () => string): Layer | 'done' | Unsupported {
    const where = this.where(node);
    const out = node.output[0] ?? '';
    const acts = ins.filter((v): v is Extract<Value, { kind: 'act' }> => v?.kind === 'act');
    const consts = ins.filter((v): v is Extract<Value, { kind: 'const' }> => v?.kind === 'const');
    const eop = ({ Add: 'add', Sum: 'add', Sub: 'sub', Mul: 'mul', Div: 'div', Pow: 'pow', Max: 'max', Min: 'min' } as const)[op as 'Add'];
    if (consts.length === 0) {
      if (acts.length < 2) {
        this.alias(out, acts[0]!);
        return 'done';
      }
      if (op === 'Add' || op === 'Sum' || op === 'Mul') return { type: op === 'Mul' ? 'mul' : 'add', name: name(), inputs: acts.map((a) => a.tensor) };
      if (acts.length !== 2) return { unsupported: `${op} of ${acts.length} tensors` };
      return { type: 'elementwise', name: name(), inputs: acts.map((a) => a.tensor), op: eop };
    }
    const x = acts[0]!;
    const c = consts[0]!;
    const cn = numel(c.dims);
    // Bias add folded into the preceding bias-less dense/conv2d (MatMul + Add, Conv + Add).
    if (op === 'Add' && acts.length === 1 && consts.length === 1) {
      const prev = this.layerOf(x.tensor);
      const onnxIn = this.layerOnnxOut.get(x.tensor);
      const single = onnxIn !== undefined && (this.readers.get(onnxIn) ?? 0) === 1;
      if (prev && single && (prev.type === 'dense' || prev.type === 'conv2d') && prev.bias === false) {
        const units = prev.type === 'dense' ? prev.units : prev.type === 'conv2d' ? prev.outChannels : -1;
        const perChannel = prev.type === 'conv2d' ? c.dims.filter((d) => d !== 1).length <= 1 && cn === units : cn === units && c.dims.at(-1) === units;
        if (units > 0 && perChannel) {
          delete prev.bias;
          this.takeParams(c);
          this.alias(out, x);
          return 'done';
        }
      }
    }
    if (acts.length !== 1 || consts.length !== 1) return { unsupported: `${op} of ${acts.length} activations and ${consts.length} constants` };
    const scalarFold = ['Add', 'Sub', 'Mul', 'Div'].includes(op) && this.peekParams(c) === 0;
    if (cn === 1 && scalarFold) {
      this.warnings.push(`${where}: ${op} by a scalar constant is not timed (folded into "${x.tensor}")`);
      this.alias(out, x);
      return 'done';
    }
    // A constant tensor operand (layer scale, position table, attention bias): loaded like a weight.
    const constShape = c.dims.length === 0 ? [1] : [...c.dims];
    try {
      broadcastShapes([x.shape, constShape]);
    } catch {
      return { unsupported: `${op} with a constant of shape ${JSON.stringify(c.dims)} that does not broadcast with ${JSON.stringify(x.shape)}` };
    }
    const layer: Layer = { type: 'elementwise', name: name(), inputs: [x.tensor], op: eop, constShape };
    if (ins[0]?.kind === 'const') layer.constFirst = true;
    const params = this.takeParams(c);
    if (params !== numel(constShape)) layer.params = params;
    return layer;
  }

  /** pads() plus the zero padding of a Pad node folded into this one (auto_pad sees the padded size). */
  private paddingOf(node: OnnxNode, xShape: number[], k: number[], s: number[], d: number[]): [number, number, number, number] {
    const extra = this.pendingPads.get(node.input[0] ?? '');
    if (!extra) return this.pads(node, xShape, k, s, d);
    const padded = [xShape[0]!, xShape[1]!, xShape[2]! + extra[0] + extra[2], xShape[3]! + extra[1] + extra[3]];
    const own = this.pads(node, padded, k, s, d);
    return [own[0] + extra[0], own[1] + extra[1], own[2] + extra[2], own[3] + extra[3]];
  }

  /** Explicit pads [top, left, bottom, right] of a Conv/Pool node, resolving auto_pad from shapes. */
  private pads(node: OnnxNode, xShape: number[], k: number[], s: number[], d: number[]): [number, number, number, number] {
    const auto = attrString(node, 'auto_pad') ?? 'NOTSET';
    if (auto === 'NOTSET') {
      const p = attrInts(node, 'pads') ?? [0, 0, 0, 0];
      if (p.length !== 4) throw new UserError(`${this.where(node)}: pads ${JSON.stringify(p)} must have 4 values for 2-D`);
      return [p[0]!, p[1]!, p[2]!, p[3]!];
    }
    if (auto === 'VALID') return [0, 0, 0, 0];
    if (auto !== 'SAME_UPPER' && auto !== 'SAME_LOWER') throw new UserError(`${this.where(node)}: auto_pad ${auto} unknown`);
    const r: number[] = [0, 0, 0, 0];
    for (let a = 0; a < 2; a++) {
      const inSize = xShape[2 + a]!;
      const outSize = Math.ceil(inSize / s[a]!);
      const eff = (k[a]! - 1) * d[a]! + 1;
      const total = Math.max(0, (outSize - 1) * s[a]! + eff - inSize);
      const small = Math.floor(total / 2);
      const big = total - small;
      r[a] = auto === 'SAME_UPPER' ? small : big;
      r[a + 2] = auto === 'SAME_UPPER' ? big : small;
    }
    return r as [number, number, number, number];
  }

  // ---- pattern fusion (decomposed LayerNorm, erf-based GELU) ---------------------------------------

  private findPatterns(): void {
    const nodes = this.g.node;
    const producer = new Map<string, number>();
    const consumers = new Map<string, number[]>();
    nodes.forEach((n, i) => {
      for (const o of n.output) producer.set(o, i);
      for (const x of n.input) if (x) consumers.set(x, [...(consumers.get(x) ?? []), i]);
    });
    const only = (t: string): number | undefined => {
      const c = consumers.get(t);
      const outs = this.g.output.some((o) => o.name === t);
      return c && c.length === 1 && !outs ? c[0] : undefined;
    };
    const isOp = (i: number | undefined, op: string): i is number => i !== undefined && !this.skip.has(i) && nodes[i]!.op_type === op;
    const constScalar = (name: string | undefined): number | undefined => {
      if (name === undefined) return undefined;
      const init = this.values.get(name);
      if (init?.kind === 'const' && init.values?.length === 1) return init.values[0];
      const p = producer.get(name);
      if (p !== undefined && nodes[p]!.op_type === 'Constant') {
        const t = attr(nodes[p]!, 'value')?.t;
        const v = t ? tensorValues(t) : undefined;
        if (v?.length === 1) return v[0];
        return attrFloat(nodes[p]!, 'value_float');
      }
      return undefined;
    };
    const other = (n: OnnxNode, t: string): string | undefined => (n.input[0] === t ? n.input[1] : n.input[1] === t ? n.input[0] : undefined);

    nodes.forEach((n, i) => {
      // LayerNorm: m = ReduceMean(x); d = Sub(x, m); v = ReduceMean(Pow(d, 2)); y = Div(d, Sqrt(Add(v, eps))) [* g] [+ b]
      if (n.op_type === 'ReduceMean' && !this.skip.has(i)) {
        const x = n.input[0]!;
        const m = n.output[0]!;
        const sub = only(m);
        if (!isOp(sub, 'Sub') || nodes[sub]!.input[0] !== x) return;
        const d = nodes[sub]!.output[0]!;
        const dc = consumers.get(d) ?? [];
        const pow = dc.find((c) => nodes[c]!.op_type === 'Pow');
        const div = dc.find((c) => nodes[c]!.op_type === 'Div');
        if (dc.length !== 2 || pow === undefined || div === undefined || constScalar(nodes[pow]!.input[1]) !== 2) return;
        const rm2 = only(nodes[pow]!.output[0]!);
        if (!isOp(rm2, 'ReduceMean')) return;
        const add = only(nodes[rm2]!.output[0]!);
        if (!isOp(add, 'Add')) return;
        const eps = constScalar(other(nodes[add]!, nodes[rm2]!.output[0]!));
        const sq = only(nodes[add]!.output[0]!);
        if (eps === undefined || !isOp(sq, 'Sqrt') || only(nodes[sq]!.output[0]!) !== div || nodes[div]!.input[0] !== d) return;
        const chain = [i, sub, pow, rm2, add, sq, div];
        let last = div;
        const mul = only(nodes[div]!.output[0]!);
        if (isOp(mul, 'Mul')) {
          chain.push(mul);
          last = mul;
          const badd = only(nodes[mul]!.output[0]!);
          if (isOp(badd, 'Add')) {
            chain.push(badd);
            last = badd;
          }
        }
        const axes = attrInts(n, 'axes');
        if (axes && !(axes.length === 1 && axes[0] === -1)) {
          this.warnings.push(`node "${n.name ?? ''}": decomposed layer norm over axes ${JSON.stringify(axes)} fused as a last-axis layernorm`);
        }
        for (const c of chain) if (c !== last) this.skip.add(c);
        this.fused.set(last, { x, out: nodes[last]!.output[0]!, make: (t) => ({ type: 'layernorm', name: this.unique(nodes[last]!.name || `layernorm_${last}`), inputs: [t], epsilon: eps }) });
        return;
      }
      // GELU: y = x * 0.5 * (1 + erf(x / sqrt(2)))  (Div or Mul by 1/sqrt2; the 0.5 Mul before or after)
      if (n.op_type === 'Erf' && !this.skip.has(i)) {
        const pre = producer.get(n.input[0]!);
        if (pre === undefined || (!isOp(pre, 'Div') && !isOp(pre, 'Mul'))) return;
        const x = nodes[pre]!.input[0]!;
        const k = constScalar(nodes[pre]!.input[1]);
        const scale = nodes[pre]!.op_type === 'Div' ? k : k === undefined ? undefined : 1 / k;
        if (scale === undefined || Math.abs(scale - Math.SQRT2) > 1e-3) return;
        const add = only(n.output[0]!);
        if (!isOp(add, 'Add') || constScalar(other(nodes[add]!, n.output[0]!)) !== 1) return;
        const m1 = only(nodes[add]!.output[0]!);
        if (!isOp(m1, 'Mul')) return;
        const o1 = other(nodes[m1]!, nodes[add]!.output[0]!);
        const chain = [pre, i, add, m1];
        let last = m1;
        if (o1 === x) {
          const m2 = only(nodes[m1]!.output[0]!);
          if (!isOp(m2, 'Mul') || constScalar(other(nodes[m2]!, nodes[m1]!.output[0]!)) !== 0.5) return;
          chain.push(m2);
          last = m2;
        } else {
          const h = o1 === undefined ? undefined : producer.get(o1);
          if (!isOp(h, 'Mul') || only(o1!) !== m1) return;
          const hx = other(nodes[h]!, x);
          if (hx === undefined || constScalar(hx) !== 0.5) return;
          chain.push(h);
        }
        if ((consumers.get(nodes[pre]!.output[0]!) ?? []).length !== 1) return;
        for (const c of chain) if (c !== last) this.skip.add(c);
        this.fused.set(last, { x, out: nodes[last]!.output[0]!, make: (t) => ({ type: 'activation', name: this.unique(this.nodeName(nodes[last]!, last)), inputs: [t], fn: 'gelu' }) });
      }
    });
  }
}
