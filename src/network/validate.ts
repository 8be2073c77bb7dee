/**
 * The network description format's validator (zod 4) and its published JSON Schema.
 *
 * validateNetwork checks the structure of a JSON document (types, required fields, ranges, unknown
 * fields, unknown layer types) and lists EVERY problem, one line each, naming the layer index and
 * name, the field, the value and the fix: `layers[3] "conv1": kernel is 0; must be a positive
 * integer or [height, width]`. Shapes are checked afterwards by resolveNetwork (src/network/shapes.ts).
 *
 * Pure (no I/O). Cost: one pass over the document; milliseconds for the largest networks.
 */
import * as z from 'zod';
import { UserError } from '../errors.js';
import { ACTIVATION_FNS, LAYER_TYPES } from './lists.js';
import type { Layer, LayerType, Network } from './types.js';

const POS_INT = 'must be a positive integer';
const posInt = z.number({ error: POS_INT }).int({ error: POS_INT }).positive({ error: POS_INT });
const NONNEG_INT = 'must be a non-negative integer';
const nonNegInt = z.number({ error: NONNEG_INT }).int({ error: NONNEG_INT }).nonnegative({ error: NONNEG_INT });
const INT = 'must be an integer';
const int = z.number({ error: INT }).int({ error: INT });
const num = z.number({ error: 'must be a number' });
const posNum = z.number({ error: 'must be a positive number' }).positive({ error: 'must be a positive number' });
const bool = z.boolean({ error: 'must be true or false' });
const nonEmpty = z.string({ error: 'must be a non-empty string' }).min(1, { error: 'must be a non-empty string' });

const pair = z
  .union([posInt, z.tuple([posInt, posInt])], { error: 'must be a positive integer or [height, width]' })
  .describe('One value for both spatial axes, or [height, width].');
const padding = z
  .union([nonNegInt, z.tuple([nonNegInt, nonNegInt]), z.tuple([nonNegInt, nonNegInt, nonNegInt, nonNegInt])], {
    error: 'must be a non-negative integer, [height, width] or [top, left, bottom, right]',
  })
  .describe('Zero padding: one value for all sides, [height, width] (symmetric), or [top, left, bottom, right].');

const name = nonEmpty.describe('Unique within the network; also the name of the layer output tensor.');
const inputs = z
  .array(nonEmpty, { error: 'must be a list of tensor names' })
  .min(1, { error: 'must list at least one tensor (a network input or an earlier layer)' })
  .describe('Names of the consumed tensors: network inputs or earlier layers.');
const twoOrMore = z
  .array(nonEmpty, { error: 'must be a list of tensor names' })
  .min(2, { error: 'must list at least two tensors to combine' })
  .describe('Two or more tensors (numpy broadcasting).');

function layer<T extends LayerType, S extends z.core.$ZodLooseShape>(type: T, description: string, shape: S) {
  return z.strictObject({ name, type: z.literal(type), inputs, ...shape }).describe(description);
}

