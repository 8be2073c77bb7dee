/**
 * The model bundle: what `memlat predict`, `curve`, `min-memory` and `report` consume. A fitted model
 * alone cannot predict: its features need the fingerprint of the machine it describes (runtime idle
 * footprint, cores, RAM), and a network-level prediction interval needs a calibration measured on
 * held-out whole networks. The bundle carries all three, plus where it came from.
 *
 * Also here: split-conformal calibration of network totals (calibrateNetworkTotals), the pure
 * function that produces a bundle's `calibration`.
 *
 * Pure: no fs. Reading a bundle file by name or path is src/predict/model-bundle.ts.
 */
import type { HardwareFingerprint } from '../dataset/schema.js';
import { argumentError, UserError } from '../errors.js';
import { loadModel } from '../models/index.js';
import type { Model, ModelJSON } from '../models/types.js';
import type { ZeroShotInfo } from '../models/transfer.js';

/** The format tag of a bundle file. */
export const BUNDLE_FORMAT = 'memlat-bundle@1';

/**
 * A split-conformal calibration of whole-network totals: with r = ln(measured / predicted) on
 * held-out networks, the interval for a new prediction p is [p e^logLow, p e^logHigh], which covers
 * the measured total with probability >= `coverage` when the new network is exchangeable with the
 * calibration networks.
 */
export interface NetworkCalibration {
  /** Nominal coverage of the interval, in (0, 1), e.g. 0.9. */
  coverage: number;
  /** Lower conformal quantile of ln(measured / predicted). */
  logLow: number;
  /** Upper conformal quantile of ln(measured / predicted). */
  logHigh: number;
  /** How it was obtained, e.g. "split-conformal, equal-tailed, log ratio of network totals". */
  method: string;
  /** Number of held-out (predicted, measured) pairs used. */
  n: number;
}

/** The file `--model` names: a model plus the machine it describes and, optionally, an interval. */
export interface ModelBundle {
  format: typeof BUNDLE_FORMAT;
  model: ModelJSON;
  hardware: HardwareFingerprint;
  calibration?: NetworkCalibration;
  provenance?: { data: string; command: string; fittedAt: string; rows: number };
}

/** A bundle checked and ready to predict with. */
export interface LoadedBundle {
  /** The bundle as data (a bare model is wrapped into one). */
  bundle: ModelBundle;
  /** The live model (loadModel of bundle.model). */
  model: Model;
  hardware: HardwareFingerprint;
  /**
   * The machine the model was fitted on: the bundle's own fingerprint, also when `hardware` replaced
   * it (`--hardware` with a bundle: predicting for another machine); for a bare model the paired
   * fingerprint. Absent in hand-made LoadedBundles: then `hardware`.
   */
  fittedOn?: HardwareFingerprint;
  calibration: NetworkCalibration | null;
  /** A short label for output: `<kind>` plus the file it came from when known. */
  label: string;
  /** Set when the model predicts for another machine's rates by zero-shot transfer (src/predict/zero-shot.ts). */
  zeroShot?: ZeroShotInfo;
}

