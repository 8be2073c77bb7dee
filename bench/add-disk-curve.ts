/**
 * Adds the disk curve (src/dataset/disk-curve.ts) to a bundle whose machine's fingerprint predates
 * it, from fingerprints measured later on the same machine (`memlat hardware`, or the fingerprints
 * validate-runs writes beside its rows), unemulated: the per-size median of their curves, as
 * measured (medianDiskCurve: not anchored to the bundle's large probe, which held-out #15 showed
 * wrong for the small sizes):
 *
 *   node dist/bench/add-disk-curve.js --model data/models/hostB.json --curves a.hardware.json,b.hardware.json,...
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
import { diskCurveFromRows, medianDiskCurve } from '../src/dataset/disk-curve.js';
import { readDataset } from '../src/dataset/files.js';

const model = flag('model', 'data/models/hostB.json');
const curvePaths = flag('curves', '').split(',').filter(Boolean);
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
if (curvePaths.length === 0) throw new Error('give --curves a.hardware.json,... (fingerprints of the bundle machine with a diskCurve) or --rows');
const found = new Map<string, { path: string; hw: HardwareFingerprint }>();
for (const path of curvePaths) {
  const h = readHardwareFile(path);
  if (h.id !== hw.id) throw new Error(`${path} is machine ${h.id}, the bundle's is ${hw.id}`);
  if (h.emulation || !h.diskCurve)
    throw new Error(`${path}: ${h.emulation ? `emulated (${h.emulation})` : 'no diskCurve'}; give unemulated fingerprints with a curve`);
  found.set(h.measuredAt ?? path, { path, hw: h }); // one fingerprint copied into two files counts once
}
const list = [...found.values()];
const c = medianDiskCurve(
  list.map((f) => f.hw.diskCurve!),
  `median of ${list.length} curves measured on this machine: ${list.map((f) => `${f.path} (${f.hw.measuredAt ?? '?'})`).join(', ')}`,
);
if (!c) throw new Error(`no usable curves in ${curvePaths.join(', ')} (need unemulated fingerprints of ${hw.id} with diskCurve of the same sizes)`);
hw.diskCurve = c;
writeFileSync(model, `${JSON.stringify(bundle)}\n`);
console.log(`${model}: hardware.diskCurve = ${JSON.stringify(hw.diskCurve)}`);
