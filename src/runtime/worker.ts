/**
 * The worker process: started by worker-client.ts with --expose-gc inside the memory group, it loads
 * onnxruntime, reports its idle footprint, then measures layer jobs exactly as
 * ../../docs/EXECUTION-MODEL.md says (session prepared untimed; per pass: evict the weight file,
 * materialise the input untimed, then timed load / run / unload + full GC).
 * Entry point only (not a library module): run as `node --expose-gc dist/src/runtime/worker.js`.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as ort from 'onnxruntime-node';
import { buildLayerGraph, elementCount, type LayerGraph } from './onnx-layer.js';
import { evictFromPageCache } from './page-cache.js';
import { readSwapPages } from './limiter.js';
import { readWeightFile } from './weights.js';
import type { FromWorker, ToWorker, WireJob } from './worker-protocol.js';
import type { LayerTiming } from './worker-client.js';

const threads = Number(process.env.MEMLAT_THREADS) || cpus().length;
const sessionOptions: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  enableCpuMemArena: false,
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
};

const fullGc = (globalThis as { gc?: () => void }).gc;
if (!fullGc) throw new Error('worker must run with --expose-gc');
const gc: () => void = fullGc;

function send(msg: FromWorker): void {
  process.send?.(msg);
}

function statusBytes(key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

let aborted = false;

interface Prepared {
  job: WireJob;
  graph: LayerGraph;
  session: ort.InferenceSession;
}

async function prepare(job: WireJob): Promise<Prepared> {
  const graph = buildLayerGraph(job.layer, job.inputShapes);
  const session = await ort.InferenceSession.create(graph.modelBytes, sessionOptions);
  return { job, graph, session };
}

/** Deterministic input activation (untimed). */
function materialiseInputs(p: Prepared): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const a of p.graph.inputs) {
    const n = elementCount(a.shape);
    if (a.dtype === 'int64') {
      const vocab = p.job.layer.type === 'embedding' ? p.job.layer.vocab : 1;
      const ids = new BigInt64Array(n);
      for (let i = 0; i < n; i++) ids[i] = BigInt((i * 7919) % vocab);
      feeds[a.name] = new ort.Tensor('int64', ids, a.shape);
    } else {
      const x = new Float32Array(n);
      for (let i = 0; i < n; i++) x[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
      feeds[a.name] = new ort.Tensor('float32', x, a.shape);
    }
  }
  return feeds;
}

async function onePass(p: Prepared, rep: number, swapStatFile: string): Promise<void> {
  if (p.job.weightPath) evictFromPageCache(p.job.weightPath);
  let feeds: Record<string, ort.Tensor> | null = materialiseInputs(p);
  gc();
  const faults0 = process.resourceUsage().majorPageFault;
  const swap0 = readSwapPages(swapStatFile);

  const t0 = performance.now();
  let buf: Buffer | null = p.job.weightPath ? readWeightFile(p.job.weightPath) : null;
  let off = 0;
  for (const w of p.graph.weights) {
    const n = elementCount(w.shape);
    if (!buf) throw new Error('internal: weights without a file');
    feeds[w.name] = new ort.Tensor('float32', new Float32Array(buf.buffer, buf.byteOffset + off, n), w.shape);
    off += n * 4;
  }
  const t1 = performance.now();
  let out: ort.InferenceSession.OnnxValueMapType | null = await p.session.run(feeds);
  const t2 = performance.now();
  const y = out[p.graph.outputName];
  const outputShape = y ? [...y.dims] : [];
  y?.dispose();
  out = null;
  feeds = null;
  buf = null;
  gc();
  const t3 = performance.now();

  const faults1 = process.resourceUsage().majorPageFault;
  const swap1 = readSwapPages(swapStatFile);
  const diff = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : b - a);
  const timing: LayerTiming = {
    jobId: p.job.id,
    rep,
    loadMs: t1 - t0,
    runMs: t2 - t1,
    unloadMs: t3 - t2,
    majorFaults: faults1 - faults0,
    swapInPages: diff(swap0.swapInPages, swap1.swapInPages),
    swapOutPages: diff(swap0.swapOutPages, swap1.swapOutPages),
  };
  send({ type: 'timing', timing, outputShape });
}

async function measure(msg: Extract<ToWorker, { type: 'measure' }>): Promise<void> {
  aborted = false;
  let current: string | undefined;
  try {
    if (msg.order === 'job') {
      for (const job of msg.jobs) {
        if (aborted) break;
        current = job.id;
        send({ type: 'jobStart', jobId: job.id });
        const p = await prepare(job);
        for (let rep = 0; rep < msg.reps && !aborted; rep++) await onePass(p, rep, msg.swapStatFile);
        await p.session.release();
      }
    } else {
      const prepared: Prepared[] = [];
      for (const job of msg.jobs) {
        current = job.id;
        prepared.push(await prepare(job));
      }
      for (let rep = 0; rep < msg.reps && !aborted; rep++) {
        for (const p of prepared) {
          if (aborted) break;
          current = p.job.id;
          send({ type: 'jobStart', jobId: p.job.id });
          await onePass(p, rep, msg.swapStatFile);
        }
      }
      for (const p of prepared) await p.session.release();
    }
    send({ type: 'done', aborted });
  } catch (e) {
    const err = e as Error;
    send({ type: 'error', jobId: current, message: err.message ?? String(e) });
  }
}

process.on('uncaughtException', (e) => {
  send({ type: 'error', message: `worker crashed: ${e.message}` });
  process.exit(70);
});
process.on('message', (raw) => {
  const msg = raw as ToWorker;
  if (msg.type === 'abort') aborted = true;
  else if (msg.type === 'measure') void measure(msg);
});
process.on('disconnect', () => process.exit(0));

// Warm up: load the native library, its thread pool and the kernels' code, then report the footprint.
{
  const warm = buildLayerGraph({ type: 'activation', fn: 'relu', name: 'warm', inputs: ['x'] }, [[1, 8]]);
  const s = await ort.InferenceSession.create(warm.modelBytes, sessionOptions);
  await s.run({ x0: new ort.Tensor('float32', new Float32Array(8), [1, 8]) });
  await s.release();
  gc();
  send({ type: 'ready', pid: process.pid, rssBytes: statusBytes('VmRSS'), swapBytes: statusBytes('VmSwap') });
}
