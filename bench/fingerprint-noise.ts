/**
 * How much a zero-shot score depends on which fingerprint of the same machine it is moved to: one
 * model, one set of whole-network runs, scored through the transfer (transferBundle) with each of
 * several fingerprints measured on that machine in one session. Nothing is fitted; the runs and the
 * model are as measured and shipped. Prints one line per fingerprint (median error, within ±20%,
 * bias by level) and the range.
 *
 *   node dist/bench/fingerprint-noise.js --model data/models/default.json \
 *     --runs data/heldout22/whole/rows.csv.gz [--levels 1,0.5] --fingerprints a.json,b.json,...
 *
 * --levels: the runs' validate-runs factors (1,0.5 for whole runs; 0.6,...,1.3 for knee sweeps).
 * A fingerprint file is `memlat hardware --json --out` or a dataset's rows.hardware.json (its last
 * entry). Why (docs/MODELS.md, "Held-out #22"): on host C the per-call probe's run time read
 * 215-260 ms within 40 minutes, and the default's zero-shot error on #22's whole networks moved
 * 6.9-21.4% with it (the GEMM probe, 62-105 GFLOP/s, did not move it).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { readDataset } from '../src/dataset/files.js';
import type { HardwareFingerprint } from '../src/dataset/schema.js';
import { aggregateRows } from '../src/models/observations.js';
import { validationRuns } from '../src/models/network-runs.js';
import { readModelBundle } from '../src/predict/model-bundle.js';
import { transferBundle } from '../src/predict/zero-shot.js';
import { byLevel, pct, score, summary } from './scoring.js';
import { flag } from './args.js';

const modelPath = flag('model', 'data/models/default.json');
const runsPath = flag('runs', '');
const levels = flag('levels', '1,0.5').split(',').map(Number);
const fps = flag('fingerprints', '')
  .split(',')
  .filter((p) => p !== '');
if (!runsPath || fps.length === 0) throw new Error('fingerprint-noise: give --runs <validate-runs rows> and --fingerprints a.json,b.json');

const bundle = readModelBundle(modelPath);
const ds = await readDataset(runsPath);
const runs = validationRuns(ds.rows, aggregateRows(ds.rows, new Map(ds.hardware.map((h) => [h.id, h]))), levels);
const medians: number[] = [];
console.log(`${modelPath} zero-shot on ${runsPath} (${runs.length} runs):`);
for (const p of fps) {
  const j = JSON.parse(readFileSync(p, 'utf8')) as HardwareFingerprint | HardwareFingerprint[];
  const h = Array.isArray(j) ? j[j.length - 1]! : j;
  const ss = runs.map((r) => score(transferBundle(bundle, h), r));
  const s = summary(ss);
  medians.push(s.medianApe);
  const probe = h.callProbe ? `, probe run ${h.callProbe.runMs.toFixed(0)} ms` : '';
  console.log(
    `  ${relative(process.cwd(), p)} (${h.measuredAt ?? '?'}: disk ${((h.diskReadBytesPerSec ?? NaN) / 2 ** 20).toFixed(0)} MiB/s, GEMM ${(h.gemmGflops ?? NaN).toFixed(0)} GFLOP/s${probe}): ` +
      `median ${pct(s.medianApe)}, within ±20% ${pct(s.within20)}, bias ${[...byLevel(ss)].map(([l, x]) => `${l} ${summary(x).bias.toFixed(2)}`).join(', ')}`,
  );
}
console.log(`median error over the ${fps.length} fingerprints: ${pct(Math.min(...medians))} - ${pct(Math.max(...medians))}`);
