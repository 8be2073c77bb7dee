/**
 * The network-context fit of fe-swap: totalFactor from other networks' unlimited whole-network runs,
 * then (ctx MiB, kappa) by grid search on their limited runs' slowdown (see ../fe-swap.ts). Pure.
 */
import type { HardwareFingerprint, MeasurementRow } from '../../dataset/schema.js';
import { aggregateRows, median, passTotals, type LayerObservation } from '../observations.js';
import { FeSwapModel, GEMM_FAMILY, MiB, noContext, sessionMemory, type ContextFit, type LayerKey } from './model.js';
import { fitInNetwork, type InNetworkLayer } from './in-network.js';

/** Whole-network runs (validate-runs rows: every pass of every layer) with their machines. */
export interface ContextRows {
  rows: readonly MeasurementRow[];
  hardware: ReadonlyMap<string, HardwareFingerprint>;
}

/** Sum of a run's layers at context (ctx, kappa, lambdaScale), before the total factor. */
function runTotal(m: FeSwapModel, layers: readonly { key: LayerKey; memoryBytes: number }[], ctx: number, kappa: number, lambdaScale: number): number {
  let sum = 0;
  for (const l of layers) {
    const p = m.phasesAt(l.key, l.memoryBytes, ctx, kappa, lambdaScale);
    sum += p.loadMs + p.runMs + p.unloadMs;
  }
  return sum;
}

/**
 * With the physical term: a run's (sum of unlimited-base phases, sum of extra time before kappa of
 * the layers outside the GEMM family, the same of the GEMM family's).
 */
function runParts(
  m: FeSwapModel,
  layers: readonly { key: LayerKey; memoryBytes: number }[],
  ctx: number,
  lambdaScale: number,
): [number, number, number] | null {
  let base = 0;
  let extra = 0;
  let extraGemm = 0;
  for (const l of layers) {
    const p = m.physicalParts(l.key, l.memoryBytes, ctx, lambdaScale);
    if (!p) return null;
    base += p[0].loadMs + p[0].runMs + p[0].unloadMs;
    const e = p[1].loadMs + p[1].runMs + p[1].unloadMs;
    if (l.key.fam === GEMM_FAMILY) extraGemm += e;
    else extra += e;
  }
  return [base, extra, extraGemm];
}

/** Grids of the context fit: [from, to, step] for ctx (MiB) and kappa; the lambda scales to try. */
export interface ContextGrids {
  ctx: [number, number, number];
  kappa: [number, number, number];
  /**
   * Physical term only: fit the GEMM family's kappa (ContextFit.kappaGemm) over this grid beside
   * kappa, which then scales the other families. Absent: one kappa for every family.
   */
  kappaGemm?: [number, number, number];
  /** Physical term only (the table term has no lambda): default DEFAULT_LAMBDA_SCALES. */
  lambdaScales?: readonly number[];
  /** Bytes per prepared layer session counted as kept by a network (networkMemory; default 0). */
  sessionBytesPerLayer?: number;
  /**
   * Evictable sessions (with sessionBytesPerLayer; ContextFit.refaultMsPerMiB): the cold part of the
   * footprint (MiB, fixed) and the grid [from, to, step] of ms per MiB pushed out and faulted back.
   * Absent: sessions held, as before.
   */
  refault?: { coldMiB: number; msPerMiB: [number, number, number] };
  /**
   * Fit the in-network correction of the base (./in-network.ts) on the layers of the unlimited runs
   * first, and everything after on the corrected base (default false: the isolated layers' base).
   */
  inNetwork?: boolean;
  /**
   * Grid [from, to, step] of the per-call cost (ms per layer, ContextFit.callMsPerLayer) fitted with
   * totalFactor on the unlimited runs: the value whose total factor leaves the least spread of
   * ln(measured / (totalFactor x (predicted + callMs x layers))) wins. Absent: 0, as before.
   */
  callMs?: [number, number, number];
}

/**
 * The per-call cost and the total factor from unlimited runs: for each grid value c, totalFactor(c)
 * = geometric mean of measured / (predicted + c x layers); the c of least RMS ln error (ties: the
 * smaller c) wins. `runs` hold the measured total, the predicted total at c = 0 and the layer count.
 * Pure. Cost O(grid x runs).
 * @example fitCallMs([{ measured: 30, predicted: 10, layers: 10 }, { measured: 75, predicted: 40, layers: 10 }], [0, 2, 1]) // { callMs: 1, totalFactor: 1.5, rmsLog: 0 }
 */
