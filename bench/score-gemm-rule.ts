// Held-out #8 (data/heldout8/PLAN.md): the shipped default through the zero-shot transfer on the
// one-core runs, by the per-thread GEMM rule (src/models/transfer.ts) and the old whole-rate rule
// (emulated by giving the target fingerprint the GEMM rate that makes the per-thread ratio equal
// the old one). After `npm run build`:   node dist/bench/score-gemm-rule.js [data/heldout8/B-E2]
import { readDataset } from '../src/dataset/files.js';
import { aggregateRows } from '../src/models/observations.js';
import { readModelBundle } from '../src/predict/model-bundle.js';
import { transferBundle } from '../src/predict/zero-shot.js';
import { probeThreads } from '../src/models/transfer.js';
import { validationRuns } from '../src/models/network-runs.js';
import { byLevel, score, summary } from './scoring.js';
import type { HardwareFingerprint } from '../src/dataset/schema.js';
import type { NetRun } from '../src/models/network-runs.js';

const dir = process.argv[2] ?? 'data/heldout8/B-E2';
const b = readModelBundle('data/models/default.json');
const A = b.hardware;
const load = async (p: string): Promise<{ hw: HardwareFingerprint; runs: NetRun[] }> => {
  const ds = await readDataset(p);
  const hw = new Map(ds.hardware.map((h) => [h.id, h]));
  return { hw: ds.hardware[0]!, runs: validationRuns(ds.rows, aggregateRows(ds.rows, hw), [1, 0.5]) };
};
const t = await load(`${dir}/rows.csv.gz`);
const base = await load('data/heldout7/whole/rows.csv.gz');
const to = t.hw;
const oldTo: HardwareFingerprint = { ...to, gemmGflops: (to.gemmGflops ?? NaN) * (probeThreads(to) / probeThreads(A)) };
console.log(
  `runs: ${dir} (${t.runs.length}); fingerprint ${to.id}: cores ${to.cores}, GEMM ${(to.gemmGflops ?? NaN).toFixed(0)} GFLOP/s (${probeThreads(to)} thread), disk ${((to.diskReadBytesPerSec ?? NaN) / 2 ** 20).toFixed(0)} MiB/s, probe run ${to.callProbe?.runMs.toFixed(0)} ms`,
);
// Each rule's zero-shot bundle, built once for both tables.
const rules = [
  { label: 'per-thread GEMM (this rule)', short: 'per-thread', bundle: transferBundle(b, to) },
  { label: 'whole-rate GEMM (the rule before)', short: 'whole-rate', bundle: transferBundle(b, oldTo) },
];
console.log('| rule | median APE | within ±20% | bias by level | 90% interval covers | bias 0.8-1.25 met? |');
console.log('|---|---|---|---|---|---|');
for (const { label, bundle } of rules) {
  const ss = t.runs.map((r) => score(bundle, r));
  const s = summary(ss);
  const lv = [...byLevel(ss)].map(([l, x]): [string, number] => [l, summary(x).bias]);
  const met = lv.every(([, v]) => v >= 0.8 && v <= 1.25);
  console.log(
    `| ${label} | ${(100 * s.medianApe).toFixed(1)}% | ${(100 * s.within20).toFixed(1)}% | ${lv.map(([l, v]) => `${l} ${v.toFixed(2)}`).join(', ')} | ${(100 * s.covered).toFixed(1)}% | ${met ? 'yes' : '**no**'} |`,
  );
}
// transfer alone: predicted (one core / host B) over measured (one core / host B), unlimited runs
const zB = transferBundle(b, base.hw);
console.log('\nTransfer alone, unlimited (predicted one-core / host-B over measured one-core / host-B):');
for (const { short, bundle } of rules) {
  const parts: string[] = [];
  for (const r of t.runs.filter((x) => x.limit === null)) {
    const rb = base.runs.find((x) => x.network === r.network && x.limit === null);
    if (!rb) continue;
    const ratio = score(bundle, r).predictedMs / score(zB, rb).predictedMs / (r.medianMs / rb.medianMs);
    parts.push(`${r.network} ${ratio.toFixed(2)}`);
  }
  console.log(`- ${short}: ${parts.join(', ')}`);
}
