/**
 * Network + available memory M + model bundle -> per-layer and total predicted times, under
 * docs/EXECUTION-MODEL.md (network time = sum over layers of load + run + unload).
 *
 * The per-layer step (predictLayers over a PreparedNetwork) is the one code path that predictNetwork,
 * latencyCurve and minMemory share, so the three agree exactly at the same M.
 *
 * Pure and fast: per M, one model evaluation per distinct layer (identical layers are grouped once,
 * prepareNetwork) and O(layers) additions; nothing here imports onnxruntime or touches files (the
 * `predict` command must start fast).
 */
import { argumentError } from '../errors.js';
import { layerStats, swapBytes } from '../features/layer.js';
import { statsOptions } from '../models/observations.js';
import type { Target, TimePrediction } from '../models/types.js';
import type { ResolvedNetwork } from '../network/types.js';
import { formatBytes } from '../units.js';
import type { LoadedBundle } from './bundle.js';

/** One layer's predicted phases at M. */
export interface LayerPrediction {
  name: string;
  type: string;
  loadMs: number;
  runMs: number;
  unloadMs: number;
  /** loadMs + runMs + unloadMs. */
  totalMs: number;
  /** True when part of the layer's working set does not fit at M (swapBytes > 0). */
  swaps: boolean;
  /** max(0, workingSetBytes + runtimeIdleBytes - M) (features/layer.ts swapBytes). */
  swapBytes: number;
}

/** A layer among the largest contributors to the total. */
export interface Bottleneck {
  index: number;
  name: string;
  type: string;
  totalMs: number;
  /** totalMs / network totalMs, in [0, 1]. */
  share: number;
}

/** What predictNetwork returns (the `memlat predict --json` document, before the model label). */
export interface NetworkPrediction {
  network: string;
  /** The M asked for; null = no limit. */
  memoryBytes: number | null;
  /** The M the model was evaluated at: min(M, hardware RAM); RAM when unlimited. */
  effectiveMemoryBytes: number;
  totalMs: number;
  /** [low, high] from the bundle's calibration; null when the bundle has none. */
  intervalMs: [number, number] | null;
  /** Nominal coverage of intervalMs (null with it). */
  intervalCoverage: number | null;
  layers: LayerPrediction[];
  /** The `top` layers with the largest totalMs, largest first. */
  bottlenecks: Bottleneck[];
  /** Phases the model was not trained on, predicted as 0 (e.g. unload for EdgeCaffe-fitted models). */
  notModelled: Target[];
  /** The thrash floor (thrashFloor): below it runs were OOM-killed or spread 2x, and the total is extrapolated. */
  thrashFloorBytes: number;
}

/**
 * A network with its M-independent per-layer quantities computed once (working sets), so that
 * evaluating many M (curves, searches) costs only the model calls.
 */
export interface PreparedNetwork {
  rn: ResolvedNetwork;
  bundle: LoadedBundle;
  /** workingSetBytes of each layer (layerStats with the hardware's thread count). */
  workingSetBytes: Float64Array;
  /** The runtime's idle footprint on the bundle's hardware (0 when unknown). */
  runtimeIdleBytes: number;
  /** The least M (exclusive) that can run anything: runtimeIdleBytes. */
  minMemoryBytes: number;
  /** The least M at which no layer swaps: runtimeIdleBytes + max working set. */
  noSwapMemoryBytes: number;
  /** Below this M runs thrash (thrashFloor): runtimeIdleBytes + max(THRASH_SHARE x max working set, THRASH_MARGIN_BYTES). */
  thrashFloorBytes: number;
  /**
   * Layers that are the same to a model (layerSignature: type, parameters and shapes; not the name,
   * input names or position) share one group; groupOf[i] is layer i's group and groupLayers[g] the
   * first layer of group g. predictTotalAt calls the model once per group, not once per layer.
   */
  groupOf: Uint32Array;
  groupLayers: ResolvedNetwork['layers'];
}

/**
 * What a model can see of a layer apart from where it is: its type and parameters (every field but
 * `name` and `inputs`) and its input and output shapes. Models predict from these only (LayerInput
 * carries the layer, M and the hardware; no model reads a layer's name, input names or index), so
 * two layers with the same signature get the same prediction at every M. Cost O(fields).
 */
export function layerSignature(rl: ResolvedNetwork['layers'][number]): string {
  const fields = Object.entries(rl.layer).filter(([k]) => k !== 'name' && k !== 'inputs');
  return JSON.stringify([fields, rl.inputShapes, rl.outputShape]);
}

