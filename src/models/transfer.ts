/**
 * Zero-shot transfer: a model fitted on machine A predicts machine B from B's fingerprint alone, by
 * scaling each phase by the ratio of the hardware part that drives it (docs/MODELS.md, "Zero-shot
 * transfer and calibration").
 *
 * The model is evaluated as on A (the query's fingerprint with A's disk, memory and GEMM rates), at
 * M and without a limit; a phase's time is split into its unlimited part u and its swap part
 * s = t(M) - u (model-agnostic: whatever the kind, the extra time a limit adds). Then, with rate
 * ratios r = B / A and per-call time ratios p = B / A (each 1 where either side has not measured
 * the part):
 *
 *   load_B   = u_load * (d * q + (1 - d) * p_load) + s_load * w
 *   run_B    = u_run * (k * (c / r_gemm + (1 - c) / r_mem) + (1 - k) * p_run) + s_run * w
 *   unload_B = u_unload * p_unload + s_unload * w
 *
 * Every measured ratio is first shrunk toward 1 by the noise of the probes it divides (shrinkRatio,
 * PROBE_NOISE_SD): one machine's probes move 0.5-1.6x between sessions while its networks move
 * +-15%, so a small ratio is mostly noise and a large one (a throttled disk) is kept.
 *
 * - d, the disk share of the load: the time to read the layer's weights once at A's cold disk
 *   bandwidth over the unlimited load time, capped at 1. The rest (1 - d) is per-call and per-byte
 *   CPU work (session creation, packing the weights, the fresh pages the weights land in), scaled
 *   by the per-call probe's load ratio p_load where both machines have a probe, else left as on A.
 *   Why (2026-12-02, docs/MODELS.md): a 107 MiB ImageNet-21k head loaded in 155 ms on host B of
 *   which 80 ms was the read; the rule before (all of the load beyond a per-file latency scales with
 *   the disk) predicted B-E1's loads 1.6-1.9x slow; on a one-core machine the loads' CPU part was
 *   0.5x as the per-call probe was (B-E2). Why p_load and not p_run (since 2026-12-02 evening): on
 *   host D the probe's run was 4.2x host B's but its load 2.2x, and the whole networks' loads came
 *   out 2.2x host B's predictions: scaled by p_run they were predicted 1.8x too slow (retired #22's
 *   networks on host D, docs/MODELS.md "Host D").
 * - k, the roofline share of the run: (flops / GEMM rate + bytes touched / memory copy bandwidth)
 *   on A over the unlimited run time, capped at 1; c splits it into compute and memory. The rest of
 *   the run (1 - k) is the layer's fixed cost per call.
 * - r_gemm (gemmRatio): for a target whose probe ran fewer threads, the ratio of GEMM rates per
 *   probe thread (GFLOP/s over the threads the probe ran with), else the plain ratio: a 1024^3
 *   GEMM uses every thread, a layer inside a layer-by-layer pass did not use the second. Why: on
 *   both hosts one core ran the networks about as fast as two (host B: run phases 0.5-1.2x of
 *   two threads'; held-out #6) while the GEMM probe halved, and host A's one-core machines were
 *   predicted 1.11-1.25x too slow with the whole-rate ratio, 0.88-0.98x with the per-thread one
 *   (docs/MODELS.md).
 * - p_run, p_unload: the per-call probe's ratios (src/dataset/call-probe.ts: two small networks
 *   run layer by layer on each machine). Without a probe on both sides, p_run falls back to the
 *   roofline ratio (the whole run scales with GEMM and memory copy, the rule before the probe) and
 *   p_unload = 1 (left as on A).
 *   Why the probe: between two 2-core VMs of one kind the run phases of every zoo network, VGG-16's
 *   included, were 3-4.5x apart while GEMM and memory copy were within 15% (docs/MODELS.md).
 * - q, the disk part's time ratio B / A: the two disk curves' ratio at the layer's weight bytes
 *   (diskCurveRatio, src/dataset/disk-curve.ts) where both fingerprints have one, else 1 / r_disk.
 *   Why: a disk with burst credit reads weight files of a few MiB at full speed and only large ones
 *   at the rate the large probe measures (the emulation's throttle on host B: 9 MiB files as fast
 *   as unthrottled, 64 MiB ones at the throttled rate; docs/MODELS.md).
 * - w, the swap term's time ratio (swapScale): a swap-in is the fault path (SWAP_FAULT_MS_PER_MIB per
 *   MiB on A, times p_load on B: kernel work on fresh pages, as in a load) and a small read from
 *   disk, in series, so a disk bandwidth far above the fault path's ~74 MiB/s barely matters (held-out #6 on B-E1: swap-ins
 *   1.3x slower under a 100 MiB/s cap where the 256 MiB probe said 13x).
 * - sessions: what each prepared layer session holds (fe-swap's sessionBytesPerLayer, the memory a
 *   network keeps beside the layer that runs) scales with the intra-op threads, T_B / T_A
 *   (sessionThreadScale; passed to the base as LayerInput.sessionScale): a one-thread machine keeps
 *   half of a two-thread one's, so its cliffs sit lower.
 *
 * The interval widens with the distance between the fingerprints (transferSigma): the scaling is
 * exact only for a phase driven by one part; mixed phases, cache sizes and cores are not in it.
 *
 * Pure. Cost: two base predictions per query (the unlimited one once for queries at >= RAM).
 */
