// Exploratory, in-sample (every set here is seen): how the shipped host-B model's knee error moves
// when each limited run's memory is reduced by s bytes per layer of the network, i.e. when the
// worker's prepared sessions (one per layer, ~130 KiB each by SESSION_BYTES, measured on a
// ReLU chain) are counted as memory the network keeps. The model is not refit (its context was fitted
// with s = 0). After `npm run build`:
//   node dist/bench/session-shift.js [--model data/models/hostB.json] [--sets a.csv.gz,b.csv.gz]
import { readFileSync } from 'node:fs';
import { readDataset } from '../src/dataset/files.js';
import { aggregateRows } from '../src/models/observations.js';
import { loadModel } from '../src/models/index.js';
import type { HardwareFingerprint } from '../src/dataset/schema.js';
import { median } from '../src/stats.js';
import { flag } from './args.js';
import { predictRun, validationRuns } from '../src/models/network-runs.js';

const modelPath = flag('model', 'data/models/hostB.json');
const doc = JSON.parse(readFileSync(modelPath, 'utf8')) as { model: Parameters<typeof loadModel>[0]; hardware: HardwareFingerprint };
const model = loadModel(doc.model);
const sets = flag('sets', 'data/heldout10/knee/rows.csv.gz,data/heldout9/knee/rows.csv.gz,data/hostB/knee/rows.csv.gz,data/heldout7/knee/rows.csv.gz').split(
  ',',
);
const KF = [0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.3];
const SHIFTS_KIB = [0, 32, 64, 96, 128, 192];
const gm = (a: number[]): number => Math.exp(a.reduce((x, y) => x + Math.log(y), 0) / a.length);

console.log(`model ${modelPath}; median APE [bias at ${KF.map((f) => `${f}x`).join(' ')}] per set and shift s per layer`);
for (const set of sets) {
  const ds = await readDataset(set);
  const hw = new Map<string, HardwareFingerprint>([...ds.hardware, doc.hardware].map((h) => [h.id, h]));
  const runs = validationRuns(ds.rows, aggregateRows(ds.rows, hw), KF);
  console.log(set);
  for (const sK of SHIFTS_KIB) {
    const q = runs.map((r) => {
      const shift = sK * 1024 * r.obs.length;
      const obs = r.limit === null ? r.obs : r.obs.map((o) => ({ ...o, memoryBytes: Math.max(o.memoryBytes - shift, 1) }));
      return { level: r.level, q: predictRun(model, { ...r, obs }) / r.medianMs };
    });
    const bias = KF.map((f) => gm(q.filter((x) => x.level === `${f}x`).map((x) => x.q)).toFixed(2));
    console.log(`  s ${String(sK).padStart(3)} KiB: ${(100 * median(q.map((x) => Math.abs(x.q - 1)))).toFixed(1)}% [${bias.join(' ')}]`);
  }
}
