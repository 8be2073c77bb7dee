/**
 * The profiler's design space: which isolated layers memlat measures, drawn from a low-discrepancy
 * sequence so that the samples cover the space evenly (no hand-picked list) and a longer plan
 * (`--layers 1200`) extends a shorter one (`--layers 600`) instead of replacing it.
 *
 * Each sample is a point u in [0,1)^D of Roberts' R_D Kronecker sequence
 * (u_n = frac(shift + n * alpha), alpha_d = phi_D^-(d+1), phi_D the unique positive root of
 * x^(D+1) = x + 1; M. Roberts, "The unreasonable effectiveness of quasirandom sequences", 2018),
 * with a seeded random shift (Cranley-Patterson rotation). u_0 picks the layer kind (kinds are
 * weighted: conv and dense, which carry weights and most of the time, get more samples);
 * the other coordinates map log-uniformly onto sizes (channels, spatial extent, features, tokens...).
 * Sizes range from a few KiB up to `maxWorkingSetBytes` (default 512 MiB) of weights + activations;
 * a sample above the cap is shrunk along its spatial/token axis, never dropped.
 *
 * Pure; cost O(1) per sample.
 */
import { resolveLayerOutput } from '../network/shapes.js';
import { mulberry32 } from '../random.js';
import { FP32_BYTES, numElements } from '../units.js';
import type { ActivationFn, Layer } from '../network/types.js';

/** One sampled isolated layer: its id (the `network` field of its rows), description and shapes. */
export interface LayerSample {
  /** "s00042": the sample index, zero-padded; used as the row's `network` so splits work per sample. */
  id: string;
  /** Which design-space kind produced it (e.g. "conv2d-depthwise"); for reports and tests. */
  kind: SampleKind;
  layer: Layer;
  inputShapes: number[][];
  outputShape: number[];
  /** fp32 bytes of weights + inputs + outputs, the size measure used for the cap. */
  tensorBytes: number;
}

/** The kinds of layers the design space draws, with their relative sampling weights. */
export const SAMPLE_KINDS = {
  dense: 4,
  conv2d: 4,
  'conv2d-depthwise': 1.5,
  'conv2d-grouped': 1.5,
  'pool-max': 1,
  'pool-avg': 1,
  'pool-global': 1,
  batchnorm: 1,
  layernorm: 1,
  lrn: 1,
  activation: 1.5,
  softmax: 1,
  dropout: 0.5,
  add: 1,
  mul: 0.5,
  concat: 1,
  matmul: 1.5,
  embedding: 1,
  flatten: 0.5,
  reshape: 0.5,
  transpose: 1,
  // Layer types the ONNX importer added for exported transformers and modern CNNs (small weights).
  'elementwise-const': 0.4,
  unary: 0.3,
  slice: 0.3,
  reduce: 0.3,
  pad: 0.2,
  expand: 0.2,
} as const;

/** A design-space kind name. */
export type SampleKind = keyof typeof SAMPLE_KINDS;

/** Dimensions of the sequence: u_0 (kind) + 7 size/shape coordinates. */
export const SEQUENCE_DIMS = 8;

/** Options of sampleLayer. */
export interface DesignSpaceOptions {
  /** Seed of the random shift; the same seed gives the same samples. */
  seed: number;
  /** Largest fp32 weights + activations of a sample, bytes (default 512 MiB). */
  maxTensorBytes?: number;
}

/** The shared seeded PRNG (../random.ts), re-exported for the plan's callers. */
export { mulberry32 } from '../random.js';

/** alpha_d of Roberts' R_D sequence for D dimensions. */
function rdAlphas(dims: number): number[] {
  let phi = 2;
  for (let k = 0; k < 50; k++) phi = Math.pow(1 + phi, 1 / (dims + 1));
  return Array.from({ length: dims }, (_, d) => Math.pow(1 / phi, d + 1) % 1);
}

/**
 * The n-th point (n >= 0) of the shifted R_D sequence in [0,1)^D. Exact for n up to ~1e9 (the
 * product is reduced with fractional parts only).
 */