/** One zod schema per layer type (strict: unknown fields are errors, catching typos). */
export const layerSchemas = {
  conv2d: layer('conv2d', '2-D convolution, NCHW. groups = channels is depthwise.', {
    outChannels: posInt,
    kernel: pair,
    stride: pair.optional().describe('Default 1.'),
    padding: padding.optional().describe('Default 0.'),
    dilation: pair.optional().describe('Default 1.'),
    groups: posInt.optional().describe('Default 1; must divide input and output channels.'),
    bias: bool.optional().describe('Default true.'),
  }),
  dense: layer('dense', 'Fully connected over the last axis: [..., in] -> [..., units].', {
    units: posInt,
    bias: bool.optional().describe('Default true.'),
  }),
  pool: layer('pool', 'Max or average pooling, NCHW; global pools the whole H x W to 1x1.', {
    mode: z.enum(['max', 'avg'], { error: 'must be "max" or "avg"' }),
    kernel: pair.optional().describe('Required unless global.'),
    stride: pair.optional().describe('Default: the kernel.'),
    padding: padding.optional().describe('Default 0; must be smaller than the kernel.'),
    ceilMode: bool.optional().describe('Round the output size up (Caffe) instead of down. Default false.'),
    global: bool.optional().describe('Pool the whole spatial extent. Default false.'),
  }).refine((l) => l.global === true || l.kernel !== undefined, {
    path: ['kernel'],
    error: 'must be given unless "global": true',
  }),
  batchnorm: layer('batchnorm', 'Batch normalisation over channels (axis 1), inference form.', {
    epsilon: posNum.optional().describe('Default 1e-5.'),
    affine: bool.optional().describe('Learned gamma and beta. Default true.'),
  }),
  layernorm: layer('layernorm', 'Layer normalisation over the last axis, with gamma and beta.', {
    epsilon: posNum.optional().describe('Default 1e-5.'),
  }),
  lrn: layer('lrn', 'Local response normalisation across channels.', {
    size: posInt,
    alpha: num.optional().describe('Default 1e-4.'),
    beta: num.optional().describe('Default 0.75.'),
    k: num.optional().describe('Default 1.'),
  }),
  activation: layer('activation', 'Element-wise activation.', {
    fn: z.enum(ACTIVATION_FNS, { error: `must be one of ${ACTIVATION_FNS.join(', ')}` }),
    alpha: num.optional().describe('leakyrelu slope (default 0.01) / elu alpha (default 1).'),
  }),
  softmax: layer('softmax', 'Softmax along an axis.', { axis: int.optional().describe('Default -1.') }),
  dropout: layer('dropout', 'Identity at inference (kept because it runs).', {
    rate: z.number({ error: 'must be a number in [0, 1)' }).min(0).lt(1).optional(),
  }),
  add: z.strictObject({ name, type: z.literal('add'), inputs: twoOrMore }).describe('Element-wise sum (numpy broadcasting).'),
  mul: z.strictObject({ name, type: z.literal('mul'), inputs: twoOrMore }).describe('Element-wise product (numpy broadcasting).'),
  concat: layer('concat', 'Concatenation along an axis.', {
    axis: int.optional().describe('Default 1 (channels).'),
    constInputs: z
      .array(z.strictObject({ index: nonNegInt, shape: z.array(posInt, { error: 'must be a list of positive integers' }).min(1) }), {
        error: 'must be a list of { index, shape }',
      })
      .optional()
      .describe('Constant operands loaded like weights, at these positions of the operand list.'),
    params: nonNegInt.optional().describe('Trainable parameters behind the constants. Default: their size.'),
  }),
  flatten: layer('flatten', 'Flattens dims [axis, ...) into one (torch.flatten(start_dim=axis)).', {
    axis: int.optional().describe('Default 1.'),
  }),
  reshape: layer('reshape', 'Reshape with ONNX semantics: 0 copies the input dim, -1 (at most one) is inferred.', {
    shape: z
      .array(int.min(-1, { error: 'must be a positive integer, 0 (copy) or -1 (infer)' }), { error: 'must be a list of dims' })
      .min(1, { error: 'must list at least one dim' }),
  }),
  transpose: layer('transpose', 'Permutes axes.', {
    perm: z.array(nonNegInt, { error: 'must be a list of axis indices' }).min(1, { error: 'must list every axis' }),
  }),
  matmul: z
    .strictObject({
      name,
      type: z.literal('matmul'),
      inputs: z.array(nonEmpty, { error: 'must be a list of tensor names' }).length(2, { error: 'must name exactly two tensors, A and B' }),
      transposeB: bool.optional().describe('Multiply by B^T. Default false.'),
    })
    .describe('Activation x activation product (numpy matmul): [..., M, K] x [..., K, N] -> [..., M, N].'),
  embedding: layer('embedding', 'Token-id lookup: [N, S] ids -> [N, S, dim].', { vocab: posInt, dim: posInt }),
  opaque: layer('opaque', 'An operator memlat has no model for; output shape and parameter count as given.', {
    op: nonEmpty,
    outputShape: z.array(posInt, { error: 'must be a list of positive integers' }).min(1, { error: 'must list at least one dim' }),
    params: nonNegInt.optional().describe('Default 0.'),
  }),
  elementwise: z
    .strictObject({
      name,
      type: z.literal('elementwise'),
      inputs: z.array(nonEmpty, { error: 'must be a list of tensor names' }).min(1).max(2, { error: 'must name one tensor (with constShape) or two' }),
      op: z.enum(['add', 'sub', 'mul', 'div', 'pow', 'max', 'min'], { error: 'must be one of add, sub, mul, div, pow, max, min' }),
      constShape: z
        .array(posInt, { error: 'must be a list of positive integers' })
        .optional()
        .describe('Shape of the constant operand (one input); absent with two inputs.'),
      constFirst: bool.optional().describe('The constant is the first operand. Default false.'),
      params: nonNegInt.optional().describe('Trainable parameters behind the constant. Default: its size.'),
    })
    .refine((l) => (l.inputs.length === 1) === (l.constShape !== undefined), { path: ['constShape'], error: 'must be given exactly when there is one input' })
    .describe('Element-wise binary op of two activations, or of one activation and a loaded constant tensor.'),
  unary: layer('unary', 'Element-wise math function.', {
    op: z.enum(['sqrt', 'erf', 'exp', 'log', 'abs', 'neg', 'reciprocal', 'floor', 'ceil', 'sin', 'cos'], {
      error: 'must be one of sqrt, erf, exp, log, abs, neg, reciprocal, floor, ceil, sin, cos',
    }),
  }),
  slice: layer('slice', 'Strided slice (ONNX Slice semantics).', {
    starts: z.array(int, { error: 'must be a list of integers' }),
    ends: z.array(int, { error: 'must be a list of integers' }),
    axes: z.array(int, { error: 'must be a list of integers' }),
    steps: z.array(int, { error: 'must be a list of integers' }).optional().describe('Default 1 each.'),
  }),
  reduce: layer('reduce', 'Reduction over axes.', {
    op: z.enum(['mean', 'sum', 'max', 'min', 'prod', 'l2'], { error: 'must be one of mean, sum, max, min, prod, l2' }),
    axes: z.array(int, { error: 'must be a list of integers' }).min(1, { error: 'must list at least one axis' }),
    keepdims: bool.optional().describe('Default true.'),
  }),
  pad: layer('pad', 'Padding, ONNX order [begins..., ends...].', {
    pads: z.array(nonNegInt, { error: 'must be a list of non-negative integers' }),
    mode: z.enum(['constant', 'reflect', 'edge'], { error: 'must be constant, reflect or edge' }).optional().describe('Default constant (zero).'),
  }),
  expand: layer('expand', 'Broadcast to a shape (numpy rules).', {
    shape: z.array(posInt, { error: 'must be a list of positive integers' }).min(1),
  }),
} as const satisfies Record<LayerType, z.ZodType>;

