// `memlat fit` and `memlat evaluate` end to end through runCli on a synthetic dataset file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureCli } from '../helpers/cli.js';
import { writeDataset } from '../../src/dataset/files.js';
import { loadBundle } from '../../src/predict/bundle.js';
import { aggregateRows } from '../../src/models/observations.js';
import { exactLaw, HW, HW_MAP, syntheticRows } from '../helpers/synthetic.js';
import { tempDirForFile } from '../helpers/tmp.js';

const capture = captureCli;

const dir = tempDirForFile('memlat-fit-');
const data = join(dir, 'rows.csv');
const rows = syntheticRows(exactLaw);

test('memlat fit --model fe writes a bundle that predicts the law; evaluate --json scores it ~0%', async () => {
  await writeDataset(data, rows, { hardware: [HW] });
  const out = join(dir, 'fe.json');
  const fit = await capture(['fit', '--model', 'fe', '--data', data, '--out', out]);
  assert.equal(fit.code, 0, fit.err);
  assert.match(fit.err, /204 layer configurations from 612 rows -> .*fe\.json \(bundle with hardware hw-syn[;)]/);
  const bundle = loadBundle(JSON.parse(readFileSync(out, 'utf8')) as unknown);
  assert.equal(bundle.model.kind, 'fe');
  assert.equal(bundle.hardware.id, 'hw-syn');
  const o = aggregateRows(rows, HW_MAP)[3]!;
  assert.ok(Math.abs(bundle.model.predict(o).runMs / o.runMs - 1) < 1e-6);

  const ev = await capture(['evaluate', '--data', data, '--models', 'fe', '--split', 'memory', '--json']);
  assert.equal(ev.code, 0, ev.err);
  const doc = JSON.parse(ev.out) as {
    split: string;
    folds: { name: string }[];
    rows: { model: string; target: string; slice: string; metrics: { mapePct: number; n: number } }[];
  };
  assert.equal(doc.split, 'memory');
  assert.equal(doc.folds.length, 3);
  const run = doc.rows.find((r) => r.target === 'run' && r.slice === 'all')!;
  assert.equal(run.metrics.n, 204);
  assert.ok(run.metrics.mapePct < 1e-4);
});

test('memlat evaluate prints one table; bad flags are one-line user errors (exit 2)', async () => {
  const ev = await capture(['evaluate', '--data', data, '--models', 'fe', '--split', 'kfold', '--folds', '3', '--slices', 'all']);
  assert.equal(ev.code, 0, ev.err);
  assert.match(ev.out, /^split kfold: 3 folds over 204 layer configurations/);
  assert.equal(ev.out.split('\n').filter((l) => l.startsWith('fe ')).length, 5); // load run unload total network
  const bad = await capture(['evaluate', '--data', data, '--split', 'layers']);
  assert.equal(bad.code, 2);
  assert.equal(bad.err, 'memlat: --split "layers": unknown split; use one of kfold, network, memory, hardware\n');
  const badModel = await capture(['fit', '--model', 'lm', '--data', data, '--out', join(dir, 'x.json')]);
  assert.equal(badModel.code, 2);
  assert.match(badModel.err, /^memlat: --model "lm": unknown model kind; use one of fe, fs, fe-swap, physical, gbt, hybrid, roofline\n$/);
  const hw = await capture(['evaluate', '--data', data, '--split', 'hardware']);
  assert.equal(hw.code, 2);
  assert.match(hw.err, /--split hardware: the data comes from 1 machine/);
});