export function sequencePoint(n: number, seed: number, dims = SEQUENCE_DIMS): number[] {
  const rand = mulberry32(seed * 2654435761 + 1);
  const alphas = rdAlphas(dims);
  return alphas.map((a) => {
    const shift = rand();
    return (shift + (n + 1) * a) % 1;
  });
}

/** Log-uniform map of u in [0,1) onto [lo, hi], rounded to an integer >= 1. */
function logInt(u: number, lo: number, hi: number): number {
  return Math.max(1, Math.round(Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo)))));
}
/** Picks from a list by u in [0,1). */
function pick<T>(u: number, xs: readonly T[]): T {
  return xs[Math.min(xs.length - 1, Math.floor(u * xs.length))]!;
}

const KIND_LIST = Object.keys(SAMPLE_KINDS) as SampleKind[];
const KIND_CUM: number[] = (() => {
  const total = KIND_LIST.reduce((s, k) => s + SAMPLE_KINDS[k], 0);
  let acc = 0;
  return KIND_LIST.map((k) => (acc += SAMPLE_KINDS[k] / total));
})();

/** The kind that coordinate u_0 selects (weighted by SAMPLE_KINDS). */
export function kindFor(u0: number): SampleKind {
  const i = KIND_CUM.findIndex((c) => u0 < c);
  return KIND_LIST[i < 0 ? KIND_LIST.length - 1 : i]!;
}

const ACTS: readonly ActivationFn[] = ['relu', 'relu6', 'leakyrelu', 'sigmoid', 'tanh', 'gelu', 'silu', 'hardswish', 'hardsigmoid', 'elu'];

interface Draft {
  layer: Layer;
  inputShapes: number[][];
  weightElements: number;
}

/**
 * Builds the layer of one kind from coordinates u[1..7] and a "scale" s in (0,1] that shrinks the
 * spatial / token axis (used to respect the size cap).
 */
