/**
 * The 90% network interval of a model with a network context, calibrated on its context runs: what
 * `memlat fit --context` writes into the bundle, and what the bundled default ships
 * (bench/refit-context.ts recalibrates it with the context).
 */
import type { HardwareFingerprint, MeasurementRow } from '../dataset/schema.js';
import { aggregateRows } from '../models/observations.js';
import { predictRun, validationRuns } from '../models/network-runs.js';
import type { Model } from '../models/types.js';
import { calibrateNetworkTotals, type NetworkCalibration } from './bundle.js';

/** Context runs (network, limit) a 90% interval needs at least: split-conformal, 2 / 0.1 - 1. */
export const MIN_INTERVAL_RUNS = 19;

/**
 * The 90% network interval of a model with a network context, calibrated split-conformally
 * (calibrateNetworkTotals) on ln(measured / predicted) of its context runs' totals: every (network,
 * limit) of the whole-network rows, measured as the median pass. What the bundled default ships
 * and `memlat fit --context` writes. The runs also fitted the context (three to four numbers from
 * tens of runs), so the interval is a little narrow for networks never seen; the held-out
 * evaluations report its coverage. null with fewer than MIN_INTERVAL_RUNS runs (the reason in
 * `runs`). Cost: one prediction per layer of every run.
 */
export function contextIntervalCalibration(
  model: Model,
  rows: readonly MeasurementRow[],
  hardware: ReadonlyMap<string, HardwareFingerprint>,
): { calibration: NetworkCalibration | null; runs: number; networks: number } {
  const runs = validationRuns(rows, aggregateRows(rows, hardware)).filter((r) => r.passTotals.length > 0 && r.medianMs > 0);
  const networks = new Set(runs.map((r) => r.network)).size;
  if (runs.length < MIN_INTERVAL_RUNS) return { calibration: null, runs: runs.length, networks };
  const cal = calibrateNetworkTotals(
    runs.map((r) => predictRun(model, r)),
    runs.map((r) => r.medianMs),
    0.9,
  );
  return {
    calibration: { ...cal, method: `${cal.method}; calibrated on ${runs.length} whole-network runs of the ${networks} context networks` },
    runs: runs.length,
    networks,
  };
}
