/**
 * Human units, parsed once at the edge. Sizes: "512MiB", "0.5GiB", "300MB", "4096" (bytes), "1.5G"
 * (binary when the unit is a single letter, as `free -h` shows). Durations: "200ms", "1.5s", "30m".
 */
import { argumentError } from './errors.js';

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1000 ** 4,
  tib: 1024 ** 4,
};

/** Bytes per fp32 element: every weight and activation memlat times is fp32. */
export const FP32_BYTES = 4;

/** Number of elements of a tensor of this shape (1 for a scalar). */
export function numElements(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Parses a size into bytes. `field` names the argument ("memory") or flag for the error message;
 * the CLI shows an argument as its flag (--memory).
 * @example parseBytes('512MiB', 'memory') === 536870912
 */
export function parseBytes(text: string | number, field: string): number {
  if (typeof text === 'number') {
    if (Number.isFinite(text) && text >= 0 && Number.isSafeInteger(Math.round(text))) return Math.round(text);
    throw argumentError((n) => `${n(field)}: size ${text} is not a non-negative number of bytes; write e.g. 512MiB`);
  }
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m?.[2]?.toLowerCase() ?? '';
  const mult = SIZE_UNITS[unit];
  if (!m || mult === undefined) {
    throw argumentError((n) => `${n(field)}: "${text}" is not a size; write e.g. 512MiB, 0.5GiB, 300MB or a plain number of bytes`);
  }
  const bytes = Math.round(Number(m[1]) * mult);
  if (!Number.isSafeInteger(bytes)) {
    throw argumentError((n) => `${n(field)}: "${text}" is too large to be a size (at most ${Number.MAX_SAFE_INTEGER} bytes, 8 PiB); write e.g. 512MiB`);
  }
  return bytes;
}

/** Like parseBytes, but "none"/"unlimited" give null (no memory limit). */
export function parseMemoryLimit(text: string, field = 'memory'): number | null {
  if (/^\s*(none|unlimited|no|off)\s*$/i.test(text)) return null;
  const bytes = parseBytes(text, field);
  if (bytes <= 0) throw argumentError((n) => `${n(field)}: ${text} must be greater than zero, or "none" for no limit`);
  return bytes;
}

const DURATION_UNITS: Record<string, number> = { us: 1e-3, ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** Parses a duration into milliseconds: "200ms", "1.5s", "30m", "2h"; a plain number is ms. */
export function parseDurationMs(text: string | number, field: string): number {
  if (typeof text === 'number') return text;
  const m = /^\s*([0-9]*\.?[0-9]+)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m?.[2]?.toLowerCase() || 'ms';
  const mult = DURATION_UNITS[unit];
  if (!m || mult === undefined) {
    throw argumentError((n) => `${n(field)}: "${text}" is not a duration; write e.g. 200ms, 1.5s or 30m`);
  }
  return Number(m[1]) * mult;
}

/** Formats bytes in binary units with 3 significant digits: 536870912 -> "512 MiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v.toFixed(0) : Number(v.toPrecision(3))} ${units[i]}`;
}

/**
 * The command that adds `bytes` of swap (rounded up to whole GiB, at least 1), as every swap advice
 * prints it. Callers add their own margin to `bytes` (what is missing + 0.5 GiB, or the whole need +
 * 1 GiB). Pure.
 * @example setupSwapCommand(1.2 * 2 ** 30) // "sudo memlat doctor --setup-swap 2GiB"
 */
export function setupSwapCommand(bytes: number): string {
  return `sudo memlat doctor --setup-swap ${Math.max(1, Math.ceil(bytes / 2 ** 30))}GiB`;
}
