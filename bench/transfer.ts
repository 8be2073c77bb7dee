/**
 * `npm run bench:transfer`: how the shipped model moves to other machines (issue 12,
 * data/transfer/PLAN.md). For each machine folder data/transfer/<name>/whole (validate-runs of the
 * held-out #3 networks on an emulated machine, its fingerprint in the dataset's hardware file), the
 * shipped bundle is scored on those runs twice, nothing fitted on them:
 *   - as it is (the model machine's rates: what a user got before zero-shot transfer existed);
 *   - zero-shot: scaled by the ratios of the machine's fingerprint to the model's
 *     (src/predict/zero-shot.ts transferBundle, the interval widened by the transfer's sigma).
 * Plus, where data/calibrate/<machine>-<N>m.json exists, the model `memlat calibrate` wrote there after N
 * minutes of budget, on the same runs; "here" is the model's own machine (data/heldout3/whole).
 * Written to bench/results/transfer.md; `npm run bench` carries it into docs/BENCHMARKS.md.
 *
 *   node dist/bench/transfer.js [--model data/models/default.json] [--dir data/transfer]
 *                               [--out bench/results/transfer.md]
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { readDataset } from '../src/dataset/files.js';
import type { HardwareFingerprint, MeasurementRow } from '../src/dataset/schema.js';
import { aggregateRows } from '../src/models/observations.js';
import { transferRatios, transferSigma } from '../src/models/transfer.js';
import { readModelBundle } from '../src/predict/model-bundle.js';
import { transferBundle } from '../src/predict/zero-shot.js';
import { median } from '../src/stats.js';
import { validationRuns, type NetRun } from './runs.js';
import { byLevel, pct, score, summary, type Scored } from './scoring.js';
import { flag } from './args.js';
import type { CalibratedModelJSON } from '../src/models/calibrated.js';
import { contextFreeModel } from '../src/models/index.js';
import { loadBundle, type LoadedBundle } from '../src/predict/bundle.js';
import { calibratedBundle } from '../src/predict/calibrated-bundle.js';
import { CALIBRATION_SOURCE } from '../src/profile/calibrate-plan.js';

const modelPath = resolve(flag('model', 'data/models/default.json'));
const dir = resolve(flag('dir', 'data/transfer'));
const outPath = resolve(flag('out', 'bench/results/transfer.md'));
const calibDir = resolve(flag('calibrated', 'data/calibrate'));
const hereWhole = resolve(flag('here', 'data/heldout3/whole/rows.csv.gz'));
const rel = (p: string): string => relative(process.cwd(), p);
const LEVELS = ['1x', '0.5x', 'none'];
const ZERO_SHOT_BIAS = [0.8, 1.25] as const;

function levelBiases(ss: Scored[]): Map<string, number> {
  const by = byLevel(ss);
  return new Map(LEVELS.filter((l) => by.has(l)).map((l) => [l, summary(by.get(l)!).bias]));
}

async function main(): Promise<void> {
  const bundle = readModelBundle(modelPath);
  const from = bundle.fittedOn ?? bundle.hardware;
  const out: string[] = ['## Transfer to other machines (issue 12; nothing fitted on these runs)', ''];
  out.push(
    `Model \`${rel(modelPath)}\` as shipped, fitted on \`${from.id}\` (disk ${Math.round((from.diskReadBytesPerSec ?? NaN) / 2 ** 20)} MiB/s, GEMM ${from.gemmGflops?.toFixed(0) ?? '?'} GFLOP/s). ` +
      `Each machine below is this VM under \`MEMLAT_EMULATE\` (docs/RUNTIME.md), measured as its own hardware (\`memlat hardware\`), then the held-out #3 whole networks ` +
      `(data/heldout3/PLAN.md, never used for fitting) run with \`validate-runs --levels 1,0.5,none\`; plan in data/transfer/PLAN.md, provenance beside the data. ` +
      `"as is" = the bundle without transfer; "zero-shot" = scaled by the fingerprint ratios (disk, memory copy, GEMM), interval widened by sigma = 0.25 x sum |ln ratio|. ` +
      `"here" is the model's own VM, not emulated (the held-out #3 runs of data/heldout3/whole). "calibrated N min" = \`memlat calibrate\` run on that machine with N minutes of budget in total (reruns resume), its model in data/calibrate/<machine>-<N>m.json, scored on the same runs (calibrate never measures these networks). ` +
      `Bias = geometric mean of predicted / measured (1 = unbiased; target for zero-shot ${ZERO_SHOT_BIAS[0]}-${ZERO_SHOT_BIAS[1]} at every level). Noise: median over runs of the passes' (max - min) / median. ` +
      `Evaluated ${new Date().toISOString().slice(0, 16)}Z by \`npm run bench:transfer\`.`,
    '',
  );
  const emulated = existsSync(dir)
    ? readdirSync(dir)
        .filter((d) => existsSync(join(dir, d, 'whole', 'rows.csv.gz')) || existsSync(join(dir, d, 'whole', 'rows.csv')))
        .sort()
    : [];
  // "here": the model's own machine, not emulated (held-out #3 whole runs), for calibrate on the machine it was fitted on.
  const machines = [...(existsSync(hereWhole) ? ['here'] : []), ...emulated];
  if (machines.length === 0) {
    out.push(`No machine measured yet under \`${rel(dir)}\`.`, '');
  } else {
    out.push(
      '| machine | emulation | disk / GEMM / mem ratio | sigma | runs | noise | model | median error | within ±20% | bias 1x / 0.5x / none | 90% interval covers | zero-shot bias target met? |',
    );
    out.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
    const details: string[] = [];
    for (const m of machines) {
      const wholeDir = join(dir, m, 'whole');
      const path = m === 'here' ? hereWhole : existsSync(join(wholeDir, 'rows.csv.gz')) ? join(wholeDir, 'rows.csv.gz') : join(wholeDir, 'rows.csv');
      const ds = await readDataset(path);
      const hwMap = new Map<string, HardwareFingerprint>(ds.hardware.map((h) => [h.id, h]));
      const target = ds.hardware[0];
      if (target === undefined) throw new Error(`${rel(path)}: no hardware fingerprint beside the rows`);
      const runs: NetRun[] = validationRuns(ds.rows, aggregateRows(ds.rows, hwMap), [1, 0.5]);
      const ratios = transferRatios(from, target);
      const noise = pct(median(runs.map((r) => (Math.max(...r.passTotals) - Math.min(...r.passTotals)) / r.medianMs)));
      const zs = transferBundle(bundle, target);
      const rows: Array<[string, Scored[]]> = [
        ['as is', runs.map((r) => score(bundle, r))],
        ['zero-shot', runs.map((r) => score(zs, r))],
      ];
      // `memlat calibrate --budget ...` results for this machine: data/calibrate/<machine>-<minutes>m.json
      const calibrated = existsSync(calibDir)
        ? readdirSync(calibDir)
            .map((f) => ({ f, min: new RegExp(`^${m}-(\\d+(?:\\.\\d+)?)m\\.json$`).exec(f)?.[1] }))
            .filter((x): x is { f: string; min: string } => x.min !== undefined)
            .sort((a, b) => Number(a.min) - Number(b.min))
        : [];
      // The rows calibrate measured there (data/calibrate/rows/<machine>/): each bundle is also refitted
      // with the current rule on the rows it was fitted on (the first `provenance.rows` calibration
      // rows, in the order they were written), so a change of the rule is scored without measuring.
      const rowsFile = join(calibDir, 'rows', m, 'rows.csv.gz');
      const measured = existsSync(rowsFile) ? await readDataset(rowsFile) : null;
      for (const c of calibrated) {
        const cb = readModelBundle(join(calibDir, c.f));
        if (!measured) {
          rows.push([`calibrated ${c.min} min`, runs.map((r) => score(cb, r))]);
          continue;
        }
        rows.push([`calibrated ${c.min} min, as written (rows weighted equally)`, runs.map((r) => score(cb, r))]);
        rows.push([`calibrated ${c.min} min`, runs.map((r) => score(refitCalibrated(bundle, cb, measured.rows), r))]);
      }
      for (const [name, ss] of rows) {
        const s = summary(ss);
        const lb = levelBiases(ss);
        const met = name !== 'as is' ? ([...lb.values()].every((b) => b >= ZERO_SHOT_BIAS[0] && b <= ZERO_SHOT_BIAS[1]) ? 'yes' : '**no**') : '-';
        out.push(
          `| ${m} | ${target.emulation ?? 'none'} | ${ratios.disk.toFixed(2)} / ${ratios.gemm.toFixed(2)} / ${ratios.mem.toFixed(2)} | ${transferSigma(ratios).toFixed(2)} | ${runs.length} | ${noise} | ${name} | ${pct(s.medianApe)} | ${pct(s.within20)} | ${LEVELS.map((l) => lb.get(l)?.toFixed(2) ?? '-').join(' / ')} | ${pct(s.covered)} | ${met} |`,
        );
      }
      details.push(`#### ${m} (\`${target.id}\`, ${target.emulation ?? 'not emulated'}; \`${rel(path)}\`)`, '');
      const extra = rows.slice(2);
      details.push(
        `| network | M | level | measured ms (min-max) | as is ms | zero-shot ms | zero-shot 90% interval | zero-shot error |${extra.map(([n]) => ` ${n} ms |`).join('')}`,
        `|---|---|---|---|---|---|---|---|${extra.map(() => '---|').join('')}`,
      );
      for (let i = 0; i < runs.length; i++) {
        const r = runs[i]!;
        const a = rows[0]![1][i]!;
        const z = rows[1]![1][i]!;
        const err = (z.predictedMs - r.medianMs) / r.medianMs;
        details.push(
          `| ${r.network} | ${r.limit === null ? 'none' : `${(r.limit / 2 ** 20).toFixed(0)} MiB`} | ${r.level} | ${r.medianMs.toFixed(0)} (${Math.min(...r.passTotals).toFixed(0)}-${Math.max(...r.passTotals).toFixed(0)}) | ${a.predictedMs.toFixed(0)} | ${z.predictedMs.toFixed(0)} | ${z.interval ? `${z.interval[0].toFixed(0)}-${z.interval[1].toFixed(0)}` : '-'} | ${err >= 0 ? '+' : ''}${(100 * err).toFixed(1)}% |${extra.map(([, ss]) => ` ${ss[i]!.predictedMs.toFixed(0)} |`).join('')}`,
        );
      }
      details.push('');
    }
    out.push('', ...details);
  }
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, `${out.join('\n')}\n`);
  process.stderr.write(`wrote ${outPath}\n`);
}

/**
 * `stored` (a bundle `memlat calibrate` wrote) refitted from `base` with the current rule, on the
 * first `provenance.rows` calibration rows of its machine in `rows` (what that run had measured), as
 * memlat calibrate fits: against the base without its network context.
 */
function refitCalibrated(base: LoadedBundle, stored: LoadedBundle, rows: readonly MeasurementRow[]): LoadedBundle {
  const cm = stored.bundle.model as unknown as CalibratedModelJSON;
  const hw = cm.hardware;
  const take: MeasurementRow[] = [];
  let n = 0;
  for (const r of rows) {
    if (n >= cm.provenance.rows) break;
    if (r.hardwareId !== hw.id || r.source !== CALIBRATION_SOURCE) continue;
    take.push(r);
    if (!r.oom) n++;
  }
  const obs = aggregateRows(take, new Map([[hw.id, hw]]));
  return loadBundle(calibratedBundle(base, hw, obs, { fitBase: contextFreeModel(base.model) }).bundle);
}

await main();
