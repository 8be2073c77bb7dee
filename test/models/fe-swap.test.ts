import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MeasurementRow } from '../../src/dataset/schema.js';
import type { Layer } from '../../src/network/types.js';
import { resolveLayerOutput } from '../../src/network/shapes.js';
import { layerStats } from '../../src/features/layer.js';
import { fitModel, fitModelOnObservations, loadModel } from '../../src/models/index.js';
import { aggregateRows, type LayerObservation } from '../../src/models/observations.js';
import { FeSwapModel } from '../../src/models/fe-swap.js';
import { networkMemory, noContext, sessionMemory, SESSION_BYTES } from '../../src/models/fe-swap/model.js';
import { fitCallMs } from '../../src/models/fe-swap/context.js';
import { fitFe } from '../../src/models/fe.js';
import { UserError } from '../../src/errors.js';
import { exactLaw, HW as HW0 } from '../helpers/synthetic.js';

const MiB = 2 ** 20;
// A disk so fast that the ratio offset (time to read the working set once) is ~0: the law's
// slowdown is then exactly a ratio of times, which the known-answer tests check.
const HW = { ...HW0, diskReadBytesPerSec: 1e18 };
const HW_MAP = new Map([[HW.id, HW]]);
const IDLE = HW.runtimeIdleBytes!;

/**
 * The slowdown law of the synthetic profile: with headroom h = M - idle - ws (MiB), run is 4x and
 * load 2x slower when h < 0 (the layer swaps); unload never changes. A step, which trees represent
 * exactly; layers that do not swap follow exactLaw, which FE represents exactly.
 */
const slow = (h: number): { load: number; run: number; unload: number } => (h < 0 ? { load: 2, run: 4, unload: 1 } : { load: 1, run: 1, unload: 1 });

function layers(): { layer: Layer; inputShapes: number[][] }[] {
  const out: { layer: Layer; inputShapes: number[][] }[] = [];
  for (const inF of [512, 1024, 2048, 4096, 8192])
    for (const units of [256, 1024, 4096]) out.push({ layer: { type: 'dense', name: 'fc', inputs: ['x'], units }, inputShapes: [[1, inF]] });
  for (const c of [16, 64, 128])
    for (const hw of [28, 56])
      out.push({ layer: { type: 'conv2d', name: 'conv', inputs: ['x'], outChannels: 64, kernel: 3, padding: 1 }, inputShapes: [[1, c, hw, hw]] });
  return out;
}

/** Headroom offsets (MiB) the synthetic profile measures each layer at, plus unlimited. */
const OFFSETS = [-64, -32, -16, -8, 0, 8, 24, 32, 64, 128];

function row(li: number, layer: Layer, inputShapes: number[][], mem: number | null, net: string, index: number, ctxMiB = 0): MeasurementRow {
  const outputShape = resolveLayerOutput(layer, inputShapes);
  const st = layerStats({ index: 0, layer, inputShapes, outputShape }, { threads: HW.cores });
  const t = exactLaw({ macs: st.macs, weightBytes: st.weightBytes, swapBytes: 0, workingSetBytes: st.workingSetBytes, type: layer.type });
  const s = mem === null ? { load: 1, run: 1, unload: 1 } : slow((mem - IDLE - st.workingSetBytes) / MiB - ctxMiB);
  return {
    hardwareId: HW.id,
    source: 'synthetic',
    network: net,
    layerIndex: index,
    layerName: `${layer.name}${li}`,
    layerType: layer.type,
    layer,
    inputShapes,
    outputShape,
    memoryLimitBytes: mem,
    rep: 0,
    loadMs: Math.exp(t.load) * s.load,
    runMs: Math.exp(t.run) * s.run,
    unloadMs: Math.exp(t.unload!) * s.unload,
    majorFaults: null,
    swapInPages: null,
    swapOutPages: null,
    oom: false,
  };
}

/** The isolated-layer profile: every layer at every offset and unlimited, each its own "network". */
function profileRows(): MeasurementRow[] {
  const rows: MeasurementRow[] = [];
  layers().forEach(({ layer, inputShapes }, li) => {
    const ws = layerStats({ index: 0, layer, inputShapes, outputShape: resolveLayerOutput(layer, inputShapes) }, { threads: HW.cores }).workingSetBytes;
    for (const d of OFFSETS) rows.push(row(li, layer, inputShapes, Math.round(IDLE + ws + d * MiB), `s${li}`, 0));
    rows.push(row(li, layer, inputShapes, null, `s${li}`, 0));
  });
  return rows;
}

const rows = profileRows();
const obs = aggregateRows(rows, HW_MAP);
const at = (o: LayerObservation, memoryBytes: number): LayerObservation => ({ ...o, memoryBytes });

test('fe-swap: unlimited time is FE (smearing) fitted on the layers that do not swap, exactly', () => {
  const m = fitModelOnObservations('fe-swap', obs, { feSwap: { epsMs: 0 } }) as FeSwapModel;
  const fe = fitFe(
    obs.filter((o) => o.memoryLimitBytes === null || o.swapBytes === 0),
    { backTransform: 'smearing' },
  );
  for (const o of obs.filter((x) => x.memoryLimitBytes === null)) assert.deepEqual(m.predict(o), fe.predict(o));
});

test('fe-swap baseRows unlimited: a base fitted on the unlimited passes only ignores limited passes measured in another state, exactly; stored and refused by name', () => {
  // The limited passes that do not swap ran 1.5x faster than the unlimited ones (as back-to-back
  // passes run against cold ones): the default base takes them in, 'unlimited' does not.
  const warm = rows.map((r) => (r.memoryLimitBytes === null ? r : { ...r, runMs: r.runMs / 1.5 }));
  const wobs = aggregateRows(warm, HW_MAP);
  const only = fitModelOnObservations('fe-swap', wobs, { feSwap: { epsMs: 0, baseRows: 'unlimited' } }) as FeSwapModel;
  const mixed = fitModelOnObservations('fe-swap', wobs, { feSwap: { epsMs: 0 } }) as FeSwapModel;
  const fe = fitFe(
    wobs.filter((o) => o.memoryLimitBytes === null),
    { backTransform: 'smearing' },
  );
  const unlimited = wobs.filter((x) => x.memoryLimitBytes === null);
  for (const o of unlimited) assert.deepEqual(only.predict(o), fe.predict(o));
  // with the faster limited passes mixed in, the unlimited runs come out faster than measured
  const ratio = unlimited.reduce((a, o) => a + Math.log(mixed.predict(o).runMs / o.runMs), 0) / unlimited.length;
  assert.ok(ratio < -0.05, `mixed base mean ln(predicted / measured) ${ratio}`);
  assert.equal(only.data.baseRows, 'unlimited');
  assert.equal(mixed.data.baseRows, undefined);
  const j = JSON.parse(JSON.stringify(only.toJSON())) as Record<string, unknown>;
  assert.deepEqual(loadModel(j).predict(unlimited[0]!), only.predict(unlimited[0]!));
  assert.throws(
    () => loadModel({ ...j, baseRows: 'cold' }),
    (e: unknown) => e instanceof UserError && /"baseRows" "cold" must be one of no-swap, unlimited, all/.test(e.message),
  );
});

