/**
 * Zero-shot bias by memory level of bundles on the emulated machines' whole-network runs of several
 * sets, through transferBundle with each machine's own fingerprint (rows.hardware.json beside its
 * rows): what `predict` answers there, curves included where both sides have one. Used to judge a
 * transfer rule on retired sets before a held-out set is planned (docs/MODELS.md "Sessions and
 * threads"). After `npm run build`:
 *   node dist/bench/zero-shot-sets.js --models data/models/hostB.json[,b.json] --sets heldout5,heldout6 [--machines B-none,B-E1,B-E2,B-E3b]
 */
import { existsSync, readFileSync } from 'node:fs';
import { readDataset } from '../src/dataset/files.js';
import type { HardwareFingerprint } from '../src/dataset/schema.js';
import { aggregateRows } from '../src/models/observations.js';
import { readModelBundle } from '../src/predict/model-bundle.js';
import { transferBundle } from '../src/predict/zero-shot.js';
import { flag } from './args.js';
import { validationRuns } from '../src/models/network-runs.js';
import { byLevel, pct, score, summary } from './scoring.js';

const models = flag('models', 'data/models/hostB.json').split(',');
const sets = flag('sets', 'heldout5,heldout6,heldout15,heldout16').split(',');
const machines = flag('machines', 'B-none,B-E1,B-E2,B-E3b').split(',');

console.log(`| set | machine | ${models.map((m) => `${m}: median error [bias by level]`).join(' | ')} |`);
console.log(`|---|---|${models.map(() => '---').join('|')}|`);
for (const s of sets) {
  for (const m of machines) {
    const p = [`data/${s}/${m}/rows.csv.gz`, `data/${s}/${m}/whole/rows.csv.gz`, `data/${s}/${m}/rows.csv`].find((x) => existsSync(x));
    if (!p) continue;
    const fp = (JSON.parse(readFileSync(p.replace(/rows\.csv(\.gz)?$/, 'rows.hardware.json'), 'utf8')) as HardwareFingerprint[])[0]!;
    const ds = await readDataset(p);
    const runs = validationRuns(ds.rows, aggregateRows(ds.rows, new Map(ds.hardware.map((h) => [h.id, h]))), [1, 0.5]);
    const cells = models.map((mp) => {
      const b = transferBundle(readModelBundle(mp), fp);
      const sc = runs.map((r) => score(b, r));
      const lv = [...byLevel(sc)]
        .sort((x, y) => x[0].localeCompare(y[0]))
        .map(([l, x]) => `${l} ${summary(x).bias.toFixed(2)}`)
        .join(', ');
      return `${pct(summary(sc).medianApe)} [${lv}]`;
    });
    console.log(`| ${s} | ${m} | ${cells.join(' | ')} |`);
  }
}
