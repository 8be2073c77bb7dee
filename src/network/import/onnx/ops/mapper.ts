/**
 * The shape of an op mapper: one ONNX node with at least one activation input -> a memlat layer,
 * 'done' (the mapper emitted or aliased the output itself) or Unsupported (with a reason). Pure.
 */
import type { OnnxNode } from '../../../../onnx/model.js';
import type { Layer } from '../../../types.js';
import type { Act, Const, ImportContext, Unsupported, Value } from '../context.js';

/** What a mapper gets: the node, its inputs' values, its first activation input and helpers. */
export interface OpArgs {
  ctx: ImportContext;
  node: OnnxNode;
  op: string;
  ins: (Value | undefined)[];
  /** The first activation input. */
  x: Act;
  /** The node's (unique) layer name; call only when emitting a layer. */
  name: () => string;
  /** `node "n" (Op)`, for messages. */
  where: string;
  /** The node's first output. */
  out: string;
  /** Input k when it is a constant. */
  constIn: (k: number) => Const | undefined;
  /** Throws unless input 0 is an activation. */
  needActFirst: () => void;
}

export type OpResult = Layer | 'done' | Unsupported;
export type OpMapper = (a: OpArgs) => OpResult;
