/**
 * Whole-network runs of a validation-style dataset (validate-runs: networks x levels x passes) and
 * their predicted totals: shared by `memlat fit` (the interval calibrated on the context runs,
 * predict/context-interval.ts), `npm run bench` (bench/run.ts) and the held-out evaluation
 * (bench/heldout.ts).
 */
import type { MeasurementRow } from '../dataset/schema.js';
import { median, passTotals, statsOptions, type LayerObservation } from './observations.js';
import type { Model } from './types.js';
import { layerStats } from '../features/layer.js';

const total = (p: { loadMs: number; runMs: number; unloadMs: number | null }): number => p.loadMs + p.runMs + (p.unloadMs ?? 0);

/** Network totals of validation runs: per (network, limit), the median and spread of pass totals. */
export interface NetRun {
  network: string;
  limit: number | null;
  level: string;
  passTotals: number[];
  medianMs: number;
  obs: LayerObservation[];
}

export function validationRuns(rows: readonly MeasurementRow[], obs: readonly LayerObservation[], factors: readonly number[] = [4, 1, 0.5]): NetRun[] {
  const byKey = new Map<string, NetRun>();
  const passes = passTotals(rows, (r) => `${r.network}|${r.memoryLimitBytes ?? 'none'}`);
  for (const o of obs) {
    const key = `${o.network}|${o.memoryLimitBytes ?? 'none'}`;
    let e = byKey.get(key);
    if (!e) {
      const totals = passes.get(key) ?? [];
      byKey.set(key, (e = { network: o.network, limit: o.memoryLimitBytes, level: '', passTotals: totals, medianMs: median(totals), obs: [] }));
    }
    e.obs.push(o);
  }
  // Level label: the limit relative to the network's largest working set (validate-runs' factors).
  // validate-runs runs every network at every factor, and the limits rise with f: where a network has
  // exactly one run per factor, the k-th smallest limit is the k-th smallest factor (exact); else
  // the nearest factor to (M - idle) / peak (the idle footprint at run time differs a little).
  const runs = [...byKey.values()];
  const asc = [...factors].sort((x, y) => x - y);
  for (const net of new Set(runs.map((r) => r.network))) {
    const limited = runs.filter((r) => r.network === net && r.limit !== null).sort((x, y) => x.limit! - y.limit!);
    if (limited.length === asc.length) limited.forEach((r, k) => (r.level = `${asc[k]}x`));
  }
  for (const r of runs) {
    if (r.level !== '') continue;
    if (r.limit === null) {
      r.level = 'none';
      continue;
    }
    const hw = r.obs[0]!.hardware;
    const peak = Math.max(...r.obs.map((o) => layerStats(o.layer, statsOptions(hw)).workingSetBytes));
    // validate-runs' nominal factors (4, 1, 0.5) of the largest working set, above the idle
    // footprint measured at run time (which differs a little from the fingerprint's): snap.
    const f = (r.limit - (hw.runtimeIdleBytes ?? 0)) / peak;
    const nominal = factors.reduce((b, l) => (Math.abs(Math.log(f / l)) < Math.abs(Math.log(f / b)) ? l : b));
    r.level = `${nominal}x`;
  }
  return runs.sort((a, b) => a.network.localeCompare(b.network) || (a.limit ?? Infinity) - (b.limit ?? Infinity));
}

/**
 * A run's layers as queries of their network: each observation with the network's layer count and
 * largest working set (models that count what a network keeps read them).
 */
export function runQueries(run: NetRun): LayerObservation[] {
  const networkLayers = run.obs.length;
  const hw = run.obs[0]?.hardware;
  const networkMaxWorkingSetBytes = hw ? Math.max(...run.obs.map((o) => layerStats(o.layer, statsOptions(hw)).workingSetBytes)) : 0;
  return run.obs.map((o) => ({ ...o, networkLayers, networkMaxWorkingSetBytes }));
}

export function predictRun(model: Model, run: NetRun): number {
  let s = 0;
  for (const q of runQueries(run)) s += total(model.predict(q));
  return s;
}
