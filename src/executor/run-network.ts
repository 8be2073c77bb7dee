/**
 * The whole-network executor behind `memlat run`: one worker confined to M runs every layer of a
 * resolved network in order, `reps` passes, exactly as ../../docs/EXECUTION-MODEL.md describes, and
 * the per-pass timings are reduced to medians and spreads.
 */
import { SESSION_BYTES } from '../models/types.js';
import type { ResolvedNetwork } from '../network/types.js';
import { UserError, type ArgName, argumentError } from '../errors.js';
import { median } from '../stats.js';
import { formatBytes, setupSwapCommand } from '../units.js';
import { largestResidentBytes, layerWeightSpecs, weightFileBytes } from '../network/onnx-layer.js';
import { swapBytes } from '../host/swap.js';
import { startWorker, type LayerJob, type LayerTiming, type WorkerOptions } from './worker-client.js';

/** Result of runNetwork (the `memlat run --json` document plus raw passes). */
export interface RunResult {
  network: string;
  memoryBytes: number | null;
  reps: number;
  /** Median over passes of the pass total (sum of every layer's load+run+unload), ms. */
  totalMs: number;
  /** Each pass's total, ms. */
  totalsMs: number[];
  /**
   * Untimed harness overhead per pass (the scavenges and counter reads between layers, in no timed
   * phase; see docs/EXECUTION-MODEL.md), ms: each pass's sum over layers.
   */
  harnessMsPerPass: number[];
  /** Median over passes of the pass's major faults (all layers). */
  majorFaults: number;
  /** Median over passes of the pass's swap-in pages (null if unavailable). */
  swapInPages: number | null;
  layers: {
    name: string;
    type: string;
    loadMs: number;
    runMs: number;
    unloadMs: number;
    totalMs: number;
    /** [min, max] over passes. */
    loadSpreadMs: [number, number];
    runSpreadMs: [number, number];
    unloadSpreadMs: [number, number];
    majorFaults: number;
    swapInPages: number | null;
    weightBytes: number;
  }[];
  /** Raw timings: passes[pass][layer]. */
  passes: LayerTiming[][];
}

export { median } from '../stats.js';

function spread(xs: number[]): [number, number] {
  return [Math.min(...xs), Math.max(...xs)];
}

/**
 * Swap a run at `memoryBytes` needs so nothing is OOM-killed: the largest layer's resident bytes
 * plus a 256 MiB allowance for the runtime, minus M (0 when unlimited). Cost O(layers).
 */
export function swapNeededBytes(rn: ResolvedNetwork, memoryBytes: number | null): number {
  if (memoryBytes === null) return 0;
  const largest = largestResidentBytes(rn);
  return Math.max(0, largest + 256 * 2 ** 20 - memoryBytes);
}

/**
 * The most layers `memlat run` takes. The worker prepares one onnxruntime session per layer before
 * the first timed pass (docs/EXECUTION-MODEL.md step 2) and keeps them all for the pass-major passes,
 * so its memory grows with the layer count: about 130 KiB and 15 ms per session (a ReLU, measured on
 * a 2-core VM), i.e. ~1.3 GB and minutes of preparation at this limit, ~130 GB and hours at 10^6.
 * The zoo's largest network has 707 layers.
 */
export const MAX_RUN_LAYERS = 10_000;
/** Estimated memory of one prepared layer session (see MAX_RUN_LAYERS), bytes: models/types.ts SESSION_BYTES. */
export const SESSION_BYTES_ESTIMATE = SESSION_BYTES;

/**
 * Refuses (UserError, before any weight is written or worker started) a network with more layers than
 * `max`: its sessions would grow the worker's memory without bound. Cost: O(1).
 */
export function checkRunLayerCount(rn: ResolvedNetwork, max = MAX_RUN_LAYERS): void {
  const n = rn.layers.length;
  if (n <= max) return;
  throw new UserError(
    `network ${rn.name}: ${n} layers, more than the ${max} memlat run takes (it prepares an onnxruntime session for every layer before the first timed pass, about ${formatBytes(SESSION_BYTES_ESTIMATE)} each, so ${formatBytes(n * SESSION_BYTES_ESTIMATE)} here); run a part of it of at most ${max} layers, or use 'memlat predict' for the whole network`,
  );
}

/**
 * A run whose worker was OOM-killed: a UserError whose message gives advice that fits the machine's
 * state, carrying the passes that finished (and the layers of the pass in flight) so callers can
 * store them with an OOM row for the layer that was killed.
 */
export class OomError extends UserError {
  constructor(
    /** The message, naming the arguments with `name` (as argumentError does). */
    text: (name: ArgName) => string,
    readonly layerIndex: number,
    /** The pass the kill hit (0-based). */
    readonly rep: number,
    /** Timings measured before the kill: passes[pass][layer]. */
    readonly passes: LayerTiming[][],
  ) {
    super(
      text((a) => a),
      2,
      (n) => [text(n)],
    );
  }
}

/**
 * What to tell the user after an OOM kill at `memoryBytes`, given the free swap: add swap when it is
 * short of what the run needs, else raise the limit (the swap was there; the group's memory+swap cap
 * or the kernel's reclaim could not keep up). `name` names the memory argument (the CLI: its flag).
 * Cost O(layers).
 */
