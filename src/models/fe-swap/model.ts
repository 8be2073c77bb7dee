/**
 * The fe-swap model itself: its JSON format (one definition, stored as is), predict (the unlimited
 * base, then the slowdown table or the physical swap term, then the network context), and the loader
 * that checks a stored model. The formula and why: ../fe-swap.ts. Fitting: ./fit.ts (base choice),
 * ./table.ts (slowdown tables), ./context.ts (network context). Pure.
 */
import { UserError } from '../../errors.js';
import { FeModel, type FeModelJSON } from '../fe.js';
import { BoostedModel, loadBoosted, type BoostedModelJSON } from '../boosted.js';
import { cachedStats } from '../observations.js';
import { runFamily, RUN_FAMILIES } from '../physical.js';

/** Index of the GEMM family in RUN_FAMILIES (the layers ContextFit.kappaGemm scales). */
export const GEMM_FAMILY = RUN_FAMILIES.indexOf('gemm');
import { MODEL_NAME, SESSION_BYTES, TARGETS, type LayerInput, type Model, type ModelJSON, type Target, type TimePrediction } from '../types.js';
import { swapExtraMs, type PhysicalSwap } from '../swap-physical.js';
import { applyInNetwork, loadInNetwork, type InNetworkCorrection } from './in-network.js';

export const FE_SWAP_VERSION = 1;

/** The unlimited-time models fe-swap can take per phase (FeSwapOptions.base). */
export const BASE_KINDS = ['fe', 'gbt', 'hybrid'] as const;
export type BaseKind = (typeof BASE_KINDS)[number];
/** Which passes a base can be fitted on (FeSwapModelJSON.baseRows). */
export const BASE_ROWS = ['no-swap', 'unlimited', 'all'] as const;
export type BaseRows = (typeof BASE_ROWS)[number];

/** Bytes per MiB (the model's memory unit). */
export const MiB = 1024 * 1024;

/** The slowdown of one phase as a table (see the file comment). */
export interface SlowdownTable {
  /** Sorted thresholds on ln(ws / MiB): cell k holds ws with t[k-1] < x <= t[k]. */
  lnWsCuts: number[];
  /** Sorted thresholds on the headroom axis u (see headroomAxis), same convention. */
  hCuts: number[];
  /** ln S per [family][ws cell][h cell], flattened (RUN_FAMILIES order). */
  lnS: number[];
  /** Duan's smearing factor of the trees' ln-ratio residuals (already inside lnS). */
  smearing: number;
  /** The roomy-limit ratio taken out of the table (1 when not anchored; see fitTable). */
  limitOverhead: number;
  /** Pairs the trees were fitted on. */
  n: number;
}

