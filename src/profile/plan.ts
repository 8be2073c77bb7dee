/**
 * The profile plan: which sampled layers to measure at which memory limits, in which order.
 *
 * Layers come from the design space (design-space.ts). Each layer is measured with no limit (the
 * pair every slowdown is measured against) and at memory limits relative to its own working set W
 * plus the runtime's idle footprint I: M = I + f * W.
 *
 * The factors are drawn per layer ("continuous", the default): CONTINUOUS_LEVELS.count factors, one
 * in each of `count` equal-probability strata of a distribution over ln f that puts half its mass
 * uniformly over [0.15, 2] and half over [0.75, 1.3] (denser across the onset of swapping at f ~ 1),
 * with a rotation that differs per layer, so that over many layers every f in [0.15, 2] is measured
 * and every layer size has measurements on both sides of its cliff. The older fixed design (the same
 * factors for every layer, e.g. 4, 1.5, 1, 0.75, 0.5, 0.25) is still available with explicit `levels`;
 * for large layers it left nothing measured between 0.75 and 1, where the cliff is. Absolute limits are snapped onto a geometric grid (ratio 2^(1/16), ~4.4% steps, by
 * default; MiB multiples) so that many jobs share one limit and one worker process serves them all; limits that
 * snap together for the same layer (tiny layers, where I dominates) are measured once. No limit
 * goes below I + 8 MiB (the floor: below it the runtime's own pages would thrash, which says nothing
 * about the layer).
 *
 * Order: samples are processed in chunks (default 100 samples); within a chunk, one group per limit
 * (no limit first, then from the largest limit down). A run stopped by `--budget` therefore has every
 * level of its first samples rather than every sample at only the generous levels.
 *
 * Pure and deterministic in its options. Cost: O(layers x levels), ~0.1 ms per sample.
 */
import { layerStats } from '../features/layer.js';
import type { Layer, LayerType } from '../network/types.js';
import { sampleLayer, type LayerSample, type SampleKind } from './design-space.js';

const MiB = 1024 * 1024;

/** The former fixed level factors (of the layer's working set, on top of the idle footprint). */
export const DEFAULT_LEVEL_FACTORS: readonly number[] = [4, 1.5, 1.0, 0.75, 0.5, 0.25];

/** The continuous level design: factors per layer, their range, and the share drawn near the onset. */
export const CONTINUOUS_LEVELS = {
  count: 6,
  range: [0.15, 2] as const,
  near: [0.75, 1.3] as const,
  nearShare: 0.5,
};

/**
 * The quantile function of the continuous design's factor distribution at u in [0, 1): half the mass
 * log-uniform over CONTINUOUS_LEVELS.range, half log-uniform over CONTINUOUS_LEVELS.near. Cost: 50
 * bisection steps.
 * @example levelQuantile(0) // 0.15
 */
export function levelQuantile(u: number): number {
  const [a, b] = CONTINUOUS_LEVELS.range.map(Math.log) as [number, number];
  const [c, d] = CONTINUOUS_LEVELS.near.map(Math.log) as [number, number];
  const w = 1 - CONTINUOUS_LEVELS.nearShare;
  const cdf = (x: number): number => w * ((x - a) / (b - a)) + (1 - w) * Math.min(1, Math.max(0, (x - c) / (d - c)));
  let lo = a;
  let hi = b;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < u) lo = mid;
    else hi = mid;
  }
  return Math.exp((lo + hi) / 2);
}

/**
 * The continuous design's factors of sample n: one per stratum k of `count`, at u = (k + v_n) / count
 * with v_n = frac(0.5 + n * (golden ratio - 1) + seed * sqrt 2) (a low-discrepancy rotation per
 * sample). Descending. Pure.
 */
export function continuousFactors(n: number, seed: number, count = CONTINUOUS_LEVELS.count): number[] {
  const v = (0.5 + n * 0.6180339887498949 + seed * Math.SQRT2) % 1;
  const fs: number[] = [];
  for (let k = 0; k < count; k++) fs.push(levelQuantile((k + v) / count));
  return fs.sort((x, y) => y - x);
}

/** Default ratio between neighbouring limits of the grid: 2^(1/16), ~4.4% steps. */
export const GRID_RATIO = 2 ** (1 / 16);
/** No limit is set below idle + this (8 MiB). */
export const FLOOR_ABOVE_IDLE_BYTES = 8 * MiB;