export function oomAdvice(rn: ResolvedNetwork, memoryBytes: number, freeSwapBytes: number, name: ArgName = (a) => a): string {
  const need = swapNeededBytes(rn, memoryBytes);
  const noSwap = largestResidentBytes(rn) + 256 * 2 ** 20;
  if (need + 512 * 2 ** 20 > freeSwapBytes) {
    return `add swap ('${setupSwapCommand(need + 2 ** 30)}': ${formatBytes(freeSwapBytes)} is free) or raise ${name('memory')} to ${formatBytes(noSwap)}, where the largest layer fits`;
  }
  return `${formatBytes(freeSwapBytes)} of swap is free, which this run should not exhaust; raise ${name('memory')} (${formatBytes(noSwap)} fits the largest layer), and check that nothing caps the group's memory+swap (memory.memsw.limit_in_bytes / memory.swap.max)`;
}

/**
 * Run `rn` layer by layer in a memory-limited worker for `opts.reps` passes (each starting cold).
 * Refuses (UserError) when swap is smaller than the limit requires or the limit is below the
 * runtime's idle footprint, and when the worker is OOM-killed or crashes. Cost: reps x the network.
 */
export async function runNetwork(
  rn: ResolvedNetwork,
  opts: WorkerOptions & { reps: number; onPass?: (i: number) => void; signal?: AbortSignal },
): Promise<RunResult> {
  if (!Number.isInteger(opts.reps) || opts.reps < 1) throw argumentError((n) => `${n('reps')} ${opts.reps}: must be a positive integer, e.g. ${n('reps')} 5`);
  checkRunLayerCount(rn);
  const need = swapNeededBytes(rn, opts.memoryLimitBytes);
  const { freeBytes } = swapBytes();
  if (need > freeBytes) {
    throw argumentError(
      (n) =>
        `${n('memory')} ${formatBytes(opts.memoryLimitBytes ?? 0)}: ${rn.name} needs ${formatBytes(need)} of swap beyond the limit but only ${formatBytes(freeBytes)} is free; run '${setupSwapCommand(need + 2 ** 30)}'`,
    );
  }
  const jobs: LayerJob[] = rn.layers.map((l) => ({ id: String(l.index), layer: l.layer, inputShapes: l.inputShapes }));
  const byId = new Map(rn.layers.map((l, i) => [String(l.index), i]));
  const passes: LayerTiming[][] = Array.from({ length: opts.reps }, () => []);
  const worker = await startWorker(opts);
  try {
    let lastPass = -1;
    const outcome = await worker.measurePasses(
      jobs,
      opts.reps,
      (t) => {
        passes[t.rep]?.push(t);
        if (t.rep !== lastPass) {
          lastPass = t.rep;
          opts.onPass?.(t.rep);
        }
      },
      opts.signal,
    );
    if (outcome.status === 'oom') {
      const i = byId.get(outcome.jobId) ?? -1;
      const l = rn.layers[i];
      const rep = passes.findIndex((p) => p.length < rn.layers.length);
      const freeSwap = swapBytes().freeBytes;
      throw new OomError(
        (n) =>
          `the worker was OOM-killed at layer "${l?.layer.name ?? outcome.jobId}" under ${n('memory')} ${formatBytes(opts.memoryLimitBytes ?? 0)}; ${oomAdvice(rn, opts.memoryLimitBytes ?? 0, freeSwap, n)}`,
        l?.index ?? -1,
        rep < 0 ? opts.reps - 1 : rep,
        passes.filter((p) => p.length > 0),
      );
    }
    if (outcome.status === 'crashed') {
      const l = rn.layers[byId.get(outcome.jobId ?? '') ?? -1];
      throw new Error(`worker crashed${l ? ` at layer "${l.layer.name}"` : ''}: ${outcome.message}`);
    }
    if (outcome.status === 'aborted') throw new UserError('run aborted');
  } finally {
    await worker.close();
  }

  const totalsMs = passes.map((p) => p.reduce((a, t) => a + t.loadMs + t.runMs + t.unloadMs, 0));
  const swapOf = (ts: LayerTiming[]): number | null => (ts.some((t) => t.swapInPages === null) ? null : ts.reduce((a, t) => a + (t.swapInPages ?? 0), 0));
  const passSwap = passes.map(swapOf);
  const layers = rn.layers.map((l, i) => {
    const ts = passes.map((p) => p[i]).filter((t): t is LayerTiming => t !== undefined);
    const load = ts.map((t) => t.loadMs);
    const run = ts.map((t) => t.runMs);
    const unload = ts.map((t) => t.unloadMs);
    const sw = ts.map((t) => t.swapInPages);
    return {
      name: l.layer.name,
      type: l.layer.type,
      loadMs: median(load),
      runMs: median(run),
      unloadMs: median(unload),
      totalMs: median(ts.map((t) => t.loadMs + t.runMs + t.unloadMs)),
      loadSpreadMs: spread(load),
      runSpreadMs: spread(run),
      unloadSpreadMs: spread(unload),
      majorFaults: median(ts.map((t) => t.majorFaults)),
      swapInPages: sw.some((v) => v === null) ? null : median(sw as number[]),
      weightBytes: weightFileBytes(layerWeightSpecs(l.layer, l.inputShapes)),
    };
  });
  return {
    network: rn.name,
    memoryBytes: opts.memoryLimitBytes,
    reps: opts.reps,
    totalMs: median(totalsMs),
    totalsMs,
    harnessMsPerPass: passes.map((p) => p.reduce((a, t) => a + t.harnessMs, 0)),
    majorFaults: median(passes.map((p) => p.reduce((a, t) => a + t.majorFaults, 0))),
    swapInPages: passSwap.some((v) => v === null) ? null : median(passSwap as number[]),
    layers,
    passes,
  };
}