test('fe-swap: recovers a known step slowdown of each phase from paired limits', () => {
  const m = fitModelOnObservations('fe-swap', obs, { feSwap: { epsMs: 0 } }) as FeSwapModel;
  const none = obs.filter((o) => o.memoryLimitBytes === null);
  assert.ok(none.length >= 20);
  let worst = 0;
  for (const o of none) {
    const ws = layerStats(o.layer, { threads: HW.cores }).workingSetBytes;
    const base = m.predict(o);
    for (const [h, want] of [
      [-40, slow(-40)],
      [-12, slow(-12)],
      [4, slow(4)],
      [48, slow(48)],
      [100, slow(100)],
    ] as const) {
      const p = m.predict(at(o, IDLE + ws + h * MiB));
      worst = Math.max(
        worst,
        Math.abs(Math.log(p.loadMs / base.loadMs / want.load)),
        Math.abs(Math.log(p.runMs / base.runMs / want.run)),
        Math.abs(Math.log(p.unloadMs / base.unloadMs / want.unload)),
      );
    }
  }
  assert.ok(worst < 0.02, `max |ln(predicted slowdown / law)| = ${worst.toFixed(4)}`);
  assert.deepEqual(m.data.context, { totalFactor: 1, unlimitedRuns: 0, ctxMiB: 0, kappa: 1, runs: 0, networks: [], rmsLogBefore: null, rmsLogAfter: null });
});

test('fe-swap: more memory is never predicted slower (monotone table), on either headroom axis', () => {
  for (const headroomScaleMiB of [0, 64]) {
    const m = fitModelOnObservations('fe-swap', obs, { feSwap: { headroomScaleMiB } }) as FeSwapModel;
    assert.equal(m.data.headroomScaleMiB, headroomScaleMiB);
    for (const o of obs.filter((x) => x.memoryLimitBytes === null)) {
      let prev = Infinity;
      for (let M = IDLE + MiB; M < 2 * 1024 * MiB; M += 3 * MiB) {
        const p = m.predict(at(o, M));
        const t = p.loadMs + p.runMs + p.unloadMs;
        assert.ok(t <= prev + 1e-9, `c=${headroomScaleMiB} ${o.network}: ${t} ms at ${M / MiB} MiB > ${prev} ms with less memory`);
        prev = t;
      }
    }
  }
});

test('fe-swap: the network-context fit recovers the context memory (ctx) and a total factor from whole-network runs', () => {
  // "networks" of 6 layers each, run at limits around their largest layer, where the context takes
  // 24 MiB (observed slowdown = law at h - 24 MiB) and every layer takes 1.25x its isolated time
  const ls = layers();
  const ctxRows: MeasurementRow[] = [];
  for (let n = 0; n < 3; n++) {
    const members = ls.filter((_, i) => i % 3 === n).slice(0, 6);
    const wsMax = Math.max(
      ...members.map(
        ({ layer, inputShapes }) =>
          layerStats({ index: 0, layer, inputShapes, outputShape: resolveLayerOutput(layer, inputShapes) }, { threads: HW.cores }).workingSetBytes,
      ),
    );
    // limits that put every layer (working sets within 8 MiB of the largest) clearly on one side
    // of the step at h = 24 MiB
    for (const d of [-40, -20, 0, 10, 40, 60, 90, null]) {
      const mem = d === null ? null : Math.round(IDLE + wsMax + d * MiB);
      members.forEach(({ layer, inputShapes }, i) => {
        const r = row(i, layer, inputShapes, mem, `net${n}`, i, 24);
        ctxRows.push({ ...r, loadMs: r.loadMs * 1.25, runMs: r.runMs * 1.25, unloadMs: r.unloadMs! * 1.25 });
      });
    }
  }
  const m = fitModelOnObservations('fe-swap', obs, { feSwap: { epsMs: 0, context: { rows: ctxRows, hardware: HW_MAP } } }) as FeSwapModel;
  const c = m.data.context;
  assert.equal(c.unlimitedRuns, 3);
  assert.ok(Math.abs(c.totalFactor / 1.25 - 1) < 0.02, `total factor ${c.totalFactor}, expected 1.25`);
  assert.equal(c.runs, 3 * 7);
  assert.deepEqual(c.networks, ['net0', 'net1', 'net2']);
  // identifiable up to the gap in the data: the profile's step lies between h = -8 and 0, the
  // context's between d + 8 = 18 and 40, so any ctx in (18 + 0, 40 + 8] reproduces every run
  assert.ok(c.ctxMiB > 18 && c.ctxMiB <= 48, `ctx ${c.ctxMiB} MiB, expected 24 (anything in (18, 48] fits these runs)`);
  assert.ok(Math.abs(c.kappa - 1) < 0.05, `kappa ${c.kappa}, expected 1`);
  assert.equal(c.atGridEdge, false);
  assert.ok(c.rmsLogBefore! > 0.1 && c.rmsLogAfter! < 0.02, `rms ln error ${c.rmsLogBefore} -> ${c.rmsLogAfter}`);
  // and predicts the context networks' totals
  const ctxObs = aggregateRows(ctxRows, HW_MAP);
  let worst = 0;
  for (const net of ['net0', 'net1', 'net2']) {
    for (const lim of new Set(ctxObs.filter((o) => o.network === net).map((o) => o.memoryLimitBytes))) {
      const os = ctxObs.filter((o) => o.network === net && o.memoryLimitBytes === lim);
      const meas = os.reduce((a, o) => a + o.loadMs + o.runMs + o.unloadMs!, 0);
      const pred = os.reduce((a, o) => {
        const p = m.predict(o);
        return a + p.loadMs + p.runMs + p.unloadMs;
      }, 0);
      worst = Math.max(worst, Math.abs(Math.log(pred / meas)));
    }
  }
  assert.ok(worst < 0.05, `worst |ln pred/measured| of a context run ${worst.toFixed(3)}`);
});

