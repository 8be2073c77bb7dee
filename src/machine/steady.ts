/**
 * A steady fingerprint: the median of several fingerprints of one machine measured minutes apart
 * (`memlat hardware --repeat N`), with the range each probe read. Why (2026-12-03, docs/MODELS.md
 * "A steady fingerprint"): host D's 60 fingerprints over a day read the per-call probe in two states
 * (run ~530 ms or ~730 ms, load ~110 or ~155 ms) that switch within minutes, and the GEMM probe at
 * 70-183 GFLOP/s; a single fingerprint taken in the slow state moved predict's answers by the
 * transfer ~15-20% (held-out #30, #31) while the networks ran close to the machine's usual speed.
 * On the eight held-out sets #24-#31 of host D, the default moved by the median of each set's
 * fingerprints read whole networks 9.0% (bias 1.00-1.03) and knee sweeps 7.2% (0.96-1.06), against
 * 11.2% and 7.4% (0.6x 1.09) with the one fingerprint at each part's start (a description on spent
 * sets; held-out #32 is the test).
 *
 * Pure. Cost O(n log n) per field.
 */
import { UserError } from '../errors.js';
import type { HardwareFingerprint, SteadyInfo } from '../dataset/schema.js';
import { median } from '../stats.js';

/** A probe a steady fingerprint reports a range for (the keys of SteadyInfo.range). */
export type SteadyProbe = keyof SteadyInfo['range'];

/** A field's value in every reading, or null when some reading lacks it (a missing field is not guessed). */
function everyReading(fps: readonly HardwareFingerprint[], get: (h: HardwareFingerprint) => number | null | undefined): number[] | null {
  const v = fps.map(get);
  return v.every((x): x is number => typeof x === 'number' && Number.isFinite(x)) ? v : null;
}

/** The median of a field over the readings, or null when some reading lacks it. */
function medianOf(fps: readonly HardwareFingerprint[], get: (h: HardwareFingerprint) => number | null | undefined): number | null {
  const v = everyReading(fps, get);
  return v ? median(v) : null;
}

const PROBE_GET: Record<SteadyProbe, (h: HardwareFingerprint) => number | null | undefined> = {
  diskReadBytesPerSec: (h) => h.diskReadBytesPerSec,
  memBandwidthBytesPerSec: (h) => h.memBandwidthBytesPerSec,
  gemmGflops: (h) => h.gemmGflops,
  callLoadMs: (h) => h.callProbe?.loadMs,
  callRunMs: (h) => h.callProbe?.runMs,
  callUnloadMs: (h) => h.callProbe?.unloadMs,
};

/**
 * The per-field median of fingerprints of one machine (same id): every rate, the runtime's idle
 * footprint, the disk curve per file size (when all have the same sizes), the per-call probe's
 * load, run and unload and the fresh-weights probe; identity fields and the probes' set-up from the
 * last reading, measuredAt the last reading's. `steady` says how many readings and each probe's
 * range. One reading is returned as it is, with `steady`. Throws a UserError naming the readings
 * when they are of different machines or there are none.
 */
export function steadyFingerprint(fps: readonly HardwareFingerprint[]): HardwareFingerprint & { steady: SteadyInfo } {
  if (fps.length === 0) throw new UserError('steady fingerprint: no readings; measure at least one (memlat hardware --repeat 1)');
  const ids = [...new Set(fps.map((h) => h.id))];
  if (ids.length > 1)
    throw new UserError(
      `steady fingerprint: the readings are of different machines (${ids.join(', ')}); a median is only meaningful for one machine's readings`,
    );
  const last = fps[fps.length - 1]!;
  const out: HardwareFingerprint = structuredClone(last);
  out.diskReadBytesPerSec = medianOf(fps, (h) => h.diskReadBytesPerSec);
  out.memBandwidthBytesPerSec = medianOf(fps, (h) => h.memBandwidthBytesPerSec);
  out.gemmGflops = medianOf(fps, (h) => h.gemmGflops);
  out.runtimeIdleBytes = medianOf(fps, (h) => h.runtimeIdleBytes);
  if (out.runtimeIdleBytes !== null) out.runtimeIdleBytes = Math.round(out.runtimeIdleBytes);
  const curves = fps.map((h) => h.diskCurve);
  const sizes = JSON.stringify(last.diskCurve?.bytes ?? null);
  if (out.diskCurve && curves.every((c) => c && JSON.stringify(c.bytes) === sizes))
    out.diskCurve = { ...out.diskCurve, ms: out.diskCurve.bytes.map((_, i) => median(curves.map((c) => c!.ms[i]!))) };
  if (out.callProbe && fps.every((h) => h.callProbe)) {
    out.callProbe = {
      ...out.callProbe,
      loadMs: median(fps.map((h) => h.callProbe!.loadMs)),
      runMs: median(fps.map((h) => h.callProbe!.runMs)),
      unloadMs: median(fps.map((h) => h.callProbe!.unloadMs)),
    };
    const wl = medianOf(fps, (h) => h.callProbe?.weightlessLoadMs);
    if (wl !== null) out.callProbe.weightlessLoadMs = wl;
  }
  if (out.freshWeights && fps.every((h) => h.freshWeights)) {
    out.freshWeights = { ...out.freshWeights, coldMs: median(fps.map((h) => h.freshWeights!.coldMs)), warmMs: median(fps.map((h) => h.freshWeights!.warmMs)) };
    const pages = medianOf(fps, (h) => h.freshWeights?.freshPagesMs);
    if (pages !== null) out.freshWeights.freshPagesMs = pages;
  }
  const range: SteadyInfo['range'] = {};
  for (const [p, get] of Object.entries(PROBE_GET) as [SteadyProbe, (h: HardwareFingerprint) => number | null | undefined][]) {
    const v = everyReading(fps, get);
    if (v) range[p] = [Math.min(...v), Math.max(...v)];
  }
  const steady: SteadyInfo = { readings: fps.length, from: fps[0]!.measuredAt ?? null, to: last.measuredAt ?? null, range };
  if (fps.length > 1)
    out.notes = `${last.notes ? `${last.notes}; ` : ''}median of ${fps.length} fingerprints measured ${steady.from ?? '?'} to ${steady.to ?? '?'}`;
  return { ...out, steady };
}
