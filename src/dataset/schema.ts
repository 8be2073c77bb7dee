/**
 * The measurement row: one timed execution (one repetition) of one layer at one memory limit on
 * one machine. memlat's own profiler, `memlat run` validation passes and foreign importers
 * (EdgeCaffe) all produce these; every model trains on them. Types only.
 */
import type { Layer, LayerType, ResolvedLayer } from '../network/types.js';

/** What a machine is, measured once and stored with every dataset (`memlat hardware`). */
export interface HardwareFingerprint {
  /** Stable short id derived from the fields below (e.g. "x86-2c-24g-3f9a"); rows link to it. */
  id: string;
  cpuModel: string;
  cores: number;
  ramBytes: number;
  cgroupVersion: 1 | 2 | null;
  /** Cold sequential read bandwidth of the disk holding the weight cache, bytes/s. */
  diskReadBytesPerSec: number | null;
  /** Memory copy bandwidth, bytes/s. */
  memBandwidthBytesPerSec: number | null;
  /** Achieved single-process fp32 GEMM rate through onnxruntime, GFLOP/s. */
  gemmGflops: number | null;
  /** Resident memory of an idle worker (Node + onnxruntime loaded), bytes. */
  runtimeIdleBytes: number | null;
  /** Swap throughput if measured, bytes/s. */
  swapBytesPerSec?: number | null;
  measuredAt?: string;
  notes?: string;
  /** Set when measured on an emulated machine (MEMLAT_EMULATE, src/host/emulate.ts): its canonical spec; part of the id. */
  emulation?: string;
  /**
   * The per-call probe: small networks run layer by layer as `memlat run` runs them, whose run and
   * unload are mostly a layer's fixed cost per call (fresh pages, thread pools, freeing), which no
   * rate above measures (src/dataset/call-probe.ts). Absent in fingerprints measured before it existed.
   */
  callProbe?: CallProbe | null;
  /**
   * Cold reads at the sizes weight files have (src/dataset/disk-curve.ts): a throttled disk with
   * burst credit (a cloud disk, the emulation's blk-throttle) reads a few MiB at full speed after an
   * idle moment and only large files at its throttled rate, which the one large read of
   * diskReadBytesPerSec cannot see. Absent in fingerprints measured before 2026-12-02.
   */
  diskCurve?: DiskCurve | null;
  /**
   * What a layer's run pays for weights freshly read from their file (src/machine/hardware.ts,
   * measureFreshWeights): the first access to pages that read(2) just filled costs ~5 us per 4 KiB
   * page on some VMs (host D) and next to nothing on others. Absent in fingerprints measured
   * before 737becf (2026-12-02 23:11 UTC).
   */
  freshWeights?: FreshWeightsProbe | null;
  /**
   * Set on a steady fingerprint (`memlat hardware --repeat N`, src/machine/steady.ts): every rate and
   * probe above is the median of N readings minutes apart, and this says how many and each probe's range.
   */
  steady?: SteadyInfo;
}

/** How a steady fingerprint was made: how many readings, over how long, and each probe's range. */
export interface SteadyInfo {
  readings: number;
  /** First and last reading's measuredAt. */
  from: string | null;
  to: string | null;
  /** [min, max] over the readings of each probe all of them measured (rates as stored, the per-call probe in ms). */
  range: Partial<Record<'diskReadBytesPerSec' | 'memBandwidthBytesPerSec' | 'gemmGflops' | 'callLoadMs' | 'callRunMs' | 'callUnloadMs', [number, number]>>;
}

/**
 * The fresh-weights probe: a GEMV ([1, K] x [K, N], weights as an input, as the executor feeds them)
 * run on a buffer read(2) has just filled from a `bytes` file, then again on the same buffer; the
 * medians over `reps` fresh buffers of each run (ms). (coldMs - warmMs) / bytes is the per-byte cost
 * of the weights' first access, on top of streaming them.
 */