// Compile-time check: each schema's output is assignable to its layer type.
type SchemaOut = { [K in LayerType]: z.output<(typeof layerSchemas)[K]> };
const _outputsAreLayers: SchemaOut[LayerType] extends Layer ? true : never = true;

const tensorSpec = z
  .strictObject({
    name: nonEmpty,
    shape: z.array(posInt, { error: 'must be a list of positive integers, batch first' }).min(1, { error: 'must list at least one dim (the batch)' }),
    dtype: z.enum(['fp32', 'fp16', 'int64', 'int32', 'int8'], { error: 'must be fp32, fp16, int64, int32 or int8' }).optional(),
  })
  .describe('A network input; shape[0] is the batch.');

const FORMAT = 'memlat-network@1';
const header = {
  $schema: z.string().optional().describe('Optional link to this schema, for editors.'),
  format: z.literal(FORMAT, { error: `must be "${FORMAT}" (or omitted)` }).optional(),
  name: nonEmpty,
  inputs: z.array(tensorSpec, { error: 'must be a list of {name, shape}' }).min(1, { error: 'must list at least one input' }),
  source: z.string({ error: 'must be a string' }).optional().describe('Free-form provenance.'),
};

/** The whole document's schema (used to publish docs/network.schema.json). */
export const networkSchema = z
  .strictObject({
    ...header,
    layers: z.array(z.discriminatedUnion('type', Object.values(layerSchemas) as unknown as [z.ZodObject, ...z.ZodObject[]])).min(1),
  })
  .describe('A memlat network description: inputs and layers in execution order (docs/NETWORK-FORMAT.md).');

/**
 * The JSON Schema (draft 2020-12) of the network format, as published in docs/network.schema.json.
 * Cost: a few ms.
 */
export function networkJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(networkSchema, { unrepresentable: 'any' }),
    title: 'memlat network description',
  };
}

const headerSchema = z.strictObject({
  ...header,
  layers: z.array(z.unknown(), { error: 'must be a list of layers' }).min(1, { error: 'must list at least one layer' }),
});

