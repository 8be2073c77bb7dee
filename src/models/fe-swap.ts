/**
 * Model "fe-swap": the time a layer takes without a memory limit, times how much slower it gets
 * when memory is short, with the slowdown measured on pairs and corrected for running inside a
 * whole network.
 *
 *   t_phase(layer, M) = totalFactor * max(0, (base_phase + eps_phase) * S_phase(family, ws, h)^kappa - eps_phase)
 *   h = (M - idle - ws) / MiB - ctx     (headroom: memory left beside the layer's working set)
 *
 * - base: the unlimited time, fitted on the observations that do not swap (unlimited, or
 *   swapBytes = 0) and evaluated at M = the machine's RAM: the study's FE with Duan's smearing
 *   (./fe.ts), or boosted trees on ln time with smearing (./boosted.ts), per phase (options.base;
 *   the default model's choice is made on the context networks, see models/index.ts). In log space a
 *   per-type linear model cannot follow the threshold at which swapping starts, and its smearing
 *   factor would be inflated by the spread of the swapping rows, so it is not asked to.
 * - S: the profile measures every sampled layer at several limits and without one, so the slowdown
 *   t(M) / t(none) of each phase is observed per layer, with most of that layer's own noise
 *   cancelled. Boosted trees (./gbt.ts) fit ln((t_M + eps) / (t_none + eps)) on three features:
 *   h (or the blended axis of headroomAxis), ln ws and the kernel family; eps is the time to read
 *   the bytes the phase moves once from disk (ratioOffsetMs). A tree ensemble is piecewise
 *   constant between the thresholds its splits use, so the fitted function is exactly a table over
 *   (family, ws cell, h cell); the table is what is stored, and predict is two binary searches and a lookup. The table is then made
 *   non-increasing in h (more memory is never predicted slower, so curves and min-memory searches
 *   are monotone), >= 1, = 1 where nothing can swap, and non-decreasing in ws for large layers
 *   (sizeMonotoneFromMiB), with the trees' own Duan smearing factor applied.
 * - totalFactor, ctx, kappa: the network context, fitted on whole-network passes of *other*
 *   networks (`--context` rows, e.g. data/context/). Inside a network pass the worker holds every
 *   layer's session and a heap grown by earlier layers (measured here: 14 to 56 MiB more anonymous
 *   memory than a one-layer worker, and a full GC per unload that costs ~10 ms instead of ~7.6), a
 *   layer that swaps also pushes out pages the rest of the pass needs, and a network's median pass
 *   total is not the sum of its layers' medians (single layers have right-skewed times). Isolated
 *   layers show none of this. totalFactor is the geometric mean of measured / predicted totals of
 *   the unlimited runs; ctx (MiB taken by the context) and kappa (scale of the log slowdown) come
 *   from a grid search minimising the squared ln error of each limited run's slowdown of the network
 *   total (total at M / total unlimited). Without context rows they stay (1, 0, 1): the model is
 *   then exactly the isolated-layer prediction.
 *
 * Cost: fit O(trees * depth * pairs) + the grid; predict O(log cells) (M-independent parts cached
 * per layer object).
 */
import { UserError } from '../errors.js';
import { fitGbt, predictGbt, type GbtModel, type GbtOptions } from './gbt.js';
import { FeModel, fitFe, type FeModelJSON } from './fe.js';
import { BoostedModel, fitBoosted, loadBoosted, type BoostedModelJSON } from './boosted.js';
import type { HardwareFingerprint, MeasurementRow } from '../dataset/schema.js';
import { aggregateRows, cachedStats, median, observedMs, passTotals, type LayerObservation } from './observations.js';
import { runFamily, RUN_FAMILIES } from './physical.js';
import { MODEL_NAME, TARGETS, type LayerInput, type Model, type ModelJSON, type Target, type TimePrediction } from './types.js';
import { DEFAULT_SWAP_GRID, fitSwapTerm, swapExtraMs, type PhysicalSwap, type SwapGrid, type SwapPair } from './swap-physical.js';

export const FE_SWAP_VERSION = 1;

/** The unlimited-time models fe-swap can take per phase (FeSwapOptions.base). */
export const BASE_KINDS = ['fe', 'gbt', 'hybrid'] as const;
export type BaseKind = (typeof BASE_KINDS)[number];

