/**
 * JSON messages between the worker client (parent) and the worker process (worker.ts), over the
 * Node IPC channel. Types only.
 */
import type { Layer } from '../network/types.js';
import type { LayerTiming } from './worker-client.js';

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
    }
  | { type: 'abort' };

/** Worker -> parent. */
export type FromWorker =
  | { type: 'ready'; pid: number; rssBytes: number; swapBytes: number }
  | { type: 'jobStart'; jobId: string }
  | { type: 'timing'; timing: LayerTiming; outputShape: number[] }
  | { type: 'done'; aborted: boolean }
  | { type: 'error'; jobId?: string; message: string };
