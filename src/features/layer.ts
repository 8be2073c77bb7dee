/**
 * Layer features: a resolved layer (+ available memory M) -> numbers the models learn from.
 *
 * - layerStats: params, weights, weight bytes on disk, MACs, FLOPs, activation bytes, workspace,
 *   working set and arithmetic intensity of one layer (definitions in docs/NETWORK-FORMAT.md,
 *   section "Layer features").
 * - networkStats: the same summed over a network, plus its peak working set.
 * - swapBytes: bytes of a layer's working set that do not fit in M under the execution model
 *   (../../docs/NETWORK-FORMAT.md, derived from EXECUTION-MODEL.md: M limits the whole worker).
 * - layerFeatureVector / FEATURE_NAMES: every quantity above plus every description field as a
 *   fixed-order numeric vector (absent fields are 0), for the regression models.
 *
 * Pure: no I/O, no onnxruntime. Cost: O(rank) per layer.
 */
import { expandPadding, expandPair } from '../network/hyperparams.js';
import { ACTIVATION_FNS, LAYER_TYPES } from '../network/lists.js';
import { FP32_BYTES, numElements } from '../units.js';
import type { ActivationFn, LayerStats, ResolvedLayer, ResolvedNetwork, UnaryOp } from '../network/types.js';

export { FP32_BYTES } from '../units.js';
/** Bytes per token id fed to an embedding (ONNX Gather indices, int64). */
export const TOKEN_ID_BYTES = 8;

/**
 * MLAS (onnxruntime's CPU kernels) segments im2col into slices of STRIDEN x STRIDEK = 128 x 128
 * floats per thread (mlasi.h: MLAS_SGEMM_STRIDEN/STRIDEK; convolve.cpp:
 * MLAS_CONV_WORKING_BUFFER_SIZE_PER_THREAD).
 */
const MLAS_CONV_SLICE_FLOATS = 128 * 128;

/**
 * FLOPs per element of each activation, counting every arithmetic operation and every
 * transcendental (exp, tanh, erf) as one: relu = max(x,0); relu6 = min(max(x,0),6); leakyrelu =
 * compare + multiply; sigmoid = 1/(1+exp(-x)); gelu = 0.5x(1+erf(x/sqrt 2)); silu = x sigmoid(x);
 * hardswish = x min(max(x+3,0),6)/6; hardsigmoid = max(0,min(1,ax+b)); elu = x<0 ? a(exp(x)-1) : x.
 */
export const ACTIVATION_FLOPS: Readonly<Record<ActivationFn, number>> = {
  relu: 1,
  relu6: 2,
  leakyrelu: 2,
  sigmoid: 4,
  tanh: 1,
  gelu: 5,
  silu: 5,
  hardswish: 5,
  hardsigmoid: 4,
  elu: 4,
};

/** FLOPs per element of each unary math function (transcendentals count as one, as above). */
export const UNARY_FLOPS: Readonly<Record<UnaryOp, number>> = {
  sqrt: 1,
  erf: 1,
  exp: 1,
  log: 1,
  abs: 1,
  neg: 1,
  reciprocal: 1,
  floor: 1,
  ceil: 1,
  sin: 1,
  cos: 1,
};

/** Options of layerStats. */
export interface LayerStatsOptions {
  /**
   * Intra-op threads the runtime uses (the worker uses one per core). Only the conv workspace
   * depends on it (MLAS gives each thread its own im2col slice). Default 1.
   */
  threads?: number;
}

/**
 * Workspace of onnxruntime's CPU Conv (MLAS, MlasConvPrepare in convolve.cpp), in floats.
 *
 * With K = (Cin/groups) * kh * kw, P = Hout * Wout (output pixels), F = Cout/groups, T = threads:
 * - pointwise (1x1, stride 1, no padding) and the single-channel full-width/height cases: 0
 *   (the GEMM reads the input directly);
 * - F > P (few output pixels, many filters): the full im2col matrix, P * K;
 * - otherwise, batch 1 and groups 1: T slices of 128x128 floats (64 KiB each);
 * - otherwise (batch > 1 or grouped/depthwise): min(T, N*groups) * max(P*K, F*P, 128*128).
 * This is an estimate: with graph optimisation level "all" on AVX2/AVX-512 CPUs onnxruntime may
 * rewrite the conv into its NCHWc form, which needs reorder buffers (about input + output) instead.
 */
