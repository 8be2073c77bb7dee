/**
 * The parent side of the measuring worker: starts a Node process (--expose-gc) inside a memory group
 * (see limiter.ts) from its first instruction, writes the jobs' weight files, sends jobs and collects
 * per-pass timings. Works compiled (dist/src/executor/worker.js) and under tsx (worker.ts through
 * `node --import tsx`). See docs/RUNTIME.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Layer } from '../network/types.js';
import { argumentError, UserError } from '../errors.js';
import { formatBytes } from '../units.js';
import { detectLimiter, registerCleanup, type MemoryGroup, type MemoryLimiter } from '../host/limiter.js';
import { swapBytes } from '../host/swap.js';
import { emulationFromEnv } from '../host/emulate.js';
import { ensureWeightFile } from './weights.js';
import type { FromWorker, LayerTiming, ToWorker, WireJob } from './worker-protocol.js';

/** One isolated layer to measure. */
export interface LayerJob {
  id: string;
  layer: Layer;
  inputShapes: number[][];
}

export type { LayerTiming } from './worker-protocol.js';

/** How to start a worker. */
export interface WorkerOptions {
  /** null = no limit. */
  memoryLimitBytes: number | null;
  /** onnxruntime intra-op threads, default = cores. */
  threads?: number;
  /** Weight cache, default $MEMLAT_CACHE or ~/.cache/memlat. */
  cacheDir?: string;
  /** Limiter to use instead of detectLimiter() (tests). */
  limiter?: MemoryLimiter;
  /** A job (all its passes) taking longer than this is killed and reported 'crashed'. Default 10 min. */
  jobTimeoutMs?: number;
  /** Waiting for the worker to start beyond this fails. Default 120 s. */
  startTimeoutMs?: number;
  /**
   * Delete the weight files a measure() call had to write once it returns (files already in the
   * cache are kept). For profiling many one-off sampled layers, which would otherwise fill the disk.
   */
  dropNewWeightFiles?: boolean;
}

/** How a measure() call ended. */
export type MeasureOutcome =
  { status: 'done' } | { status: 'oom'; jobId: string } | { status: 'aborted' } | { status: 'crashed'; jobId?: string; message: string };

/** A running worker. */
export interface LayerWorker {
  /** Worker RSS after onnxruntime loaded, before any job. */
  readonly idleRssBytes: number;
  /** Worker memory swapped out at idle (VmSwap), part of its footprint under tight limits. */
  readonly idleSwapBytes: number;
  /** The worker's pid. */
  readonly pid: number;
  /** The memory group (null when unlimited). */
  readonly group: MemoryGroup | null;
  /**
   * Each job: prepare its session (untimed), then `reps` passes of: evict its weight file from the
   * page cache, materialise input (untimed), load weights from disk, run, unload (free every buffer
   * the layer held), then untimed harness work (a scavenge) reported as harnessMs.
   */
  measure(jobs: LayerJob[], reps: number, onTiming: (t: LayerTiming) => void, signal?: AbortSignal): Promise<MeasureOutcome>;
  /**
   * Pass-major variant for whole networks: all sessions prepared first, then `passes` passes each
   * running every job in order. Same per-layer timing semantics as measure().
   */
  measurePasses(jobs: LayerJob[], passes: number, onTiming: (t: LayerTiming) => void, signal?: AbortSignal): Promise<MeasureOutcome>;
  /** Kills the worker and removes its group. */
  close(): Promise<void>;
}

/**
 * Node flags of the worker: --expose-gc (the untimed scavenge), and on Node 20, where
 * `ArrayBuffer.prototype.transfer` (the synchronous free of unload) is still behind a flag,
 * --harmony-rab-gsab-transfer. The same node binary runs parent and worker, so the parent can tell.
 */
export function workerNodeFlags(): string[] {
  const flags = ['--expose-gc'];
  if (typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer !== 'function') flags.push('--harmony-rab-gsab-transfer');
  return flags;
}

/** argv (after `node`) that runs the worker entry in this installation: compiled JS or TS via tsx. */
export function workerNodeArgs(): string[] {
  const js = fileURLToPath(new URL('./worker.js', import.meta.url));
  if (existsSync(js)) return [...workerNodeFlags(), js];
  const ts = fileURLToPath(new URL('./worker.ts', import.meta.url));
  return [...workerNodeFlags(), '--import', import.meta.resolve('tsx'), ts];
}

