/**
 * Several held-out sets scored as one: every set's whole-network runs and knee sweeps, each run
 * predicted with the fingerprint measured at the start of its own set's runs, read two ways: moved
 * there whatever the difference (zero-shot), and as `predict` answers with that fingerprint cached
 * (moved only where the rates differ beyond the machine's drift, else as fitted); then the targets of
 * issues 10 and 11 on the union; and a third way, as `predict` answers with a steady fingerprint
 * cached (the set's `memlat hardware --repeat` before its runs, from #32 on; else the median of the
 * set's fingerprints, a description: bench/fingerprints.ts).
 * Nothing is fitted. For sets that scored the same fixed model cleanly (data/<set>/PLAN.md), the
 * union is a larger clean sample of that model: per-level biases over 4 networks move by the pass
 * spread (15% on host D), over 10 they move less.
 *
 *   node dist/bench/pooled.js --sets heldout28,heldout29 [--model data/models/default.json]
 *                             [--compare a.json,b.json] [--out bench/results/pooled.md]
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { readDataset } from '../src/dataset/files.js';
import { aggregateRows } from '../src/models/observations.js';
import { validationRuns, type NetRun } from '../src/models/network-runs.js';
import { readModelBundle } from '../src/predict/model-bundle.js';
import { bundleOn, transferBundle } from '../src/predict/zero-shot.js';
import type { HardwareFingerprint } from '../src/dataset/schema.js';
import type { LoadedBundle } from '../src/predict/bundle.js';
import { byLevel, KNEE_FACTORS, KNEE_TARGETS, levelOrder, pct, score, summary, WHOLE_TARGETS, yes, type Scored } from './scoring.js';
import { flag } from './args.js';
import { setFingerprints, setMedian, steadyStart } from './fingerprints.js';

/**
 * Three reads of every model: moved to each set's fingerprint whatever the difference (zero-shot), as
 * `predict` answers with that fingerprint cached (moved only where ratesDiffer, else as fitted), and as
 * `predict` answers with the set's steady fingerprint cached (its start fingerprint where it has none).
 */
const READS: [string, (b: LoadedBundle, p: Part) => LoadedBundle][] = [
  ['zero-shot', (b, p) => transferBundle(b, p.target)],
  ['as predict answers', (b, p) => bundleOn(b, p.target)],
  [
    "as predict answers, a steady fingerprint (the set's `memlat hardware --repeat` before its runs where measured, else the median of its fingerprints)",
    (b, p) => bundleOn(b, p.steady ?? p.target),
  ],
];
const sets = flag('sets', '')
  .split(',')
  .filter((s) => s !== '');
if (sets.length === 0) {
  process.stderr.write('--sets: give the held-out sets to pool, e.g. --sets heldout28,heldout29\n');
  process.exit(2);
}
const models = [flag('model', 'data/models/default.json'), ...flag('compare', '').split(',')].filter((x) => x !== '').map((x) => resolve(x));
const outPath = resolve(flag('out', `bench/results/pooled-${sets.map((s) => s.replace(/^heldout/, '')).join('-')}.md`));
const rel = (p: string): string => relative(process.cwd(), p);

interface Part {
  set: string;
  runs: NetRun[];
  target: HardwareFingerprint;
  /** The set's steady fingerprint (bench/fingerprints.ts): measured before its runs, else the median of its fingerprints; null without either. */
  steady: HardwareFingerprint | null;
}

async function part(set: string, kind: 'whole' | 'knee'): Promise<Part | null> {
  const path = [`data/${set}/${kind}/rows.csv.gz`, `data/${set}/${kind}/rows.csv`].find((p) => existsSync(p));
  if (!path) return null;
  const ds = await readDataset(path);
  const hw = new Map(ds.hardware.map((h) => [h.id, h]));
  const target = ds.hardware[0];
  if (!target) throw new Error(`${path}: no fingerprint beside the rows (rows.hardware.json)`);
  const steady = steadyStart(set) ?? setMedian(setFingerprints(set), target.id);
  return { set, runs: validationRuns(ds.rows, aggregateRows(ds.rows, hw), kind === 'whole' ? [1, 0.5] : KNEE_FACTORS), target, steady };
}

async function main(): Promise<void> {
  const out = [
    `## Held-out sets ${sets.map((s) => `#${s.replace(/^heldout/, '')}`).join(' + ')} pooled (each pre-registered, evaluated once, nothing fitted)`,
    '',
  ];
  out.push(
    `Every run predicted with its own set's fingerprint (the one measured at the start of its runs), read two ways: zero-shot (moved to it whatever the difference) and as \`predict\` answers with it cached (moved only where the rates differ beyond the machine's own drift, ratesDiffer, else as fitted); and as \`predict\` answers with a steady fingerprint cached (the set's \`memlat hardware --repeat\` before its runs where it has one, else the median of the set's fingerprints, most of them measured during and after the runs); the targets on the union. Evaluated ${new Date().toISOString().slice(0, 16)}Z by \`node dist/bench/pooled.js --sets ${sets.join(',')}\`.`,
    '',
  );
  for (const kind of ['whole', 'knee'] as const) {
    const parts = (await Promise.all(sets.map((s) => part(s, kind)))).filter((p): p is Part => p !== null);
    const nets = parts.map((p) => `#${p.set.replace(/^heldout/, '')}: ${[...new Set(p.runs.map((r) => r.network))].join(', ')}`);
    const n = parts.reduce((a, p) => a + p.runs.length, 0);
    out.push(`### ${kind === 'whole' ? 'Whole networks (levels 1x, 0.5x, none)' : 'Knee sweeps (0.6x-1.3x)'}: ${n} runs (${nets.join('; ')})`, '');
    const t = kind === 'whole' ? WHOLE_TARGETS : KNEE_TARGETS;
    out.push(
      `Targets: median APE ≤ ${pct(t.ape)}${kind === 'whole' ? ', ≥ 80% within ±20%' : ''}, bias ${t.bias[0]}-${t.bias[1]} at every ${kind === 'whole' ? 'level' : 'limit'}.`,
      '',
    );
    out.push('| model | read | median APE | within ±20% | bias by level | 90% interval covers | targets met? |', '|---|---|---|---|---|---|---|');
    for (const m of models) {
      const b = readModelBundle(m);
      for (const [read, on] of READS) {
        const ss: Scored[] = parts.flatMap((p) => {
          const tb = on(b, p);
          return p.runs.map((r) => score(tb, r));
        });
        const s = summary(ss);
        const lv = [...byLevel(ss)].sort((x, y) => levelOrder(x[0]) - levelOrder(y[0])).map(([l, x]) => ({ l, b: summary(x).bias }));
        const met = s.medianApe <= t.ape && (kind === 'knee' || s.within20 >= 0.8) && lv.every((x) => x.b >= t.bias[0] && x.b <= t.bias[1]);
        out.push(
          `| ${rel(m)} | ${read} | ${pct(s.medianApe)} | ${pct(s.within20)} | ${lv.map((x) => `${x.l} ${x.b.toFixed(2)}`).join(', ')} | ${pct(s.covered)} | ${yes(met)} |`,
        );
      }
    }
    out.push('');
  }
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, `${out.join('\n')}\n`);
  process.stderr.write(`wrote ${outPath}\n`);
}

await main();
