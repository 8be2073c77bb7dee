/**
 * The state of one ONNX import and the small helpers every step of it uses: what each ONNX tensor
 * name stands for (an activation, a constant, or unknown), the layers emitted so far with their
 * inferred shapes, name de-duplication, and the bookkeeping of parameters already counted.
 *
 * The steps live beside this file by job: inputs.ts (graph inputs and symbolic dims), constants.ts
 * (Constant nodes and folding) with fold.ts (the general constant evaluator), ops/ (the op -> layer mappers), padding.ts (pads, auto_pad, folded Pad
 * nodes) and fusion.ts (decomposed LayerNorm and GELU). ../onnx.ts drives them. Pure.
 */
import { UserError } from '../../../errors.js';
import { numElements } from '../../../units.js';
import type { OnnxDim, OnnxGraph, OnnxModel, OnnxNode } from '../../../onnx/model.js';
import { resolveLayerOutput } from '../../shapes.js';
import type { Layer, TensorSpec } from '../../types.js';

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

/** One element of a folded shape vector: its value and, when it is a dim of a tensor, which. */
export interface ShapeElem {
  value: number;
  src?: { tensor: string; axis: number };
}

/** An op memlat cannot map: its label in the error list and, when inferable, its output shape. */
export interface Unsupported {
  unsupported: string;
  shape?: number[];
}

/** What an ONNX tensor name stands for during import. */
export type Value =
  | { kind: 'act'; tensor: string; shape: number[] } // a memlat tensor (network input or layer output)
  | { kind: 'const'; dims: number[]; values?: number[]; elems?: ShapeElem[]; float?: boolean; src?: string[] } // constant (weights, folded shapes); src: the float initializers it is computed from
  | { kind: 'unknown' }; // downstream of an unsupported op (error mode)

/** An activation value. */
export type Act = Extract<Value, { kind: 'act' }>;
/** A constant value. */
export type Const = Extract<Value, { kind: 'const' }>;

/** The state of one import and the helpers shared by its steps. */
export class ImportContext {
  readonly g: OnnxGraph;
  readonly warnings: string[] = [];
  readonly values = new Map<string, Value>();
  readonly layers: Layer[] = [];
  readonly shapes = new Map<string, number[]>(); // memlat tensor -> shape
  private readonly used = new Set<string>();
  /** ONNX tensor name -> number of readers (nodes + graph outputs). */
  readonly readers = new Map<string, number>();
  /** ONNX tensor name -> the nodes reading it. */
  readonly readerNodes = new Map<string, OnnxNode[]>();
  /** Zero padding [top, left, bottom, right] of a Pad folded into the Conv/Pool reading its output. */
  readonly pendingPads = new Map<string, [number, number, number, number]>();
  /** memlat layer name -> ONNX tensor it was emitted for (for fusions that check single use). */
  readonly layerOnnxOut = new Map<string, string>();
  readonly unsupported = new Map<string, { count: number; first: string }>();
  /** Dims of every initializer, and the float initializers already counted as some layer's parameters. */
  readonly initDims = new Map<string, number[]>();
  readonly counted = new Set<string>();
  readonly declared = new Map<string, OnnxDim[]>();
  readonly symbols = new Map<string, number>();
  /** Node indices consumed by a fused pattern, and the fused layers keyed by the pattern's last node. */
  readonly skip = new Set<number>();
  readonly fused = new Map<number, { make: (x: string) => Layer; x: string; out: string }>();
  /** The network inputs, and those some layer reads. */
  readonly inputs: TensorSpec[] = [];
  readonly usedInputs = new Set<string>();

  constructor(
    readonly model: OnnxModel,
    readonly opts: OnnxImportOptions,
  ) {
    this.g = model.graph;
  }

  /** The size of dimension `axis` of a declared shape: a number, a given or batch symbol; else a UserError. */
  dimValue(d: OnnxDim, axis: number, where: string): number {
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

  /** `base`, or `base_2`, `base_3`, ... when taken. */
  unique(base: string): string {
    let n = base;
    for (let k = 2; this.used.has(n); k++) n = `${base}_${k}`;
    this.used.add(n);
    return n;
  }

  nodeName(node: OnnxNode, idx: number): string {
    return node.name && node.name !== '' ? node.name : `${(node.op_type ?? 'node').toLowerCase()}_${idx}`;
  }

  where(node: OnnxNode): string {
    return `node "${node.name ?? ''}" (${node.op_type ?? '?'})`;
  }

  value(name: string): Value | undefined {
    if (name === '') return undefined;
    return this.values.get(name);
  }

  /** Adds a layer for `onnxOut`, inferring its shape; returns the memlat name. */
  emit(layer: Layer, onnxOut: string, node: OnnxNode): string {
    let shape: number[];
    try {
      shape = resolveLayerOutput(
        layer,
        layer.inputs.map((i) => this.shapes.get(i)!),
      );
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

  alias(onnxOut: string, v: Value): void {
    this.values.set(onnxOut, v);
  }

  layerOf(tensor: string): Layer | undefined {
    for (let k = this.layers.length - 1; k >= 0; k--) if (this.layers[k]!.name === tensor) return this.layers[k];
    return undefined;
  }

  markUnsupported(op: string, node: OnnxNode, idx: number): void {
    const u = this.unsupported.get(op);
    if (u) u.count++;
    else this.unsupported.set(op, { count: 1, first: this.nodeName(node, idx) });
    for (const o of node.output) this.values.set(o, { kind: 'unknown' });
  }

  /** Parameters of the float initializers behind a constant that no layer has counted yet; marks them counted. */
  takeParams(c: Const): number {
    let n = 0;
    for (const s of c.src ?? []) {
      if (this.counted.has(s)) continue;
      this.counted.add(s);
      n += numElements(this.initDims.get(s) ?? []);
    }
    return n;
  }

  peekParams(c: Const): number {
    return (c.src ?? []).filter((s) => !this.counted.has(s)).reduce((a, s) => a + numElements(this.initDims.get(s) ?? []), 0);
  }
}
