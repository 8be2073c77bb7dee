/**
 * The op -> mapper table of the ONNX importer: every ONNX op memlat maps to a layer, by family
 * (linear.ts, elementwise.ts, pool-norm.ts, shape.ts). An op not in the table (or the fold-only
 * Constant and Shape) is unsupported. Pure.
 */
import { ELEMENTWISE_OPS } from './elementwise.js';
import { LINEAR_OPS } from './linear.js';
import type { OpArgs, OpResult, OpMapper } from './mapper.js';
import { POOL_NORM_OPS } from './pool-norm.js';
import { SHAPE_OPS } from './shape.js';

export type { OpArgs, OpResult, OpMapper } from './mapper.js';

/** Every op with an activation input that maps to a layer. */
export const OP_MAPPERS: Readonly<Record<string, OpMapper>> = { ...LINEAR_OPS, ...ELEMENTWISE_OPS, ...POOL_NORM_OPS, ...SHAPE_OPS };

/** Maps one node with at least one activation input to a layer; 'done' when handled by aliasing or emitting. */
export function mapOp(a: OpArgs): OpResult {
  const mapper = Object.hasOwn(OP_MAPPERS, a.op) ? OP_MAPPERS[a.op] : undefined;
  return mapper ? mapper(a) : { unsupported: `${a.op} on an activation` };
}