test('fe-swap: context runs the table cannot describe (1000x slower when limited) end on the grid edge, flagged', () => {
  const ls = layers().slice(0, 6);
  const ctxRows: MeasurementRow[] = [];
  for (const d of [-40, 0, 40, null]) {
    ls.forEach(({ layer, inputShapes }, i) => {
      const ws = layerStats({ index: 0, layer, inputShapes, outputShape: resolveLayerOutput(layer, inputShapes) }, { threads: HW.cores }).workingSetBytes;
      const r = row(i, layer, inputShapes, d === null ? null : Math.round(IDLE + ws + d * MiB), 'alien', i);
      const f = d === null ? 1 : 1000;
      ctxRows.push({ ...r, loadMs: r.loadMs * f, runMs: r.runMs * f, unloadMs: r.unloadMs! * f });
    });
  }
  const m = fitModelOnObservations('fe-swap', obs, { feSwap: { epsMs: 0, context: { rows: ctxRows, hardware: HW_MAP } } }) as FeSwapModel;
  assert.equal(m.data.context.kappa, 3);
  assert.equal(m.data.context.atGridEdge, true);
});

test('fe-swap: JSON round trip predicts the same; damaged files and data without pairs get clear errors', () => {
  const m = fitModel('fe-swap', rows, HW_MAP);
  const back = loadModel(JSON.parse(JSON.stringify(m.toJSON())));
  for (const o of obs.slice(0, 50)) assert.deepEqual(back.predict(o), m.predict(o));
  const j = JSON.parse(JSON.stringify(m.toJSON())) as { slowdown: { run: { lnS: number[] } } };
  j.slowdown.run.lnS.pop();
  assert.throws(
    () => loadModel(j),
    (e: unknown) => e instanceof UserError && /slowdown table "run" has inconsistent sizes/.test(e.message),
  );
  assert.throws(
    () =>
      fitModel(
        'fe-swap',
        rows.filter((r) => r.memoryLimitBytes !== null || r.network === 's0'),
        HW_MAP,
      ),
    (e: unknown) => e instanceof UserError && /no layer was measured both with and without a memory limit/.test(e.message),
  );
});

test('fe-swap base: "gbt" takes every unlimited phase from boosted trees fitted on the same rows, a per-phase record mixes fe, gbt and hybrid exactly', async () => {
  const { fitBoosted } = await import('../../src/models/boosted.js');
  const noSwap = obs.filter((o) => o.memoryLimitBytes === null || o.swapBytes === 0);
  const trees = fitBoosted(noSwap, false);
  const hybrid = fitBoosted(noSwap, true);
  const fe = fitFe(noSwap, { backTransform: 'smearing' });
  const g = fitModelOnObservations('fe-swap', obs, { feSwap: { epsMs: 0, base: 'gbt' } }) as FeSwapModel;
  const mix = fitModelOnObservations('fe-swap', obs, { feSwap: { epsMs: 0, base: { load: 'hybrid', run: 'fe', unload: 'gbt' } } }) as FeSwapModel;
  assert.equal(g.data.hybrid, undefined); // only what a phase uses is fitted and stored
  for (const o of obs.filter((x) => x.memoryLimitBytes === null)) {
    assert.deepEqual(g.predict(o), trees.predict(o));
    const t = trees.predict(o);
    const h = hybrid.predict(o);
    const f = fe.predict(o);
    assert.deepEqual(mix.predict(o), { loadMs: h.loadMs, runMs: f.runMs, unloadMs: t.unloadMs });
  }
  // round trip, and a damaged per-phase record is refused
  const back = loadModel(JSON.parse(JSON.stringify(mix.toJSON())));
  for (const o of obs.slice(0, 40)) assert.deepEqual(back.predict(o), mix.predict(o));
  const bad = { ...mix.toJSON(), basePhases: { load: 'hybrid', run: 'trees', unload: 'fe' } };
  assert.throws(
    () => loadModel(bad),
    (e: unknown) => e instanceof UserError && /"basePhases".*must give "fe", "gbt" or "hybrid"/.test(e.message),
  );
  const noTrees = { ...mix.toJSON(), trees: undefined };
  assert.throws(
    () => loadModel(noTrees),
    (e: unknown) => e instanceof UserError && /uses "gbt" but the model has no "trees"/.test(e.message),
  );
  const noHybrid = { ...mix.toJSON(), hybrid: undefined };
  assert.throws(
    () => loadModel(noHybrid),
    (e: unknown) => e instanceof UserError && /uses "hybrid" but the model has no "hybrid"/.test(e.message),
  );
});

test('fe-swap context: rmsLogUnlimited is the spread of ln(measured / predicted) unlimited totals around their mean', () => {
  // Two context "networks" (one layer each), unlimited only: measured = predicted x 2 and x 8.
  // ln ratios ln 2 and ln 8: mean ln 4 -> totalFactor 4; deviations -ln 2, +ln 2 -> rms = ln 2.
  const m0 = fitModelOnObservations('fe-swap', obs, { feSwap: { epsMs: 0 } }) as FeSwapModel;
  const pick = obs.filter((o) => o.memoryLimitBytes === null).slice(0, 2);
  const ctxRows: MeasurementRow[] = pick.map((o, k) => {
    const p = m0.predict(o);
    const f = k === 0 ? 2 : 8;
    return {
      ...rows.find((r) => r.network === o.network && r.memoryLimitBytes === null)!,
      network: `ctx${k}`,
      loadMs: p.loadMs * f,
      runMs: p.runMs * f,
      unloadMs: p.unloadMs * f,
    };
  });
  const m = fitModelOnObservations('fe-swap', obs, { feSwap: { epsMs: 0, context: { rows: ctxRows, hardware: HW_MAP } } }) as FeSwapModel;
  assert.ok(Math.abs(m.data.context.totalFactor - 4) < 1e-3, `totalFactor ${m.data.context.totalFactor}`);
  assert.ok(Math.abs(m.data.context.rmsLogUnlimited! - Math.LN2) < 1e-9, `rms ${m.data.context.rmsLogUnlimited}`);
});

/**
 * Whole-network "runs" of 5-layer networks whose measured phases are given by `phases` (a model at a
 * known context): per network, one run per entry d of its list at M = idle + its largest working set
 * + d MiB (null = no limit), its layers the first five synthetic ones `pick` takes (default: index =
 * n mod 4).
 */
