/** Conv, Gemm / MatMul (dense, matmul, Transpose fused as transposeB) and Einsum as a batched matmul. */
import { UserError } from '../../../../errors.js';
import { attrFloat, attrInt, attrInts, attrString } from '../../../../onnx/model.js';
import type { Layer } from '../../../types.js';
import { paddingOf, padsOf, pairOf } from '../padding.js';
import type { OpMapper } from './mapper.js';

const conv: OpMapper = ({ ctx, node, x, name, where, constIn, needActFirst }) => {
  needActFirst();
  const w = constIn(1);
  if (!w || w.dims.length !== 4)
    throw new UserError(
      `${where}: weight input must be a 4-D initializer [out, in/groups, kh, kw]; got ${w ? JSON.stringify(w.dims) : 'an activation'} (memlat supports 2-D convolution only)`,
    );
  const [o, , kh, kw] = w.dims as [number, number, number, number];
  const strides = attrInts(node, 'strides') ?? [1, 1];
  const dil = attrInts(node, 'dilations') ?? [1, 1];
  const layer: Layer = { type: 'conv2d', name: name(), inputs: [x.tensor], outChannels: o, kernel: pairOf(kh, kw) };
  if (strides[0] !== 1 || strides[1] !== 1) layer.stride = pairOf(strides[0]!, strides[1]!);
  if (dil[0] !== 1 || dil[1] !== 1) layer.dilation = pairOf(dil[0]!, dil[1]!);
  const pads = paddingOf(ctx, node, x.shape, [kh, kw], strides, dil);
  if (pads.some((p) => p !== 0)) layer.padding = padsOf(pads);
  const g = attrInt(node, 'group', 1);
  if (g !== 1) layer.groups = g;
  if (!node.input[2]) layer.bias = false;
  return layer;
};

const gemm: OpMapper = ({ ctx, node, op, ins, x, name, where }) => {
  const transA = op === 'Gemm' ? attrInt(node, 'transA', 0) : 0;
  const transB = op === 'Gemm' ? attrInt(node, 'transB', 0) : 0;
  if (transA) throw new UserError(`${where}: transA=1 unsupported; memlat's dense/matmul take A untransposed`);
  if (ins[0]?.kind !== 'act') throw new UserError(`${where}: a constant first operand (W x) is unsupported; export as x W^T (Linear)`);
  if (op === 'Gemm' && (attrFloat(node, 'alpha', 1) !== 1 || attrFloat(node, 'beta', 1) !== 1))
    ctx.warnings.push(`${where}: Gemm alpha/beta scaling ignored (negligible cost)`);
  const b = ins[1];
  if (b?.kind === 'const') {
    if (b.dims.length !== 2) throw new UserError(`${where}: weight operand must be 2-D, got ${JSON.stringify(b.dims)}`);
    const units = transB ? b.dims[0]! : b.dims[1]!;
    const layer: Layer = { type: 'dense', name: name(), inputs: [x.tensor], units };
    if (!(op === 'Gemm' && node.input[2])) layer.bias = false;
    return layer;
  }
  if (b?.kind !== 'act') return { unsupported: op };
  if (op === 'Gemm' && node.input[2]) ctx.warnings.push(`${where}: Gemm bias C on an activation product ignored`);
  let bt = b.tensor;
  let tb = transB === 1;
  // Transpose(last two axes) feeding only this MatMul -> transposeB.
  const tl = ctx.layerOf(bt);
  const tOut = tl ? ctx.layerOnnxOut.get(tl.name) : undefined;
  if (tl?.type === 'transpose' && tOut === node.input[1] && (ctx.readers.get(tOut ?? '') ?? 0) === 1) {
    const r = tl.perm.length;
    const swapsLast = tl.perm.every((p, k) => (k < r - 2 ? p === k : k === r - 2 ? p === r - 1 : p === r - 2));
    if (swapsLast && r >= 2) {
      ctx.layers.splice(ctx.layers.indexOf(tl), 1);
      bt = tl.inputs[0]!;
      tb = !tb;
    }
  }
  const layer: Layer = { type: 'matmul', name: name(), inputs: [x.tensor, bt] };
  if (tb) layer.transposeB = true;
  return layer;
};

// Batched matrix products written as einsum (MaxViT's attention): '...ik,...kj->...ij' is a
// matmul, '...ik,...jk->...ij' a matmul with transposeB; anything else is unsupported.
const einsum: OpMapper = ({ node, ins, x, name }) => {
  const eq = (attrString(node, 'equation') ?? '').replace(/\s+/g, '');
  const m = /^([A-Za-z]+),([A-Za-z]+)->([A-Za-z]+)$/.exec(eq);
  const b = ins[1];
  if (!m || ins.length !== 2 || ins[0]?.kind !== 'act' || b?.kind !== 'act')
    return { unsupported: `Einsum "${eq}" (other than a batched matmul of two activations)` };
  const [A, B, O] = [m[1]!, m[2]!, m[3]!];
  const r = A.length;
  const pre = A.slice(0, r - 2);
  const [i, k] = [A[r - 2]!, A[r - 1]!];
  const ok =
    r >= 2 &&
    B.length === r &&
    O.length === r &&
    B.slice(0, r - 2) === pre &&
    O.slice(0, r - 2) === pre &&
    O[r - 2] === i &&
    new Set(A + O.slice(-1)).size === r + 1;
  const j = O[r - 1]!;
  if (ok && B.slice(-2) === k + j) return { type: 'matmul', name: name(), inputs: [x.tensor, b.tensor] };
  if (ok && B.slice(-2) === j + k) return { type: 'matmul', name: name(), inputs: [x.tensor, b.tensor], transposeB: true };
  return { unsupported: `Einsum "${eq}" (other than a batched matmul of two activations)` };
};

/** Convolution and matrix products. */
export const LINEAR_OPS: Record<string, OpMapper> = { Conv: conv, Gemm: gemm, MatMul: gemm, Einsum: einsum };
