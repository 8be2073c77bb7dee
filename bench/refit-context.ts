// Refits only the network context (totalFactor, ctx, kappa, lambdaScale) of a shipped fe-swap bundle
// on whole-network runs, and its 90% network interval on the same runs, keeping its isolated-layer
// fit (base and swap term) as it is: what `npm run bench -- --write-default` does last, in seconds
// instead of refitting every candidate.
// After `npm run build`:
//   node dist/bench/refit-context.js --model data/models/hostB.json --ctx a.csv.gz,b.csv.gz \
//     [--session-bytes 133120 [--refault 0,40,1 --session-cold 48]] [--in-network] [--call-ms 0,5,0.05] [--out data/models/hostB.json]
import { readFileSync, writeFileSync } from 'node:fs';
import { readDataset } from '../src/dataset/files.js';
import type { MeasurementRow } from '../src/dataset/schema.js';
import type { HardwareFingerprint } from '../src/dataset/schema.js';
import { fitContext } from '../src/models/fe-swap/context.js';
import { FeSwapModel, noContext, type FeSwapModelJSON } from '../src/models/fe-swap/model.js';
import { flag, hasFlag } from './args.js';
import { SESSION_COLD_MIB } from '../src/models/types.js';
import { contextIntervalCalibration } from '../src/predict/context-interval.js';
import type { NetworkCalibration } from '../src/predict/bundle.js';

const modelPath = flag('model', 'data/models/hostB.json');
const ctxPaths = flag('ctx', '');
if (!ctxPaths) throw new Error('refit-context: --ctx <whole-network rows, comma-separated> is required');
const sessionBytes = Number(flag('session-bytes', '0'));
if (!(sessionBytes >= 0)) throw new Error(`refit-context: --session-bytes ${flag('session-bytes', '0')}: give bytes >= 0`);
const inNetwork = hasFlag('in-network');
// the per-call cost of a layer inside a network: a grid from,to,step in ms per layer
const callMsFlag = flag('call-ms', '');
const callMs = callMsFlag ? (callMsFlag.split(',').map(Number) as [number, number, number]) : undefined;
if (callMs && !(callMs.length === 3 && callMs.every((v) => Number.isFinite(v) && v >= 0) && callMs[2] > 0 && callMs[1] >= callMs[0]))
  throw new Error(`refit-context: --call-ms ${callMsFlag}: give from,to,step in ms per layer (step > 0, to >= from >= 0)`);
// evictable sessions: the grid of ms per MiB faulted back, and the footprint's cold part (MiB, fixed)
const refaultFlag = flag('refault', '');
const refault = refaultFlag
  ? { coldMiB: Number(flag('session-cold', String(SESSION_COLD_MIB))), msPerMiB: refaultFlag.split(',').map(Number) as [number, number, number] }
  : undefined;
if (refault && !(refault.msPerMiB.length === 3 && refault.msPerMiB.every((v) => v >= 0) && refault.msPerMiB[2] > 0 && Number.isFinite(refault.coldMiB)))
  throw new Error(
    `refit-context: --refault ${refaultFlag} --session-cold ${flag('session-cold', String(SESSION_COLD_MIB))}: give from,to,step (step > 0) and MiB`,
  );
if (refault && !(sessionBytes > 0)) throw new Error('refit-context: --refault needs --session-bytes (the sessions it lets be pushed out)');
const out = flag('out', modelPath);
const doc = JSON.parse(readFileSync(modelPath, 'utf8')) as {
  model: FeSwapModelJSON;
  hardware: HardwareFingerprint;
  provenance?: Record<string, unknown>;
  calibration?: NetworkCalibration;
};
if (doc.model.kind !== 'fe-swap')
  throw new Error(`refit-context: ${modelPath} is a ${String((doc.model as { kind: unknown }).kind)} model; only fe-swap has a network context`);
// the isolated-layer fit with an empty context, as fitFeSwap builds it before fitting the context
const m = new FeSwapModel({ ...doc.model, context: noContext() });
// Each file read on its own: a network measured in two files (a knee sweep and whole-network runs of
// the same held-out set) stays two networks, "name@<file>", so each knee run keeps its own reference
// (the sweep's largest limit, measured in the same session) as in one file.
const files = ctxPaths.split(',').filter(Boolean);
const read = await Promise.all(files.map((p) => readDataset(p)));
const owners = new Map<string, Set<number>>();
read.forEach((ds, i) => ds.rows.forEach((r) => owners.set(r.network, (owners.get(r.network) ?? new Set()).add(i))));
const ctx = {
  rows: read.flatMap((ds, i) => ds.rows.map((r): MeasurementRow => (owners.get(r.network)!.size > 1 ? { ...r, network: `${r.network}@${files[i]!}` } : r))),
  hardware: read.flatMap((ds) => ds.hardware),
};
const hw = new Map<string, HardwareFingerprint>([...ctx.hardware, doc.hardware].map((h) => [h.id, h]));
// the grids fitFeSwap uses by default
const context = fitContext(
  m,
  { rows: ctx.rows, hardware: hw },
  { ctx: [-64, 128, 4], kappa: [0.25, 3, 0.05], sessionBytesPerLayer: sessionBytes, inNetwork, ...(callMs ? { callMs } : {}), ...(refault ? { refault } : {}) },
);
const command = `node dist/bench/refit-context.js ${process.argv.slice(2).join(' ')}`;
const provenance = { ...doc.provenance, context: { command, fittedAt: new Date().toISOString(), rows: ctx.rows.length } };
// the 90% network interval recalibrated on the same runs with the new context (as memlat fit does)
const refitted = new FeSwapModel({ ...doc.model, context });
const interval = contextIntervalCalibration(refitted, ctx.rows, hw);
const calibration = interval.calibration ?? doc.calibration;
if (!interval.calibration) console.log(`${out}: ${interval.runs} context runs are too few for a 90% interval; the old one is kept`);
writeFileSync(out, `${JSON.stringify({ ...doc, model: { ...doc.model, context }, ...(calibration ? { calibration } : {}), provenance })}\n`);
const { inNetwork: fitted, ...shown } = context;
console.log(`${out}: context ${JSON.stringify(shown)}${fitted ? ` + in-network correction (${fitted.layers} layers of ${fitted.runs} unlimited runs)` : ''}`);
