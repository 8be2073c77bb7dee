/**
 * The disk curve of a hardware fingerprint (HardwareFingerprint.diskCurve): cold reads at the sizes
 * weight files have, each after an idle moment, ending with the large probe of diskReadBytesPerSec.
 *
 * Why: a throttled disk with burst credit reads a few MiB at full speed after an idle moment and
 * only large files at its throttled rate. Under the emulation's 100 MiB/s read throttle on host B
 * (blk-throttle, which grants a group a slice of bytes at once), weight files of 0.1-9 MiB loaded in
 * whole-network passes as fast as without the throttle (9 MiB in 16 ms), files of 64 and 144 MiB at
 * 110 MiB/s (held-out #6, B-E1 against B-none), while the 256 MiB probe read 100 MiB/s: the
 * zero-shot transfer scaled every load by the probe's 0.085 and predicted the networks 2.0-2.2x too
 * slow (docs/MODELS.md). Cloud disks with burst credits behave the same.
 *
 * The transfer (src/models/transfer.ts) scales the disk part of a layer's load by the ratio of the
 * two machines' curves at the layer's weight bytes (diskCurveRatio) when both fingerprints have a
 * curve of the same sizes; else by the large probe's ratio, as before.
 *
 * Pure.
 */
import type { DiskCurve, HardwareFingerprint, MeasurementRow } from './schema.js';
import { layerWeightSpecs, weightFileBytes } from '../network/onnx-layer.js';
import { median } from '../stats.js';

/**
 * Sizes of the small reads (the large probe is appended): most layers' weight files are 0.01-10 MiB,
 * a few classifier and embedding layers' 50-600 MiB.
 */
export const DISK_CURVE_BYTES: readonly number[] = [1, 4, 16, 64].map((m) => m * 2 ** 20);

/**
 * Idle before each read, ms: blk-throttle's slice (a group that starts reading after the slice has
 * ended gets a fresh one); in a pass, the run and unload of the layer before a load.
 */
export const DISK_CURVE_IDLE_MS = 100;

/** Reads per size, the median taken (the large probe's DISK_PROBE_READS likewise). */
export const DISK_CURVE_READS = 3;

/**
 * The curve from the small reads and the large probe (its size and rate, bytes/s): the probe is the
 * last point. Null when the rate is unknown. Cost O(points).
 */
export function withLargeProbe(
  small: { bytes: readonly number[]; ms: readonly number[] },
  largeBytes: number,
  largeBytesPerSec: number | null,
  idleMs: number,
  reads: number,
): DiskCurve | null {
  if (largeBytesPerSec === null || !(largeBytesPerSec > 0)) return null;
  return { bytes: [...small.bytes, largeBytes], ms: [...small.ms, (largeBytes / largeBytesPerSec) * 1000], idleMs, reads };
}

/** True for a curve of >= 2 points, sizes ascending and positive, times positive and finite. */
export function validDiskCurve(c: DiskCurve | null | undefined): c is DiskCurve {
  if (!c || !Array.isArray(c.bytes) || !Array.isArray(c.ms) || c.bytes.length < 2 || c.bytes.length !== c.ms.length) return false;
  for (let i = 0; i < c.bytes.length; i++) {
    const b = c.bytes[i]!;
    const t = c.ms[i]!;
    if (!(Number.isFinite(b) && b > 0 && Number.isFinite(t) && t > 0)) return false;
    if (i > 0 && !(b > c.bytes[i - 1]!)) return false;
  }
  return true;
}

/**
 * Cold read time ratio to / from (B / A; > 1: B is slower) for a weight file of `bytes`: ln of the
 * ratio of the curves' times interpolated linearly in ln size between the sizes, constant beyond the
 * smallest and the largest (the large probe's ratio there). Null when either fingerprint lacks a
 * valid curve or the two read other sizes. Cost O(points).
 */
export function diskCurveRatio(from: HardwareFingerprint, to: HardwareFingerprint, bytes: number): number | null {
  return diskCurveRatioAt(from, to)?.(bytes) ?? null;
}

/**
 * diskCurveRatio with the curves checked once: a function of the file size, or null (as there).
 * For callers that ask many sizes of one pair of machines (the transfer, per layer). Cost O(points)
 * to build, O(points) per call.
 */