function modelledContextRuns(
  nets: [string, (number | null)[]][],
  phases: (o: LayerObservation) => { loadMs: number; runMs: number; unloadMs: number },
  pick: (i: number, n: number) => boolean = (i, n) => i % 4 === n,
): { shapeObs: LayerObservation[]; ctxRows: MeasurementRow[] } {
  const hw2 = new Map([[HW0.id, HW0]]);
  const ls = layers();
  const shape: MeasurementRow[] = [];
  nets.forEach(([net, ds], n) => {
    const members = ls.filter((_, i) => pick(i, n)).slice(0, 5);
    assert.equal(members.length, 5);
    const wsMax = Math.max(
      ...members.map(
        ({ layer, inputShapes }) =>
          layerStats({ index: 0, layer, inputShapes, outputShape: resolveLayerOutput(layer, inputShapes) }, { threads: HW.cores }).workingSetBytes,
      ),
    );
    for (const d of ds) {
      const mem = d === null ? null : Math.round(HW0.runtimeIdleBytes! + wsMax + d * MiB);
      members.forEach(({ layer, inputShapes }, i) => shape.push({ ...row(i, layer, inputShapes, mem, net, i), hardwareId: HW0.id }));
    }
  });
  const shapeObs = aggregateRows(shape, hw2);
  const ctxRows = shape.map((r) => {
    const o = shapeObs.find((x) => x.network === r.network && x.memoryLimitBytes === r.memoryLimitBytes && x.layerIndex === r.layerIndex)!;
    const p = phases(o);
    return { ...r, loadMs: p.loadMs, runMs: p.runMs, unloadMs: p.unloadMs };
  });
  return { shapeObs, ctxRows };
}

test('fe-swap physical context: recovers known ctx, kappa and lambda scale; knee sweeps count against their largest limit', () => {
  // A physical-term model on a realistic disk (500 MB/s), then whole-network "runs" whose measured
  // phases are that model's at a known context (ctx 16 MiB, kappa 1.5, lambda x 0.1): two networks
  // with an unlimited run, one measured only under limits (a knee sweep), one with a single limit.
  const hw2 = new Map([[HW0.id, HW0]]);
  const m0 = fitModelOnObservations('fe-swap', aggregateRows(rows, hw2), { feSwap: { epsMs: 0, swapTerm: 'physical' } }) as FeSwapModel;
  const truth = { ctx: 16, kappa: 1.5, ls: 0.1 };
  const nets: [string, (number | null)[]][] = [
    ['net0', [-120, -60, -30, -10, 0, 20, 60, null]],
    ['net1', [-90, -40, -20, -5, 10, 40, null]],
    ['knee0', [-100, -50, -25, -12, 0, 12, 25, 50]],
    ['single', [-50]],
  ];
  const { shapeObs, ctxRows } = modelledContextRuns(nets, (o) => m0.phasesAt(m0.keyOf(o), o.memoryBytes, truth.ctx, truth.kappa, truth.ls));
  const m = fitModelOnObservations('fe-swap', aggregateRows(rows, hw2), {
    feSwap: { epsMs: 0, swapTerm: 'physical', context: { rows: ctxRows, hardware: hw2 } },
  }) as FeSwapModel;
  const c = m.data.context;
  // 7 + 6 limited runs against the unlimited one, 7 of knee0 against its largest limit, none of "single"
  assert.equal(c.runs, 7 + 6 + 7);
  assert.equal(c.runsAgainstLargestLimit, 7);
  assert.deepEqual(c.networks, ['knee0', 'net0', 'net1']);
  assert.equal(c.ctxMiB, truth.ctx);
  assert.ok(Math.abs(c.kappa - truth.kappa) < 1e-6, `kappa ${c.kappa}`);
  assert.equal(c.lambdaScale, truth.ls);
  assert.ok(c.rmsLogAfter! < 1e-6 && c.rmsLogBefore! > 0.05, `rms ln error ${c.rmsLogBefore} -> ${c.rmsLogAfter}`);
  // predict applies it: phases = base + kappa x extra at the fitted context, times the total factor (1 here)
  const o = shapeObs.find((x) => x.network === 'net0' && x.memoryLimitBytes !== null)!;
  const [b, e] = m.physicalParts(m.keyOf(o), o.memoryBytes, truth.ctx, truth.ls)!;
  const p = m.predict(o);
  assert.ok(e.runMs + e.loadMs > 0, 'the chosen layer swaps at this limit');
  assert.ok(Math.abs(p.runMs - c.totalFactor * (b.runMs + truth.kappa * e.runMs)) < 1e-9 * p.runMs);
  // a model without lambdaScale (older files) predicts as lambdaScale 1; a bad one is refused
  const j = JSON.parse(JSON.stringify(m.toJSON())) as { context: Record<string, unknown> };
  const j1 = { ...j, context: { ...j.context, lambdaScale: 1 } };
  const { lambdaScale: _drop, ...noScale } = j.context;
  assert.deepEqual(loadModel({ ...j, context: noScale }).predict(o), loadModel(j1).predict(o));
  // and the scale matters where the cliff is not yet saturated
  const run = (x: LayerObservation, s: number): number => m.physicalParts(m.keyOf(x), x.memoryBytes, truth.ctx, s)![1].runMs;
  const partial = shapeObs.find((x) => x.memoryLimitBytes !== null && run(x, truth.ls) > 0 && Math.abs(run(x, 1) / run(x, truth.ls) - 1) > 0.05);
  assert.ok(partial, 'some run layer lies on the slope of its cliff');
  assert.ok(loadModel(j1).predict(partial).runMs < m.predict(partial).runMs, 'a gentler cliff (lambda x 1) swaps less there');
  assert.throws(
    () => loadModel({ ...j, context: { ...j.context, lambdaScale: 0 } }),
    (err: unknown) => err instanceof UserError && /"lambdaScale" 0 must be a number > 0/.test(err.message),
  );
});

