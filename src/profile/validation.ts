/**
 * Whole-network validation runs (the zoo is the test set, never training data): which memory levels
 * to run each zoo network at, and how `memlat run`'s raw passes become MeasurementRows
 * (source "memlat-run", rep = pass index). Pure; the runs themselves are `memlat validate-runs`.
 */
import type { MeasurementRow } from '../dataset/schema.js';
import { layerStats } from '../features/layer.js';
import type { ResolvedNetwork } from '../network/types.js';
import type { LayerTiming } from '../executor/worker-client.js';

const MiB = 1024 * 1024;

/** Default validation levels: factors of the network's largest layer working set (+ idle), and none. */
export const DEFAULT_VALIDATION_LEVELS: readonly (number | null)[] = [4, 1, 0.5, null];

/** One memory level of a network's validation runs. */
export interface ValidationLevel {
  /** Factor f of the largest working set W (M = idle + f * W, rounded up to a MiB), null = no limit. */
  factor: number | null;
  memoryLimitBytes: number | null;
}

/** Largest layer working set of a network, bytes (layerStats at `threads` intra-op threads). */
export function largestWorkingSetBytes(rn: ResolvedNetwork, threads = 1): number {
  return Math.max(0, ...rn.layers.map((l) => layerStats(l, { threads }).workingSetBytes));
}

/**
 * The limits a network is validated at: M = idle + f * (largest layer working set), rounded up to a
 * whole MiB, in the order given (null = no limit). Cost: O(layers).
 * @example validationLevels(vgg16, 100 * MiB, [4, 1, 0.5, null])
 */
export function validationLevels(rn: ResolvedNetwork, idleBytes: number, factors: readonly (number | null)[], threads = 1): ValidationLevel[] {
  const w = largestWorkingSetBytes(rn, threads);
  return factors.map((f) => ({ factor: f, memoryLimitBytes: f === null ? null : Math.ceil((idleBytes + f * w) / MiB) * MiB }));
}

/**
 * Rows of one validation run: every pass (rep = pass index) of every layer. `passes[p][i]` is the
 * timing of layer i (its jobId is the layer's index, as runNetwork numbers them) in pass p.
 */
export function validationRows(rn: ResolvedNetwork, passes: readonly LayerTiming[][], memoryLimitBytes: number | null, hardwareId: string): MeasurementRow[] {
  const byIndex = new Map(rn.layers.map((l) => [String(l.index), l] as const));
  const rows: MeasurementRow[] = [];
  passes.forEach((pass, p) => {
    for (const t of pass) {
      const l = byIndex.get(t.jobId);
      if (!l) throw new Error(`validationRows: timing for unknown layer id ${t.jobId} of ${rn.name}`);
      rows.push({
        hardwareId, source: 'memlat-run', network: rn.name, layerIndex: l.index, layerName: l.layer.name, layerType: l.layer.type,
        layer: l.layer, inputShapes: l.inputShapes, outputShape: l.outputShape, memoryLimitBytes, rep: p,
        loadMs: t.loadMs, runMs: t.runMs, unloadMs: t.unloadMs, majorFaults: t.majorFaults,
        swapInPages: t.swapInPages, swapOutPages: t.swapOutPages, oom: false, harnessMs: t.harnessMs,
      });
    }
  });
  return rows;
}

/**
 * The row of a validation run that was OOM-killed at layer `layerIndex` in pass `rep`: oom = true,
 * no times (the dataset's convention for OOM rows). Throws for an index not in the network.
 */
export function oomRow(rn: ResolvedNetwork, layerIndex: number, rep: number, memoryLimitBytes: number | null, hardwareId: string): MeasurementRow {
  const l = rn.layers.find((x) => x.index === layerIndex);
  if (!l) throw new Error(`oomRow: layer ${layerIndex} is not in ${rn.name}`);
  return {
    hardwareId, source: 'memlat-run', network: rn.name, layerIndex: l.index, layerName: l.layer.name, layerType: l.layer.type,
    layer: l.layer, inputShapes: l.inputShapes, outputShape: l.outputShape, memoryLimitBytes, rep,
    loadMs: NaN, runMs: NaN, unloadMs: null, majorFaults: null, swapInPages: null, swapOutPages: null, oom: true,
  };
}
