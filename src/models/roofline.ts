/**
 * Model "roofline": a purely analytic baseline in the spirit of PALEO (Qi et al., ICLR 2017): no
 * fitting beyond the hardware's measured peak rates (`memlat hardware`).
 *
 *   load   = weightBytes / diskReadBytesPerSec
 *   run    = max(flops / (gemmGflops * 1e9), bytesTouched / memBandwidthBytesPerSec)
 *            + 2 * swapBytes / diskReadBytesPerSec   (paged out once, read back once)
 *   unload = 0
 *
 * It shows how far first principles alone get; the fitted models must beat it. Cost: O(1).
 */
import { UserError } from '../errors.js';
import type { HardwareFingerprint } from '../dataset/schema.js';
import { physicalTerms } from './physical.js';
import { MODEL_NAME, type LayerInput, type Model, type ModelJSON, type Target, type TimePrediction } from './types.js';

export const ROOFLINE_VERSION = 1;

export interface RooflineModelJSON extends ModelJSON {
  kind: 'roofline';
  version: typeof ROOFLINE_VERSION;
  diskBytesPerMs: number;
  memBytesPerMs: number;
  flopsPerMs: number;
}

export class RooflineModel implements Model {
  readonly name = MODEL_NAME;
  readonly kind = 'roofline';
  readonly version = ROOFLINE_VERSION;
  readonly fittedTargets: readonly Target[] = ['load', 'run'];
  constructor(readonly data: RooflineModelJSON) {}
  predict(x: LayerInput): TimePrediction {
    const p = physicalTerms(x);
    const s = p.stats;
    const d = this.data;
    const compute = s.flops / d.flopsPerMs;
    const traffic = (s.weightBytes + s.inputBytes + s.outputBytes) / d.memBytesPerMs;
    return {
      loadMs: s.weightBytes / d.diskBytesPerMs,
      runMs: Math.max(compute, traffic) + (2 * p.swapBytes) / d.diskBytesPerMs,
      unloadMs: 0,
    };
  }
  toJSON(): RooflineModelJSON {
    return this.data;
  }
}

/** Builds the roofline of one machine from its fingerprint (fails if a rate was not measured). */
export function rooflineFor(hw: HardwareFingerprint): RooflineModel {
  const missing = (['diskReadBytesPerSec', 'memBandwidthBytesPerSec', 'gemmGflops'] as const).filter((k) => !(typeof hw[k] === 'number' && hw[k] > 0));
  if (missing.length > 0)
    throw new UserError(`model roofline: hardware "${hw.id}" has no measured ${missing.join(', ')}; run 'memlat hardware' on that machine`);
  return new RooflineModel({
    name: MODEL_NAME,
    kind: 'roofline',
    version: ROOFLINE_VERSION,
    diskBytesPerMs: hw.diskReadBytesPerSec! / 1000,
    memBytesPerMs: hw.memBandwidthBytesPerSec! / 1000,
    flopsPerMs: hw.gemmGflops! * 1e6,
  });
}

export function loadRoofline(o: Record<string, unknown>): RooflineModel {
  for (const k of ['diskBytesPerMs', 'memBytesPerMs', 'flopsPerMs']) {
    if (!(typeof o[k] === 'number' && o[k] > 0)) throw new UserError(`invalid model: roofline model needs a positive ${k}; refit it`);
  }
  return new RooflineModel(o as unknown as RooflineModelJSON);
}
