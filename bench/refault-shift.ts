// Exploratory, in-sample (every set here is seen): does the knee error of a model follow the bytes a
// network keeps (its prepared sessions, (L - 1) x SESSION_BYTES) that its largest layer pushes out
// when it swaps, and that every later layer then faults back in? Per limited run:
//   D = max over layers of (idle + ws + (L - 1) s + ctx - M)+   (the deepest deficit in the pass)
//   E = min(D, (L - 1) s)                                       (kept bytes pushed out, refaulted)
// and the residual measured - predicted (ms) against E. After `npm run build`:
//   node dist/bench/refault-shift.js [--model data/models/hostB.json] [--sets a.csv.gz,b.csv.gz]
import { readFileSync } from 'node:fs';
import { readDataset } from '../src/dataset/files.js';
import { aggregateRows, statsOptions } from '../src/models/observations.js';
import { loadModel } from '../src/models/index.js';
import { layerStats } from '../src/features/layer.js';
import type { HardwareFingerprint } from '../src/dataset/schema.js';
import { SESSION_BYTES } from '../src/models/types.js';
import type { FeSwapModel } from '../src/models/fe-swap/model.js';
import { flag } from './args.js';
import { predictRun, validationRuns } from '../src/models/network-runs.js';

const MiB = 2 ** 20;
const modelPath = flag('model', 'data/models/hostB.json');
const doc = JSON.parse(readFileSync(modelPath, 'utf8')) as {
  model: { context?: { ctxMiB?: number } };
  hardware: HardwareFingerprint;
};
const model = loadModel(doc.model);
const fe = model as unknown as FeSwapModel;
const ctxMiB = doc.model.context?.ctxMiB ?? 0;
const sets = flag(
  'sets',
  'data/hostB/knee/rows.csv.gz,data/heldout7/knee/rows.csv.gz,data/heldout9/knee/rows.csv.gz,data/heldout10/knee/rows.csv.gz,data/heldout11/knee/rows.csv.gz',
).split(',');
const KF = [0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.3];
const all: { set: string; net: string; level: string; meas: number; pred: number; eMiB: number; dMiB: number; L: number }[] = [];
for (const set of sets) {
  const ds = await readDataset(set);
  const hw = new Map<string, HardwareFingerprint>([...ds.hardware, doc.hardware].map((h) => [h.id, h]));
  for (const r of validationRuns(ds.rows, aggregateRows(ds.rows, hw), KF)) {
    if (r.limit === null) continue;
    const L = r.obs.length;
    const kept = (L - 1) * SESSION_BYTES;
    const h = r.obs[0]!.hardware;
    const idle = h.runtimeIdleBytes ?? 0;
    let d = 0;
    for (const o of r.obs) {
      // the layer's own deficit as the model's run term places it: offset b of its kernel family
      const fam = fe.keyOf(o).fam;
      const b = (fe.data.physical?.run?.[fam]?.offsetMiB ?? 0) * MiB;
      d = Math.max(d, idle + b + layerStats(o.layer, statsOptions(h)).workingSetBytes + kept + ctxMiB * MiB - r.limit);
    }
    all.push({ set, net: r.network, level: r.level, meas: r.medianMs, pred: predictRun(model, r), eMiB: Math.min(d, kept) / MiB, dMiB: d / MiB, L });
  }
}
console.log('set network level L measured predicted residual_ms D_MiB E_MiB');
for (const x of all)
  console.log(
    [x.set.split('/')[1], x.net, x.level, x.L, x.meas.toFixed(0), x.pred.toFixed(0), (x.meas - x.pred).toFixed(0), x.dMiB.toFixed(0), x.eMiB.toFixed(1)].join(
      ' ',
    ),
  );
// least squares through the origin of the residual on E, and what it leaves by level
const withE = all.filter((x) => x.eMiB > 0);
const r = withE.reduce((s, x) => s + (x.meas - x.pred) * x.eMiB, 0) / withE.reduce((s, x) => s + x.eMiB * x.eMiB, 0);
console.log(`slope: ${r.toFixed(1)} ms per MiB pushed out (${withE.length} runs with E > 0 of ${all.length})`);
const gm = (a: number[]): number => Math.exp(a.reduce((s, y) => s + Math.log(y), 0) / a.length);
// leave one set out: the slope from the other sets, the bias by level on this one
for (const set of sets) {
  const rest = all.filter((x) => x.set !== set && x.eMiB > 0);
  const k = rest.reduce((s, x) => s + (x.meas - x.pred) * x.eMiB, 0) / rest.reduce((s, x) => s + x.eMiB * x.eMiB, 0);
  const line = (slope: number): string =>
    KF.map((f) => {
      const q = all.filter((x) => x.set === set && x.level === `${f}x`).map((x) => (x.pred + slope * x.eMiB) / x.meas);
      return q.length ? gm(q).toFixed(2) : '-';
    }).join(' ');
  console.log(`${set}: slope from the others ${k.toFixed(1)} ms/MiB; bias without [${line(0)}] with [${line(k)}]`);
}
for (const slope of [0, r / 2, r]) {
  const bias = KF.map((f) => {
    const q = all.filter((x) => x.level === `${f}x`).map((x) => (x.pred + slope * x.eMiB) / x.meas);
    return q.length ? gm(q).toFixed(2) : '-';
  });
  console.log(`slope ${slope.toFixed(1)}: bias by level ${bias.join(' ')}`);
}
