/**
 * JSON messages between the worker client (parent) and the worker process (worker.ts), over the
 * Node IPC channel, the per-pass timing record both sides share, and the one environment setting both
 * sides read (ortSpinning).
 */
import type { Layer } from '../network/types.js';

/**
 * Whether the sessions' onnxruntime threads spin after a run: MEMLAT_ORT_SPINNING=1; by default
 * (unset or 0) they sleep as soon as a run ends (docs/EXECUTION-MODEL.md, "Thread pools"). The worker
 * sets its session options by it, `memlat hardware` records it; worker-client.ts refuses other values.
 */
export function ortSpinning(): boolean {
  return process.env.MEMLAT_ORT_SPINNING === '1';
}

/** One timed pass of one job (one layer: load, run, unload), as the worker measures it. */
export interface LayerTiming {
  jobId: string;
  rep: number;
  loadMs: number;
  runMs: number;
  unloadMs: number;
  /**
   * Untimed work only the harness needs after this layer's unload (a scavenge of the JS objects the
   * pass left, bookkeeping), ms. In no timed phase; recorded so nothing is hidden.
   */
  harnessMs: number;
  /** Worker's major faults during this layer's load+run+unload. */
  majorFaults: number;
  /** cgroup/vmstat deltas, null if unavailable (on cgroup v1 these are machine-wide /proc/vmstat). */
  swapInPages: number | null;
  swapOutPages: number | null;
  /** Worker RSS with the input materialised, just before the timed load, bytes. */
  rssBeforeLoadBytes: number;
  /** Worker RSS right after the run (weights, input and output held), bytes. */
  rssAfterRunBytes: number;
  /** Worker RSS right after the timed unload, bytes. */
  rssAfterUnloadBytes: number;
  /** The memory group's charged usage at the same three instants, bytes (null when unlimited). */
  groupBeforeLoadBytes: number | null;
  groupAfterRunBytes: number | null;
  groupAfterUnloadBytes: number | null;
}

/** A job as the worker receives it: the weight file is already written by the parent. */
export interface WireJob {
  id: string;
  layer: Layer;
  inputShapes: number[][];
  weightPath: string | null;
}

/** Parent -> worker. */
export type ToWorker =
  | {
      type: 'measure';
      jobs: WireJob[];
      reps: number;
      /** 'job': each job's reps back to back (profiler). 'pass': pass-major over all jobs (networks). */
      order: 'job' | 'pass';
      swapStatFile: string;
      /** The group's usage file (v2 memory.current, v1 memory.usage_in_bytes); null when unlimited. */
      usageFile: string | null;
    }
  | { type: 'abort' };

/** Worker -> parent. */
export type FromWorker =
  | { type: 'ready'; pid: number; rssBytes: number; swapBytes: number }
  | { type: 'jobStart'; jobId: string }
  | { type: 'timing'; timing: LayerTiming; outputShape: number[] }
  | { type: 'done'; aborted: boolean }
  | { type: 'error'; jobId?: string; message: string };