function show(v: unknown): string {
  const s = JSON.stringify(v);
  if (s === undefined) return String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function pathString(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? String(p) : `.${String(p)}`;
  return s;
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0] as number;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j] as number;
      d[j] = Math.min((d[j] as number) + 1, (d[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length] as number;
}

function closest(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const dist = editDistance(word.toLowerCase(), o.toLowerCase());
    if (dist < bestD) {
      bestD = dist;
      best = o;
    }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function formatIssues(issues: readonly z.core.$ZodIssue[], root: unknown, prefix: string, validKeys: readonly string[]): string[] {
  return issues.map((iss) => {
    const field = pathString(iss.path);
    if (iss.code === 'unrecognized_keys') {
      return iss.keys
        .map((k) => {
          const near = closest(k, validKeys);
          return `${prefix}unknown field ${show(k)}${near ? ` (did you mean "${near}"?)` : ''}; valid fields: ${validKeys.join(', ')}`;
        })
        .join('\n');
    }
    const at = field === '' ? '' : `${field} `;
    const value = valueAt(root, iss.path);
    if (value === undefined) return `${prefix}${at}is missing; it ${iss.message}`;
    return `${prefix}${at}is ${show(value)}; ${iss.message}`;
  });
}

/** Names other frameworks use for our layer types (Caffe, ONNX, PyTorch, Keras), for hints. */
const TYPE_ALIASES: Record<string, string> = {
  conv: 'conv2d',
  convolution: 'conv2d',
  conv2d: 'conv2d',
  depthwiseconv2d: 'conv2d',
  depthwiseconvolution: 'conv2d',
  fc: 'dense',
  linear: 'dense',
  innerproduct: 'dense',
  gemm: 'dense',
  fullyconnected: 'dense',
  pooling: 'pool',
  maxpool: 'pool',
  avgpool: 'pool',
  averagepool: 'pool',
  maxpool2d: 'pool',
  avgpool2d: 'pool',
  globalaveragepool: '"pool" with "global": true',
  adaptiveavgpool2d: '"pool" with "global": true',
  bn: 'batchnorm',
  batchnormalization: 'batchnorm',
  batchnorm2d: 'batchnorm',
  layernormalization: 'layernorm',
  eltwise: 'add',
  sum: 'add',
  mult: 'mul',
  multiply: 'mul',
  concatenate: 'concat',
  view: 'reshape',
  permute: 'transpose',
  gather: 'embedding',
  batchmatmul: 'matmul',
  bmm: 'matmul',
  ...Object.fromEntries(ACTIVATION_FNS.map((f) => [f, `"activation" with "fn": "${f}"`])),
  leakyrelu: '"activation" with "fn": "leakyrelu"',
  swish: '"activation" with "fn": "silu"',
};

function keysOf(schema: z.ZodType): string[] {
  const s = schema as unknown as { shape?: Record<string, unknown>; def?: { in?: { shape?: Record<string, unknown> } } };
  return Object.keys(s.shape ?? {});
}

/**
 * Checks an untrusted JSON value against the network format and returns it typed.
 *
 * Why: files come from users and importers; a wrong file must get one line per problem naming the
 * layer index and name, the field, the value and the fix, never a stack trace. `where` (e.g. the
 * file path) prefixes every line. Unknown layer types list the valid ones; unknown fields suggest
 * the nearest valid one. Throws UserError with all problems. Shapes are not checked here (see
 * resolveNetwork). Cost: O(size of the document).
 * @example validateNetwork(JSON.parse(text), 'net.json')
 */
export function validateNetwork(json: unknown, where?: string): Network {
  const lead = where ? `${where}: ` : '';
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new UserError(`${lead}a network must be a JSON object with "name", "inputs" and "layers" (see docs/NETWORK-FORMAT.md), got ${show(json)}`);
  }
  const problems: string[] = [];
  const head = headerSchema.safeParse(json, { reportInput: true });
  if (!head.success) {
    problems.push(...formatIssues(head.error.issues, json, lead, Object.keys(headerSchema.shape)).flatMap((p) => p.split('\n')));
  }
  const rawLayers = (json as { layers?: unknown }).layers;
  const layers: Layer[] = [];
  if (Array.isArray(rawLayers)) {
    rawLayers.forEach((raw, i) => {
      const nm = raw !== null && typeof raw === 'object' ? (raw as { name?: unknown }).name : undefined;
      const prefix = `${lead}layers[${i}]${typeof nm === 'string' && nm !== '' ? ` ${show(nm)}` : ''}: `;
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        problems.push(`${prefix}must be an object with "name", "type" and "inputs", got ${show(raw)}`);
        return;
      }
      const type = (raw as { type?: unknown }).type;
      if (typeof type !== 'string' || !(LAYER_TYPES as readonly string[]).includes(type)) {
        const near = typeof type === 'string' ? (TYPE_ALIASES[type.toLowerCase().replace(/[^a-z0-9]/g, '')] ?? closest(type, LAYER_TYPES)) : undefined;
        problems.push(
          type === undefined
            ? `${prefix}type is missing; valid types: ${LAYER_TYPES.join(', ')}`
            : `${prefix}type ${show(type)} is not a layer type${near ? ` (did you mean ${near.includes('"') ? near : `"${near}"`}?)` : ''}; valid types: ${LAYER_TYPES.join(', ')}`,
        );
        return;
      }
      const schema: z.ZodType = layerSchemas[type as LayerType];
      const r = schema.safeParse(raw, { reportInput: true });
      if (r.success) layers.push(r.data as Layer);
      else problems.push(...formatIssues(r.error.issues, raw, prefix, keysOf(layerSchemas[type as LayerType])).flatMap((p) => p.split('\n')));
    });
  }
  if (problems.length > 0) throw new UserError(problems);
  const h = head.data as z.output<typeof headerSchema>;
  const net: Network = { name: h.name, inputs: h.inputs, layers };
  if (h.format !== undefined) net.format = h.format;
  if (h.source !== undefined) net.source = h.source;
  return net;
}
