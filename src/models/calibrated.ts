/**
 * Model kind "calibrated": a base model fitted on machine A, moved to machine B by the zero-shot
 * transfer (./transfer.ts) and corrected by per-phase x regime factors fitted on a few rows measured
 * on B (`memlat calibrate`; docs/MODELS.md, "Zero-shot transfer and calibration").
 *
 *   t_phase(layer, M) = f[unlimited][phase] * u_phase + f[swapping][phase] * s_phase
 *
 * with u and s the transferred unlimited and swap parts of the phase (Transfer.phases). The two
 * regimes are the two parts, not a switch at the onset, so the prediction stays continuous and
 * monotone in M wherever the base is (s only adds).
 *
 * Fitting (fitCalibration), in log space with shrinkage towards the zero-shot prior ln f = 0, each
 * row weighted by its predicted time (w_i = the row's predicted phase time over the mean of those of
 * the cell, so the weights sum to n):
 * - unlimited, per phase: the rows whose working set fits (swapBytes = 0), residual
 *   r_i = ln(measured_i / u_i); minimising sum w_i (ln f - r_i)^2 + k (ln f)^2 gives the closed form
 *   ln f = sum w_i r_i / (n + k): a shrunken weighted mean, n / (n + k) of the way from the prior.
 * - swapping, per phase: the rows that swap (swapBytes > 0) and whose transferred swap part is at
 *   least a tenth of the phase; minimises sum w_i (ln(f_u u_i + f s_i) - ln measured_i)^2 + k (ln f)^2
 *   over ln f (golden-section search on [-4, 4]; the same closed form when u_i = 0).
 * k = CALIBRATION_PRIOR_STRENGTH pseudo-rows (see there). Why weights: what a factor is for is a
 * network's total, which its long layers make. Unweighted, the many ~0.01-0.1 ms layers (a ReLU's
 * load is session creation) set the factor: on EdgeCaffe's profiles the layers without weights
 * loaded ~7x slower than predicted while the weight-reading loads were right, and the unweighted
 * load factor 6.9-8.6 multiplied the right ones (docs/BENCHMARKS.md section 10).
 *
 * Pure. Cost: predict = two base predictions; fit O(rows) base predictions + 60 iterations per cell.
 */
import type { HardwareFingerprint } from '../dataset/schema.js';
import { UserError } from '../errors.js';
import type { LayerObservation } from './observations.js';
import { observedMs } from './observations.js';
import { Transfer } from './transfer.js';
import { MODEL_NAME, TARGETS, type LayerInput, type Model, type ModelJSON, type Target, type TimePrediction } from './types.js';

export const CALIBRATED_VERSION = 1;

/** The regimes a factor applies to: the unlimited part of a phase, and its swap part. */
export type Regime = 'unlimited' | 'swapping';
export const REGIMES: readonly Regime[] = ['unlimited', 'swapping'];

/**
 * The prior's weight, in rows: a cell's factor moves n / (n + k) of the way from the zero-shot
 * prior (factor 1) to what its n rows say. Why 3: on one machine, layers' ln(measured / predicted)
 * spread by ~0.3 around a common factor (per-layer model error plus the machine's own drift, which
 * moved a network's median 1.34x between runs, issue 12), about the size of the zero-shot's own
 * error on the factor (transferSigma ~0.2-0.4 for a machine 2x away); sigma^2 / tau^2 is then ~1,
 * and rows of one cell share their drift (measured minutes apart, same layers), so they count less
 * than independent ones: k = 3 asks for three rows before the factor moves halfway.
 */
export const CALIBRATION_PRIOR_STRENGTH = 3;

/** Swapping rows count only where the transferred swap part is at least this share of the phase. */
export const MIN_SWAP_SHARE = 0.1;

/** Where a calibration came from (stored in the model). */
export interface CalibrationProvenance {
  /** Rows file the factors were fitted on. */
  data: string;
  /** Observations (per-configuration medians) used, and rows behind them. */
  observations: number;
  rows: number;
  /** Measurement time spent, ms, and the budget asked (null when not from `memlat calibrate`). */
  spentMs: number | null;
  budgetMs: number | null;
  fittedAt: string;
}

export interface CalibratedModelJSON extends ModelJSON {
  kind: 'calibrated';
  version: typeof CALIBRATED_VERSION;
  /** The base model as fitted on its own machine. */
  base: ModelJSON;
  /** The machine the base was fitted on (A). */
  baseHardware: HardwareFingerprint;
  /** The calibrated machine (B): its rates drive the transfer. */
  hardware: HardwareFingerprint;
  /** ln-space-fitted multiplicative factors, per regime and phase (1 = the zero-shot prior). */
  factors: Record<Regime, Record<Target, number>>;
  /** Observations behind each factor. */
  counts: Record<Regime, Record<Target, number>>;
  /** The prior's weight in rows (CALIBRATION_PRIOR_STRENGTH when fitted by memlat). */
  priorStrength: number;
  provenance: CalibrationProvenance;
  /**
   * Set when the unlimited run and unload factors were anchored on the machine's per-call probe
   * (src/predict/calibrated-bundle.ts, anchorOnProbe): the factors the rows gave and the multipliers
   * the probe's network passes applied to them. Absent in older bundles.
   */
  anchor?: { networks: string[]; rowFactors: { run: number; unload: number }; multipliers: { run: number; unload: number } };
}

