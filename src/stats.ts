/**
 * The small statistics every room needs, defined once. Pure.
 */

/**
 * Median (mean of the middle two for even lengths); NaN for an empty list. Cost O(n log n).
 * @example median([3, 1, 2]) // 2
 */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Quantile q in [0, 1] with linear interpolation between order statistics (R's type 7, numpy's
 * default); NaN for an empty list. Cost O(n log n).
 * @example quantile([1, 2, 3, 4], 0.5) // 2.5
 */
export function quantile(xs: readonly number[] | Float64Array, q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(i);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (i - lo);
}