import type { HardwareFingerprint } from '../dataset/schema.js';
import { diskCurveRatioAt } from '../dataset/disk-curve.js';
import { cachedStats } from './observations.js';
import type { LayerInput, Model, ModelJSON, Target, TimePrediction } from './types.js';

/** Rate ratios target / source (B / A) of the parts that drive the phases; 1 where unknown. */
export interface TransferRatios {
  /** Cold disk read bandwidth: load (weights) and swap. */
  disk: number;
  /** Memory copy bandwidth: the memory-bound part of run. */
  mem: number;
  /** GEMM rate (per probe thread for a target with fewer threads; gemmRatio): the compute-bound part of run. */
  gemm: number;
  /**
   * Per-call time ratios B / A from the fingerprints' per-call probes (> 1: B is slower); null
   * where either side lacks a probe or they ran different networks.
   */
  call: { run: number; unload: number; load: number } | null;
}

/**
 * Scale of the transfer's own uncertainty: sigma (of ln time) = TRANSFER_SIGMA_PER_LOG x
 * (|ln r_disk| + |ln r_mem| + |ln r_gemm| + mean of |ln p| over the three per-call ratios): the scaling
 * is exact for a phase driven by one part and off for mixed ones by up to the whole ratio, and across
 * a network's layers the mix averages, so a fraction of the log distance is what is left.
 * 0.1 is fitted on the retired zero-shot scorings (held-out #16-#25 and host D's development runs,
 * the default and host C's fit each moved to the runs' fingerprint: 56 set x model pairs, 882 runs;
 * `node dist/bench/transfer-sigma.js`, docs/MODELS.md "The transfer's sigma"): the least round factor whose 90%
 * intervals cover at least 90% of them (pooled 92.4%, each set weighted equally 92.5%). The prior
 * guess 0.25 covered 97.6% there and 100% on host D, where the distance is ~3.2: intervals 3.7x the
 * point at their high end, too wide for min-memory's conservative answer to exist (2026-12-03).
 */
export const TRANSFER_SIGMA_PER_LOG = 0.1;

function rate(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null;
}

/**
 * Per-call time ratios B / A of two fingerprints' probes: run, unload and load. Null when either lacks a
 * probe, they ran other networks, or a phase is not positive. Cost O(1).
 */
export function callRatios(from: HardwareFingerprint, to: HardwareFingerprint): TransferRatios['call'] {
  const a = from.callProbe;
  const b = to.callProbe;
  if (!a || !b || a.networks.join(',') !== b.networks.join(',')) return null;
  if (!(a.runMs > 0 && b.runMs > 0 && a.unloadMs > 0 && b.unloadMs > 0 && a.loadMs > 0 && b.loadMs > 0)) return null;
  return { run: b.runMs / a.runMs, unload: b.unloadMs / a.unloadMs, load: b.loadMs / a.loadMs };
}

/** B / A for each rate part (1 where either fingerprint lacks it) and the per-call ratios. Cost O(1). */
export function transferRatios(from: HardwareFingerprint, to: HardwareFingerprint): TransferRatios {
  const r = (a: unknown, b: unknown): number => {
    const x = rate(a);
    const y = rate(b);
    return x !== null && y !== null ? y / x : 1;
  };
  return {
    disk: r(from.diskReadBytesPerSec, to.diskReadBytesPerSec),
    mem: r(from.memBandwidthBytesPerSec, to.memBandwidthBytesPerSec),
    gemm: gemmRatio(from, to) ?? 1,
    call: callRatios(from, to),
  };
}

