/**
 * The disk-curve rule (src/dataset/disk-curve.ts) judged on host B's emulated machines: a model
 * zero-shot to each machine's whole-network runs with the large probe's disk ratio (the rule before)
 * and with the two machines' disk curves, side by side; plus each run's load phase alone (the part
 * the rule changes), summed over the layers: predicted over measured.
 *
 * The runs' fingerprints (rows.hardware.json) predate the disk curve, so the curves come from
 * `memlat hardware` on the same host under the same emulation (data/diskcurve/<machine>.hardware.json)
 * and are anchored to the fingerprint they join: the curve's times are scaled so that its last point
 * (the large probe) reads at that fingerprint's own diskReadBytesPerSec; the curve gives the shape,
 * the fingerprint the level; with --own-curves each fingerprint's own curve (runs measured with it).
 * The model's machine gets its bundle's curve, or that of --source-curve (default B-none where the
 * bundle has none) anchored the same way, or
 * with --source-rows (a model whose machine is not at hand: the shipped default's host A) the curve
 * taken from that machine's own unlimited network runs (diskCurveFromRows), or with --source-hardware
 * the curve of that fingerprint file as measured (a diagnosis: the model machine's curve from the
 * same session and method as the targets'). "large probe" is the
 * target's fingerprint without its curve.
 *
 * A machine is a folder of the set holding rows.csv(.gz) (e.g. `B-E1`, or `B-E1/whole` under
 * data/transfer); its curve is looked up by the folder's first part.
 *
 * Usage: node dist/bench/disk-curve.js --set data/heldout6 [--machines B-none,B-E1,B-E3b]
 *   [--model data/models/hostB.json] [--curves data/diskcurve | --own-curves] [--source-curve B-none | --source-rows rows.csv.gz | --source-hardware hw.json] [--out F.md]
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readDataset } from '../src/dataset/files.js';
import type { DiskCurve, HardwareFingerprint } from '../src/dataset/schema.js';
import { anchorDiskCurve, diskCurveFromRows } from '../src/dataset/disk-curve.js';
import { aggregateRows } from '../src/models/observations.js';
import { readHardwareFile, readModelBundle } from '../src/predict/model-bundle.js';
import { transferBundle } from '../src/predict/zero-shot.js';
import type { LoadedBundle } from '../src/predict/bundle.js';
import { median } from '../src/stats.js';
import { runQueries, validationRuns, type NetRun } from '../src/models/network-runs.js';
import { byLevel, pct, score, summary, type Scored } from './scoring.js';
import { flag, hasFlag } from './args.js';

const set = flag('set', 'data/heldout6');
const machines = flag('machines', 'B-none,B-E1,B-E3b').split(',');
const modelPath = flag('model', 'data/models/hostB.json');
const curvesDir = flag('curves', 'data/diskcurve');
const sourceCurve = flag('source-curve', '');
const sourceRows = flag('source-rows', '');
const sourceHardware = flag('source-hardware', '');
const ownCurves = hasFlag('own-curves');
const outPath = flag('out', '');
const LEVELS = ['1x', '0.5x', 'none'];

/** The curve of data/diskcurve/<machine>.hardware.json, anchored to `hw`'s disk rate (anchorDiskCurve). */
function anchoredCurve(machine: string, hw: HardwareFingerprint): DiskCurve {
  const path = join(curvesDir, `${machine}.hardware.json`);
  const c = readHardwareFile(path).diskCurve;
  if (!c) throw new Error(`${path}: no diskCurve`);
  if (hw.diskReadBytesPerSec === null) throw new Error(`${hw.id}: no disk rate to anchor the curve to`);
  return anchorDiskCurve(c, hw.diskReadBytesPerSec);
}

/** Load phase summed over a run's layers: predicted by the bundle, and measured (median pass per layer). */
function loads(bundle: LoadedBundle, run: NetRun): { predicted: number; measured: number } {
  let predicted = 0;
  let measured = 0;
  for (const q of runQueries(run)) {
    predicted += bundle.model.predict(q).loadMs;
    measured += q.loadMs;
  }
  return { predicted, measured };
}

