// Exploratory (every network here is seen): can layers measured inside whole networks correct the
// isolated-layer base? Leave one network out over the unlimited whole-network runs of host B: for
// each network, small trees fitted on the other networks' in-network layer medians (per phase,
// ln(in-network / isolated base) on the layer's features) correct its layers, and a skew factor
// (median pass total / sum of layer medians, geometric mean over the others) turns the sum into a
// pass total. Against the model as shipped (isolated base x total factor). After `npm run build`:
//   node dist/bench/innet-base.js [--model data/models/hostB.json] [--sets a.csv.gz,...] [--fold network|set] [--layers-feature no|yes]
import { readFileSync } from 'node:fs';
import { readDataset } from '../src/dataset/files.js';
import { aggregateRows, type LayerObservation } from '../src/models/observations.js';
import { loadModel } from '../src/models/index.js';
import { inNetworkFeatures, IN_NETWORK_EPS_MS } from '../src/models/fe-swap/in-network.js';
import { fitGbt, predictGbt } from '../src/models/gbt.js';
import type { HardwareFingerprint } from '../src/dataset/schema.js';
import { median } from '../src/stats.js';
import { flag } from './args.js';
import { validationRuns } from '../src/models/network-runs.js';

const doc = JSON.parse(readFileSync(flag('model', 'data/models/hostB.json'), 'utf8')) as {
  model: { context: { totalFactor: number } };
  hardware: HardwareFingerprint;
};
const model = loadModel(doc.model);
const tf = doc.model.context.totalFactor;
const sets = flag(
  'sets',
  'data/hostB/context/rows.csv.gz,data/hostB/validation/rows.csv.gz,data/heldout7/whole/rows.csv.gz,data/heldout9/whole/rows.csv,data/heldout10/whole/rows.csv',
).split(',');
const PH = ['loadMs', 'runMs', 'unloadMs'] as const;
// the correction's own features and offset (src/models/fe-swap/in-network.ts), with ln L inserted before ln base by --layers-feature yes
const EPS = IN_NETWORK_EPS_MS;
interface Net {
  name: string;
  set: string;
  medianPass: number;
  layers: { o: LayerObservation; lnL: number; base: number[]; meas: number[] }[];
}
const nets: Net[] = [];
for (const set of sets) {
  const ds = await readDataset(set);
  const hw = new Map<string, HardwareFingerprint>([...ds.hardware, doc.hardware].map((h) => [h.id, h]));
  for (const r of validationRuns(ds.rows, aggregateRows(ds.rows, hw), [4, 1, 0.5])) {
    if (r.limit !== null) continue;
    const L = r.obs.length;
    nets.push({
      name: r.network,
      set,
      medianPass: r.medianMs,
      layers: r.obs.map((o: LayerObservation) => {
        const p = model.predict({ ...o, networkLayers: L });
        return { o, lnL: Math.log(L), base: PH.map((k) => p[k] / tf), meas: PH.map((k) => o[k] ?? 0) };
      }),
    });
  }
}
const gm = (a: number[]): number => Math.exp(a.reduce((s, v) => s + Math.log(v), 0) / a.length);
const sumBase = (n: Net): number => n.layers.reduce((s, l) => s + l.base[0]! + l.base[1]! + l.base[2]!, 0);
const sumMeas = (n: Net): number => n.layers.reduce((s, l) => s + l.meas[0]! + l.meas[1]! + l.meas[2]!, 0);
const withNetLayers = flag('layers-feature', 'no') === 'yes';
const features = (l: Net['layers'][number], ph: number): number[] => {
  const f = inNetworkFeatures(l.o, l.base[ph]!, EPS);
  return withNetLayers ? [...f.slice(0, 6), l.lnL, f[6]!] : f;
};
// folds: one network (default) or one whole dataset (--fold set: a session's drift leaves with its networks)
const bySet = flag('fold', 'network') === 'set';
const rows: { name: string; meas: number; shipped: number; corrected: number; tfOnly: number; tfReg: number }[] = [];
// ln(median pass / sum of the isolated base) regressed on ln(mean base ms per layer): small layers' right-skewed times
const meanLayer = (n: Net): number => Math.log(sumBase(n) / n.layers.length);
for (const test of nets) {
  const train = nets.filter((n) => (bySet ? n.set !== test.set : n !== test));
  // the shipped model's total factor, refit on these networks alone (the same estimator, so the comparison is like for like)
  const tfTrain = gm(train.map((n) => n.medianPass / sumBase(n)));
  const xs = train.map(meanLayer);
  const ys = train.map((n) => Math.log(n.medianPass / sumBase(n)));
  const mx = xs.reduce((a, v) => a + v, 0) / xs.length;
  const my = ys.reduce((a, v) => a + v, 0) / ys.length;
  const beta = xs.reduce((a, v, i) => a + (v - mx) * (ys[i]! - my), 0) / xs.reduce((a, v) => a + (v - mx) ** 2, 0);
  const tfReg = Math.exp(my + beta * (meanLayer(test) - mx)) * sumBase(test);
  if (test === nets[0]) console.log(`beta (first fold) ${beta.toFixed(3)}`);
  const pred = test.layers.map((l) => [...l.base]);
  for (let ph = 0; ph < 3; ph++) {
    const X: number[][] = [];
    const y: number[] = [];
    for (const n of train)
      for (const l of n.layers) {
        X.push(features(l, ph));
        y.push(Math.log((l.meas[ph]! + EPS) / (l.base[ph]! + EPS)));
      }
    const trees = fitGbt(X, y, { nTrees: 150, maxDepth: 3, learningRate: 0.1, minSamplesLeaf: 40, seed: 1 });
    test.layers.forEach((l, i) => {
      const r = predictGbt(trees, features(l, ph));
      pred[i]![ph] = Math.max(0, (l.base[ph]! + EPS) * Math.exp(r) - EPS);
    });
  }
  // skew: median pass / sum of layer medians, over the training networks
  const skew = gm(train.map((n) => n.medianPass / sumMeas(n)));
  const corrected = skew * pred.reduce((s, p) => s + p[0]! + p[1]! + p[2]!, 0);
  rows.push({ name: test.name, meas: test.medianPass, shipped: tf * sumBase(test), tfOnly: tfTrain * sumBase(test), corrected, tfReg });
}
const report = (k: 'shipped' | 'tfOnly' | 'corrected' | 'tfReg'): string => {
  const q = rows.map((r) => r[k] / r.meas);
  const ape = q.map((v) => Math.abs(v - 1));
  return `median APE ${(100 * median(ape)).toFixed(1)}%, within 20% ${ape.filter((a) => a <= 0.2).length}/${q.length}, bias ${gm(q).toFixed(3)}`;
};
console.log('network measured shipped(in-sample tf) tf-loo corrected-loo tf-by-layer-size-loo');
for (const r of rows) console.log(r.name, r.meas.toFixed(0), r.shipped.toFixed(0), r.tfOnly.toFixed(0), r.corrected.toFixed(0), r.tfReg.toFixed(0));
console.log(`shipped (tf fitted on the 6 context networks): ${report('shipped')}`);
console.log(`total factor only, leave one out:             ${report('tfOnly')}`);
console.log(`in-network correction, leave one out:          ${report('corrected')}`);
console.log(`total factor by mean layer ms, leave one out:  ${report('tfReg')}`);