function convWorkspaceFloats(rl: ResolvedLayer, threads: number): number {
  const l = rl.layer;
  if (l.type !== 'conv2d') return 0;
  const [n, cin, h, w] = rl.inputShapes[0] as [number, number, number, number];
  const [, cout, oh, ow] = rl.outputShape as [number, number, number, number];
  const g = l.groups ?? 1;
  const [kh, kw] = expandPair(l.kernel, 1, 'kernel');
  const [sh, sw] = expandPair(l.stride, 1, 'stride');
  const [dh, dw] = expandPair(l.dilation, 1, 'dilation');
  const pads = expandPadding(l.padding);
  const cinG = cin / g;
  const k = cinG * kh * kw;
  const p = oh * ow;
  const f = cout / g;
  const unitStrideNoPad = sh === 1 && sw === 1 && pads.every((v) => v === 0);
  if (unitStrideNoPad) {
    if (kh === 1 && kw === 1) return 0;
    if (cinG === 1 && dh === 1 && dw === 1 && (kw === w || (kh === h && kw === 1))) return 0;
  }
  if (f > p) return p * k;
  if (n === 1 && g === 1) return threads * MLAS_CONV_SLICE_FLOATS;
  return Math.min(threads, n * g) * Math.max(p * k, f * p, MLAS_CONV_SLICE_FLOATS);
}

function zeroStats(): LayerStats {
  return {
    params: 0,
    weights: 0,
    weightBytes: 0,
    macs: 0,
    flops: 0,
    inputBytes: 0,
    outputBytes: 0,
    workspaceBytes: 0,
    workingSetBytes: 0,
    arithmeticIntensity: 0,
  };
}

/**
 * Per-layer quantities of a resolved layer (see LayerStats in src/network/types.ts).
 *
 * Definitions (fp32, 4 bytes per element):
 * - params: trainable parameters incl. biases, as torchvision counts them (BN: gamma + beta).
 * - weights: params without biases and BN/LN shifts (Caffe's `number-of-paramters` for conv/fc).
 * - weightBytes: every tensor stored on disk for the layer: params, plus BN running mean and var.
 * - macs: conv N*Cout*Hout*Wout*(Cin/groups)*kh*kw; dense rows*in*units; matmul batch*M*K*N; else 0.
 * - flops: 2 per MAC, plus element-wise work (bias adds, activations per ACTIVATION_FLOPS, BN 2,
 *   LN 7, softmax 5, LRN 2*size+4 per element; pooling kh*kw per output (+1 for avg); add/mul
 *   (inputs-1) per output; layout-only layers 0).
 * - inputBytes/outputBytes: all input tensors / the output tensor (embedding ids are int64).
 * - workspaceBytes: conv scratch per convWorkspaceFloats (MLAS im2col); 0 for other layers.
 * - workingSetBytes = weightBytes + inputBytes + outputBytes + workspaceBytes.
 * - arithmeticIntensity = flops / (weightBytes + inputBytes + outputBytes).
 * Cost: O(rank).
 * @example layerStats(resolveNetwork(net).layers[0]).macs
 */