export function diskCurveRatioAt(from: HardwareFingerprint, to: HardwareFingerprint): ((bytes: number) => number) | null {
  const a = from.diskCurve;
  const b = to.diskCurve;
  if (!validDiskCurve(a) || !validDiskCurve(b) || a.bytes.join(',') !== b.bytes.join(',')) return null;
  const x = a.bytes.map((v) => Math.log(v));
  const lr = a.bytes.map((_, i) => Math.log(b.ms[i]! / a.ms[i]!));
  const n = x.length;
  return (bytes: number): number => {
    if (!(bytes > a.bytes[0]!)) return Math.exp(lr[0]!);
    if (bytes >= a.bytes[n - 1]!) return Math.exp(lr[n - 1]!);
    let i = 1;
    while (a.bytes[i]! < bytes) i++;
    const w = (Math.log(bytes) - x[i - 1]!) / (x[i]! - x[i - 1]!);
    return Math.exp(lr[i - 1]! + w * (lr[i]! - lr[i - 1]!));
  };
}

/**
 * A curve measured at another time moved to a fingerprint's disk rate: its times scaled so that its
 * last point (the large probe) reads at `bytesPerSec`; the shape is kept. Why: a curve measured
 * after the runs it is joined to, whose own large probe read at another level (bench/disk-curve.ts;
 * not for a bundle's own curve: medianDiskCurve). Cost O(points).
 */
export function anchorDiskCurve(c: DiskCurve, bytesPerSec: number): DiskCurve {
  const n = c.bytes.length - 1;
  const k = ((c.bytes[n]! / bytesPerSec) * 1000) / c.ms[n]!;
  return { ...c, ms: c.ms.map((t) => t * k) };
}

/**
 * The per-size median of several curves of one machine, measured as `memlat hardware` measures
 * (same sizes), not anchored: a small read is latency-bound and does not move with the large probe,
 * so one machine's curves are joined as measured (held-out #15: the bundled curve anchored to the
 * model's large probe read its 1 MiB point at 446 MiB/s where host B's own measurements read
 * 300-409). Null when there is no curve, one is invalid, or their sizes differ. Cost O(curves x points).
 */
export function medianDiskCurve(curves: readonly DiskCurve[], source: string): DiskCurve | null {
  const ok = curves.filter((c) => validDiskCurve(c));
  const first = ok[0];
  if (!first || ok.length !== curves.length || ok.some((c) => c.bytes.join(',') !== first.bytes.join(','))) return null;
  return {
    bytes: [...first.bytes],
    ms: first.bytes.map((_, i) => median(ok.map((c) => c.ms[i]!))),
    idleMs: first.idleMs,
    reads: first.reads,
    source,
  };
}

/** Layers of a dataset needed in each size band for diskCurveFromRows. */
export const DISK_CURVE_MIN_LAYERS = 3;

/**
 * A disk curve from a dataset's unlimited whole-network runs, for a machine whose fingerprint
 * predates the curve (as callProbeFromRows does for the per-call probe): for each size s of
 * `sizes`, the layers of `hardwareId` whose weight file is within [s / 2, 2 s), each layer's median
 * load over its passes scaled to s (load x s / bytes), the median over those layers; then the large
 * probe at `largeBytes` / `largeBytesPerSec`; `source` names the rows. A load in a pass is read cold like the probe's files, but
 * after the run and unload of the layer before rather than 100 ms of idle (idleMs 0 says so). Null
 * when a band has fewer than DISK_CURVE_MIN_LAYERS layers or the rate is unknown. Cost O(rows).
 */
export function diskCurveFromRows(
  rows: readonly MeasurementRow[],
  hardwareId: string,
  largeBytes: number,
  largeBytesPerSec: number | null,
  source: string,
  sizes: readonly number[] = DISK_CURVE_BYTES,
): DiskCurve | null {
  const byLayer = new Map<string, { bytes: number; loads: number[] }>();
  for (const r of rows) {
    if (r.hardwareId !== hardwareId || r.memoryLimitBytes !== null || r.oom) continue;
    const key = `${r.network}|${r.layerIndex}`;
    let e = byLayer.get(key);
    if (!e) byLayer.set(key, (e = { bytes: weightFileBytes(layerWeightSpecs(r.layer, r.inputShapes)), loads: [] }));
    e.loads.push(r.loadMs);
  }
  const layers = [...byLayer.values()].filter((l) => l.bytes > 0);
  const ms: number[] = [];
  for (const s of sizes) {
    const band = layers.filter((l) => l.bytes >= s / 2 && l.bytes < 2 * s).map((l) => (median(l.loads) * s) / l.bytes);
    if (band.length < DISK_CURVE_MIN_LAYERS) return null;
    ms.push(median(band));
  }
  const c = withLargeProbe({ bytes: [...sizes], ms }, largeBytes, largeBytesPerSec, 0, 0);
  return c && { ...c, source };
}