function draft(kind: SampleKind, u: number[], s: number): Draft {
  const v = (i: number): number => u[i] ?? 0.5;
  // Spatial side / token count: drawn log-uniform, then scaled by s (the size search), clamped.
  const sp = (lo: number, hi: number): number => Math.min(4 * hi, Math.max(lo, Math.round(logInt(v(3), lo, hi) * s)));
  const tok = (i: number, lo: number, hi: number): number => Math.min(4 * hi, Math.max(lo, Math.round(logInt(v(i), lo, hi) * s)));
  const name = 'layer';
  switch (kind) {
    case 'dense': {
      const inF = logInt(v(1), 8, 16384);
      // Weight-dominated: s scales the output features (the weight matrix), rows stay drawn.
      const units = Math.min(262144, Math.max(1, Math.round(logInt(v(2), 8, 1024) * s)));
      const rows = logInt(v(4), 1, 256);
      const x = v(5) < 0.6 || rows === 1 ? [1, inF] : [1, rows, inF];
      return { layer: { type: 'dense', name, inputs: ['x0'], units }, inputShapes: [x], weightElements: inF * units + units };
    }
    case 'conv2d': {
      const c = logInt(v(1), 1, 1024);
      const oc = logInt(v(2), 4, 1024);
      const k = pick(v(4), [1, 3, 3, 5, 7, 11]);
      const h = Math.max(k, sp(4, 224));
      const stride = v(5) < 0.7 ? 1 : 2;
      return {
        layer: { type: 'conv2d', name, inputs: ['x0'], outChannels: oc, kernel: k, stride, padding: Math.floor(k / 2) },
        inputShapes: [[1, c, h, h]],
        weightElements: oc * c * k * k + oc,
      };
    }
    case 'conv2d-depthwise': {
      const c = logInt(v(1), 8, 2048);
      const k = pick(v(4), [3, 5, 7]);
      const h = Math.max(k, sp(4, 224));
      const stride = v(5) < 0.7 ? 1 : 2;
      return {
        layer: { type: 'conv2d', name, inputs: ['x0'], outChannels: c, kernel: k, stride, padding: Math.floor(k / 2), groups: c },
        inputShapes: [[1, c, h, h]],
        weightElements: c * k * k + c,
      };
    }
    case 'conv2d-grouped': {
      const groups = pick(v(2), [2, 4, 8, 16, 32]);
      const gin = logInt(v(1), 2, 128);
      const gout = logInt(v(6), 2, 128);
      const k = pick(v(4), [1, 3, 3, 5]);
      const h = Math.max(k, sp(4, 112));
      return {
        layer: { type: 'conv2d', name, inputs: ['x0'], outChannels: groups * gout, kernel: k, padding: Math.floor(k / 2), groups, stride: v(5) < 0.7 ? 1 : 2 },
        inputShapes: [[1, groups * gin, h, h]],
        weightElements: groups * gout * gin * k * k + groups * gout,
      };
    }
    case 'pool-max':
    case 'pool-avg': {
      const c = logInt(v(1), 1, 1024);
      const k = pick(v(4), [2, 3, 3, 5]);
      const h = Math.max(k, sp(4, 224));
      const stride = v(5) < 0.5 ? k : v(5) < 0.8 ? 2 : 1;
      return {
        layer: { type: 'pool', name, inputs: ['x0'], mode: kind === 'pool-max' ? 'max' : 'avg', kernel: k, stride },
        inputShapes: [[1, c, h, h]],
        weightElements: 0,
      };
    }
    case 'pool-global': {
      const c = logInt(v(1), 8, 4096);
      const h = sp(1, 56);
      return { layer: { type: 'pool', name, inputs: ['x0'], mode: v(5) < 0.7 ? 'avg' : 'max', global: true }, inputShapes: [[1, c, h, h]], weightElements: 0 };
    }
    case 'batchnorm': {
      const c = logInt(v(1), 1, 2048);
      const h = sp(1, 224);
      return { layer: { type: 'batchnorm', name, inputs: ['x0'] }, inputShapes: [[1, c, h, h]], weightElements: 4 * c };
    }
    case 'layernorm': {
      const d = logInt(v(1), 16, 8192);
      const t = tok(3, 1, 1024);
      return { layer: { type: 'layernorm', name, inputs: ['x0'] }, inputShapes: [[1, t, d]], weightElements: 2 * d };
    }
    case 'lrn': {
      const c = logInt(v(1), 4, 512);
      const h = sp(1, 224);
      return { layer: { type: 'lrn', name, inputs: ['x0'], size: pick(v(4), [3, 5, 5, 7]) }, inputShapes: [[1, c, h, h]], weightElements: 0 };
    }
    case 'activation':
    case 'dropout':
    case 'softmax': {
      // Element count log-uniform from 64 to 32M, as [1, C, H, W] (4-D) or [1, T, D] (3-D).
      const n = tok(1, 64, 1024 * 1024);
      const c = logInt(v(2), 1, 1024);
      const rest = Math.max(1, Math.round(n / c));
      const x = v(5) < 0.5 ? [1, c, Math.max(1, Math.round(Math.sqrt(rest))), Math.max(1, Math.round(Math.sqrt(rest)))] : [1, c, rest];
      const layer: Layer =
        kind === 'activation'
          ? { type: 'activation', name, inputs: ['x0'], fn: pick(v(4), ACTS) }
          : kind === 'softmax'
            ? { type: 'softmax', name, inputs: ['x0'], axis: -1 }
            : { type: 'dropout', name, inputs: ['x0'], rate: 0.5 };
      return { layer, inputShapes: [x], weightElements: 0 };
    }
    case 'add':
    case 'mul': {
      const c = logInt(v(1), 1, 1024);
      const h = sp(1, 224);
      const x = [1, c, h, h];
      const other = kind === 'mul' && v(5) < 0.5 ? [1, c, 1, 1] : x; // squeeze-excitation broadcast
      const n = kind === 'add' && v(5) < 0.25 ? 3 : 2;
      const inputShapes = kind === 'add' ? Array.from({ length: n }, () => [...x]) : [x, other];
      return { layer: { type: kind, name, inputs: inputShapes.map((_, i) => `x${i}`) }, inputShapes, weightElements: 0 };
    }
    case 'concat': {
      const n = pick(v(4), [2, 2, 3, 4]);
      const h = sp(1, 112);
      const inputShapes = Array.from({ length: n }, (_, i) => [1, logInt((v(1) + i * 0.37) % 1, 4, 512), h, h]);
      return { layer: { type: 'concat', name, inputs: inputShapes.map((_, i) => `x${i}`), axis: 1 }, inputShapes, weightElements: 0 };
    }
    case 'matmul': {
      const heads = pick(v(4), [1, 1, 4, 8, 12, 16]);
      const m = tok(3, 1, 1024);
      const k = logInt(v(1), 8, 4096);
      const n = logInt(v(2), 8, 4096);
      const transposeB = v(5) < 0.5;
      return {
        layer: { type: 'matmul', name, inputs: ['x0', 'x1'], transposeB },
        inputShapes: [[1, heads, m, k], transposeB ? [1, heads, n, k] : [1, heads, k, n]],
        weightElements: 0,
      };
    }
    case 'embedding': {
      const vocab = logInt(v(1), 100, 262144);
      // Weight-dominated: s scales the embedding width (the table), tokens stay drawn.
      const dim = Math.min(65536, Math.max(1, Math.round(logInt(v(2), 4, 256) * s)));
      const t = logInt(v(3), 1, 512);
      return { layer: { type: 'embedding', name, inputs: ['x0'], vocab, dim }, inputShapes: [[1, t]], weightElements: vocab * dim };
    }
    case 'flatten': {
      const c = logInt(v(1), 1, 2048);
      const h = sp(1, 56);
      return { layer: { type: 'flatten', name, inputs: ['x0'], axis: 1 }, inputShapes: [[1, c, h, h]], weightElements: 0 };
    }
    case 'reshape':
    case 'transpose': {
      const heads = pick(v(4), [2, 4, 8, 12, 16]);
      const dh = logInt(v(1), 8, 256);
      const t = tok(3, 1, 2048);
      if (kind === 'reshape') {
        return { layer: { type: 'reshape', name, inputs: ['x0'], shape: [0, 0, heads, dh] }, inputShapes: [[1, t, heads * dh]], weightElements: 0 };
      }
      return { layer: { type: 'transpose', name, inputs: ['x0'], perm: [0, 2, 1, 3] }, inputShapes: [[1, t, heads, dh]], weightElements: 0 };
    }
    case 'elementwise-const': {
      // A learned constant operand: a per-channel layer scale [C, 1, 1] on NCHW, or a full table [1, T, D].
      const op = pick(v(4), ['mul', 'mul', 'add', 'add', 'sub', 'div'] as const);
      if (v(5) < 0.5) {
        const c = logInt(v(1), 8, 1024);
        const h = sp(1, 112);
        return { layer: { type: 'elementwise', name, inputs: ['x0'], op, constShape: [c, 1, 1] }, inputShapes: [[1, c, h, h]], weightElements: c };
      }
      const t = tok(3, 1, 4096);
      const d = logInt(v(1), 16, 2048);
      return { layer: { type: 'elementwise', name, inputs: ['x0'], op, constShape: [1, t, d] }, inputShapes: [[1, t, d]], weightElements: t * d };
    }
    case 'unary':
    case 'reduce': {
      const t = tok(3, 1, 8192);
      const d = logInt(v(1), 8, 4096);
      if (kind === 'unary') {
        const op = pick(v(4), ['sqrt', 'erf', 'exp', 'log', 'abs', 'neg', 'reciprocal', 'floor', 'ceil', 'sin', 'cos'] as const);
        return { layer: { type: 'unary', name, inputs: ['x0'], op }, inputShapes: [[1, t, d]], weightElements: 0 };
      }
      const op = pick(v(4), ['mean', 'mean', 'mean', 'sum', 'max', 'l2'] as const);
      return {
        layer: { type: 'reduce', name, inputs: ['x0'], op, axes: [v(5) < 0.5 ? 1 : 2], keepdims: v(2) < 0.5 },
        inputShapes: [[1, t, d]],
        weightElements: 0,
      };
    }
    case 'slice':
    case 'pad': {
      const c = logInt(v(1), 2, 1024);
      const h = sp(2, 224);
      if (kind === 'pad') {
        const p = pick(v(4), [1, 1, 2, 3]);
        return { layer: { type: 'pad', name, inputs: ['x0'], pads: [0, 0, 0, 0, 0, 0, p, p] }, inputShapes: [[1, c, h, h]], weightElements: 0 };
      }
      // Channel split (ShuffleNet) or a strided spatial window (Swin, MaxViT, Focus stems).
      const layer: Layer =
        v(5) < 0.5
          ? { type: 'slice', name, inputs: ['x0'], starts: [0], ends: [Math.max(1, Math.floor(c / 2))], axes: [1] }
          : { type: 'slice', name, inputs: ['x0'], starts: [0, 0], ends: [h, h], axes: [2, 3], steps: [2, 2] };
      return { layer, inputShapes: [[1, c, h, h]], weightElements: 0 };
    }
    case 'expand': {
      const c = logInt(v(1), 1, 1024);
      const h = sp(1, 112);
      return { layer: { type: 'expand', name, inputs: ['x0'], shape: [1, c, h, h] }, inputShapes: [[1, c, 1, 1]], weightElements: 0 };
    }
  }
}