export function layerStats(rl: ResolvedLayer, opts: LayerStatsOptions = {}): LayerStats {
  const threads = opts.threads ?? 1;
  const l = rl.layer;
  const x = rl.inputShapes[0] ?? [];
  const outElems = numElements(rl.outputShape);
  const s = zeroStats();
  const inElemsAll = rl.inputShapes.reduce((acc, sh) => acc + numElements(sh), 0);
  s.inputBytes = inElemsAll * (l.type === 'embedding' ? TOKEN_ID_BYTES : FP32_BYTES);
  s.outputBytes = outElems * FP32_BYTES;
  let storedExtra = 0; // stored on disk but not trainable (BN running statistics)

  switch (l.type) {
    case 'conv2d': {
      const cin = x[1] as number;
      const cout = rl.outputShape[1] as number;
      const g = l.groups ?? 1;
      const [kh, kw] = expandPair(l.kernel, 1, 'kernel');
      s.weights = cout * (cin / g) * kh * kw;
      const bias = l.bias === false ? 0 : cout;
      s.params = s.weights + bias;
      s.macs = outElems * (cin / g) * kh * kw;
      s.flops = 2 * s.macs + (bias > 0 ? outElems : 0);
      s.workspaceBytes = convWorkspaceFloats(rl, threads) * FP32_BYTES;
      break;
    }
    case 'dense': {
      const inF = x[x.length - 1] as number;
      const rows = numElements(x) / inF;
      s.weights = inF * l.units;
      const bias = l.bias === false ? 0 : l.units;
      s.params = s.weights + bias;
      s.macs = rows * inF * l.units;
      s.flops = 2 * s.macs + (bias > 0 ? outElems : 0);
      break;
    }
    case 'matmul': {
      const k = x[x.length - 1] as number;
      s.macs = outElems * k;
      s.flops = 2 * s.macs;
      break;
    }
    case 'batchnorm': {
      const c = x[1] as number;
      const affine = l.affine !== false;
      s.params = affine ? 2 * c : 0;
      s.weights = affine ? c : 0;
      storedExtra = 2 * c; // running mean and variance
      s.flops = 2 * outElems;
      break;
    }
    case 'layernorm': {
      const d = x[x.length - 1] as number;
      s.params = 2 * d;
      s.weights = d;
      s.flops = 7 * outElems;
      break;
    }
    case 'embedding':
      s.params = l.vocab * l.dim;
      s.weights = s.params;
      break;
    case 'opaque':
      s.params = l.params ?? 0;
      s.weights = s.params;
      break;
    case 'activation':
      s.flops = ACTIVATION_FLOPS[l.fn] * outElems;
      break;
    case 'softmax':
      s.flops = 5 * outElems;
      break;
    case 'lrn':
      s.flops = (2 * l.size + 4) * outElems;
      break;
    case 'pool': {
      const window = l.global === true ? numElements(x.slice(2)) : numElements(expandPair(l.kernel, 1, 'kernel'));
      s.flops = outElems * (window + (l.mode === 'avg' ? 1 : 0));
      break;
    }
    case 'add':
    case 'mul':
      s.flops = (rl.inputShapes.length - 1) * outElems;
      break;
    case 'elementwise': {
      // A constant operand is loaded like a weight: its stored size, whatever it was expanded from.
      const stored = l.constShape === undefined ? 0 : numElements(l.constShape);
      s.params = l.params ?? stored;
      s.weights = s.params;
      storedExtra = stored - s.params;
      s.flops = (l.op === 'pow' ? UNARY_FLOPS.exp + 1 : 1) * outElems;
      break;
    }
    case 'unary':
      s.flops = UNARY_FLOPS[l.op] * outElems;
      break;
    case 'reduce':
      s.flops = numElements(x) * (l.op === 'l2' ? 2 : 1) + (l.op === 'mean' || l.op === 'l2' ? outElems : 0);
      break;
    case 'concat': {
      const stored = (l.constInputs ?? []).reduce((a, c) => a + numElements(c.shape), 0);
      s.params = l.params ?? stored;
      s.weights = s.params;
      storedExtra = stored - s.params;
      break;
    }
    case 'dropout':
    case 'flatten':
    case 'reshape':
    case 'transpose':
    case 'slice':
    case 'pad':
    case 'expand':
      break;
  }
  s.weightBytes = (s.params + storedExtra) * FP32_BYTES;
  s.workingSetBytes = s.weightBytes + s.inputBytes + s.outputBytes + s.workspaceBytes;
  const moved = s.weightBytes + s.inputBytes + s.outputBytes;
  s.arithmeticIntensity = moved > 0 ? s.flops / moved : 0;
  return s;
}

