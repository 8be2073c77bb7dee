// Error of one or more models on whole-network runs (knee sweeps by default), one line per (model,
// set): median APE, share within +-20% and bias (geometric mean of predicted / measured) by level. For model development on seen sets (e.g. a
// leave-one-set-out refit of the context); the pre-registered sets are scored by bench/heldout.ts.
// After `npm run build`:
//   node dist/bench/knee-score.js --models a.json,b.json --sets data/heldout11/knee/rows.csv.gz[,...] \
//     [--levels 0.6,0.7,0.8,0.9,1,1.1,1.2,1.3 | --levels 1,0.5 for whole-network sets, unlimited runs always included]
import { readFileSync } from 'node:fs';
import { readDataset } from '../src/dataset/files.js';
import { aggregateRows } from '../src/models/observations.js';
import { loadModel } from '../src/models/index.js';
import type { HardwareFingerprint } from '../src/dataset/schema.js';
import { median } from '../src/stats.js';
import { flag } from './args.js';
import { predictRun, validationRuns } from '../src/models/network-runs.js';

const KF = flag('levels', '0.6,0.7,0.8,0.9,1,1.1,1.2,1.3').split(',').map(Number);
const LABELS = [...KF.map((f) => `${f}x`), 'none'];
const gm = (a: number[]): number => Math.exp(a.reduce((x, y) => x + Math.log(y), 0) / a.length);
const models = flag('models', 'data/models/hostB.json').split(',');
const sets = flag('sets', '').split(',').filter(Boolean);
if (sets.length === 0) throw new Error('knee-score: --sets <knee rows, comma-separated> is required');
console.log(`median APE, within 20% [bias at ${LABELS.join(' ')}]`);
for (const set of sets) {
  const ds = await readDataset(set);
  for (const path of models) {
    const doc = JSON.parse(readFileSync(path, 'utf8')) as { model: Parameters<typeof loadModel>[0]; hardware: HardwareFingerprint };
    const model = loadModel(doc.model);
    const hw = new Map<string, HardwareFingerprint>([...ds.hardware, doc.hardware].map((h) => [h.id, h]));
    const q = validationRuns(ds.rows, aggregateRows(ds.rows, hw), KF).map((r) => ({ level: r.level, q: predictRun(model, r) / r.medianMs }));
    const bias = LABELS.map((f) => {
      const at = q.filter((x) => x.level === f).map((x) => x.q);
      return at.length ? gm(at).toFixed(2) : '-';
    });
    const ape = q.map((x) => Math.abs(x.q - 1));
    console.log(`${set} ${path}: ${(100 * median(ape)).toFixed(1)}%, ${ape.filter((a) => a <= 0.2).length}/${q.length} [${bias.join(' ')}]`);
  }
}