/** The network-context correction (see the file comment). */
export interface ContextFit {
  /**
   * Factor on every prediction: measured median pass total / sum of the predicted layers, over the
   * context networks' unlimited runs (geometric mean). Carries what isolated layers do not show
   * (a full GC in a heap that holds every session; a median of pass totals is not the sum of the
   * layers' medians, since single layers have right-skewed times).
   */
  totalFactor: number;
  /** Unlimited context runs totalFactor comes from. */
  unlimitedRuns: number;
  /**
   * RMS over those runs of ln(measured / (predicted x totalFactor)): the spread between networks
   * that one factor cannot remove, i.e. how well the base ranks networks (null without runs).
   */
  rmsLogUnlimited?: number | null;
  /**
   * The in-network correction of the unlimited base (./in-network.ts), fitted on the layers of the
   * unlimited context runs; absent = the isolated layers' base. totalFactor is then fitted on the
   * corrected sums.
   */
  inNetwork?: InNetworkCorrection;
  /**
   * ms added to every layer's run phase inside a network (absent = 0): a layer that runs after the
   * network's other layers finds the caches holding their data, not its own, and its run costs more
   * than the same layer's run profiled back to back (docs/MODELS.md, "The per-call cost of a layer
   * inside a network"). Fitted with totalFactor on the unlimited context runs (fitContext's
   * callMs grid). Part of the run's per-call share, so the zero-shot transfer moves it by the
   * per-call probe's ratio.
   */
  callMsPerLayer?: number;
  /** Memory taken by the network context, MiB (h is computed at M - ctx). */
  ctxMiB: number;
  /** Exponent on the slowdown (table term) or factor on the extra time (physical term). */
  kappa: number;
  /**
   * Physical term only: kappa of the GEMM family's layers (dense, MatMul), fitted beside kappa, which
   * then scales the other families' extra time (`memlat fit --kappa-by-family`). Absent: kappa for
   * every family.
   */
  kappaGemm?: number;
  /**
   * Physical term only: factor on every lambda (absent = 1). Whole-network runs fall off a sharper
   * cliff than the isolated layers' fit gives: a GEMV streaming weights that do not fit cycles all of
   * them through swap once a few MiB are missing.
   */
  lambdaScale?: number;
  /**
   * Bytes each prepared layer session of a network keeps beside the runtime's idle footprint (absent
   * = 0): a layer of a network of L layers is predicted at M - (L - 1) x this below the RAM
   * (networkMemory). Not fitted: the measured size of a session (SESSION_BYTES).
   */
  sessionBytesPerLayer?: number;
  /**
   * Evictable sessions (with sessionBytesPerLayer; absent = sessions held, M - (L - 1) x s for every
   * layer). The sessions stay resident only as far as they fit beside the network's largest working
   * set and the cold part of the runtime's footprint (sessionColdMiB); the rest is pushed out and
   * faulted back once per pass, refaultMsPerMiB ms per MiB (fitted; spread over the layers' run
   * phases). See sessionMemory.
   */
  refaultMsPerMiB?: number;
  /** MiB of the runtime's idle footprint that is pushed out before any session (not fitted; docs/MODELS.md). */
  sessionColdMiB?: number;
  /** Limited runs measured without an unlimited run of their network (knee sweeps), whose slowdown is taken against the network's largest limit. */
  runsAgainstLargestLimit?: number;
  /** Limited context runs (network, limit) ctx and kappa come from, and the fit's RMS ln error before/after. */
  runs: number;
  networks: string[];
  rmsLogBefore: number | null;
  rmsLogAfter: number | null;
  /** True when ctx, kappa or lambdaScale ended on the edge of the search grid (the optimum may lie beyond it). */
  atGridEdge?: boolean;
}

export interface FeSwapModelJSON extends ModelJSON {
  kind: 'fe-swap';
  version: typeof FE_SWAP_VERSION;
  fittedTargets: Target[];
  /** eps of the ratio target, ms (keeps ~0 ms phases from giving wild ratios). */
  epsMs: number;
  /** c of the headroom axis u = h / (ws + c), MiB; 0 = plain h in MiB (see headroomAxis). */
  headroomScaleMiB: number;
  /** Size (MiB) from which the tables are non-decreasing in ws (FeSwapOptions.sizeMonotoneFromMiB). */
  sizeMonotoneFromMiB: number;
  /** The unlimited-time model of the study: FE with smearing. */
  base: FeModelJSON;
  /** Boosted trees on ln time with smearing, fitted on the same rows (when a phase uses them). */
  trees?: BoostedModelJSON;
  /** The physical model x trees on its log residual (kind 'hybrid'), same rows (when a phase uses it). */
  hybrid?: BoostedModelJSON;
  /**
   * Which passes the base was fitted on (absent: 'no-swap', every pass that does not swap; see
   * FeSwapOptions.baseRows). 'unlimited' for a profile whose unlimited passes were measured cold
   * (`memlat profile --unlimited-order network`) and its limited ones back to back.
   */
  baseRows?: BaseRows;
  /** Which unlimited model each phase takes (absent: FE for all; see FeSwapOptions.base). */
  basePhases?: Record<Target, BaseKind>;
  slowdown: Partial<Record<Target, SlowdownTable>>;
  /**
   * Which swap term predict uses: 'table' (the trees' slowdown table) or 'physical'
   * (./swap-physical.ts: deficit bytes, access pattern, disk bandwidth). Absent = 'table'.
   */
  swapTerm?: 'table' | 'physical';
  /** The physical term's parameters per phase and kernel family (when fitted). */
  physical?: PhysicalSwap;
  context: ContextFit;
}

