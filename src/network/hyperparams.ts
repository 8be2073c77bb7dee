/**
 * Reading a layer's hyper-parameters, shared by the shape rules (./shapes.ts), the features and the
 * models: kernel/stride/dilation pairs and paddings expanded to explicit numbers, shapes printed as
 * `1x64x56x56`, and ShapeError, the one error a bad hyper-parameter or shape raises.
 *
 * Pure: no I/O. Cost: O(1) per call.
 */
import { UserError } from '../errors.js';
import type { Pair } from './types.js';

/**
 * A shape problem of one layer, without the `layers[i] "name":` prefix (the caller adds it).
 * A UserError, so an isolated-layer caller that lets it through still exits with code 2.
 */
export class ShapeError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeError';
  }
}

/** Throws a ShapeError with `message`. */
export function failShape(message: string): never {
  throw new ShapeError(message);
}

/** A value as it is quoted in shape messages (JSON, else String). */
export function showValue(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

/** Is `v` an integer > 0? */
export function isPosInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

/** Is `v` an integer >= 0? */
export function isNonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/** Formats a shape as `1x64x56x56` (a scalar as `[]`). */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 0 ? '[]' : shape.join('x');
}

/** Expands a Pair (one number or [h, w]) to [h, w], checking every entry. */
export function expandPair(p: Pair | undefined, dflt: number, field: string, min = 1): [number, number] {
  if (p === undefined) return [dflt, dflt];
  const hw = typeof p === 'number' ? [p, p] : p;
  if (!Array.isArray(hw) || hw.length !== 2) failShape(`${field} ${showValue(p)} must be a number or [height, width]`);
  const [h, w] = hw as [unknown, unknown];
  const ok = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min;
  if (!ok(h) || !ok(w)) failShape(`${field} ${showValue(p)} must be ${min === 0 ? 'non-negative' : 'positive'} integers`);
  return [h as number, w as number];
}

/**
 * Expands padding to [top, left, bottom, right]: one number (all sides), [h, w] (symmetric per
 * axis) or the four sides explicitly.
 */
export function expandPadding(p: Pair | [number, number, number, number] | undefined, field = 'padding'): [number, number, number, number] {
  if (p === undefined) return [0, 0, 0, 0];
  if (Array.isArray(p) && p.length === 4) {
    if (!p.every(isNonNegInt)) failShape(`${field} ${showValue(p)} must be non-negative integers [top, left, bottom, right]`);
    return [p[0], p[1], p[2], p[3]];
  }
  if (Array.isArray(p) && p.length !== 2) failShape(`${field} ${showValue(p)} must be a number, [h, w] or [top, left, bottom, right]`);
  const [h, w] = expandPair(p, 0, field, 0);
  return [h, w, h, w];
}
