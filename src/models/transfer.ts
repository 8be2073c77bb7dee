/**
 * Zero-shot transfer: a model fitted on machine A predicts machine B from B's fingerprint alone, by
 * scaling each phase by the ratio of the hardware part that drives it (docs/MODELS.md, "Zero-shot
 * transfer and calibration").
 *
 * The model is evaluated as on A (the query's fingerprint with A's disk, memory and GEMM rates), at
 * M and without a limit; a phase's time is split into its unlimited part u and its swap part
 * s = t(M) - u (model-agnostic: whatever the kind, the extra time a limit adds). Then, with rate
 * ratios r = B / A (1 where either side has not measured the part):
 *
 *   load_B   = u_load * (d / r_disk + (1 - d)) + s_load / r_disk
 *   run_B    = u_run * (c / r_gemm + (1 - c) / r_mem) + s_run / r_disk
 *   unload_B = u_unload + s_unload / r_disk
 *
 * - d, the disk share of the load: the time to read the layer's weights once at A's cold disk
 *   bandwidth over the unlimited load time, capped at 1 (a load that is all weight reading scales
 *   wholly with the disk; a weightless layer's load, session creation, does not).
 * - c, the compute share of the run: the roofline split on A, flops / GEMM rate against the bytes
 *   the kernel touches (inputs, output, weights) / memory copy bandwidth.
 * - unload (freeing a session, a GC) and the rest of the load are per-call overheads no fingerprint
 *   part measures: left as on A.
 * - the swap term is disk reads (pages in from swap): it scales with the disk, as fe-swap's physical
 *   term does exactly (bytes / bandwidth).
 *
 * The interval widens with the distance between the fingerprints (transferSigma): the scaling is
 * exact only for a phase driven by one part; mixed phases, cache sizes and cores are not in it.
 *
 * Pure. Cost: two base predictions per query (the unlimited one once for queries at >= RAM).
 */
import type { HardwareFingerprint } from '../dataset/schema.js';
import { cachedStats } from './observations.js';
import type { LayerInput, Model, ModelJSON, Target, TimePrediction } from './types.js';

/** Rate ratios target / source (B / A) of the parts that drive the phases; 1 where unknown. */
export interface TransferRatios {
  /** Cold disk read bandwidth: load (weights) and swap. */
  disk: number;
  /** Memory copy bandwidth: the memory-bound part of run. */
  mem: number;
  /** GEMM rate: the compute-bound part of run. */
  gemm: number;
}

/**
 * Scale of the transfer's own uncertainty: sigma (of ln time) = TRANSFER_SIGMA_PER_LOG x
 * (|ln r_disk| + |ln r_mem| + |ln r_gemm|). Why 0.25: the scaling is exact for a phase driven by
 * one part and off for mixed ones by up to the whole ratio; across a network's layers the mix
 * averages, and a quarter of the log distance is what is left (issue 12's second machine: disk
 * 0.44x, |ln| 0.82, gives sigma 0.2: z(0.9) sigma = 0.34 added in quadrature to each end of the
 * 90% interval of ln time). A prior guess, not fitted: the lead's transfer benchmark (docs/BENCHMARKS.md) is what checks it.
 */
export const TRANSFER_SIGMA_PER_LOG = 0.25;

function rate(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null;
}

/** B / A for each rate part; 1 where either fingerprint lacks it. Cost O(1). */
export function transferRatios(from: HardwareFingerprint, to: HardwareFingerprint): TransferRatios {
  const r = (a: unknown, b: unknown): number => {
    const x = rate(a);
    const y = rate(b);
    return x !== null && y !== null ? y / x : 1;
  };
  return {
    disk: r(from.diskReadBytesPerSec, to.diskReadBytesPerSec),
    mem: r(from.memBandwidthBytesPerSec, to.memBandwidthBytesPerSec),
    gemm: r(from.gemmGflops, to.gemmGflops),
  };
}

/** True when every ratio is exactly 1 (the transfer changes nothing). */
export function isIdentityTransfer(r: TransferRatios): boolean {
  return r.disk === 1 && r.mem === 1 && r.gemm === 1;
}

/** The transfer's sigma of ln time: TRANSFER_SIGMA_PER_LOG x sum |ln ratio|. Cost O(1). */
export function transferSigma(r: TransferRatios): number {
  return TRANSFER_SIGMA_PER_LOG * (Math.abs(Math.log(r.disk)) + Math.abs(Math.log(r.mem)) + Math.abs(Math.log(r.gemm)));
}

