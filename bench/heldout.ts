/**
 * `npm run bench:heldout`: one shipped model, as it is, on pre-registered held-out networks
 * (data/<set>/PLAN.md: networks chosen before they were measured or predicted). Nothing is
 * fitted here: the bundle's model and its 90% interval are evaluated on whole-network runs at
 * three levels and on knee sweeps, against the targets of issues 10 and 11. Written to
 * bench/results/<set>.md; `npm run bench` carries it into docs/BENCHMARKS.md.
 *
 *   node dist/bench/heldout.js [--set heldout3|heldout4] [--model data/models/default.json]
 *                              [--whole data/<set>/whole/rows.csv.gz] [--knee data/<set>/knee/rows.csv.gz]
 *                              [--out bench/results/<set>.md] [--compare a.json,b.json] [--zero-shot]
 *
 * --compare scores more bundles beside the model and --zero-shot adds each one through the
 * zero-shot hardware path with the fingerprint measured at the start of the runs (rows.hardware.json),
 * and as predict answers when the machine's cached fingerprint is that day's (the same, or as is when
 * the rates differ by less than the machine's own drift: ratesDiffer), and as predict answers with
 * the fingerprint measured nearest in time to each run cached (data/<set>/hardware*.json and the
 * parts' rows.hardware.json against each pair's rounds in summary.json; a set that measures
 * `memlat hardware --out data/<set>/hardware-rK.json` between rounds follows a machine whose speed
 * moves within the set, data/heldout30/PROVENANCE.md); and as predict answers with a steady
 * fingerprint cached: the one measured before the runs (data/<set>/hardware-steady.json, `memlat
 * hardware --repeat N`; held-out #32's headline) and the median of the set's single fingerprints (a
 * description: most of them are measured during and after the runs). For heldout4 both
 * are on by default (data/heldout4/PLAN.md fixed them before the runs): the default as of dc8dc23.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { readDataset } from '../src/dataset/files.js';
import type { HardwareFingerprint } from '../src/dataset/schema.js';
import { aggregateRows } from '../src/models/observations.js';
import { readModelBundle } from '../src/predict/model-bundle.js';
import { formatBytes } from '../src/units.js';
import { median } from '../src/stats.js';
import { validationRuns, type NetRun } from '../src/models/network-runs.js';
import { byLevel, KNEE_FACTORS, KNEE_TARGETS, levelOrder, pct, score, summary, WHOLE_TARGETS, yes, type Scored, type Targets } from './scoring.js';
import { flag, hasFlag } from './args.js';
import { bundleOn, transferBundle } from '../src/predict/zero-shot.js';
import type { LoadedBundle } from '../src/predict/bundle.js';
import { nearestInTime, pairMoment, type ValidationEntryTime } from '../src/profile/validation.js';
import { readingSpan, setFingerprints, setMedian, steadyStart } from './fingerprints.js';

const firstExisting = (...ps: string[]): string => ps.find((p) => existsSync(p)) ?? ps[0]!;
const set = flag('set', 'heldout3');
const setNo = /(\d+)$/.exec(set)?.[1] ?? '?';
const modelPath = resolve(flag('model', 'data/models/default.json'));
const wholePath = resolve(flag('whole', firstExisting(`data/${set}/whole/rows.csv.gz`, `data/${set}/whole/rows.csv`)));
const kneePath = resolve(flag('knee', firstExisting(`data/${set}/knee/rows.csv.gz`, `data/${set}/knee/rows.csv`)));
const outPath = resolve(flag('out', `bench/results/${set}.md`));
const comparePaths = flag('compare', set === 'heldout4' ? 'data/heldout4/model-dc8dc23.json' : '')
  .split(',')
  .filter((x) => x !== '')
  .map((x) => resolve(x));
const zeroShot = hasFlag('zero-shot') || set === 'heldout4';
const rel = (p: string): string => relative(process.cwd(), p);

function perRunTable(ss: Scored[], levelName: string): string[] {
  const out = [`| network | M | ${levelName} | measured ms (min-max) | predicted ms | 90% interval | error |`, '|---|---|---|---|---|---|---|'];
  for (const s of ss) {
    const r = s.run;
    const err = (s.predictedMs - r.medianMs) / r.medianMs;
    out.push(
      `| ${r.network} | ${r.limit === null ? 'none' : formatBytes(r.limit)} | ${r.level} | ${r.medianMs.toFixed(0)} (${Math.min(...r.passTotals).toFixed(0)}-${Math.max(...r.passTotals).toFixed(0)}) | ${s.predictedMs.toFixed(0)} | ${s.interval ? `${s.interval[0].toFixed(0)}-${s.interval[1].toFixed(0)}` : '-'} | ${err >= 0 ? '+' : ''}${(100 * err).toFixed(1)}% |`,
    );
  }
  return out;
}

/** The model and the --compare bundles, each as is and (with --zero-shot) with the runs' own fingerprint. */
function comparison(main: LoadedBundle, runs: NetRun[], target: HardwareFingerprint | undefined, t: Targets, moments: ValidationEntryTime[]): string[] {
  const bundles: [string, LoadedBundle][] = [[rel(modelPath), main], ...comparePaths.map((p): [string, LoadedBundle] => [rel(p), readModelBundle(p)])];
  const out = [
    `Models compared (zero-shot = through the hardware transfer with the fingerprint measured at the start of these runs${target ? `: disk ${formatBytes(target.diskReadBytesPerSec ?? NaN)}/s, GEMM ${target.gemmGflops?.toFixed(0) ?? '?'} GFLOP/s, idle ${formatBytes(target.runtimeIdleBytes ?? NaN)}` : ''}):`,
    '',
    '| model | path | median APE | within ±20% | bias by level | 90% interval covers | targets met? |',
    '|---|---|---|---|---|---|---|',
  ];
  // what predict answers with the fingerprint measured nearest in time to each run cached (the mean
  // midpoint of its rounds, summary.json): a machine that drifts within a set moves each run alike
  const fps = zeroShot ? setFingerprints(set, [dirname(wholePath), dirname(kneePath)]) : [];
  const nearest = runs.map((r) => {
    const at = pairMoment(moments, r.network, r.limit);
    return at === null ? null : nearestInTime(fps, at);
  });
  const used = [...new Set(nearest.filter((fp) => fp !== null).map((fp) => fp.measuredAt?.slice(11, 16)))].sort();
  // the steady fingerprint measured before the runs and the median of the set's single fingerprints (bench/fingerprints.ts)
  const steady = zeroShot ? steadyStart(set) : null;
  const median = zeroShot && target ? setMedian(fps, target.id) : null;
  for (const [name, b] of bundles) {
    const variants: [string, LoadedBundle][] = [['as is', b]];
    if (zeroShot && target) {
      variants.push(['zero-shot', transferBundle(b, target)]);
      // what predict answers with this fingerprint cached: moved only when the rates differ beyond the machine's drift
      const on = bundleOn(b, target);
      variants.push([`as predict answers (${on === b ? 'as is: rates within the drift' : 'zero-shot'})`, on]);
    }
    for (const [fp, what] of [
      [steady, 'the steady fingerprint measured before the runs'],
      [median, "the median of the set's fingerprints"],
    ] as const) {
      if (!fp) continue;
      const on = bundleOn(b, fp);
      variants.push([
        `as predict answers, ${what} (${fp.steady?.readings} readings, ${readingSpan(fp)}; ${on === b ? 'as is: rates within the drift' : 'moved'})`,
        on,
      ]);
    }
    const perRun = new Map<HardwareFingerprint, LoadedBundle>();
    const onNearest = (i: number): LoadedBundle => {
      const fp = nearest[i];
      if (!fp) return b;
      if (!perRun.has(fp)) perRun.set(fp, bundleOn(b, fp));
      return perRun.get(fp)!;
    };
    // one table row: a reading's scored runs against the targets
    const row = (v: string, ss: Scored[]): string => {
      const s = summary(ss);
      const lv = [...byLevel(ss)].sort((x, y) => levelOrder(x[0]) - levelOrder(y[0])).map(([l, x]) => ({ l, b: summary(x).bias }));
      const met = s.medianApe <= t.ape && lv.every((x) => x.b >= t.bias[0] && x.b <= t.bias[1]);
      return `| ${name} | ${v} | ${pct(s.medianApe)} | ${pct(s.within20)} | ${lv.map((x) => `${x.l} ${x.b.toFixed(2)}`).join(', ')} | ${pct(s.covered)} | ${yes(met)} |`;
    };
    for (const [v, vb] of variants)
      out.push(
        row(
          v,
          runs.map((r) => score(vb, r)),
        ),
      );
    if (nearest.some((fp) => fp !== null)) {
      const moved = runs.filter((_, i) => onNearest(i) !== b).length;
      const v = `as predict answers, the fingerprint nearest each run (${used.join(', ')} UTC; ${moved} of ${runs.length} runs moved)`;
      out.push(
        row(
          v,
          runs.map((r, i) => score(onNearest(i), r)),
        ),
      );
    }
  }
  return out;
}

