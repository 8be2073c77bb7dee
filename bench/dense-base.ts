// Where the no-swap part of knee networks goes missing (a description, nothing fitted): dense layers'
// load and run, measured against the model as fitted, by weight size, (1) in the reference profile the
// model was fitted on (each layer alone, no limit) and (2) inside the knee networks at the limits
// where nothing swaps (1.1-1.3x, no swapped bytes). Why (2026-12-04, docs/MODELS.md "What #35
// leaves"): the default reads knee networks 4-15% fast where nothing swaps, and the layers that
// carry it are the large dense ones.
// After `npm run build`:
//   node dist/bench/dense-base.js --reference data/hostD-cold2/reference/rows.csv.gz
//        --sets heldout24,...,heldout35 [--model data/models/default.json]
import { readFileSync } from 'node:fs';
import { readDataset } from '../src/dataset/files.js';
import type { HardwareFingerprint, MeasurementRow } from '../src/dataset/schema.js';
import { layerStats } from '../src/features/layer.js';
import { loadModel } from '../src/models/index.js';
import { aggregateRows, statsOptions, type LayerObservation } from '../src/models/observations.js';
import { runQueries, validationRuns } from '../src/models/network-runs.js';
import type { Model } from '../src/models/types.js';
import { KNEE_FACTORS } from './scoring.js';
import { flag } from './args.js';

const MiB = 1024 * 1024;
const BINS: [number, number][] = [
  [0, 100],
  [100, 200],
  [200, 330],
  [330, Infinity],
];

interface Pair {
  mib: number;
  measured: { load: number; run: number };
  predicted: { load: number; run: number };
}

function pair(model: Model, q: LayerObservation & { networkLayers?: number; networkMaxWorkingSetBytes?: number }): Pair {
  const p = model.predict(q);
  return {
    mib: layerStats(q.layer, statsOptions(q.hardware)).weightBytes / MiB,
    measured: { load: q.loadMs, run: q.runMs },
    predicted: { load: p.loadMs, run: p.runMs },
  };
}

function table(title: string, pairs: Pair[]): string[] {
  const out = [`${title}`, '', '| weights | layers | load measured / predicted (mean ms) | run measured / predicted (mean ms) |', '|---|---|---|---|'];
  for (const [lo, hi] of BINS) {
    const xs = pairs.filter((x) => x.mib >= lo && x.mib < hi);
    if (xs.length === 0) continue;
    const mean = (f: (x: Pair) => number): number => xs.reduce((s, x) => s + f(x), 0) / xs.length;
    const [ml, pl, mr, pr] = [mean((x) => x.measured.load), mean((x) => x.predicted.load), mean((x) => x.measured.run), mean((x) => x.predicted.run)];
    const range = hi === Infinity ? `>= ${lo} MiB` : `${lo}-${hi} MiB`;
    out.push(
      `| ${range} | ${xs.length} | ${(ml / pl).toFixed(2)} (${ml.toFixed(0)} / ${pl.toFixed(0)}) | ${(mr / pr).toFixed(2)} (${mr.toFixed(0)} / ${pr.toFixed(0)}) |`,
    );
  }
  return out;
}

const modelPath = flag('model', 'data/models/default.json');
const doc = JSON.parse(readFileSync(modelPath, 'utf8')) as { model: unknown; hardware: HardwareFingerprint };
const model = loadModel(doc.model);
// every row read with the model's own fingerprint beside its own (as fitted, as knee-relative reads it)
const observe = async (path: string): Promise<{ rows: MeasurementRow[]; obs: LayerObservation[] }> => {
  const ds = await readDataset(path);
  const hw = new Map<string, HardwareFingerprint>([...ds.hardware, doc.hardware].map((h) => [h.id, h]));
  return { rows: ds.rows, obs: aggregateRows(ds.rows, hw) };
};

const lines: string[] = [];
const reference = flag('reference', 'data/hostD-cold2/reference/rows.csv.gz');
const ref = await observe(reference);
const alone = ref.obs
  .filter((o) => o.memoryLimitBytes === null && o.layerType === 'dense')
  .map((o) => pair(model, { ...o, networkLayers: 1, networkMaxWorkingSetBytes: 0 }));
lines.push(...table(`Dense layers alone, no limit (${reference}; the model's training data):`, alone), '');
const sets = flag('sets', '')
  .split(',')
  .filter((s) => s !== '');
const inNetwork: Pair[] = [];
for (const set of sets) {
  const { rows, obs } = await observe(`data/${set}/knee/rows.csv.gz`);
  for (const run of validationRuns(rows, obs, KNEE_FACTORS).filter((r) => ['1.1x', '1.2x', '1.3x'].includes(r.level)))
    for (const q of runQueries(run)) if (q.layerType === 'dense' && q.swapBytes === 0) inNetwork.push(pair(model, q));
}
if (sets.length > 0) lines.push(...table(`Dense layers inside knee networks at 1.1-1.3x, nothing swapped (${sets.join(', ')}):`, inNetwork));
console.log(`Model ${modelPath}, as fitted.\n\n${lines.join('\n')}`);
