/**
 * A profiling session on a dataset file: what `memlat profile` and the library's `profile()` run.
 *
 * On the first run it measures the hardware (stored beside the data as `<name>.hardware.json`)
 * and stores the plan settings (`<name>.plan.json`); a later run with the same file resumes: it
 * must use the same settings (else a UserError names the flags to use), skips every (job, pass)
 * already in the file, and a larger `layers` extends the plan. Refuses to start when swap cannot
 * hold what the tightest levels push out (unless `allowNoSwap`, then those are recorded as OOM).
 * Each finished chunk's one-off weight files are deleted from the cache.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { argumentError, type ArgName, UserError } from '../errors.js';
import { formatBytes, setupSwapCommand } from '../units.js';
import { checkOutputFile } from '../host/paths.js';
import { emulationFromEnv } from '../host/emulate.js';
import { buildPlan, GRID_RATIO, type ProfilePlan } from './plan.js';
import { SAMPLE_KINDS, type SampleKind } from './design-space.js';
import { runProfile, type ProfileProgress, type ProfileRunSummary, type LimitedOrder, type UnlimitedOrder } from './run.js';
import * as files from '../dataset/files.js';

/** Settings of a profiling session (the CLI flags of `memlat profile`). */
export interface ProfileSessionOptions {
  /** Dataset to append to (.csv); resumed when it exists. */
  out: string;
  layers?: number; // default 1000
  reps?: number; // default 3
  seed?: number; // default 1
  /**
   * Factors f of the working set W, M = idle + f * W: 'continuous' (default; drawn per layer over
   * 0.15-2, denser near 1, see profile/plan.ts) or a fixed list such as 4,1.5,1,0.75,0.5,0.25.
   */
  levels?: number[] | 'continuous';
  /** Also measure without a limit (default true). */
  unlimited?: boolean;
  /**
   * How the unlimited jobs of a chunk are measured: 'job' (default: each layer's reps back to back,
   * the design every shipped dataset has) or 'network' (pass-major over the chunk's layers, as a
   * network runs them: each layer runs after the others, whose data then fill the caches; see
   * UnlimitedOrder in ./run.ts).
   */
  unlimitedOrder?: UnlimitedOrder;
  /**
   * How the limited jobs are measured: 'job' (default, back to back) or 'network' (pass-major over
   * the layers that share a limit; LimitedOrder in ./run.ts).
   */
  limitedOrder?: LimitedOrder;
  threads?: number; // default: every core this process may use (after MEMLAT_EMULATE's cpuset)
  cacheDir?: string;
  /** Largest sampled layer (weights + activations), bytes. Default 512 MiB. */
  maxTensorBytes?: number;
  /**
   * A targeted profile: only these design-space kinds (default every kind) and only samples of at
   * least minTensorBytes (default 0); the plan's layers are the first samples that pass, their ids
   * prefixed "t" (profile/plan.ts planSamples). E.g. large dense layers, which the whole design
   * space samples rarely, to add to a reference profile.
   */
  kinds?: SampleKind[];
  minTensorBytes?: number;
  chunkSize?: number; // default 100
  budgetMs?: number;
  allowNoSwap?: boolean;
  /** Only build the plan (and report it through onPlan); measure nothing. */
  dryRun?: boolean;
}

/** Callbacks of a session (progress bar, log lines, Ctrl-C). */
export interface ProfileSessionHooks {
  onPlan?: (summary: string, plan: ProfilePlan) => void;
  onProgress?: (p: ProfileProgress) => void;
  onEvent?: (message: string) => void;
  /** Called once the writer is open, e.g. to report a dropped truncated line. */
  onResume?: (info: { existingRows: number; droppedPartialLine: boolean }) => void;
  signal?: AbortSignal;
}