export class CalibratedModel implements Model {
  readonly name = MODEL_NAME;
  readonly kind = 'calibrated';
  readonly version = CALIBRATED_VERSION;
  readonly fittedTargets: readonly Target[];
  readonly transfer: Transfer;
  constructor(
    readonly data: CalibratedModelJSON,
    readonly base: Model,
  ) {
    this.fittedTargets = base.fittedTargets;
    this.transfer = new Transfer(base, data.baseHardware, data.hardware);
  }

  predict(x: LayerInput): TimePrediction {
    const p = this.transfer.phases(x);
    const u = this.data.factors.unlimited;
    const s = this.data.factors.swapping;
    return {
      loadMs: u.load * p.unlimited.loadMs + s.load * p.swap.loadMs,
      runMs: u.run * p.unlimited.runMs + s.run * p.swap.runMs,
      unloadMs: u.unload * p.unlimited.unloadMs + s.unload * p.swap.unloadMs,
    };
  }

  toJSON(): CalibratedModelJSON {
    return this.data;
  }
}

const phaseOf = (p: TimePrediction, t: Target): number => (t === 'load' ? p.loadMs : t === 'run' ? p.runMs : p.unloadMs);

/**
 * Weights normalised to mean 1 (they sum to n); all 1 without weights or when they sum to <= 0.
 * Cost O(n).
 */
export function unitMeanWeights(n: number, weights?: readonly number[]): number[] {
  if (!weights) return new Array<number>(n).fill(1);
  let sum = 0;
  for (const w of weights) sum += Math.max(0, w);
  return sum > 0 ? weights.map((w) => (Math.max(0, w) * n) / sum) : new Array<number>(n).fill(1);
}

/**
 * ln f = sum w_i r_i / (n + k): the shrunken (weighted) mean of the residuals, prior ln f = 0 with
 * weight k; weights are normalised to mean 1 (unitMeanWeights), so without them it is sum r / (n + k).
 * Cost O(n).
 */
export function shrunkLogFactor(residuals: readonly number[], k: number, weights?: readonly number[]): number {
  const w = unitMeanWeights(residuals.length, weights);
  let s = 0;
  for (let i = 0; i < residuals.length; i++) s += w[i]! * residuals[i]!;
  return residuals.length + k > 0 ? s / (residuals.length + k) : 0;
}

/**
 * argmin over ln f in [-4, 4] of sum w_i (ln(a_i + f b_i) - ln m_i)^2 + k (ln f)^2 (golden section;
 * a_i >= 0, b_i > 0, m_i > 0; weights normalised to mean 1, all 1 without). Cost O(60 n).
 */
