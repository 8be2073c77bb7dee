/**
 * Model "fe-swap": the time a layer takes without a memory limit, times how much slower it gets
 * when memory is short, with the slowdown measured on pairs and corrected for running inside a
 * whole network.
 *
 *   t_phase(layer, M) = totalFactor * max(0, (base_phase + eps_phase) * S_phase(family, ws, h)^kappa - eps_phase)
 *   h = (M - idle - ws) / MiB - ctx     (headroom: memory left beside the layer's working set)
 *
 * - base: the unlimited time, fitted on the observations that do not swap (unlimited, or
 *   swapBytes = 0) and evaluated at M = the machine's RAM: the study's FE with Duan's smearing
 *   (./fe.ts), or boosted trees on ln time with smearing (./boosted.ts), per phase (options.base;
 *   the default model's choice is made on the context networks, see models/index.ts). In log space a
 *   per-type linear model cannot follow the threshold at which swapping starts, and its smearing
 *   factor would be inflated by the spread of the swapping rows, so it is not asked to.
 * - S: the profile measures every sampled layer at several limits and without one, so the slowdown
 *   t(M) / t(none) of each phase is observed per layer, with most of that layer's own noise
 *   cancelled. Boosted trees (./gbt.ts) fit ln((t_M + eps) / (t_none + eps)) on three features:
 *   h (or the blended axis of headroomAxis), ln ws and the kernel family; eps is the time to read
 *   the bytes the phase moves once from disk (ratioOffsetMs). A tree ensemble is piecewise
 *   constant between the thresholds its splits use, so the fitted function is exactly a table over
 *   (family, ws cell, h cell); the table is what is stored, and predict is two binary searches and a lookup. The table is then made
 *   non-increasing in h (more memory is never predicted slower, so curves and min-memory searches
 *   are monotone), >= 1, = 1 where nothing can swap, and non-decreasing in ws for large layers
 *   (sizeMonotoneFromMiB), with the trees' own Duan smearing factor applied.
 * - totalFactor, ctx, kappa: the network context, fitted on whole-network passes of *other*
 *   networks (`--context` rows, e.g. data/context/). Inside a network pass the worker holds every
 *   layer's session and a heap grown by earlier layers (measured here: 14 to 56 MiB more anonymous
 *   memory than a one-layer worker, and a full GC per unload that costs ~10 ms instead of ~7.6), a
 *   layer that swaps also pushes out pages the rest of the pass needs, and a network's median pass
 *   total is not the sum of its layers' medians (single layers have right-skewed times). Isolated
 *   layers show none of this. totalFactor is the geometric mean of measured / predicted totals of
 *   the unlimited runs; ctx (MiB taken by the context) and kappa (scale of the log slowdown) come
 *   from a grid search minimising the squared ln error of each limited run's slowdown of the network
 *   total (total at M / total unlimited). Without context rows they stay (1, 0, 1): the model is
 *   then exactly the isolated-layer prediction.
 *
 * Cost: fit O(trees * depth * pairs) + the grid; predict O(log cells) (M-independent parts cached
 * per layer object).
 *
 * The code lives in ./fe-swap/ by job: model.ts (the JSON format, predict, load), fit.ts (base
 * choice and the whole fit), table.ts (slowdown tables), context.ts (network context).
 */
export {
  FE_SWAP_VERSION,
  BASE_KINDS,
  type BaseKind,
  type SlowdownTable,
  type ContextFit,
  type FeSwapModelJSON,
  type LayerKey,
  ratioOffsetMs,
  FeSwapModel,
  loadFeSwap,
} from './fe-swap/model.js';
export { type ContextRows } from './fe-swap/context.js';
export { type FeSwapOptions, fitFeSwap } from './fe-swap/fit.js';