test('memlat fit --context: fe-swap fits its network context on the given runs; other kinds refuse the flag', async () => {
  await writeDataset(data, rows, { hardware: [HW] });
  const out = join(dir, 'fe-swap.json');
  const ok = await capture(['fit', '--model', 'fe-swap', '--data', data, '--context', data, '--out', out]);
  assert.equal(ok.code, 0, ok.err);
  // the synthetic rows hold 68 one-layer "networks" at 2 limits each, with an unlimited run each
  assert.match(ok.err, /network context: total factor [\d.]+ from 68 unlimited runs; ctx -?[\d.]+ MiB, kappa [\d.]+ from 136 limited runs of s0000, s0001, /);
  assert.match(ok.err, /\(rms ln error of the total's slowdown [\d.]+ -> [\d.]+\)/);
  const bundle = loadBundle(JSON.parse(readFileSync(out, 'utf8')) as unknown);
  assert.equal(bundle.model.kind, 'fe-swap');
  assert.match((JSON.parse(readFileSync(out, 'utf8')) as { provenance: { command: string } }).provenance.command, /--context /);
  // the 90% network interval, split-conformal on the 204 context runs: the 10th and 195th of the
  // sorted ln(measured / predicted) run totals (floor(205 x 0.05), ceil(205 x 0.95)), recomputed
  // here from the rows (median pass per run; one-layer networks, so no session term)
  assert.match(ok.err, /\n90% network interval: x[\d.]+ to x[\d.]+ of the point, calibrated on 204 context runs\n/);
  assert.ok(bundle.calibration);
  assert.equal(bundle.calibration.n, 204);
  assert.equal(bundle.calibration.coverage, 0.9);
  const obs = aggregateRows(rows, HW_MAP);
  const passes = new Map<string, Map<number, number>>();
  for (const r of rows) {
    const k = `${r.network}|${r.memoryLimitBytes ?? 'none'}`;
    const m = passes.get(k) ?? new Map<number, number>();
    m.set(r.rep, (m.get(r.rep) ?? 0) + r.loadMs + r.runMs + (r.unloadMs ?? 0));
    passes.set(k, m);
  }
  const lr = obs
    .map((o) => {
      const v = [...passes.get(`${o.network}|${o.memoryLimitBytes ?? 'none'}`)!.values()].sort((a, b) => a - b);
      const measured = v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
      const p = bundle.model.predict({ ...o, networkLayers: 1 });
      return Math.log(measured / (p.loadMs + p.runMs + p.unloadMs));
    })
    .sort((a, b) => a - b);
  assert.equal(lr.length, 204);
  assert.ok(Math.abs(bundle.calibration.logLow - lr[9]!) < 1e-9, `${bundle.calibration.logLow} vs ${lr[9]}`);
  assert.ok(Math.abs(bundle.calibration.logHigh - lr[194]!) < 1e-9, `${bundle.calibration.logHigh} vs ${lr[194]}`);
  // six one-layer networks (18 runs) are too few for a 90% interval: none, and said why
  const fewPath = join(dir, 'few.csv');
  const few = new Set([...new Set(rows.map((r) => r.network))].slice(0, 6));
  await writeDataset(
    fewPath,
    rows.filter((r) => few.has(r.network)),
    { hardware: [HW] },
  );
  const outFew = join(dir, 'few.json');
  const fewFit = await capture(['fit', '--model', 'fe-swap', '--data', data, '--context', fewPath, '--out', outFew]);
  assert.equal(fewFit.code, 0, fewFit.err);
  assert.match(fewFit.err, /\nno network interval: 18 context runs \(network, limit\); a 90% interval needs at least 19\n/);
  assert.equal(loadBundle(JSON.parse(readFileSync(outFew, 'utf8')) as unknown).calibration, null);
  // --session-bytes: recorded in the context (and the provenance); refused without --context
  const outS = join(dir, 'fe-swap-s.json');
  const withS = await capture(['fit', '--model', 'fe-swap', '--data', data, '--context', data, '--session-bytes', '130KiB', '--out', outS]);
  assert.equal(withS.code, 0, withS.err);
  const docS = JSON.parse(readFileSync(outS, 'utf8')) as { model: { context: { sessionBytesPerLayer?: number } }; provenance: { command: string } };
  assert.equal(docS.model.context.sessionBytesPerLayer, 130 * 1024);
  assert.match(docS.provenance.command, / --session-bytes 130KiB$/);
  const noCtx = await capture(['fit', '--model', 'fe-swap', '--data', data, '--session-bytes', '130KiB', '--out', join(dir, 'z.json')]);
  assert.equal(noCtx.code, 2);
  assert.match(noCtx.err, /^memlat: --session-bytes 133120: only the network context uses it; give --context runs too, or drop --session-bytes\n$/);
  // --evictable-sessions: the context gets a fitted refault cost and the fixed cold part; needs --session-bytes
  const outE = join(dir, 'fe-swap-e.json');
  const withE = await capture([
    'fit',
    '--model',
    'fe-swap',
    '--data',
    data,
    '--context',
    data,
    '--session-bytes',
    '130KiB',
    '--evictable-sessions',
    '--out',
    outE,
  ]);
  assert.equal(withE.code, 0, withE.err);
  const docE = JSON.parse(readFileSync(outE, 'utf8')) as { model: { context: { refaultMsPerMiB?: number; sessionColdMiB?: number } } };
  assert.equal(docE.model.context.sessionColdMiB, 48);
  assert.ok(typeof docE.model.context.refaultMsPerMiB === 'number' && docE.model.context.refaultMsPerMiB >= 0);
  assert.match(
    withE.err,
    /sessions: 130 KiB per layer, kept only beside the largest layer \(cold footprint 48 MiB\); the rest faulted back at [\d.]+ ms per MiB/,
  );
  const noS = await capture(['fit', '--model', 'fe-swap', '--data', data, '--context', data, '--evictable-sessions', '--out', join(dir, 'z.json')]);
  assert.equal(noS.code, 2);
  assert.match(
    noS.err,
    /^memlat: --evictable-sessions: it lets the sessions of the session term be pushed out; give --session-bytes too \(e.g. 130KiB\), or drop --evictable-sessions\n$/,
  );
  // --in-network: 68 one-layer runs are too few layers to learn it from (80 per phase), said so; refused without --context
  const outN = join(dir, 'fe-swap-n.json');
  const withN = await capture(['fit', '--model', 'fe-swap', '--data', data, '--context', data, '--in-network', '--out', outN]);
  assert.equal(withN.code, 0, withN.err);
  assert.match(withN.err, /in-network base: not fitted, 68 layers of 68 unlimited runs are too few \(80 or more per phase\); the isolated base is used/);
  assert.match((JSON.parse(readFileSync(outN, 'utf8')) as { provenance: { command: string } }).provenance.command, / --in-network$/);
  const noCtxN = await capture(['fit', '--model', 'fe-swap', '--data', data, '--in-network', '--out', join(dir, 'z.json')]);
  assert.equal(noCtxN.code, 2);
  assert.match(
    noCtxN.err,
    /^memlat: --in-network: the correction is learned from whole-network runs; give --context runs with unlimited passes too, or drop --in-network\n$/,
  );
  // --call-cost: fitted with the total factor on the context's unlimited runs, said so and stored; refused without --context
  const outC = join(dir, 'fe-swap-c.json');
  const withC = await capture(['fit', '--model', 'fe-swap', '--data', data, '--context', data, '--call-cost', '--out', outC]);
  assert.equal(withC.code, 0, withC.err);
  assert.match(withC.err, /per-call cost: [\d.]+ ms added to each layer's run inside a network, fitted with the total factor on 68 unlimited runs/);
  const docC = JSON.parse(readFileSync(outC, 'utf8')) as { model: { context: { callMsPerLayer?: number } }; provenance: { command: string } };
  assert.ok(docC.model.context.callMsPerLayer! >= 0 && docC.model.context.callMsPerLayer! <= 5, `callMsPerLayer ${docC.model.context.callMsPerLayer}`);
  assert.match(docC.provenance.command, / --call-cost$/);
  const noCtxC = await capture(['fit', '--model', 'fe-swap', '--data', data, '--call-cost', '--out', join(dir, 'z.json')]);
  assert.equal(noCtxC.code, 2);
  assert.match(
    noCtxC.err,
    /^memlat: --call-cost: the per-call cost is fitted on whole-network runs; give --context runs with unlimited passes too, or drop --call-cost\n$/,
  );
  // --base: the default kind's base is the bundled default's (hybrid); --base gbt fits boosted trees
  // instead; a kind without a base or an unknown base is refused with the field named
  type BaseDoc = { model: { basePhases?: Record<string, string>; hybrid?: unknown; trees?: unknown }; provenance: { command: string } };
  const outDef = join(dir, 'default-base.json');
  const def = await capture(['fit', '--data', data, '--out', outDef]);
  assert.equal(def.code, 0, def.err);
  const dDef = JSON.parse(readFileSync(outDef, 'utf8')) as BaseDoc;
  assert.deepEqual(dDef.model.basePhases, { load: 'hybrid', run: 'hybrid', unload: 'hybrid' });
  assert.ok(dDef.model.hybrid !== undefined && dDef.model.trees === undefined);
  const outG = join(dir, 'gbt-base.json');
  const g = await capture(['fit', '--data', data, '--base', 'gbt', '--out', outG]);
  assert.equal(g.code, 0, g.err);
  const dG = JSON.parse(readFileSync(outG, 'utf8')) as BaseDoc;
  assert.deepEqual(dG.model.basePhases, { load: 'gbt', run: 'gbt', unload: 'gbt' });
  assert.ok(dG.model.trees !== undefined && dG.model.hybrid === undefined);
  assert.match(dG.provenance.command, / --base gbt$/);
  assert.match(def.err, /^base: hybrid on the passes that do not swap;/m);
  // --base-rows unlimited: stored and said; an unknown value refused by name
  const outU = join(dir, 'unlimited-base.json');
  const u = await capture(['fit', '--data', data, '--base-rows', 'unlimited', '--out', outU]);
  assert.equal(u.code, 0, u.err);
  assert.match(u.err, /^base: hybrid on the unlimited passes only;/m);
  const dU = JSON.parse(readFileSync(outU, 'utf8')) as { model: { baseRows?: string }; provenance: { command: string } };
  assert.equal(dU.model.baseRows, 'unlimited');
  assert.match(dU.provenance.command, / --base-rows unlimited$/);
  const badRows = await capture(['fit', '--data', data, '--base-rows', 'cold', '--out', join(dir, 'z.json')]);
  assert.equal(badRows.code, 2);
  assert.match(badRows.err, /^memlat: --base-rows "cold": use one of no-swap, unlimited, all\n$/);
  const badBase = await capture(['fit', '--data', data, '--base', 'forest', '--out', join(dir, 'z.json')]);
  assert.equal(badBase.code, 2);
  assert.match(badBase.err, /^memlat: --base "forest": use one of fe, gbt, hybrid\n$/);
  const baseFe = await capture(['fit', '--model', 'fe', '--data', data, '--base', 'gbt', '--out', join(dir, 'z.json')]);
  assert.equal(baseFe.code, 2);
  assert.match(baseFe.err, /^memlat: --base gbt: only model fe-swap has a base; drop --base or use --model fe-swap\n$/);
  const bad = await capture(['fit', '--model', 'fe', '--data', data, '--context', data, '--out', join(dir, 'y.json')]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^memlat: --context .*rows\.csv: only model fe-swap uses whole-network context runs; drop --context or use --model fe-swap\n$/);
});
