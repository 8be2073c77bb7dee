/**
 * Latency-vs-memory curves: predicted network total at log-spaced available memory M, with the knee
 * (where swapping starts) and the saturation point (beyond which more memory stops helping).
 *
 * Definitions (docs/PREDICT.md):
 * - kneeBytes = runtimeIdleBytes + max over layers of workingSetBytes: the least M at which no layer
 *   swaps (features/layer.ts swapBytes). For every M below it at least one layer swaps, so predicted
 *   time rises as M falls below the knee. It is a property of the network and the hardware, reported
 *   even when it lies outside [from, to].
 * - saturationBytes = the smallest curve point M_i whose total is within 1% of the best total at any
 *   larger-or-equal point: total(M_i) <= 1.01 * min_{j >= i} total(M_j). More memory beyond it (up to
 *   `to`) improves the predicted total by less than 1%.
 *
 * Pure; every point goes through predictTotalAt, the same code path as predictNetwork, so a curve
 * point equals predictNetwork at that point's memoryBytes exactly. Cost: points x layers model calls
 * (per-layer working sets are computed once).
 */
import { argumentError } from '../errors.js';
import type { ResolvedNetwork } from '../network/types.js';
import { formatBytes } from '../units.js';
import type { LoadedBundle } from './bundle.js';
import { effectiveMemory, intervalFor, predictTotalAt, prepareNetwork, totalsAround, type PreparedNetwork } from './predict.js';

/** Options of latencyCurve. */
export interface CurveOptions {
  /** Smallest M, bytes (raised to just above the runtime's idle footprint when below it). */
  fromBytes: number;
  /** Largest M, bytes. */
  toBytes: number;
  /** Number of log-spaced points, >= 2. */
  points: number;
}

/** One point of a curve; lowMs/highMs are null when the bundle has no calibration. */
export interface CurvePoint {
  memoryBytes: number;
  totalMs: number;
  lowMs: number | null;
  highMs: number | null;
}

/** What latencyCurve returns (the `memlat curve --json` document). */
export interface LatencyCurve {
  network: string;
  points: CurvePoint[];
  /** Least M at which no layer swaps (see the module comment). */
  kneeBytes: number;
  /** Smallest point within 1% of the best total beyond it (see the module comment). */
  saturationBytes: number;
  /** Below this M runs thrash and totals are extrapolated (predict.thrashFloor). */
  thrashFloorBytes: number;
  /** The from actually used (after raising it above the runtime's idle footprint). */
  fromBytes: number;
  toBytes: number;
}

/** The least integer M strictly above the runtime's idle footprint. */
function leastValidMemory(p: PreparedNetwork): number {
  return Math.floor(p.minMemoryBytes) + 1;
}

/**
 * `n` log-spaced integer byte sizes from `from` to `to` inclusive (distinct when the range allows).
 * Cost O(n).
 */
export function logSpace(fromBytes: number, toBytes: number, n: number): number[] {
  const out: number[] = [];
  const a = Math.log(fromBytes);
  const b = Math.log(toBytes);
  for (let i = 0; i < n; i++) {
    const v = i === 0 ? fromBytes : i === n - 1 ? toBytes : Math.round(Math.exp(a + ((b - a) * i) / (n - 1)));
    if (out.length === 0 || v > out[out.length - 1]!) out.push(v);
  }
  return out;
}

/**
 * The predicted latency-vs-memory curve of a network (see the module comment for the knee and
 * saturation definitions). Throws UserError for fewer than 2 points, to <= from, or `to` not above
 * the runtime's idle footprint. Cost O(points x layers); a 100-point curve of a 100-layer network
 * takes a few milliseconds.
 * @example latencyCurve(rn, bundle, { fromBytes: 64 * 2 ** 20, toBytes: 8 * 2 ** 30, points: 50 }).kneeBytes
 */
export function latencyCurve(rn: ResolvedNetwork, bundle: LoadedBundle, opts: CurveOptions, prepared?: PreparedNetwork): LatencyCurve {
  if (!Number.isInteger(opts.points) || opts.points < 2 || opts.points > 100_000) {
    throw argumentError((n) => `${n('points')} ${opts.points}: use an integer from 2 to 100000`);
  }
  if (!(opts.toBytes > opts.fromBytes)) {
    throw argumentError((n) => `${n('to')} ${formatBytes(opts.toBytes)} must be larger than ${n('from')} ${formatBytes(opts.fromBytes)}`);
  }
  const p = prepared ?? prepareNetwork(rn, bundle);
  const least = leastValidMemory(p);
  if (opts.toBytes < least) {
    throw argumentError(
      (n) =>
        `${n('to')} ${formatBytes(opts.toBytes)} is not more than the ${formatBytes(p.minMemoryBytes)} the runtime itself needs on this hardware (${bundle.hardware.id}); raise ${n('to')}`,
    );
  }
  const fromBytes = Math.max(Math.round(opts.fromBytes), least);
  const toBytes = Math.round(opts.toBytes);
  const ms = logSpace(fromBytes, toBytes, opts.points);
  const points: CurvePoint[] = ms.map((m) => {
    const em = effectiveMemory(p, m);
    const totalMs = predictTotalAt(p, em);
    const iv = intervalFor(bundle, totalMs, bundle.calibration ? totalsAround(p, em) : undefined);
    return { memoryBytes: m, totalMs, lowMs: iv ? iv[0] : null, highMs: iv ? iv[1] : null };
  });
  return {
    network: rn.name,
    points,
    kneeBytes: p.noSwapMemoryBytes,
    saturationBytes: saturationPoint(points),
    thrashFloorBytes: p.thrashFloorBytes,
    fromBytes,
    toBytes,
  };
}

/**
 * The smallest point M_i with total_i <= 1.01 * min_{j >= i} total_j (the last point always
 * qualifies). Cost O(points).
 */
export function saturationPoint(points: readonly { memoryBytes: number; totalMs: number }[], tolerance = 0.01): number {
  let suffixMin = Infinity;
  const best = new Array<number>(points.length);
  for (let i = points.length - 1; i >= 0; i--) {
    suffixMin = Math.min(suffixMin, points[i]!.totalMs);
    best[i] = suffixMin;
  }
  for (let i = 0; i < points.length; i++) if (points[i]!.totalMs <= (1 + tolerance) * best[i]!) return points[i]!.memoryBytes;
  return points[points.length - 1]?.memoryBytes ?? NaN;
}
