/**
 * Each run of a held-out set, predicted / measured by several models zero-shot (moved to the set's
 * hardware-start.json, as `predict` answers there): where bench/heldout.ts gives each model's
 * summary, this gives the runs behind it side by side. A diagnostic for docs/MODELS.md.
 *
 *   node dist/bench/per-network.js --set heldout27 [--part whole|knee] --models data/models/hostB-sleep.json,data/models/hostD-cold2.json
 */
import { readFileSync } from 'node:fs';
import { readDataset } from '../src/dataset/files.js';
import type { HardwareFingerprint } from '../src/dataset/schema.js';
import { aggregateRows } from '../src/models/observations.js';
import { predictRun, validationRuns } from '../src/models/network-runs.js';
import { readModelBundle } from '../src/predict/model-bundle.js';
import { transferBundle } from '../src/predict/zero-shot.js';
import { flag } from './args.js';

const set = flag('set', 'heldout27');
const part = flag('part', 'whole');
if (part !== 'whole' && part !== 'knee') throw new Error(`--part ${part}: use whole or knee`);
const models = flag('models', 'data/models/default.json').split(',');
const ds = await readDataset(`data/${set}/${part}/rows.csv.gz`);
const hw = new Map(ds.hardware.map((h) => [h.id, h]));
const runs = validationRuns(ds.rows, aggregateRows(ds.rows, hw), part === 'whole' ? [1, 0.5] : [0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.3]);
const start = JSON.parse(readFileSync(`data/${set}/hardware-start.json`, 'utf8')) as HardwareFingerprint | HardwareFingerprint[];
const target = Array.isArray(start) ? start[0]! : start;
const bundles = models.map((m) => transferBundle(readModelBundle(m), target));
console.log(`| network | level | measured ms | ${models.join(' | ')} |`);
console.log(`|---|---|---|${models.map(() => '---').join('|')}|`);
for (const r of runs)
  console.log(`| ${r.network} | ${r.level} | ${r.medianMs.toFixed(0)} | ${bundles.map((b) => (predictRun(b.model, r) / r.medianMs).toFixed(2)).join(' | ')} |`);
