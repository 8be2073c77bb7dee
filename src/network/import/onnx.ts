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
 *
 * This file drives the import; the steps live in ./onnx/ by job: context.ts (state and shared helpers),
 * inputs.ts, constants.ts (Constant nodes, folding) with fold.ts (the general constant evaluator),
 * ops/ (the op -> layer mapper table, by op family), padding.ts and fusion.ts.
 */
import { UserError } from '../../errors.js';
import { decodeOnnx, type OnnxDim, type OnnxNode } from '../../onnx/model.js';
import { numElements } from '../../units.js';
import type { Layer, Network } from '../types.js';
import { FOLDABLE, constantNode, foldAll, foldShape } from './onnx/constants.js';
import { ImportContext, type Act, type Const, type OnnxImportOptions, type Value } from './onnx/context.js';
import { findPatterns } from './onnx/fusion.js';
import { addInitializers, addInputs } from './onnx/inputs.js';
import { OP_MAPPERS, mapOp } from './onnx/ops/index.js';
import type { ImportResult } from './result.js';

export type { OnnxImportOptions } from './onnx/context.js';
export type { ImportResult } from './result.js';

/** Ops this importer maps (or folds); anything else is unsupported. */
const SUPPORTED_OPS = new Set([...Object.keys(OP_MAPPERS), 'Constant', 'Shape']);

/**
 * Imports an ONNX model (the bytes of a .onnx file) as a memlat Network.
 * Throws a one-line UserError for undecodable bytes, one listing every unsupported op, or one naming
 * the node and field otherwise. Never reads external weight files. Cost: O(file size + nodes).
 *
 * @example importOnnx(readFileSync('resnet18.onnx'), { name: 'resnet18' }).network.layers.length
 */
export function importOnnx(bytes: Uint8Array, opts: OnnxImportOptions = {}): ImportResult {
  const model = decodeOnnx(bytes);
  const ctx = new ImportContext(model, opts);
  const g = ctx.g;
  for (const v of [...g.value_info, ...g.output, ...g.input]) if (v.dims) ctx.declared.set(v.name, v.dims);
  for (const n of g.node)
    for (const i of n.input)
      if (i) {
        ctx.readers.set(i, (ctx.readers.get(i) ?? 0) + 1);
        ctx.readerNodes.set(i, [...(ctx.readerNodes.get(i) ?? []), n]);
      }
  for (const o of g.output) ctx.readers.set(o.name, (ctx.readers.get(o.name) ?? 0) + 1);

  addInitializers(ctx);
  addInputs(ctx);
  findPatterns(ctx);

  g.node.forEach((node, idx) => {
    if (ctx.skip.has(idx)) return;
    const f = ctx.fused.get(idx);
    if (f) {
      const xv = ctx.values.get(f.x);
      if (xv?.kind === 'act') ctx.emit(f.make(xv.tensor), f.out, node);
      else ctx.values.set(f.out, { kind: 'unknown' });
      return;
    }
    visit(ctx, node, idx);
  });

  if (ctx.unsupported.size > 0) {
    const list = [...ctx.unsupported].map(([op, u]) => `${op} x${u.count} (first: "${u.first}")`).join(', ');
    throw new UserError(
      `ONNX model uses unsupported ops: ${list}; re-export without them, or pass allowUnknownOps (--allow-unknown-ops) to keep them as opaque layers`,
    );
  }
  if (ctx.layers.length === 0) throw new UserError('ONNX model has no computing layers after folding constants');
  const inputs = ctx.inputs.filter((i) => ctx.usedInputs.has(i.name));
  const name = opts.name ?? (g.name || 'onnx-net');
  const network: Network = {
    format: 'memlat-network@1',
    name,
    inputs,
    layers: ctx.layers,
    source: `onnx${model.producer_name ? ` (${model.producer_name})` : ''}`,
  };
  return { network, warnings: ctx.warnings };
}