/**
 * The threads the fingerprint's GEMM probe ran with: the per-call probe's (`memlat hardware
 * --threads` sets both), else the cores (the default). Cost O(1).
 */
export function probeThreads(h: HardwareFingerprint): number {
  const t = h.callProbe?.threads ?? h.cores;
  return typeof t === 'number' && t > 0 ? t : 1;
}

/**
 * GEMM rate ratio to / from for the run's compute part; null where either lacks the rate. When
 * `to`'s probe ran fewer threads than `from`'s, per probe thread: a layer inside a layer-by-layer
 * pass did not use the second thread the way the probe's 1024^3 GEMM does (one core ran networks
 * about as fast as two, on both hosts; docs/MODELS.md). With as many or more threads, the plain
 * ratio, as before: there is no measurement of how layers use more threads. Cost O(1).
 */
export function gemmRatio(from: HardwareFingerprint, to: HardwareFingerprint): number | null {
  const a = rate(from.gemmGflops);
  const b = rate(to.gemmGflops);
  if (a === null || b === null) return null;
  const ta = probeThreads(from);
  const tb = probeThreads(to);
  return tb < ta ? b / tb / (a / ta) : b / a;
}

/** True when every ratio is exactly 1 (the transfer changes nothing). */
export function isIdentityTransfer(r: TransferRatios): boolean {
  return r.disk === 1 && r.mem === 1 && r.gemm === 1 && (r.call === null || (r.call.run === 1 && r.call.unload === 1 && r.call.load === 1));
}

/** The machines' log distance: |ln r_disk| + |ln r_mem| + |ln r_gemm| + mean |ln p| of the per-call ratios. Cost O(1). */
export function transferDistance(r: TransferRatios): number {
  const call = r.call ? (Math.abs(Math.log(r.call.run)) + Math.abs(Math.log(r.call.unload)) + Math.abs(Math.log(r.call.load))) / 3 : 0;
  return Math.abs(Math.log(r.disk)) + Math.abs(Math.log(r.mem)) + Math.abs(Math.log(r.gemm)) + call;
}

/** The transfer's sigma of ln time: TRANSFER_SIGMA_PER_LOG x transferDistance. Cost O(1). */
export function transferSigma(r: TransferRatios): number {
  return TRANSFER_SIGMA_PER_LOG * transferDistance(r);
}

/** What a zero-shot transfer did (`machine.zeroShot` in the JSON of predict, curve, min-memory). */
export interface ZeroShotInfo {
  /** The machine the model was fitted on, and the one predicted for. */
  fromId: string;
  toId: string;
  /** Rate ratios target / model machine (1 where either side lacks the part), as measured. */
  ratios: TransferRatios;
  /** The ratios the scaling used: each shrunk toward 1 by its probes' noise (shrinkRatios). */
  used: TransferRatios;
  /** The swap part's time ratio (swapScale: the fault path and a small read in series). */
  swapScale: number;
  /** What each prepared layer session holds here over the model's machine (sessionThreadScale: intra-op threads). */
  sessionScale: number;
  /** The transfer's sigma of ln time (TRANSFER_SIGMA_PER_LOG x sum |ln ratio|). */
  sigma: number;
  /** Whether a calibrated interval was widened (false: the bundle has none). */
  intervalWidened: boolean;
  /**
   * Where both machines have a disk curve: the time ratio B / A of a cold read at each of its sizes
   * (the load's read at a weight file of that size; shrunk like the ratios). Absent otherwise.
   */
  diskBySize?: Array<{ bytes: number; ratio: number }>;
}

/**
 * Same-machine noise of each probe, sd of ln over repeated fingerprints of one machine: host B's 39
 * fingerprints (35 with a per-call probe) measured 2026-12-01 10:51 to 2026-12-02 02:52 UTC, with
 * nothing emulated (data/heldout*, data/hostB, data/transfer; docs/MODELS.md); load from the 19 of
 * them listed in data/<set>/rows.hardware.json up to 02:52 UTC (the same 19 give run 0.23 and unload
 * 0.35). A ratio of two fingerprints carries sqrt(2) of it.
 */