test('fe-swap physical context by family: recovers a GEMM kappa apart from the others; one kappa cannot fit such runs; predict scales each family by its own', () => {
  // Runs made by a physical model at ctx 16 MiB, lambda x 0.1 with kappa 1.5 for the convolutions
  // and 0.75 for the dense layers: two networks of dense layers (indices 0-14) and two of
  // convolutions only (indices 15-20), each at limits around its own largest layer.
  const hw2 = new Map([[HW0.id, HW0]]);
  const m0 = fitModelOnObservations('fe-swap', aggregateRows(rows, hw2), { feSwap: { epsMs: 0, swapTerm: 'physical' } }) as FeSwapModel;
  const truth = { ctx: 16, kappa: 1.5, kappaGemm: 0.75, ls: 0.1 };
  const nets: [string, (number | null)[]][] = [
    ['dense0', [-120, -60, -30, -10, 0, 20, null]],
    ['dense1', [-90, -40, -20, -5, 10, null]],
    ['conv0', [-24, -16, -12, -8, -4, 0, 8, null]],
    ['conv1', [-20, -14, -10, -6, -2, 4, null]],
  ];
  // dense0 / dense1: the even / odd dense layers; conv0 / conv1: convolutions 15-19 / 16-20
  const pick = (i: number, n: number): boolean => (n < 2 ? i < 15 && i % 2 === n : i >= 13 + n && i < 18 + n);
  const { shapeObs, ctxRows } = modelledContextRuns(
    nets,
    (o) => m0.phasesAt(m0.keyOf(o), o.memoryBytes, truth.ctx, truth.kappa, truth.ls, truth.kappaGemm),
    pick,
  );
  const fit = (kappaGemmGrid?: [number, number, number]): FeSwapModel =>
    fitModelOnObservations('fe-swap', aggregateRows(rows, hw2), {
      feSwap: { epsMs: 0, swapTerm: 'physical', context: { rows: ctxRows, hardware: hw2 }, ...(kappaGemmGrid ? { kappaGemmGrid } : {}) },
    }) as FeSwapModel;
  const m = fit([0.25, 3, 0.05]);
  const c = m.data.context;
  assert.equal(c.runs, 6 + 5 + 7 + 6);
  // the convolutions do swap at these limits, or their kappa would be anything
  const convSwaps = shapeObs.filter(
    (o) => o.network.startsWith('conv') && o.memoryLimitBytes !== null && m0.physicalParts(m0.keyOf(o), o.memoryBytes, truth.ctx, truth.ls)![1].runMs > 0,
  );
  assert.ok(convSwaps.length >= 5, `${convSwaps.length} conv layers swap`);
  assert.equal(c.ctxMiB, truth.ctx);
  assert.equal(c.lambdaScale, truth.ls);
  assert.ok(Math.abs(c.kappa - truth.kappa) < 1e-6, `kappa ${c.kappa}`);
  assert.ok(Math.abs(c.kappaGemm! - truth.kappaGemm) < 1e-6, `kappaGemm ${c.kappaGemm}`);
  assert.ok(c.rmsLogAfter! < 1e-6, `rms ln error after ${c.rmsLogAfter}`);
  // one kappa for both families leaves an error, and writes no kappaGemm
  const one = fit();
  assert.equal(one.data.context.kappaGemm, undefined);
  assert.ok(one.data.context.rmsLogAfter! > 0.01, `one kappa: rms ln error ${one.data.context.rmsLogAfter}`);
  // predict: base + kappa of the layer's family x its extra, times the total factor
  for (const fam of ['dense', 'conv']) {
    const o = shapeObs.find(
      (x) => x.network.startsWith(fam) && x.memoryLimitBytes !== null && m.physicalParts(m.keyOf(x), x.memoryBytes, truth.ctx, truth.ls)![1].runMs > 0,
    )!;
    const [b, e] = m.physicalParts(m.keyOf(o), o.memoryBytes, truth.ctx, truth.ls)!;
    const k = fam === 'dense' ? truth.kappaGemm : truth.kappa;
    assert.ok(Math.abs(m.predict(o).runMs - c.totalFactor * (b.runMs + k * e.runMs)) < 1e-9 * m.predict(o).runMs, fam);
  }
  // the file keeps it; a bad one is refused naming the field
  const j = JSON.parse(JSON.stringify(m.toJSON())) as { context: Record<string, unknown> };
  assert.equal(loadModel(j).predict(shapeObs[0]!).runMs, m.predict(shapeObs[0]!).runMs);
  assert.throws(
    () => loadModel({ ...j, context: { ...j.context, kappaGemm: -1 } }),
    (err: unknown) => err instanceof UserError && /"kappaGemm" -1 must be a number > 0/.test(err.message),
  );
});

test('networkMemory: M - (L - 1) x s below the RAM, by hand; unchanged for a lone layer, no limit, or s = 0', () => {
  const ram = 8 * 2 ** 30;
  const s = 130 * 1024;
  assert.equal(networkMemory(1000 * MiB, 101, s, ram), 1000 * MiB - 100 * s);
  assert.equal(networkMemory(1000 * MiB, 1, s, ram), 1000 * MiB);
  assert.equal(networkMemory(1000 * MiB, undefined, s, ram), 1000 * MiB);
  assert.equal(networkMemory(1000 * MiB, 101, 0, ram), 1000 * MiB);
  assert.equal(networkMemory(ram, 101, s, ram), ram);
  assert.equal(networkMemory(5 * MiB, 1000, s, ram), 1);
  assert.equal(SESSION_BYTES, 133_120);
});

test('fe-swap session term: runs made with it are fitted exactly with it; without it ctx absorbs (L - 1) x s when every network has L layers', () => {
  // Whole-network runs whose phases are a physical model's at (ctx 16 MiB, kappa 1.5, lambda x 0.1)
  // with every layer at M - (L - 1) x s, s = 2 MiB, L = 5 layers per network: a shift of 8 MiB.
  const hw2 = new Map([[HW0.id, HW0]]);
  const m0 = fitModelOnObservations('fe-swap', aggregateRows(rows, hw2), { feSwap: { epsMs: 0, swapTerm: 'physical' } }) as FeSwapModel;
  const truth = { ctx: 16, kappa: 1.5, ls: 0.1, s: 2 * MiB };
  // limits that stay above the 8 MiB shift (networkMemory never goes below 1 byte, where the shift
  // would stop being a change of ctx)
  const nets: [string, (number | null)[]][] = [
    ['net0', [-60, -30, -10, 0, 20, 60, null]],
    ['net1', [-40, -20, -5, 10, 40, null]],
  ];
  const { shapeObs, ctxRows } = modelledContextRuns(nets, (o) =>
    m0.phasesAt(m0.keyOf(o), networkMemory(o.memoryBytes, 5, truth.s, HW0.ramBytes), truth.ctx, truth.kappa, truth.ls),
  );
  for (const o of shapeObs) assert.ok(o.memoryLimitBytes === null || o.memoryLimitBytes > 16 * MiB, `limit ${o.memoryLimitBytes}`);
  const fit = (s?: number): FeSwapModel =>
    fitModelOnObservations('fe-swap', aggregateRows(rows, hw2), {
      feSwap: { epsMs: 0, swapTerm: 'physical', context: { rows: ctxRows, hardware: hw2 }, ...(s ? { sessionBytesPerLayer: s } : {}) },
    }) as FeSwapModel;
  const withS = fit(truth.s).data.context;
  assert.equal(withS.sessionBytesPerLayer, truth.s);
  assert.equal(withS.ctxMiB, truth.ctx);
  assert.ok(Math.abs(withS.kappa - truth.kappa) < 1e-6, `kappa ${withS.kappa}`);
  assert.ok(withS.rmsLogAfter! < 1e-6, `rms ${withS.rmsLogAfter}`);
  const without = fit().data.context;
  assert.equal(without.sessionBytesPerLayer, undefined);
  assert.equal(without.ctxMiB, truth.ctx + (4 * truth.s) / MiB);
  assert.ok(without.rmsLogAfter! < 1e-6, `rms ${without.rmsLogAfter}`);
  // predict reads networkLayers: a layer of a 5-layer network is the layer alone at M - 4 s
  const m = fit(truth.s);
  const o = shapeObs.find((x) => x.network === 'net0' && x.memoryLimitBytes !== null && m.predict({ ...x, networkLayers: 5 }).runMs > m.predict(x).runMs);
  assert.ok(o, 'some layer swaps more as part of the network than alone');
  assert.deepEqual(m.predict({ ...o, networkLayers: 5 }), m.predict({ ...o, memoryBytes: o.memoryBytes - 4 * truth.s }));
  assert.deepEqual(m.predict({ ...o, networkLayers: 1 }), m.predict(o));
});

