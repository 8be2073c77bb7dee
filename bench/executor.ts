/**
 * `npm run bench:executor`: what the layer-by-layer executor itself costs, measured on this machine,
 * written to bench/results/executor.md (+ .json); `npm run bench` copies that section into
 * docs/BENCHMARKS.md.
 *
 *   node dist/bench/executor.js [--networks vgg16,resnet50] [--rounds 3] [--floor-reps 2000]
 *                               [--out bench/results/executor.md] [--skip-mechanisms]
 *                               [--mechanism-networks squeezenet1_1,resnet50,densenet121,vgg16]
 *
 * 1. Harness floor: a weightless one-element layer (ReLU on [1, 1]) measured by the real worker,
 *    `floor-reps` passes: median load + run + unload, and the untimed harness time per pass.
 * 2. Per-call overhead of `session.run` from Node: the same one-element ReLU through the public async
 *    API (InferenceSession.run, one setImmediate turn) and through the binding's synchronous run,
 *    in-process, interleaved.
 * 3. Unload mechanisms side by side (MEMLAT_UNLOAD = free, the rule; full-gc, the old rule;
 *    scavenge): whole zoo networks without a limit, interleaved per round: network total, unload
 *    share, median unload of weightless layers, and how much RSS the unload gave back.
 * 4. Fidelity: for every zoo network, the sum of the run phases (median pass, `free` executor,
 *    no limit) against ONE onnxruntime session running the whole network graph (the same
 *    single-layer graphs joined, weights as graph inputs, same threads and options), interleaved.
 *
 * 5. Where the run-phase gap comes from (`--gap`, written to bench/results/executor-gap.md instead):
 *    the cost of a fresh page (first write to a newly allocated 64 MiB buffer against a second
 *    write to it, in-process), and the run phases of a few networks with the rule's allocator
 *    setting (MALLOC_MMAP_THRESHOLD_=131072: every buffer >= 128 KiB is mmap'ed, so freeing returns
 *    it to the OS and the next layer's buffers are fresh pages) against a heap that keeps freed
 *    memory for reuse (threshold 1 GiB: nothing goes back to the OS), interleaved per round.
 *
 * Run on a quiet machine (nothing else running); every figure is a median with its spread.
 */
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { resolveNetwork } from '../src/network/shapes.js';
import type { ResolvedNetwork } from '../src/network/types.js';
import { zooNames, zooNetwork } from '../src/network/zoo/index.js';
import { onnxRoot } from '../src/onnx/schema.js';
import { buildLayerGraph } from '../src/network/onnx-layer.js';
import { numElements } from '../src/units.js';
import { median, runNetwork, type RunResult } from '../src/executor/run-network.js';
import { startWorker, type LayerTiming } from '../src/executor/worker-client.js';
import { flag, hasFlag } from './args.js';

const DEFAULT_NETWORKS =
  'vgg16,resnet18,resnet34,resnet50,mobilenetv2,mobilenetv3_large,mobilenetv3_small,squeezenet1_1,googlenet,alexnet,densenet121,bert-base';
const networks = flag('networks', DEFAULT_NETWORKS).split(',').filter(Boolean);
const rounds = Number(flag('rounds', '3'));
const floorReps = Number(flag('floor-reps', '2000'));
const outPath = resolve(flag('out', 'bench/results/executor.md'));
const skipMechanisms = hasFlag('skip-mechanisms');
const gapOnly = hasFlag('gap');
const gapNetworks = flag('gap-networks', 'resnet18,mobilenetv3_small,densenet121,vgg16').split(',').filter(Boolean);
const mechanismNetworks = flag('mechanism-networks', 'squeezenet1_1,resnet50,densenet121,vgg16').split(',').filter(Boolean);
for (const n of networks) if (!zooNames().includes(n)) throw new Error(`--networks: ${n} is not a zoo network`);

const threads = cpus().length;
const cacheDir = mkdtempSync(join('/var/tmp', 'memlat-bench-executor-'));
process.on('exit', () => rmSync(cacheDir, { recursive: true, force: true }));
const sessionOptions: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  enableCpuMemArena: false,
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
};

const q = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * p;
  const lo = Math.floor(i);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (i - lo);
};
const fmt = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const spread = (xs: number[], d = 2): string => `${fmt(median(xs), d)} (${fmt(Math.min(...xs), d)}-${fmt(Math.max(...xs), d)})`;
const log = (s: string): void => void process.stderr.write(`${s}\n`);

