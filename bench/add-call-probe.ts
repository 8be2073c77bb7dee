/**
 * Adds the per-call probe (src/dataset/call-probe.ts) to a bundle whose machine's fingerprint
 * predates it, from validation runs measured on that machine in the same session:
 *
 *   node dist/bench/add-call-probe.js --model data/models/default.json --data data/validation/rows.csv.gz
 *
 * Only the bundle's `hardware.callProbe` changes; the model is not refitted. Refuses a bundle that
 * already has a probe (unless --force) and data without the probe networks' unlimited runs on the
 * bundle's machine.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { callProbeFromRows } from '../src/dataset/call-probe.js';
import { readDataset } from '../src/dataset/files.js';
import { flag, hasFlag } from './args.js';

const model = flag('model', 'data/models/default.json');
const data = flag('data', 'data/validation/rows.csv.gz');
const bundle = JSON.parse(readFileSync(model, 'utf8')) as { hardware: { id: string; cores: number; callProbe?: unknown } };
if (bundle.hardware.callProbe && !hasFlag('force')) throw new Error(`${model} already has hardware.callProbe (--force replaces it)`);
const { rows } = await readDataset(data);
const probe = callProbeFromRows(rows, bundle.hardware.id, bundle.hardware.cores, `${data} (median pass, unlimited)`);
if (!probe) throw new Error(`${data}: no complete unlimited runs of the probe networks on ${bundle.hardware.id}`);
bundle.hardware.callProbe = probe;
writeFileSync(model, `${JSON.stringify(bundle)}\n`);
console.log(`${model}: hardware.callProbe = ${JSON.stringify(probe)}`);