/** Options of loadBundle. */
export interface LoadBundleOptions {
  /** Where the JSON came from, for messages (`invalid model file <path>: ...`). */
  path?: string;
  /** Hardware to pair with a bare model JSON (required then), or to override a bundle's own. */
  hardware?: HardwareFingerprint;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? typeof v : s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const finitePositive = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v > 0;
const nullOrFiniteNonNeg = (v: unknown): boolean => v === null || v === undefined || (typeof v === 'number' && Number.isFinite(v) && v >= 0);

/**
 * Checks a hardware fingerprint's fields the predictor uses; returns problems (empty when fine).
 * Cost O(1).
 */
export function hardwareProblems(hw: unknown, where: string): string[] {
  if (!isObject(hw)) return [`${where}: expected an object (a fingerprint from 'memlat hardware'), got ${show(hw)}`];
  const p: string[] = [];
  if (typeof hw.id !== 'string' || hw.id === '') p.push(`${where}.id: expected a non-empty string, got ${show(hw.id)}`);
  if (!finitePositive(hw.cores) || !Number.isInteger(hw.cores)) p.push(`${where}.cores: expected a positive integer, got ${show(hw.cores)}`);
  if (!finitePositive(hw.ramBytes)) p.push(`${where}.ramBytes: expected a positive number of bytes, got ${show(hw.ramBytes)}`);
  if (!nullOrFiniteNonNeg(hw.runtimeIdleBytes)) p.push(`${where}.runtimeIdleBytes: expected bytes >= 0 or null, got ${show(hw.runtimeIdleBytes)}`);
  return p;
}

function calibrationProblems(c: unknown, where: string): string[] {
  if (!isObject(c)) return [`${where}: expected an object { coverage, logLow, logHigh, method, n }, got ${show(c)}`];
  const p: string[] = [];
  if (typeof c.coverage !== 'number' || !(c.coverage > 0 && c.coverage < 1)) p.push(`${where}.coverage: expected a number in (0, 1), got ${show(c.coverage)}`);
  if (typeof c.logLow !== 'number' || !Number.isFinite(c.logLow)) p.push(`${where}.logLow: expected a finite number, got ${show(c.logLow)}`);
  if (typeof c.logHigh !== 'number' || !Number.isFinite(c.logHigh)) p.push(`${where}.logHigh: expected a finite number, got ${show(c.logHigh)}`);
  if (typeof c.logLow === 'number' && typeof c.logHigh === 'number' && c.logLow > c.logHigh)
    p.push(`${where}: logLow ${c.logLow} exceeds logHigh ${c.logHigh}`);
  if (typeof c.method !== 'string') p.push(`${where}.method: expected a string, got ${show(c.method)}`);
  if (typeof c.n !== 'number' || !Number.isInteger(c.n) || c.n < 1) p.push(`${where}.n: expected a positive integer, got ${show(c.n)}`);
  return p;
}

/**
 * Checks and loads a bundle from parsed JSON. Accepts a `memlat-bundle@1` document, or a bare model
 * JSON (`name: "memlat-model"`, as `memlat fit` writes) when `opts.hardware` supplies the machine.
 * Rejects anything else with a UserError `invalid model file <path>: expected ...` listing every
 * problem. Why: predictions are only meaningful with the model's own hardware. Cost: loadModel.
 * @example const b = loadBundle(JSON.parse(text), { path: 'model.json' }); b.model.predict(...)
 */
export function loadBundle(json: unknown, opts: LoadBundleOptions = {}): LoadedBundle {
  const file = `invalid model file ${opts.path ?? '(given JSON)'}`;
  if (!isObject(json))
    throw new UserError(`${file}: expected a JSON object (a memlat bundle or model), got ${show(json)}; pass a file written by 'memlat fit'`);
  let bundle: ModelBundle;
  let fittedOn: HardwareFingerprint | undefined;
  if (json.format === BUNDLE_FORMAT) {
    if (hardwareProblems(json.hardware, 'hardware').length === 0) fittedOn = json.hardware as HardwareFingerprint;
    const problems: string[] = [];
    if (!isObject(json.model)) problems.push(`${file}: expected "model" to be a model object, got ${show(json.model)}`);
    if (opts.hardware === undefined) problems.push(...hardwareProblems(json.hardware, 'hardware').map((p) => `${file}: ${p}`));
    if (json.calibration !== undefined && json.calibration !== null)
      problems.push(...calibrationProblems(json.calibration, 'calibration').map((p) => `${file}: ${p}`));
    if (problems.length) throw new UserError(problems);
    bundle = json as unknown as ModelBundle;
    if (json.calibration === null) {
      bundle = { ...bundle };
      delete bundle.calibration;
    }
    if (opts.hardware) bundle = { ...bundle, hardware: opts.hardware };
  } else if (json.name === 'memlat-model') {
    if (opts.hardware === undefined) {
      throw argumentError(
        (n) =>
          `${file}: a bare model has no hardware fingerprint; give the machine it was fitted on (${n('hardware')} <dataset>.hardware.json) or use a bundle written by 'memlat fit'`,
      );
    }
    bundle = { format: BUNDLE_FORMAT, model: json as ModelJSON, hardware: opts.hardware };
  } else {
    throw new UserError(
      `${file}: expected format "${BUNDLE_FORMAT}" or name "memlat-model", got format ${show(json.format)}, name ${show(json.name)}; pass a file written by 'memlat fit'`,
    );
  }
  const hwProblems = hardwareProblems(bundle.hardware, 'hardware');
  if (hwProblems.length) throw new UserError(hwProblems.map((p) => `${file}: ${p}`));
  let model: Model;
  try {
    model = loadModel(bundle.model);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(e.problems.map((p) => `${file}: ${p.replace(/^invalid model: /, '')}`));
    throw e;
  }
  return {
    bundle,
    model,
    hardware: bundle.hardware,
    fittedOn: fittedOn ?? bundle.hardware,
    calibration: bundle.calibration ?? null,
    label: opts.path ? `${model.kind} (${opts.path})` : model.kind,
  };
}

/**
 * Wraps a fitted model and its hardware into a bundle document (what `memlat fit` writes).
 * Cost O(1).
 */
export function makeBundle(
  model: Model,
  hardware: HardwareFingerprint,
  extra: { calibration?: NetworkCalibration; provenance?: ModelBundle['provenance'] } = {},
): ModelBundle {
  const b: ModelBundle = { format: BUNDLE_FORMAT, model: model.toJSON(), hardware };
  if (extra.calibration) b.calibration = extra.calibration;
  if (extra.provenance) b.provenance = extra.provenance;
  return b;
}

/**
 * Split-conformal calibration of network totals (Vovk et al. 2005; Lei et al. 2018, "Distribution-
 * free predictive inference for regression"), on the log ratio r_i = ln(measured_i / predicted_i) of
 * held-out networks (networks the model never trained on). Equal-tailed: with alpha = 1 - coverage
 * and r sorted ascending (1-based r_(k)), logHigh = r_(ceil((n+1)(1 - alpha/2))) and logLow =
 * r_(floor((n+1) alpha/2)); each tail then misses with probability <= alpha/2 for an exchangeable
 * new network, so [p e^logLow, p e^logHigh] covers with probability >= coverage. The log ratio makes
 * the interval relative (a 2x error on a 10 ms and a 10 s network count the same).
 *
 * Throws UserError when n is too small for the coverage asked (needs n >= 2/alpha - 1, e.g. 39 pairs
 * for 0.95, 19 for 0.9), or a value is not a positive finite time. Cost: O(n log n).
 * @example calibrateNetworkTotals(pred, meas, 0.9) // { coverage: 0.9, logLow: -0.31, logHigh: 0.42, ... }
 */
export function calibrateNetworkTotals(predictedMs: readonly number[], measuredMs: readonly number[], coverage = 0.9): NetworkCalibration {
  if (!(coverage > 0 && coverage < 1)) throw new UserError(`coverage ${coverage} must be in (0, 1), e.g. 0.9`);
  if (predictedMs.length !== measuredMs.length)
    throw new UserError(`calibration: ${predictedMs.length} predictions but ${measuredMs.length} measurements; give one measured total per prediction`);
  const n = predictedMs.length;
  const r: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = predictedMs[i]!;
    const m = measuredMs[i]!;
    if (!(p > 0 && Number.isFinite(p)) || !(m > 0 && Number.isFinite(m))) {
      throw new UserError(`calibration pair ${i}: predicted ${p} ms, measured ${m} ms; both must be positive finite times (drop OOM-killed or failed runs)`);
    }
    r.push(Math.log(m / p));
  }
  const alpha = 1 - coverage;
  const kHigh = Math.ceil((n + 1) * (1 - alpha / 2) - 1e-9);
  const kLow = Math.floor((n + 1) * (alpha / 2) + 1e-9);
  if (kHigh > n || kLow < 1) {
    const need = Math.ceil(2 / alpha - 1 - 1e-9);
    throw new UserError(`calibration: ${n} held-out networks are too few for a ${coverage} interval; need at least ${need} (or ask for a lower coverage)`);
  }
  r.sort((a, b) => a - b);
  return {
    coverage,
    logLow: r[kLow - 1]!,
    logHigh: r[kHigh - 1]!,
    method: 'split-conformal, equal-tailed, ln(measured/predicted) of held-out network totals',
    n,
  };
}