// ---- 1. harness floor ----------------------------------------------------------------------------
async function harnessFloor(): Promise<{ totalMs: number[]; harnessMs: number[]; loadMs: number[]; runMs: number[]; unloadMs: number[] }> {
  const w = await startWorker({ memoryLimitBytes: null, threads, cacheDir });
  const ts: LayerTiming[] = [];
  try {
    const o = await w.measure(
      [{ id: 'floor', layer: { type: 'activation', fn: 'relu', name: 'floor', inputs: ['x'] }, inputShapes: [[1, 1]] }],
      floorReps,
      (t) => ts.push(t),
    );
    if (o.status !== 'done') throw new Error(`harness floor: ${JSON.stringify(o)}`);
  } finally {
    await w.close();
  }
  const body = ts.slice(10); // the session's first runs warm its kernels
  return {
    totalMs: body.map((t) => t.loadMs + t.runMs + t.unloadMs),
    harnessMs: body.map((t) => t.harnessMs),
    loadMs: body.map((t) => t.loadMs),
    runMs: body.map((t) => t.runMs),
    unloadMs: body.map((t) => t.unloadMs),
  };
}

// ---- 2. per-call overhead of session.run ---------------------------------------------------------
interface BindingSession {
  loadModel(buf: ArrayBufferLike, off: number, len: number, opts: unknown): void;
  run(feeds: Record<string, ort.Tensor>, fetches: Record<string, null>, opts: unknown): Record<string, unknown>;
}
async function callOverhead(): Promise<{ asyncMs: number[]; syncMs: number[] }> {
  const g = buildLayerGraph({ type: 'activation', fn: 'relu', name: 'r', inputs: ['x'] }, [[1, 1]]);
  const s = await ort.InferenceSession.create(g.modelBytes, sessionOptions);
  const require = createRequire(import.meta.url);
  const b = require('onnxruntime-node/dist/binding.js') as { binding: { InferenceSession: new () => BindingSession }; initOrt: () => void };
  b.initOrt();
  const bs = new b.binding.InferenceSession();
  bs.loadModel(g.modelBytes.buffer, g.modelBytes.byteOffset, g.modelBytes.byteLength, sessionOptions);
  const name = g.inputs[0]!.name;
  const asyncMs: number[] = [];
  const syncMs: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const x = new ort.Tensor('float32', new Float32Array(1), [1, 1]);
    let t0 = performance.now();
    await s.run({ [name]: x });
    asyncMs.push(performance.now() - t0);
    t0 = performance.now();
    bs.run({ [name]: x }, { [g.outputName]: null }, {});
    syncMs.push(performance.now() - t0);
  }
  await s.release();
  return { asyncMs: asyncMs.slice(100), syncMs: syncMs.slice(100) };
}

// ---- 4. the whole network as one graph -----------------------------------------------------------
interface ProtoNode {
  input?: string[];
  output?: string[];
  name?: string;
  [k: string]: unknown;
}
interface ProtoValueInfo {
  name: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: { dim_value?: number }[] } } };
}
interface ProtoGraph {
  node?: ProtoNode[];
  initializer?: { name: string; [k: string]: unknown }[];
  input?: ProtoValueInfo[];
  output?: ProtoValueInfo[];
  [k: string]: unknown;
}

/** One ONNX model running every layer of `rn` in order: each layer's single-node graph, renamed and joined. */
export function composeNetwork(rn: ResolvedNetwork): { modelBytes: Uint8Array; inputs: ProtoValueInfo[] } {
  const ModelProto = onnxRoot().lookupType('onnx.ModelProto');
  const nodes: ProtoNode[] = [];
  const inits: ProtoGraph['initializer'] = [];
  const inputs = new Map<string, ProtoValueInfo>();
  const netInputs = new Set(rn.inputs.map((i) => i.name));
  const T = (n: string): string => `t_${n}`;
  let last = '';
  for (const l of rn.layers) {
    const g = buildLayerGraph(l.layer, l.inputShapes);
    const m = ModelProto.toObject(ModelProto.decode(g.modelBytes), { longs: Number, arrays: true }) as { graph: ProtoGraph };
    const rename = new Map<string, string>();
    g.inputs.forEach((a, k) => rename.set(a.name, T(l.layer.inputs[k] ?? '')));
    rename.set(g.outputName, T(l.layer.name));
    const r = (n: string): string => (n === '' ? n : (rename.get(n) ?? `L${l.index}_${n}`));
    for (const n of m.graph.node ?? [])
      nodes.push({ ...n, name: `L${l.index}_${n.name ?? ''}`, input: (n.input ?? []).map(r), output: (n.output ?? []).map(r) });
    for (const i of m.graph.initializer ?? []) inits.push({ ...i, name: r(i.name) });
    for (const vi of m.graph.input ?? []) {
      const name = r(vi.name);
      const isActivation = g.inputs.some((a) => a.name === vi.name);
      if (isActivation && !netInputs.has(l.layer.inputs[g.inputs.findIndex((a) => a.name === vi.name)] ?? '')) continue;
      if (!inputs.has(name)) inputs.set(name, { ...vi, name });
    }
    last = T(l.layer.name);
  }
  const graph = {
    name: rn.name,
    node: nodes,
    initializer: inits,
    input: [...inputs.values()],
    output: [{ name: last, type: { tensor_type: { elem_type: 1 } } }],
  };
  const model = ModelProto.fromObject({ ir_version: 9, producer_name: 'memlat-bench', opset_import: [{ domain: '', version: 20 }], graph });
  return { modelBytes: ModelProto.encode(model).finish(), inputs: [...inputs.values()] };
}