/** Options of buildPlan (everything that determines the plan; stored beside the dataset). */
export interface PlanOptions {
  /** Seed of the design-space sequence. */
  seed: number;
  /** Number of sampled layers (a larger number extends a smaller plan of the same seed). */
  layers: number;
  /** Passes per (layer, limit) job. */
  reps: number;
  /**
   * Memory level factors f (M = idle + f * workingSet): 'continuous' (default: drawn per layer, see
   * continuousFactors) or the same fixed list for every layer.
   */
  levels?: readonly number[] | 'continuous';
  /** Also measure with no limit (default true). */
  unlimited?: boolean;
  /** Resident bytes of an idle worker (Node + onnxruntime loaded), measured once. */
  idleBytes: number;
  /** Size cap of a sample's fp32 weights + activations, bytes (default 512 MiB). */
  maxTensorBytes?: number;
  /**
   * Only these design-space kinds (default: every kind). With minTensorBytes, a targeted plan: the
   * plan's layers are the first `layers` samples of the sequence that pass both filters, e.g. large
   * dense layers, which the whole design space samples rarely (docs/PROFILING.md).
   */
  kinds?: readonly SampleKind[] | null;
  /** Only samples of at least this many fp32 weight + activation bytes (default 0). */
  minTensorBytes?: number;
  /** Ratio between neighbouring grid limits (default 2^(1/16)). */
  gridRatio?: number;
  /** Samples per chunk (default 100). */
  chunkSize?: number;
  /** Intra-op threads of the workers (the conv workspace, hence the working set, depends on it). Default 1. */
  threads?: number;
  /**
   * Working set of a layer, bytes. Default: `layerStats(..., { threads }).workingSetBytes`
   * (src/features/layer.ts): weights + inputs + output + conv workspace.
   */
  workingSetBytes?: (s: LayerSample) => number;
}

/** One measurement job: one sampled layer at one memory limit, measured `reps` times. */
export interface PlanJob {
  /** Unique in the plan: "<sampleId>@<limit MiB|none>", e.g. "s00042@384MiB". */
  id: string;
  /** The row's `network` field, e.g. "s00042". */
  sampleId: string;
  sampleIndex: number;
  /** The design-space kind, or 'network-layer' for a layer of a real network (memlat calibrate). */
  kind: SampleKind | 'network-layer';
  layerType: LayerType;
  /** The row's `layerIndex`: 0 for a sampled layer (its own one-layer network), the layer's index in its network otherwise. */
  layerIndex?: number;
  layer: Layer;
  inputShapes: number[][];
  outputShape: number[];
  workingSetBytes: number;
  /** Snapped limit in bytes, or null for no limit. */
  memoryLimitBytes: number | null;
  /** The nominal factor(s) that snapped to this limit (null for no limit). */
  levelFactors: number[] | null;
}

/** Jobs sharing one memory limit inside one chunk: one worker process serves them. */
export interface PlanGroup {
  chunk: number;
  memoryLimitBytes: number | null;
  jobs: PlanJob[];
}

/** A complete plan. */
export interface ProfilePlan {
  options: Required<Omit<PlanOptions, 'workingSetBytes' | 'kinds'>> & { kinds: SampleKind[] | null };
  groups: PlanGroup[];
  /** Total jobs (sum of group sizes); measurements = jobs x reps. */
  jobs: number;
}

/** Label of a limit used in job ids: "384MiB" or "none". */
export function limitLabel(bytes: number | null): string {
  return bytes === null ? 'none' : `${Math.round(bytes / MiB)}MiB`;
}

/**
 * Snaps a limit onto the geometric grid {round(16 MiB * ratio^k) MiB multiples}, to the nearest
 * grid point at or above `floorBytes`.
 * @example snapLimit(300 * MiB, 2 ** 0.25, 0) // -> 304 MiB (16 MiB * 2^(17/4) = 304.4 MiB)
 */
export function snapLimit(bytes: number, ratio: number, floorBytes: number): number {
  const base = 16 * MiB;
  const at = (k: number): number => Math.round((base * ratio ** k) / MiB) * MiB;
  let k = Math.round(Math.log(Math.max(bytes, base) / base) / Math.log(ratio));
  while (at(k) < floorBytes) k++;
  return at(k);
}

/**
 * The resume key of one measurement: (network, limit, rep), and the layer index when it is not 0
 * (a sampled layer is layer 0 of its own network; memlat calibrate measures layers of real networks).
 */
export function measurementKey(network: string, memoryLimitBytes: number | null, rep: number, layerIndex = 0): string {
  return `${network}|${memoryLimitBytes ?? 'none'}|${rep}${layerIndex === 0 ? '' : `|L${layerIndex}`}`;
}

/**
 * Builds the plan. Throws (programming error) on non-positive counts; the CLI validates flags first.
 * @example buildPlan({ seed: 1, layers: 600, reps: 3, idleBytes: 90 * MiB }).jobs // ~ 600 * 6
 */
