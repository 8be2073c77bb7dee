/**
 * The slowdown table of one phase: boosted trees fitted on ln((t_M + eps) / (t_none + eps)) of the
 * profile's pairs (a layer measured at a limit and without one), read out as the table over
 * (family, ws cell, headroom cell) they are, then made monotone (see ../fe-swap.ts). Pure.
 */
import { fitGbt, predictGbt, type GbtModel, type GbtOptions } from '../gbt.js';
import { cachedStats, observedMs, type LayerObservation } from '../observations.js';
import { runFamily, RUN_FAMILIES } from '../physical.js';
import type { LayerInput, Target } from '../types.js';
import { MiB, headroomAxis, headroomMiB, type SlowdownTable } from './model.js';

/** Trees of the slowdown fit (FeSwapOptions.gbt overrides). */
export const SLOWDOWN_TREES: GbtOptions = { nTrees: 300, maxDepth: 3, learningRate: 0.05, minSamplesLeaf: 10, subsample: 0.8, seed: 1 };

export const pairKey = (o: LayerObservation): string => `${o.hardwareId}|${o.network}|${o.layerIndex}`;

/** Each limited observation with its unlimited partner: phase t's time at M (a) and without a limit (b), both finite. */
export function* phasePairs(
  obs: readonly LayerObservation[],
  none: ReadonlyMap<string, LayerObservation>,
  t: Target,
): Generator<{ o: LayerObservation; a: number; b: number }> {
  for (const o of obs) {
    if (o.memoryLimitBytes === null) continue;
    const n = none.get(pairKey(o));
    const a = observedMs(o, t);
    const b = n ? observedMs(n, t) : null;
    if (a === null || b === null || !Number.isFinite(a) || !Number.isFinite(b)) continue;
    yield { o, a, b };
  }
}

/** [u, ln ws, family, h] of a query (h, in MiB, only for the roomy-pair test). */
export function slowdownFeatures(x: LayerInput, c: number): number[] {
  const ws = cachedStats(x).workingSetBytes;
  const h = headroomMiB(x, ws);
  return [headroomAxis(h, ws, c), Math.log(Math.max(ws, 1) / MiB), RUN_FAMILIES.indexOf(runFamily(x)), h];
}

/** Sorted distinct thresholds the ensemble splits feature j on. */
function cutsOf(g: GbtModel, j: number): number[] {
  const s = new Set<number>();
  g.feature.forEach((f, i) => {
    if (f === j) s.add(g.threshold[i]!);
  });
  return [...s].sort((a, b) => a - b);
}

/** A point inside cell k of cuts (upper bound inclusive; past the last cut: last + 1). */
function cellPoint(cuts: readonly number[], k: number): number {
  if (cuts.length === 0) return 0;
  return k < cuts.length ? cuts[k]! : cuts[cuts.length - 1]! + 1;
}

/** Fits the slowdown trees of one phase and turns them into a monotone table. */
export function fitTable(X: number[][], y: number[], gbt: GbtOptions, anchor: boolean, scale: number, sizeFrom: number): SlowdownTable {
  const g = fitGbt(
    X.map((r) => r.slice(0, 3)),
    y,
    gbt,
  );
  let sm = 0;
  for (let i = 0; i < y.length; i++) sm += Math.exp(y[i]! - predictGbt(g, X[i]!));
  const smearing = sm / y.length;
  // The limit's own overhead: the mean fitted ln-slowdown of roomy pairs (headroom >= max(64 MiB,
  // ws)), where nothing swaps. Isolated layers measure ~5% here (cgroup accounting, or drift
  // between the profile's limit groups); whole networks at 4x their largest working set run as
  // fast as unlimited (validation runs), so it is not a cost of memory and is taken out.
  let roomy = 0;
  let nRoomy = 0;
  for (let i = 0; i < y.length; i++) {
    if (X[i]![3]! >= Math.max(64, Math.exp(X[i]![1]!))) {
      roomy += predictGbt(g, X[i]!);
      nRoomy++;
    }
  }
  const offset = anchor && nRoomy > 0 ? roomy / nRoomy : 0;
  const lnWsCuts = cutsOf(g, 1);
  const hCuts = cutsOf(g, 0);
  const nW = lnWsCuts.length + 1;
  const nH = hCuts.length + 1;
  const lnS = new Array<number>(RUN_FAMILIES.length * nW * nH);
  const lnSm = Math.log(smearing) - offset;
  for (let f = 0; f < RUN_FAMILIES.length; f++) {
    for (let w = 0; w < nW; w++) {
      const row = (f * nW + w) * nH;
      for (let h = 0; h < nH; h++) lnS[row + h] = predictGbt(g, [cellPoint(hCuts, h), cellPoint(lnWsCuts, w), f]) + lnSm;
      // roomy: headroom >= max(64 MiB, the cell's largest ws) cannot swap, so no slowdown at all
      const wsHi = Math.exp(w < lnWsCuts.length ? lnWsCuts[w]! : (lnWsCuts[lnWsCuts.length - 1] ?? 0) + Math.LN2);
      const roomy = headroomAxis(Math.max(64, wsHi), wsHi * MiB, scale);
      for (let h = 1; h < nH; h++) if (hCuts[h - 1]! >= roomy) lnS[row + h] = 0;
      // more headroom is never slower: running max from the roomiest cell down; never below 1
      let run = 0;
      for (let h = nH - 1; h >= 0; h--) {
        run = Math.max(run, lnS[row + h]!);
        lnS[row + h] = Math.round(run * 1e5) / 1e5;
      }
    }
    // large layers: at the same headroom a larger working set is never less slowed (see sizeMonotoneFromMiB)
    if (sizeFrom > 0) {
      for (let w = 1; w < nW; w++) {
        if (Math.exp(lnWsCuts[w - 1]!) < sizeFrom) continue;
        const row = (f * nW + w) * nH;
        const prev = (f * nW + w - 1) * nH;
        for (let h = 0; h < nH; h++) lnS[row + h] = Math.max(lnS[row + h]!, lnS[prev + h]!);
      }
    }
  }
  return { lnWsCuts, hCuts, lnS, smearing, limitOverhead: Math.exp(offset), n: y.length };
}