function feedsFor(inputs: ProtoValueInfo[], rn: ResolvedNetwork): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const vi of inputs) {
    const tt = vi.type?.tensor_type;
    const shape = (tt?.shape?.dim ?? []).map((d) => Number(d.dim_value ?? 1));
    const n = numElements(shape);
    if (tt?.elem_type === 7) {
      const vocab = Math.min(...rn.layers.filter((l) => l.layer.type === 'embedding').map((l) => (l.layer.type === 'embedding' ? l.layer.vocab : 1)), 2 ** 31);
      const ids = new BigInt64Array(n);
      for (let i = 0; i < n; i++) ids[i] = BigInt((i * 7919) % vocab);
      feeds[vi.name] = new ort.Tensor('int64', ids, shape);
    } else {
      const x = new Float32Array(n);
      for (let i = 0; i < n; i++) x[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
      feeds[vi.name] = new ort.Tensor('float32', x, shape);
    }
  }
  return feeds;
}

async function wholeGraphMs(rn: ResolvedNetwork, reps: number): Promise<number[]> {
  const { modelBytes, inputs } = composeNetwork(rn);
  const s = await ort.InferenceSession.create(modelBytes, sessionOptions);
  const feeds = feedsFor(inputs, rn);
  await s.run(feeds); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await s.run(feeds);
    ms.push(performance.now() - t0);
  }
  await s.release();
  return ms;
}

// ---- 3. mechanisms -------------------------------------------------------------------------------
type Mode = 'free' | 'full-gc' | 'scavenge';
interface NetRun {
  network: string;
  mode: Mode;
  round: number;
  total: number;
  run: number;
  load: number;
  unload: number;
  weightlessUnload: number;
  harness: number;
  rssReturnedShare: number;
}

function summarise(network: string, mode: Mode, round: number, r: RunResult): NetRun {
  const passSums = (f: (t: LayerTiming) => number): number[] => r.passes.map((p) => p.reduce((a, t) => a + f(t), 0));
  const weightless = r.layers.map((l, i) => (l.weightBytes === 0 ? i : -1)).filter((i) => i >= 0);
  const wu = r.passes.flatMap((p) => weightless.map((i) => p[i]?.unloadMs ?? NaN));
  // Share of the RSS added between load and the end of run that the unload gave back (pass-wide).
  const added = r.passes.flat().reduce((a, t) => a + Math.max(0, t.rssAfterRunBytes - t.rssBeforeLoadBytes), 0);
  const back = r.passes.flat().reduce((a, t) => a + Math.max(0, t.rssAfterRunBytes - t.rssAfterUnloadBytes), 0);
  return {
    network,
    mode,
    round,
    total: r.totalMs,
    run: median(passSums((t) => t.runMs)),
    load: median(passSums((t) => t.loadMs)),
    unload: median(passSums((t) => t.unloadMs)),
    weightlessUnload: median(wu),
    harness: median(r.harnessMsPerPass),
    rssReturnedShare: added > 0 ? back / added : NaN,
  };
}

// ---- 5. the run-phase gap ---------------------------------------------------------------------------
/** ms per 4 KiB page of a first write to fresh memory, minus a second write to the same memory. */
function freshPageUs(reps: number): number[] {
  const bytes = 64 * 2 ** 20;
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const ab = new ArrayBuffer(bytes); // calloc -> mmap: untouched zero pages
    const u = new Uint8Array(ab);
    const a = performance.now();
    u.fill(1);
    const b = performance.now();
    u.fill(2);
    const c = performance.now();
    out.push(((b - a - (c - b)) * 1000) / (bytes / 4096));
    (ab as ArrayBuffer & { transfer?: (n: number) => ArrayBuffer }).transfer?.(0);
  }
  return out;
}