/** Precomputes the M-independent part of a network's prediction. Cost O(layers). */
export function prepareNetwork(rn: ResolvedNetwork, bundle: LoadedBundle): PreparedNetwork {
  const opts = statsOptions(bundle.hardware);
  const ws = new Float64Array(rn.layers.length);
  const groupOf = new Uint32Array(rn.layers.length);
  const groupLayers: ResolvedNetwork['layers'] = [];
  const groups = new Map<string, number>();
  const groupWs: number[] = [];
  let peak = 0;
  rn.layers.forEach((rl, i) => {
    const sig = layerSignature(rl);
    let g = groups.get(sig);
    if (g === undefined) {
      g = groupLayers.length;
      groups.set(sig, g);
      groupLayers.push(rl);
      groupWs.push(layerStats(rl, opts).workingSetBytes);
    }
    groupOf[i] = g;
    const w = groupWs[g]!;
    ws[i] = w;
    if (w > peak) peak = w;
  });
  const idle = bundle.hardware.runtimeIdleBytes ?? 0;
  return {
    rn,
    bundle,
    workingSetBytes: ws,
    runtimeIdleBytes: idle,
    minMemoryBytes: idle,
    noSwapMemoryBytes: idle + peak,
    thrashFloorBytes: thrashFloor(idle, peak),
    groupOf,
    groupLayers,
  };
}

/**
 * Share of the largest layer's working set that must fit beside the runtime for a run to be
 * reliable, and the least room beside the runtime for any network (see thrashFloor).
 */
export const THRASH_SHARE = 0.5;
export const THRASH_MARGIN_BYTES = 16 * 2 ** 20;

/**
 * The least M at which memlat expects a network to run reliably: the runtime's idle footprint plus
 * half its largest layer's working set, and at least 16 MiB beside the runtime. Below it runs
 * thrash, and the model's numbers there are extrapolation:
 * - the profile never limits a layer to less than idle + ~9 MiB;
 * - every measured whole-network run with at least half the largest layer beside the runtime
 *   completed (572 runs of 65 networks in data/, 2026-11-30 to 12-01), and so did the 12 runs at
 *   0.25-0.31 of it (7 networks, pass spread up to 1.39x);
 * - below it, 3 of held-out #9's 10 min-memory runs there (idle to idle + 0.07 x a largest layer of
 *   54-211 MiB) were OOM-killed, and the others spread 1.1-2.5x from pass to pass;
 * - regnet_y_400mf 4-6 MiB above idle ran 2-3x its unlimited time with a largest layer under 10 MiB
 *   (held-out #3).
 * min-memory does not answer below it; predict and curve say when M is below it. Cost O(1).
 */
export function thrashFloor(runtimeIdleBytes: number, largestWorkingSetBytes: number): number {
  return runtimeIdleBytes + Math.max(THRASH_SHARE * largestWorkingSetBytes, THRASH_MARGIN_BYTES);
}

/**
 * The M a model is evaluated at for a requested limit: the machine's RAM when unlimited (null), and
 * never more than the RAM (a cgroup limit above RAM does not add memory). Throws a UserError when M
 * does not exceed what the runtime itself needs. Cost O(1).
 */
export function effectiveMemory(p: PreparedNetwork, memoryBytes: number | null, field = 'memory'): number {
  const ram = p.bundle.hardware.ramBytes;
  if (memoryBytes === null) return ram;
  if (!(memoryBytes > p.minMemoryBytes)) {
    throw argumentError(
      (n) =>
        `${n(field)} ${formatBytes(memoryBytes)} is not more than the ${formatBytes(p.minMemoryBytes)} the runtime itself needs on this hardware (idle worker, ${p.bundle.hardware.id}); give more, e.g. ${formatBytes(Math.max(p.noSwapMemoryBytes, p.minMemoryBytes * 2))} runs ${p.rn.name} without swapping`,
    );
  }
  return Math.min(memoryBytes, ram);
}

/**
 * What a model is told about the network a layer runs in (LayerInput's networkLayers and
 * networkMaxWorkingSetBytes): its layer count and its largest working set. The same for every layer of
 * the network. Cost O(1).
 */
export function networkContext(p: PreparedNetwork): { networkLayers: number; networkMaxWorkingSetBytes: number } {
  return { networkLayers: p.rn.layers.length, networkMaxWorkingSetBytes: p.noSwapMemoryBytes - p.runtimeIdleBytes };
}

/**
 * Predicts every layer at effective memory `mBytes` into `out` (reused across calls) and returns the
 * total. The shared code path of predictNetwork, latencyCurve and minMemory. The model is called
 * once per group of identical layers (PreparedNetwork.groupOf); the total is still summed layer by
 * layer in network order, so it is the same number as calling the model for every layer. Cost:
 * O(groups) model calls + O(layers) additions.
 */
