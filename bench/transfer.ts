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
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { readDataset } from '../src/dataset/files.js';
import type { CallProbe, HardwareFingerprint, MeasurementRow } from '../src/dataset/schema.js';
import { aggregateRows } from '../src/models/observations.js';
import { transferRatios, transferSigma, TRANSFER_SIGMA_PER_LOG } from '../src/models/transfer.js';
import { readHardwareFile, readModelBundle } from '../src/predict/model-bundle.js';
import { transferBundle } from '../src/predict/zero-shot.js';
import { median } from '../src/stats.js';
import { validationRuns, type NetRun } from '../src/models/network-runs.js';
import { byLevel, pct, score, summary, type Scored } from './scoring.js';
import { flag } from './args.js';
import type { CalibratedModelJSON } from '../src/models/calibrated.js';
import { contextFreeModel, DEFAULT_FIT_OPTIONS, fitModelOnObservations, loadModel } from '../src/models/index.js';
import { loadBundle, makeBundle, type LoadedBundle } from '../src/predict/bundle.js';
import { calibratedBundle } from '../src/predict/calibrated-bundle.js';
import { CALIBRATION_SOURCE } from '../src/profile/calibrate-plan.js';
import type { FeSwapModelJSON } from '../src/models/fe-swap.js';

const modelPath = resolve(flag('model', 'data/models/default.json'));
const dir = resolve(flag('dir', 'data/transfer'));
const outPath = resolve(flag('out', 'bench/results/transfer.md'));
const calibDir = resolve(flag('calibrated', 'data/calibrate'));
const hereWhole = resolve(flag('here', 'data/heldout3/whole/rows.csv.gz'));
// The model machine's own layer profile, for the "here" row of the fully-profiled column: its first
// HERE_PROFILE_SHARE of rows (rows are in the order measured, so a prefix is what a shorter budget
// would have measured; the emulated machines' profiles had half the reference's 40-minute budget).
const hereProfile = resolve(flag('here-profile', 'data/reference/rows.csv.gz'));
// Held-out sets measured on host B (data/heldout5, data/heldout6: <dir>/<machine>/rows.csv[.gz]),
// scored zero-shot with and without the per-call probe.
const ON_B_SETS: readonly OnBSet[] = [
  {
    no: 6,
    dir: resolve(flag('heldout6', 'data/heldout6')),
    networks:
      "efficientnet_v2_s, mnasnet0_75, regnet_x_800mf, shufflenet_v2_x1_5, swin_v2_t, SceneNet (= Places205-CNN): held-out #4's whole networks, never run on host B",
    status:
      "pre-registered in data/heldout6/PLAN.md with the transfer rule of its commit (a load is the model machine's per-file latency plus the rest at the disk ratio), evaluated once: the test of that rule",
    hostA: resolve(flag('heldout6-host-a', 'data/heldout4/whole/rows.csv.gz')),
  },
  {
    no: 5,
    dir: resolve(flag('heldout5', 'data/heldout5')),
    networks: 'mnasnet0_5, regnet_x_400mf, shufflenet_v2_x0_5, swin_s, AgeNet, FaceNet (= CaffeNetConv)',
    status:
      'pre-registered in data/heldout5/PLAN.md for the first per-call rule, which it failed (evaluated once at 01f9fb8: zero-shot + probe bias B-E1 1.43-1.67, B-E2 1.42-1.62, B-E3b 1.01-1.35, B-none 1.31-1.90); the rule was revised looking at these runs, so the rows below, with the current rule, are seen data, not a test',
    hostA: null,
  },
];

