/**
 * Adds the disk curve (src/dataset/disk-curve.ts) to a bundle whose machine's fingerprint predates
 * it, from a fingerprint measured later on the same machine (`memlat hardware`), its shape anchored
 * to the bundle's own disk rate (times scaled so the last point, the large probe, reads at the
 * bundle fingerprint's diskReadBytesPerSec), as bench/disk-curve.ts scored it:
 *
 *   node dist/bench/add-disk-curve.js --model data/models/hostB.json --curve data/diskcurve/B-none.hardware.json
 *
 * or, for a machine not at hand, from its own unlimited network runs (diskCurveFromRows, as
 * bench/disk-curve.ts --source-rows scored it):
 *
 *   node dist/bench/add-disk-curve.js --model data/models/default.json --rows data/validation/rows.csv.gz
 *
 * Only the bundle's `hardware.diskCurve` changes; the model is not refitted. Refuses a bundle that
 * already has a curve (unless --force), a curve file of another machine id, and a bundle without a
 * disk rate.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { HardwareFingerprint } from '../src/dataset/schema.js';
import { readHardwareFile } from '../src/predict/model-bundle.js';
import { flag, hasFlag } from './args.js';
import { anchorDiskCurve, diskCurveFromRows } from '../src/dataset/disk-curve.js';
import { readDataset } from '../src/dataset/files.js';

const model = flag('model', 'data/models/hostB.json');
const curvePath = flag('curve', 'data/diskcurve/B-none.hardware.json');
const rowsPath = flag('rows', '');
const bundle = JSON.parse(readFileSync(model, 'utf8')) as { hardware: HardwareFingerprint };
const hw = bundle.hardware;
if (hw.diskCurve && !hasFlag('force')) throw new Error(`${model} already has hardware.diskCurve (--force replaces it)`);
if (rowsPath) {
  const c = diskCurveFromRows(
    (await readDataset(rowsPath)).rows,
    hw.id,
    256 * 2 ** 20,
    hw.diskReadBytesPerSec,
    `${rowsPath} (median load per layer, unlimited)`,
  );
  if (!c) throw new Error(`${rowsPath}: too few unlimited layers of ${hw.id} in some size band for a disk curve`);
  hw.diskCurve = c;
  writeFileSync(model, `${JSON.stringify(bundle)}\n`);
  console.log(`${model}: hardware.diskCurve = ${JSON.stringify(hw.diskCurve)}`);
  process.exit(0);
}
const measured = readHardwareFile(curvePath);
if (measured.id !== hw.id) throw new Error(`${curvePath} is machine ${measured.id}, the bundle's is ${hw.id}`);
const c = measured.diskCurve;
if (!c) throw new Error(`${curvePath}: no diskCurve`);
if (hw.diskReadBytesPerSec === null) throw new Error(`${model}: no disk rate to anchor the curve to`);
const anchored = anchorDiskCurve(c, hw.diskReadBytesPerSec);
hw.diskCurve = {
  ...anchored,
  source: `${curvePath} (measured ${measured.measuredAt ?? '?'}), anchored to this fingerprint's disk rate (x${(anchored.ms[0]! / c.ms[0]!).toFixed(3)})`,
};
writeFileSync(model, `${JSON.stringify(bundle)}\n`);
console.log(`${model}: hardware.diskCurve = ${JSON.stringify(hw.diskCurve)}`);