/** The plan settings stored beside the dataset; a resume must match them. */
interface StoredPlan {
  format: 'memlat-profile-plan@1';
  seed: number;
  levels: number[] | 'continuous';
  unlimited: boolean;
  /** Absent in plans stored before it existed: 'job'. */
  unlimitedOrder?: UnlimitedOrder;
  /** Absent in plans stored before it existed: 'job'. */
  limitedOrder?: LimitedOrder;
  idleBytes: number;
  maxTensorBytes: number;
  /** Absent in plans stored before they existed (and in untargeted plans): every kind, 0. */
  kinds?: SampleKind[];
  minTensorBytes?: number;
  gridRatio: number;
  chunkSize: number;
  threads: number;
  hardwareId: string;
}

export const DEFAULT_LEVELS = 'continuous';

/**
 * The least --max-layer-size the design space can sample under: below it some layer kinds cannot be
 * shrunk under the cap (their channel clamps alone exceed it) and sampling would never end.
 */
export const MIN_MAX_LAYER_BYTES = 128 * 1024;

/** Runs (or resumes) a profiling session. Returns null for a dry run. */
export async function profileSession(o: ProfileSessionOptions, hooks: ProfileSessionHooks = {}): Promise<ProfileRunSummary | null> {
  const layers = o.layers ?? 1000;
  const reps = o.reps ?? 3;
  const seed = o.seed ?? 1;
  const lv = o.levels ?? DEFAULT_LEVELS;
  const levels = lv === 'continuous' ? lv : [...new Set(lv)].sort((a, b) => b - a);
  const unlimited = o.unlimited ?? true;
  const unlimitedOrder = o.unlimitedOrder ?? 'job';
  const limitedOrder = o.limitedOrder ?? 'job';
  for (const [name, order] of [
    ['unlimitedOrder', unlimitedOrder],
    ['limitedOrder', limitedOrder],
  ] as const) {
    if (order !== 'job' && order !== 'network')
      throw argumentError((n) => `${n(name)} ${String(order)}: use job (each layer's reps back to back) or network (pass-major, as in a network)`);
  }
  const maxTensorBytes = o.maxTensorBytes ?? 512 * 1024 * 1024;
  const kinds = o.kinds === undefined ? null : [...new Set(o.kinds)].sort();
  const unknown = (kinds ?? []).filter((k) => !Object.hasOwn(SAMPLE_KINDS, k));
  if (kinds !== null && (kinds.length === 0 || unknown.length > 0)) {
    throw argumentError(
      (n) =>
        `${n('kinds')} ${kinds.join(',') || '""'}: ${unknown.length ? `not a design-space kind: ${unknown.join(', ')}` : 'name at least one kind'}; use some of ${Object.keys(SAMPLE_KINDS).join(', ')}`,
    );
  }
  const minTensorBytes = o.minTensorBytes ?? 0;
  const chunkSize = o.chunkSize ?? 100;
  // An emulated machine (MEMLAT_EMULATE) first: its cpuset decides how many cores this process has.
  emulationFromEnv();
  const threads = o.threads ?? availableParallelism();
  checkOutputFile(o.out, 'out', 'rows.csv');
  if (!(maxTensorBytes >= MIN_MAX_LAYER_BYTES)) {
    throw argumentError(
      (n) =>
        `${n('maxTensorBytes')} ${formatBytes(maxTensorBytes)}: below the smallest size every sampled layer kind fits in (${formatBytes(MIN_MAX_LAYER_BYTES)}), so no sample could be drawn; use at least 128KiB (default 512MiB)`,
    );
  }
  if (minTensorBytes > 0 && !(minTensorBytes < maxTensorBytes)) {
    throw argumentError(
      (n) =>
        `${n('minTensorBytes')} ${formatBytes(minTensorBytes)}: must be below ${n('maxTensorBytes')} ${formatBytes(maxTensorBytes)}, e.g. ${n('minTensorBytes')} 96MiB ${n('maxTensorBytes')} 640MiB`,
    );
  }
  if (!/\.csv$/i.test(o.out)) throw argumentError((n) => `${n('out')} ${o.out}: must end in .csv (rows are appended as they are measured; gzip afterwards)`);
  const settings: ResolvedSettings = {
    layers,
    reps,
    seed,
    levels,
    unlimited,
    unlimitedOrder,
    limitedOrder,
    maxTensorBytes,
    kinds,
    minTensorBytes,
    chunkSize,
    threads,
  };
  if (o.dryRun) return profileSessionLocked(o, hooks, settings);
  // One writer per dataset; leftovers of dead memlat processes go before anything is measured.
  const lock = files.lockDataset(o.out);
  try {
    if (lock.tookOverFrom !== null) hooks.onEvent?.(`${o.out}: took over the lock of pid ${lock.tookOverFrom}, which is no longer running`);
    const { sweepLeftovers } = await import('../executor/leftovers.js');
    const swept = sweepLeftovers(o.cacheDir);
    if (swept.groups.length || swept.tmpFiles.length) {
      hooks.onEvent?.(`removed ${swept.groups.length} cgroup(s) and ${swept.tmpFiles.length} temporary weight file(s) left by dead memlat processes`);
    }
    return await profileSessionLocked(o, hooks, settings);
  } finally {
    lock.release();
  }
}

