/**
 * The measurement loop: executes a ProfilePlan with worker processes and appends one row per timed
 * pass to a dataset, safely.
 *
 * - Rows are appended (and fsynced) as timings arrive; a killed run loses at most the pass in flight.
 * - Resume: measurements whose (sample, limit, rep) key is already in the file are not written again;
 *   a job whose every rep is present is not sent to a worker at all; an OOM row marks its job done.
 * - OOM: the worker was killed by the memory limit while measuring a job: one row with oom=true is
 *   written for that job (at its first missing rep) and a new worker takes the remaining jobs.
 * - A crash (worker died otherwise, or a job timed out) is reported in the summary, the job is
 *   skipped (no row, so a later resume retries it) and a new worker continues.
 * - Stop: the caller's AbortSignal (Ctrl-C) or the time budget aborts the worker between passes;
 *   the worker is closed (its cgroup removed) and the loop returns `stoppedBy`.
 *
 * The worker is passed in (`startWorker`), so tests run the loop with a fake one. Not pure (it
 * drives processes through the given function) but touches no file itself: rows go to `writer`.
 */
import type { MeasurementRow } from '../dataset/schema.js';
import { isUserError } from '../errors.js';
import type { RowWriter } from '../dataset/files.js';
import type { LayerTiming, LayerWorker, WorkerOptions } from '../executor/worker-client.js';
import { measurementKey, type PlanJob, type ProfilePlan } from './plan.js';

/**
 * The part of a LayerWorker the loop uses (the real one from src/executor/worker-client.ts fits);
 * measurePasses only with unlimitedOrder 'network'.
 */
export type ProfileWorker = Pick<LayerWorker, 'idleRssBytes' | 'measure' | 'close'> & Partial<Pick<LayerWorker, 'measurePasses'>>;

/**
 * How a chunk's unlimited jobs are measured. 'job': each layer's reps back to back (the layer finds
 * its own data and code in the caches: warm). 'network': pass-major, all of the group's layers in
 * plan order per rep, as a network runs its layers, so each layer runs after ~100 others (cold:
 * a layer of DenseNet-201 ran 1.3-1.6x longer inside a pass than back to back on host D,
 * docs/MODELS.md).
 */
export type UnlimitedOrder = 'job' | 'network';

/**
 * How a chunk's limited jobs are measured: 'job' (each layer's reps back to back) or 'network'
 * (pass-major over the layers that share the group's limit, a median of 3 with continuous levels:
 * each rep of a layer follows the others' load, run and unload, so it finds less of its own data in
 * the caches; each layer is still loaded, run and unloaded alone, so no other layer's memory is in
 * the limit while it runs).
 */
export type LimitedOrder = UnlimitedOrder;

/** Progress after each written row (for the progress bar). */
export interface ProfileProgress {
  /** Measurements done in this run. */
  measured: number;
  /** Measurements to do in this run (plan minus what the file already had). */
  total: number;
  /** Measurements found already done at start. */
  skipped: number;
  oom: number;
  /** Limit of the current worker, for display. */
  memoryLimitBytes: number | null;
}

/** Options of runProfile. */
export interface ProfileRunOptions {
  plan: ProfilePlan;
  writer: Pick<RowWriter, 'existing' | 'append'>;
  hardwareId: string;
  startWorker: (opts: WorkerOptions) => Promise<ProfileWorker>;
  /** Extra worker options (threads, cacheDir); memoryLimitBytes comes from the plan. */
  workerOptions?: Omit<WorkerOptions, 'memoryLimitBytes'>;
  /** Abort (Ctrl-C): stops between passes, closes the worker. */
  signal?: AbortSignal;
  /** Stop once this much wall time has passed (ms). */
  budgetMs?: number;
  onProgress?: (p: ProfileProgress) => void;
  /** Called with a one-line message for OOMs and crashes (the CLI prints them above the bar). */
  onEvent?: (message: string) => void;
  /** The unlimited jobs' order (default 'job'; UnlimitedOrder). */
  unlimitedOrder?: UnlimitedOrder;
  /** The limited jobs' order (default 'job'; LimitedOrder). */
  limitedOrder?: LimitedOrder;
  /** Row `source` (default 'memlat-profile'). */
  source?: string;
  /**
   * Called when the loop leaves a chunk (finished, or stopped inside it) with every job of that chunk,
   * e.g. to delete the chunk's one-off weight files from the cache. Errors are reported via onEvent.
   */
  onChunkDone?: (chunk: number, jobs: PlanJob[]) => Promise<void>;
}

/** What a run did. */
export interface ProfileRunSummary {
  measured: number;
  skipped: number;
  oom: number;
  crashed: { jobId: string | null; message: string }[];
  stoppedBy: 'done' | 'budget' | 'signal';
  workersStarted: number;
  elapsedMs: number;
}