export const PROBE_NOISE_SD = { disk: 0.24, mem: 0.18, gemm: 0.21, run: 0.22, unload: 0.34, load: 0.08 } as const;

/**
 * A measured ratio shrunk toward 1 by the noise of the two probes it divides: ln r x L^2 / (L^2 +
 * 2 sd^2), L = ln r (the posterior mean of ln r for a normal measurement error of variance 2 sd^2
 * and a prior whose spread is the measured ratio itself). Why: one machine's probes moved 0.5-1.6x
 * between sessions (disk 519-1638 MiB/s, GEMM 79-167 GFLOP/s) while its networks' times moved
 * +-15%, so a transfer between two fingerprints of one machine scaled predictions by the probes'
 * noise (held-out #14: zero-shot whole bias 1.13-1.30 against 0.83-0.96 as is). A ratio far outside
 * the noise (a throttled disk, 0.08x) is kept within 1%. Cost O(1).
 */
export function shrinkRatio(r: number, sd: number): number {
  const l = Math.log(r);
  if (!Number.isFinite(l) || l === 0) return r;
  return Math.exp((l * l * l) / (l * l + 2 * sd * sd));
}

/** Every ratio shrunk by its probe's noise (shrinkRatio, PROBE_NOISE_SD). Cost O(1). */
export function shrinkRatios(r: TransferRatios): TransferRatios {
  const n = PROBE_NOISE_SD;
  return {
    disk: shrinkRatio(r.disk, n.disk),
    mem: shrinkRatio(r.mem, n.mem),
    gemm: shrinkRatio(r.gemm, n.gemm),
    call: r.call ? { run: shrinkRatio(r.call.run, n.run), unload: shrinkRatio(r.call.unload, n.unload), load: shrinkRatio(r.call.load, n.load) } : null,
  };
}

/**
 * Time of the swap-in path per MiB beyond reading it from disk, ms: the fault, the page-cluster I/O
 * set-up and the mapping. Host B unemulated brought swapped pages back at ~74 MiB/s (13.5 ms per
 * MiB) while it streams 1.3 GB/s (0.75 ms per MiB) (held-out #6: SceneNet's 84 MiB of swap-ins in
 * 1.13 s), so ~12.7 ms of each MiB is not disk time.
 */
export const SWAP_FAULT_MS_PER_MIB = 12.7;

/**
 * The swap part's time ratio B / A: a swap-in is the fault path (SWAP_FAULT_MS_PER_MIB on A; kernel
 * work on fresh pages, so times the per-call probe's load ratio B / A on B) plus a small read from disk, in
 * series: (F cpu + t_B) / (F + t_A), t the ms per MiB of a read, from
 * the disk curves at their smallest file (1 MiB) where both machines have one, else from the large
 * probe's rate shrunk by its noise. Why: a bandwidth far above the fault path's ~74 MiB/s barely
 * matters (held-out #6 on B-E1: swap-ins 1.3x slower under a 100 MiB/s cap where the 256 MiB probe
 * said 13x). Why the load ratio and not the run ratio (since 2026-12-02 evening): on host D (probe
 * run 4.2x host B's, load 2.2x) the run ratio predicted retired #22's networks at 0.5x 1.3x too
 * slow, the load ratio 1.04x (docs/MODELS.md "Host D"). `used`: the ratios shrunk by their noise
 * (the Transfer passes its own; by default computed here). 1 where A's disk rate is unknown. Cost O(points).
 */
export function swapScale(from: HardwareFingerprint, to: HardwareFingerprint, used: TransferRatios = shrinkRatios(transferRatios(from, to))): number {
  const F = SWAP_FAULT_MS_PER_MIB;
  const cpu = used.call?.load ?? 1;
  const a = from.diskCurve;
  const b = to.diskCurve;
  if (diskCurveRatioAt(from, to) && a && b) {
    const ta = a.ms[0]! / (a.bytes[0]! / 2 ** 20);
    const tb = b.ms[0]! / (b.bytes[0]! / 2 ** 20);
    return (F * cpu + tb) / (F + ta);
  }
  const ra = rate(from.diskReadBytesPerSec);
  if (ra === null) return 1;
  const ta = (2 ** 20 / ra) * 1000;
  return (F * cpu + ta / used.disk) / (F + ta);
}