/** A held-out set measured on host B's machines. */
interface OnBSet {
  no: number;
  dir: string;
  networks: string;
  status: string;
  /** The same networks' runs on host A, the model's machine (for the transfer-only ratio), or null. */
  hostA: string | null;
}
const HERE_PROFILE_SHARE = Number(flag('here-profile-share', '0.5'));
// A later table's plan (e.g. data/transfer-d/PLAN.md): its own heading and introduction instead of
// section 9's, which describes hosts A and B and held-out #3.
const planPath = flag('plan', '');
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
  const out: string[] = planPath ? planIntro(from) : transferIntro(from);
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
    const matrix: Array<{ head: string; cell: Map<MatrixColumn, string> }> = [];
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
      // [row name, scores, column of the compact table (null: not in it)]
      const rows: Array<[string, Scored[], MatrixColumn | null]> = [
        ['as is', runs.map((r) => score(bundle, r)), 'as is'],
        ['zero-shot', runs.map((r) => score(zs, r)), 'zero-shot'],
      ];
      // The machine's fingerprint measured again later with the per-call probe (data/heldout5/PLAN.md):
      // the runs' own rates, that probe.
      const probeFile = join(dir, m, 'probe.hardware.json');
      if (existsSync(probeFile) && !target.callProbe) {
        const later = readHardwareFile(probeFile);
        if (later.callProbe) {
          const withProbe = transferBundle(bundle, { ...target, callProbe: later.callProbe });
          rows.push([
            `zero-shot + per-call probe (measured ${(later.measuredAt ?? '?').slice(0, 16)}Z, a session after the runs)`,
            runs.map((r) => score(withProbe, r)),
            'zero-shot + per-call probe',
          ]);
        }
      }
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
      // A full layer profile of the machine (memlat profile under the same emulation): the default kind
      // fitted on it as `memlat fit` does, alone and with the shipped model's network context.
      const profiled = await profiledBundles(bundle, m);
      if (profiled) {
        rows.push([`fully profiled (${profiled.label}), fitted alone`, runs.map((r) => score(profiled.alone, r)), 'fully profiled, alone']);
        rows.push([
          `fully profiled (${profiled.label}), + shipped context`,
          runs.map((r) => score(profiled.withContext, r)),
          'fully profiled, + shipped context',
        ]);
      }
      // The machine's own shipped model (profile + its own context runs), named in <machine>/own-model.
      const ownFile = join(dir, m, 'own-model');
      if (existsSync(ownFile)) {
        const own = readFileSync(ownFile, 'utf8').trim();
        const ownBundle = readModelBundle(resolve(own));
        rows.push([`fully profiled + its own context (\`${own}\`)`, runs.map((r) => score(ownBundle, r)), 'fully profiled, + own context']);
      }
      for (const c of calibrated) {
        const cb = readModelBundle(join(calibDir, c.f));
        if (!measured) {
          rows.push([`calibrated ${c.min} min`, runs.map((r) => score(cb, r)), calibratedColumn(c.min)]);
          continue;
        }
        const obsN = (cb.bundle.model as unknown as CalibratedModelJSON).provenance.observations;
        const written = runs.map((r) => score(cb, r));
        const refit = runs.map((r) => score(refitCalibrated(bundle, cb, measured.rows), r));
        // Bundles written before the current rule differ from their refit; later ones are the refit.
        const same = written.every((w, i) => Math.abs(w.predictedMs - refit[i]!.predictedMs) <= 1e-6 * w.predictedMs);
        if (!same) rows.push([`calibrated ${c.min} min, as written (an earlier rule: rows weighted equally)`, written, null]);
        rows.push([`calibrated ${c.min} min (${obsN} layer configurations)`, refit, calibratedColumn(c.min)]);
      }
      const cell = new Map<MatrixColumn, string>();
      for (const [name, ss, column] of rows) {
        const s = summary(ss);
        if (column !== null) cell.set(column, `${pct(s.medianApe)} / ${s.bias.toFixed(2)}`);
        const lb = levelBiases(ss);
        const met = name !== 'as is' ? ([...lb.values()].every((b) => b >= ZERO_SHOT_BIAS[0] && b <= ZERO_SHOT_BIAS[1]) ? 'yes' : '**no**') : '-';
        out.push(
          `| ${m} | ${target.emulation ?? 'none'} | ${ratios.disk.toFixed(2)} / ${ratios.gemm.toFixed(2)} / ${ratios.mem.toFixed(2)} | ${transferSigma(ratios).toFixed(2)} | ${runs.length} | ${noise} | ${name} | ${pct(s.medianApe)} | ${pct(s.within20)} | ${LEVELS.map((l) => lb.get(l)?.toFixed(2) ?? '-').join(' / ')} | ${pct(s.covered)} | ${met} |`,
        );
      }
      matrix.push({ head: `| ${m} | ${target.emulation ?? 'none'} | ${noise} |`, cell });
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
    // Only the columns some machine has.
    const columns = MATRIX_COLUMNS.filter((c) => matrix.some((r) => r.cell.has(c)));
    out.push(
      '',
      '### The transfer table: median error / bias (geometric mean of predicted / measured) on the same held-out runs',
      '',
      `| machine | emulation | noise | ${columns.join(' | ')} |`,
      `|---|---|---|${columns.map(() => '---|').join('')}`,
      ...matrix.map((r) => `${r.head} ${columns.map((c) => r.cell.get(c) ?? '-').join(' | ')} |`),
      '',
      '"-": not measured on that machine. Calibrated columns are the refits with the current rule (the rows above also give bundles as written). ' +
        'Where calibrate had measured its whole plan (125 layer configurations) before the budget ran out, longer budgets measure nothing more (rows above).',
      '',
      ...details,
    );
  }
  for (const set of ON_B_SETS) out.push(...(await heldoutOnB(bundle, set)));
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, `${out.join('\n')}\n`);
  process.stderr.write(`wrote ${outPath}\n`);
}