/** The measured part of a row from one timed pass: the phases, the fault counters, the harness time. */
export function timedFields(
  t: Pick<LayerTiming, 'loadMs' | 'runMs' | 'unloadMs' | 'majorFaults' | 'swapInPages' | 'swapOutPages'> & { harnessMs?: number },
): Pick<MeasurementRow, 'loadMs' | 'runMs' | 'unloadMs' | 'majorFaults' | 'swapInPages' | 'swapOutPages' | 'oom' | 'harnessMs'> {
  return {
    loadMs: t.loadMs,
    runMs: t.runMs,
    unloadMs: t.unloadMs,
    majorFaults: t.majorFaults,
    swapInPages: t.swapInPages,
    swapOutPages: t.swapOutPages,
    oom: false,
    ...(t.harnessMs !== undefined ? { harnessMs: t.harnessMs } : {}),
  };
}

/** The row of one timed pass of a planned job. */
export function timingRow(
  job: PlanJob,
  t: Pick<LayerTiming, 'rep' | 'loadMs' | 'runMs' | 'unloadMs' | 'majorFaults' | 'swapInPages' | 'swapOutPages'> & { harnessMs?: number },
  hardwareId: string,
  source = 'memlat-profile',
): MeasurementRow {
  return {
    hardwareId,
    source,
    network: job.sampleId,
    layerIndex: job.layerIndex ?? 0,
    layerName: job.layer.name,
    layerType: job.layerType,
    layer: job.layer,
    inputShapes: job.inputShapes,
    outputShape: job.outputShape,
    memoryLimitBytes: job.memoryLimitBytes,
    rep: t.rep,
    ...timedFields(t),
  };
}

/**
 * Runs the plan (or what is left of it). Resolves when everything is measured, the budget is spent
 * or `signal` aborts; never leaves a worker running. Rejects only on writer errors (disk full...).
 */