export interface FreshWeightsProbe {
  bytes: number;
  reps: number;
  /** onnxruntime intra-op threads it ran with. */
  threads: number;
  coldMs: number;
  warmMs: number;
  /**
   * Median time to write one byte into each 4 KiB page of a fresh `bytes` mapping (one thread): the
   * page faults a layer's fresh output buffers take. Measured with the probe since it exists (737becf); optional for probes written by hand.
   */
  freshPagesMs?: number;
}

/**
 * The disk at weight-file sizes: for each size, the median time of cold whole-file reads, each read
 * after `idleMs` of idle (the run and unload between two loads of a pass). The last point is the
 * large probe of diskReadBytesPerSec (its size and bytes / rate).
 */
export interface DiskCurve {
  /** File sizes read, ascending. */
  bytes: number[];
  /** Median cold read time of each size, ms. */
  ms: number[];
  /** Idle time before each read, ms. */
  idleMs: number;
  /** Reads per size (the median taken); 0 for a curve taken from a dataset's network passes. */
  reads: number;
  /** Where it came from when not measured by `memlat hardware` (e.g. a dataset's validation runs). */
  source?: string;
}

/**
 * A per-call probe's result: for the zoo networks `networks`, run unlimited for `passes` passes, the
 * median pass's sum of each phase over the layers, summed over the networks (ms).
 */
export interface CallProbe {
  networks: string[];
  /** Layers in one pass of all the networks. */
  layers: number;
  /** Bytes of weights read in one pass (the load's disk part: weightBytes / disk rate). */
  weightBytes: number;
  passes: number;
  /** onnxruntime intra-op threads it ran with (null: not recorded). */
  threads: number | null;
  loadMs: number;
  runMs: number;
  unloadMs: number;
  /**
   * The layers without weights (activations, pooling, adds, ...) and the median pass's sum of their
   * loads (which read nothing: ~0). Absent in probes measured before 2026-12-01 13:30 UTC.
   */
  weightlessLayers?: number;
  weightlessLoadMs?: number;
  /** Where it came from when not measured by `memlat hardware` (e.g. a dataset's validation runs). */
  source?: string;
}

export interface MeasurementRow {
  /** Links to a HardwareFingerprint. */
  hardwareId: string;
  /** Who produced the row: 'memlat-profile' | 'memlat-run' | 'edgecaffe' | ... */
  source: string;
  /** Network name, or for sampled single layers the sample id (e.g. "s00042"). Used by splits. */
  network: string;
  layerIndex: number;
  layerName: string;
  layerType: LayerType;
  /** The layer's description (inputs renamed to its own input tensors). */
  layer: Layer;
  inputShapes: number[][];
  outputShape: number[];
  /** The memory limit M in bytes; null = no limit (then M = the machine's RAM). */
  memoryLimitBytes: number | null;
  /** Repetition (pass) index, 0-based. */
  rep: number;
  loadMs: number;
  runMs: number;
  /** null where the source does not measure it (EdgeCaffe). */
  unloadMs: number | null;
  /** Major page faults of the worker during this layer's load+run+unload. */
  majorFaults: number | null;
  /** Pages swapped in / out during the layer (cgroup or vmstat counters), if available. */
  swapInPages: number | null;
  swapOutPages: number | null;
  /** The worker was OOM-killed during this layer; times are then not meaningful. */
  oom: boolean;
  /**
   * Untimed harness overhead after this layer's unload (docs/EXECUTION-MODEL.md: work only the
   * harness needs, in no phase), ms; null/absent where not recorded (older data, foreign sources).
   */
  harnessMs?: number | null;
}

/** The columns of a row that say which layer it measured, from the resolved layer. */
export function layerRowFields(rl: ResolvedLayer): Pick<MeasurementRow, 'layerIndex' | 'layerName' | 'layerType' | 'layer' | 'inputShapes' | 'outputShape'> {
  return {
    layerIndex: rl.index,
    layerName: rl.layer.name,
    layerType: rl.layer.type,
    layer: rl.layer,
    inputShapes: rl.inputShapes,
    outputShape: rl.outputShape,
  };
}