/** Totals and peaks of a network (see networkStats). */
export interface NetworkStats {
  /** layerStats of every layer, in rn.layers order. */
  layers: LayerStats[];
  totals: { params: number; weights: number; weightBytes: number; macs: number; flops: number };
  /** The largest working set of any layer: the least M that runs the network without swapping, minus the runtime. */
  peakWorkingSetBytes: number;
  /** Name of the layer with that working set ('' for an empty network). */
  peakLayer: string;
}

/**
 * layerStats for every layer of a resolved network, with totals (params, weights, weightBytes,
 * MACs, FLOPs) and the peak working set. Why: `describe`'s totals and the zoo's published-figure
 * checks. Cost: O(layers x rank).
 */
export function networkStats(rn: ResolvedNetwork, opts: LayerStatsOptions = {}): NetworkStats {
  const layers = rn.layers.map((rl) => layerStats(rl, opts));
  const totals = { params: 0, weights: 0, weightBytes: 0, macs: 0, flops: 0 };
  let peakWorkingSetBytes = 0;
  let peakLayer = '';
  layers.forEach((s, i) => {
    totals.params += s.params;
    totals.weights += s.weights;
    totals.weightBytes += s.weightBytes;
    totals.macs += s.macs;
    totals.flops += s.flops;
    if (s.workingSetBytes > peakWorkingSetBytes) {
      peakWorkingSetBytes = s.workingSetBytes;
      peakLayer = rn.layers[i]?.layer.name ?? '';
    }
  });
  return { layers, totals, peakWorkingSetBytes, peakLayer };
}

/**
 * Bytes of a layer's working set that do not fit in the available memory M.
 *
 * Under EXECUTION-MODEL.md the cgroup limit M covers the whole worker process, runtime included,
 * and a layer needs its weights, input, output and scratch resident at once while it runs; so
 * whatever exceeds M of (runtime idle footprint + working set) is swapped out (or must be paged in
 * again) during the layer: max(0, workingSetBytes + runtimeIdleBytes - memoryBytes).
 * `memoryBytes` = Infinity (no limit) gives 0. Cost: O(1).
 * @example swapBytes(300 * 2 ** 20, 256 * 2 ** 20, 60 * 2 ** 20) // 104 MiB
 */
export function swapBytes(workingSetBytes: number, memoryBytes: number, runtimeIdleBytes: number): number {
  return Math.max(0, workingSetBytes + runtimeIdleBytes - memoryBytes);
}

const STAT_FEATURES = [
  'params',
  'weights',
  'weightBytes',
  'macs',
  'flops',
  'inputBytes',
  'outputBytes',
  'workspaceBytes',
  'workingSetBytes',
  'arithmeticIntensity',
] as const satisfies readonly (keyof LayerStats)[];

const MEMORY_FEATURES = ['memoryBytes', 'runtimeIdleBytes', 'swapBytes', 'swapFraction', 'loadSwapBytes', 'memoryPressure'] as const;

const DESCRIPTION_FEATURES = [
  'batch',
  'numInputs',
  'inRank',
  'outRank',
  'inElements',
  'outElements',
  'inChannels',
  'inH',
  'inW',
  'outChannels',
  'outH',
  'outW',
  'inFeatures',
  'units',
  'rows',
  'kernelH',
  'kernelW',
  'kernelArea',
  'strideH',
  'strideW',
  'padTop',
  'padLeft',
  'padBottom',
  'padRight',
  'padH',
  'padW',
  'dilationH',
  'dilationW',
  'groups',
  'isDepthwise',
  'hasBias',
  'ceilMode',
  'isGlobal',
  'poolMax',
  'poolAvg',
  'matmulBatch',
  'matmulM',
  'matmulK',
  'matmulN',
  'transposeB',
  'axis',
  'lrnSize',
  'lrnAlpha',
  'lrnBeta',
  'lrnK',
  'epsilon',
  'affine',
  'activationAlpha',
  'dropoutRate',
  'vocab',
  'embedDim',
] as const;