const MiB = 1024 * 1024;

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
  /** Memory taken by the network context, MiB (h is computed at M - ctx). */
  ctxMiB: number;
  /** Exponent on the slowdown. */
  kappa: number;
  /** Limited context runs (network, limit) ctx and kappa come from, and the fit's RMS ln error before/after. */
  runs: number;
  networks: string[];
  rmsLogBefore: number | null;
  rmsLogAfter: number | null;
  /** True when ctx or kappa ended on the edge of the search grid (the optimum may lie beyond it). */
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
function headroomMiB(x: LayerInput, ws: number): number {
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
function headroomAxis(hMiB: number, ws: number, c: number): number {
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

  /** The phases without a limit (the base at M = RAM). */
  unlimited(x: LayerInput): TimePrediction {
    // called once per layer (keyOf caches the result), so a fresh query costs nothing
    const q = x.memoryBytes >= x.hardware.ramBytes ? x : { layer: x.layer, memoryBytes: x.hardware.ramBytes, hardware: x.hardware };
    const fe = this.base.predict(q);
    const ph = this.data.basePhases;
    if (!ph) return fe;
    const tr = this.trees?.predict(q);
    const hy = this.hybrid?.predict(q);
    const pick = (k: BaseKind, f: number, t: number | undefined, h: number | undefined): number => (k === 'gbt' && t !== undefined ? t : k === 'hybrid' && h !== undefined ? h : f);
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
   * The phases of a keyed layer at memory M (bytes) with context (ctx MiB, kappa), before the total
   * factor: the one arithmetic predict and the context fit share.
   */
  phasesAt(key: LayerKey, memoryBytes: number, ctxMiB: number, kappa: number): TimePrediction {
    const b = key.base;
    if (memoryBytes >= key.hardware.ramBytes) return b;
    const d = this.data;
    if (d.swapTerm === 'physical' && d.physical) {
      const budget = memoryBytes - (key.hardware.runtimeIdleBytes ?? 0) - ctxMiB * MiB;
      const extra = (t: Target, v: number, moved: number): number => {
        const p = d.physical?.[t]?.[key.fam];
        return v === 0 || !p ? v : v + kappa * swapExtraMs(p, key.ws, moved, budget, key.bw);
      };
      return { loadMs: extra('load', b.loadMs, key.weightBytes), runMs: extra('run', b.runMs, key.ws), unloadMs: extra('unload', b.unloadMs, key.ws) };
    }
    const h = headroomAxis((memoryBytes - (key.hardware.runtimeIdleBytes ?? 0) - key.ws) / MiB - ctxMiB, key.ws, d.headroomScaleMiB);
    return {
      loadMs: phaseAt(b.loadMs, d.slowdown.load, key.rows[0], h, key.eps[0], kappa),
      runMs: phaseAt(b.runMs, d.slowdown.run, key.rows[1], h, key.eps[1], kappa),
      unloadMs: phaseAt(b.unloadMs, d.slowdown.unload, key.rows[2], h, key.eps[2], kappa),
    };
  }

  predict(x: LayerInput): TimePrediction {
    const c = this.data.context;
    const p = this.phasesAt(this.keyOf(x), x.memoryBytes, c.ctxMiB, c.kappa);
    const k = c.totalFactor;
    return { loadMs: p.loadMs * k, runMs: p.runMs * k, unloadMs: p.unloadMs * k };
  }

  toJSON(): FeSwapModelJSON {
    return this.data;
  }
}

/** Whole-network runs (validate-runs rows: every pass of every layer) with their machines. */
export interface ContextRows {
  rows: readonly MeasurementRow[];
  hardware: ReadonlyMap<string, HardwareFingerprint>;
}

export interface FeSwapOptions {
  /** Whole-network pass observations of networks (not the ones you evaluate on) for ctx, kappa. */
  context?: ContextRows;
  /**
   * Which observations the FE base is fitted on: 'no-swap' (default: unlimited or swapBytes = 0),
   * 'unlimited' (only runs without a limit) or 'all' (the study's FE on everything).
   */
  baseRows?: 'no-swap' | 'unlimited' | 'all';
  /**
   * The unlimited-time model (default 'fe'): 'fe' is the study's per-type log-linear FE with
   * smearing; 'gbt' is boosted trees on ln time (./boosted.ts) fitted on the same rows. Per-type
   * power laws cannot follow a type whose cost changes regime with shape (a dense layer as a
   * batch-1 GEMV is bandwidth-bound, as a 128-token GEMM compute-bound; a convolution's per-run
   * layout reorders dominate small ones), trees split on it; grouped-CV over the profile's layers
   * gives 20% median error for gbt against 38% for FE (docs/BENCHMARKS.md section 1). But trees do
   * not extrapolate past the largest profiled layer, where a power law does (a load is a disk read:
   * time ~ bytes / bandwidth). 'hybrid' puts the trees on the log residual of the physical model
   * (./physical.ts: bytes / bandwidth, FLOPs / rate), which carries the extrapolation. The choice
   * is per phase: one kind for all, or a record per phase.
   */
  base?: BaseKind | Record<Target, BaseKind>;
  /**
   * c of the headroom axis in MiB (default 0: plain headroom in MiB; see headroomAxis). On this
   * machine's context runs c = 32, 64, 128 fitted worse than 0 (rms ln error of the runs' slowdown
   * 0.25, 0.23, 0.21 against 0.11), so the default is the absolute headroom.
   */
  headroomScaleMiB?: number;
  /**
   * From this working-set size (MiB) up, a larger layer at the same headroom is never predicted
   * less slowed (running max over the size cells); default 64, 0 = off. A layer that does not fit
   * is cycled through swap whole (a GEMV streams all its weights every run), so at equal headroom
   * more bytes cannot cost less; and the profile has few large layers, so without it a large
   * size cell takes whatever its few pairs say. On the context runs it cut the rms ln error of the
   * slowdown from 0.124 to 0.085 (16 MiB: 0.084, 128 MiB: 0.092) and the fitted kappa fell from
   * 1.4 to 1: the isolated-layer table then explains the network runs without amplification.
   */
  sizeMonotoneFromMiB?: number;
  /** Take the roomy-limit overhead out of the slowdown (default true; see fitTable). */
  anchor?: boolean;
  /** eps of the ratio target in ms (default 0.1). */
  epsMs?: number;
  gbt?: GbtOptions;
  /** Grid of the context fit (MiB and exponent): [from, to, step]. */
  ctxGrid?: [number, number, number];
  kappaGrid?: [number, number, number];
  /** The swap term predict uses (default 'table'; both are fitted). */
  swapTerm?: 'table' | 'physical';
  /** Grid of the physical term's (lambda, offset) search. */
  swapGrid?: SwapGrid;
}

const SLOWDOWN_TREES: GbtOptions = { nTrees: 300, maxDepth: 3, learningRate: 0.05, minSamplesLeaf: 10, subsample: 0.8, seed: 1 };

const pairKey = (o: LayerObservation): string => `${o.hardwareId}|${o.network}|${o.layerIndex}`;

/** [u, ln ws, family, h] of a query (h, in MiB, only for the roomy-pair test). */
function slowdownFeatures(x: LayerInput, c: number): number[] {
  const ws = cachedStats(x).workingSetBytes;
  const h = headroomMiB(x, ws);
  return [headroomAxis(h, ws, c), Math.log(Math.max(ws, 1) / MiB), RUN_FAMILIES.indexOf(runFamily(x)), h];
}

/** Sorted distinct thresholds the ensemble splits feature j on. */
function cutsOf(g: GbtModel, j: number): number[] {
  const s = new Set<number>();
  g.feature.forEach((f, i) => {
    if (f === j) s.add(g.threshold[i]!);
  });
  return [...s].sort((a, b) => a - b);
}

/** A point inside cell k of cuts (upper bound inclusive; past the last cut: last + 1). */
function cellPoint(cuts: readonly number[], k: number): number {
  if (cuts.length === 0) return 0;
  return k < cuts.length ? cuts[k]! : cuts[cuts.length - 1]! + 1;
}

/** Fits the slowdown trees of one phase and turns them into a monotone table. */
function fitTable(X: number[][], y: number[], gbt: GbtOptions, anchor: boolean, scale: number, sizeFrom: number): SlowdownTable {
  const g = fitGbt(X.map((r) => r.slice(0, 3)), y, gbt);
  let sm = 0;
  for (let i = 0; i < y.length; i++) sm += Math.exp(y[i]! - predictGbt(g, X[i]!));
  const smearing = sm / y.length;
  // The limit's own overhead: the mean fitted ln-slowdown of roomy pairs (headroom >= max(64 MiB,
  // ws)), where nothing swaps. Isolated layers measure ~5% here (cgroup accounting, or drift
  // between the profile's limit groups); whole networks at 4x their largest working set run as
  // fast as unlimited (validation runs), so it is not a cost of memory and is taken out.
  let roomy = 0;
  let nRoomy = 0;
  for (let i = 0; i < y.length; i++) {
    if (X[i]![3]! >= Math.max(64, Math.exp(X[i]![1]!))) {
      roomy += predictGbt(g, X[i]!);
      nRoomy++;
    }
  }
  const offset = anchor && nRoomy > 0 ? roomy / nRoomy : 0;
  const lnWsCuts = cutsOf(g, 1);
  const hCuts = cutsOf(g, 0);
  const nW = lnWsCuts.length + 1;
  const nH = hCuts.length + 1;
  const lnS = new Array<number>(RUN_FAMILIES.length * nW * nH);
  const lnSm = Math.log(smearing) - offset;
  for (let f = 0; f < RUN_FAMILIES.length; f++) {
    for (let w = 0; w < nW; w++) {
      const row = (f * nW + w) * nH;
      for (let h = 0; h < nH; h++) lnS[row + h] = predictGbt(g, [cellPoint(hCuts, h), cellPoint(lnWsCuts, w), f]) + lnSm;
      // roomy: headroom >= max(64 MiB, the cell's largest ws) cannot swap, so no slowdown at all
      const wsHi = Math.exp(w < lnWsCuts.length ? lnWsCuts[w]! : (lnWsCuts[lnWsCuts.length - 1] ?? 0) + Math.LN2);
      const roomy = headroomAxis(Math.max(64, wsHi), wsHi * MiB, scale);
      for (let h = 1; h < nH; h++) if (hCuts[h - 1]! >= roomy) lnS[row + h] = 0;
      // more headroom is never slower: running max from the roomiest cell down; never below 1
      let run = 0;
      for (let h = nH - 1; h >= 0; h--) {
        run = Math.max(run, lnS[row + h]!);
        lnS[row + h] = Math.round(run * 1e5) / 1e5;
      }
    }
    // large layers: at the same headroom a larger working set is never less slowed (see sizeMonotoneFromMiB)
    if (sizeFrom > 0) {
      for (let w = 1; w < nW; w++) {
        if (Math.exp(lnWsCuts[w - 1]!) < sizeFrom) continue;
        const row = (f * nW + w) * nH;
        const prev = (f * nW + w - 1) * nH;
        for (let h = 0; h < nH; h++) lnS[row + h] = Math.max(lnS[row + h]!, lnS[prev + h]!);
      }
    }
  }
  return { lnWsCuts, hCuts, lnS, smearing, limitOverhead: Math.exp(offset), n: y.length };
}

/** Sum of a run's layers at context (ctx, kappa), before the total factor. */
function runTotal(m: FeSwapModel, layers: readonly { key: LayerKey; memoryBytes: number }[], ctx: number, kappa: number): number {
  let sum = 0;
  for (const l of layers) {
    const p = m.phasesAt(l.key, l.memoryBytes, ctx, kappa);
    sum += p.loadMs + p.runMs + p.unloadMs;
  }
  return sum;
}

/**
 * The network context from whole-network runs. Per run (network, limit): the median of its pass
 * totals. totalFactor = geometric mean over unlimited runs of measured / predicted total. ctx and
 * kappa by grid search over the limited runs that have an unlimited run of the same network:
 * measured slowdown R = median total at M / unlimited, predicted R^ the same ratio of the model's
 * totals; minimises sum (ln R^ - ln R)^2.
 */
function fitContext(m: FeSwapModel, context: ContextRows, ctxGrid: [number, number, number], kappaGrid: [number, number, number]): ContextFit {
  const obs = aggregateRows(context.rows, context.hardware);
  const runKey = (hw: string, net: string, limit: number | null): string => `${hw}|${net}|${limit ?? 'none'}`;
  const byRun = new Map<string, LayerObservation[]>();
  for (const o of obs) {
    const k = runKey(o.hardwareId, o.network, o.memoryLimitBytes);
    let l = byRun.get(k);
    if (!l) byRun.set(k, (l = []));
    l.push(o);
  }
  const totals = passTotals(context.rows, (r) => runKey(r.hardwareId, r.network, r.memoryLimitBytes));
  const measured = (k: string): number => median(totals.get(k) ?? [NaN]);
  type Keyed = { key: LayerKey; memoryBytes: number }[];
  const keyed = (os: readonly LayerObservation[]): Keyed => os.map((o) => ({ key: m.keyOf(o), memoryBytes: o.memoryBytes }));
  const predicted = (os: Keyed, ctx: number, kappa: number): number => runTotal(m, os, ctx, kappa);

  let lnSum = 0;
  const lnUnlimited: number[] = [];
  let unlimitedRuns = 0;
  interface Run { obs: Keyed; lnR: number; noneSum: number }
  const runs: Run[] = [];
  const nets = new Set<string>();
  for (const [k, os] of byRun) {
    const o0 = os[0]!;
    const prepared = keyed(os);
    if (o0.memoryLimitBytes === null) {
      const e = Math.log(measured(k) / predicted(prepared, 0, 1));
      lnSum += e;
      lnUnlimited.push(e);
      unlimitedRuns++;
      nets.add(o0.network);
      continue;
    }
    const noneKey = runKey(o0.hardwareId, o0.network, null);
    const none = byRun.get(noneKey);
    if (!none) continue;
    runs.push({ obs: prepared, lnR: Math.log(measured(k) / measured(noneKey)), noneSum: predicted(keyed(none), 0, 1) });
  }
  const totalFactor = unlimitedRuns > 0 ? Math.exp(lnSum / unlimitedRuns) : 1;
  const meanLn = unlimitedRuns > 0 ? lnSum / unlimitedRuns : 0;
  const rmsLogUnlimited = unlimitedRuns > 0 ? Math.sqrt(lnUnlimited.reduce((a, e) => a + (e - meanLn) ** 2, 0) / unlimitedRuns) : null;
  const base: ContextFit = { totalFactor: Math.round(totalFactor * 1e4) / 1e4, unlimitedRuns, rmsLogUnlimited, ctxMiB: 0, kappa: 1, runs: runs.length, networks: [...nets].sort(), rmsLogBefore: null, rmsLogAfter: null };
  if (runs.length === 0) return base;
  const loss = (ctx: number, kappa: number): number => {
    let s = 0;
    for (const r of runs) {
      const e = Math.log(predicted(r.obs, ctx, kappa) / r.noneSum) - r.lnR;
      s += e * e;
    }
    return s;
  };
  const before = loss(0, 1);
  let best = { ctx: 0, kappa: 1, loss: before };
  for (let c = ctxGrid[0]; c <= ctxGrid[1] + 1e-9; c += ctxGrid[2]) {
    for (let k = kappaGrid[0]; k <= kappaGrid[1] + 1e-9; k += kappaGrid[2]) {
      const l = loss(c, k);
      if (l < best.loss - 1e-12) best = { ctx: c, kappa: k, loss: l };
    }
  }
  const rms = (l: number): number => Math.sqrt(l / runs.length);
  const edge = (v: number, g: [number, number, number]): boolean => Math.abs(v - g[0]) < 1e-9 || Math.abs(v - g[1]) < g[2] / 2;
  return {
    ...base,
    ctxMiB: Math.round(best.ctx * 1000) / 1000,
    kappa: Math.round(best.kappa * 1000) / 1000,
    rmsLogBefore: rms(before),
    rmsLogAfter: rms(best.loss),
    atGridEdge: edge(best.ctx, ctxGrid) || edge(best.kappa, kappaGrid),
  };
}

/**
 * Fits model fe-swap on per-configuration observations (isolated-layer profile) and, optionally,
 * whole-network passes of other networks for the context. Throws a UserError when the data has no
 * layer measured both with and without a limit.
 */
export function fitFeSwap(obs: readonly LayerObservation[], options: FeSwapOptions = {}): FeSwapModel {
  const eps = options.epsMs ?? 0.1;
  const scale = options.headroomScaleMiB ?? 0;
  const sizeFrom = options.sizeMonotoneFromMiB ?? 64;
  const baseRows = options.baseRows ?? 'no-swap';
  const noSwap = obs.filter((o) => baseRows === 'all' || o.memoryLimitBytes === null || (baseRows === 'no-swap' && o.swapBytes === 0));
  if (noSwap.length < 2) throw new UserError(`model fe-swap: needs layers measured without swapping (unlimited or roomy limits), got ${noSwap.length}; profile with unlimited runs`);
  const base = fitFe(noSwap, { backTransform: 'smearing' });
  const b = options.base;
  const basePhases: Record<Target, BaseKind> | undefined = b === undefined || b === 'fe' ? undefined : typeof b === 'string' ? { load: b, run: b, unload: b } : { ...b };
  const uses = (k: BaseKind): boolean => basePhases !== undefined && Object.values(basePhases).includes(k);
  const trees = uses('gbt') ? fitBoosted(noSwap, false) : null;
  const hybrid = uses('hybrid') ? fitBoosted(noSwap, true) : null;
  const none = new Map<string, LayerObservation>();
  for (const o of obs) if (o.memoryLimitBytes === null) none.set(pairKey(o), o);
  const slowdown: Partial<Record<Target, SlowdownTable>> = {};
  for (const t of TARGETS) {
    const X: number[][] = [];
    const y: number[] = [];
    for (const { o, a, b } of phasePairs(obs, none, t)) {
      X.push(slowdownFeatures(o, scale));
      const e = ratioOffsetMs(o, t, eps);
      y.push(Math.log((a + e) / (b + e)));
    }
    if (y.length >= 20) slowdown[t] = fitTable(X, y, { ...SLOWDOWN_TREES, ...options.gbt }, options.anchor ?? true, scale, sizeFrom);
  }
  const physical = fitPhysical(obs, none, eps, options.swapGrid ?? DEFAULT_SWAP_GRID);
  if (Object.keys(slowdown).length === 0) {
    throw new UserError('model fe-swap: no layer was measured both with and without a memory limit (needs >= 20 pairs); profile with the default levels, which include "none"');
  }
  const data: FeSwapModelJSON = {
    name: MODEL_NAME,
    kind: 'fe-swap',
    version: FE_SWAP_VERSION,
    fittedTargets: [...base.fittedTargets],
    epsMs: eps,
    headroomScaleMiB: scale,
    sizeMonotoneFromMiB: sizeFrom,
    base: base.toJSON(),
    ...(basePhases ? { basePhases } : {}),
    ...(trees ? { trees: trees.toJSON() } : {}),
    ...(hybrid ? { hybrid: hybrid.toJSON() } : {}),
    slowdown,
    swapTerm: options.swapTerm ?? 'table',
    physical,
    context: { totalFactor: 1, unlimitedRuns: 0, ctxMiB: 0, kappa: 1, runs: 0, networks: [], rmsLogBefore: null, rmsLogAfter: null },
  };
  const m = new FeSwapModel(data);
  if (!options.context || options.context.rows.length === 0) return m;
  const context = fitContext(m, options.context, options.ctxGrid ?? [-64, 128, 4], options.kappaGrid ?? [0.25, 3, 0.05]);
  return new FeSwapModel({ ...data, context });
}

/** Each limited observation with its unlimited partner: phase t's time at M (a) and without a limit (b), both finite. */
function* phasePairs(obs: readonly LayerObservation[], none: ReadonlyMap<string, LayerObservation>, t: Target): Generator<{ o: LayerObservation; a: number; b: number }> {
  for (const o of obs) {
    if (o.memoryLimitBytes === null) continue;
    const n = none.get(pairKey(o));
    const a = observedMs(o, t);
    const b = n ? observedMs(n, t) : null;
    if (a === null || b === null || !Number.isFinite(a) || !Number.isFinite(b)) continue;
    yield { o, a, b };
  }
}

/** Fits the physical swap term (./swap-physical.ts) per phase and kernel family on the profile's pairs. */
function fitPhysical(obs: readonly LayerObservation[], none: ReadonlyMap<string, LayerObservation>, eps: number, grid: SwapGrid): PhysicalSwap {
  const out: PhysicalSwap = {};
  for (const t of TARGETS) {
    const byFam: SwapPair[][] = RUN_FAMILIES.map(() => []);
    for (const { o, a, b } of phasePairs(obs, none, t)) {
      const st = cachedStats(o);
      const bw = o.hardware.diskReadBytesPerSec ?? 2 ** 30;
      byFam[RUN_FAMILIES.indexOf(runFamily(o))]!.push({
        tM: a, tNone: b, ws: st.workingSetBytes, moved: t === 'load' ? st.weightBytes : st.workingSetBytes,
        budget: o.memoryBytes - (o.hardware.runtimeIdleBytes ?? 0), bw, epsMs: ratioOffsetMs(o, t, eps),
      });
    }
    if (byFam.some((p) => p.length > 0)) out[t] = byFam.map((p) => fitSwapTerm(p, grid));
  }
  return out;
}

/** Rebuilds an fe-swap model from JSON, checking the tables' shapes. */
export function loadFeSwap(o: Record<string, unknown>): FeSwapModel {
  const d = o as unknown as FeSwapModelJSON;
  if (typeof d.base !== 'object' || d.base === null) throw new UserError('invalid model: fe-swap model has no FE "base"; refit it');
  if (d.basePhases !== undefined) {
    const ok = typeof d.basePhases === 'object' && d.basePhases !== null && TARGETS.every((t) => (BASE_KINDS as readonly unknown[]).includes(d.basePhases?.[t]));
    if (!ok) throw new UserError(`invalid model: fe-swap "basePhases" ${JSON.stringify(d.basePhases)} must give "fe", "gbt" or "hybrid" for load, run and unload; refit it`);
    if (Object.values(d.basePhases).includes('gbt')) {
      if (typeof d.trees !== 'object' || d.trees === null) throw new UserError('invalid model: fe-swap "basePhases" uses "gbt" but the model has no "trees"; refit it');
      loadBoosted(d.trees);
    }
    if (Object.values(d.basePhases).includes('hybrid')) {
      if (typeof d.hybrid !== 'object' || d.hybrid === null) throw new UserError('invalid model: fe-swap "basePhases" uses "hybrid" but the model has no "hybrid"; refit it');
      loadBoosted(d.hybrid);
    }
  }
  if (typeof d.slowdown !== 'object' || d.slowdown === null) throw new UserError('invalid model: fe-swap model has no "slowdown" tables; refit it');
  for (const [t, tab] of Object.entries(d.slowdown)) {
    const ok = Array.isArray(tab.lnWsCuts) && Array.isArray(tab.hCuts) && Array.isArray(tab.lnS) && tab.lnS.length === RUN_FAMILIES.length * (tab.lnWsCuts.length + 1) * (tab.hCuts.length + 1);
    if (!ok) throw new UserError(`invalid model: fe-swap slowdown table "${t}" has inconsistent sizes; the file is damaged, refit it`);
  }
  const c = d.context as Partial<ContextFit> | undefined;
  if (!c || typeof c.ctxMiB !== 'number' || typeof c.kappa !== 'number' || !(c.kappa > 0) || !(typeof c.totalFactor === 'number' && c.totalFactor > 0)) {
    throw new UserError('invalid model: fe-swap model has no valid "context" (totalFactor > 0, ctxMiB, kappa > 0); refit it');
  }
  if (typeof d.headroomScaleMiB !== 'number' || !(d.headroomScaleMiB >= 0)) throw new UserError('invalid model: fe-swap "headroomScaleMiB" must be a number >= 0; refit it');
  if (typeof d.sizeMonotoneFromMiB !== 'number' || !(d.sizeMonotoneFromMiB >= 0)) throw new UserError('invalid model: fe-swap "sizeMonotoneFromMiB" must be a number >= 0; refit it');
  if (typeof d.epsMs !== 'number' || !(d.epsMs >= 0)) throw new UserError('invalid model: fe-swap "epsMs" must be a number >= 0; refit it');
  if (d.swapTerm !== undefined && d.swapTerm !== 'table' && d.swapTerm !== 'physical') throw new UserError(`invalid model: fe-swap "swapTerm" ${JSON.stringify(d.swapTerm)} must be "table" or "physical"; refit it`);
  if (d.swapTerm === 'physical') {
    const ok = typeof d.physical === 'object' && d.physical !== null && Object.values(d.physical).every((ps) =>
      Array.isArray(ps) && ps.length === RUN_FAMILIES.length && ps.every((p) => p.lambda > 0 && p.c1 >= 0 && p.c2 >= 0 && Number.isFinite(p.offsetMiB)));
    if (!ok) throw new UserError('invalid model: fe-swap "physical" needs, per phase, one {lambda > 0, offsetMiB, c1 >= 0, c2 >= 0} per kernel family; refit it');
  }
  return new FeSwapModel(d);
}