export function fitCallMs(
  runs: readonly { measured: number; predicted: number; layers: number }[],
  grid: [number, number, number],
): { callMs: number; totalFactor: number; rmsLog: number } {
  let best = { callMs: 0, totalFactor: 1, rmsLog: Infinity };
  if (!runs.length) return { callMs: 0, totalFactor: 1, rmsLog: 0 };
  for (let c = grid[0]; c <= grid[1] + 1e-9; c += grid[2]) {
    const e = runs.map((r) => Math.log(r.measured / (r.predicted + c * r.layers)));
    const mean = e.reduce((a, b) => a + b, 0) / e.length;
    const rms = Math.sqrt(e.reduce((a, b) => a + (b - mean) ** 2, 0) / e.length);
    if (rms < best.rmsLog - 1e-12) best = { callMs: Math.round(c * 1e4) / 1e4, totalFactor: Math.exp(mean), rmsLog: rms };
  }
  return best;
}

/** Factors on lambda the context fit tries with the physical term (1 = the isolated layers' cliff). */
export const DEFAULT_LAMBDA_SCALES: readonly number[] = [0.01, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1];

/**
 * The network context from whole-network runs. Per run (network, limit): the median of its pass
 * totals. totalFactor = geometric mean over unlimited runs of measured / predicted total. ctx,
 * kappa and (physical term) lambdaScale by grid search over the limited runs: measured slowdown
 * R = median total at M / the reference run's, predicted R^ the same ratio of the model's totals;
 * minimises sum (ln R^ - ln R)^2. The reference is the network's unlimited run, or, for a network
 * measured only under limits (a knee sweep: limits from 0.6x to 1.3x of its largest layer), its run
 * at the largest limit; a network with one limited run and no unlimited one gives nothing.
 * lambdaScale is not flagged at its grid's small end: 0.01 x lambda is already a step.
 */
