/**
 * Padding of Conv and Pool nodes: explicit pads, auto_pad resolved from the input shape, and the zero
 * padding of a Pad node folded into the Conv/Pool reading it (ops/shape.ts decides the fold). Pure.
 */
import { UserError } from '../../../errors.js';
import { attrInts, attrString, type OnnxNode } from '../../../onnx/model.js';
import type { Pair } from '../../types.js';
import type { ImportContext } from './context.js';

/** `h` when h === w, else [h, w]. */
export function pairOf(h: number, w: number): Pair {
  return h === w ? h : [h, w];
}

/** [top, left, bottom, right] as a Pair when symmetric, else as is. */
export function padsOf(p: [number, number, number, number]): Pair | [number, number, number, number] {
  return p[0] === p[2] && p[1] === p[3] ? pairOf(p[0], p[1]) : p;
}

/** pads() plus the zero padding of a Pad node folded into this one (auto_pad sees the padded size). */
export function paddingOf(ctx: ImportContext, node: OnnxNode, xShape: number[], k: number[], s: number[], d: number[]): [number, number, number, number] {
  const extra = ctx.pendingPads.get(node.input[0] ?? '');
  if (!extra) return pads(ctx, node, xShape, k, s, d);
  const padded = [xShape[0]!, xShape[1]!, xShape[2]! + extra[0] + extra[2], xShape[3]! + extra[1] + extra[3]];
  const own = pads(ctx, node, padded, k, s, d);
  return [own[0] + extra[0], own[1] + extra[1], own[2] + extra[2], own[3] + extra[3]];
}

/** Explicit pads [top, left, bottom, right] of a Conv/Pool node, resolving auto_pad from shapes. */
function pads(ctx: ImportContext, node: OnnxNode, xShape: number[], k: number[], s: number[], d: number[]): [number, number, number, number] {
  const auto = attrString(node, 'auto_pad') ?? 'NOTSET';
  if (auto === 'NOTSET') {
    const p = attrInts(node, 'pads') ?? [0, 0, 0, 0];
    if (p.length !== 4) throw new UserError(`${ctx.where(node)}: pads ${JSON.stringify(p)} must have 4 values for 2-D`);
    return [p[0]!, p[1]!, p[2]!, p[3]!];
  }
  if (auto === 'VALID') return [0, 0, 0, 0];
  if (auto !== 'SAME_UPPER' && auto !== 'SAME_LOWER') throw new UserError(`${ctx.where(node)}: auto_pad ${auto} unknown`);
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
