/**
 * A real model bundle for predict tests: model FE fitted on the synthetic rows of
 * test/helpers/synthetic.ts (times follow a known law that rises with swapped bytes), paired with
 * the synthetic hardware, with and without a calibration.
 */
import { fitModel } from '../../src/models/index.js';
import { BUNDLE_FORMAT, loadBundle, type LoadedBundle, type ModelBundle } from '../../src/predict/bundle.js';
import { HW, HW_MAP, syntheticRows } from './synthetic.js';

export { HW };

let cached: ModelBundle | undefined;

/** The bundle document (fitted once per process). */
export function testBundleJson(withCalibration = true): ModelBundle {
  cached ??= { format: BUNDLE_FORMAT, model: fitModel('fe', syntheticRows(), HW_MAP).toJSON(), hardware: HW };
  const b: ModelBundle = { ...cached, provenance: { data: 'synthetic', command: 'test', fittedAt: '2026-11-26T00:00:00Z', rows: 1 } };
  if (withCalibration) b.calibration = { coverage: 0.9, logLow: -0.2, logHigh: 0.3, method: 'test', n: 40 };
  return JSON.parse(JSON.stringify(b)) as ModelBundle;
}

/** The loaded bundle. */
export function testBundle(withCalibration = true): LoadedBundle {
  return loadBundle(testBundleJson(withCalibration), { path: 'test-bundle.json' });
}
