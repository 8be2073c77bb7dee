/**
 * Two profiles of the same plan measured in different orders (`memlat profile --unlimited-order job`
 * and `network`): per sampled layer measured without a limit in both, the ratio of the median passes,
 * per phase, and for the run phase by its back-to-back time. A diagnostic for docs/MODELS.md.
 *
 *   node dist/bench/cold-warm.js --warm data/hostD/reference/rows.csv.gz --cold data/hostD-cold/reference/rows.csv.gz
 */
import { readDataset } from '../src/dataset/files.js';
import { median, quantile } from '../src/stats.js';
import { flag } from './args.js';

type Phases = [number, number, number];
async function unlimitedMedians(path: string): Promise<Map<string, Phases>> {
  const by = new Map<string, Phases[]>();
  for (const r of (await readDataset(path)).rows) {
    if (r.memoryLimitBytes !== null || r.oom) continue;
    const k = `${r.network}|${r.layerIndex}`;
    by.set(k, [...(by.get(k) ?? []), [r.loadMs, r.runMs, r.unloadMs ?? NaN]]);
  }
  return new Map([...by].map(([k, ps]) => [k, [0, 1, 2].map((i) => median(ps.map((p) => p[i]!))) as Phases]));
}

const warm = await unlimitedMedians(flag('warm', 'data/hostD/reference/rows.csv.gz'));
const cold = await unlimitedMedians(flag('cold', 'data/hostD-cold/reference/rows.csv.gz'));
const both = [...warm.keys()].filter((k) => cold.has(k));
console.log(`${both.length} layers measured without a limit in both (${warm.size} back to back, ${cold.size} cold)`);
['load', 'run', 'unload'].forEach((name, i) => {
  const rs = both.filter((k) => warm.get(k)![i]! > 0).map((k) => cold.get(k)![i]! / warm.get(k)![i]!);
  console.log(`${name}: cold / back to back, median ${median(rs).toFixed(2)}`);
});
for (const [lo, hi] of [
  [0, 1],
  [1, 10],
  [10, Infinity],
] as const) {
  const ks = both.filter((k) => warm.get(k)![1] >= lo && warm.get(k)![1] < hi);
  if (!ks.length) continue;
  const rs = ks.map((k) => cold.get(k)![1] / warm.get(k)![1]);
  const d = ks.map((k) => cold.get(k)![1] - warm.get(k)![1]);
  console.log(
    `run ${lo}-${hi} ms back to back: ${ks.length} layers, cold / back to back ${median(rs).toFixed(2)} (q25-q75 ${quantile(rs, 0.25).toFixed(2)}-${quantile(rs, 0.75).toFixed(2)}), median difference ${median(d).toFixed(1)} ms`,
  );
}
