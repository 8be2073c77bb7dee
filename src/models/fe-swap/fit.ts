/**
 * Fitting fe-swap: the base choice (which unlimited-time model each phase takes, fitted on the rows
 * that do not swap), the slowdown tables (./table.ts), the physical swap term (../swap-physical.ts)
 * and, with context rows, the network context (./context.ts). Pure.
 */
import { UserError } from '../../errors.js';
import type { GbtOptions } from '../gbt.js';
import { fitFe, type FeModel } from '../fe.js';
import { fitBoosted, type BoostedModel } from '../boosted.js';
import { cachedStats, type LayerObservation } from '../observations.js';
import { runFamily, RUN_FAMILIES } from '../physical.js';
import { MODEL_NAME, TARGETS, type Target } from '../types.js';
import { DEFAULT_SWAP_GRID, fitSwapTerm, type PhysicalSwap, type SwapGrid, type SwapPair } from '../swap-physical.js';
import { fitContext, type ContextRows } from './context.js';
import { FE_SWAP_VERSION, FeSwapModel, noContext, ratioOffsetMs, type BaseKind, type BaseRows, type FeSwapModelJSON, type SlowdownTable } from './model.js';
import { SLOWDOWN_TREES, fitTable, pairKey, phasePairs, slowdownFeatures } from './table.js';

export interface FeSwapOptions {
  /** Whole-network pass observations of networks (not the ones you evaluate on) for ctx, kappa. */
  context?: ContextRows;
  /**
   * Which observations the FE base is fitted on: 'no-swap' (default: unlimited or swapBytes = 0),
   * 'unlimited' (only runs without a limit) or 'all' (the study's FE on everything).
   */
  baseRows?: BaseRows;
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
  /** Physical term: fit the GEMM family's kappa over this grid beside kappa (ContextGrids.kappaGemm; default: one kappa). */
  kappaGemmGrid?: [number, number, number];
  /** Factors on the physical term's lambda the context fit tries (default DEFAULT_LAMBDA_SCALES; [1] keeps the isolated cliff). */
  lambdaScales?: readonly number[];
  /** Bytes per prepared layer session a network keeps (default 0; SESSION_BYTES is the measured size): context fit and predict. */
  sessionBytesPerLayer?: number;
  /** Evictable sessions (needs sessionBytesPerLayer): the footprint's cold MiB and the grid of ms per MiB faulted back (ContextGrids.refault). */
  refault?: { coldMiB: number; msPerMiB: [number, number, number] };
  /** Fit the in-network correction of the base on the context's unlimited runs first (./in-network.ts; default false). */
  inNetwork?: boolean;
  /** Fit the per-call cost of a layer inside a network with the total factor, over this grid of ms per layer (ContextGrids.callMs; default: none, 0). */
  callMs?: [number, number, number];
  /** The swap term predict uses (default 'table'; both are fitted). */
  swapTerm?: 'table' | 'physical';
  /** Grid of the physical term's (lambda, offset) search. */
  swapGrid?: SwapGrid;
}

/**
 * The base choice: the unlimited-time models fe-swap takes per phase (FeSwapOptions.base), fitted on
 * the observations FeSwapOptions.baseRows selects (default: those that do not swap). FE is always
 * fitted (it gives fittedTargets); trees and the hybrid only when a phase uses them.
 */
function fitBase(
  obs: readonly LayerObservation[],
  options: FeSwapOptions,
): { base: FeModel; basePhases: Record<Target, BaseKind> | undefined; trees: BoostedModel | null; hybrid: BoostedModel | null } {
  const baseRows = options.baseRows ?? 'no-swap';
  const noSwap = obs.filter((o) => baseRows === 'all' || o.memoryLimitBytes === null || (baseRows === 'no-swap' && o.swapBytes === 0));
  if (noSwap.length < 2)
    throw new UserError(`model fe-swap: needs layers measured without swapping (unlimited or roomy limits), got ${noSwap.length}; profile with unlimited runs`);
  const base = fitFe(noSwap, { backTransform: 'smearing' });
  const b = options.base;
  const basePhases: Record<Target, BaseKind> | undefined =
    b === undefined || b === 'fe' ? undefined : typeof b === 'string' ? { load: b, run: b, unload: b } : { ...b };
  const uses = (k: BaseKind): boolean => basePhases !== undefined && Object.values(basePhases).includes(k);
  const trees = uses('gbt') ? fitBoosted(noSwap, false) : null;
  const hybrid = uses('hybrid') ? fitBoosted(noSwap, true) : null;
  return { base, basePhases, trees, hybrid };
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
  const { base, basePhases, trees, hybrid } = fitBase(obs, options);
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
    throw new UserError(
      'model fe-swap: no layer was measured both with and without a memory limit (needs >= 20 pairs); profile with the default levels, which include "none"',
    );
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
    ...(options.baseRows && options.baseRows !== 'no-swap' ? { baseRows: options.baseRows } : {}),
    ...(basePhases ? { basePhases } : {}),
    ...(trees ? { trees: trees.toJSON() } : {}),
    ...(hybrid ? { hybrid: hybrid.toJSON() } : {}),
    slowdown,
    swapTerm: options.swapTerm ?? 'table',
    physical,
    context: noContext(),
  };
  const m = new FeSwapModel(data);
  if (!options.context || options.context.rows.length === 0) return m;
  const context = fitContext(m, options.context, {
    ctx: options.ctxGrid ?? [-64, 128, 4],
    kappa: options.kappaGrid ?? [0.25, 3, 0.05],
    ...(options.kappaGemmGrid ? { kappaGemm: options.kappaGemmGrid } : {}),
    ...(options.lambdaScales ? { lambdaScales: options.lambdaScales } : {}),
    ...(options.sessionBytesPerLayer ? { sessionBytesPerLayer: options.sessionBytesPerLayer } : {}),
    ...(options.inNetwork ? { inNetwork: true } : {}),
    ...(options.callMs ? { callMs: options.callMs } : {}),
    ...(options.refault ? { refault: options.refault } : {}),
  });
  return new FeSwapModel({ ...data, context });
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
        tM: a,
        tNone: b,
        ws: st.workingSetBytes,
        moved: t === 'load' ? st.weightBytes : st.workingSetBytes,
        budget: o.memoryBytes - (o.hardware.runtimeIdleBytes ?? 0),
        bw,
        epsMs: ratioOffsetMs(o, t, eps),
      });
    }
    if (byFam.some((p) => p.length > 0)) out[t] = byFam.map((p) => fitSwapTerm(p, grid));
  }
  return out;
}
