/**
 * Shape inference and checking: a Network (as written) -> a ResolvedNetwork (every tensor's shape).
 *
 * Every layer's output shape is computed from its inputs' shapes and its hyper-parameters, with the
 * same arithmetic onnxruntime (and Caffe, for `ceilMode`) uses, so what `describe` prints is what the
 * runtime will allocate. All problems of a network are collected and reported together, one line each
 * (`layers[7] "conv3": kernel 5 exceeds padded input 3x3`), so a user fixes a file in one round trip.
 *
 * The shared lists (layer types, activation functions) live in ./lists.ts and the hyper-parameter
 * helpers (expandPair, expandPadding, formatShape, ShapeError) in ./hyperparams.ts; this file holds
 * the shape rules.
 *
 * Pure: no I/O. Cost: O(total rank of all tensors), microseconds for the largest zoo networks.
 */
import { argumentError, UserError } from '../errors.js';
import { numElements } from '../units.js';
import { ShapeError, expandPadding, expandPair, failShape as fail, formatShape, isNonNegInt, isPosInt, showValue as show } from './hyperparams.js';
import { ACTIVATION_FNS, LAYER_TYPES } from './lists.js';
import type { Layer, Network, ResolvedLayer, ResolvedNetwork, TensorSpec } from './types.js';

function requirePosInt(v: unknown, field: string): number {
  if (!isPosInt(v)) fail(`${field} ${show(v)} must be a positive integer`);
  return v;
}

function describeKernel(kh: number, kw: number, dh: number, dw: number): string {
  const k = kh === kw ? `${kh}` : `${kh}x${kw}`;
  if (dh === 1 && dw === 1) return `kernel ${k}`;
  const eh = dh * (kh - 1) + 1;
  const ew = dw * (kw - 1) + 1;
  return `dilated kernel ${eh === ew ? eh : `${eh}x${ew}`} (kernel ${k}, dilation ${dh === dw ? dh : `${dh}x${dw}`})`;
}

function expectCount(inputShapes: number[][], min: number, max: number, what: string): void {
  const n = inputShapes.length;
  if (n < min || n > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    fail(`takes ${want} input${want === '1' ? '' : 's'} (${what}), got ${n}; fix its "inputs"`);
  }
}

function one(inputShapes: number[][]): number[] {
  expectCount(inputShapes, 1, 1, 'one tensor');
  return inputShapes[0] as number[];
}

function expectRank4(x: number[], type: string): [number, number, number, number] {
  if (x.length !== 4) {
    fail(`${type} expects a 4-D NCHW input, got ${formatShape(x)} (rank ${x.length}); reshape the input to [N, C, H, W] first`);
  }
  return [x[0] as number, x[1] as number, x[2] as number, x[3] as number];
}