test('fe-swap in-network correction: per-kind in-network factors unknown to one total factor are learned from other networks, exactly enough', () => {
  // The isolated profile as above; then unlimited whole-network runs of five networks of different
  // mixes of dense and conv layers, whose layers take, inside a network, known multiples of their
  // isolated base: dense run x 1.5, conv run x 0.7, every load x 1.2, unload x 1. One total factor
  // cannot fit networks of different mixes; the correction can (and then the total factor is 1).
  const hw2 = new Map([[HW0.id, HW0]]);
  const m0 = fitModelOnObservations('fe-swap', aggregateRows(rows, hw2), { feSwap: { epsMs: 0, swapTerm: 'physical' } }) as FeSwapModel;
  const dense = layers().filter((l) => l.layer.type === 'dense');
  const conv: { layer: Layer; inputShapes: number[][] }[] = [];
  for (const c of [16, 32, 64, 96, 128])
    for (const s of [14, 28, 56])
      conv.push({ layer: { type: 'conv2d', name: 'conv', inputs: ['x'], outChannels: 64, kernel: 3, padding: 1 }, inputShapes: [[1, c, s, s]] });
  assert.equal(dense.length, 15);
  const mixes: [number, number][] = [
    [15, 3],
    [3, 15],
    [15, 15],
    [15, 15],
    [3, 15],
  ];
  const factor = (type: string): { load: number; run: number; unload: number } => ({ load: 1.2, run: type === 'dense' ? 1.5 : 0.7, unload: 1 });
  const ctxRows: MeasurementRow[] = [];
  mixes.forEach(([nd, nc], n) => {
    const members = [...dense.slice(0, nd), ...conv.slice(0, nc)];
    members.forEach(({ layer, inputShapes }, i) => {
      const r = { ...row(i, layer, inputShapes, null, `net${n}`, i), hardwareId: HW0.id };
      const o = aggregateRows([r], hw2)[0]!;
      const b = m0.isolated(o);
      const f = factor(layer.type);
      ctxRows.push({ ...r, loadMs: b.loadMs * f.load, runMs: b.runMs * f.run, unloadMs: b.unloadMs * f.unload });
    });
  });
  const fit = (inNetwork: boolean): FeSwapModel =>
    fitModelOnObservations('fe-swap', aggregateRows(rows, hw2), {
      feSwap: { epsMs: 0, swapTerm: 'physical', context: { rows: ctxRows, hardware: hw2 }, inNetwork },
    }) as FeSwapModel;
  const withIt = fit(true);
  const without = fit(false);
  const c = withIt.data.context;
  assert.ok(c.inNetwork, 'the correction is stored in the context');
  assert.equal(c.inNetwork.layers, ctxRows.length);
  assert.equal(c.inNetwork.runs, 5);
  assert.deepEqual(Object.keys(c.inNetwork.trees).sort(), ['load', 'run', 'unload']);
  assert.equal(without.data.context.inNetwork, undefined);
  // per layer: the learned base is the isolated base times the known factor (the trees' step on type)
  const ctxObs = aggregateRows(ctxRows, hw2);
  for (const o of ctxObs) {
    const f = factor(o.layerType);
    const b = m0.isolated(o);
    const u = withIt.unlimited(o);
    assert.ok(Math.abs(u.runMs / (b.runMs * f.run) - 1) < 0.02, `${o.layerType} run ${u.runMs} vs ${b.runMs * f.run}`);
    assert.ok(Math.abs(u.loadMs / (b.loadMs * f.load) - 1) < 0.02, `${o.layerType} load ${u.loadMs} vs ${b.loadMs * f.load}`);
  }
  // network totals: within 2% of measured with it (total factor ~1); one total factor leaves the mixes apart
  const err = (m: FeSwapModel, net: string): number => {
    const os = ctxObs.filter((o) => o.network === net);
    const p = os.reduce((s, o) => s + m.predict(o).loadMs + m.predict(o).runMs + m.predict(o).unloadMs, 0);
    const meas = os.reduce((s, o) => s + o.loadMs + o.runMs + o.unloadMs!, 0);
    return p / meas - 1;
  };
  assert.ok(Math.abs(c.totalFactor - 1) < 0.02, `total factor ${c.totalFactor}`);
  assert.ok(c.rmsLogUnlimited! < 0.01, `rms ln error of totals with the correction ${c.rmsLogUnlimited}`);
  assert.ok(without.data.context.rmsLogUnlimited! > 0.1, `without it ${without.data.context.rmsLogUnlimited}`);
  for (const net of ['net0', 'net1']) assert.ok(Math.abs(err(withIt, net)) < 0.02, `${net} ${err(withIt, net)}`);
  assert.ok(Math.max(Math.abs(err(without, 'net0')), Math.abs(err(without, 'net1'))) > 0.1);
  // stored and loaded, it predicts the same; a damaged correction is refused by name
  const j = JSON.parse(JSON.stringify(withIt.toJSON())) as { context: Record<string, unknown> };
  assert.deepEqual(loadModel(j).predict(ctxObs[0]!), withIt.predict(ctxObs[0]!));
  assert.throws(
    () => loadModel({ ...j, context: { ...j.context, inNetwork: { ...(j.context.inNetwork as object), features: ['ln_flops'] } } }),
    (e: unknown) => e instanceof UserError && /"inNetwork" must have features/.test(e.message),
  );
});

