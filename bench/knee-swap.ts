// Refits the physical swap term of fe-swap for chosen (phase, kernel family) pairs on the layers'
// in-network pairs of knee sweeps, and writes the model with those terms replaced (everything else,
// the network context included, byte for byte). Why (2026-12-03, docs/MODELS.md "The GEMM swap term
// in networks"): the isolated-layer profile places the GEMM cliff 64-80 MiB below ws + idle and
// makes the load's swap a step of c1 x weights, while inside a network the GEMM layers (VGG fc6,
// AlexNet and RegNet heads) start swapping with a smaller deficit and the load's extra grows with the
// deficit; the deep-swap over-prediction of held-out #27-#31 at 0.6x is mostly these two.
//
// Each pair is one layer of a knee network at one limit against the same layer at the network's
// largest limit (1.3x: nothing swaps there), with the budget predict gives it inside that network
// (sessionMemory: the sessions it keeps, the context's ctx). The fitted term is stored so that the
// model's context reproduces it exactly: extra = kappa x (c1 V phi(lambda x lambdaScale) + c2 D) / BW,
// all times totalFactor, so c1, c2 are divided by totalFactor x kappa and lambda by lambdaScale.
// After `npm run build`:
//   node dist/bench/knee-swap.js --model data/models/default.json --knee <knee rows, comma-separated> \
//     --out data/models/<name>.json [--families gemm] [--phases load,run]
import { readFileSync, writeFileSync } from 'node:fs';
import { readDataset } from '../src/dataset/files.js';
import { aggregateRows } from '../src/models/observations.js';
import { loadModel } from '../src/models/index.js';
import type { HardwareFingerprint } from '../src/dataset/schema.js';
import { flag } from './args.js';
import { runQueries, validationRuns, type NetRun } from '../src/models/network-runs.js';
import { FeSwapModel, ratioOffsetMs, sessionMemory, MiB } from '../src/models/fe-swap/model.js';
import { runFamily, RUN_FAMILIES } from '../src/models/physical.js';
import { fitSwapTerm, type SwapPair } from '../src/models/swap-physical.js';
import type { Target } from '../src/models/types.js';

const KF = [0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.3];
const modelPath = flag('model', 'data/models/default.json');
const knee = flag('knee', '').split(',').filter(Boolean);
const out = flag('out', '');
const families = flag('families', 'gemm').split(',');
const phases = flag('phases', 'load,run').split(',') as Target[];
if (knee.length === 0 || out === '') throw new Error('knee-swap: --knee <rows, comma-separated> and --out <model.json> are required');
for (const f of families)
  if (!(RUN_FAMILIES as readonly string[]).includes(f)) throw new Error(`knee-swap: --families ${f}: one of ${RUN_FAMILIES.join(', ')}`);

const doc = JSON.parse(readFileSync(modelPath, 'utf8')) as {
  model: { epsMs: number; physical?: Record<string, unknown[]>; context: { totalFactor: number; kappa: number; lambdaScale?: number; ctxMiB: number } };
  hardware: HardwareFingerprint;
  provenance?: Record<string, unknown>;
};
const model = loadModel(doc.model);
if (!(model instanceof FeSwapModel) || !doc.model.physical) throw new Error(`knee-swap: ${modelPath} is not an fe-swap model with the physical swap term`);
const c = doc.model.context;
const scale = c.totalFactor * c.kappa;
const ls = c.lambdaScale ?? 1;

const pairs = new Map<string, SwapPair[]>();
let runsUsed = 0;
for (const set of knee) {
  const ds = await readDataset(set);
  // the model's own fingerprint for every run, as knee-score reads a model as fitted
  const hw = new Map<string, HardwareFingerprint>([...ds.hardware, doc.hardware].map((h) => [h.id, h]));
  const runs = validationRuns(ds.rows, aggregateRows(ds.rows, hw), KF);
  const byNet = new Map<string, NetRun[]>();
  for (const r of runs) if (r.limit !== null) byNet.set(r.network, [...(byNet.get(r.network) ?? []), r]);
  for (const rs of byNet.values()) {
    const ref = rs.reduce((a, b) => (b.limit! > a.limit! ? b : a));
    const refBy = new Map(runQueries(ref).map((q) => [q.layerIndex, q]));
    for (const r of rs) {
      if (r === ref) continue;
      runsUsed++;
      for (const q of runQueries(r)) {
        const fam = runFamily(q);
        const q0 = refBy.get(q.layerIndex);
        if (!families.includes(fam) || !q0) continue;
        const key = model.keyOf(q);
        const budget = sessionMemory(q, model.toJSON().context).memoryBytes - (q.hardware.runtimeIdleBytes ?? 0) - c.ctxMiB * MiB;
        for (const t of phases) {
          const tM = t === 'load' ? q.loadMs : t === 'run' ? q.runMs : (q.unloadMs ?? 0);
          const tNone = t === 'load' ? q0.loadMs : t === 'run' ? q0.runMs : (q0.unloadMs ?? 0);
          const k = `${t}|${fam}`;
          pairs.set(k, [
            ...(pairs.get(k) ?? []),
            {
              tM: tM / scale,
              tNone: tNone / scale,
              ws: key.ws,
              moved: t === 'load' ? key.weightBytes : key.ws,
              budget,
              bw: key.bw,
              epsMs: ratioOffsetMs(q, t, doc.model.epsMs) / scale,
            },
          ]);
        }
      }
    }
  }
}

const physical = structuredClone(doc.model.physical) as Record<string, Record<string, unknown>[]>;
for (const t of phases)
  for (const fam of families) {
    const ps = pairs.get(`${t}|${fam}`) ?? [];
    const fitted = fitSwapTerm(ps);
    const old = physical[t]![RUN_FAMILIES.indexOf(fam as (typeof RUN_FAMILIES)[number])]!;
    const next = { ...fitted, lambda: Math.round((fitted.lambda / ls) * 1e6) / 1e6 };
    physical[t]![RUN_FAMILIES.indexOf(fam as (typeof RUN_FAMILIES)[number])] = next;
    console.log(`${t} ${fam}: ${ps.length} pairs; was ${JSON.stringify(old)}; now ${JSON.stringify(next)}`);
  }
const next = {
  ...doc,
  model: { ...doc.model, physical },
  provenance: {
    ...doc.provenance,
    kneeSwap: {
      command: `node dist/bench/knee-swap.js ${process.argv.slice(2).join(' ')}`,
      knee,
      families,
      phases,
      runs: runsUsed,
    },
  },
};
writeFileSync(out, JSON.stringify(next, null, 2) + '\n');
console.log(`wrote ${out} (${runsUsed} limited runs against their network's largest limit)`);