export function fitSwapLogFactor(a: readonly number[], b: readonly number[], m: readonly number[], k: number, weights?: readonly number[]): number {
  if (a.length === 0) return 0;
  const w = unitMeanWeights(a.length, weights);
  const loss = (lf: number): number => {
    const f = Math.exp(lf);
    let s = k * lf * lf;
    for (let i = 0; i < a.length; i++) {
      const e = Math.log(a[i]! + f * b[i]!) - Math.log(m[i]!);
      s += w[i]! * e * e;
    }
    return s;
  };
  let lo = -4;
  let hi = 4;
  const g = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - g * (hi - lo);
  let x2 = lo + g * (hi - lo);
  let f1 = loss(x1);
  let f2 = loss(x2);
  for (let it = 0; it < 80; it++) {
    if (f1 < f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - g * (hi - lo);
      f1 = loss(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + g * (hi - lo);
      f2 = loss(x2);
    }
  }
  return (lo + hi) / 2;
}

/** Options of fitCalibration. */
export interface CalibrationOptions {
  /** Prior weight in rows (default CALIBRATION_PRIOR_STRENGTH). */
  priorStrength?: number;
  provenance?: Partial<CalibrationProvenance>;
}

/**
 * Fits the calibrated kind: `base` (fitted on `baseHardware`) moved to `hardware` and corrected on
 * `obs`, observations measured on that machine (see the file comment). A base that is itself
 * calibrated is unwrapped first (recalibrating starts from the original base). Throws a UserError
 * when no observation has a positive measured time. Cost: see the file comment.
 */
export function fitCalibration(
  base: Model,
  baseHardware: HardwareFingerprint,
  hardware: HardwareFingerprint,
  obs: readonly LayerObservation[],
  options: CalibrationOptions = {},
): CalibratedModel {
  if (base instanceof CalibratedModel) return fitCalibration(base.base, base.data.baseHardware, hardware, obs, options);
  const k = options.priorStrength ?? CALIBRATION_PRIOR_STRENGTH;
  if (!(k >= 0)) throw new UserError(`calibration prior strength ${k}: must be a number >= 0 (rows the zero-shot prior counts as), e.g. 3`);
  const transfer = new Transfer(base, baseHardware, hardware);
  const parts = obs.map((o) => ({ o, p: transfer.phases(o) }));
  const factors = { unlimited: { load: 1, run: 1, unload: 1 }, swapping: { load: 1, run: 1, unload: 1 } } as Record<Regime, Record<Target, number>>;
  const counts = { unlimited: { load: 0, run: 0, unload: 0 }, swapping: { load: 0, run: 0, unload: 0 } } as Record<Regime, Record<Target, number>>;
  let used = 0;
  for (const t of TARGETS) {
    const r: number[] = [];
    const rw: number[] = [];
    for (const { o, p } of parts) {
      const m = observedMs(o, t);
      const u = phaseOf(p.unlimited, t);
      if (o.swapBytes > 0 || m === null || !(m > 0) || !(u > 0)) continue;
      r.push(Math.log(m / u));
      rw.push(u);
    }
    factors.unlimited[t] = Math.exp(shrunkLogFactor(r, k, rw));
    counts.unlimited[t] = r.length;
    const a: number[] = [];
    const b: number[] = [];
    const ms: number[] = [];
    for (const { o, p } of parts) {
      const m = observedMs(o, t);
      const u = phaseOf(p.unlimited, t) * factors.unlimited[t];
      const s = phaseOf(p.swap, t);
      if (o.swapBytes === 0 || m === null || !(m > 0) || !(s > 0) || s < MIN_SWAP_SHARE * (u + s)) continue;
      a.push(Math.max(0, u));
      b.push(s);
      ms.push(m);
    }
    factors.swapping[t] = Math.exp(
      fitSwapLogFactor(
        a,
        b,
        ms,
        k,
        a.map((x, i) => x + b[i]!),
      ),
    );
    counts.swapping[t] = a.length;
    used += r.length + a.length;
  }
  if (used === 0)
    throw new UserError(
      `calibration: none of the ${obs.length} observations has a positive measured time the model predicts a positive time for; measure some layers first (memlat calibrate)`,
    );
  const prov = options.provenance ?? {};
  const data: CalibratedModelJSON = {
    name: MODEL_NAME,
    kind: 'calibrated',
    version: CALIBRATED_VERSION,
    base: base.toJSON(),
    baseHardware,
    hardware,
    factors,
    counts,
    priorStrength: k,
    provenance: {
      data: prov.data ?? '(rows)',
      observations: obs.length,
      rows: prov.rows ?? obs.reduce((s, o) => s + o.reps, 0),
      spentMs: prov.spentMs ?? null,
      budgetMs: prov.budgetMs ?? null,
      fittedAt: prov.fittedAt ?? new Date(0).toISOString(),
    },
  };
  return new CalibratedModel(data, base);
}

/**
 * Rebuilds a calibrated model from JSON; `loadBase` loads the base (models/index.ts loadModel,
 * passed in to keep the import graph acyclic). Checks the factors and fingerprints.
 */
export function loadCalibrated(o: Record<string, unknown>, loadBase: (json: unknown) => Model): CalibratedModel {
  const d = o as unknown as CalibratedModelJSON;
  if (typeof d.base !== 'object' || d.base === null) throw new UserError('invalid model: calibrated model has no "base" model; rerun memlat calibrate');
  if ((d.base as { kind?: unknown }).kind === 'calibrated')
    throw new UserError('invalid model: calibrated model\'s "base" is itself calibrated; rerun memlat calibrate');
  for (const f of ['baseHardware', 'hardware'] as const) {
    const h = d[f] as Partial<HardwareFingerprint> | undefined;
    if (typeof h !== 'object' || h === null || typeof h.id !== 'string' || !(typeof h.ramBytes === 'number' && h.ramBytes > 0)) {
      throw new UserError(`invalid model: calibrated "${f}" must be a fingerprint with id and ramBytes > 0; rerun memlat calibrate`);
    }
  }
  for (const g of REGIMES) {
    for (const t of TARGETS) {
      const v = d.factors?.[g]?.[t];
      if (typeof v !== 'number' || !Number.isFinite(v) || !(v > 0))
        throw new UserError(`invalid model: calibrated factors.${g}.${t} ${JSON.stringify(v)} must be a positive number; rerun memlat calibrate`);
    }
  }
  return new CalibratedModel(d, loadBase(d.base));
}
