/**
 * The zero-shot transfer's sigma factor (TRANSFER_SIGMA_PER_LOG) against retired scorings: for each
 * retired held-out set (data/heldout16 .. data/heldout25, the sets retired when the factor was fitted, and data/hostD-dev, every sub-folder with
 * rows.csv.gz: whole networks at 1x / 0.5x / none, knee sweeps at 0.6x-1.3x) and each model, the
 * model moved to the runs' fingerprint as `predict` does, its network interval widened with factor k
 * instead of the shipped one, and the share of runs whose measured median falls inside. Prints the
 * coverage per set and k, pooled and with each set weighted equally. Nothing is fitted on the runs
 * but this one factor; the sets are retired (each was scored once before).
 *
 *   node dist/bench/transfer-sigma.js [--models data/models/default.json,data/models/hostC.json]
 */
import { existsSync, readdirSync } from 'node:fs';
import { readDataset } from '../src/dataset/files.js';
import { aggregateRows } from '../src/models/observations.js';
import { validationRuns } from '../src/models/network-runs.js';
import { transferDistance, transferRatios } from '../src/models/transfer.js';
import { readModelBundle } from '../src/predict/model-bundle.js';
import { transferBundle, widenCalibration } from '../src/predict/zero-shot.js';
import { flag } from './args.js';
import { score } from './scoring.js';

const models = flag('models', 'data/models/default.json,data/models/hostC.json').split(',');
const KNEE = [0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.3];
const KS = [0, 0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25];
const SET = /^heldout(1[6-9]|2[0-5])$|^hostD-dev$/; // the sets retired when the factor was fitted (2026-12-03)

const sets = readdirSync('data')
  .filter((d) => SET.test(d))
  .sort()
  .flatMap((d) =>
    readdirSync(`data/${d}`)
      .filter((s) => existsSync(`data/${d}/${s}/rows.csv.gz`))
      .map((s) => `${d}/${s}`),
  );
const perSet: number[][] = []; // per (set, model): coverage at each k
let pooledN = 0;
const pooledCovered = KS.map(() => 0);
const lines: string[] = [];
for (const s of sets) {
  const ds = await readDataset(`data/${s}/rows.csv.gz`);
  const target = ds.hardware[0];
  if (!target) continue;
  const runs = validationRuns(ds.rows, aggregateRows(ds.rows, new Map(ds.hardware.map((h) => [h.id, h]))), s.endsWith('knee') ? KNEE : [1, 0.5]);
  if (!runs.length) continue;
  for (const m of models) {
    const b = readModelBundle(m);
    const moved = transferBundle(b, target);
    const distance = transferDistance(transferRatios(b.fittedOn ?? b.hardware, target));
    const cov = KS.map((k, j) => {
      const widened = { ...moved, calibration: b.calibration ? widenCalibration(b.calibration, k * distance) : null };
      const n = runs.filter((r) => {
        const x = score(widened, r);
        return x.interval !== null && r.medianMs >= x.interval[0] && r.medianMs <= x.interval[1];
      }).length;
      pooledCovered[j]! += n;
      return n / runs.length;
    });
    pooledN += runs.length;
    perSet.push(cov);
    lines.push(`| ${s} | ${m} | ${distance.toFixed(2)} | ${runs.length} | ${cov.map((c) => `${(100 * c).toFixed(0)}%`).join(' | ')} |`);
  }
}
const pc = (x: number): string => `${(100 * x).toFixed(1)}%`;
console.log(`## The transfer's sigma factor against retired zero-shot scorings (bench/transfer-sigma.ts)

Each retired set's runs (data/heldout16-25 and data/hostD-dev, every folder with rows.csv.gz) scored with the model moved to the runs' fingerprint, its 90% interval widened by sigma = k x the distance (sum of |ln ratio|, docs/MODELS.md), for several k: the share of runs whose measured median falls inside. The shipped factor is the least round k covering at least 90%. Evaluated ${new Date().toISOString().slice(0, 16)}Z by \`node dist/bench/transfer-sigma.js\`.
`);
console.log(`| set | model | distance (sum of ln ratios) | runs | ${KS.map((k) => `k ${k}`).join(' | ')} |`);
console.log(`|---|---|---|---|${KS.map(() => '---|').join('')}`);
console.log(lines.join('\n'));
console.log(`| pooled | | | ${pooledN} | ${pooledCovered.map((c) => pc(c / pooledN)).join(' | ')} |`);
console.log(`| each set equally | | | ${perSet.length} sets | ${KS.map((_, j) => pc(perSet.reduce((a, c) => a + c[j]!, 0) / perSet.length)).join(' | ')} |`);
