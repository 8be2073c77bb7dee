/**
 * The network-context fit of fe-swap: totalFactor from other networks' unlimited whole-network runs,
 * then (ctx MiB, kappa) by grid search on their limited runs' slowdown (see ../fe-swap.ts). Pure.
 */
import type { HardwareFingerprint, MeasurementRow } from '../../dataset/schema.js';
import { aggregateRows, median, passTotals, type LayerObservation } from '../observations.js';
import type { ContextFit, FeSwapModel, LayerKey } from './model.js';

/** Whole-network runs (validate-runs rows: every pass of every layer) with their machines. */
export interface ContextRows {
  rows: readonly MeasurementRow[];
  hardware: ReadonlyMap<string, HardwareFingerprint>;
}

/** Sum of a run's layers at context (ctx, kappa), before the total factor. */
function runTotal(m: FeSwapModel, layers: readonly { key: LayerKey; memoryBytes: number }[], ctx: number, kappa: number): number {
  let sum = 0;
  for (const l of layers) {
    const p = m.phasesAt(l.key, l.memoryBytes, ctx, kappa);
    sum += p.loadMs + p.runMs + p.unloadMs;
  }
  return sum;
}

/**
 * The network context from whole-network runs. Per run (network, limit): the median of its pass
 * totals. totalFactor = geometric mean over unlimited runs of measured / predicted total. ctx and
 * kappa by grid search over the limited runs that have an unlimited run of the same network:
 * measured slowdown R = median total at M / unlimited, predicted R^ the same ratio of the model's
 * totals; minimises sum (ln R^ - ln R)^2.
 */
export function fitContext(m: FeSwapModel, context: ContextRows, ctxGrid: [number, number, number], kappaGrid: [number, number, number]): ContextFit {
  const obs = aggregateRows(context.rows, context.hardware);
  const runKey = (hw: string, net: string, limit: number | null): string => `${hw}|${net}|${limit ?? 'none'}`;
  const byRun = new Map<string, LayerObservation[]>();
  for (const o of obs) {
    const k = runKey(o.hardwareId, o.network, o.memoryLimitBytes);
    let l = byRun.get(k);
    if (!l) byRun.set(k, (l = []));
    l.push(o);
  }
  const totals = passTotals(context.rows, (r) => runKey(r.hardwareId, r.network, r.memoryLimitBytes));
  const measured = (k: string): number => median(totals.get(k) ?? [NaN]);
  type Keyed = { key: LayerKey; memoryBytes: number }[];
  const keyed = (os: readonly LayerObservation[]): Keyed => os.map((o) => ({ key: m.keyOf(o), memoryBytes: o.memoryBytes }));
  const predicted = (os: Keyed, ctx: number, kappa: number): number => runTotal(m, os, ctx, kappa);

  let lnSum = 0;
  const lnUnlimited: number[] = [];
  let unlimitedRuns = 0;
  interface Run {
    obs: Keyed;
    lnR: number;
    noneSum: number;
  }
  const runs: Run[] = [];
  const nets = new Set<string>();
  for (const [k, os] of byRun) {
    const o0 = os[0]!;
    const prepared = keyed(os);
    if (o0.memoryLimitBytes === null) {
      const e = Math.log(measured(k) / predicted(prepared, 0, 1));
      lnSum += e;
      lnUnlimited.push(e);
      unlimitedRuns++;
      nets.add(o0.network);
      continue;
    }
    const noneKey = runKey(o0.hardwareId, o0.network, null);
    const none = byRun.get(noneKey);
    if (!none) continue;
    runs.push({ obs: prepared, lnR: Math.log(measured(k) / measured(noneKey)), noneSum: predicted(keyed(none), 0, 1) });
  }
  const totalFactor = unlimitedRuns > 0 ? Math.exp(lnSum / unlimitedRuns) : 1;
  const meanLn = unlimitedRuns > 0 ? lnSum / unlimitedRuns : 0;
  const rmsLogUnlimited = unlimitedRuns > 0 ? Math.sqrt(lnUnlimited.reduce((a, e) => a + (e - meanLn) ** 2, 0) / unlimitedRuns) : null;
  const base: ContextFit = {
    totalFactor: Math.round(totalFactor * 1e4) / 1e4,
    unlimitedRuns,
    rmsLogUnlimited,
    ctxMiB: 0,
    kappa: 1,
    runs: runs.length,
    networks: [...nets].sort(),
    rmsLogBefore: null,
    rmsLogAfter: null,
  };
  if (runs.length === 0) return base;
  const loss = (ctx: number, kappa: number): number => {
    let s = 0;
    for (const r of runs) {
      const e = Math.log(predicted(r.obs, ctx, kappa) / r.noneSum) - r.lnR;
      s += e * e;
    }
    return s;
  };
  const before = loss(0, 1);
  let best = { ctx: 0, kappa: 1, loss: before };
  for (let c = ctxGrid[0]; c <= ctxGrid[1] + 1e-9; c += ctxGrid[2]) {
    for (let k = kappaGrid[0]; k <= kappaGrid[1] + 1e-9; k += kappaGrid[2]) {
      const l = loss(c, k);
      if (l < best.loss - 1e-12) best = { ctx: c, kappa: k, loss: l };
    }
  }
  const rms = (l: number): number => Math.sqrt(l / runs.length);
  const edge = (v: number, g: [number, number, number]): boolean => Math.abs(v - g[0]) < 1e-9 || Math.abs(v - g[1]) < g[2] / 2;
  return {
    ...base,
    ctxMiB: Math.round(best.ctx * 1000) / 1000,
    kappa: Math.round(best.kappa * 1000) / 1000,
    rmsLogBefore: rms(before),
    rmsLogAfter: rms(best.loss),
    atGridEdge: edge(best.ctx, ctxGrid) || edge(best.kappa, kappaGrid),
  };
}