/** What a zero-shot transfer did (`machine.zeroShot` in the JSON of predict, curve, min-memory). */
export interface ZeroShotInfo {
  /** The machine the model was fitted on, and the one predicted for. */
  fromId: string;
  toId: string;
  /** Rate ratios target / model machine (1 where either side lacks the part). */
  ratios: TransferRatios;
  /** The transfer's sigma of ln time (TRANSFER_SIGMA_PER_LOG x sum |ln ratio|). */
  sigma: number;
  /** Whether a calibrated interval was widened (false: the bundle has none). */
  intervalWidened: boolean;
}

/** A query's phases split into the unlimited part and the swap part, both already scaled to B. */
export interface TransferredPhases {
  unlimited: TimePrediction;
  swap: TimePrediction;
}

/**
 * The fixed arithmetic of a transfer from `from` (A) to `to` (B), shared by TransferModel and the
 * calibrated kind: evaluates `base` as on A and scales (see the file comment). Fingerprints with
 * A's rates are cached per query fingerprint object, so the base model's own per-layer caches hit.
 */
export class Transfer {
  readonly ratios: TransferRatios;
  private readonly asA = new WeakMap<HardwareFingerprint, HardwareFingerprint>();
  constructor(
    readonly base: Model,
    readonly from: HardwareFingerprint,
    readonly to: HardwareFingerprint,
  ) {
    this.ratios = transferRatios(from, to);
  }

  /** The query's fingerprint with A's rates (cached per object). */
  private hwAsA(hw: HardwareFingerprint): HardwareFingerprint {
    let h = this.asA.get(hw);
    if (!h) {
      h = {
        ...hw,
        diskReadBytesPerSec: this.from.diskReadBytesPerSec,
        memBandwidthBytesPerSec: this.from.memBandwidthBytesPerSec,
        gemmGflops: this.from.gemmGflops,
      };
      this.asA.set(hw, h);
    }
    return h;
  }

  /** Load and run scale factors of the unlimited part for a layer (see the file comment). */
  scales(x: LayerInput, unlimited: TimePrediction): { load: number; run: number } {
    const r = this.ratios;
    const st = cachedStats(x);
    const disk = rate(this.from.diskReadBytesPerSec);
    let d = 0;
    if (disk !== null && unlimited.loadMs > 0) d = Math.min(1, ((st.weightBytes / disk) * 1000) / unlimited.loadMs);
    const gemm = rate(this.from.gemmGflops);
    const mem = rate(this.from.memBandwidthBytesPerSec);
    let c = 0;
    if (gemm !== null && mem !== null) {
      const tc = st.flops / (gemm * 1e9);
      const tm = (st.inputBytes + st.outputBytes + st.weightBytes) / mem;
      c = tc + tm > 0 ? tc / (tc + tm) : 0;
    } else if (gemm !== null) c = st.flops > 0 ? 1 : 0;
    return { load: d / r.disk + (1 - d), run: c / r.gemm + (1 - c) / r.mem };
  }

  /** The query's phases on B, split into unlimited and swap parts. */
  phases(x: LayerInput): TransferredPhases {
    const hw = this.hwAsA(x.hardware);
    const atM = this.base.predict({ layer: x.layer, memoryBytes: x.memoryBytes, hardware: hw });
    const unl = x.memoryBytes >= hw.ramBytes ? atM : this.base.predict({ layer: x.layer, memoryBytes: hw.ramBytes, hardware: hw });
    const k = this.scales(x, unl);
    const sw = 1 / this.ratios.disk;
    return {
      unlimited: { loadMs: unl.loadMs * k.load, runMs: unl.runMs * k.run, unloadMs: unl.unloadMs },
      swap: { loadMs: (atM.loadMs - unl.loadMs) * sw, runMs: (atM.runMs - unl.runMs) * sw, unloadMs: (atM.unloadMs - unl.unloadMs) * sw },
    };
  }
}

/**
 * A model fitted on `from` predicting for `to`'s rates (zero-shot; see the file comment). Not a
 * stored kind: applied when a bundle is loaded for another machine (src/predict/zero-shot.ts); it
 * reports the base's kind and serialises as the base.
 */
export class TransferModel implements Model {
  readonly name;
  readonly kind: string;
  readonly version: number;
  readonly fittedTargets: readonly Target[];
  readonly transfer: Transfer;
  constructor(
    readonly base: Model,
    from: HardwareFingerprint,
    to: HardwareFingerprint,
  ) {
    this.name = base.name;
    this.kind = base.kind;
    this.version = base.version;
    this.fittedTargets = base.fittedTargets;
    this.transfer = new Transfer(base, from, to);
  }

  predict(x: LayerInput): TimePrediction {
    const p = this.transfer.phases(x);
    return { loadMs: p.unlimited.loadMs + p.swap.loadMs, runMs: p.unlimited.runMs + p.swap.runMs, unloadMs: p.unlimited.unloadMs + p.swap.unloadMs };
  }

  toJSON(): ModelJSON {
    return this.base.toJSON();
  }
}