export function fitContext(isolated: FeSwapModel, context: ContextRows, grids: ContextGrids): ContextFit {
  const obs = aggregateRows(context.rows, context.hardware);
  // the in-network correction first (from the unlimited runs' layers), then everything on its base
  let m = isolated;
  let inNetwork: ContextFit['inNetwork'];
  if (grids.inNetwork) {
    const unlimited = obs.filter((o) => o.memoryLimitBytes === null);
    const layers: InNetworkLayer[] = unlimited.map((o) => ({
      x: o,
      base: isolated.isolated(o),
      measured: { loadMs: o.loadMs, runMs: o.runMs, unloadMs: o.unloadMs },
    }));
    const runs = new Set(unlimited.map((o) => `${o.hardwareId}|${o.network}`)).size;
    if (runs > 0) {
      inNetwork = fitInNetwork(layers, runs, isolated.fittedTargets);
      m = new FeSwapModel({ ...isolated.data, context: { ...noContext(), inNetwork } });
    }
  }
  const runKey = (hw: string, net: string, limit: number | null): string => `${hw}|${net}|${limit ?? 'none'}`;
  const totals = passTotals(context.rows, (r) => runKey(r.hardwareId, r.network, r.memoryLimitBytes));
  const measured = (k: string): number => median(totals.get(k) ?? [NaN]);
  const byRun = new Map<string, LayerObservation[]>();
  for (const o of obs) {
    const k = runKey(o.hardwareId, o.network, o.memoryLimitBytes);
    let l = byRun.get(k);
    if (!l) byRun.set(k, (l = []));
    l.push(o);
  }
  // the per-call cost next (from the unlimited runs' totals, on the base so far), then everything on it
  let callMsPerLayer: number | undefined;
  if (grids.callMs) {
    const runs = [...byRun]
      .filter(([, os]) => os[0]!.memoryLimitBytes === null)
      .map(([k, os]) => ({
        measured: measured(k),
        predicted: runTotal(
          m,
          os.map((o) => ({ key: m.keyOf(o), memoryBytes: o.hardware.ramBytes })),
          0,
          1,
          1,
        ),
        layers: os.length,
      }));
    callMsPerLayer = fitCallMs(runs, grids.callMs).callMs;
    m = new FeSwapModel({ ...m.data, context: { ...m.data.context, callMsPerLayer } });
  }
  type Keyed = { key: LayerKey; memoryBytes: number }[];
  const s = grids.sessionBytesPerLayer ?? 0;
  // the session geometry predict uses (sessionMemory): held, or evictable with the fixed cold part
  const sessions: ContextFit = {
    ...noContext(),
    sessionBytesPerLayer: s,
    ...(grids.refault ? { refaultMsPerMiB: 0, sessionColdMiB: grids.refault.coldMiB } : {}),
  };
  // each layer at the memory the model predicts it at in a network of os.length layers, and the
  // session MiB the run pushes out per pass (sessionMemory; the same for every layer of a run)
  const keyed = (os: readonly LayerObservation[]): { layers: Keyed; evictedMiB: number } => {
    const wsMax = Math.max(...os.map((o) => m.keyOf(o).ws));
    let evictedMiB = 0;
    const layers = os.map((o) => {
      const sm = sessionMemory({ ...o, networkLayers: os.length, networkMaxWorkingSetBytes: wsMax }, sessions);
      evictedMiB = sm.evictedBytes / MiB;
      return { key: m.keyOf(o), memoryBytes: sm.memoryBytes };
    });
    return { layers, evictedMiB };
  };

  // the reference run of each (machine, network): unlimited, else the largest limit
  const refOf = new Map<string, string>();
  for (const [k, os] of byRun) {
    const o0 = os[0]!;
    const nk = `${o0.hardwareId}|${o0.network}`;
    const cur = refOf.get(nk);
    const lim = (key: string): number => byRun.get(key)![0]!.memoryLimitBytes ?? Infinity;
    if (cur === undefined || lim(k) > lim(cur)) refOf.set(nk, k);
  }

  let lnSum = 0;
  const lnUnlimited: number[] = [];
  let unlimitedRuns = 0;
  interface Run {
    obs: Keyed;
    lnR: number;
    ref: Keyed;
    /** Session MiB pushed out per pass at the run's limit and at its reference. */
    ev: number;
    refEv: number;
  }
  const runs: Run[] = [];
  let againstLargest = 0;
  const nets = new Set<string>();
  for (const [k, os] of byRun) {
    const o0 = os[0]!;
    const { layers: prepared, evictedMiB } = keyed(os);
    if (o0.memoryLimitBytes === null) {
      const e = Math.log(measured(k) / runTotal(m, prepared, 0, 1, 1));
      lnSum += e;
      lnUnlimited.push(e);
      unlimitedRuns++;
      nets.add(o0.network);
      continue;
    }
    const refKey = refOf.get(`${o0.hardwareId}|${o0.network}`)!;
    if (refKey === k) continue;
    if (byRun.get(refKey)![0]!.memoryLimitBytes !== null) againstLargest++;
    nets.add(o0.network);
    const ref = keyed(byRun.get(refKey)!);
    runs.push({ obs: prepared, lnR: Math.log(measured(k) / measured(refKey)), ref: ref.layers, ev: evictedMiB, refEv: ref.evictedMiB });
  }
  const totalFactor = unlimitedRuns > 0 ? Math.exp(lnSum / unlimitedRuns) : 1;
  const meanLn = unlimitedRuns > 0 ? lnSum / unlimitedRuns : 0;
  const rmsLogUnlimited = unlimitedRuns > 0 ? Math.sqrt(lnUnlimited.reduce((a, e) => a + (e - meanLn) ** 2, 0) / unlimitedRuns) : null;
  const base: ContextFit = {
    ...(inNetwork ? { inNetwork } : {}),
    ...(callMsPerLayer !== undefined ? { callMsPerLayer } : {}),
    totalFactor: Math.round(totalFactor * 1e4) / 1e4,
    unlimitedRuns,
    rmsLogUnlimited,
    ctxMiB: 0,
    kappa: 1,
    runs: runs.length,
    runsAgainstLargestLimit: againstLargest,
    ...(s > 0 ? { sessionBytesPerLayer: s } : {}),
    ...(s > 0 && grids.refault ? { refaultMsPerMiB: 0, sessionColdMiB: grids.refault.coldMiB } : {}),
    networks: [...nets].sort(),
    rmsLogBefore: null,
    rmsLogAfter: null,
  };
  if (runs.length === 0) return base;
  const physical = m.data.swapTerm === 'physical' && !!m.data.physical; // as physicalParts decides
  const scales = physical ? (grids.lambdaScales ?? DEFAULT_LAMBDA_SCALES) : [1];
  const steps = (g: [number, number, number]): number[] => {
    const out: number[] = [];
    for (let v = g[0]; v <= g[1] + 1e-9; v += g[2]) out.push(v);
    return out;
  };
  const kappas = steps(grids.kappa);
  // the GEMM family's kappa (physical term, when asked): NaN = the same as kappa
  const byFamily = physical && grids.kappaGemm !== undefined;
  const kgs = byFamily ? steps(grids.kappaGemm!) : [NaN];
  // ms per MiB of sessions faulted back (evictable sessions only): each run's total is linear in it
  const rs = s > 0 && grids.refault ? steps(grids.refault.msPerMiB) : [0];
  // loss of every (kappa, kappaGemm, r) at one (ctx, lambdaScale), index (i x kgs.length + g) x
  // rs.length + j: with the physical term each run's total is base + kappa x extra (+ kappaGemm x the
  // GEMM layers' extra) + r x evicted MiB, so the layers are evaluated once per (ctx, lambdaScale)
  const losses = (ctx: number, ls: number): number[] => {
    const out = new Array<number>(kappas.length * kgs.length * rs.length).fill(0);
    const parts = physical ? runs.map((r) => [runParts(m, r.obs, ctx, ls)!, runParts(m, r.ref, ctx, ls)!] as const) : null;
    kappas.forEach((kappa, i) => {
      const totals = parts ? null : runs.map((r) => [runTotal(m, r.obs, ctx, kappa, ls), runTotal(m, r.ref, ctx, kappa, ls)] as const);
      kgs.forEach((kg, g) => {
        const k2 = Number.isNaN(kg) ? kappa : kg;
        rs.forEach((rf, j) => {
          let sum = 0;
          runs.forEach((r, n) => {
            const at = parts?.[n];
            const pr = (at ? at[0][0] + kappa * at[0][1] + k2 * at[0][2] : totals![n]![0]) + rf * r.ev;
            const pf = (at ? at[1][0] + kappa * at[1][1] + k2 * at[1][2] : totals![n]![1]) + rf * r.refEv;
            const e = Math.log(pr / pf) - r.lnR;
            sum += e * e;
          });
          out[(i * kgs.length + g) * rs.length + j] = sum;
        });
      });
    });
    return out;
  };
  const at1 = losses(0, 1);
  const one = kappas.findIndex((k) => Math.abs(k - 1) < 1e-9);
  const oneG = byFamily ? kgs.findIndex((k) => Math.abs(k - 1) < 1e-9) : 0;
  const before =
    (one >= 0 && oneG >= 0 ? at1[(one * kgs.length + oneG) * rs.length] : undefined) ??
    runs.reduce((s, r) => s + (Math.log(runTotal(m, r.obs, 0, 1, 1) / runTotal(m, r.ref, 0, 1, 1)) - r.lnR) ** 2, 0);
  let best = { ctx: 0, kappa: 1, kg: 1, r: rs[0]!, ls: 1, loss: before };
  for (const ls of scales) {
    for (const c of steps(grids.ctx)) {
      const ls_ = losses(c, ls);
      ls_.forEach((l, idx) => {
        if (l < best.loss - 1e-12) {
          const j = idx % rs.length;
          const ig = Math.floor(idx / rs.length);
          best = { ctx: c, kappa: kappas[Math.floor(ig / kgs.length)]!, kg: kgs[ig % kgs.length]!, r: rs[j]!, ls, loss: l };
        }
      });
    }
  }
  const rms = (l: number): number => Math.sqrt(l / runs.length);
  const edge = (v: number, g: [number, number, number]): boolean => Math.abs(v - g[0]) < 1e-9 || Math.abs(v - g[1]) < g[2] / 2;
  const refault = s > 0 && grids.refault;
  return {
    ...base,
    ctxMiB: Math.round(best.ctx * 1000) / 1000,
    kappa: Math.round(best.kappa * 1000) / 1000,
    ...(byFamily ? { kappaGemm: Math.round((Number.isNaN(best.kg) ? best.kappa : best.kg) * 1000) / 1000 } : {}),
    ...(refault ? { refaultMsPerMiB: Math.round(best.r * 1000) / 1000 } : {}),
    ...(physical ? { lambdaScale: best.ls } : {}),
    rmsLogBefore: rms(before),
    rmsLogAfter: rms(best.loss),
    atGridEdge:
      edge(best.ctx, grids.ctx) ||
      edge(best.kappa, grids.kappa) ||
      (byFamily && !Number.isNaN(best.kg) ? edge(best.kg, grids.kappaGemm!) : false) ||
      (refault ? best.r > grids.refault!.msPerMiB[1] - grids.refault!.msPerMiB[2] / 2 : false),
  };
}