/** The file holding a group's charged memory (v2 memory.current, v1 memory.usage_in_bytes), or null. */
function usageFileOf(group: MemoryGroup | null): string | null {
  if (!group?.path) return null;
  for (const f of ['memory.current', 'memory.usage_in_bytes']) {
    const p = join(group.path, f);
    if (existsSync(p)) return p;
  }
  return null;
}

/**
 * Start a worker (confined to opts.memoryLimitBytes when set) and wait until onnxruntime is loaded.
 * Throws UserError when the limit is below the runtime's idle footprint.
 * Cost: ~0.3-1 s (Node + onnxruntime start), plus one cgroup mkdir.
 */
export async function startWorker(opts: WorkerOptions): Promise<LayerWorker> {
  emulationFromEnv(); // MEMLAT_EMULATE: the worker starts inside the emulated machine (no-op when unset)
  const spin = process.env.MEMLAT_ORT_SPINNING;
  if (spin !== undefined && spin !== '0' && spin !== '1')
    throw new UserError(
      `MEMLAT_ORT_SPINNING=${spin}: must be 0 (onnxruntime's threads sleep as soon as a run ends: the default, docs/EXECUTION-MODEL.md) or 1 (they spin for a while after it, the rule before 2026-12-02); unset it or set 0 or 1`,
    );
  const threads = opts.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw argumentError((n) => `${n('threads')} ${threads}: must be a positive integer`);
  const limit = opts.memoryLimitBytes;
  const group = limit === null ? null : (opts.limiter ?? detectLimiter()).create(limit);
  const argv = [process.execPath, ...workerNodeArgs()];
  let child: ChildProcess;
  try {
    const cmd = group ? group.wrap(argv) : argv;
    child = spawn(cmd[0] ?? 'node', cmd.slice(1), {
      stdio: ['ignore', 2, 2, 'ipc'],
      // glibc raises its mmap threshold after each free of a large block (up to 32 MiB), after which
      // freed buffers stay in the heap, resident and charged. Fixing it at its default (128 KiB)
      // keeps every buffer >= 128 KiB its own mapping, so unload's free really returns it.
      env: { MALLOC_MMAP_THRESHOLD_: '131072', ...process.env, MEMLAT_THREADS: String(threads) },
      serialization: 'json',
    });
  } catch (e) {
    group?.close();
    throw e;
  }

  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  let killedByUs = false;
  const kill = (): void => {
    if (exited === null && child.pid !== undefined) {
      killedByUs = true;
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  const unregister = registerCleanup(() => {
    kill();
    group?.close(); // rmdir retries until the killed worker has left the group
  });
  const exitPromise = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  let listener: ((m: FromWorker) => void) | null = null;
  let exitListener: (() => void) | null = null;
  child.on('message', (m) => listener?.(m as FromWorker));
  child.on('exit', () => exitListener?.());
  child.on('error', () => exitListener?.());

  const closeAll = async (): Promise<void> => {
    kill();
    if (exited === null) await Promise.race([exitPromise, new Promise((r) => setTimeout(r, 5000))]);
    group?.close();
    unregister();
  };

  // Wait for 'ready'.
  let ready: Extract<FromWorker, { type: 'ready' }>;
  try {
    ready = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker did not start within ${opts.startTimeoutMs ?? 120000} ms`)), opts.startTimeoutMs ?? 120_000);
      listener = (m) => {
        if (m.type === 'ready') {
          clearTimeout(timer);
          resolve(m);
        } else if (m.type === 'error') {
          clearTimeout(timer);
          reject(new Error(m.message));
        }
      };
      exitListener = () => {
        clearTimeout(timer);
        const e = exited;
        if (limit !== null && e?.signal === 'SIGKILL') {
          reject(
            argumentError(
              (n) =>
                `${n('memory')} ${formatBytes(limit)}: the worker was killed while starting, so the limit is below the runtime's idle footprint (Node + onnxruntime, typically ~100 MiB); use a larger limit${swapBytes().freeBytes < 2 ** 30 ? ", or add swap with 'sudo memlat doctor --setup-swap 4GiB'" : ''}`,
            ),
          );
        } else reject(new Error(`worker exited while starting (code ${e?.code ?? 'none'}, signal ${e?.signal ?? 'none'})`));
      };
    });
  } catch (e) {
    await closeAll();
    throw e;
  }
  listener = null;
  exitListener = null;
  if (limit !== null && ready.rssBytes + ready.swapBytes > limit) {
    await closeAll();
    throw argumentError(
      (n) =>
        `${n('memory')} ${formatBytes(limit)}: below the runtime's idle footprint ${formatBytes(ready.rssBytes + ready.swapBytes)} (Node + onnxruntime); use a limit above it`,
    );
  }

  let busy = false;
  const run = async (
    jobs: LayerJob[],
    reps: number,
    order: 'job' | 'pass',
    onTiming: (t: LayerTiming) => void,
    signal?: AbortSignal,
  ): Promise<MeasureOutcome> => {
    if (busy) throw new Error('internal: measure() called while another measure() is running');
    if (!Number.isInteger(reps) || reps < 1) throw argumentError((n) => `${n('reps')} ${reps}: must be a positive integer`);
    if (exited !== null) return { status: 'crashed', message: 'the worker is gone (it exited earlier); start a new one' };
    busy = true;
    const written: string[] = [];
    try {
      const wire: WireJob[] = jobs.map((j) => {
        const f = ensureWeightFile(j.layer, j.inputShapes, opts.cacheDir);
        if (f.created && f.path && opts.dropNewWeightFiles) written.push(f.path);
        return { ...j, weightPath: f.path };
      });
      const groupBefore = group?.counters().oomKills ?? null;
      return await new Promise<MeasureOutcome>((resolve) => {
        let current: string | undefined;
        let timedOut = false;
        const timeoutMs = opts.jobTimeoutMs ?? 600_000;
        let timer: NodeJS.Timeout | undefined;
        const arm = (): void => {
          clearTimeout(timer);
          timer = setTimeout(() => {
            timedOut = true;
            kill();
          }, timeoutMs);
        };
        const finish = (o: MeasureOutcome): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          listener = null;
          exitListener = null;
          resolve(o);
        };
        const onAbort = (): void => {
          if (exited === null) child.send({ type: 'abort' } satisfies ToWorker);
        };
        listener = (m) => {
          if (m.type === 'jobStart') {
            current = m.jobId;
            arm();
          } else if (m.type === 'timing') onTiming(m.timing);
          else if (m.type === 'done') finish(m.aborted ? { status: 'aborted' } : { status: 'done' });
          else if (m.type === 'error') finish({ status: 'crashed', jobId: m.jobId ?? current, message: m.message });
        };
        exitListener = () => {
          const e = exited;
          if (timedOut) {
            finish({ status: 'crashed', jobId: current, message: `job ${current ?? '?'} timed out after ${timeoutMs} ms; worker killed` });
          } else if (signal?.aborted) finish({ status: 'aborted' });
          else if (e?.signal === 'SIGKILL' && !killedByUs && group !== null) {
            // SIGKILL from outside inside a memory group: the OOM killer (memory.oom_control /
            // memory.events count it where available; the signal alone is the portable evidence).
            const after = group.counters().oomKills;
            if (after !== null && groupBefore !== null && after <= groupBefore)
              process.emitWarning(`worker SIGKILLed in ${group.name} without an OOM kill counted; treating as OOM`);
            finish({ status: 'oom', jobId: current ?? jobs[0]?.id ?? '' });
          } else {
            finish({ status: 'crashed', jobId: current, message: `worker exited (code ${e?.code ?? 'none'}, signal ${e?.signal ?? 'none'})` });
          }
        };
        if (signal?.aborted) return finish({ status: 'aborted' });
        signal?.addEventListener('abort', onAbort);
        arm();
        child.send({
          type: 'measure',
          jobs: wire,
          reps,
          order,
          swapStatFile: group?.swapStatFile ?? '/proc/vmstat',
          usageFile: usageFileOf(group),
        } satisfies ToWorker);
      });
    } finally {
      busy = false;
      for (const p of written) rmSync(p, { force: true });
    }
  };

  return {
    idleRssBytes: ready.rssBytes,
    idleSwapBytes: ready.swapBytes,
    pid: ready.pid,
    group,
    measure: (jobs, reps, onTiming, signal) => run(jobs, reps, 'job', onTiming, signal),
    measurePasses: (jobs, passes, onTiming, signal) => run(jobs, passes, 'pass', onTiming, signal),
    close: closeAll,
  };
}
