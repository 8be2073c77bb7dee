/**
 * The bundle `memlat calibrate` writes: a base bundle's model moved to this machine and corrected by
 * factors fitted on rows measured here (models/calibrated.ts), with this machine's fingerprint and the
 * base's network interval widened by the uncertainty the calibration leaves (docs/MODELS.md,
 * "memlat calibrate").
 *
 * The interval: the zero-shot transfer's own sigma of ln time (transferSigma, 0.1 x sum |ln rate
 * ratio|) is the prior uncertainty of a factor; a cell fitted on n rows with prior weight k keeps
 * sqrt(k / (n + k)) of it (the posterior sd of a normal mean with k prior pseudo-rows). A network total
 * mixes the cells, so the least-measured of the four that carry the time (load and run, unlimited and
 * swapping) sets it: sigma = prior x max over those cells of sqrt(k / (n_c + k)), added in quadrature
 * to each end like the zero-shot widening (widenCalibration). Rows measured on the model's own machine
 * (ratios 1) widen nothing.
 *
 * `fitBase`: the model the factors are fitted against when the rows measure something the base does
 * not predict as such: memlat calibrate measures isolated layers, the default model predicts layers
 * inside a network (its context correction), so the factors are fitted against the base without its
 * context (contextFreeModel) and then applied to the base with it.
 *
 * Anchoring (anchorOnProbe, since 2026-12-01): rows of isolated layers measure a layer's run and
 * unload outside a network, and on host B isolated layers ran ~3x faster again than the same layers
 * inside a network (other layers' thread pools spin beside them; docs/EXECUTION-MODEL.md "Thread
 * pools"), so their factors made whole networks 2x too fast there (docs/BENCHMARKS.md section 9). The
 * fingerprint's per-call probe is two whole-network passes measured on this machine: the unlimited
 * run and unload factors are multiplied by measured / predicted over the probe's layers (the model
 * with its network context, the factors applied), so the calibrated model predicts the probe's run
 * and unload as measured; the rows still set load and swap, and the split of run between layers.
 *
 * Pure. Cost: fitCalibration (base predictions per observation) + the probe's 223 layers.
 */
import type { HardwareFingerprint } from '../dataset/schema.js';
import { CALL_PROBE_NETWORKS } from '../dataset/call-probe.js';
import { CalibratedModel, fitCalibration, type CalibrationProvenance, type Regime } from '../models/calibrated.js';
import { resolveNetwork } from '../network/shapes.js';
import { zooNetwork } from '../network/zoo/index.js';
import type { LayerObservation } from '../models/observations.js';
import { transferRatios, transferSigma, type TransferRatios } from '../models/transfer.js';
import type { Model, Target } from '../models/types.js';
import { makeBundle, type LoadedBundle, type ModelBundle } from './bundle.js';
import { widenCalibration } from './zero-shot.js';

/** The cells whose remaining uncertainty sets the interval (unload is small everywhere). */
export const INTERVAL_CELLS: readonly { regime: Regime; phase: Target }[] = [
  { regime: 'unlimited', phase: 'load' },
  { regime: 'unlimited', phase: 'run' },
  { regime: 'swapping', phase: 'load' },
  { regime: 'swapping', phase: 'run' },
];

/**
 * The sigma of ln time a calibration leaves: prior x max over INTERVAL_CELLS of sqrt(k / (n + k));
 * 0 when the prior is 0. k = 0 (no prior) leaves none. Pure.
 * @example remainingSigma(0.2, { unlimited: { load: 9, run: 9, unload: 9 }, swapping: { load: 1, run: 3, unload: 0 } }, 3) // 0.2 * sqrt(3/4)
 */
export function remainingSigma(prior: number, counts: Record<Regime, Record<Target, number>>, k: number): number {
  if (!(prior > 0) || !(k > 0)) return 0;
  let worst = 0;
  for (const c of INTERVAL_CELLS) worst = Math.max(worst, Math.sqrt(k / (counts[c.regime][c.phase] + k)));
  return prior * worst;
}

