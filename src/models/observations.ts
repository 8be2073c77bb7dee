/**
 * From measurement rows to the observations models train and are scored on: one per layer
 * configuration (hardware, network, layer index, memory limit), holding the median over
 * repetitions of each phase's time (EXECUTION-MODEL.md: medians, never single passes). OOM-killed
 * passes and all-zero placeholder rows (isPlaceholder) are dropped. Models train on these medians rather than on single passes (noise of the
 * repetitions is not what the models are asked to predict, and it makes fitting 5x cheaper), and the
 * evaluation compares predictions with them, so no configuration is ever in a fold's training and
 * test data at once.
 *
 * Pure. Cost: O(rows log rows).
 */
import { UserError } from '../errors.js';
import { median } from '../stats.js';
import type { HardwareFingerprint, MeasurementRow } from '../dataset/schema.js';
import type { LayerStats, ResolvedLayer } from '../network/types.js';
import { layerFeatureVector, layerStats, swapBytes } from '../features/layer.js';
import type { LayerInput } from './types.js';

/** One layer configuration with the medians of its repetitions. */
export interface LayerObservation extends LayerInput {
  /** `${hardwareId}|${network}|${layerIndex}|${memoryLimitBytes ?? 'none'}` */
  key: string;
  hardwareId: string;
  network: string;
  layerIndex: number;
  layerType: string;
  /** The row's limit; null = unlimited (memoryBytes is then the machine's RAM). */
  memoryLimitBytes: number | null;
  reps: number;
  loadMs: number;
  runMs: number;
  /** null when the source does not measure unload (EdgeCaffe). */
  unloadMs: number | null;
  /** Bytes of the working set that do not fit at M (features/layer.ts swapBytes). */
  swapBytes: number;
}

export { median } from '../stats.js';

/** The ResolvedLayer a row describes. */
export function rowLayer(row: MeasurementRow): ResolvedLayer {
  return { index: row.layerIndex, layer: row.layer, inputShapes: row.inputShapes, outputShape: row.outputShape };
}

/** Feature-computation options that depend on the machine (the worker runs one thread per core). */
export function statsOptions(hw: HardwareFingerprint): { threads: number } {
  return { threads: Math.max(1, hw.cores || 1) };
}

/**
 * layerStats does not depend on M, and the predictor asks about one layer at many memory sizes
 * (latency curves, inverse queries): cache it per ResolvedLayer object (and thread count). The
 * cache holds no strong reference, so layers are collected as usual.
 */
const statsCache = new WeakMap<object, { threads: number; stats: LayerStats }>();

/** layerStats of a model input, cached per layer object (see above). Cost O(1) on a hit. */
export function cachedStats(x: LayerInput): LayerStats {
  const opts = statsOptions(x.hardware);
  const hit = statsCache.get(x.layer);
  if (hit && hit.threads === opts.threads) return hit.stats;
  const stats = layerStats(x.layer, opts);
  statsCache.set(x.layer, { threads: opts.threads, stats });
  return stats;
}

/** layerFeatureVector for a model input (runtime idle footprint 0 when unknown). */
export function inputFeatures(x: LayerInput): Record<string, number> {
  return layerFeatureVector(x.layer, x.memoryBytes, x.hardware.runtimeIdleBytes ?? 0, statsOptions(x.hardware));
}

/**
 * A row whose load, run and unload are all exactly 0 is a placeholder, not a measurement (no layer
 * loads and runs in 0 ns; EdgeCaffe's description.yaml lists 0 for networks it never profiled).
 */
export function isPlaceholder(r: MeasurementRow): boolean {
  return r.loadMs === 0 && r.runMs === 0 && (r.unloadMs ?? 0) === 0;
}

/**
 * Groups rows into per-configuration observations with median times. Throws a UserError naming
 * the hardware id when a row's fingerprint is missing (needed for M when unlimited, and for the
 * runtime footprint).
 */
export function aggregateRows(rows: readonly MeasurementRow[], hardware: ReadonlyMap<string, HardwareFingerprint>): LayerObservation[] {
  const groups = new Map<string, MeasurementRow[]>();
  for (const r of rows) {
    if (r.oom || isPlaceholder(r)) continue;
    const key = `${r.hardwareId}|${r.network}|${r.layerIndex}|${r.memoryLimitBytes ?? 'none'}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(r);
  }
  const out: LayerObservation[] = [];
  for (const [key, g] of groups) {
    const r0 = g[0]!;
    const hw = hardware.get(r0.hardwareId);
    if (!hw) {
      throw new UserError(`row hardwareId "${r0.hardwareId}" has no hardware fingerprint; add it to the dataset's .hardware.json (memlat hardware --out ...)`);
    }
    const memoryBytes = r0.memoryLimitBytes ?? hw.ramBytes;
    const layer = rowLayer(r0);
    const unload = g.map((r) => r.unloadMs).filter((v): v is number => v !== null && Number.isFinite(v));
    const st = layerStats(layer, statsOptions(hw));
    out.push({
      key,
      hardwareId: r0.hardwareId,
      network: r0.network,
      layerIndex: r0.layerIndex,
      layerType: r0.layerType,
      memoryLimitBytes: r0.memoryLimitBytes,
      layer,
      memoryBytes,
      hardware: hw,
      reps: g.length,
      loadMs: median(g.map((r) => r.loadMs)),
      runMs: median(g.map((r) => r.runMs)),
      unloadMs: unload.length ? median(unload) : null,
      swapBytes: swapBytes(st.workingSetBytes, memoryBytes, hw.runtimeIdleBytes ?? 0),
    });
  }
  return out;
}

/**
 * Whole-network pass totals: for each run (rows with the same `runKey`), the total of every pass
 * (rep) over its layers (load + run + unload), OOM-killed passes left out. What a network's measured
 * time is (EXECUTION-MODEL.md: the median of its pass totals, never the sum of layer medians).
 * Cost O(rows).
 */
export function passTotals(rows: readonly MeasurementRow[], runKey: (r: MeasurementRow) => string): Map<string, number[]> {
  const byRun = new Map<string, Map<number, number>>();
  for (const r of rows) {
    if (r.oom) continue;
    const k = runKey(r);
    let p = byRun.get(k);
    if (!p) byRun.set(k, (p = new Map<number, number>()));
    p.set(r.rep, (p.get(r.rep) ?? 0) + r.loadMs + r.runMs + (r.unloadMs ?? 0));
  }
  return new Map([...byRun].map(([k, p]) => [k, [...p.values()]]));
}

/** The observed time of a target for an observation (null when not measured). */
export function observedMs(o: LayerObservation, target: 'load' | 'run' | 'unload'): number | null {
  return target === 'load' ? o.loadMs : target === 'run' ? o.runMs : o.unloadMs;
}