/** Layer types added after the first feature list (their one-hots go at the end, append-only). */
const FIRST_LATER_TYPE = LAYER_TYPES.indexOf('opaque') + 1;

/** Description features added later (append-only): slice/pad/reduce/elementwise fields. */
const LATER_FEATURES = ['constElements', 'reduceAxes', 'sliceAxes', 'padElements'] as const;

/**
 * The fixed order of layerFeatureVector's keys: LayerStats quantities, memory quantities,
 * description fields, then one-hot `type_<layerType>` and `act_<fn>`. Append-only: new features go
 * at the end so stored models keep working.
 */
export const FEATURE_NAMES: readonly string[] = Object.freeze([
  ...STAT_FEATURES,
  ...MEMORY_FEATURES,
  ...DESCRIPTION_FEATURES,
  ...LAYER_TYPES.slice(0, FIRST_LATER_TYPE).map((t) => `type_${t}`),
  ...ACTIVATION_FNS.map((f) => `act_${f}`),
  ...LAYER_TYPES.slice(FIRST_LATER_TYPE).map((t) => `type_${t}`),
  ...LATER_FEATURES,
]);

/**
 * Every quantity of a layer at available memory M as named numbers (keys in FEATURE_NAMES order,
 * every key always present; fields a layer type does not have are 0).
 *
 * Memory features: swapBytes (see swapBytes), swapFraction = swapBytes / workingSetBytes,
 * loadSwapBytes = max(0, runtime + input + weights - M) (what does not fit during the load phase,
 * before the output and scratch exist), memoryPressure = (runtime + working set) / M.
 * Description features: shapes (batch = dim 0 of the first input; inChannels/inH/inW and
 * outChannels/outH/outW for 4-D NCHW tensors), conv/pool hyper-parameters with their defaults
 * (pool stride defaults to the kernel; padH/padW = mean padding per side), dense inFeatures/units/
 * rows, matmul batch/M/K/N, axis (non-negative) of concat/softmax/flatten, and the rest verbatim.
 * `memoryBytes` must be finite (with no limit, pass the machine's RAM). Cost: O(rank + features).
 */
