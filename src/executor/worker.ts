/**
 * The worker process: started by worker-client.ts inside the memory group, it loads onnxruntime,
 * reports its idle footprint, then measures layer jobs exactly as ../../docs/EXECUTION-MODEL.md says:
 * session prepared untimed; per pass: evict the weight file, materialise the input (untimed), then
 * timed load / run / unload, then untimed harness work (recorded as harnessMs).
 *
 * Unload frees like a native engine: every buffer the layer held (weights, input, output) is an
 * ArrayBuffer owned by this pass alone, and unload detaches each one (`ArrayBuffer.prototype.transfer(0)`),
 * which releases its backing store synchronously: free(3), i.e. munmap for large buffers, so the
 * pages go back to the OS (and out of the cgroup's charge) before the next layer loads, at a cost
 * that grows with the bytes held. No garbage collection is timed. The JS wrapper objects a pass
 * leaves (tensors, views, promises: a few KiB) are collected by a scavenge after the unload, untimed,
 * and its time is reported per pass as harness overhead.
 *
 * MEMLAT_UNLOAD selects the mechanism, for the benchmark's side-by-side comparison only:
 * `free` (default, the rule), `full-gc` (the old rule: drop references, timed full GC) and
 * `scavenge` (drop references, timed minor GC; V8 sweeps array buffers concurrently, so memory
 * returns late).
 *
 * Entry point only (not a library module): run as `node --expose-gc [--harmony-rab-gsab-transfer]
 * dist/src/executor/worker.js` (workerNodeArgs in worker-client.ts builds the argv).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { buildLayerGraph, type LayerGraph } from '../network/onnx-layer.js';
import { FP32_BYTES, numElements } from '../units.js';
import { evictFromPageCache } from '../host/page-cache.js';
import { readSwapPages } from '../host/limiter.js';
import { readWeightFile } from './weights.js';
import { ortSpinning, type FromWorker, type LayerTiming, type ToWorker, type WireJob } from './worker-protocol.js';

const threads = Number(process.env.MEMLAT_THREADS) || availableParallelism();
// MEMLAT_ORT_SPINNING (ortSpinning; validated by worker-client.ts): unset or '0' (the default since
// 2026-12-02) makes each session's intra-op threads sleep as soon as a run ends; '1' lets them spin
// (onnxruntime's own default, what the datasets measured before commit e62c81a, 2026-12-02 08:31
// UTC, were measured with). Every layer has its own session and pool, so with spinning the pools of
// the layers just run spin beside the next one, a cost a native engine with one pool does not have
// (docs/EXECUTION-MODEL.md, "Thread pools").
const spinning = ortSpinning() ? '1' : '0';
const sessionOptions: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  enableCpuMemArena: false,
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
  ...(spinning === '0' ? { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } } : {}),
};

type UnloadMode = 'free' | 'full-gc' | 'scavenge';
const unloadMode: UnloadMode = ((): UnloadMode => {
  const m = process.env.MEMLAT_UNLOAD ?? 'free';
  if (m === 'free' || m === 'full-gc' || m === 'scavenge') return m;
  throw new Error(`MEMLAT_UNLOAD=${m}: must be free, full-gc or scavenge`);
})();

type GcFn = (opts?: { type?: 'major' | 'minor' }) => void;
const exposedGc = (globalThis as { gc?: GcFn }).gc;
if (!exposedGc) throw new Error('worker must run with --expose-gc');
const gc: GcFn = exposedGc;

type Transferable = ArrayBuffer & { transfer?: (newLength?: number) => ArrayBuffer };
if (typeof (ArrayBuffer.prototype as Transferable).transfer !== 'function') {
  throw new Error('worker needs ArrayBuffer.prototype.transfer (Node >= 21, or Node 20 with --harmony-rab-gsab-transfer)');
}

/**
 * Give `buf`'s memory back now: detaching an ArrayBuffer drops V8's reference to its backing store,
 * which (being the only one) is freed on the spot. Views of it become empty. Cost: free(3) of its bytes.
 */
function release(buf: ArrayBufferLike | undefined): void {
  if (buf instanceof ArrayBuffer && buf.byteLength > 0) (buf as Transferable).transfer?.(0);
}

function send(msg: FromWorker): void {
  process.send?.(msg);
}