function normAxis(axis: number, rank: number, field: string): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    fail(`${field} ${show(axis)} is out of range for a rank-${rank} input; use ${-rank}..${rank - 1}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * Numpy broadcasting of several shapes: the result, or the first incompatible axis (counted from
 * the end, negative) with its two sizes. The one broadcasting rule of the shape checker and the
 * ONNX constant folder. Cost O(total rank).
 */
export function broadcastOrConflict(shapes: readonly (readonly number[])[]): { dims: number[] } | { axis: number; sizes: [number, number] } {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const v = s[s.length - rank + i] ?? 1;
      if (v === 1) continue;
      if (d !== 1 && d !== v) return { axis: i - rank, sizes: [d, v] };
      d = v;
    }
    out.push(d);
  }
  return { dims: out };
}

/** Numpy broadcasting of several shapes; throws naming the first incompatible pair. */
export function broadcastShapes(shapes: number[][]): number[] {
  const r = broadcastOrConflict(shapes);
  if ('dims' in r) return r.dims;
  return fail(`input shapes ${shapes.map(formatShape).join(', ')} cannot be broadcast together (axis ${r.axis}: ${r.sizes[0]} vs ${r.sizes[1]})`);
}

/** Output spatial size of a sliding window, floor or Caffe/ONNX ceil rounding. */
function windowOut(inSize: number, padHead: number, padTail: number, eff: number, stride: number, ceil: boolean): number {
  const span = inSize + padHead + padTail - eff;
  let out = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // Caffe (and PyTorch/ORT): with ceil rounding the last window must start inside the input or the
  // head padding, never entirely in the tail padding.
  if (ceil && out > 1 && (out - 1) * stride >= inSize + padHead) out -= 1;
  return out;
}

function conv2dOutput(layer: Extract<Layer, { type: 'conv2d' }>, inputShapes: number[][]): number[] {
  const [n, c, h, w] = expectRank4(one(inputShapes), 'conv2d');
  const cout = requirePosInt(layer.outChannels, 'outChannels');
  if (layer.kernel === undefined) fail('kernel is missing; give e.g. "kernel": 3');
  const [kh, kw] = expandPair(layer.kernel, 1, 'kernel');
  const [sh, sw] = expandPair(layer.stride, 1, 'stride');
  const [dh, dw] = expandPair(layer.dilation, 1, 'dilation');
  const [pt, pl, pb, pr] = expandPadding(layer.padding);
  const g = requirePosInt(layer.groups ?? 1, 'groups');
  if (c % g !== 0) fail(`groups ${g} does not divide input channels ${c}; use a divisor of ${c}`);
  if (cout % g !== 0) fail(`groups ${g} does not divide outChannels ${cout}; use a multiple of ${g}`);
  const ph = h + pt + pb;
  const pw = w + pl + pr;
  const eh = dh * (kh - 1) + 1;
  const ew = dw * (kw - 1) + 1;
  if (eh > ph || ew > pw) fail(`${describeKernel(kh, kw, dh, dw)} exceeds padded input ${ph}x${pw}`);
  return [n, cout, windowOut(h, pt, pb, eh, sh, false), windowOut(w, pl, pr, ew, sw, false)];
}

function poolOutput(layer: Extract<Layer, { type: 'pool' }>, inputShapes: number[][]): number[] {
  const x = one(inputShapes);
  if (layer.mode !== 'max' && layer.mode !== 'avg') fail(`mode ${show(layer.mode)} must be "max" or "avg"`);
  if (layer.global === true) {
    if (x.length < 3) fail(`global pooling expects an [N, C, spatial...] input, got ${formatShape(x)}`);
    return [x[0] as number, x[1] as number, ...x.slice(2).map(() => 1)];
  }
  const [n, c, h, w] = expectRank4(x, 'pool');
  if (layer.kernel === undefined) fail('kernel is missing; give e.g. "kernel": 2, or "global": true');
  const [kh, kw] = expandPair(layer.kernel, 1, 'kernel');
  const [sh, sw] = expandPair(layer.stride ?? layer.kernel, 1, 'stride');
  const [pt, pl, pb, pr] = expandPadding(layer.padding);
  // onnxruntime refuses pads >= kernel ("Pad should be smaller than kernel"); so does Caffe.
  if (pt >= kh || pb >= kh || pl >= kw || pr >= kw) {
    fail(`padding ${show(layer.padding)} must be smaller than kernel ${kh === kw ? kh : `${kh}x${kw}`}`);
  }
  const ph = h + pt + pb;
  const pw = w + pl + pr;
  if (kh > ph || kw > pw) fail(`${describeKernel(kh, kw, 1, 1)} exceeds padded input ${ph}x${pw}`);
  const ceil = layer.ceilMode === true;
  return [n, c, windowOut(h, pt, pb, kh, sh, ceil), windowOut(w, pl, pr, kw, sw, ceil)];
}

function denseOutput(layer: Extract<Layer, { type: 'dense' }>, inputShapes: number[][]): number[] {
  const x = one(inputShapes);
  const units = requirePosInt(layer.units, 'units');
  if (x.length < 2) {
    fail(`dense expects an input of rank >= 2 ([batch, ..., features]), got ${formatShape(x)}; add a reshape or flatten first`);
  }
  return [...x.slice(0, -1), units];
}

function matmulOutput(layer: Extract<Layer, { type: 'matmul' }>, inputShapes: number[][]): number[] {
  expectCount(inputShapes, 2, 2, 'A and B');
  const a = inputShapes[0] as number[];
  const b = inputShapes[1] as number[];
  if (a.length < 2 || b.length < 2) {
    fail(`matmul expects inputs of rank >= 2 ([..., M, K] and [..., K, N]), got ${formatShape(a)} and ${formatShape(b)}`);
  }
  const m = a[a.length - 2] as number;
  const k = a[a.length - 1] as number;
  const tb = layer.transposeB === true;
  const kb = b[b.length - (tb ? 1 : 2)] as number;
  const nOut = b[b.length - (tb ? 2 : 1)] as number;
  if (k !== kb) {
    const hint = tb ? 'unset transposeB if B is [..., K, N]' : 'set "transposeB": true if B is [..., N, K]';
    fail(`inner dimensions differ: A ${formatShape(a)} has K=${k} but B ${formatShape(b)}${tb ? ' (transposed)' : ''} has K=${kb}; ${hint}`);
  }
  const batch = broadcastShapes([a.slice(0, -2), b.slice(0, -2)]);
  return [...batch, m, nOut];
}

function concatOutput(layer: Extract<Layer, { type: 'concat' }>, inputShapes: number[][]): number[] {
  expectCount(inputShapes, 1, Infinity, 'the tensors to join');
  const first = inputShapes[0] as number[];
  const axis = normAxis(layer.axis ?? 1, first.length, 'axis');
  let total = 0;
  inputShapes.forEach((s, i) => {
    const sameElsewhere = s.length === first.length && s.every((d, j) => j === axis || d === first[j]);
    if (!sameElsewhere) {
      fail(`inputs ${formatShape(first)} and ${formatShape(s)} (input ${i}) differ outside concat axis ${axis}; all dims but the axis must match`);
    }
    total += s[axis] as number;
  });
  const out = [...first];
  out[axis] = total;
  return out;
}

function reshapeOutput(layer: Extract<Layer, { type: 'reshape' }>, inputShapes: number[][]): number[] {
  const x = one(inputShapes);
  if (!Array.isArray(layer.shape) || layer.shape.length === 0) fail(`shape ${show(layer.shape)} must be a non-empty list of dims`);
  const total = numElements(x);
  let inferAt = -1;
  const out = layer.shape.map((d, i) => {
    if (d === 0) {
      if (i >= x.length) fail(`shape ${show(layer.shape)}: 0 at position ${i} copies an input dim, but the input ${formatShape(x)} has rank ${x.length}`);
      return x[i] as number;
    }
    if (d === -1) {
      if (inferAt >= 0) fail(`shape ${show(layer.shape)} has more than one -1; at most one dim can be inferred`);
      inferAt = i;
      return 1;
    }
    if (!isPosInt(d)) fail(`shape ${show(layer.shape)}: dim ${show(d)} must be a positive integer, 0 (copy) or -1 (infer)`);
    return d;
  });
  const known = numElements(out);
  if (inferAt >= 0) {
    if (total % known !== 0) fail(`cannot reshape ${formatShape(x)} (${total} elements) to ${show(layer.shape)}: ${total} is not divisible by ${known}`);
    out[inferAt] = total / known;
  } else if (known !== total) {
    fail(`cannot reshape ${formatShape(x)} (${total} elements) to ${formatShape(out)} (${known} elements); the element counts must match`);
  }
  return out;
}

/**
 * Normalised slice of one axis with ONNX Slice clamping (as onnxruntime does: stepping forward,
 * start and end clamp to [0, size]; backward, start to [0, size - 1] and end to [-1, size - 1]):
 * first index, step and element count. The one slice rule of the shape checker, the importer and
 * the constant folder.
 */
export function sliceAxis(size: number, start: number, end: number, step: number): { start: number; step: number; count: number } {
  if (!Number.isInteger(step) || step === 0) fail(`step ${show(step)} must be a non-zero integer`);
  const norm = (v: number): number => (v < 0 ? v + size : v);
  let s: number;
  let e: number;
  if (step > 0) {
    s = Math.max(0, Math.min(size, norm(start)));
    e = Math.max(0, Math.min(size, norm(end)));
  } else {
    s = Math.max(0, Math.min(size - 1, norm(start)));
    e = Math.max(-1, Math.min(size - 1, norm(end)));
  }
  const count = Math.max(0, Math.ceil((e - s) / step));
  return { start: s, step, count };
}

function sliceOutput(layer: Extract<Layer, { type: 'slice' }>, x: number[]): number[] {
  const { starts, ends, axes } = layer;
  const steps = layer.steps ?? starts.map(() => 1);
  if (
    !Array.isArray(starts) ||
    !Array.isArray(ends) ||
    !Array.isArray(axes) ||
    starts.length !== ends.length ||
    starts.length !== axes.length ||
    steps.length !== starts.length
  ) {
    fail(`starts ${show(starts)}, ends ${show(ends)}, axes ${show(axes)} and steps ${show(steps)} must be lists of the same length`);
  }
  const out = [...x];
  axes.forEach((a, k) => {
    const axis = normAxis(a, x.length, 'axes');
    const { count } = sliceAxis(x[axis] as number, starts[k] as number, ends[k] as number, steps[k] as number);
    if (count === 0) fail(`slice of axis ${axis} (size ${x[axis]}) from ${starts[k]} to ${ends[k]} is empty`);
    out[axis] = count;
  });
  return out;
}

/**
 * Infers one layer's output shape from its input shapes, checking the layer against them.
 *
 * Used by resolveNetwork for whole networks and directly by the runtime and profiler for isolated
 * layers. Throws a ShapeError whose message has no layer prefix (the caller adds `layers[i] "name": `).
 * Cost: O(rank of the inputs).
 * @example resolveLayerOutput({ name: 'c', type: 'conv2d', inputs: ['x'], outChannels: 64, kernel: 7,
 *   stride: 2, padding: 3 }, [[1, 3, 224, 224]]) // -> [1, 64, 112, 112]
 */
export function resolveLayerOutput(layer: Layer, inputShapes: number[][]): number[] {
  for (const s of inputShapes) {
    if (!Array.isArray(s) || !s.every(isPosInt)) fail(`input shape ${show(s)} must be a list of positive integers`);
  }
  let out: number[];
  switch (layer.type) {
    case 'conv2d':
      out = conv2dOutput(layer, inputShapes);
      break;
    case 'pool':
      out = poolOutput(layer, inputShapes);
      break;
    case 'dense':
      out = denseOutput(layer, inputShapes);
      break;
    case 'matmul':
      out = matmulOutput(layer, inputShapes);
      break;
    case 'batchnorm': {
      const x = one(inputShapes);
      if (x.length < 2) fail(`batchnorm normalises channels (axis 1) and expects rank >= 2, got ${formatShape(x)}`);
      out = [...x];
      break;
    }
    case 'lrn': {
      const x = expectRank4(one(inputShapes), 'lrn');
      requirePosInt(layer.size, 'size');
      out = [...x];
      break;
    }
    case 'layernorm':
    case 'dropout':
      out = [...one(inputShapes)];
      break;
    case 'activation': {
      if (!(ACTIVATION_FNS as readonly string[]).includes(layer.fn)) {
        fail(`fn ${show(layer.fn)} is not an activation; use one of ${ACTIVATION_FNS.join(', ')}`);
      }
      out = [...one(inputShapes)];
      break;
    }
    case 'softmax': {
      const x = one(inputShapes);
      normAxis(layer.axis ?? -1, x.length, 'axis');
      out = [...x];
      break;
    }
    case 'add':
    case 'mul':
      expectCount(inputShapes, 2, Infinity, 'the tensors to combine');
      out = broadcastShapes(inputShapes);
      break;
    case 'concat': {
      const all = [...inputShapes];
      for (const c of [...(layer.constInputs ?? [])].sort((p, q) => p.index - q.index)) {
        if (!Array.isArray(c.shape) || !c.shape.every(isPosInt)) fail(`constInputs shape ${show(c.shape)} must be a list of positive integers`);
        if (!isNonNegInt(c.index) || c.index > all.length) fail(`constInputs index ${show(c.index)} must be 0..${all.length}`);
        all.splice(c.index, 0, c.shape);
      }
      out = concatOutput(layer, all);
      break;
    }
    case 'flatten': {
      const x = one(inputShapes);
      const axis = normAxis(layer.axis ?? 1, x.length, 'axis');
      out = [...x.slice(0, axis), numElements(x.slice(axis))];
      break;
    }
    case 'reshape':
      out = reshapeOutput(layer, inputShapes);
      break;
    case 'transpose': {
      const x = one(inputShapes);
      const perm = layer.perm;
      const isPerm = Array.isArray(perm) && perm.length === x.length && [...perm].sort((p, q) => p - q).every((p, i) => p === i);
      if (!isPerm) fail(`perm ${show(perm)} is not a permutation of 0..${x.length - 1} for input ${formatShape(x)}`);
      out = perm.map((p) => x[p] as number);
      break;
    }
    case 'embedding': {
      const x = one(inputShapes);
      requirePosInt(layer.vocab, 'vocab');
      const dim = requirePosInt(layer.dim, 'dim');
      out = [...x, dim];
      break;
    }
    case 'opaque': {
      const s = layer.outputShape;
      if (!Array.isArray(s) || s.length === 0 || !s.every(isPosInt)) {
        fail(`outputShape ${show(s)} must be a non-empty list of positive integers`);
      }
      if (layer.params !== undefined && !isNonNegInt(layer.params)) fail(`params ${show(layer.params)} must be a non-negative integer`);
      out = [...s];
      break;
    }
    case 'elementwise': {
      if (layer.constShape !== undefined) {
        expectCount(inputShapes, 1, 1, 'one tensor; the other operand is the constant');
        if (!layer.constShape.every(isPosInt)) fail(`constShape ${show(layer.constShape)} must be a list of positive integers`);
        out = broadcastShapes([inputShapes[0] as number[], layer.constShape]);
      } else {
        expectCount(inputShapes, 2, 2, 'two tensors, or one with constShape');
        out = broadcastShapes(inputShapes);
      }
      break;
    }
    case 'unary':
      out = [...one(inputShapes)];
      break;
    case 'slice':
      out = sliceOutput(layer, one(inputShapes));
      break;
    case 'reduce': {
      const x = one(inputShapes);
      if (!Array.isArray(layer.axes) || layer.axes.length === 0) fail(`axes ${show(layer.axes)} must list at least one axis`);
      const axes = layer.axes.map((a) => normAxis(a, x.length, 'axes'));
      out = layer.keepdims === false ? x.filter((_, k) => !axes.includes(k)) : x.map((d, k) => (axes.includes(k) ? 1 : d));
      if (out.length === 0) out = [1];
      break;
    }
    case 'pad': {
      const x = one(inputShapes);
      const p = layer.pads;
      if (!Array.isArray(p) || p.length !== 2 * x.length || !p.every(isNonNegInt)) {
        fail(`pads ${show(p)} must be ${2 * x.length} non-negative integers (begins then ends) for input ${formatShape(x)}`);
      }
      out = x.map((d, k) => d + (p[k] as number) + (p[k + x.length] as number));
      break;
    }
    case 'expand': {
      const x = one(inputShapes);
      if (!Array.isArray(layer.shape) || !layer.shape.every(isPosInt)) fail(`shape ${show(layer.shape)} must be a list of positive integers`);
      out = broadcastShapes([x, layer.shape]);
      break;
    }
    default: {
      const t = (layer as { type?: unknown }).type;
      fail(`unknown type ${show(t)}; valid types: ${LAYER_TYPES.join(', ')}`);
    }
  }
  return out;
}

/** Options of resolveNetwork. */
export interface ResolveOptions {
  /**
   * Overrides dimension 0 of every network input. Reshape targets and opaque output shapes whose
   * dimension 0 is a literal equal to the network's own batch follow it (0 and -1 keep their
   * meaning), so a description written for batch 1 resolves at batch 8.
   */
  batch?: number;
}

/**
 * Infers and checks every tensor shape of a network, in execution order.
 *
 * Why: every feature (MACs, bytes, working set) and the runtime's single-layer graphs need the shapes.
 * Checks unknown inputs, duplicate names, use before definition and impossible shapes, and reports
 * ALL problems at once in one UserError (one line per problem, prefixed `layers[i] "name": `).
 * A layer downstream of a broken one is skipped silently (its problem would only echo the first).
 * Cost: O(layers x rank).
 * @example resolveNetwork(net, { batch: 8 }).layers.at(-1)?.outputShape // -> [8, 1000]
 */
export function resolveNetwork(net: Network, opts: ResolveOptions = {}): ResolvedNetwork {
  const problems: string[] = [];
  const batch = opts.batch;
  if (batch !== undefined && !isPosInt(batch)) {
    throw argumentError((n) => `${n('batch')} ${show(batch)} must be a positive integer, e.g. ${n('batch')} 8`);
  }
  if (net === null || typeof net !== 'object' || !Array.isArray(net.inputs) || !Array.isArray(net.layers)) {
    throw new UserError('network: expected an object with "name", "inputs" and "layers" (see docs/NETWORK-FORMAT.md)');
  }

  const shapes = new Map<string, number[] | null>(); // null = defined but its shape is unknown (broken)
  const definedAt = new Map<string, string>();
  const inputs: TensorSpec[] = [];
  let originalBatch: number | undefined;
  net.inputs.forEach((spec, i) => {
    const where = `inputs[${i}] ${show(spec?.name)}`;
    if (!spec || typeof spec.name !== 'string' || spec.name === '') {
      problems.push(`inputs[${i}]: needs a non-empty "name"`);
      return;
    }
    if (definedAt.has(spec.name)) {
      problems.push(`${where}: name already used by ${definedAt.get(spec.name)}; tensor names must be unique`);
      return;
    }
    definedAt.set(spec.name, `inputs[${i}]`);
    if (!Array.isArray(spec.shape) || spec.shape.length === 0 || !spec.shape.every(isPosInt)) {
      problems.push(`${where}: shape ${show(spec.shape)} must be a non-empty list of positive integers, batch first`);
      shapes.set(spec.name, null);
      return;
    }
    originalBatch ??= spec.shape[0];
    const shape = batch === undefined ? [...spec.shape] : [batch, ...spec.shape.slice(1)];
    shapes.set(spec.name, shape);
    inputs.push({ ...spec, shape });
  });

  const laterIndex = new Map<string, number>();
  net.layers.forEach((l, i) => {
    if (l && typeof l.name === 'string' && !laterIndex.has(l.name)) laterIndex.set(l.name, i);
  });

  const layers: ResolvedLayer[] = [];
  net.layers.forEach((raw, i) => {
    const name = raw && typeof raw.name === 'string' ? raw.name : '';
    const where = `layers[${i}] ${show(name)}`;
    if (!raw || typeof raw !== 'object') {
      problems.push(`layers[${i}]: must be an object with "name", "type" and "inputs"`);
      return;
    }
    if (name === '') {
      problems.push(`layers[${i}]: needs a non-empty "name"`);
      return;
    }
    if (definedAt.has(name)) {
      problems.push(`${where}: name already used by ${definedAt.get(name)}; layer names must be unique`);
      return;
    }
    definedAt.set(name, `layers[${i}]`);
    shapes.set(name, null);
    if (!Array.isArray(raw.inputs) || raw.inputs.length === 0) {
      problems.push(`${where}: "inputs" must list at least one tensor name (a network input or an earlier layer)`);
      return;
    }
    const inputShapes: number[][] = [];
    let blocked = false;
    for (const inName of raw.inputs) {
      const s = shapes.get(inName);
      if (s === undefined) {
        const later = laterIndex.get(inName);
        problems.push(
          later !== undefined && later >= i
            ? `${where}: input ${show(inName)} is used before it is defined (layers[${later}]); list layers in execution order`
            : `${where}: input ${show(inName)} is neither a network input nor an earlier layer; known: ${[...shapes.keys()]
                .filter((k) => k !== name)
                .slice(-8)
                .join(', ')}`,
        );
        blocked = true;
      } else if (s === null) {
        blocked = true; // upstream problem already reported
      } else {
        inputShapes.push(s);
      }
    }
    if (blocked) return;
    const layer = batch === undefined ? raw : rebatchLayer(raw, originalBatch, batch);
    try {
      const outputShape = resolveLayerOutput(layer, inputShapes);
      shapes.set(name, outputShape);
      layers.push({ index: i, layer, inputShapes, outputShape });
    } catch (e) {
      if (!(e instanceof ShapeError)) throw e;
      problems.push(`${where}: ${e.message}`);
    }
  });

  if (problems.length > 0) throw new UserError(problems);
  const resolved: ResolvedNetwork = { name: net.name, inputs, layers };
  if (net.source !== undefined) resolved.source = net.source;
  return resolved;
}

/** Reshape/opaque shapes written for the original batch follow the overridden batch. */
function rebatchLayer(layer: Layer, originalBatch: number | undefined, batch: number): Layer {
  if (originalBatch === undefined || originalBatch === batch) return layer;
  if (layer.type === 'reshape' && Array.isArray(layer.shape) && layer.shape[0] === originalBatch) {
    return { ...layer, shape: [batch, ...layer.shape.slice(1)] };
  }
  if (layer.type === 'opaque' && Array.isArray(layer.outputShape) && layer.outputShape[0] === originalBatch) {
    return { ...layer, outputShape: [batch, ...layer.outputShape.slice(1)] };
  }
  return layer;
}

/**
 * The same network at another batch size: dimension 0 of every input becomes `batch`, and reshape
 * targets / opaque output shapes written for the network's own batch follow (as resolveNetwork's
 * `batch` option does). Returns a new object; the argument is not modified. Cost: O(layers).
 */
export function withBatch(net: Network, batch: number): Network {
  if (!isPosInt(batch)) throw argumentError((n) => `${n('batch')} ${show(batch)} must be a positive integer, e.g. ${n('batch')} 8`);
  const originalBatch = net.inputs[0]?.shape[0];
  return {
    ...net,
    inputs: net.inputs.map((t) => ({ ...t, shape: [batch, ...t.shape.slice(1)] })),
    layers: net.layers.map((l) => rebatchLayer(l, originalBatch, batch)),
  };
}