export function layerFeatureVector(rl: ResolvedLayer, memoryBytes: number, runtimeIdleBytes: number, opts: LayerStatsOptions = {}): Record<string, number> {
  if (!Number.isFinite(memoryBytes) || memoryBytes <= 0) {
    throw new Error(`layerFeatureVector: memoryBytes ${memoryBytes} must be a positive finite number (with no limit, pass the machine's RAM)`);
  }
  const f: Record<string, number> = {};
  for (const name of FEATURE_NAMES) f[name] = 0;
  const st = layerStats(rl, opts);
  for (const k of STAT_FEATURES) f[k] = st[k];

  const swap = swapBytes(st.workingSetBytes, memoryBytes, runtimeIdleBytes);
  f.memoryBytes = memoryBytes;
  f.runtimeIdleBytes = runtimeIdleBytes;
  f.swapBytes = swap;
  f.swapFraction = st.workingSetBytes > 0 ? swap / st.workingSetBytes : 0;
  f.loadSwapBytes = Math.max(0, runtimeIdleBytes + st.inputBytes + st.weightBytes - memoryBytes);
  f.memoryPressure = (runtimeIdleBytes + st.workingSetBytes) / memoryBytes;

  const l = rl.layer;
  const x = rl.inputShapes[0] ?? [];
  const y = rl.outputShape;
  f.batch = x[0] ?? 0;
  f.numInputs = rl.inputShapes.length;
  f.inRank = x.length;
  f.outRank = y.length;
  f.inElements = numElements(x);
  f.outElements = numElements(y);
  if (x.length === 4) [, f.inChannels, f.inH, f.inW] = x as [number, number, number, number];
  if (y.length === 4) [, f.outChannels, f.outH, f.outW] = y as [number, number, number, number];
  f[`type_${l.type}`] = 1;

  const setWindow = (kernel: [number, number], stride: [number, number], pads: [number, number, number, number]): void => {
    [f.kernelH, f.kernelW] = kernel;
    f.kernelArea = kernel[0] * kernel[1];
    [f.strideH, f.strideW] = stride;
    [f.padTop, f.padLeft, f.padBottom, f.padRight] = pads;
    f.padH = (pads[0] + pads[2]) / 2;
    f.padW = (pads[1] + pads[3]) / 2;
  };

  switch (l.type) {
    case 'conv2d': {
      setWindow(expandPair(l.kernel, 1, 'kernel'), expandPair(l.stride, 1, 'stride'), expandPadding(l.padding));
      [f.dilationH, f.dilationW] = expandPair(l.dilation, 1, 'dilation');
      const g = l.groups ?? 1;
      f.groups = g;
      f.isDepthwise = g > 1 && g === x[1] ? 1 : 0;
      f.hasBias = l.bias === false ? 0 : 1;
      break;
    }
    case 'pool':
      if (l.global === true) {
        f.isGlobal = 1;
        setWindow([x[2] ?? 1, x[3] ?? 1], [1, 1], [0, 0, 0, 0]);
      } else {
        setWindow(expandPair(l.kernel, 1, 'kernel'), expandPair(l.stride ?? l.kernel, 1, 'stride'), expandPadding(l.padding));
      }
      f.ceilMode = l.ceilMode === true ? 1 : 0;
      f.poolMax = l.mode === 'max' ? 1 : 0;
      f.poolAvg = l.mode === 'avg' ? 1 : 0;
      break;
    case 'dense': {
      const inF = x[x.length - 1] ?? 0;
      f.inFeatures = inF;
      f.units = l.units;
      f.rows = inF > 0 ? numElements(x) / inF : 0;
      f.hasBias = l.bias === false ? 0 : 1;
      break;
    }
    case 'matmul':
      f.matmulM = y[y.length - 2] ?? 0;
      f.matmulN = y[y.length - 1] ?? 0;
      f.matmulK = x[x.length - 1] ?? 0;
      f.matmulBatch = numElements(y.slice(0, -2));
      f.transposeB = l.transposeB === true ? 1 : 0;
      break;
    case 'batchnorm':
      f.epsilon = l.epsilon ?? 1e-5;
      f.affine = l.affine === false ? 0 : 1;
      break;
    case 'layernorm':
      f.epsilon = l.epsilon ?? 1e-5;
      f.affine = 1;
      f.inFeatures = x[x.length - 1] ?? 0;
      break;
    case 'lrn':
      f.lrnSize = l.size;
      f.lrnAlpha = l.alpha ?? 1e-4;
      f.lrnBeta = l.beta ?? 0.75;
      f.lrnK = l.k ?? 1;
      break;
    case 'activation':
      f[`act_${l.fn}`] = 1;
      f.activationAlpha = l.alpha ?? (l.fn === 'leakyrelu' ? 0.01 : l.fn === 'elu' ? 1 : 0);
      break;
    case 'softmax':
      f.axis = normalise(l.axis ?? -1, x.length);
      break;
    case 'concat':
      f.axis = normalise(l.axis ?? 1, x.length);
      break;
    case 'flatten':
      f.axis = normalise(l.axis ?? 1, x.length);
      break;
    case 'dropout':
      f.dropoutRate = l.rate ?? 0;
      break;
    case 'embedding':
      f.vocab = l.vocab;
      f.embedDim = l.dim;
      break;
    case 'elementwise':
      f.constElements = l.constShape === undefined ? 0 : numElements(l.constShape);
      break;
    case 'reduce':
      f.reduceAxes = l.axes.length;
      f.rows = numElements(y);
      break;
    case 'slice':
      f.sliceAxes = l.axes.length;
      break;
    case 'pad':
      f.padElements = numElements(y) - numElements(x);
      break;
    case 'expand':
    case 'unary':
    case 'add':
    case 'mul':
    case 'reshape':
    case 'transpose':
    case 'opaque':
      break;
  }
  return f;
}

function normalise(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}