/** Weight files below this are not fresh mappings (the worker's malloc mmap threshold, 128 KiB). */
export const FRESH_WEIGHTS_MIN_BYTES = 131072;

/** A fingerprint's fresh-memory costs, ms per byte (freshCosts); null where not measured. */
export interface FreshCosts {
  /** First access to weights read(2) just filled, per byte read ((cold - warm) / bytes, at least 0). */
  weights: number;
  /** First write to a fresh mapping (its page faults), per byte; 0 where the probe predates it. */
  pages: number;
}

/** A fingerprint's fresh-memory costs (the fresh-weights probe), or null where not measured. Cost O(1). */
export function freshCosts(h: HardwareFingerprint): FreshCosts | null {
  const f = h.freshWeights;
  if (!f || !(f.bytes > 0) || !Number.isFinite(f.coldMs) || !Number.isFinite(f.warmMs)) return null;
  const pages = f.freshPagesMs !== undefined && Number.isFinite(f.freshPagesMs) ? Math.max(0, f.freshPagesMs) / f.bytes : 0;
  return { weights: Math.max(0, f.coldMs - f.warmMs) / f.bytes, pages };
}

/** Fresh mappings per output byte a run takes: onnxruntime's output buffer and the JS copy onnxruntime-node makes of it. */
export const FRESH_OUTPUT_COPIES = 2;

/**
 * A floor for a layer's unlimited run on a machine with fresh-memory costs `c` (freshCosts): its
 * roofline time there (`roofMs`: flops at its GEMM rate plus bytes at its memory copy rate), plus the
 * first access to its weights (a load has just read them) and the page faults of its output's
 * FRESH_OUTPUT_COPIES fresh mappings. Only buffers of at least FRESH_WEIGHTS_MIN_BYTES count: the
 * worker maps each of those on its own (MALLOC_MMAP_THRESHOLD_), smaller ones reuse heap pages.
 * Why a floor and not terms added to every layer: on host D (weights 0.8 ms per MiB read, a fresh
 * page ~12 us) the runs of the largest layers, whose scaled run is their roofline alone, were 5-10x
 * short (retired #22's VGG-11 21k head: 260-330 ms measured, 24 ms predicted; a ReLU with a 64 MiB
 * output ran 350 ms there), while layers of 4-16 MiB (ViT-L/32's dense layers) came out right
 * already: their per-call part, scaled by the per-call probe's run ratio, holds these costs (the
 * probe's layers pay them too); adding the weights' term there predicted them 16% slow
 * (docs/MODELS.md "Fresh memory"). Pure. Cost O(1).
 */
export function freshRunFloorMs(roofMs: number, c: FreshCosts, weightBytes: number, outputBytes: number): number {
  const w = weightBytes >= FRESH_WEIGHTS_MIN_BYTES ? c.weights * weightBytes : 0;
  const o = outputBytes >= FRESH_WEIGHTS_MIN_BYTES ? FRESH_OUTPUT_COPIES * c.pages * outputBytes : 0;
  return roofMs + w + o;
}

/**
 * What a prepared layer session holds on B over A (fe-swap's sessionBytesPerLayer is multiplied by
 * it): the intra-op threads the sessions run with, T_B / T_A (the worker runs one per core; the
 * per-call probe records them). Why (2026-12-02, docs/MODELS.md "Sessions and threads"): on host B
 * the same network in the same cgroup swapped 3-8x fewer pages with one thread than with two (the
 * emulated one-core machines of held-out #5, #6, #15 and #16, and `memlat run --threads 1|2` side by
 * side), and where swapping stops moved with the layer count by ~95 KiB per session at one thread
 * and ~190 KiB at two (two networks with the same 107 MiB head, 152 and 410 layers;
 * data/threads-onset). Measured at one and two threads only; beyond, linear by assumption. Cost O(1).
 * @example sessionThreadScale(twoThreads, oneThread) // 0.5
 */