/** One node: folded when its inputs are constants, else mapped to a layer (or unsupported). */
function visit(ctx: ImportContext, node: OnnxNode, idx: number): void {
  const op = node.op_type ?? '';
  const domainOk = !node.domain || node.domain === 'ai.onnx';
  const ins = node.input.map((i) => ctx.value(i));
  const out = node.output[0] ?? '';

  if (
    domainOk &&
    op !== 'Constant' &&
    node.input.some((n) => n !== '') &&
    ins.every((v, k) => v?.kind === 'const' || (v === undefined && node.input[k] === ''))
  ) {
    const folded = foldAll(ctx, node, ins);
    if (folded) return ctx.alias(out, folded);
  }
  if (!domainOk || !SUPPORTED_OPS.has(op)) return unknownOp(ctx, `${domainOk ? '' : `${node.domain}.`}${op}`, node, idx);
  if (ins.some((v) => v?.kind === 'unknown')) {
    for (const o of node.output) ctx.values.set(o, { kind: 'unknown' });
    return;
  }
  node.input.forEach((n, k) => {
    if (n !== '' && ins[k] === undefined)
      throw new UserError(`${ctx.where(node)}: input ${k} "${n}" is not produced by any earlier node, initializer or graph input`);
  });
  for (const extra of node.output.slice(1))
    if (extra !== '' && (ctx.readers.get(extra) ?? 0) > 0 && !['Dropout', 'BatchNormalization', 'MaxPool', 'Split'].includes(op))
      throw new UserError(`${ctx.where(node)}: output "${extra}" is used, but memlat layers have one output`);

  if (op === 'Constant') return constantNode(ctx, node);
  const acts = ins.filter((v): v is Act => v?.kind === 'act');
  if (acts.length === 0 && FOLDABLE.has(op)) {
    const folded = foldShape(node, ins);
    if (folded) return ctx.alias(out, folded);
  }
  if (op === 'Shape' && ins[0]?.kind === 'act') {
    const x = ins[0];
    return ctx.alias(out, {
      kind: 'const',
      dims: [x.shape.length],
      values: [...x.shape],
      elems: x.shape.map((v, a) => ({ value: v, src: { tensor: x.tensor, axis: a } })),
    });
  }
  if (acts.length === 0)
    throw new UserError(
      `${ctx.where(node)}: all inputs are constants but memlat cannot fold ${op} here; re-export with constant folding (do_constant_folding=True)`,
    );

  const where = ctx.where(node);
  const layer = mapOp({
    ctx,
    node,
    op,
    ins,
    x: acts[0]!,
    name: () => ctx.unique(ctx.nodeName(node, idx)),
    where,
    out,
    constIn: (k: number): Const | undefined => {
      const v = ins[k];
      return v?.kind === 'const' ? v : undefined;
    },
    needActFirst: (): void => {
      if (ins[0]?.kind !== 'act') throw new UserError(`${where}: input 0 must be an activation, not a constant`);
    },
  });
  if (layer === 'done') return;
  if ('unsupported' in layer) return unknownOp(ctx, layer.unsupported, node, idx, layer.shape);
  if (['conv2d', 'dense', 'batchnorm', 'layernorm', 'embedding'].includes(layer.type))
    for (const v of ins) if (v?.kind === 'const') for (const src of v.src ?? []) ctx.counted.add(src);
  ctx.emit(layer, out, node);
}

/** An unsupported op: recorded for the error list, or (allowUnknownOps) kept as an opaque layer. */
function unknownOp(ctx: ImportContext, op: string, node: OnnxNode, idx: number, inferred?: number[]): void {
  if (!ctx.opts.allowUnknownOps) return ctx.markUnsupported(op, node, idx);
  const out = node.output[0] ?? '';
  const dims: OnnxDim[] | undefined = ctx.declared.get(out) ?? inferred;
  if (!dims)
    throw new UserError(
      `${ctx.where(node)}: unsupported op ${op} kept as opaque, but its output "${out}" has no shape in value_info or graph outputs; run onnx.shape_inference on the model first`,
    );
  const outputShape = dims.map((d, k) => ctx.dimValue(d, k, `${ctx.where(node)} output "${out}"`));
  const inputs: string[] = [];
  let params = 0;
  for (const i of node.input) {
    const v: Value | undefined = ctx.value(i);
    if (v?.kind === 'act') inputs.push(v.tensor);
    else if (v?.kind === 'const') params += numElements(v.dims);
    else if (v?.kind === 'unknown') throw new UserError(`${ctx.where(node)}: input "${i}" is unknown`);
  }
  if (inputs.length === 0) throw new UserError(`${ctx.where(node)}: unsupported op ${op} has no activation input; memlat cannot place it`);
  const layer: Layer = { type: 'opaque', name: ctx.unique(ctx.nodeName(node, idx)), inputs, op: node.op_type ?? op, outputShape };
  if (params > 0) layer.params = params;
  ctx.warnings.push(
    `${ctx.where(node)}: unsupported op ${op} kept as an opaque layer (output ${JSON.stringify(outputShape)}, ${params} params); its time is predicted without op-specific features`,
  );
  ctx.emit(layer, out, node);
}
