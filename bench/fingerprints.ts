/**
 * A held-out set's fingerprints, shared by the held-out bench (bench/heldout.ts) and the pool
 * (bench/pooled.ts): every single fingerprint the set measured (data/<set>/hardware*.json, before,
 * between and after its commands, and each part's rows.hardware.json, measured when its runs
 * started), and the steady ones read from them: the one `memlat hardware --repeat N` measured before
 * the runs (data/<set>/hardware-steady.json, from held-out #32 on), and the median of the set's single
 * fingerprints (src/machine/steady.ts; a description, since most are measured during and after the runs).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HardwareFingerprint } from '../src/dataset/schema.js';
import { steadyFingerprint } from '../src/machine/steady.js';

/** Every fingerprint in data/<set>/hardware*.json and in `partDirs`' rows.hardware.json, in time order. */
export function setFingerprints(set: string, partDirs: readonly string[] = [`data/${set}/whole`, `data/${set}/knee`]): HardwareFingerprint[] {
  const dir = `data/${set}`;
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /^hardware.*\.json$/.test(f))
        .map((f) => join(dir, f))
    : [];
  files.push(...partDirs.map((p) => join(p, 'rows.hardware.json')));
  return files
    .filter((f) => existsSync(f))
    .flatMap((f) => [JSON.parse(readFileSync(f, 'utf8')) as HardwareFingerprint | HardwareFingerprint[]].flat())
    .sort((x, y) => (x.measuredAt ?? '').localeCompare(y.measuredAt ?? ''));
}

/** The steady fingerprint measured before the set's runs (data/<set>/hardware-steady.json), or null. */
export function steadyStart(set: string): HardwareFingerprint | null {
  const p = `data/${set}/hardware-steady.json`;
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as HardwareFingerprint) : null;
}

/** The median of the set's single fingerprints of machine `id` (at least 3), or null. */
export function setMedian(fps: readonly HardwareFingerprint[], id: string): HardwareFingerprint | null {
  const singles = fps.filter((fp) => fp.steady === undefined && fp.id === id);
  return singles.length >= 3 ? steadyFingerprint(singles) : null;
}

/** "hh:mm-hh:mm UTC" of a steady fingerprint's readings. */
export const readingSpan = (h: HardwareFingerprint): string => `${h.steady?.from?.slice(11, 16) ?? '?'}-${h.steady?.to?.slice(11, 16) ?? '?'} UTC`;