export async function runProfile(opts: ProfileRunOptions): Promise<ProfileRunSummary> {
  const t0 = Date.now();
  const { plan, writer, hardwareId } = opts;
  const reps = plan.options.reps;
  const source = opts.source ?? 'memlat-profile';
  const done = new Set<string>();
  const oomJobs = new Set<string>();
  for (const r of writer.existing) {
    if (r.source !== source || r.hardwareId !== hardwareId) continue;
    if (r.oom) oomJobs.add(`${r.network}|${r.layerIndex}|${r.memoryLimitBytes ?? 'none'}`);
    else done.add(measurementKey(r.network, r.memoryLimitBytes, r.rep, r.layerIndex));
  }
  const jobKey = (j: PlanJob): string => `${j.sampleId}|${j.layerIndex ?? 0}|${j.memoryLimitBytes ?? 'none'}`;
  const missingReps = (j: PlanJob): number[] => {
    if (oomJobs.has(jobKey(j))) return [];
    const out: number[] = [];
    for (let r = 0; r < reps; r++) if (!done.has(measurementKey(j.sampleId, j.memoryLimitBytes, r, j.layerIndex))) out.push(r);
    return out;
  };
  let total = 0;
  for (const g of plan.groups) for (const j of g.jobs) total += missingReps(j).length;
  const skipped = plan.jobs * reps - total;

  const summary: ProfileRunSummary = { measured: 0, skipped, oom: 0, crashed: [], stoppedBy: 'done', workersStarted: 0, elapsedMs: 0 };
  const budget = new AbortController();
  const timer = opts.budgetMs !== undefined ? setTimeout(() => budget.abort(), Math.max(0, opts.budgetMs)) : null;
  timer?.unref();
  const stop = opts.signal ? AbortSignal.any([opts.signal, budget.signal]) : budget.signal;

  // Rows are queued by the synchronous onTiming callback and flushed by one chain of appends; each
  // flush writes everything queued so far (natural batching), with one fsync.
  let queue: MeasurementRow[] = [];
  let flushing: Promise<void> = Promise.resolve();
  const failure: { error: Error | null } = { error: null }; // set by a failed append
  const flush = (): Promise<void> => {
    flushing = flushing.then(async () => {
      if (!queue.length) return;
      const batch = queue;
      queue = [];
      try {
        await writer.append(batch);
      } catch (e) {
        failure.error ??= e instanceof Error ? e : new Error(String(e));
      }
    });
    return flushing;
  };
  let currentLimit: number | null = null;
  const emit = (row: MeasurementRow): void => {
    queue.push(row);
    summary.measured++;
    if (row.oom) summary.oom++;
    void flush();
    opts.onProgress?.({ measured: summary.measured, total, skipped, oom: summary.oom, memoryLimitBytes: currentLimit });
  };

  let openChunk: number | null = null;
  const leaveChunk = async (): Promise<void> => {
    if (openChunk === null || !opts.onChunkDone) return;
    const c = openChunk;
    openChunk = null;
    try {
      await opts.onChunkDone(
        c,
        plan.groups.filter((g) => g.chunk === c).flatMap((g) => g.jobs),
      );
    } catch (e) {
      opts.onEvent?.(`chunk ${c}: cleanup failed (${(e as Error).message})`);
    }
  };

  try {
    for (const group of plan.groups) {
      if (stop.aborted) break;
      if (group.chunk !== openChunk) {
        await leaveChunk();
        openChunk = group.chunk;
      }
      let pending = group.jobs.filter((j) => missingReps(j).length > 0);
      currentLimit = group.memoryLimitBytes;
      let crashesWithoutProgress = 0;
      while (pending.length && !stop.aborted) {
        if (failure.error) throw failure.error;
        let worker: ProfileWorker;
        try {
          worker = await opts.startWorker({ ...opts.workerOptions, memoryLimitBytes: group.memoryLimitBytes });
        } catch (e) {
          // Ctrl-C reaches the starting worker too (same process group): that is a stop, not a failure.
          if (stop.aborted) break;
          if (isUserError(e) || ++crashesWithoutProgress >= 2) throw e;
          summary.crashed.push({ jobId: null, message: `worker did not start: ${(e as Error).message}` });
          opts.onEvent?.(`limit ${currentLimit ?? 'none'}: worker did not start (${(e as Error).message}); retrying once`);
          continue;
        }
        summary.workersStarted++;
        const byId = new Map(pending.map((j) => [j.id, j] as const));
        const got = new Map<string, Set<number>>();
        let outcome: Awaited<ReturnType<ProfileWorker['measure']>>;
        const passMajor = (group.memoryLimitBytes === null ? opts.unlimitedOrder : opts.limitedOrder) === 'network';
        if (passMajor && !worker.measurePasses) throw new Error('internal: the order network needs a worker with measurePasses');
        const measureFn = passMajor ? worker.measurePasses!.bind(worker) : worker.measure.bind(worker);
        try {
          outcome = await measureFn(
            pending.map((j) => ({ id: j.id, layer: j.layer, inputShapes: j.inputShapes })),
            reps,
            (t) => {
              const job = byId.get(t.jobId);
              if (!job) return;
              let s = got.get(job.id);
              if (!s) got.set(job.id, (s = new Set()));
              s.add(t.rep);
              const key = measurementKey(job.sampleId, job.memoryLimitBytes, t.rep, job.layerIndex);
              if (done.has(key)) return; // measured in an earlier run
              done.add(key);
              emit(timingRow(job, t, hardwareId, source));
            },
            stop,
          );
        } finally {
          await worker.close();
        }
        await flush();
        // A worker killed by the same Ctrl-C that aborted us is a stop, not a crash.
        if (stop.aborted && outcome.status !== 'done' && outcome.status !== 'oom') break;
        if (outcome.status === 'done') {
          pending = [];
        } else if (outcome.status === 'aborted') {
          break;
        } else {
          const failedId = outcome.jobId ?? null;
          const failed = failedId ? byId.get(failedId) : undefined;
          if (outcome.status === 'oom' && failed) {
            const rep = missingReps(failed)[0] ?? 0;
            oomJobs.add(jobKey(failed));
            emit({
              ...timingRow(failed, { rep, loadMs: NaN, runMs: NaN, unloadMs: NaN, majorFaults: 0, swapInPages: null, swapOutPages: null }, hardwareId, source),
              unloadMs: null,
              majorFaults: null,
              oom: true,
            });
            opts.onEvent?.(
              `${failed.id}: worker OOM-killed at ${failed.memoryLimitBytes ?? 'no'} limit (working set ${failed.workingSetBytes} B); recorded oom=true, continuing with a new worker`,
            );
            await flush();
          } else {
            const message = outcome.status === 'crashed' ? outcome.message : 'worker OOM-killed outside any job';
            summary.crashed.push({ jobId: failedId, message });
            opts.onEvent?.(`${failedId ?? `limit ${currentLimit ?? 'none'}`}: worker crashed (${message}); skipped, a later resume retries it`);
          }
          const before = pending.length;
          const failedIdx = failed ? pending.indexOf(failed) : -1;
          // The failed one is finished (oom) or skipped; every other job with reps missing goes to the
          // next worker (back to back: the ones after it; pass-major: those before it too, measured in
          // the reps so far only). A crash outside any job (failedIdx -1) keeps them all.
          pending = pending.filter((j, i) => i !== failedIdx && missingReps(j).length > 0);
          if (pending.length === before) {
            // No job identified and no progress: do not loop forever on a broken limit.
            if (++crashesWithoutProgress >= 2) {
              opts.onEvent?.(`limit ${currentLimit ?? 'none'}: two crashes without progress; skipping ${pending.length} job(s) of this group`);
              pending = [];
            }
          } else {
            crashesWithoutProgress = 0;
          }
        }
      }
    }
  } finally {
    if (timer) clearTimeout(timer);
    await flush();
    await leaveChunk();
  }
  if (failure.error) throw failure.error;
  if (opts.signal?.aborted) summary.stoppedBy = 'signal';
  else if (budget.signal.aborted) summary.stoppedBy = 'budget';
  summary.elapsedMs = Date.now() - t0;
  return summary;
}