/**
 * A held-out set on host B (data/heldout5, data/heldout6: PLAN.md there): networks run on host B under
 * each emulation with the fingerprint (per-call probe included) measured at the start. Scored: as is;
 * zero-shot by the rates alone (the fingerprint without its probe: the rule before the probe);
 * zero-shot with the probe; and, for reference, a 10-minute calibration and the machine's own full
 * profile (both measured a session earlier on the same host). With the same networks' host-A runs,
 * also the transfer alone per network: host A / host B measured against predicted.
 */
async function heldoutOnB(bundle: LoadedBundle, set: OnBSet): Promise<string[]> {
  if (!existsSync(set.dir)) return [];
  const machines = readdirSync(set.dir)
    .filter((d) => ['rows.csv.gz', 'rows.csv'].some((f) => existsSync(join(set.dir, d, f))))
    .sort();
  if (!machines.length) return [];
  const from = bundle.fittedOn ?? bundle.hardware;
  const out: string[] = [
    `### Held-out #${set.no} on host B: zero-shot with the per-call probe`,
    '',
    `${set.networks}; \`validate-runs --levels 1,0.5,none --reps 3\` on host B under each emulation; the fingerprint with its per-call probe measured at the start of the runs (rows.hardware.json). Status: ${set.status}. ` +
      `The model's machine's probe comes from its own validation runs (${from.callProbe?.source ?? 'none'}: load ${from.callProbe?.loadMs.toFixed(0) ?? '?'} / run ${from.callProbe?.runMs.toFixed(0) ?? '?'} / unload ${from.callProbe?.unloadMs.toFixed(0) ?? '?'} ms). ` +
      `"zero-shot, rates only" = the same fingerprint without its probe (the rule before it); "fully profiled + shipped context" = the default kind fitted on that machine's 20-minute profile from the session before (data/transfer/<machine>/profile), a reference for what a profile buys. Target (issue 12): zero-shot bias ${ZERO_SHOT_BIAS[0]}-${ZERO_SHOT_BIAS[1]} at every level.`,
    '',
    '| machine | emulation | per-call ratio run / unload | sigma | runs | noise | model | median error | within ±20% | bias 1x / 0.5x / none | 90% interval covers | bias target met? |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const details: string[] = [];
  // Host A's unlimited runs of the same networks: measured and predicted there (the model as is).
  const onA = new Map<string, { measured: number; predicted: number }>();
  if (set.hostA && existsSync(set.hostA)) {
    const a = await readDataset(set.hostA);
    const aRuns = validationRuns(a.rows, aggregateRows(a.rows, new Map(a.hardware.map((h) => [h.id, h]))), [1, 0.5]);
    for (const r of aRuns) if (r.limit === null) onA.set(r.network, { measured: r.medianMs, predicted: score(bundle, r).predictedMs });
  }
  const alone: string[] = [];
  for (const m of machines) {
    const path = ['rows.csv.gz', 'rows.csv'].map((f) => join(set.dir, m, f)).find((f) => existsSync(f))!;
    const ds = await readDataset(path);
    const hwMap = new Map<string, HardwareFingerprint>(ds.hardware.map((h) => [h.id, h]));
    const target = ds.hardware[0];
    if (target === undefined) throw new Error(`${rel(path)}: no hardware fingerprint beside the rows`);
    const runs = validationRuns(ds.rows, aggregateRows(ds.rows, hwMap), [1, 0.5]);
    const noise = pct(median(runs.map((r) => (Math.max(...r.passTotals) - Math.min(...r.passTotals)) / r.medianMs)));
    const ratios = transferRatios(from, target);
    const { callProbe: _probe, ...ratesOnly } = target;
    const variants: Array<[string, LoadedBundle]> = [
      ['as is', bundle],
      ['zero-shot, rates only', transferBundle(bundle, ratesOnly)],
      ['zero-shot + per-call probe', transferBundle(bundle, target)],
    ];
    // memlat calibrate's 10-minute result on that machine (a session earlier, same host), refitted with
    // the probe measured at the start of these runs, so its transfer starts from the per-call scaling.
    const cal = join(calibDir, `${m}-10m.json`);
    const calRows = join(calibDir, 'rows', m, 'rows.csv.gz');
    if (existsSync(cal) && existsSync(calRows) && target.callProbe) {
      const measured = await readDataset(calRows);
      variants.push(['calibrated 10 min + per-call probe', refitCalibrated(bundle, readModelBundle(cal), measured.rows, target.callProbe)]);
    }
    // A fresh `memlat calibrate --budget 10m` on that machine after held-out #6 was measured
    // (data/calibrate/B2-<machine>-10m.json, data/calibrate/PROVENANCE.md), as written.
    const fresh = join(calibDir, `B2-${m}-10m.json`);
    if (existsSync(fresh)) variants.push(['memlat calibrate --budget 10m (a fresh run, as written)', readModelBundle(fresh)]);
    const profiled = await profiledBundles(bundle, m);
    if (profiled) variants.push(['fully profiled + shipped context', profiled.withContext]);
    const scored = variants.map(([n, b]): [string, Scored[]] => [n, runs.map((r) => score(b, r))]);
    const c = ratios.call;
    for (const [name, ss] of scored) {
      const sm = summary(ss);
      const lb = levelBiases(ss);
      const met = name.startsWith('zero-shot') ? ([...lb.values()].every((b) => b >= ZERO_SHOT_BIAS[0] && b <= ZERO_SHOT_BIAS[1]) ? 'yes' : '**no**') : '-';
      out.push(
        `| ${m} | ${target.emulation ?? 'none'} | ${c ? `${c.run.toFixed(2)} / ${c.unload.toFixed(2)}` : '-'} | ${transferSigma(ratios).toFixed(2)} | ${runs.length} | ${noise} | ${name} | ${pct(sm.medianApe)} | ${pct(sm.within20)} | ${LEVELS.map((l) => lb.get(l)?.toFixed(2) ?? '-').join(' / ')} | ${pct(sm.covered)} | ${met} |`,
      );
    }
    if (onA.size) {
      const zsScores = scored.find(([n]) => n === 'zero-shot + per-call probe')![1];
      const ratios: number[] = [];
      runs.forEach((r, i) => {
        const a = onA.get(r.network);
        if (r.limit !== null || !a) return;
        const b = zsScores[i]!.predictedMs;
        const t = b / a.predicted / (r.medianMs / a.measured);
        ratios.push(t);
        const pc = (x: number): string => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(0)}%`;
        alone.push(
          `| ${m} | ${r.network} | ${a.measured.toFixed(0)} | ${a.predicted.toFixed(0)} (${pc(a.predicted / a.measured - 1)}) | ${r.medianMs.toFixed(0)} | ${b.toFixed(0)} (${pc(b / r.medianMs - 1)}) | ${(a.measured / r.medianMs).toFixed(2)} | ${(a.predicted / b).toFixed(2)} | ${t.toFixed(2)} |`,
        );
      });
      if (ratios.length)
        alone.push(`| ${m} | geometric mean | | | | | | | **${Math.exp(ratios.reduce((x, y) => x + Math.log(y), 0) / ratios.length).toFixed(2)}** |`);
    }
    details.push(`#### Held-out #${set.no} on ${m} (\`${target.id}\`, ${target.emulation ?? 'not emulated'}; \`${rel(path)}\`)`, '');
    details.push(
      `| network | M | level | measured ms (min-max) |${scored.map(([n]) => ` ${n} ms |`).join('')}`,
      `|---|---|---|---|${scored.map(() => '---|').join('')}`,
    );
    runs.forEach((r, i) => {
      const cells = scored.map(([, ss]) => {
        const e = (ss[i]!.predictedMs - r.medianMs) / r.medianMs;
        return ` ${ss[i]!.predictedMs.toFixed(0)} (${e >= 0 ? '+' : ''}${(100 * e).toFixed(0)}%) |`;
      });
      details.push(
        `| ${r.network} | ${r.limit === null ? 'none' : `${(r.limit / 2 ** 20).toFixed(0)} MiB`} | ${r.level} | ${r.medianMs.toFixed(0)} (${Math.min(...r.passTotals).toFixed(0)}-${Math.max(...r.passTotals).toFixed(0)}) |${cells.join('')}`,
      );
    });
    details.push('');
  }
  const aloneTable = alone.length
    ? [
        `The transfer alone, unlimited runs (host A's from \`${rel(set.hostA!)}\`, the model's machine): host A / host B measured against the model as is (host A) over zero-shot + per-call probe (host B); "transfer alone" = (predicted B / predicted A) / (measured B / measured A), 1 = the transfer moved the prediction exactly as the machine moved the time, whatever the model's own error on host A.`,
        '',
        '| machine | network | host A measured ms | host A predicted ms | host B measured ms | host B zero-shot ms | measured A / B | predicted A / B | transfer alone |',
        '|---|---|---|---|---|---|---|---|---|',
        ...alone,
        '',
      ]
    : [];
  return [...out, '', ...aloneTable, ...details];
}

/** Section 9's heading and introduction (hosts A and B, held-out #3, data/transfer/PLAN.md). */
function transferIntro(from: HardwareFingerprint): string[] {
  return [
    '## Transfer to other machines (issue 12; nothing fitted on these runs)',
    '',
    `Model \`${rel(modelPath)}\` as shipped, fitted on \`${from.id}\` (disk ${Math.round((from.diskReadBytesPerSec ?? NaN) / 2 ** 20)} MiB/s, GEMM ${from.gemmGflops?.toFixed(0) ?? '?'} GFLOP/s). ` +
      `Each machine below is a 2-core VM of this kind under \`MEMLAT_EMULATE\` (docs/RUNTIME.md), measured as its own hardware (\`memlat hardware\`), then the held-out #3 whole networks ` +
      `(data/heldout3/PLAN.md, never used for fitting) run with \`validate-runs --levels 1,0.5,none\`; plan in data/transfer/PLAN.md, provenance beside the data. ` +
      `"as is" = the bundle without transfer; "zero-shot" = scaled by the fingerprint ratios (disk, memory copy, GEMM), interval widened by sigma = ${TRANSFER_SIGMA_PER_LOG} x sum |ln ratio|; "zero-shot + per-call probe" = the same with the fingerprint's per-call probe (docs/MODELS.md), for the B-* machines measured again with it a session after their runs (data/transfer/B-*/probe.hardware.json, 2026-12-01 13:05-13:20 UTC, same host). ` +
      `"here" is the model's own VM, not emulated (the held-out #3 runs of data/heldout3/whole). "calibrated N min" = \`memlat calibrate\` run on that machine with N minutes of budget in total (reruns resume), its model in data/calibrate/<machine>-<N>m.json, scored on the same runs (calibrate never measures these networks); in brackets the layer configurations it had measured (125 = its whole plan: a longer budget then measures nothing more, and the model moves only with the fingerprint calibrate re-measures at each start). ` +
      `Two hosts: E1, E2, E3, E3b and "here" ran on host A, the VM the shipped model was fitted on (\`x64-2c-24g-ecb3\`, cold disk reads 240-290 MiB/s); the B-* machines on host B, another VM of the same kind (same fingerprint id, cold disk reads ~1.3 GB/s), the same emulations, each with its own whole runs and calibrate runs (B-none: host B not emulated; B-none-nospin: the same again with \`MEMLAT_ORT_SPINNING=0\`, its fully profiled rows fitted on B-none's profile, a pre-registered test of what the context factor is, docs/MODELS.md). ` +
      `E3 is E3b's emulation before its CPU quota's period was shortened from 100 ms to 1-2 ms: under the long period a layer of a few milliseconds saved up its quota and ran faster than the fingerprint's GEMM probe said (an artefact of the emulation, data/transfer/PROVENANCE.md); kept as measured, superseded by E3b. ` +
      `"fully profiled" = \`memlat profile\` on that machine (the reference design and seed, a 20-minute budget: about half what the reference's 40 minutes measured) and the default kind fitted on it as \`memlat fit\` does, "alone" (no context runs on that machine: its whole runs are the test, so the network-context factor stays 1) and "+ shipped context" (the same fit with the shipped model's context: total factor, ctx MiB, kappa); for "here" the first half of the reference profile's rows (what a 20-minute budget measures there). ` +
      `Bias = geometric mean of predicted / measured (1 = unbiased; target for zero-shot ${ZERO_SHOT_BIAS[0]}-${ZERO_SHOT_BIAS[1]} at every level). Noise: median over runs of the passes' (max - min) / median. ` +
      `Evaluated ${new Date().toISOString().slice(0, 16)}Z by \`npm run bench:transfer\`.`,
    '',
  ];
}

/** The heading and introduction of a later table, measured by the plan at `planPath`. */
function planIntro(from: HardwareFingerprint): string[] {
  return [
    `## Transfer to other machines under the current rule (issue 12; plan ${planPath}, nothing fitted on these runs)`,
    '',
    `Model \`${rel(modelPath)}\` as shipped, fitted on \`${from.id}\` (disk ${Math.round((from.diskReadBytesPerSec ?? NaN) / 2 ** 20)} MiB/s, GEMM ${from.gemmGflops?.toFixed(0) ?? '?'} GFLOP/s: another VM than the machines below). ` +
      `Machines, test networks and commands are in ${planPath} (written before measuring), provenance beside it; each machine is measured as its own hardware (its fingerprint from the start of its runs). ` +
      `"as is" = the bundle without transfer; "zero-shot" = moved by the machine's fingerprint (src/predict/zero-shot.ts transferBundle: what \`predict\` answers on a machine that differs from the model's), interval widened by the transfer's sigma; ` +
      `"calibrated N min" = \`memlat calibrate\` on that machine with N minutes of budget in total (reruns resume; data/calibrate/<machine>-<N>m.json, refitted with the current rule on the rows it had measured: identical to the file when written under it), in brackets the layer configurations it had measured; ` +
      `"fully profiled" = \`memlat profile\` on that machine (the reference design and seed) and the default kind fitted on it as \`memlat fit\` does, alone (network-context factor 1) and with the shipped model's context; "+ its own context" = the machine's own shipped model (profile and context runs there). ` +
      `Bias = geometric mean of predicted / measured (target for zero-shot ${ZERO_SHOT_BIAS[0]}-${ZERO_SHOT_BIAS[1]} at every level). Noise: median over runs of the passes' (max - min) / median. ` +
      `Evaluated ${new Date().toISOString().slice(0, 16)}Z by \`node dist/bench/transfer.js --plan ${planPath} --dir ${rel(dir)} ...\`.`,
    '',
  ];
}

/** Columns of the compact transfer table (the issue's: zero-shot, calibrated 1/2/5/10 min, fully profiled). */
const MATRIX_COLUMNS = [
  'as is',
  'zero-shot',
  'zero-shot + per-call probe',
  'calibrated 1 min',
  'calibrated 2 min',
  'calibrated 5 min',
  'calibrated 10 min',
  'fully profiled, alone',
  'fully profiled, + shipped context',
  'fully profiled, + own context',
] as const;
type MatrixColumn = (typeof MATRIX_COLUMNS)[number];

/** The compact table's column of a calibrate budget in minutes (null for budgets it has no column for). */
function calibratedColumn(min: string): MatrixColumn | null {
  const c = `calibrated ${Number(min)} min`;
  return (MATRIX_COLUMNS as readonly string[]).includes(c) ? (c as MatrixColumn) : null;
}

/**
 * "Fully profiled" models of machine `m`: the default kind fitted with the default options
 * (DEFAULT_FIT_OPTIONS, what `memlat fit --data` does) on that machine's layer profile
 * (data/transfer/<m>/profile/rows.csv[.gz]; for "here" a prefix of the reference profile), twice:
 *   - alone: no whole-network runs to fit the network context on (there are none on that machine
 *     but the evaluation runs), so the context stays neutral (factor 1), as for a user who profiled
 *     but ran no context networks;
 *   - + shipped context: the same fit with the shipped bundle's context (total factor, ctx MiB,
 *     kappa), fitted on the model machine's context networks, carried over unchanged.
 * Both take the shipped bundle's interval calibration. Null when there is no profile.
 */
async function profiledBundles(base: LoadedBundle, m: string): Promise<{ label: string; alone: LoadedBundle; withContext: LoadedBundle } | null> {
  let rows: MeasurementRow[];
  let hw: HardwareFingerprint[];
  let label: string;
  if (m === 'here') {
    if (!existsSync(hereProfile)) return null;
    const ds = await readDataset(hereProfile);
    rows = ds.rows.slice(0, Math.round(ds.rows.length * HERE_PROFILE_SHARE));
    hw = ds.hardware;
    label = `first ${Math.round(100 * HERE_PROFILE_SHARE)}% of ${rel(hereProfile)}, ${rows.length} rows`;
  } else {
    // A machine folder may borrow another's profile (data/transfer/<m>/profile-from: that machine's
    // name), e.g. the same machine measured again with an executor setting its profile does not feel.
    const fromFile = join(dir, m, 'profile-from');
    const src = existsSync(fromFile) ? readFileSync(fromFile, 'utf8').trim() : m;
    const p = ['rows.csv.gz', 'rows.csv'].map((f) => join(dir, src, 'profile', f)).find((f) => existsSync(f));
    if (!p) return null;
    const ds = await readDataset(p);
    rows = ds.rows;
    hw = ds.hardware;
    label = src === m ? `${rows.length} rows` : `${src}'s profile, ${rows.length} rows`;
  }
  const hwMap = new Map(hw.map((h) => [h.id, h]));
  const own = hw[0];
  if (own === undefined) throw new Error(`${m}: the profile has no hardware fingerprint beside its rows`);
  const alone = fitModelOnObservations('fe-swap', aggregateRows(rows, hwMap), DEFAULT_FIT_OPTIONS);
  const shipped = base.model.toJSON() as unknown as FeSwapModelJSON;
  const withContext = loadModel({ ...(alone.toJSON() as unknown as FeSwapModelJSON), context: shipped.context });
  const extra = base.calibration ? { calibration: base.calibration } : {};
  return {
    label,
    alone: loadBundle(makeBundle(alone, own, extra)),
    withContext: loadBundle(makeBundle(withContext, own, extra)),
  };
}

/**
 * `stored` (a bundle `memlat calibrate` wrote) refitted from `base` with the current rule, on the
 * first `provenance.rows` calibration rows of its machine in `rows` (what that run had measured), as
 * memlat calibrate fits: against the base without its network context.
 */
function refitCalibrated(base: LoadedBundle, stored: LoadedBundle, rows: readonly MeasurementRow[], probe?: CallProbe): LoadedBundle {
  const cm = stored.bundle.model as unknown as CalibratedModelJSON;
  // With `probe`: the machine's fingerprint as calibrate measured it plus a per-call probe measured later.
  const hw = probe ? { ...cm.hardware, callProbe: probe } : cm.hardware;
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
