// Refits only the network context (totalFactor, ctx, kappa, lambdaScale) of a shipped fe-swap bundle
// on whole-network runs, keeping its isolated-layer fit (base and swap term) as it is: what
// `npm run bench -- --write-default` does last, in seconds instead of refitting every candidate.
// After `npm run build`:
//   node dist/bench/refit-context.js --model data/models/hostB.json --ctx a.csv.gz,b.csv.gz \
//     [--session-bytes 133120] [--out data/models/hostB.json]
import { readFileSync, writeFileSync } from 'node:fs';
import { readDatasets } from '../src/dataset/files.js';
import type { HardwareFingerprint } from '../src/dataset/schema.js';
import { fitContext } from '../src/models/fe-swap/context.js';
import { FeSwapModel, noContext, type FeSwapModelJSON } from '../src/models/fe-swap/model.js';
import { flag } from './args.js';

const modelPath = flag('model', 'data/models/hostB.json');
const ctxPaths = flag('ctx', '');
if (!ctxPaths) throw new Error('refit-context: --ctx <whole-network rows, comma-separated> is required');
const sessionBytes = Number(flag('session-bytes', '0'));
if (!(sessionBytes >= 0)) throw new Error(`refit-context: --session-bytes ${flag('session-bytes', '0')}: give bytes >= 0`);
const out = flag('out', modelPath);
const doc = JSON.parse(readFileSync(modelPath, 'utf8')) as {
  model: FeSwapModelJSON;
  hardware: HardwareFingerprint;
  provenance?: Record<string, unknown>;
};
if (doc.model.kind !== 'fe-swap')
  throw new Error(`refit-context: ${modelPath} is a ${String((doc.model as { kind: unknown }).kind)} model; only fe-swap has a network context`);
// the isolated-layer fit with an empty context, as fitFeSwap builds it before fitting the context
const m = new FeSwapModel({ ...doc.model, context: noContext() });
const ctx = await readDatasets(ctxPaths);
const hw = new Map<string, HardwareFingerprint>([...ctx.hardware, doc.hardware].map((h) => [h.id, h]));
// the grids fitFeSwap uses by default
const context = fitContext(m, { rows: ctx.rows, hardware: hw }, { ctx: [-64, 128, 4], kappa: [0.25, 3, 0.05], sessionBytesPerLayer: sessionBytes });
const command = `node dist/bench/refit-context.js ${process.argv.slice(2).join(' ')}`;
const provenance = { ...doc.provenance, context: { command, fittedAt: new Date().toISOString(), rows: ctx.rows.length } };
writeFileSync(out, `${JSON.stringify({ ...doc, model: { ...doc.model, context }, provenance })}\n`);
console.log(`${out}: context ${JSON.stringify(context)}`);
