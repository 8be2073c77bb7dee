/**
 * The in-network correction of fe-swap's unlimited base: how much a layer's phases take inside a
 * whole network, relative to the same layer profiled alone, learned from the layers of other
 * networks' unlimited whole-network runs (context rows).
 *
 *   base_in(layer, phase) = (base(layer, phase) + EPS) * exp(g_phase(features)) - EPS,  >= 0
 *
 * g_phase: small boosted trees (./../gbt.ts) fitted on ln((t_in + EPS) / (base + EPS)) over every
 * layer of every unlimited context run, t_in the layer's median over the run's passes. Features: ln
 * FLOPs, ln weight bytes, ln input and output bytes, kernel family, layer type, ln(base + EPS); not
 * the network's size (tried: it let the trees tell networks apart and overfit, docs/MODELS.md).
 *
 * Why: the isolated profile runs a layer in a fresh worker; inside a network the same layer runs
 * after others, with their sessions held and caches in another state, and its load reads a file
 * written seconds earlier. The ratio is not one number: on host B's unlimited runs of 32 networks it
 * ranged 0.72-1.97 for load and 0.95-1.75 for run by network, and a network total factor alone (one
 * number) left ResNets 13-30% slow and networks of many small layers 20-27% fast. Learned per layer
 * kind from other networks, leave-one-dataset-out: median error 8.7% against 10.0% for the total
 * factor alone (bench/innet-base.ts). The total factor is then fitted on the corrected sums (it is
 * left with the ratio of a median pass total to the sum of per-layer medians, and the trees'
 * geometric-mean retransformation).
 *
 * Pure. Cost: fit O(trees x depth x layers); apply O(trees x depth) per layer (cached by keyOf).
 */
import { UserError } from '../../errors.js';
import { cachedStats } from '../observations.js';
import { runFamily, RUN_FAMILIES } from '../physical.js';
import { fitGbt, loadGbt, predictGbt, type GbtModel } from '../gbt.js';
import { LAYER_TYPES } from '../../network/lists.js';
import type { LayerInput, Target, TimePrediction } from '../types.js';

export const IN_NETWORK_FEATURES = ['ln_flops', 'ln_weightBytes', 'ln_inputBytes', 'ln_outputBytes', 'family', 'typeCode', 'ln_base'] as const;

/** The stored correction: one tree ensemble per phase it was fitted for. */
export interface InNetworkCorrection {
  features: readonly string[];
  /** ms added before the logarithm (keeps sub-0.1 ms phases from giving wild ratios). */
  epsMs: number;
  trees: Partial<Record<Target, GbtModel>>;
  /** Layers (of how many unlimited runs) it was fitted on. */
  layers: number;
  runs: number;
}

/** Tree settings of the correction (small: a few thousand layers of a few dozen networks). */
export const IN_NETWORK_TREES = { nTrees: 150, maxDepth: 3, learningRate: 0.1, minSamplesLeaf: 40, seed: 1 } as const;
export const IN_NETWORK_EPS_MS = 0.05;

/** The correction's features of a query with a phase's isolated base (IN_NETWORK_FEATURES order). */
export function inNetworkFeatures(x: LayerInput, base: number, eps: number): number[] {
  const s = cachedStats(x);
  return [
    Math.log1p(s.flops),
    Math.log1p(s.weightBytes),
    Math.log1p(s.inputBytes),
    Math.log1p(s.outputBytes),
    RUN_FAMILIES.indexOf(runFamily(x)),
    LAYER_TYPES.indexOf(x.layer.layer.type),
    Math.log(Math.max(0, base) + eps),
  ];
}

/** One layer of an unlimited whole-network run: the query, its isolated base, its measured medians. */
export interface InNetworkLayer {
  x: LayerInput;
  base: TimePrediction;
  measured: { loadMs: number; runMs: number; unloadMs: number | null };
}

const KEY = { load: 'loadMs', run: 'runMs', unload: 'unloadMs' } as const;

/**
 * Fits the correction on the layers of unlimited runs (`runs` of them). Phases with fewer than
 * 2 x minSamplesLeaf measured layers get no trees (left uncorrected).
 */
export function fitInNetwork(layers: readonly InNetworkLayer[], runs: number, targets: readonly Target[]): InNetworkCorrection {
  const trees: Partial<Record<Target, GbtModel>> = {};
  for (const t of targets) {
    const X: number[][] = [];
    const y: number[] = [];
    for (const l of layers) {
      const m = l.measured[KEY[t]];
      if (m === null || !Number.isFinite(m)) continue;
      const b = l.base[KEY[t]];
      X.push(inNetworkFeatures(l.x, b, IN_NETWORK_EPS_MS));
      y.push(Math.log((m + IN_NETWORK_EPS_MS) / (Math.max(0, b) + IN_NETWORK_EPS_MS)));
    }
    if (X.length >= 2 * IN_NETWORK_TREES.minSamplesLeaf) trees[t] = fitGbt(X, y, IN_NETWORK_TREES);
  }
  return { features: IN_NETWORK_FEATURES, epsMs: IN_NETWORK_EPS_MS, trees, layers: layers.length, runs };
}

/** The base of a layer inside a network (see the file comment); phases without trees unchanged. */
export function applyInNetwork(c: InNetworkCorrection, x: LayerInput, base: TimePrediction): TimePrediction {
  const one = (t: Target): number => {
    const b = base[KEY[t]];
    const g = c.trees[t];
    if (!g) return b;
    return Math.max(0, (Math.max(0, b) + c.epsMs) * Math.exp(predictGbt(g, inNetworkFeatures(x, b, c.epsMs))) - c.epsMs);
  };
  return { loadMs: one('load'), runMs: one('run'), unloadMs: one('unload') };
}

/** Checks a stored correction (model loading). */
export function loadInNetwork(o: unknown): InNetworkCorrection {
  const c = o as Partial<InNetworkCorrection> | null;
  const ok =
    !!c &&
    Array.isArray(c.features) &&
    c.features.length === IN_NETWORK_FEATURES.length &&
    c.features.every((f, i) => f === IN_NETWORK_FEATURES[i]) &&
    typeof c.epsMs === 'number' &&
    c.epsMs > 0 &&
    typeof c.trees === 'object' &&
    c.trees !== null;
  if (!ok)
    throw new UserError(
      `invalid model: fe-swap context "inNetwork" must have features ${JSON.stringify(IN_NETWORK_FEATURES)}, epsMs > 0 and trees; refit the context`,
    );
  for (const [t, g] of Object.entries(c.trees!)) {
    try {
      const m = loadGbt(g);
      if (m.nFeatures !== IN_NETWORK_FEATURES.length) throw new Error(`nFeatures ${m.nFeatures}, expected ${IN_NETWORK_FEATURES.length}`);
    } catch (e) {
      throw new UserError(`invalid model: fe-swap context "inNetwork" trees for ${t}: ${(e as Error).message}; refit the context`);
    }
  }
  return c as InNetworkCorrection;
}