/** Number of cuts < x: the cell of x under "left when x <= cut". */
function cellOf(cuts: readonly number[], x: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cuts[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The offset of a phase's ratio target: epsMs plus the time to read, once, at the machine's cold
 * disk bandwidth (1 GiB/s when unknown), the bytes that phase moves: the weights for load, the
 * working set for run and unload. Swap cost scales with the bytes moved, not with the layer's
 * unlimited time, so a ratio over (t + eps) says "how many reads of those bytes slower", which
 * transfers between a GEMV whose run takes 10 ms and a convolution of the same size that takes
 * 500 ms; a plain ratio t_M / t_none would not. A layer without weights gets eps = epsMs for its
 * load, so its ~0 ms load stays ~0 ms.
 */
export function ratioOffsetMs(x: LayerInput, target: Target, epsMs: number): number {
  const st = cachedStats(x);
  const bytes = target === 'load' ? st.weightBytes : st.workingSetBytes;
  const bw = x.hardware.diskReadBytesPerSec ?? 2 ** 30;
  return epsMs + (bytes / bw) * 1000;
}

/** Headroom of a query in MiB before the context shift: (M - idle - ws) / MiB. */
export function headroomMiB(x: LayerInput, ws: number): number {
  return (x.memoryBytes - (x.hardware.runtimeIdleBytes ?? 0) - ws) / MiB;
}

/**
 * The table's memory axis: u = h / (ws + c) (h and ws in MiB). For small layers (ws << c) it is
 * the absolute headroom h / c: when they start to swap depends on the runtime's own hot pages, a
 * fixed number of MiB. For large layers (ws >> c) it is h / ws = f - 1, the share of the working
 * set that does not fit, on which the profile's levels (f = 4 ... 0.25 of each layer's working set)
 * place data for every size; in plain MiB a 400 MiB layer has no data between f = 0.75 and 1
 * (a 100 MiB gap), and the trees would put its onset anywhere in it. u rises with M for a given
 * layer, so the table stays monotone in M. c = 0 (the default) means plain h in MiB.
 */
export function headroomAxis(hMiB: number, ws: number, c: number): number {
  return c > 0 ? hMiB / (ws / MiB + c) : hMiB;
}

/** One phase at headroom-axis value h: (v + eps) * S^kappa - eps, >= 0; 0 stays 0 (not modelled). */
function phaseAt(v: number, t: SlowdownTable | undefined, row: number, h: number, eps: number, kappa: number): number {
  if (v === 0 || !t) return v;
  return Math.max(0, (v + eps) * Math.exp(kappa * t.lnS[row + cellOf(t.hCuts, h)]!) - eps);
}

/** What predict needs of a layer that does not depend on M (FeSwapModel.keyOf). */
export interface LayerKey {
  hardware: LayerInput['hardware'];
  base: TimePrediction;
  ws: number;
  /** Ratio offsets of load, run, unload (ratioOffsetMs). */
  eps: [number, number, number];
  rows: [number, number, number];
  /** Kernel family index (RUN_FAMILIES), weight bytes, cold disk bandwidth (bytes/s): the physical term's inputs. */
  fam: number;
  weightBytes: number;
  bw: number;
}

export class FeSwapModel implements Model {
  readonly name = MODEL_NAME;
  readonly kind = 'fe-swap';
  readonly version = FE_SWAP_VERSION;
  readonly fittedTargets: readonly Target[];
  readonly base: FeModel;
  readonly trees: BoostedModel | null;
  readonly hybrid: BoostedModel | null;
  /** Per layer object: what predict needs that does not depend on M (held weakly). */
  private readonly keys = new WeakMap<object, LayerKey>();
  constructor(readonly data: FeSwapModelJSON) {
    this.fittedTargets = data.fittedTargets;
    this.base = new FeModel(data.base);
    this.trees = data.trees ? new BoostedModel(data.trees) : null;
    this.hybrid = data.hybrid ? new BoostedModel(data.hybrid) : null;
  }

  /**
   * The phases without a limit: the base at M = RAM, inside a network when the context has the
   * in-network correction and/or a per-call cost (callMsPerLayer, added to the run).
   */
  unlimited(x: LayerInput): TimePrediction {
    const b = this.isolated(x);
    const c = this.data.context.inNetwork;
    const u = c ? applyInNetwork(c, x, b) : b;
    const call = this.data.context.callMsPerLayer ?? 0;
    return call > 0 ? { ...u, runMs: u.runMs + call } : u;
  }

  /** The phases without a limit of the layer profiled alone (the base at M = RAM). */
  isolated(x: LayerInput): TimePrediction {
    // called once per layer (keyOf caches the result), so a fresh query costs nothing
    const q = x.memoryBytes >= x.hardware.ramBytes ? x : { layer: x.layer, memoryBytes: x.hardware.ramBytes, hardware: x.hardware };
    const fe = this.base.predict(q);
    const ph = this.data.basePhases;
    if (!ph) return fe;
    const tr = this.trees?.predict(q);
    const hy = this.hybrid?.predict(q);
    const pick = (k: BaseKind, f: number, t: number | undefined, h: number | undefined): number =>
      k === 'gbt' && t !== undefined ? t : k === 'hybrid' && h !== undefined ? h : f;
    return {
      loadMs: pick(ph.load, fe.loadMs, tr?.loadMs, hy?.loadMs),
      runMs: pick(ph.run, fe.runMs, tr?.runMs, hy?.runMs),
      unloadMs: pick(ph.unload, fe.unloadMs, tr?.unloadMs, hy?.unloadMs),
    };
  }

  /** The M-independent part of a query (unlimited phases, working set, table rows), cached per layer. */
  keyOf(x: LayerInput): LayerKey {
    const hit = this.keys.get(x.layer);
    if (hit && hit.hardware === x.hardware) return hit;
    const d = this.data;
    const ws = cachedStats(x).workingSetBytes;
    const lnWs = Math.log(Math.max(ws, 1) / MiB);
    const fam = RUN_FAMILIES.indexOf(runFamily(x));
    const row = (t: SlowdownTable | undefined): number => (t ? (fam * (t.lnWsCuts.length + 1) + cellOf(t.lnWsCuts, lnWs)) * (t.hCuts.length + 1) : -1);
    const key: LayerKey = {
      hardware: x.hardware,
      base: this.unlimited(x),
      ws,
      eps: [ratioOffsetMs(x, 'load', d.epsMs), ratioOffsetMs(x, 'run', d.epsMs), ratioOffsetMs(x, 'unload', d.epsMs)],
      rows: [row(d.slowdown.load), row(d.slowdown.run), row(d.slowdown.unload)],
      fam,
      weightBytes: cachedStats(x).weightBytes,
      bw: x.hardware.diskReadBytesPerSec ?? 2 ** 30,
    };
    this.keys.set(x.layer, key);
    return key;
  }

  /**
   * The phases of a keyed layer at memory M (bytes) with context (ctx MiB, kappa, lambdaScale), before
   * the total factor: the one arithmetic predict and the context fit share.
   */
  phasesAt(key: LayerKey, memoryBytes: number, ctxMiB: number, kappa: number, lambdaScale = 1, kappaGemm?: number): TimePrediction {
    const parts = this.physicalParts(key, memoryBytes, ctxMiB, lambdaScale);
    if (parts) {
      const [b, e] = parts;
      const k = kappaGemm !== undefined && key.fam === GEMM_FAMILY ? kappaGemm : kappa;
      return { loadMs: b.loadMs + k * e.loadMs, runMs: b.runMs + k * e.runMs, unloadMs: b.unloadMs + k * e.unloadMs };
    }
    const b = key.base;
    if (memoryBytes >= key.hardware.ramBytes) return b;
    const d = this.data;
    const h = headroomAxis((memoryBytes - (key.hardware.runtimeIdleBytes ?? 0) - key.ws) / MiB - ctxMiB, key.ws, d.headroomScaleMiB);
    return {
      loadMs: phaseAt(b.loadMs, d.slowdown.load, key.rows[0], h, key.eps[0], kappa),
      runMs: phaseAt(b.runMs, d.slowdown.run, key.rows[1], h, key.eps[1], kappa),
      unloadMs: phaseAt(b.unloadMs, d.slowdown.unload, key.rows[2], h, key.eps[2], kappa),
    };
  }

  /**
   * With the physical swap term: the phases without a limit and their extra time at M before kappa
   * (phases = base + kappa x extra), so the context fit can search kappa without re-evaluating
   * layers. null with the table term.
   */
  physicalParts(key: LayerKey, memoryBytes: number, ctxMiB: number, lambdaScale = 1): [TimePrediction, TimePrediction] | null {
    const d = this.data;
    if (d.swapTerm !== 'physical' || !d.physical) return null;
    const b = key.base;
    if (memoryBytes >= key.hardware.ramBytes) return [b, { loadMs: 0, runMs: 0, unloadMs: 0 }];
    const budget = memoryBytes - (key.hardware.runtimeIdleBytes ?? 0) - ctxMiB * MiB;
    const extra = (t: Target, v: number, moved: number): number => {
      const p = d.physical?.[t]?.[key.fam];
      return v === 0 || !p ? 0 : swapExtraMs(p, key.ws, moved, budget, key.bw, lambdaScale);
    };
    return [b, { loadMs: extra('load', b.loadMs, key.weightBytes), runMs: extra('run', b.runMs, key.ws), unloadMs: extra('unload', b.unloadMs, key.ws) }];
  }

  predict(x: LayerInput): TimePrediction {
    const c = this.data.context;
    const sm = sessionMemory(x, c);
    const p = this.phasesAt(this.keyOf(x), sm.memoryBytes, c.ctxMiB, c.kappa, c.lambdaScale ?? 1, c.kappaGemm);
    // this layer's share of faulting the pushed-out sessions back in (one pass faults them all once)
    const refault = sm.evictedBytes > 0 ? ((c.refaultMsPerMiB ?? 0) * sm.evictedBytes) / MiB / (x.networkLayers ?? 1) : 0;
    const k = c.totalFactor;
    return { loadMs: p.loadMs * k, runMs: (p.runMs + refault) * k, unloadMs: p.unloadMs * k };
  }

  toJSON(): FeSwapModelJSON {
    return this.data;
  }
}

export { SESSION_BYTES };

/** The network context of a model fitted without context runs (a fresh object): predictions are the isolated layers'. */
export function noContext(): ContextFit {
  return { totalFactor: 1, unlimitedRuns: 0, ctxMiB: 0, kappa: 1, runs: 0, networks: [], rmsLogBefore: null, rmsLogAfter: null };
}

/**
 * The memory a layer of a network of `layers` layers has when the worker keeps one prepared session
 * per layer of `sessionBytes` each beside its idle footprint (which already holds one): M - (layers
 * - 1) x sessionBytes, at least 1 byte; M itself at or above the RAM (no limit) or for a lone layer.
 * Cost O(1).
 */
export function networkMemory(memoryBytes: number, layers: number | undefined, sessionBytes: number, ramBytes: number): number {
  if (!(sessionBytes > 0) || layers === undefined || layers <= 1 || memoryBytes >= ramBytes) return memoryBytes;
  return Math.max(1, memoryBytes - (layers - 1) * sessionBytes);
}

/**
 * The memory a layer of a network is predicted at, and the session bytes pushed out of memory in a
 * pass, under context c. Without the session term (or alone, or unlimited): M, 0. With it and held
 * sessions: M - (L - 1) s, 0 (networkMemory). With evictable sessions (c.refaultMsPerMiB set) and the
 * network's largest working set W known: the sessions kept are K_kept = min(K, max(0, M - idle +
 * cold - W)), K = (L - 1) s (what fits beside the largest layer, counting the footprint's cold part
 * as room), the layer is predicted at M - K_kept, and K - K_kept is pushed out and faulted back.
 * Cost O(1).
 */
export function sessionMemory(x: LayerInput, c: ContextFit): { memoryBytes: number; evictedBytes: number } {
  const s = (c.sessionBytesPerLayer ?? 0) * (x.sessionScale ?? 1);
  const L = x.networkLayers;
  const M = x.memoryBytes;
  const W = x.networkMaxWorkingSetBytes;
  const held = networkMemory(M, L, s, x.hardware.ramBytes);
  // held sessions, or nothing to push out (no term, a lone layer, no limit), or W unknown
  if (c.refaultMsPerMiB === undefined || W === undefined || held === M) return { memoryBytes: held, evictedBytes: 0 };
  const K = (L! - 1) * s;
  const kept = Math.min(K, Math.max(0, M - (x.hardware.runtimeIdleBytes ?? 0) + (c.sessionColdMiB ?? 0) * MiB - W));
  return { memoryBytes: Math.max(1, M - kept), evictedBytes: K - kept };
}

/** Rebuilds an fe-swap model from JSON, checking the tables' shapes. */
export function loadFeSwap(o: Record<string, unknown>): FeSwapModel {
  const d = o as unknown as FeSwapModelJSON;
  if (typeof d.base !== 'object' || d.base === null) throw new UserError('invalid model: fe-swap model has no FE "base"; refit it');
  if (d.basePhases !== undefined) {
    const ok =
      typeof d.basePhases === 'object' && d.basePhases !== null && TARGETS.every((t) => (BASE_KINDS as readonly unknown[]).includes(d.basePhases?.[t]));
    if (!ok)
      throw new UserError(
        `invalid model: fe-swap "basePhases" ${JSON.stringify(d.basePhases)} must give "fe", "gbt" or "hybrid" for load, run and unload; refit it`,
      );
    if (Object.values(d.basePhases).includes('gbt')) {
      if (typeof d.trees !== 'object' || d.trees === null)
        throw new UserError('invalid model: fe-swap "basePhases" uses "gbt" but the model has no "trees"; refit it');
      loadBoosted(d.trees);
    }
    if (Object.values(d.basePhases).includes('hybrid')) {
      if (typeof d.hybrid !== 'object' || d.hybrid === null)
        throw new UserError('invalid model: fe-swap "basePhases" uses "hybrid" but the model has no "hybrid"; refit it');
      loadBoosted(d.hybrid);
    }
  }
  if (typeof d.slowdown !== 'object' || d.slowdown === null) throw new UserError('invalid model: fe-swap model has no "slowdown" tables; refit it');
  for (const [t, tab] of Object.entries(d.slowdown)) {
    const ok =
      Array.isArray(tab.lnWsCuts) &&
      Array.isArray(tab.hCuts) &&
      Array.isArray(tab.lnS) &&
      tab.lnS.length === RUN_FAMILIES.length * (tab.lnWsCuts.length + 1) * (tab.hCuts.length + 1);
    if (!ok) throw new UserError(`invalid model: fe-swap slowdown table "${t}" has inconsistent sizes; the file is damaged, refit it`);
  }
  const c = d.context as Partial<ContextFit> | undefined;
  if (!c || typeof c.ctxMiB !== 'number' || typeof c.kappa !== 'number' || !(c.kappa > 0) || !(typeof c.totalFactor === 'number' && c.totalFactor > 0)) {
    throw new UserError('invalid model: fe-swap model has no valid "context" (totalFactor > 0, ctxMiB, kappa > 0); refit it');
  }
  if (c.inNetwork !== undefined) loadInNetwork(c.inNetwork);
  if (d.baseRows !== undefined && !(BASE_ROWS as readonly unknown[]).includes(d.baseRows))
    throw new UserError(`invalid model: fe-swap "baseRows" ${JSON.stringify(d.baseRows)} must be one of ${BASE_ROWS.join(', ')} (or absent); refit it`);
  if (c.callMsPerLayer !== undefined && !(typeof c.callMsPerLayer === 'number' && c.callMsPerLayer >= 0 && Number.isFinite(c.callMsPerLayer)))
    throw new UserError(`invalid model: fe-swap context "callMsPerLayer" ${JSON.stringify(c.callMsPerLayer)} must be a number >= 0 (or absent); refit it`);
  if (c.kappaGemm !== undefined && !(typeof c.kappaGemm === 'number' && c.kappaGemm > 0 && Number.isFinite(c.kappaGemm)))
    throw new UserError(`invalid model: fe-swap context "kappaGemm" ${JSON.stringify(c.kappaGemm)} must be a number > 0 (or absent); refit it`);
  if (c.refaultMsPerMiB !== undefined && !(typeof c.refaultMsPerMiB === 'number' && c.refaultMsPerMiB >= 0))
    throw new UserError(`invalid model: fe-swap context "refaultMsPerMiB" ${JSON.stringify(c.refaultMsPerMiB)} must be a number >= 0 (or absent); refit it`);
  if (c.sessionColdMiB !== undefined && !(typeof c.sessionColdMiB === 'number' && Number.isFinite(c.sessionColdMiB)))
    throw new UserError(`invalid model: fe-swap context "sessionColdMiB" ${JSON.stringify(c.sessionColdMiB)} must be a number (or absent); refit it`);
  if (c.lambdaScale !== undefined && !(typeof c.lambdaScale === 'number' && c.lambdaScale > 0))
    throw new UserError(`invalid model: fe-swap context "lambdaScale" ${JSON.stringify(c.lambdaScale)} must be a number > 0 (or absent); refit it`);
  if (typeof d.headroomScaleMiB !== 'number' || !(d.headroomScaleMiB >= 0))
    throw new UserError('invalid model: fe-swap "headroomScaleMiB" must be a number >= 0; refit it');
  if (typeof d.sizeMonotoneFromMiB !== 'number' || !(d.sizeMonotoneFromMiB >= 0))
    throw new UserError('invalid model: fe-swap "sizeMonotoneFromMiB" must be a number >= 0; refit it');
  if (typeof d.epsMs !== 'number' || !(d.epsMs >= 0)) throw new UserError('invalid model: fe-swap "epsMs" must be a number >= 0; refit it');
  if (d.swapTerm !== undefined && d.swapTerm !== 'table' && d.swapTerm !== 'physical')
    throw new UserError(`invalid model: fe-swap "swapTerm" ${JSON.stringify(d.swapTerm)} must be "table" or "physical"; refit it`);
  if (d.swapTerm === 'physical') {
    const ok =
      typeof d.physical === 'object' &&
      d.physical !== null &&
      Object.values(d.physical).every(
        (ps) =>
          Array.isArray(ps) && ps.length === RUN_FAMILIES.length && ps.every((p) => p.lambda > 0 && p.c1 >= 0 && p.c2 >= 0 && Number.isFinite(p.offsetMiB)),
      );
    if (!ok)
      throw new UserError('invalid model: fe-swap "physical" needs, per phase, one {lambda > 0, offsetMiB, c1 >= 0, c2 >= 0} per kernel family; refit it');
  }
  return new FeSwapModel(d);
}
