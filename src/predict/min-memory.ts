/**
 * The inverse question: the least available memory M whose predicted network total meets a target
 * time, and the conservative answer whose interval's high end meets it (the high end is the total at
 * M (1 - MEMORY_UNCERTAINTY) times the calibration's exp(logHigh), see predict.intervalFor).
 *
 * Neither answer lies below the thrash floor (predict.thrashFloor: the runtime's footprint + half the
 * largest layer's working set), where runs were OOM-killed or spread 2x from pass to pass; the model's
 * own answer from just above the runtime's footprint is reported beside (modelMemoryBytes).
 *
 * Predicted time need not be monotone in M (a model may wiggle), so the search is global first: a
 * fine log-spaced grid over the whole valid range (the floor up to the hardware's RAM, beyond which
 * more limit adds no memory) finds the first grid point that meets the
 * target; then integer bisection between it and the grid point before it (which does not) finds the
 * boundary to the byte. The answer is exact on the grid and, within the bracket, exact where the
 * prediction is monotone there. Every evaluation is predictTotalAt, the code path of predictNetwork,
 * so predictNetwork at the returned M meets the target and at M - 1 (inside the bracket) does not.
 *
 * Pure. Cost: 2 x (grid + ~log2(bracket width)) network evaluations (~900), each one model call per
 * distinct layer (prepareNetwork groups identical layers) plus O(layers) additions.
 */
import { argumentError } from '../errors.js';
import type { ResolvedNetwork } from '../network/types.js';
import type { LoadedBundle } from './bundle.js';
import { logSpace } from './curve.js';
import { MEMORY_UNCERTAINTY, predictTotalAt, prepareNetwork, type PreparedNetwork } from './predict.js';

/** What minMemory returns (the `memlat min-memory --json` document). */
export interface MinMemoryResult {
  network: string;
  targetMs: number;
  /** Least M (bytes) whose predicted total <= targetMs; null when no M up to RAM meets it. */
  memoryBytes: number | null;
  /** Least M whose interval high end <= targetMs; null when none does or there is no calibration. */
  conservativeMemoryBytes: number | null;
  /** Predicted total at memoryBytes (null with it). */
  predictedMs: number | null;
  /** Interval high end at conservativeMemoryBytes (null with it). */
  conservativeHighMs: number | null;
  /** False when the bundle has no calibration (conservativeMemoryBytes is then null). */
  hasInterval: boolean;
  /** Best predicted total anywhere in the searched range (what the target must allow at least). */
  bestMs: number;
  /** Range searched: [least valid M, RAM]; the least valid M is the thrash floor (floorBytes). */
  searchedBytes: [number, number];
  /**
   * The thrash floor (predict.thrashFloor): the runtime's idle footprint + half the largest layer's
   * working set (at least 16 MiB). Neither answer lies below it.
   */
  floorBytes: number;
  /**
   * The least M whose predicted total meets the target searched from just above the runtime's idle
   * footprint instead of the floor: below floorBytes when the model alone would answer in the
   * thrashing region (then memoryBytes is the floor); null when nothing meets the target.
   */
  modelMemoryBytes: number | null;
  /** True when the model alone answers below the floor and memoryBytes was raised to it. */
  raisedToFloor: boolean;
  /** The layer with the largest working set (the one the cliff belongs to). */
  largestLayer: { name: string; workingSetBytes: number };
  /**
   * True when the answer is below the runtime's footprint + that working set: the layer cannot be
   * wholly resident, and the answer sits on or below its cliff.
   */
  belowLargestLayer: boolean;
}

/** Options of minMemory. */
export interface MinMemoryOptions {
  /** Grid points over the range (default 400: adjacent points 1-2% apart). */
  gridPoints?: number;
  prepared?: PreparedNetwork;
}

/**
 * Least M with total(M) <= limitMs on [lo, hi] (grid then integer bisection), or null. `total`
 * must be the network's predicted total at effective memory M.
 */
function search(grid: readonly number[], totals: readonly number[], limitMs: number, total: (m: number) => number): number | null {
  const i = totals.findIndex((t) => t <= limitMs);
  if (i < 0) return null;
  if (i === 0) return grid[0]!;
  let lo = grid[i - 1]!; // fails
  let hi = grid[i]!; // meets
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (total(mid) <= limitMs) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The least available memory whose predicted total meets `targetMs`, plus the conservative answer
 * from the calibrated interval's high end (see the module comment). Throws UserError for a target
 * that is not a positive finite time. Cost: ~450 x (model calls per distinct layer + layers additions).
 * @example minMemory(rn, bundle, 200).memoryBytes // e.g. 612368384, or null if 200 ms is out of reach
 */
export function minMemory(rn: ResolvedNetwork, bundle: LoadedBundle, targetMs: number, opts: MinMemoryOptions = {}): MinMemoryResult {
  if (!(targetMs > 0 && Number.isFinite(targetMs))) throw argumentError((n) => `${n('target')} ${targetMs} ms: give a positive time, e.g. 200ms or 1.5s`);
  const p = opts.prepared ?? prepareNetwork(rn, bundle);
  const idleLo = Math.floor(p.minMemoryBytes) + 1;
  const hi = Math.max(idleLo + 1, Math.round(bundle.hardware.ramBytes));
  const lo = Math.min(Math.max(idleLo, Math.ceil(p.thrashFloorBytes)), hi - 1);
  const total = (m: number): number => predictTotalAt(p, Math.min(m, bundle.hardware.ramBytes));
  // The model's own answer from just above idle (what it would say without the floor) ...
  const fullGrid = logSpace(idleLo, hi, opts.gridPoints ?? 400);
  const modelMemoryBytes = search(fullGrid, fullGrid.map(total), targetMs, total);
  // ... and the answers, searched from the floor up.
  const grid = logSpace(lo, hi, opts.gridPoints ?? 400);
  const totals = grid.map(total);
  const memoryBytes = search(grid, totals, targetMs, total);
  const cal = bundle.calibration;
  let conservativeMemoryBytes: number | null = null;
  if (cal) {
    // The interval's high end at M is the total at M (1 - u) x exp(logHigh) (predict.intervalFor):
    // search M' = M (1 - u) on the same curve, then M = M' / (1 - u).
    const m = search(grid, totals, targetMs * Math.exp(-cal.logHigh), total);
    conservativeMemoryBytes = m === null ? null : Math.min(Math.ceil(m / (1 - MEMORY_UNCERTAINTY)), bundle.hardware.ramBytes);
  }
  let big = 0;
  for (let i = 1; i < p.workingSetBytes.length; i++) if (p.workingSetBytes[i]! > p.workingSetBytes[big]!) big = i;
  const largestLayer = { name: rn.layers[big]?.layer.name ?? '', workingSetBytes: p.workingSetBytes[big] ?? 0 };
  return {
    network: rn.name,
    targetMs,
    memoryBytes,
    conservativeMemoryBytes,
    predictedMs: memoryBytes === null ? null : total(memoryBytes),
    conservativeHighMs: conservativeMemoryBytes === null || !cal ? null : total(conservativeMemoryBytes * (1 - MEMORY_UNCERTAINTY)) * Math.exp(cal.logHigh),
    hasInterval: cal !== null,
    bestMs: Math.min(...totals),
    searchedBytes: [lo, hi],
    floorBytes: lo,
    modelMemoryBytes,
    raisedToFloor: memoryBytes === lo && modelMemoryBytes !== null && modelMemoryBytes < lo,
    largestLayer,
    belowLargestLayer: memoryBytes !== null && memoryBytes < p.runtimeIdleBytes + largestLayer.workingSetBytes,
  };
}
