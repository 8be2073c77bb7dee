// Exploratory (every set here is seen): the session term with the sessions evictable. A network of L
// layers keeps K = (L - 1) x s of sessions; the current term predicts every layer at M - K. Here
// the sessions stay resident only as far as there is room beside the network's largest working set
// (K_eff = min(K, max(0, M - idle - wsMax))), every layer is predicted at M - K_eff, and the evicted
// part (K - K_eff) is faulted back once per pass at r ms per MiB, r fitted by least squares on the
// other sets' residuals (leave one set out). After `npm run build`:
//   node dist/bench/session-cap.js [--model data/models/hostB.json] [--sets a.csv.gz,...]
import { readFileSync } from 'node:fs';
import { readDataset } from '../src/dataset/files.js';
import { aggregateRows, statsOptions } from '../src/models/observations.js';
import { loadModel } from '../src/models/index.js';
import { layerStats } from '../src/features/layer.js';
import type { HardwareFingerprint } from '../src/dataset/schema.js';
import { SESSION_BYTES } from '../src/models/types.js';
import { median } from '../src/stats.js';
import { flag } from './args.js';
import { validationRuns, type NetRun } from '../src/models/network-runs.js';

const MiB = 2 ** 20;
const doc = JSON.parse(readFileSync(flag('model', 'data/models/hostB.json'), 'utf8')) as {
  model: { context: Record<string, unknown> };
  hardware: HardwareFingerprint;
};
const withTerm = loadModel(doc.model);
// the same model without the session term: layers are then predicted at the memory they are given
const noTerm = loadModel({ ...doc.model, context: { ...doc.model.context, sessionBytesPerLayer: 0 } });
const sets = flag(
  'sets',
  'data/heldout7/whole/rows.csv.gz,data/heldout7/knee/rows.csv.gz,data/heldout9/whole/rows.csv.gz,data/heldout9/knee/rows.csv.gz,data/heldout10/whole/rows.csv.gz,data/heldout10/knee/rows.csv.gz,data/heldout11/knee/rows.csv.gz,data/heldout12/whole/rows.csv.gz,data/heldout12/knee/rows.csv.gz',
).split(',');
const total = (m: typeof noTerm, r: NetRun, memOf: (M: number) => number): number => {
  let s = 0;
  for (const o of r.obs) {
    const p = m.predict({ ...o, memoryBytes: r.limit === null ? o.memoryBytes : memOf(o.memoryBytes), networkLayers: r.obs.length });
    s += p.loadMs + p.runMs + p.unloadMs;
  }
  return s;
};
const COLDS = flag('cold', '0,16,32,48,64,80').split(',').map(Number);
interface Row {
  cold: number;
  set: string;
  net: string;
  level: string;
  meas: number;
  term: number;
  capped: number;
  evictedMiB: number;
}
const rows: Row[] = [];
for (const set of sets) {
  const ds = await readDataset(set);
  const hw = new Map<string, HardwareFingerprint>([...ds.hardware, doc.hardware].map((h) => [h.id, h]));
  const levels = set.includes('/knee/') ? [0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.3] : [1, 0.5];
  for (const r of validationRuns(ds.rows, aggregateRows(ds.rows, hw), levels)) {
    const h = r.obs[0]!.hardware;
    const K = (r.obs.length - 1) * SESSION_BYTES;
    const wsMax = Math.max(...r.obs.map((o) => layerStats(o.layer, statsOptions(h)).workingSetBytes));
    const term = total(withTerm, r, (M) => M);
    for (const cold of COLDS) {
      const kEff = r.limit === null ? K : Math.min(K, Math.max(0, r.limit - (h.runtimeIdleBytes ?? 0) + cold * MiB - wsMax));
      rows.push({
        cold,
        set,
        net: r.network,
        level: r.level,
        meas: r.medianMs,
        term,
        capped: total(noTerm, r, (M) => Math.max(1, M - kEff)),
        evictedMiB: r.limit === null ? 0 : (K - kEff) / MiB,
      });
    }
  }
}
const gm = (a: number[]): number => Math.exp(a.reduce((s, v) => s + Math.log(v), 0) / a.length);
const score = (q: number[]): string => {
  const ape = q.map((v) => Math.abs(v - 1));
  return `${(100 * median(ape)).toFixed(1)}% ${ape.filter((a) => a <= 0.2).length}/${q.length} bias ${gm(q).toFixed(2)}`;
};
console.log('set: the session term as is | capped, no refault | capped + r (from the other sets) x evicted MiB');
for (const cold of COLDS) {
  console.log(`cold ${cold} MiB (the idle footprint's part that is evicted before any session)`);
  const all: number[][] = [[], [], []];
  for (const set of sets) {
    const rest = rows.filter((x) => x.cold === cold && x.set !== set && x.evictedMiB > 0);
    const r = Math.max(0, rest.reduce((s, x) => s + (x.meas - x.capped) * x.evictedMiB, 0) / rest.reduce((s, x) => s + x.evictedMiB ** 2, 0));
    const mine = rows.filter((x) => x.cold === cold && x.set === set);
    const q = [mine.map((x) => x.term / x.meas), mine.map((x) => x.capped / x.meas), mine.map((x) => (x.capped + r * x.evictedMiB) / x.meas)];
    q.forEach((v, i) => all[i]!.push(...v));
    console.log(`  ${set}: ${score(q[0]!)} | ${score(q[1]!)} | r ${r.toFixed(2)} ms/MiB: ${score(q[2]!)}`);
  }
  console.log(`  all sets: ${score(all[0]!)} | ${score(all[1]!)} | ${score(all[2]!)}`);
}
