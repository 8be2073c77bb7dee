/**
 * The study's target transform: models regress ln(time in ms) and map predictions back with exp()
 * (or exp() times Duan's smearing factor, see BackTransform in types.ts). Times at or below
 * `floorMs` (parameter-free layers can load in ~0 ms) are clamped to it before the log, so ln is
 * finite. Pure, O(1) per value.
 */
import type { BackTransform } from './types.js';
import { mulberry32 } from '../random.js';

/** Default floor for times before ln(): 1 microsecond. */
export const DEFAULT_FLOOR_MS = 1e-3;

/** ln(max(ms, floorMs)). */
export function logTime(ms: number, floorMs = DEFAULT_FLOOR_MS): number {
  return Math.log(Math.max(ms, floorMs));
}

/** Duan's smearing factor: mean of exp(residual) over the training residuals of ln(time). O(n). */
export function smearingFactor(residuals: ArrayLike<number>): number {
  if (residuals.length === 0) return 1;
  let s = 0;
  for (let i = 0; i < residuals.length; i++) s += Math.exp(residuals[i]!);
  return s / residuals.length;
}

/** A predicted ln(time) back to ms: exp(z), times the smearing factor when asked. */
export function backTransform(z: number, mode: BackTransform, smearing: number): number {
  return mode === 'smearing' ? Math.exp(z) * smearing : Math.exp(z);
}

/** Signed log1p, the feature transform used by the log-log models: sign(x) ln(1 + |x|). */
export function slog1p(x: number): number {
  return x < 0 ? -Math.log1p(-x) : Math.log1p(x);
}

/** Deterministic PRNG for seeded shuffles (one implementation, ../random.ts). */
export { mulberry32 } from '../random.js';

/** Seeded random fold index for each of n items, balanced (sizes differ by at most one). */
export function randomFolds(n: number, k: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  const rnd = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const out = new Array<number>(n);
  order.forEach((item, pos) => (out[item] = pos % k));
  return out;
}