test('fitCallMs: the per-call cost and total factor of totals made as f x (predicted + c x layers), closed form; flat data keeps c = 0', () => {
  // 1.5 x (10 + 1 x 10) = 30 and 1.5 x (40 + 1 x 10) = 75: only c = 1 gives both the same factor
  const r = fitCallMs(
    [
      { measured: 30, predicted: 10, layers: 10 },
      { measured: 75, predicted: 40, layers: 10 },
    ],
    [0, 2, 0.5],
  );
  assert.equal(r.callMs, 1);
  assert.ok(Math.abs(r.totalFactor - 1.5) < 1e-12);
  assert.ok(r.rmsLog < 1e-12);
  // measured = 2 x predicted for every run: any c > 0 adds spread, so c stays 0 and the factor is 2
  const flat = fitCallMs(
    [
      { measured: 20, predicted: 10, layers: 50 },
      { measured: 80, predicted: 40, layers: 5 },
    ],
    [0, 2, 0.5],
  );
  assert.deepEqual([flat.callMs, flat.totalFactor], [0, 2]);
});

test('fe-swap per-call cost: whole-network runs made with a known cost per layer call and total factor are fitted back; predict adds it to each run', () => {
  // Unlimited runs of four networks of 3-15 dense layers whose every layer runs c = 0.4 ms longer
  // inside the network than its isolated base, and every phase x 1.3 on top. One total factor
  // cannot fit networks of different layer counts and layer sizes; the per-call cost can.
  const hw2 = new Map([[HW0.id, HW0]]);
  const m0 = fitModelOnObservations('fe-swap', aggregateRows(rows, hw2), { feSwap: { epsMs: 0, swapTerm: 'physical' } }) as FeSwapModel;
  const dense = layers().filter((l) => l.layer.type === 'dense');
  const ctxRows: MeasurementRow[] = [];
  [
    [0, 3],
    [0, 15],
    [10, 15],
    [3, 9],
  ].forEach(([from, to], n) => {
    dense.slice(from, to).forEach(({ layer, inputShapes }, i) => {
      const r = { ...row(i, layer, inputShapes, null, `net${n}`, i), hardwareId: HW0.id };
      const b = m0.isolated(aggregateRows([r], hw2)[0]!);
      ctxRows.push({ ...r, loadMs: b.loadMs * 1.3, runMs: (b.runMs + 0.4) * 1.3, unloadMs: b.unloadMs * 1.3 });
    });
  });
  const fit = (callMs?: [number, number, number]): FeSwapModel =>
    fitModelOnObservations('fe-swap', aggregateRows(rows, hw2), {
      feSwap: { epsMs: 0, swapTerm: 'physical', context: { rows: ctxRows, hardware: hw2 }, ...(callMs ? { callMs } : {}) },
    }) as FeSwapModel;
  const withIt = fit([0, 2, 0.01]);
  const without = fit();
  const c = withIt.data.context;
  assert.ok(Math.abs(c.callMsPerLayer! - 0.4) < 0.006, `callMsPerLayer ${c.callMsPerLayer}`);
  assert.ok(Math.abs(c.totalFactor - 1.3) < 0.01, `total factor ${c.totalFactor}`);
  assert.ok(c.rmsLogUnlimited! < 0.01, `rms ln error of the unlimited totals ${c.rmsLogUnlimited}`);
  assert.equal(without.data.context.callMsPerLayer, undefined);
  assert.ok(without.data.context.rmsLogUnlimited! > 3 * c.rmsLogUnlimited!, `without it ${without.data.context.rmsLogUnlimited}`);
  const o = aggregateRows(ctxRows, hw2)[0]!;
  assert.equal(withIt.unlimited(o).runMs, m0.isolated(o).runMs + c.callMsPerLayer!);
  assert.equal(withIt.unlimited(o).loadMs, m0.isolated(o).loadMs);
  // stored and loaded, it predicts the same; a negative cost is refused by name
  const j = JSON.parse(JSON.stringify(withIt.toJSON())) as { context: Record<string, unknown> };
  assert.deepEqual(loadModel(j).predict(o), withIt.predict(o));
  assert.throws(
    () => loadModel({ ...j, context: { ...j.context, callMsPerLayer: -1 } }),
    (e: unknown) => e instanceof UserError && /"callMsPerLayer" -1 must be a number >= 0/.test(e.message),
  );
});

/** The sessionMemory tests' case: idle 80 MiB, sessions of 2 MiB held or evictable (cold 4 MiB), a layer at M. */
function sessionCase(): {
  hw: LayerObservation['hardware'];
  held: ReturnType<typeof noContext>;
  evict: ReturnType<typeof noContext>;
  x: (M: number, extra?: Partial<LayerObservation>) => LayerObservation;
} {
  const hw = { ...HW0, runtimeIdleBytes: 80 * MiB };
  const held = { ...noContext(), sessionBytesPerLayer: 2 * MiB };
  const evict = { ...held, refaultMsPerMiB: 10, sessionColdMiB: 4 };
  const layer = layers()[0]!;
  const x = (M: number, extra: Partial<LayerObservation> = {}): LayerObservation => ({
    ...obs[0]!,
    layer: { index: 0, layer: layer.layer, inputShapes: layer.inputShapes, outputShape: resolveLayerOutput(layer.layer, layer.inputShapes) },
    hardware: hw,
    memoryBytes: M,
    ...extra,
  });
  return { hw, held, evict, x };
}

