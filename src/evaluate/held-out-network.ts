/**
 * Scoring of one held-out network measured in passes (every pass runs the same layers one by one,
 * as EdgeCaffe's linear profiles and memlat's validation runs do) against a model's per-layer
 * predictions. Used by the leave-one-network-out transfer benchmark (bench/edgecaffe.ts).
 *
 * - Per layer, for each phase the data measures (load, run; unload when every layer has it): the
 *   median over layers of |p - m| / m, with m the layer's median over passes (its observation).
 * - Network total: the predicted total is the sum over layers of the measured phases only (a phase
 *   the source never timed is not in its totals either); against each pass total t_i, the median over
 *   passes of |p - t_i| / t_i and the bias exp(mean ln(p / t_i)) (errorMetrics: the geometric mean of
 *   predicted / measured, as bench/scoring.ts reports it).
 * - Noise of the measured totals: (max - min) / median of the pass totals, and the median over passes
 *   of |t_i - median| / median (the median error a perfect point prediction of the median would get).
 *
 * Pure. Cost O(layers + passes log passes).
 */
import type { LayerObservation } from '../models/observations.js';
import type { TimePrediction } from '../models/types.js';
import { median } from '../stats.js';
import { errorMetrics } from './metrics.js';

/** The score of one held-out network. Fractions, not percentages (0.1 = 10%). */
export interface HeldOutNetworkScore {
  layers: number;
  passes: number;
  /** Whether unload is measured (then it is scored and counted in the totals). */
  unloadMeasured: boolean;
  /** Per-layer median APE of each phase against the layer's median time (null: phase not measured). */
  layerApe: { load: number; run: number; unload: number | null };
  /** Per-layer bias (geometric mean of predicted / measured) of each phase. */
  layerBias: { load: number; run: number; unload: number | null };
  /** The predicted network total (measured phases only), and the median of the measured pass totals. */
  predictedMs: number;
  measuredMedianMs: number;
  /** Median over passes of |predicted - pass total| / pass total, and the geometric mean of predicted / pass total. */
  totalApe: number;
  totalBias: number;
  /** (max - min) / median of the pass totals, and the median over passes of |t - median| / median. */
  noiseRange: number;
  noiseApe: number;
}

/**
 * Scores `predictions[i]` (the model's answer for `obs[i]`, one observation per layer of one network,
 * unlimited or all at one limit) against the observations and the network's measured `passTotals`
 * (each the sum of that pass's measured phases). Throws when the arrays do not pair up or there are
 * no passes.
 * @example scoreHeldOutNetwork([{ loadMs: 2, runMs: 6, unloadMs: 1 }], [obs with load 1, run 4, unload null], [5, 6]) // totalApe median(3/5, 2/6)
 */
export function scoreHeldOutNetwork(
  predictions: readonly TimePrediction[],
  obs: readonly LayerObservation[],
  passTotals: readonly number[],
): HeldOutNetworkScore {
  if (predictions.length !== obs.length) throw new Error(`scoreHeldOutNetwork: ${predictions.length} predictions for ${obs.length} observations`);
  if (obs.length === 0 || passTotals.length === 0) throw new Error('scoreHeldOutNetwork: no layers or no passes to score');
  const unloadMeasured = obs.every((o) => o.unloadMs !== null);
  const phase = (pick: (p: TimePrediction) => number, meas: (o: LayerObservation) => number): { ape: number; bias: number } => {
    const e = errorMetrics(predictions.map(pick), obs.map(meas));
    return { ape: e.medianApePct / 100, bias: e.bias };
  };
  const load = phase(
    (p) => p.loadMs,
    (o) => o.loadMs,
  );
  const run = phase(
    (p) => p.runMs,
    (o) => o.runMs,
  );
  const unload = unloadMeasured
    ? phase(
        (p) => p.unloadMs,
        (o) => o.unloadMs!,
      )
    : null;
  let predictedMs = 0;
  for (const p of predictions) predictedMs += p.loadMs + p.runMs + (unloadMeasured ? p.unloadMs : 0);
  const total = errorMetrics(
    passTotals.map(() => predictedMs),
    passTotals,
  );
  const med = median(passTotals);
  return {
    layers: obs.length,
    passes: passTotals.length,
    unloadMeasured,
    layerApe: { load: load.ape, run: run.ape, unload: unload?.ape ?? null },
    layerBias: { load: load.bias, run: run.bias, unload: unload?.bias ?? null },
    predictedMs,
    measuredMedianMs: med,
    totalApe: total.medianApePct / 100,
    totalBias: total.bias,
    noiseRange: (Math.max(...passTotals) - Math.min(...passTotals)) / med,
    noiseApe: median(passTotals.map((t) => Math.abs(t - med) / med)),
  };
}
