/**
 * Hardware fingerprints that need no measuring: the stable machine id and a fingerprint whose
 * measured parts are unknown. Pure (a hash, no machine access): the machine's own parts are passed in
 * by the edge rooms that read them (machine/hardware.ts measures; predict/user-files.ts reads os).
 */
import { createHash } from 'node:crypto';
import type { HardwareFingerprint } from './schema.js';

/**
 * Stable short id from architecture, CPU model, cores and RAM (rounded GiB), e.g. "x64-2c-24g-3f9a";
 * an emulated machine's spec (src/host/emulate.ts) is hashed in too, so it gets its own id. Cost: one hash.
 */
export function fingerprintId(cpuModel: string, cores: number, ramBytes: number, machineArch: string, emulation?: string): string {
  const ramGiB = Math.round(ramBytes / 2 ** 30);
  const h = createHash('sha256')
    .update(`${cpuModel}|${cores}|${ramGiB}${emulation ? `|${emulation}` : ''}`)
    .digest('hex')
    .slice(0, 4);
  return `${machineArch}-${cores}c-${ramGiB}g-${h}`;
}

/** A fingerprint that knows only its id, CPU model, cores and RAM: every measured part null. */
export function unmeasuredFingerprint(p: { id: string; cpuModel: string; cores: number; ramBytes: number; notes?: string }): HardwareFingerprint {
  return {
    id: p.id,
    cpuModel: p.cpuModel,
    cores: p.cores,
    ramBytes: p.ramBytes,
    cgroupVersion: null,
    diskReadBytesPerSec: null,
    memBandwidthBytesPerSec: null,
    gemmGflops: null,
    runtimeIdleBytes: null,
    ...(p.notes === undefined ? {} : { notes: p.notes }),
  };
}

/** Geometric mean of positive numbers; null if any is missing or not positive. */
function geoMean(xs: readonly (number | null | undefined)[]): number | null {
  if (xs.length === 0 || !xs.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0)) return null;
  return Math.exp((xs as number[]).reduce((a, x) => a + Math.log(x), 0) / xs.length);
}

/**
 * One fingerprint from several measurements of the same machine: every rate (disk, memory copy,
 * GEMM), the runtime's idle footprint, the per-call probe's times and the disk curve's times are
 * the geometric means of the measurements'; everything else (id, CPU, cores, RAM, cgroups,
 * emulation, the probe's networks and threads, the curve's sizes) is the last one's. A part is
 * averaged only where every measurement has it comparably (the probe: same networks and threads;
 * the curve: same sizes), else the last one's is kept. `notes` says how many were averaged.
 *
 * Why (2026-12-02, docs/MODELS.md "Held-out #22"): one machine's per-call probe moved 214-270 ms in
 * minutes, and a calibration fitted on the same 375 rows read 13.2-18.0% on held-out #21 with the
 * three fingerprints its reruns measured, 13.7% with their mean. Throws on an empty list or on
 * fingerprints of different machines (ids). Pure, O(n).
 * @example averageFingerprints([{ ...a, gemmGflops: 50 }, { ...a, gemmGflops: 200 }]).gemmGflops // 100
 */
export function averageFingerprints(fps: readonly HardwareFingerprint[]): HardwareFingerprint {
  const last = fps[fps.length - 1];
  if (!last) throw new Error('averageFingerprints: no fingerprint');
  if (fps.length === 1) return last;
  if (fps.some((h) => h.id !== last.id))
    throw new Error(`averageFingerprints: fingerprints of ${[...new Set(fps.map((h) => h.id))].join(', ')}: one machine only`);
  const out: HardwareFingerprint = {
    ...last,
    diskReadBytesPerSec: geoMean(fps.map((h) => h.diskReadBytesPerSec)) ?? last.diskReadBytesPerSec,
    memBandwidthBytesPerSec: geoMean(fps.map((h) => h.memBandwidthBytesPerSec)) ?? last.memBandwidthBytesPerSec,
    gemmGflops: geoMean(fps.map((h) => h.gemmGflops)) ?? last.gemmGflops,
    runtimeIdleBytes: geoMean(fps.map((h) => h.runtimeIdleBytes)) ?? last.runtimeIdleBytes,
    notes:
      `geometric mean of ${fps.length} fingerprints of this machine (${fps[0]!.measuredAt ?? '?'} to ${last.measuredAt ?? '?'}); ${last.notes ?? ''}`.trim(),
  };
  const p = last.callProbe;
  if (p && fps.every((h) => h.callProbe && h.callProbe.networks.join(',') === p.networks.join(',') && h.callProbe.threads === p.threads)) {
    const probes = fps.map((h) => h.callProbe!);
    out.callProbe = {
      ...p,
      loadMs: geoMean(probes.map((c) => c.loadMs)) ?? p.loadMs,
      runMs: geoMean(probes.map((c) => c.runMs)) ?? p.runMs,
      unloadMs: geoMean(probes.map((c) => c.unloadMs)) ?? p.unloadMs,
      ...(p.weightlessLoadMs !== undefined ? { weightlessLoadMs: geoMean(probes.map((c) => c.weightlessLoadMs)) ?? p.weightlessLoadMs } : {}),
    };
  }
  const c = last.diskCurve;
  if (c && fps.every((h) => h.diskCurve && h.diskCurve.bytes.join(',') === c.bytes.join(','))) {
    out.diskCurve = { ...c, ms: c.ms.map((m, i) => geoMean(fps.map((h) => h.diskCurve!.ms[i])) ?? m) };
  }
  return out;
}
