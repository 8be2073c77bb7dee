/**
 * A fake LayerWorker for testing the measurement loop without processes: deterministic timings
 * derived from (jobId, rep), an optional per-pass delay, and OOM/crash on chosen jobs.
 */
import type { LayerJob, LayerTiming, MeasureOutcome, WorkerOptions } from '../../src/executor/worker-client.js';
import type { ProfileWorker } from '../../src/profile/run.js';

/** Deterministic pseudo-timing of (jobId, rep): a hash mapped to a few ms. */
export function fakeTiming(jobId: string, rep: number): LayerTiming {
  let h = 2166136261;
  for (const c of `${jobId}#${rep}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return {
    jobId,
    rep,
    loadMs: (h % 1000) / 100,
    runMs: ((h >>> 10) % 1000) / 100,
    unloadMs: 0.5,
    harnessMs: 0.2,
    majorFaults: h % 7,
    swapInPages: h % 3,
    swapOutPages: 0,
    rssBeforeLoadBytes: 0,
    rssAfterRunBytes: 0,
    rssAfterUnloadBytes: 0,
    groupBeforeLoadBytes: null,
    groupAfterRunBytes: null,
    groupAfterUnloadBytes: null,
  };
}

export interface FakeWorld {
  /** Job ids whose first pass OOM-kills the worker. */
  oomJobs?: Set<string>;
  /** Job ids whose first pass crashes the worker. */
  crashJobs?: Set<string>;
  /** ms to wait per pass (0 = next macrotask). */
  passDelayMs?: number;
  /** The next this-many starts fail with a plain Error (a worker that died while starting). */
  failStarts?: number;
  /** Called before each start (tests abort from here). */
  beforeStart?: () => void;
  /** Every worker started, with its limit and whether it was closed. */
  started: { memoryLimitBytes: number | null; closed: boolean; jobs: number }[];
  /** Every pass timed, in order: which call ran it ('job' = measure, 'pass' = measurePasses), job id, rep. */
  passes?: { order: 'job' | 'pass'; limit: number | null; jobId: string; rep: number }[];
}

/** startWorker for the loop, backed by `world`. */
export function fakeStartWorker(world: FakeWorld): (opts: WorkerOptions) => Promise<ProfileWorker> {
  return (opts) => {
    world.beforeStart?.();
    if (world.failStarts) {
      world.failStarts--;
      return Promise.reject(new Error('worker exited while starting (code none, signal SIGINT)'));
    }
    const rec = { memoryLimitBytes: opts.memoryLimitBytes, closed: false, jobs: 0 };
    world.started.push(rec);
    let dead = false;
    // one pass of one job: undefined to go on, else how the call ends
    const pass = async (
      order: 'job' | 'pass',
      job: LayerJob,
      rep: number,
      onTiming: (t: LayerTiming) => void,
      signal?: AbortSignal,
    ): Promise<MeasureOutcome | undefined> => {
      await new Promise((r) => setTimeout(r, world.passDelayMs ?? 0));
      if (signal?.aborted) return { status: 'aborted' };
      if (world.oomJobs?.has(job.id)) {
        dead = true;
        return { status: 'oom', jobId: job.id };
      }
      if (world.crashJobs?.has(job.id)) {
        dead = true;
        return { status: 'crashed', jobId: job.id, message: 'segfault (fake)' };
      }
      world.passes?.push({ order, limit: opts.memoryLimitBytes, jobId: job.id, rep });
      onTiming(fakeTiming(job.id, rep));
      return undefined;
    };
    const worker: ProfileWorker = {
      idleRssBytes: 50 * 1024 * 1024,
      async measure(jobs: LayerJob[], reps: number, onTiming: (t: LayerTiming) => void, signal?: AbortSignal): Promise<MeasureOutcome> {
        if (dead) return { status: 'crashed', message: 'worker is gone' };
        rec.jobs += jobs.length;
        for (const job of jobs) {
          for (let rep = 0; rep < reps; rep++) {
            const end = await pass('job', job, rep, onTiming, signal);
            if (end) return end;
          }
        }
        return { status: 'done' };
      },
      async measurePasses(jobs: LayerJob[], reps: number, onTiming: (t: LayerTiming) => void, signal?: AbortSignal): Promise<MeasureOutcome> {
        if (dead) return { status: 'crashed', message: 'worker is gone' };
        rec.jobs += jobs.length;
        for (let rep = 0; rep < reps; rep++) {
          for (const job of jobs) {
            const end = await pass('pass', job, rep, onTiming, signal);
            if (end) return end;
          }
        }
        return { status: 'done' };
      },
      close() {
        rec.closed = true;
        dead = true;
        return Promise.resolve();
      },
    };
    return Promise.resolve(worker);
  };
}
