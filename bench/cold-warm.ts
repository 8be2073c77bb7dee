/**
 * Two profiles of the same plan measured in different orders (`memlat profile --unlimited-order` /
 * `--limited-order` job or network): per sampled layer measured at the same limit in both, the ratio
 * of the median passes, per phase, and for the run phase by its time in the first file. With
 * `--at limited`, the limited measurements instead, split by whether the first file's passes swap
 * (a median of > 0 major faults). A diagnostic for docs/MODELS.md.
 *
 *   node dist/bench/cold-warm.js --warm data/hostD/reference/rows.csv.gz --cold data/hostD-cold/reference/rows.csv.gz [--at none|limited]
 */
import { readDataset } from '../src/dataset/files.js';
import { median, quantile } from '../src/stats.js';
import { flag } from './args.js';

/** load, run, unload and major faults of a measurement's median pass (per field). */
type Phases = [number, number, number, number];
async function medians(path: string, limited: boolean): Promise<Map<string, Phases>> {
  const by = new Map<string, Phases[]>();
  for (const r of (await readDataset(path)).rows) {
    if ((r.memoryLimitBytes !== null) !== limited || r.oom) continue;
    const k = `${r.network}|${r.layerIndex}|${r.memoryLimitBytes ?? 'none'}`;
    let l = by.get(k);
    if (!l) by.set(k, (l = []));
    l.push([r.loadMs, r.runMs, r.unloadMs ?? NaN, r.majorFaults ?? NaN]);
  }
  return new Map([...by].map(([k, ps]) => [k, [0, 1, 2, 3].map((i) => median(ps.map((p) => p[i]!))) as Phases]));
}

const at = flag('at', 'none');
if (at !== 'none' && at !== 'limited') throw new Error(`--at ${at}: use none or limited`);
const limited = at === 'limited';
const warmPath = flag('warm', 'data/hostD/reference/rows.csv.gz');
const coldPath = flag('cold', 'data/hostD-cold/reference/rows.csv.gz');
const warm = await medians(warmPath, limited);
const cold = await medians(coldPath, limited);
const both = [...warm.keys()].filter((k) => cold.has(k));
console.log(
  `${both.length} ${limited ? '(layer, limit) pairs' : 'layers'} measured ${limited ? 'under a limit' : 'without a limit'} in both (${warm.size} in ${warmPath}, ${cold.size} in ${coldPath})`,
);
const groups: [string, string[]][] = limited
  ? [
      ['not swapping', both.filter((k) => !(warm.get(k)![3] > 0))],
      ['swapping', both.filter((k) => warm.get(k)![3] > 0)],
    ]
  : [['', both]];
for (const [label, keys] of groups) {
  if (!keys.length) continue;
  if (label) console.log(`${label}: ${keys.length}`);
  ['load', 'run', 'unload'].forEach((name, i) => {
    const rs = keys.filter((k) => warm.get(k)![i]! > 0).map((k) => cold.get(k)![i]! / warm.get(k)![i]!);
    console.log(`  ${name}: second / first, median ${median(rs).toFixed(2)} (q25-q75 ${quantile(rs, 0.25).toFixed(2)}-${quantile(rs, 0.75).toFixed(2)})`);
  });
  for (const [lo, hi] of [
    [0, 1],
    [1, 10],
    [10, Infinity],
  ] as const) {
    const ks = keys.filter((k) => warm.get(k)![1] >= lo && warm.get(k)![1] < hi);
    if (!ks.length) continue;
    const rs = ks.map((k) => cold.get(k)![1] / warm.get(k)![1]);
    const d = ks.map((k) => cold.get(k)![1] - warm.get(k)![1]);
    console.log(
      `  run ${lo}-${hi} ms in the first: ${ks.length}, second / first ${median(rs).toFixed(2)} (q25-q75 ${quantile(rs, 0.25).toFixed(2)}-${quantile(rs, 0.75).toFixed(2)}), median difference ${median(d).toFixed(1)} ms`,
    );
  }
}