export function sessionThreadScale(from: HardwareFingerprint, to: HardwareFingerprint): number {
  return probeThreads(to) / probeThreads(from);
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
  /** The ratios the scaling uses: each of `ratios` shrunk toward 1 by its probe's noise (shrinkRatio). */
  readonly used: TransferRatios;
  /** The swap part's time ratio B / A (swapScale). */
  readonly swapScale: number;
  /** What a prepared session holds on B over A (sessionThreadScale). */
  readonly sessionScale: number;
  /** The disk curves' ratio at a file size, where both machines have a curve (diskCurveRatioAt). */
  readonly diskAt: ((bytes: number) => number) | null;
  private readonly asA = new WeakMap<HardwareFingerprint, HardwareFingerprint>();
  constructor(
    readonly base: Model,
    readonly from: HardwareFingerprint,
    readonly to: HardwareFingerprint,
  ) {
    this.ratios = transferRatios(from, to);
    this.used = shrinkRatios(this.ratios);
    const at = diskCurveRatioAt(from, to);
    this.diskAt = at ? (bytes: number): number => shrinkRatio(at(bytes), PROBE_NOISE_SD.disk) : null;
    this.swapScale = swapScale(from, to, this.used);
    this.sessionScale = sessionThreadScale(from, to);
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

  /**
   * B's floor for a layer's unlimited run (freshRunFloorMs): streaming its weights and activations at
   * B's rates (`roofMsB`) plus the first access to weights a load has just read and its output's
   * fresh pages; 0 where B has no fresh-weights probe.
   */
  runFloorMs(x: LayerInput, roofMsB: number): number {
    const c = freshCosts(this.to);
    if (c === null) return 0;
    const st = cachedStats(x);
    return freshRunFloorMs(roofMsB, c, st.weightBytes, st.outputBytes);
  }

  /** Load, run and unload scale factors of the unlimited part for a layer (see the file comment). */
  scales(x: LayerInput, unlimited: TimePrediction): { load: number; run: number; unload: number; roofMsB: number } {
    const r = this.used;
    const p = r.call;
    const st = cachedStats(x);
    const disk = rate(this.from.diskReadBytesPerSec);
    // d: the share of the load that reads the weights, at A's cold rate; the rest is per-call and per-byte CPU work.
    const d = disk !== null && unlimited.loadMs > 0 ? Math.min(1, ((st.weightBytes / disk) * 1000) / unlimited.loadMs) : 0;
    const gemm = rate(this.from.gemmGflops);
    const mem = rate(this.from.memBandwidthBytesPerSec);
    let c = 0;
    let roofMs = 0;
    if (gemm !== null && mem !== null) {
      const tc = st.flops / (gemm * 1e9);
      const tm = (st.inputBytes + st.outputBytes + st.weightBytes) / mem;
      c = tc + tm > 0 ? tc / (tc + tm) : 0;
      roofMs = (tc + tm) * 1000;
    } else if (gemm !== null) c = st.flops > 0 ? 1 : 0;
    const roof = c / r.gemm + (1 - c) / r.mem;
    // The disk part at the layer's file size where both machines have a disk curve, else the large probe's ratio.
    const q = this.diskAt && st.weightBytes > 0 ? this.diskAt(st.weightBytes) : 1 / r.disk;
    const roofMsB = roofMs * roof;
    if (!p) return { load: d * q + (1 - d), run: roof, unload: 1, roofMsB };
    const k = unlimited.runMs > 0 ? Math.min(1, roofMs / unlimited.runMs) : 1;
    return { load: d * q + (1 - d) * p.load, run: k * roof + (1 - k) * p.run, unload: p.unload, roofMsB };
  }

  /** The query's phases on B, split into unlimited and swap parts. */
  phases(x: LayerInput): TransferredPhases {
    const hw = this.hwAsA(x.hardware);
    const n = {
      ...(x.networkLayers !== undefined ? { networkLayers: x.networkLayers } : {}),
      ...(x.networkMaxWorkingSetBytes !== undefined ? { networkMaxWorkingSetBytes: x.networkMaxWorkingSetBytes } : {}),
      ...(this.sessionScale !== 1 ? { sessionScale: this.sessionScale } : {}),
    };
    const atM = this.base.predict({ layer: x.layer, memoryBytes: x.memoryBytes, hardware: hw, ...n });
    const unl = x.memoryBytes >= hw.ramBytes ? atM : this.base.predict({ layer: x.layer, memoryBytes: hw.ramBytes, hardware: hw, ...n });
    const k = this.scales(x, unl);
    const sw = this.swapScale;
    const runMs = unl.runMs * k.run;
    return {
      unlimited: { loadMs: unl.loadMs * k.load, runMs: Math.max(runMs, this.runFloorMs(x, k.roofMsB)), unloadMs: unl.unloadMs * k.unload },
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