async function gap(): Promise<void> {
  const t0 = Date.now();
  const machine = `${cpus()[0]?.model ?? '?'} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, onnxruntime-node ${ort.env.versions.common}`;
  log(
    `machine: ${machine}; load average at start ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const pages = freshPageUs(15);
  const settings = [
    ['rule (128 KiB)', '131072'],
    ['heap reuse (1 GiB)', String(2 ** 30)],
  ] as const;
  const res = new Map<string, number[]>();
  const nets = new Map(gapNetworks.map((n) => [n, resolveNetwork(zooNetwork(n))] as const));
  for (let round = 0; round < rounds; round++) {
    for (const [name, rn] of nets) {
      for (const [label, v] of round % 2 ? [...settings].reverse() : settings) {
        process.env.MALLOC_MMAP_THRESHOLD_ = v;
        const r = await runNetwork(rn, { memoryLimitBytes: null, reps: 3, threads, cacheDir });
        const runSums = r.passes.map((p) => p.reduce((a, t) => a + t.runMs, 0));
        res.set(`${name}|${label}`, [...(res.get(`${name}|${label}`) ?? []), median(runSums)]);
        log(`round ${round + 1}/${rounds} ${name} ${label}: run ${median(runSums).toFixed(0)} ms`);
      }
      delete process.env.MALLOC_MMAP_THRESHOLD_;
    }
  }
  const out: string[] = [];
  out.push('### Where the run-phase gap comes from (`npm run bench:executor -- --gap`)', '');
  out.push(`Machine: ${machine}. Measured ${new Date().toISOString()} in ${((Date.now() - t0) / 60_000).toFixed(1)} min, ${rounds} interleaved rounds.`, '');
  out.push(
    `A first write to freshly allocated memory costs ${fmt(median(pages), 1)} µs per 4 KiB page more than a second write to it (median of ${pages.length} 64 MiB buffers, ${fmt(Math.min(...pages), 1)}-${fmt(Math.max(...pages), 1)}): ${fmt((median(pages) * 256) / 1000, 1)} ms per MiB of fresh memory, about what this machine's disk needs to read a MiB.`,
    '',
  );
  out.push(
    "Sum of the run phases (median pass of 3, median over rounds, min-max), no limit, with the rule's allocator setting (every buffer >= 128 KiB returned to the OS when freed, so each layer writes fresh pages) against a heap that keeps freed memory for reuse (nothing returned; the memory a layer freed would stay charged to the process):",
    '',
  );
  out.push('| network | rule: run ms | heap reuse: run ms | ratio |', '|---|---|---|---|');
  for (const n of gapNetworks) {
    const a = res.get(`${n}|rule (128 KiB)`) ?? [];
    const b = res.get(`${n}|heap reuse (1 GiB)`) ?? [];
    out.push(`| ${n} | ${spread(a, 0)} | ${spread(b, 0)} | ${fmt(median(a) / median(b), 2)} |`);
  }
  out.push('');
  const gapPath = outPath.replace(/executor\.md$/, 'executor-gap.md');
  mkdirSync(dirname(gapPath), { recursive: true });
  writeFileSync(gapPath, `${out.join('\n')}\n`);
  log(`wrote ${gapPath}`);
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const out: string[] = [];
  const machine = `${cpus()[0]?.model ?? '?'} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, onnxruntime-node ${ort.env.versions.common}`;
  log(
    `machine: ${machine}; load average at start ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );

  log('harness floor ...');
  const floor = await harnessFloor();
  log('session.run per-call overhead ...');
  const call = await callOverhead();

  const runs: NetRun[] = [];
  const whole = new Map<string, number[]>();
  const nets = new Map(networks.map((n) => [n, resolveNetwork(zooNetwork(n))] as const));
  const modes: Mode[] = skipMechanisms ? ['free'] : ['free', 'full-gc', 'scavenge'];
  for (let round = 0; round < rounds; round++) {
    for (const [name, rn] of nets) {
      const mine = mechanismNetworks.includes(name) ? modes : (['free'] as Mode[]);
      for (const mode of round % 2 ? [...mine].reverse() : mine) {
        process.env.MEMLAT_UNLOAD = mode;
        const r = await runNetwork(rn, { memoryLimitBytes: null, reps: 3, threads, cacheDir });
        runs.push(summarise(name, mode, round, r));
        log(`round ${round + 1}/${rounds} ${name} ${mode}: total ${r.totalMs.toFixed(0)} ms`);
      }
      delete process.env.MEMLAT_UNLOAD;
      const w = await wholeGraphMs(rn, 5);
      whole.set(name, [...(whole.get(name) ?? []), ...w]);
      log(`round ${round + 1}/${rounds} ${name} whole graph: ${median(w).toFixed(1)} ms`);
    }
  }

  out.push(`## Executor (\`npm run bench:executor\`)`, '');
  out.push(
    `Machine: ${machine}. Measured ${new Date().toISOString()} in ${((Date.now() - t0) / 60_000).toFixed(1)} min, ${rounds} interleaved rounds; medians with (min-max).`,
    '',
  );
  out.push('### Harness floor', '');
  out.push(`A weightless one-element layer (ReLU on [1, 1]) through the real worker, ${floor.totalMs.length} passes:`, '');
  out.push('| | median ms | p10-p90 ms |', '|---|---|---|');
  for (const [k, xs] of [
    ['load + run + unload', floor.totalMs],
    ['load', floor.loadMs],
    ['run', floor.runMs],
    ['unload', floor.unloadMs],
    ['harness (untimed)', floor.harnessMs],
  ] as const) {
    out.push(`| ${k} | ${fmt(median(xs), 4)} | ${fmt(q(xs, 0.1), 4)}-${fmt(q(xs, 0.9), 4)} |`);
  }
  out.push(
    '',
    `Per-call overhead of \`session.run\` from Node on the same layer, in-process, ${call.asyncMs.length} calls each: public async API ${fmt(median(call.asyncMs), 4)} ms (p90 ${fmt(q(call.asyncMs, 0.9), 4)}), the binding's synchronous run ${fmt(median(call.syncMs), 4)} ms (p90 ${fmt(q(call.syncMs, 0.9), 4)}); the difference is the event-loop turn the async API takes.`,
    '',
  );

  if (!skipMechanisms) {
    out.push('### Unload mechanisms, whole networks without a limit', '');
    out.push(
      'Per network and mechanism: median over rounds of the median pass. `free` is the rule (docs/EXECUTION-MODEL.md); `full-gc` the old rule; `scavenge` drops references and runs a timed minor GC. "RSS back" = share of the RSS a layer added (load + run) that its unload gave back before the next layer.',
      '',
    );
    out.push(
      '| network | mechanism | total ms | unload ms | unload share | weightless unload ms | harness ms/pass | RSS back |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const n of networks.filter((x) => mechanismNetworks.includes(x))) {
      for (const mode of modes) {
        const rs = runs.filter((r) => r.network === n && r.mode === mode);
        const tot = rs.map((r) => r.total);
        const un = rs.map((r) => r.unload);
        out.push(
          `| ${n} | ${mode} | ${spread(tot, 0)} | ${spread(un, 1)} | ${fmt((100 * median(un)) / median(tot), 1)}% | ${fmt(median(rs.map((r) => r.weightlessUnload)), 3)} | ${fmt(median(rs.map((r) => r.harness)), 0)} | ${fmt(100 * median(rs.map((r) => r.rssReturnedShare)), 0)}% |`,
        );
      }
    }
    out.push('');
  }

  out.push('### Fidelity: run phases against one session running the whole graph', '');
  out.push(
    'Sum of the run phases of the median pass (`free` executor, no limit) against one onnxruntime session running the joined graph (weights as graph inputs, same threads and options, 5 runs per round after a warm-up).',
    '',
  );
  out.push('| network | layers | sum of run phases ms | whole graph ms | ratio |', '|---|---|---|---|---|');
  for (const n of networks) {
    const rs = runs.filter((r) => r.network === n && r.mode === 'free').map((r) => r.run);
    const w = whole.get(n) ?? [];
    out.push(`| ${n} | ${nets.get(n)?.layers.length ?? 0} | ${spread(rs, 1)} | ${spread(w, 1)} | ${fmt(median(rs) / median(w), 2)} |`);
  }
  out.push('');
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, `${out.join('\n')}\n`);
  writeFileSync(outPath.replace(/\.md$/, '.json'), `${JSON.stringify({ machine, floor, call, runs, whole: Object.fromEntries(whole) })}\n`);
  log(`wrote ${outPath} (${((Date.now() - t0) / 60_000).toFixed(1)} min)`);
}

if (gapOnly) await gap();
else await main();
