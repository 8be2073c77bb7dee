/**
 * How much longer each layer of a network's unlimited whole-network runs takes than the model's
 * isolated base predicts for it alone, per phase and by the base's size: median and sum of
 * measured / base over the layers. A base that measures layers as they run inside a network gives
 * ~1 everywhere. A diagnostic for docs/MODELS.md.
 *
 *   node dist/bench/in-network-excess.js --models data/models/hostD.json,data/models/hostD-cold.json [--runs data/hostD/context/rows.csv.gz]
 */
import { readDataset } from '../src/dataset/files.js';
import { aggregateRows } from '../src/models/observations.js';
import type { FeSwapModel } from '../src/models/fe-swap/model.js';
import { readModelBundle } from '../src/predict/model-bundle.js';
import { median } from '../src/stats.js';
import { flag } from './args.js';

const ds = await readDataset(flag('runs', 'data/hostD/context/rows.csv.gz'));
for (const path of flag('models', 'data/models/hostD.json').split(',')) {
  const b = readModelBundle(path);
  const m = b.model as FeSwapModel;
  if (typeof m.isolated !== 'function') throw new Error(`${path}: not an fe-swap model (no isolated base)`);
  const hw = new Map([...ds.hardware, b.hardware].map((h) => [h.id, h] as const));
  const obs = aggregateRows(ds.rows, hw).filter((o) => o.memoryLimitBytes === null);
  console.log(`${path}: ${obs.length} layers of unlimited runs`);
  for (const [phase, key] of [
    ['load', 'loadMs'],
    ['run', 'runMs'],
    ['unload', 'unloadMs'],
  ] as const) {
    for (const [lo, hi] of [
      [0, 1],
      [1, 10],
      [10, Infinity],
    ] as const) {
      const xs = obs.map((o) => ({ b: m.isolated(o)[key], t: o[key] })).filter((x): x is { b: number; t: number } => x.t !== null && x.b >= lo && x.b < hi);
      if (!xs.length) continue;
      const sumT = xs.reduce((a, x) => a + x.t, 0);
      const sumB = xs.reduce((a, x) => a + x.b, 0);
      console.log(
        `  ${phase} base ${lo}-${hi} ms: ${xs.length} layers, measured / base median ${median(xs.map((x) => x.t / x.b)).toFixed(2)}, sum ${(sumT / sumB).toFixed(2)} (${sumT.toFixed(0)} / ${sumB.toFixed(0)} ms)`,
      );
    }
  }
}
