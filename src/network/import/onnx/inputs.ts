/**
 * The graph's inputs and initializers: initializers become constants (dims always, values when small);
 * graph inputs become network inputs, except those read only as weights (then constants). Pure.
 */
import { UserError } from '../../../errors.js';
import { numElements } from '../../../units.js';
import { tensorValues } from '../../../onnx/model.js';
import type { DType, TensorSpec } from '../../types.js';
import { isFloatType } from './fold.js';
import type { ImportContext, Value } from './context.js';

const DTYPES: Record<number, DType> = { 1: 'fp32', 10: 'fp16', 7: 'int64', 6: 'int32', 3: 'int8' };

/** Weight operand positions per op: graph inputs used only there are parameters, not inputs. */
const WEIGHT_POS: Record<string, number[]> = {
  Conv: [1, 2],
  Gemm: [1, 2],
  BatchNormalization: [1, 2, 3, 4],
  LayerNormalization: [1, 2],
  Gather: [0],
};

/** Records every initializer as a constant (values when it has at most 4096 elements). */
export function addInitializers(ctx: ImportContext): void {
  for (const t of ctx.g.initializer) {
    const c: Value = { kind: 'const', dims: t.dims.map(Number) };
    const vals = numElements(c.dims) <= 4096 ? tensorValues(t) : undefined;
    if (vals) c.values = vals;
    if (isFloatType(t.data_type)) {
      c.float = true;
      c.src = [t.name ?? ''];
    }
    ctx.initDims.set(t.name ?? '', c.dims);
    ctx.values.set(t.name ?? '', c);
  }
}

/** Records the graph inputs as network inputs (or as constants when only read as weights). */
export function addInputs(ctx: ImportContext): void {
  const asActivation = new Set<string>();
  const asWeight = new Set<string>();
  for (const n of ctx.g.node) {
    const wp = WEIGHT_POS[n.op_type ?? ''] ?? [];
    n.input.forEach((i, k) => (wp.includes(k) ? asWeight : asActivation).add(i));
  }
  for (const vi of ctx.g.input) {
    if (ctx.values.has(vi.name)) continue; // an initializer also listed as input (IR < 4)
    const dims = vi.dims;
    if (!dims) throw new UserError(`ONNX input "${vi.name}" has no declared shape; memlat needs every input's dimensions`);
    const shape = dims.map((d, k) => ctx.dimValue(d, k, `input "${vi.name}"`));
    if (asWeight.has(vi.name) && !asActivation.has(vi.name)) {
      ctx.values.set(vi.name, { kind: 'const', dims: shape });
      continue;
    }
    const name = ctx.unique(vi.name);
    const spec: TensorSpec = { name, shape };
    const dt = vi.elemType === undefined ? undefined : DTYPES[vi.elemType];
    if (dt && dt !== 'fp32') spec.dtype = dt;
    ctx.inputs.push(spec);
    ctx.values.set(vi.name, { kind: 'act', tensor: name, shape });
    ctx.shapes.set(name, shape);
  }
}