async function main(): Promise<void> {
  const bundle = readModelBundle(modelPath);
  const from = bundle.fittedOn ?? bundle.hardware;
  let fromCurve: DiskCurve;
  if (sourceRows) {
    const c = diskCurveFromRows((await readDataset(sourceRows)).rows, from.id, 256 * 2 ** 20, from.diskReadBytesPerSec, sourceRows);
    if (!c) throw new Error(`${sourceRows}: too few unlimited layers of ${from.id} in some size band for a disk curve`);
    fromCurve = c;
  } else if (sourceHardware) {
    const c = readHardwareFile(sourceHardware).diskCurve;
    if (!c) throw new Error(`${sourceHardware}: no diskCurve`);
    fromCurve = c;
  } else if (sourceCurve || !from.diskCurve) fromCurve = anchoredCurve(sourceCurve || 'B-none', from);
  else fromCurve = from.diskCurve;
  const withCurve: LoadedBundle = { ...bundle, fittedOn: { ...from, diskCurve: fromCurve } };
  const curveText = (c: DiskCurve): string =>
    c.bytes.map((b, i) => `${(b / 2 ** 20).toFixed(0)} MiB ${((b / 2 ** 20 / c.ms[i]!) * 1000).toFixed(0)}`).join(', ');
  const out: string[] = [
    `## The disk curve: \`${modelPath}\` zero-shot to \`${set}\``,
    '',
    `Model \`${modelPath}\` (fitted on \`${from.id}\`, disk ${((from.diskReadBytesPerSec ?? NaN) / 2 ** 20).toFixed(0)} MiB/s) zero-shot to the whole runs of \`${set}\` on each machine. ` +
      `"large probe" = the transfer before the disk curve (every load's disk part by the 256 MiB probe's ratio); "disk curves" = the same with the model machine's curve (${sourceRows ? `from its runs in \`${sourceRows}\`` : sourceHardware ? `that of \`${sourceHardware}\`, as measured` : sourceCurve || !from.diskCurve ? `${sourceCurve || 'B-none'}'s shape` : "its bundle's"}: ${curveText(fromCurve)} MiB/s) and the target's (${ownCurves ? "its fingerprint's own, measured with the runs" : `its own shape, from \`${curvesDir}/<machine>.hardware.json\` anchored to the fingerprint it joins`}). ` +
      `Load: the runs' load phases summed over the layers, predicted / measured, median over runs. Bias = geometric mean of predicted / measured.`,
    '',
    '| machine | emulation | runs | noise | rule | median error | within ±20% | bias 1x / 0.5x / none | load predicted / measured (median) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const details: string[] = [];
  for (const m of machines) {
    const path = ['rows.csv.gz', 'rows.csv'].map((f) => join(set, m, f)).find((f) => existsSync(f));
    if (!path) throw new Error(`${set}/${m}: no rows.csv(.gz)`);
    const ds = await readDataset(path);
    const measured = ds.hardware[0];
    if (!measured) throw new Error(`${path}: no hardware fingerprint beside the rows`);
    const { diskCurve: own, ...target } = measured;
    if (ownCurves && !own) throw new Error(`${path}: --own-curves, but its fingerprint has no disk curve`);
    const runs = validationRuns(ds.rows, aggregateRows(ds.rows, new Map(ds.hardware.map((h) => [h.id, h]))), [1, 0.5]);
    const noise = pct(median(runs.map((r) => (Math.max(...r.passTotals) - Math.min(...r.passTotals)) / r.medianMs)));
    const variants: Array<[string, LoadedBundle]> = [
      ['large probe', transferBundle(bundle, target)],
      ['disk curves', transferBundle(withCurve, { ...target, diskCurve: ownCurves ? own : anchoredCurve(m.split('/')[0]!, target) })],
    ];
    const scored = variants.map(([n, b]): [string, Scored[], number[]] => [
      n,
      runs.map((r) => score(b, r)),
      runs.map((r) => {
        const l = loads(b, r);
        return l.predicted / l.measured;
      }),
    ]);
    for (const [name, ss, lr] of scored) {
      const sm = summary(ss);
      const by = byLevel(ss);
      out.push(
        `| ${m} | ${target.emulation ?? 'none'} | ${runs.length} | ${noise} | ${name} | ${pct(sm.medianApe)} | ${pct(sm.within20)} | ${LEVELS.map((l) => (by.has(l) ? summary(by.get(l)!).bias.toFixed(2) : '-')).join(' / ')} | ${median(lr).toFixed(2)} |`,
      );
    }
    details.push(`#### ${m} (\`${target.id}\`, ${target.emulation ?? 'not emulated'}; \`${path}\`)`, '');
    details.push(
      `| network | M | level | measured ms |${scored.map(([n]) => ` ${n} ms (load pred / meas) |`).join('')}`,
      `|---|---|---|---|${scored.map(() => '---|').join('')}`,
    );
    runs.forEach((r, i) => {
      const cells = scored.map(([, ss, lr]) => {
        const e = (ss[i]!.predictedMs - r.medianMs) / r.medianMs;
        return ` ${ss[i]!.predictedMs.toFixed(0)} (${e >= 0 ? '+' : ''}${(100 * e).toFixed(0)}%; load ${lr[i]!.toFixed(2)}) |`;
      });
      details.push(
        `| ${r.network} | ${r.limit === null ? 'none' : `${(r.limit / 2 ** 20).toFixed(0)} MiB`} | ${r.level} | ${r.medianMs.toFixed(0)} |${cells.join('')}`,
      );
    });
    details.push('');
  }
  const text = [...out, '', ...details].join('\n');
  if (outPath) {
    mkdirSync(dirname(outPath), { recursive: true });
    writeFileSync(outPath, `${text}\n`);
  }
  process.stdout.write(`${text}\n`);
}

await main();