/** Smallest target size of the size coordinate (bytes of fp32 weights + activations). */
export const MIN_TARGET_BYTES = 4096;

function measureDraft(kind: SampleKind, u: number[], s: number): { d: Draft; outputShape: number[]; tensorBytes: number } {
  const d = draft(kind, u, s);
  const outputShape = resolveLayerOutput(d.layer, d.inputShapes);
  const tensorBytes = FP32_BYTES * (d.weightElements + d.inputShapes.reduce((a, x) => a + numElements(x), 0) + numElements(outputShape));
  return { d, outputShape, tensorBytes };
}

/**
 * The n-th sample of the design space (n >= 0). Deterministic in (n, seed). Coordinate u_7 is the
 * size: a target fp32 size T log-uniform in [4 KiB, maxTensorBytes]; the layer's free axis (spatial
 * side, tokens, or output features / embedding width for weight-dominated kinds) is scaled by a
 * bisection on log-scale so its size is as close to T as the axis clamps allow, and never above the
 * cap. Shapes are checked by the same shape inference as user networks, so every sample is valid.
 * Cost: ~40 shape inferences per sample (microseconds).
 * @example sampleLayer(42, { seed: 1 }).id // -> "s00042"
 */
export function sampleLayer(n: number, opts: DesignSpaceOptions): LayerSample {
  const maxBytes = opts.maxTensorBytes ?? 512 * 1024 * 1024;
  const u = sequencePoint(n, opts.seed);
  const kind = kindFor(u[0]!);
  const target = Math.exp(Math.log(MIN_TARGET_BYTES) + u[7]! * (Math.log(maxBytes) - Math.log(MIN_TARGET_BYTES)));
  let lo = -12;
  let hi = 12;
  for (let it = 0; it < 36; it++) {
    const mid = (lo + hi) / 2;
    if (measureDraft(kind, u, Math.exp(mid)).tensorBytes > target) hi = mid;
    else lo = mid;
  }
  let best = measureDraft(kind, u, Math.exp(lo));
  // The drawn channel/feature coordinates alone may exceed the cap: shrink them until under it.
  while (best.tensorBytes > maxBytes) {
    u[1] = u[1]! * 0.9;
    u[2] = u[2]! * 0.9;
    best = measureDraft(kind, u, Math.exp(-12));
  }
  return {
    id: `s${String(n).padStart(5, '0')}`,
    kind,
    layer: best.d.layer,
    inputShapes: best.d.inputShapes,
    outputShape: best.outputShape,
    tensorBytes: best.tensorBytes,
  };
}