export function buildPlan(opts: PlanOptions): ProfilePlan {
  const levels: readonly number[] | 'continuous' =
    opts.levels === undefined || opts.levels === 'continuous' ? 'continuous' : [...opts.levels].sort((a, b) => b - a);
  const options: ProfilePlan['options'] = {
    seed: opts.seed,
    layers: opts.layers,
    reps: opts.reps,
    levels,
    unlimited: opts.unlimited ?? true,
    idleBytes: opts.idleBytes,
    maxTensorBytes: opts.maxTensorBytes ?? 512 * MiB,
    kinds: opts.kinds ? [...opts.kinds] : null,
    minTensorBytes: opts.minTensorBytes ?? 0,
    gridRatio: opts.gridRatio ?? GRID_RATIO,
    chunkSize: opts.chunkSize ?? 100,
    threads: opts.threads ?? 1,
  };
  if (!(options.layers >= 1 && options.reps >= 1 && options.chunkSize >= 1 && options.gridRatio > 1)) {
    throw new Error(
      `buildPlan: layers ${options.layers}, reps ${options.reps}, chunkSize ${options.chunkSize} must be >= 1 and gridRatio ${options.gridRatio} > 1`,
    );
  }
  if (options.kinds !== null && options.kinds.length === 0) throw new Error('buildPlan: kinds must name at least one kind (or be null: every kind)');
  if (options.minTensorBytes > 0 && !(options.minTensorBytes < options.maxTensorBytes)) {
    throw new Error(`buildPlan: minTensorBytes ${options.minTensorBytes} must be below maxTensorBytes ${options.maxTensorBytes}`);
  }
  const floorBytes = options.idleBytes + FLOOR_ABOVE_IDLE_BYTES;
  const samples = planSamples(options);
  const groups: PlanGroup[] = [];
  let jobs = 0;
  for (let start = 0, chunk = 0; start < options.layers; start += options.chunkSize, chunk++) {
    const byLimit = new Map<number | null, PlanJob[]>();
    for (let i = start; i < Math.min(options.layers, start + options.chunkSize); i++) {
      const { n, sample: s } = samples[i]!;
      const ws = opts.workingSetBytes
        ? opts.workingSetBytes(s)
        : layerStats({ index: 0, layer: s.layer, inputShapes: s.inputShapes, outputShape: s.outputShape }, { threads: options.threads }).workingSetBytes;
      const mine = new Map<number | null, number[] | null>();
      if (options.unlimited) mine.set(null, null);
      for (const f of levels === 'continuous' ? continuousFactors(n, options.seed) : levels) {
        const m = snapLimit(options.idleBytes + f * ws, options.gridRatio, floorBytes);
        const fs = mine.get(m);
        if (fs) fs.push(f);
        else mine.set(m, [f]);
      }
      for (const [m, fs] of mine) {
        const job: PlanJob = {
          id: `${s.id}@${limitLabel(m)}`,
          sampleId: s.id,
          sampleIndex: n,
          kind: s.kind,
          layerType: s.layer.type,
          layer: s.layer,
          inputShapes: s.inputShapes,
          outputShape: s.outputShape,
          workingSetBytes: ws,
          memoryLimitBytes: m,
          levelFactors: fs,
        };
        const list = byLimit.get(m);
        if (list) list.push(job);
        else byLimit.set(m, [job]);
        jobs++;
      }
    }
    const limits = [...byLimit.keys()].sort((a, b) => (a === null ? -1 : b === null ? 1 : b - a));
    for (const m of limits) groups.push({ chunk, memoryLimitBytes: m, jobs: byLimit.get(m)! });
  }
  return { options, groups, jobs };
}

/**
 * The plan's samples in order: the sequence itself, or (kinds / minTensorBytes set) the first
 * `layers` samples of it that pass the filters, ids prefixed "t" so that they never share a name
 * with an unfiltered sample (a dataset combined with the reference profile keeps them apart).
 * A filter no sample can pass (a kind that cannot reach minTensorBytes under the cap) throws after
 * a bounded search, naming the filter.
 */
function planSamples(o: ProfilePlan['options']): { n: number; sample: LayerSample }[] {
  const filtered = o.kinds !== null || o.minTensorBytes > 0;
  const out: { n: number; sample: LayerSample }[] = [];
  const limit = filtered ? Math.max(100_000, 1000 * o.layers) : o.layers;
  for (let n = 0; out.length < o.layers; n++) {
    if (n >= limit) {
      throw new Error(
        `buildPlan: ${out.length} of ${o.layers} samples pass kinds ${o.kinds?.join(',') ?? 'all'} and minTensorBytes ${o.minTensorBytes} in the first ${limit} of the sequence; widen the filter`,
      );
    }
    const s = sampleLayer(n, { seed: o.seed, maxTensorBytes: o.maxTensorBytes });
    if (!filtered) out.push({ n, sample: s });
    else if ((o.kinds === null || o.kinds.includes(s.kind)) && s.tensorBytes >= o.minTensorBytes) out.push({ n, sample: { ...s, id: `t${s.id}` } });
  }
  return out;
}