export function predictTotalAt(p: PreparedNetwork, mBytes: number, out?: LayerPrediction[]): number {
  const { model, hardware } = p.bundle;
  const reps = p.groupLayers;
  const net = networkContext(p);
  const phases = new Array<TimePrediction>(reps.length);
  const totals = new Float64Array(reps.length);
  for (let g = 0; g < reps.length; g++) {
    const t = model.predict({
      layer: reps[g]!,
      memoryBytes: mBytes,
      hardware,
      ...net,
    });
    phases[g] = t;
    totals[g] = t.loadMs + t.runMs + t.unloadMs;
  }
  const layers = p.rn.layers;
  const groupOf = p.groupOf;
  let total = 0;
  for (let i = 0; i < layers.length; i++) {
    const g = groupOf[i]!;
    const layerTotal = totals[g]!;
    total += layerTotal;
    if (out) {
      const rl = layers[i]!;
      const t = phases[g]!;
      const sw = swapBytes(p.workingSetBytes[i]!, mBytes, p.runtimeIdleBytes);
      out[i] = {
        name: rl.layer.name,
        type: rl.layer.type,
        loadMs: t.loadMs,
        runMs: t.runMs,
        unloadMs: t.unloadMs,
        totalMs: layerTotal,
        swaps: sw > 0,
        swapBytes: sw,
      };
    }
  }
  return total;
}

/**
 * Relative uncertainty of the memory a run really has beside its limit: the runtime's footprint
 * differs by a few MiB from start to start, and the kernel keeps some page cache charged to the group.
 * At a cliff this moves a layer from one side to the other (passes there are bimodal: AlexNet at
 * 159 MiB measured 627-1376 ms), so intervals span the totals at M (1 +- MEMORY_UNCERTAINTY).
 */
export const MEMORY_UNCERTAINTY = 0.03;

/**
 * [low, high] around a total from the bundle's calibration, or null. With `around` (the totals at
 * M (1 + u) and M (1 - u)), the interval spans both: wide where M sits on a cliff, unchanged where
 * the curve is flat. Cost O(1).
 */
export function intervalFor(bundle: LoadedBundle, totalMs: number, around?: { moreMemoryMs: number; lessMemoryMs: number }): [number, number] | null {
  const c = bundle.calibration;
  if (!c) return null;
  const lo = Math.min(totalMs, around?.moreMemoryMs ?? totalMs);
  const hi = Math.max(totalMs, around?.lessMemoryMs ?? totalMs);
  return [lo * Math.exp(c.logLow), hi * Math.exp(c.logHigh)];
}

/** The totals at M (1 +- MEMORY_UNCERTAINTY) (clamped to the valid range), for intervalFor. Cost 2 x O(layers). */
export function totalsAround(p: PreparedNetwork, mBytes: number): { moreMemoryMs: number; lessMemoryMs: number } {
  const ram = p.bundle.hardware.ramBytes;
  const more = Math.min(ram, mBytes * (1 + MEMORY_UNCERTAINTY));
  const less = Math.max(p.minMemoryBytes + 1, mBytes * (1 - MEMORY_UNCERTAINTY));
  return { moreMemoryMs: predictTotalAt(p, more), lessMemoryMs: predictTotalAt(p, Math.min(less, mBytes)) };
}

/**
 * Predicts a resolved network at available memory `memoryBytes` (null = no limit = the hardware's
 * RAM) with a loaded bundle: per-layer load/run/unload, whether each layer swaps, the total, its
 * calibrated interval (null without calibration) and the `top` bottleneck layers by total time.
 * Throws UserError for M not above the runtime's idle footprint. Cost O(layers) model calls.
 * @example predictNetwork(resolveNetwork(zooNetwork('vgg16')), 512 * 2 ** 20, bundle).totalMs
 */
export function predictNetwork(
  rn: ResolvedNetwork,
  memoryBytes: number | null,
  bundle: LoadedBundle,
  opts: { top?: number; prepared?: PreparedNetwork } = {},
): NetworkPrediction {
  const p = opts.prepared ?? prepareNetwork(rn, bundle);
  const m = effectiveMemory(p, memoryBytes);
  const layers: LayerPrediction[] = new Array<LayerPrediction>(rn.layers.length);
  const totalMs = predictTotalAt(p, m, layers);
  const top = Math.max(0, opts.top ?? 5);
  const bottlenecks = layers
    .map((l, index) => ({ index, name: l.name, type: l.type, totalMs: l.totalMs, share: totalMs > 0 ? l.totalMs / totalMs : 0 }))
    .sort((a, b) => b.totalMs - a.totalMs || a.index - b.index)
    .slice(0, top);
  const fitted = new Set(bundle.model.fittedTargets);
  return {
    network: rn.name,
    memoryBytes,
    effectiveMemoryBytes: m,
    totalMs,
    intervalMs: intervalFor(bundle, totalMs, bundle.calibration ? totalsAround(p, m) : undefined),
    intervalCoverage: bundle.calibration?.coverage ?? null,
    layers,
    bottlenecks,
    notModelled: (['load', 'run', 'unload'] as const).filter((t) => !fitted.has(t)),
    thrashFloorBytes: p.thrashFloorBytes,
  };
}