async function main(): Promise<void> {
  const bundle = readModelBundle(modelPath);
  const out: string[] = [`## Held-out networks #${setNo} (pre-registered, evaluated once, nothing fitted)`, ''];
  out.push(
    `Model \`${rel(modelPath)}\` as shipped (fitted on ${bundle.bundle.provenance?.fittedAt?.slice(0, 10) ?? '?'}, hardware ${bundle.hardware.id}); networks and levels chosen in data/${set}/PLAN.md before any was measured or predicted. Measured totals are the median pass; noise: the median over runs of (max - min) / median of the passes is given per part. Evaluated ${new Date().toISOString().slice(0, 16)}Z by \`npm run bench:heldout\`.`,
    '',
  );
  const spread = (runs: NetRun[]): string => pct(median(runs.map((r) => (Math.max(...r.passTotals) - Math.min(...r.passTotals)) / r.medianMs)));
  for (const [path, kind] of [
    [wholePath, 'whole'],
    [kneePath, 'knee'],
  ] as const) {
    if (!existsSync(path)) {
      out.push(`${kind === 'whole' ? 'Whole-network runs' : 'Knee sweeps'}: \`${rel(path)}\` not measured (not in the set's plan, or not yet).`, '');
      continue;
    }
    const ds = await readDataset(path);
    const hw = new Map<string, HardwareFingerprint>(ds.hardware.map((h) => [h.id, h]));
    const runs = validationRuns(ds.rows, aggregateRows(ds.rows, hw), kind === 'whole' ? [1, 0.5] : KNEE_FACTORS);
    const scored = runs.map((r) => score(bundle, r));
    const nets = [...new Set(runs.map((r) => r.network))];
    const levels = byLevel(scored);
    const all = summary(scored);
    if (kind === 'whole') {
      out.push(`### Whole networks at three levels (\`${rel(path)}\`: ${nets.join(', ')}; ${runs.length} runs; pass spread ${spread(runs)})`, '');
      const lv = [...levels].map(([l, ss]) => ({ l, s: summary(ss) }));
      out.push('| target | met? | result |', '|---|---|---|');
      out.push(`| median APE ≤ 10% | ${yes(all.medianApe <= 0.1)} | ${pct(all.medianApe)} |`);
      out.push(`| ≥ 80% within ±20% | ${yes(all.within20 >= 0.8)} | ${pct(all.within20)} |`);
      out.push(
        `| bias 0.95-1.05 at every memory level | ${yes(lv.every((x) => x.s.bias >= 0.95 && x.s.bias <= 1.05))} | ${lv.map((x) => `${x.l} ${x.s.bias.toFixed(2)}`).join(', ')} |`,
      );
      out.push(`| 90% interval covers | - | ${pct(all.covered)} |`, '');
    } else {
      out.push(
        `### Knee sweeps (\`${rel(path)}\`: ${nets.join(', ')} at M = idle + f x largest working set; ${runs.length} runs; pass spread ${spread(runs)})`,
        '',
      );
      const lv = KNEE_FACTORS.map((f) => `${f}x`)
        .filter((l) => levels.has(l))
        .map((l) => ({ l, s: summary(levels.get(l)!) }));
      out.push(`| | ${lv.map((x) => x.l).join(' | ')} | all |`, `|---|${lv.map(() => '---').join('|')}|---|`);
      out.push(`| median APE | ${lv.map((x) => pct(x.s.medianApe)).join(' | ')} | ${pct(all.medianApe)} |`);
      out.push(`| bias | ${lv.map((x) => x.s.bias.toFixed(2)).join(' | ')} | ${all.bias.toFixed(2)} |`);
      out.push(`| 90% interval covers | ${lv.map((x) => pct(x.s.covered)).join(' | ')} | ${pct(all.covered)} |`, '');
      out.push(
        `Targets (issue 11): median error ≤ 15%: ${yes(all.medianApe <= 0.15)} (${pct(all.medianApe)}); bias 0.9-1.1 at every limit: ${yes(lv.every((x) => x.s.bias >= 0.9 && x.s.bias <= 1.1))}.`,
        '',
      );
    }
    const summaryPath = join(dirname(path), 'summary.json');
    const moments = existsSync(summaryPath) ? (JSON.parse(readFileSync(summaryPath, 'utf8')) as ValidationEntryTime[]) : [];
    if (comparePaths.length > 0 || zeroShot)
      out.push(...comparison(bundle, runs, ds.hardware[0], kind === 'whole' ? WHOLE_TARGETS : KNEE_TARGETS, moments), '');
    out.push(...perRunTable(scored, kind === 'whole' ? 'level' : 'f'), '');
  }
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, `${out.join('\n')}\n`);
  process.stderr.write(`wrote ${outPath}\n`);
}

await main();