test('sessionMemory: held sessions M - (L - 1) s; evictable ones kept only beside the largest working set, the rest pushed out, by hand', () => {
  const { hw, held, evict, x } = sessionCase();
  // 5 layers: K = 8 MiB; largest working set W = 50 MiB
  const net = { networkLayers: 5, networkMaxWorkingSetBytes: 50 * MiB };
  assert.deepEqual(sessionMemory(x(200 * MiB, net), held), { memoryBytes: 192 * MiB, evictedBytes: 0 });
  // room beside W: 200 - 80 + 4 - 50 = 74 MiB >= K: all kept, as held
  assert.deepEqual(sessionMemory(x(200 * MiB, net), evict), { memoryBytes: 192 * MiB, evictedBytes: 0 });
  // 130 - 80 + 4 - 50 = 4 MiB of room: 4 kept, 4 pushed out
  assert.deepEqual(sessionMemory(x(130 * MiB, net), evict), { memoryBytes: 126 * MiB, evictedBytes: 4 * MiB });
  // no room: nothing kept, all 8 pushed out, the layer at M itself
  assert.deepEqual(sessionMemory(x(100 * MiB, net), evict), { memoryBytes: 100 * MiB, evictedBytes: 8 * MiB });
  // the largest working set unknown: held, as before; alone or unlimited: M
  assert.deepEqual(sessionMemory(x(100 * MiB, { networkLayers: 5 }), evict), { memoryBytes: 92 * MiB, evictedBytes: 0 });
  assert.deepEqual(sessionMemory(x(100 * MiB, { ...net, networkLayers: 1 }), evict), { memoryBytes: 100 * MiB, evictedBytes: 0 });
  assert.deepEqual(sessionMemory(x(hw.ramBytes, net), evict), { memoryBytes: hw.ramBytes, evictedBytes: 0 });
});

test('sessionMemory with sessionScale: what each session holds is s x the scale (a one-thread machine from a two-thread model: 0.5), by hand', () => {
  const { held, evict, x } = sessionCase();
  const net = { networkLayers: 5, networkMaxWorkingSetBytes: 50 * MiB };
  // held: 4 sessions of 1 MiB instead of 2
  assert.deepEqual(sessionMemory(x(200 * MiB, { ...net, sessionScale: 0.5 }), held), { memoryBytes: 196 * MiB, evictedBytes: 0 });
  // evictable: K = 4 MiB; room beside W at 130 MiB: 130 - 80 + 4 - 50 = 4 MiB, all kept (at scale 1: 4 of 8 kept, 4 pushed out)
  assert.deepEqual(sessionMemory(x(130 * MiB, { ...net, sessionScale: 0.5 }), evict), { memoryBytes: 126 * MiB, evictedBytes: 0 });
  // no room: all 4 MiB pushed out
  assert.deepEqual(sessionMemory(x(100 * MiB, { ...net, sessionScale: 0.5 }), evict), { memoryBytes: 100 * MiB, evictedBytes: 4 * MiB });
  // scale 2 (four threads from two): 16 MiB, 8 MiB of room at 134 MiB
  assert.deepEqual(sessionMemory(x(134 * MiB, { ...net, sessionScale: 2 }), evict), { memoryBytes: 126 * MiB, evictedBytes: 8 * MiB });
});

test('fe-swap evictable sessions: runs made with a known refault cost are fitted exactly (r, ctx, kappa); predict adds r x pushed-out MiB over the layers', () => {
  const hw2 = new Map([[HW0.id, HW0]]);
  const m0 = fitModelOnObservations('fe-swap', aggregateRows(rows, hw2), { feSwap: { epsMs: 0, swapTerm: 'physical' } }) as FeSwapModel;
  const truth = { ctx: 16, kappa: 1.5, ls: 0.1, s: 2 * MiB, cold: 4, r: 12 };
  // the networks modelledContextRuns builds (5 members each), and their largest working sets
  const ls = layers();
  const wsOf = (i: number): number =>
    layerStats(
      { index: 0, layer: ls[i]!.layer, inputShapes: ls[i]!.inputShapes, outputShape: resolveLayerOutput(ls[i]!.layer, ls[i]!.inputShapes) },
      { threads: HW.cores },
    ).workingSetBytes;
  const wsMax = (net: string): number =>
    Math.max(
      ...ls
        .map((_, i) => i)
        .filter((i) => i % 4 === Number(net.slice(3)))
        .slice(0, 5)
        .map(wsOf),
    );
  const truthModel = new FeSwapModel({
    ...m0.data,
    context: {
      ...noContext(),
      ctxMiB: truth.ctx,
      kappa: truth.kappa,
      lambdaScale: truth.ls,
      sessionBytesPerLayer: truth.s,
      refaultMsPerMiB: truth.r,
      sessionColdMiB: truth.cold,
    },
  });
  const nets: [string, (number | null)[]][] = [
    ['net0', [-60, -30, -10, -4, 0, 2, 20, 60, null]],
    ['net1', [-40, -20, -5, 0, 3, 10, 40, null]],
  ];
  const { shapeObs, ctxRows } = modelledContextRuns(nets, (o) => truthModel.predict({ ...o, networkLayers: 5, networkMaxWorkingSetBytes: wsMax(o.network) }));
  const m = fitModelOnObservations('fe-swap', aggregateRows(rows, hw2), {
    feSwap: {
      epsMs: 0,
      swapTerm: 'physical',
      context: { rows: ctxRows, hardware: hw2 },
      sessionBytesPerLayer: truth.s,
      refault: { coldMiB: truth.cold, msPerMiB: [0, 30, 1] },
    },
  }) as FeSwapModel;
  const c = m.data.context;
  assert.equal(c.refaultMsPerMiB, truth.r);
  assert.equal(c.sessionColdMiB, truth.cold);
  assert.equal(c.ctxMiB, truth.ctx);
  assert.ok(Math.abs(c.kappa - truth.kappa) < 1e-6, `kappa ${c.kappa}`);
  assert.ok(c.rmsLogAfter! < 1e-6, `rms ${c.rmsLogAfter}`);
  // a run whose sessions are all pushed out: each layer's run phase carries r x 8 MiB / 5
  const o = shapeObs.find((x) => x.network === 'net0' && x.memoryLimitBytes !== null && x.memoryLimitBytes < HW0.runtimeIdleBytes! + wsMax('net0') - 5 * MiB)!;
  const q = { ...o, networkLayers: 5, networkMaxWorkingSetBytes: wsMax('net0') };
  const [b, e] = m.physicalParts(m.keyOf(o), o.memoryBytes, c.ctxMiB, c.lambdaScale)!;
  assert.ok(Math.abs(m.predict(q).runMs - c.totalFactor * (b.runMs + c.kappa * e.runMs + (truth.r * 8) / 5)) < 1e-9 * m.predict(q).runMs);
  // a bad value is refused by name
  const j = JSON.parse(JSON.stringify(m.toJSON())) as { context: Record<string, unknown> };
  assert.throws(
    () => loadModel({ ...j, context: { ...j.context, refaultMsPerMiB: -1 } }),
    (err: unknown) => err instanceof UserError && /"refaultMsPerMiB" -1 must be a number >= 0/.test(err.message),
  );
});