/**
 * The model with its unlimited run and unload factors anchored on `hardware`'s per-call probe (see
 * the file comment): each multiplied by the probe's measured phase over the model's prediction of it
 * (the probe networks' layers, unlimited, on `hardware`). Unchanged without a probe of the probe
 * networks or with a prediction that is not positive. Cost: 2 x 223 layer predictions.
 */
export function anchorOnProbe(model: CalibratedModel, hardware: HardwareFingerprint): CalibratedModel {
  const probe = hardware.callProbe;
  if (!probe || probe.networks.join(',') !== CALL_PROBE_NETWORKS.join(',')) return model;
  let run = 0;
  let unload = 0;
  for (const name of probe.networks) {
    for (const layer of resolveNetwork(zooNetwork(name)).layers) {
      const t = model.predict({ layer, memoryBytes: hardware.ramBytes, hardware });
      run += t.runMs;
      unload += t.unloadMs;
    }
  }
  if (!(run > 0 && unload > 0 && probe.runMs > 0 && probe.unloadMs > 0)) return model;
  const multipliers = { run: probe.runMs / run, unload: probe.unloadMs / unload };
  const f = model.data.factors;
  const data = {
    ...model.data,
    factors: { ...f, unlimited: { ...f.unlimited, run: f.unlimited.run * multipliers.run, unload: f.unlimited.unload * multipliers.unload } },
    anchor: { networks: [...probe.networks], rowFactors: { run: f.unlimited.run, unload: f.unlimited.unload }, multipliers },
  };
  return new CalibratedModel(data, model.base);
}

/** What calibratedBundle made. */
export interface CalibratedBundleResult {
  bundle: ModelBundle;
  model: CalibratedModel;
  /** Rate ratios this machine / the base model's machine. */
  ratios: TransferRatios;
  /** The zero-shot prior's sigma of ln time, and what is left after the calibration (the widening). */
  priorSigma: number;
  sigma: number;
}

/**
 * Fits the calibrated kind on `obs` (measured on `hardware`) from `base` and wraps it in a bundle for
 * `hardware`: the base's interval widened by remainingSigma, provenance recorded. Throws the
 * UserError of fitCalibration when no observation can be used. Pure.
 */
export function calibratedBundle(
  base: LoadedBundle,
  hardware: HardwareFingerprint,
  obs: readonly LayerObservation[],
  opts: { provenance?: Partial<CalibrationProvenance>; command?: string; fitBase?: Model } = {},
): CalibratedBundleResult {
  const fitted = fitCalibration(
    opts.fitBase ?? base.model,
    base.fittedOn ?? base.hardware,
    hardware,
    obs,
    opts.provenance ? { provenance: opts.provenance } : {},
  );
  // Factors fitted against `fitBase` (e.g. the base without its network context, for rows of isolated
  // layers) apply to the base itself.
  const predictBase = base.model instanceof CalibratedModel ? base.model.base : base.model;
  const unanchored = opts.fitBase ? new CalibratedModel({ ...fitted.data, base: predictBase.toJSON() }, predictBase) : fitted;
  const model = anchorOnProbe(unanchored, hardware);
  const ratios = transferRatios(model.data.baseHardware, hardware);
  const priorSigma = transferSigma(ratios);
  const sigma = remainingSigma(priorSigma, model.data.counts, model.data.priorStrength);
  const calibration = base.calibration
    ? widenCalibration(
        base.calibration,
        sigma,
        `widened for calibration (sigma ${sigma.toFixed(3)} of ln time = zero-shot sigma ${priorSigma.toFixed(3)} x sqrt(k / (n + k)) of the least-measured load/run cell, in quadrature)`,
      )
    : undefined;
  const p = model.data.provenance;
  const bundle = makeBundle(model, hardware, {
    ...(calibration ? { calibration } : {}),
    provenance: { data: p.data, command: opts.command ?? 'memlat calibrate', fittedAt: p.fittedAt, rows: p.rows },
  });
  return { bundle, model, ratios, priorSigma, sigma };
}
