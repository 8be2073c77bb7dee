// Where a model's swap term misses on knee sweeps, apart from its base: per knee network, predicted /
// measured at each limit divided by the same ratio at the limits where nothing swaps (the geometric
// mean over 1.1x-1.3x), with the network's layer count. A machine that runs slower or faster than the
// fingerprint moves every limit of a network alike and cancels here; what is left is the swap term's
// own error (> 1: the swap is predicted slow). The model is read as fitted (its own fingerprint). Why
// (2026-12-03, docs/MODELS.md "What #32 and #33 leave for issue 11"): the per-limit bias averages
// networks whose deep-swap errors have opposite signs.
// After `npm run build`:
//   node dist/bench/knee-relative.js --sets heldout24,heldout25 [--model data/models/default.json]
import { readFileSync } from 'node:fs';
import { readDataset } from '../src/dataset/files.js';
import { aggregateRows } from '../src/models/observations.js';
import { loadModel } from '../src/models/index.js';
import type { HardwareFingerprint } from '../src/dataset/schema.js';
import { predictRun, validationRuns } from '../src/models/network-runs.js';
import { KNEE_FACTORS } from './scoring.js';
import { flag } from './args.js';

const gm = (a: number[]): number => Math.exp(a.reduce((x, y) => x + Math.log(y), 0) / a.length);
const modelPath = flag('model', 'data/models/default.json');
const sets = flag('sets', '')
  .split(',')
  .filter((s) => s !== '');
if (sets.length === 0) throw new Error('knee-relative: --sets heldout24,heldout25,... (sets with knee/rows.csv.gz) is required');
const doc = JSON.parse(readFileSync(modelPath, 'utf8')) as { model: unknown; hardware: HardwareFingerprint };
const model = loadModel(doc.model);
const swapLevels = KNEE_FACTORS.filter((f) => f < 1).map((f) => `${f}x`);
console.log(`| set | network | layers | no-swap ratio (1.1-1.3x) | ${swapLevels.join(' | ')} |`);
console.log(`|---|---|---|---|${swapLevels.map(() => '---|').join('')}`);
for (const set of sets) {
  const ds = await readDataset(`data/${set}/knee/rows.csv.gz`);
  // the model's own fingerprint for every run (as fitted), as knee-score reads it
  const hw = new Map<string, HardwareFingerprint>([...ds.hardware, doc.hardware].map((h) => [h.id, h]));
  const runs = validationRuns(ds.rows, aggregateRows(ds.rows, hw), KNEE_FACTORS);
  for (const net of [...new Set(runs.map((r) => r.network))].sort()) {
    const q = new Map(runs.filter((r) => r.network === net).map((r) => [r.level, predictRun(model, r) / r.medianMs]));
    const base = gm(['1.1x', '1.2x', '1.3x'].flatMap((l) => (q.has(l) ? [q.get(l)!] : [])));
    const layers = runs.find((r) => r.network === net)!.obs.length;
    const rel = swapLevels.map((l) => (q.has(l) ? (q.get(l)! / base).toFixed(2) : '-'));
    console.log(`| ${set.replace(/^heldout/, '#')} | ${net} | ${layers} | ${base.toFixed(2)} | ${rel.join(' | ')} |`);
  }
}