interface ResolvedSettings {
  layers: number;
  reps: number;
  seed: number;
  levels: number[] | 'continuous';
  unlimited: boolean;
  unlimitedOrder: UnlimitedOrder;
  limitedOrder: LimitedOrder;
  maxTensorBytes: number;
  kinds: SampleKind[] | null;
  minTensorBytes: number;
  chunkSize: number;
  threads: number;
}

async function profileSessionLocked(o: ProfileSessionOptions, hooks: ProfileSessionHooks, s: ResolvedSettings): Promise<ProfileRunSummary | null> {
  const { layers, reps, seed, levels, unlimited, unlimitedOrder, limitedOrder, maxTensorBytes, kinds, minTensorBytes, chunkSize, threads } = s;
  const planPath = files.planPathFor(o.out);
  let stored = (await files.readJsonFile(planPath)) as StoredPlan | null;
  if (stored) {
    // Each differing setting with its stored value; the CLI renders them as flags (unlimited=false: --no-unlimited).
    const mismatch: ((n: ArgName) => string)[] = [];
    const was = stored;
    if (was.seed !== seed) mismatch.push((n) => `${n('seed')} ${was.seed}`);
    const label = (l: number[] | 'continuous'): string => (l === 'continuous' ? l : l.join(','));
    if (label(was.levels) !== label(levels)) mismatch.push((n) => `${n('levels')} ${label(was.levels)}`);
    if (was.unlimited !== unlimited) mismatch.push((n) => n(`unlimited=${was.unlimited}`));
    if ((was.unlimitedOrder ?? 'job') !== unlimitedOrder) mismatch.push((n) => `${n('unlimitedOrder')} ${was.unlimitedOrder ?? 'job'}`);
    if ((was.limitedOrder ?? 'job') !== limitedOrder) mismatch.push((n) => `${n('limitedOrder')} ${was.limitedOrder ?? 'job'}`);
    if (was.maxTensorBytes !== maxTensorBytes) mismatch.push((n) => `${n('maxTensorBytes')} ${was.maxTensorBytes}`);
    if ((was.kinds ?? []).join(',') !== (kinds ?? []).join(','))
      mismatch.push((n) => (was.kinds ? `${n('kinds')} ${was.kinds.join(',')}` : `(without ${n('kinds')})`));
    if ((was.minTensorBytes ?? 0) !== minTensorBytes) mismatch.push((n) => `${n('minTensorBytes')} ${was.minTensorBytes ?? 0}`);
    if (was.chunkSize !== chunkSize) mismatch.push((n) => `${n('chunkSize')} ${was.chunkSize}`);
    if (was.threads !== threads) mismatch.push((n) => `${n('threads')} ${was.threads}`);
    if (mismatch.length) {
      throw argumentError(
        (n) =>
          `${n('out')} ${o.out}: was profiled with ${mismatch.map((m) => m(n)).join(' ')} (see ${planPath}); resume with those flags, or choose another ${n('out')}`,
      );
    }
  } else if (!o.dryRun) {
    hooks.onEvent?.('measuring this machine (memlat hardware) ...');
    const { measureHardware } = await import('../machine/hardware.js');
    const hw = await measureHardware({ threads, ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}) });
    if (hw.runtimeIdleBytes === null) throw new UserError("the idle worker footprint could not be measured; run 'memlat doctor' for the cause");
    await files.writeHardware(o.out, [hw]);
    stored = {
      format: 'memlat-profile-plan@1',
      seed,
      levels,
      unlimited,
      ...(unlimitedOrder !== 'job' ? { unlimitedOrder } : {}),
      ...(limitedOrder !== 'job' ? { limitedOrder } : {}),
      idleBytes: hw.runtimeIdleBytes,
      maxTensorBytes,
      ...(kinds !== null ? { kinds } : {}),
      ...(minTensorBytes > 0 ? { minTensorBytes } : {}),
      gridRatio: GRID_RATIO,
      chunkSize,
      threads,
      hardwareId: hw.id,
    };
    await files.writeJsonFile(planPath, stored);
  }
  const plan = buildPlan({
    seed,
    layers,
    reps,
    levels,
    unlimited,
    idleBytes: stored?.idleBytes ?? 100 * 1024 * 1024,
    maxTensorBytes,
    kinds,
    minTensorBytes,
    gridRatio: stored?.gridRatio ?? GRID_RATIO,
    chunkSize,
    threads,
  });
  const limits = new Set(plan.groups.map((g) => g.memoryLimitBytes));
  hooks.onPlan?.(
    `plan: ${layers} layers, ${plan.jobs} jobs (layer x limit) x ${reps} reps = ${plan.jobs * reps} measurements, ` +
      `${limits.size} distinct limits, ${plan.groups.length} worker groups, idle ${formatBytes(plan.options.idleBytes)}` +
      (kinds !== null || minTensorBytes > 0
        ? `; targeted: ${kinds?.join(',') ?? 'every kind'} of ${formatBytes(minTensorBytes)}-${formatBytes(maxTensorBytes)}`
        : ''),
    plan,
  );
  if (o.dryRun || !stored) return null;

  // Swap must hold what does not fit under the tightest limits, else those jobs are just OOM kills.
  const needSwap = Math.max(
    0,
    ...plan.groups.flatMap((g) => g.jobs).map((j) => (j.memoryLimitBytes === null ? 0 : plan.options.idleBytes + j.workingSetBytes - j.memoryLimitBytes)),
  );
  const { swapBytes } = await import('../host/swap.js');
  const { freeBytes } = swapBytes();
  if (needSwap > freeBytes && !o.allowNoSwap) {
    throw argumentError(
      (n) =>
        `swap: the tightest levels need ${formatBytes(needSwap)} of swap but ${formatBytes(freeBytes)} is free; run '${setupSwapCommand(needSwap + 2 ** 30)}', or pass ${n('allowNoSwap')} to record them as OOM`,
    );
  }

  const { startWorker } = await import('../executor/worker-client.js');
  const writer = await files.openRowWriter(o.out);
  hooks.onResume?.({ existingRows: writer.existing.length, droppedPartialLine: writer.droppedPartialLine });
  try {
    return await runProfile({
      plan,
      writer,
      hardwareId: stored.hardwareId,
      startWorker,
      unlimitedOrder,
      limitedOrder,
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      ...(o.budgetMs !== undefined ? { budgetMs: o.budgetMs } : {}),
      workerOptions: { threads, ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}) },
      ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
      ...(hooks.onEvent ? { onEvent: hooks.onEvent } : {}),
      // Sampled layers are one-offs: drop a chunk's weight files once its last limit is measured
      // (a chunk of 100 samples holds < 1.5 GiB of weights; the whole default plan ~6 GiB).
      onChunkDone: async (_chunk, jobs) => {
        const { defaultCacheDir, layerHash } = await import('../executor/weights.js');
        const dir = join(defaultCacheDir(o.cacheDir), 'weights');
        const paths = new Set(jobs.map((j) => join(dir, `${layerHash(j.layer, j.inputShapes)}.f32`)));
        await Promise.all([...paths].map((p) => rm(p, { force: true })));
      },
    });
  } finally {
    await writer.close();
  }
}
