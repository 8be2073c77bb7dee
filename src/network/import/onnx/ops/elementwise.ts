/**
 * Element-wise ops: binary Add/Sum/Sub/Mul/Div/Pow/Max/Min (bias adds folded into the preceding
 * dense/conv2d, scalar scalings folded away, constant operands loaded like weights), activations
 * (Clip as relu/relu6 or one element-wise max/min) and unary math.
 */
import { attrFloat } from '../../../../onnx/model.js';
import { numElements } from '../../../../units.js';
import { broadcastShapes } from '../../../shapes.js';
import type { Layer, UnaryOp } from '../../../types.js';
import type { Act, Const } from '../context.js';
import type { OpMapper } from './mapper.js';

/** Element-wise Add/Sum/Sub/Mul/Div with folding of bias adds and scalar scalings. */
const elementwise: OpMapper = ({ ctx, op, ins, name, where, out }) => {
  const acts = ins.filter((v): v is Act => v?.kind === 'act');
  const consts = ins.filter((v): v is Const => v?.kind === 'const');
  const eop = ({ Add: 'add', Sum: 'add', Sub: 'sub', Mul: 'mul', Div: 'div', Pow: 'pow', Max: 'max', Min: 'min' } as const)[op as 'Add'];
  if (consts.length === 0) {
    if (acts.length < 2) {
      ctx.alias(out, acts[0]!);
      return 'done';
    }
    if (op === 'Add' || op === 'Sum' || op === 'Mul') return { type: op === 'Mul' ? 'mul' : 'add', name: name(), inputs: acts.map((a) => a.tensor) };
    if (acts.length !== 2) return { unsupported: `${op} of ${acts.length} tensors` };
    return { type: 'elementwise', name: name(), inputs: acts.map((a) => a.tensor), op: eop };
  }
  const x = acts[0]!;
  const c = consts[0]!;
  const cn = numElements(c.dims);
  // Bias add folded into the preceding bias-less dense/conv2d (MatMul + Add, Conv + Add).
  if (op === 'Add' && acts.length === 1 && consts.length === 1) {
    const prev = ctx.layerOf(x.tensor);
    const onnxIn = ctx.layerOnnxOut.get(x.tensor);
    const single = onnxIn !== undefined && (ctx.readers.get(onnxIn) ?? 0) === 1;
    if (prev && single && (prev.type === 'dense' || prev.type === 'conv2d') && prev.bias === false) {
      const units = prev.type === 'dense' ? prev.units : prev.type === 'conv2d' ? prev.outChannels : -1;
      const perChannel = prev.type === 'conv2d' ? c.dims.filter((d) => d !== 1).length <= 1 && cn === units : cn === units && c.dims.at(-1) === units;
      if (units > 0 && perChannel) {
        delete prev.bias;
        ctx.takeParams(c);
        ctx.alias(out, x);
        return 'done';
      }
    }
  }
  if (acts.length !== 1 || consts.length !== 1) return { unsupported: `${op} of ${acts.length} activations and ${consts.length} constants` };
  const scalarFold = ['Add', 'Sub', 'Mul', 'Div'].includes(op) && ctx.peekParams(c) === 0;
  if (cn === 1 && scalarFold) {
    ctx.warnings.push(`${where}: ${op} by a scalar constant is not timed (folded into "${x.tensor}")`);
    ctx.alias(out, x);
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
  const params = ctx.takeParams(c);
  if (params !== numElements(constShape)) layer.params = params;
  return layer;
};

const activation: OpMapper = ({ op, x, name }) => {
  const fn = ({ Relu: 'relu', Sigmoid: 'sigmoid', Tanh: 'tanh', Gelu: 'gelu', HardSwish: 'hardswish', HardSigmoid: 'hardsigmoid' } as const)[op as 'Relu'];
  return { type: 'activation', name: name(), inputs: [x.tensor], fn };
};

const clip: OpMapper = ({ ctx, node, x, name, where, constIn }) => {
  const lo = ctx.model.opset >= 11 ? constIn(1)?.values?.[0] : attrFloat(node, 'min');
  const hi = ctx.model.opset >= 11 ? constIn(2)?.values?.[0] : attrFloat(node, 'max');
  if (lo === 0 && hi === 6) return { type: 'activation', name: name(), inputs: [x.tensor], fn: 'relu6' };
  if (lo === 0 && (hi === undefined || !node.input[2])) return { type: 'activation', name: name(), inputs: [x.tensor], fn: 'relu' };
  if ((node.input[1] && lo === undefined) || (node.input[2] && hi === undefined)) return { unsupported: 'Clip with bounds computed at run time' };
  // Other bounds (F.normalize's clamp_min(eps)): one element-wise max (or min) with the bound.
  if (lo !== undefined && hi !== undefined) ctx.warnings.push(`${where}: Clip(${lo}, ${hi}) timed as one element-wise max`);
  return { type: 'elementwise', name: name(), inputs: [x.tensor], op: lo !== undefined ? 'max' : 'min', constShape: [1], params: 0 };
};

const unary: OpMapper = ({ op, x, name }) => ({ type: 'unary', name: name(), inputs: [x.tensor], op: op.toLowerCase() as UnaryOp });

/** Element-wise binary ops, activations and unary math. */
export const ELEMENTWISE_OPS: Record<string, OpMapper> = {
  Add: elementwise,
  Sum: elementwise,
  Sub: elementwise,
  Mul: elementwise,
  Div: elementwise,
  Pow: elementwise,
  Max: elementwise,
  Min: elementwise,
  Relu: activation,
  Sigmoid: activation,
  Tanh: activation,
  Gelu: activation,
  HardSwish: activation,
  HardSigmoid: activation,
  LeakyRelu: ({ node, x, name }) => ({ type: 'activation', name: name(), inputs: [x.tensor], fn: 'leakyrelu', alpha: attrFloat(node, 'alpha', 0.01) }),
  Elu: ({ node, x, name }) => ({ type: 'activation', name: name(), inputs: [x.tensor], fn: 'elu', alpha: attrFloat(node, 'alpha', 1) }),
  Clip: clip,
  Sqrt: unary,
  Erf: unary,
  Exp: unary,
  Log: unary,
  Abs: unary,
  Neg: unary,
  Reciprocal: unary,
  Floor: unary,
  Ceil: unary,
  Sin: unary,
  Cos: unary,
};