function statusBytes(key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const PAGE_BYTES = 4096;
/** Resident bytes of this process from /proc/self/statm (one small read, ~10 us). */
function rssBytes(): number {
  const f = readFileSync('/proc/self/statm', 'utf8').split(' ');
  return Number(f[1]) * PAGE_BYTES;
}

function groupUsage(file: string | null): number | null {
  if (!file) return null;
  try {
    const v = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
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

/** Deterministic input activation (untimed), each tensor in its own ArrayBuffer. */
function materialiseInputs(p: Prepared): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const a of p.graph.inputs) {
    const n = numElements(a.shape);
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

/** The backing ArrayBuffer of a CPU tensor (undefined for anything else). */
function tensorBuffer(t: ort.Tensor | undefined): ArrayBufferLike | undefined {
  if (!t || t.location !== 'cpu') return undefined;
  const d = t.data as unknown;
  return ArrayBuffer.isView(d) ? d.buffer : undefined;
}

interface PassContext {
  swapStatFile: string;
  usageFile: string | null;
}

async function onePass(p: Prepared, rep: number, ctx: PassContext): Promise<void> {
  if (p.job.weightPath) evictFromPageCache(p.job.weightPath);
  const feeds: Record<string, ort.Tensor> = materialiseInputs(p);
  const inputBuffers = Object.values(feeds).map(tensorBuffer);
  const rssBeforeLoadBytes = rssBytes();
  const groupBeforeLoadBytes = groupUsage(ctx.usageFile);
  const faults0 = process.resourceUsage().majorPageFault;
  const swap0 = readSwapPages(ctx.swapStatFile);

  // ---- timed: load
  const t0 = performance.now();
  let buf: Buffer | null = p.job.weightPath ? readWeightFile(p.job.weightPath) : null;
  let off = 0;
  for (const w of p.graph.weights) {
    const n = numElements(w.shape);
    if (!buf) throw new Error('internal: weights without a file');
    feeds[w.name] = new ort.Tensor('float32', new Float32Array(buf.buffer, buf.byteOffset + off, n), w.shape);
    off += n * FP32_BYTES;
  }
  // ---- timed: run
  const t1 = performance.now();
  let out: ort.InferenceSession.OnnxValueMapType | null = await p.session.run(feeds);
  const t2 = performance.now();

  // untimed: the three memory readings at peak
  const y = out[p.graph.outputName];
  const outputShape = y ? [...y.dims] : [];
  const rssAfterRunBytes = rssBytes();
  const groupAfterRunBytes = groupUsage(ctx.usageFile);

  // ---- timed: unload
  const u0 = performance.now();
  if (unloadMode === 'free') {
    for (const v of Object.values(out)) release(tensorBuffer(v));
    for (const b of inputBuffers) release(b);
    release(buf?.buffer);
  } else {
    // Drop every reference (the caller's `feeds`/`out` die with this frame's locals) and collect.
    out = null;
    for (const k of Object.keys(feeds)) delete feeds[k];
    inputBuffers.length = 0;
    buf = null;
    gc({ type: unloadMode === 'full-gc' ? 'major' : 'minor' });
  }
  const t3 = performance.now();

  // untimed: counters, then the harness's own scavenge
  const faults1 = process.resourceUsage().majorPageFault;
  const swap1 = readSwapPages(ctx.swapStatFile);
  const rssAfterUnloadBytes = rssBytes();
  const groupAfterUnloadBytes = groupUsage(ctx.usageFile);
  if (unloadMode === 'free') gc({ type: 'minor' });
  const h1 = performance.now();

  const diff = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : b - a);
  const timing: LayerTiming = {
    jobId: p.job.id,
    rep,
    loadMs: t1 - t0,
    runMs: t2 - t1,
    unloadMs: t3 - u0,
    harnessMs: u0 - t2 + (h1 - t3),
    majorFaults: faults1 - faults0,
    swapInPages: diff(swap0.swapInPages, swap1.swapInPages),
    swapOutPages: diff(swap0.swapOutPages, swap1.swapOutPages),
    rssBeforeLoadBytes,
    rssAfterRunBytes,
    rssAfterUnloadBytes,
    groupBeforeLoadBytes,
    groupAfterRunBytes,
    groupAfterUnloadBytes,
  };
  send({ type: 'timing', timing, outputShape });
}

async function measure(msg: Extract<ToWorker, { type: 'measure' }>): Promise<void> {
  aborted = false;
  let current: string | undefined;
  const ctx: PassContext = { swapStatFile: msg.swapStatFile, usageFile: msg.usageFile };
  try {
    if (msg.order === 'job') {
      for (const job of msg.jobs) {
        if (aborted) break;
        current = job.id;
        send({ type: 'jobStart', jobId: job.id });
        const p = await prepare(job);
        gc(); // untimed: the previous job's session is gone; start each job from a compact heap
        for (let rep = 0; rep < msg.reps && !aborted; rep++) await onePass(p, rep, ctx);
        await p.session.release();
      }
    } else {
      const prepared: Prepared[] = [];
      for (const job of msg.jobs) {
        current = job.id;
        prepared.push(await prepare(job));
      }
      for (let rep = 0; rep < msg.reps && !aborted; rep++) {
        gc(); // untimed, between passes: the heap the preparation and the last pass left
        for (const p of prepared) {
          if (aborted) break;
          current = p.job.id;
          send({ type: 'jobStart', jobId: p.job.id });
          await onePass(p, rep, ctx);
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
