/**
 * The library API of `memlat calibrate`: adapt a model (default: the bundled one) to this machine in a
 * few minutes (docs/MODELS.md, "memlat calibrate").
 *
 * 1. Measures this machine's fingerprint (measureHardware; honours MEMLAT_EMULATE). On a rerun
 *    this machine is the geometric mean of it and the fingerprints the folder's earlier runs
 *    measured (kept in rows.plan.json; averageFingerprints), so reruns do not move the factors by
 *    the probe's noise.
 * 2. Builds the hand-chosen plan (profile/calibrate-plan.ts) and keeps the steps that fit the budget,
 *    estimated with the base model moved to this machine by the zero-shot transfer.
 * 3. Measures them with the profiler's loop (runProfile; rows appended and fsynced as they come)
 *    into a per-machine folder, <cache>/calibrate/<hardware id>/rows.csv, under the dataset lock; a
 *    rerun skips what is there (no (network, layer, limit, rep) key twice) and measures further steps.
 *    Whole-network runs (executor runNetwork) come last, if time is left.
 * 4. Fits the calibrated kind on every row in the folder, writes a bundle for this machine (interval
 *    widened by what the calibration leaves uncertain) and installs it as the per-user model, or
 *    writes `out` only. This machine's fingerprint is cached too, so `predict` compares like with like.
 *
 * The whole call, fingerprint included, stays within the budget plus at most one in-flight pass
 * (the loop stops between passes): measuring stops FIT_RESERVE_MS before the budget ends.
 * Heavy modules are imported inside the function, so importing this file is cheap.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { HardwareFingerprint, MeasurementRow } from './dataset/schema.js';
import type { Regime } from './models/calibrated.js';
import type { Target } from './models/types.js';
import type { TransferRatios } from './models/transfer.js';
import type { ResolvedLayer } from './network/types.js';
import type { CalibrationJob, CalibrationStep } from './profile/calibrate-plan.js';
import { argumentError, UserError } from './errors.js';
import { formatBytes, parseDurationMs } from './units.js';

/** Default budget: ten minutes. */
export const DEFAULT_CALIBRATE_BUDGET_MS = 600_000;
/** Kept free at the end of the budget for reading the rows, fitting and writing the model. */
export const FIT_RESERVE_MS = 3000;
/**
 * What a dry run (which measures nothing) sets aside for the fingerprint a real run measures first:
 * ~5 s of rate probes and ~2-6 s of per-call probe (plus ~15 MiB of its weight files the first time;
 * 24-29 s in all on a 2-core VM when the weight cache was empty).
 */
export const FINGERPRINT_ESTIMATE_MS = 15000;

/** Progress of a calibration (one call per measured row or network pass). */
export interface CalibrateProgress {
  /** The step being measured (plan numbering) and how many steps were chosen. */
  step: number;
  steps: number;
  /** Rows measured so far in this run, and the rows the chosen steps add. */
  measured: number;
  total: number;
  /** Time since the call started, and the estimated time left (measured speed x what is left). */
  elapsedMs: number;
  etaMs: number;
  /** What the current step measures, e.g. "no limit" or "66 MiB". */
  limit: string;
}

/** Options of `calibrate`. */
export interface CalibrateArgs {
  /** Time for the whole call, fingerprint included: "10m", "30s" or ms (default 10m; at least 20s). */
  budget?: string | number;
  /** Write the bundle here and do not install it (default: install as the per-user model). */
  out?: string;
  /** The base model: a bundled name or a bundle file (default: the bundled "default"). */
  model?: string;
  /** Cache folder: weight files and calibrate/<hardware id>/ (default $MEMLAT_CACHE or ~/.cache/memlat). */
  cacheDir?: string;
  /** onnxruntime intra-op threads (default: every core this process may use). */
  threads?: number;
  /** Build and print the plan with its estimated time; measure nothing. */
  dryRun?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: CalibrateProgress) => void;
  /** One-line messages (fingerprint, steps, OOMs, crashes). */
  onEvent?: (message: string) => void;
}

/** A whole-network run measured by calibrate, against the predictions (the fit never sees these networks' layers). */
export interface CalibrateCheck {
  network: string;
  memoryLimitBytes: number | null;
  passes: number;
  /** Median pass total measured, ms. */
  measuredMs: number;
  /** The calibrated model's total, and the base model's moved here zero-shot, ms. */
  predictedMs: number;
  zeroShotMs: number;
}

/** A step of the plan as reported. */
export interface CalibrateStepInfo {
  step: number;
  kind: 'layers' | 'network';
  /** One line: what it measures, at which limit, why. */
  description: string;
  estimatedMs: number;
  /** Chosen for this run (fits the budget and is not measured yet). */
  chosen: boolean;
  /** Already measured in full by an earlier run. */
  done: boolean;
}

/** What `calibrate` did (what `memlat calibrate --json` prints). */
export interface CalibrateResult {
  dryRun: boolean;
  hardware: HardwareFingerprint;
  /** The per-machine folder and its rows file. */
  dir: string;
  rowsPath: string;
  budgetMs: number;
  threads: number;
  plan: {
    steps: CalibrateStepInfo[];
    /** Estimated time of the chosen steps (measuring only), ms. */
    estimatedMs: number;
    /** Swap the chosen steps need, bytes. */
    swapNeededBytes: number;
  };
  /** This run's measurements (null for a dry run). */
  measured: null | {
    rows: number;
    skipped: number;
    oom: number;
    crashed: number;
    stoppedBy: 'done' | 'budget' | 'signal';
    networkRuns: number;
  };
  /** The fitted model (null for a dry run or when stopped by a signal). */
  model: null | {
    /** The file written, and where it was installed (null with `out`). */
    path: string;
    installed: string | null;
    base: string;
    baseHardwareId: string;
    factors: Record<Regime, Record<Target, number>>;
    counts: Record<Regime, Record<Target, number>>;
    /** Observations (per-configuration medians) and rows behind them: everything in the folder. */
    observations: number;
    rows: number;
    ratios: TransferRatios;
    /** Zero-shot prior sigma of ln time and what is left (the interval's widening). */
    priorSigma: number;
    sigma: number;
    /** The whole-network runs in the folder against the calibrated model (and the uncalibrated one moved here). */
    checks: CalibrateCheck[];
  };
  /** Where this machine's fingerprint was cached (null: not, e.g. fewer threads than cores). */
  fingerprintCachedIn: string | null;
  spentMs: number;
}

interface StoredCalibratePlan {
  format: 'memlat-calibrate-plan@1';
  idleBytes: number;
  threads: number;
  hardwareId: string;
  /** Every fingerprint the folder's runs measured, oldest first (absent before 2026-12-02 15:45 UTC). */
  fingerprints?: HardwareFingerprint[];
}

const secs = (ms: number): string => (ms >= 120_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`);

/**
 * `memlat calibrate`: see the file comment. Errors name the arguments (budget, threads, model, out,
 * cacheDir). Needs root and memory cgroups, and swap for the swap cells (a dry run needs neither).
 */
export async function calibrate(o: CalibrateArgs = {}): Promise<CalibrateResult> {
  const t0 = Date.now();
  const plans = await import('./profile/calibrate-plan.js');
  const budgetMs = o.budget === undefined ? DEFAULT_CALIBRATE_BUDGET_MS : parseDurationMs(o.budget, 'budget');
  if (!(budgetMs >= plans.MIN_CALIBRATE_BUDGET_MS)) {
    const given = o.budget;
    throw argumentError(
      (n) =>
        `${n('budget')} ${String(given)}: ${secs(budgetMs)} is too short to measure anything (fingerprint, a worker, a load, a run and a swap cell); give at least ${plans.MIN_CALIBRATE_BUDGET_MS / 1000}s, e.g. ${n('budget')} 2m (default 10m)`,
    );
  }
  if (o.threads !== undefined && !(Number.isInteger(o.threads) && o.threads >= 1)) {
    const t = o.threads;
    throw argumentError((n) => `${n('threads')} ${t}: must be a positive integer, e.g. ${n('threads')} 2`);
  }
  const { checkOutputFile } = await import('./host/paths.js');
  if (o.out !== undefined) checkOutputFile(o.out, 'out', 'model.json');
  const { readModelBundle } = await import('./predict/model-bundle.js');
  const base = readModelBundle(o.model ?? 'default');

  if (!o.dryRun) {
    const { detectCgroups } = await import('./host/limiter.js');
    const cg = detectCgroups();
    if (cg.version === null) {
      throw new UserError(
        'memlat calibrate measures layers under memory limits, but this machine has no cgroup memory controller; run it on Linux with cgroups (memlat doctor says what is missing), or use --dry-run to see the plan',
      );
    }
    if (!cg.writable) {
      throw new UserError(
        `memlat calibrate needs root to create memory cgroups (${cg.parentDir ?? 'the cgroup folder'} is not writable); run it as root (sudo memlat calibrate), or use --dry-run to see the plan`,
      );
    }
  }
  // An emulated machine (MEMLAT_EMULATE) first: its cpuset decides the cores and default threads.
  const { emulationFromEnv } = await import('./host/emulate.js');
  emulationFromEnv();
  const threads = o.threads ?? availableParallelism();
  const say = (m: string): void => o.onEvent?.(m);

  const { measureHardware } = await import('./machine/hardware.js');
  if (!o.dryRun) say('measuring this machine (memlat hardware) ...');
  const measuredFp = await measureHardware({ threads, ...(o.cacheDir !== undefined ? { cacheDir: o.cacheDir } : {}), ...(o.dryRun ? { quick: true } : {}) });
  if (!o.dryRun && measuredFp.runtimeIdleBytes === null)
    throw new UserError("the idle worker footprint could not be measured; run 'memlat doctor' for the cause");

  const { defaultCacheDir, weightFileTarget } = await import('./executor/weights.js');
  const dir = join(defaultCacheDir(o.cacheDir), 'calibrate', measuredFp.id);
  const files = await import('./dataset/files.js');
  const rowsPath = join(dir, 'rows.csv');
  const planPath = files.planPathFor(rowsPath);
  const { existsSync, mkdirSync } = await import('node:fs');
  let lock: { release(): void } | null = null;
  if (!o.dryRun) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? String(e);
      throw argumentError((n) => `${n('cacheDir')} ${o.cacheDir ?? defaultCacheDir()}: cannot create ${dir} (${code}); choose a writable ${n('cacheDir')}`);
    }
    lock = files.lockDataset(rowsPath, 'cacheDir', o.cacheDir ?? defaultCacheDir());
  }
  try {
    const stored = (await files.readJsonFile(planPath)) as StoredCalibratePlan | null;
    if (stored && stored.threads !== threads) {
      const was = stored.threads;
      throw argumentError(
        (n) =>
          `${n('threads')} ${threads}: this machine's calibration rows (${dir}) were measured with ${n('threads')} ${was}; rerun with ${n('threads')} ${was}, or give another ${n('cacheDir')} to start afresh`,
      );
    }
    // This machine is every fingerprint the folder's runs measured, averaged (averageFingerprints):
    // one machine's per-call probe moved 214-270 ms within minutes, and each rerun that re-measured
    // it alone moved the factors fitted on the same rows (docs/MODELS.md "Held-out #22").
    const { averageFingerprints } = await import('./dataset/fingerprint.js');
    const history = o.dryRun ? [] : (stored?.fingerprints ?? []).filter((h) => h.id === measuredFp.id);
    const fp = averageFingerprints([...history, measuredFp]);
    if (history.length > 0) say(`this machine: the mean of ${history.length + 1} fingerprints (this run's and ${history.length} earlier in ${dir})`);
    const idleBytes = stored?.idleBytes ?? fp.runtimeIdleBytes ?? base.hardware.runtimeIdleBytes ?? 100 * 2 ** 20;
    if (!o.dryRun) {
      const s: StoredCalibratePlan = {
        format: 'memlat-calibrate-plan@1',
        idleBytes,
        threads,
        hardwareId: fp.id,
        fingerprints: [...history, measuredFp],
      };
      await files.writeJsonFile(planPath, s);
      await files.writeHardware(rowsPath, [fp]);
    }

    // What the folder holds already (the writer's `existing` when measuring).
    const { startWorker } = await import('./executor/worker-client.js');
    const writer = o.dryRun ? null : await files.openRowWriter(rowsPath);
    try {
      const existing: MeasurementRow[] = writer ? writer.existing : existsSync(rowsPath) ? (await files.readDataset(rowsPath)).rows : [];
      const { measurementKey } = await import('./profile/plan.js');
      const done = new Set<string>();
      const oomJobs = new Set<string>();
      const runRows = new Map<string, number>();
      /** Books a row of this machine: a measured or OOM-killed layer job, or a whole-network check's row. */
      const track = (r: MeasurementRow): void => {
        if (r.source === plans.CALIBRATION_SOURCE) {
          if (r.oom) oomJobs.add(`${r.network}|${r.layerIndex}|${r.memoryLimitBytes ?? 'none'}`);
          else done.add(measurementKey(r.network, r.memoryLimitBytes, r.rep, r.layerIndex));
        } else if (r.source === 'memlat-run') {
          const k = `${r.network}|${r.memoryLimitBytes ?? 'none'}`;
          runRows.set(k, r.oom ? Number.POSITIVE_INFINITY : (runRows.get(k) ?? 0) + 1);
        }
      };
      for (const r of existing) if (r.hardwareId === fp.id) track(r);
      const plan = plans.buildCalibrationPlan({ idleBytes, threads });
      const missingReps = (j: CalibrationJob): number => {
        if (oomJobs.has(`${j.network}|${j.layerIndex ?? 0}|${j.memoryLimitBytes ?? 'none'}`)) return 0;
        let n = 0;
        for (let r = 0; r < plan.reps; r++) if (!done.has(measurementKey(j.network, j.memoryLimitBytes, r, j.layerIndex))) n++;
        return n;
      };
      const networkDone = (s: Extract<CalibrationStep, { kind: 'network' }>): boolean =>
        (runRows.get(`${s.network}|${s.memoryLimitBytes ?? 'none'}`) ?? 0) >= s.passes * s.resolved.layers.length;

      // Times are estimated with the base model moved to this machine (as predict would without calibrating).
      const { transferBundle } = await import('./predict/zero-shot.js');
      const measuredHere = fp.diskReadBytesPerSec !== null;
      const est = measuredHere ? transferBundle(base, fp) : base;
      const hwForEstimate: HardwareFingerprint = measuredHere ? { ...fp, runtimeIdleBytes: idleBytes } : base.hardware;
      const passMs = (rl: ResolvedLayer, m: number | null): number => {
        const p = est.model.predict({ layer: rl, memoryBytes: m ?? hwForEstimate.ramBytes, hardware: hwForEstimate });
        return p.loadMs + p.runMs + p.unloadMs;
      };
      const weightsCached = (rl: ResolvedLayer): boolean => {
        const t = weightFileTarget(rl.layer, rl.inputShapes, o.cacheDir);
        return t.path === null || existsSync(t.path);
      };
      const measureBudgetMs = t0 + budgetMs - FIT_RESERVE_MS - Date.now() - (o.dryRun ? FINGERPRINT_ESTIMATE_MS : 0);
      const ctx = { budgetMs: measureBudgetMs, passMs, missingReps, networkDone, weightsCached };
      const fitted = plans.fitCalibrationPlan(plan, ctx);
      const chosen = new Map(fitted.steps.map((s) => [s.step, s] as const));
      const stepInfo: CalibrateStepInfo[] = plan.steps.map((s) => {
        const c = chosen.get(s.step);
        const isDone = s.kind === 'network' ? networkDone(s) : s.jobs.every((j) => missingReps(j) === 0);
        const estimatedMs = c ? c.estimatedMs : isDone ? 0 : plans.stepEstimateMs(s, plan.reps, ctx);
        return { step: s.step, kind: s.kind, description: plans.describeStep(c ?? s), estimatedMs, chosen: c !== undefined, done: isDone };
      });
      const swapNeededBytes = plans.calibrationSwapBytes(plan, fitted.steps);
      const result: CalibrateResult = {
        dryRun: o.dryRun === true,
        hardware: fp,
        dir,
        rowsPath,
        budgetMs,
        threads,
        plan: { steps: stepInfo, estimatedMs: fitted.estimatedMs, swapNeededBytes },
        measured: null,
        model: null,
        fingerprintCachedIn: null,
        spentMs: 0,
      };
      if (o.dryRun) {
        result.spentMs = Date.now() - t0;
        return result;
      }
      const anyRows = existing.some((r) => r.hardwareId === fp.id && !r.oom);
      if (fitted.steps.length === 0 && !anyRows) {
        const first = plans.stepEstimateMs(plan.steps[0]!, plan.reps, ctx);
        throw argumentError(
          (n) =>
            `${n('budget')} ${o.budget ?? '10m'}: after measuring this machine (${secs(Date.now() - t0)}) the first step alone needs ~${secs(first)} and does not fit; give at least ${n('budget')} ${Math.ceil((Date.now() - t0 + first + FIT_RESERVE_MS) / 10_000) * 10}s`,
        );
      }
      const { swapBytes } = await import('./host/swap.js');
      const free = swapBytes().freeBytes;
      if (swapNeededBytes > free) {
        const gib = Math.ceil((swapNeededBytes + 2 ** 30) / 2 ** 30);
        throw new UserError(
          `swap: calibrate's swap cells need ${formatBytes(swapNeededBytes)} of swap but ${formatBytes(free)} is free; run 'sudo memlat doctor --setup-swap ${gib}GiB' and rerun`,
        );
      }
      const { sweepLeftovers } = await import('./executor/leftovers.js');
      const swept = sweepLeftovers(o.cacheDir);
      if (swept.groups.length || swept.tmpFiles.length)
        say(`removed ${swept.groups.length} cgroup(s) and ${swept.tmpFiles.length} temporary weight file(s) left by dead memlat processes`);
      say(
        `${fp.id}: ${fitted.steps.length} step(s) chosen (~${secs(fitted.estimatedMs)} estimated), ${fitted.done} already measured, ${fitted.leftOut} left for a later run; rows in ${rowsPath}`,
      );

      // The loop writes through `sink`, which also marks what is done, so a later round skips it.
      const allRows: MeasurementRow[] = [...existing];
      const sink = {
        get existing(): MeasurementRow[] {
          return allRows;
        },
        append: async (rs: readonly MeasurementRow[]): Promise<void> => {
          await writer!.append(rs);
          for (const r of rs) {
            allRows.push(r);
            track(r);
          }
        },
      };
      const { runProfile } = await import('./profile/run.js');
      const { runNetwork, OomError } = await import('./executor/run-network.js');
      const { oomRow, validationRows } = await import('./profile/validation.js');
      const deadline = t0 + budgetMs - FIT_RESERVE_MS;
      let rowsSoFar = 0;
      let networkRuns = 0;
      let skipped = 0;
      let oom = 0;
      let crashed = 0;
      let stoppedBy: 'done' | 'budget' | 'signal' = 'done';
      // Rounds: the estimates are a model's; after each round the measured speed (actual / estimated
      // time) rescales the budget of the next, so time left over goes to the next steps of the plan.
      let round = fitted;
      let speed = 1;
      for (let r = 0; r < 6 && round.steps.length > 0; r++) {
        const roundStart = Date.now();
        const stepRows = round.steps.map((st) =>
          st.kind === 'layers' ? st.jobs.reduce((n, j) => n + missingReps(j), 0) : st.passes * st.resolved.layers.length,
        );
        const totalRows = rowsSoFar + stepRows.reduce((a, b) => a + b, 0);
        const base0 = rowsSoFar;
        const report = (rowsDone: number, limit: string): void => {
          if (!o.onProgress) return;
          let left = rowsDone - base0;
          let doneEst = 0;
          let idx = 0;
          for (; idx < round.steps.length; idx++) {
            const n = stepRows[idx]!;
            if (left <= n || n === 0) {
              doneEst += n > 0 ? (round.steps[idx]!.estimatedMs * left) / n : 0;
              break;
            }
            doneEst += round.steps[idx]!.estimatedMs;
            left -= n;
          }
          const spent = Date.now() - roundStart;
          const pace = doneEst > 0 ? spent / doneEst : speed;
          const etaMs = Math.max(0, Math.min(t0 + budgetMs - Date.now(), (round.estimatedMs - doneEst) * pace + FIT_RESERVE_MS / 3));
          const cur = round.steps[Math.min(idx, round.steps.length - 1)];
          o.onProgress({ step: cur?.step ?? 0, steps: round.steps.length, measured: rowsDone, total: totalRows, elapsedMs: Date.now() - t0, etaMs, limit });
        };
        if (r > 0) say(`round ${r + 1}: ${round.steps.length} more step(s) fit the time left (~${secs(round.estimatedMs * speed)} at the measured pace)`);
        const summary = await runProfile({
          plan: plans.toProfilePlan(plan, round.steps),
          writer: sink,
          hardwareId: fp.id,
          startWorker,
          source: plans.CALIBRATION_SOURCE,
          budgetMs: Math.max(0, deadline - Date.now()),
          ...(o.signal ? { signal: o.signal } : {}),
          workerOptions: { threads, ...(o.cacheDir !== undefined ? { cacheDir: o.cacheDir } : {}) },
          onProgress: (p) => report(base0 + p.measured, p.memoryLimitBytes === null ? 'no limit' : formatBytes(p.memoryLimitBytes)),
          onEvent: say,
        });
        rowsSoFar += summary.measured;
        if (r === 0) skipped = summary.skipped;
        oom += summary.oom;
        crashed += summary.crashed.length;
        stoppedBy = summary.stoppedBy;
        if (stoppedBy !== 'done') break;
        for (const st of round.steps) {
          if (st.kind !== 'network') continue;
          if (o.signal?.aborted) {
            stoppedBy = 'signal';
            break;
          }
          if (Date.now() + st.estimatedMs * speed > deadline) {
            say(`step ${st.step}: ${st.network} whole-network run skipped: ~${secs(st.estimatedMs * speed)} does not fit the time left; a rerun takes it`);
            continue;
          }
          const stop = AbortSignal.any([AbortSignal.timeout(Math.max(1, deadline - Date.now())), ...(o.signal ? [o.signal] : [])]);
          const at = st.memoryLimitBytes === null ? 'no limit' : formatBytes(st.memoryLimitBytes);
          say(`step ${st.step}: running ${st.network} whole at ${at} (${st.passes} passes)`);
          try {
            const res = await runNetwork(st.resolved, {
              memoryLimitBytes: st.memoryLimitBytes,
              reps: st.passes,
              threads,
              signal: stop,
              ...(o.cacheDir !== undefined ? { cacheDir: o.cacheDir } : {}),
              onPass: (p) => report(rowsSoFar + p * st.resolved.layers.length, at),
            });
            await sink.append(validationRows(st.resolved, res.passes, st.memoryLimitBytes, fp.id));
            rowsSoFar += st.passes * st.resolved.layers.length;
            networkRuns++;
            report(rowsSoFar, at);
          } catch (e) {
            if (stop.aborted) {
              say(
                `step ${st.step}: ${st.network} stopped ${o.signal?.aborted ? 'by the signal' : 'at the end of the budget'}; its partial passes are not kept`,
              );
              stoppedBy = o.signal?.aborted ? 'signal' : 'budget';
              break;
            }
            if (e instanceof OomError) {
              await sink.append([oomRow(st.resolved, e.layerIndex, e.rep, st.memoryLimitBytes, fp.id)]);
              oom++;
              say(`step ${st.step}: ${st.network} OOM-killed at ${at}; recorded oom=true`);
            } else {
              crashed++;
              say(`step ${st.step}: ${st.network} failed (${(e as Error).message}); a rerun retries it`);
            }
          }
        }
        if (stoppedBy !== 'done') break;
        // the pace of this round (clamped), then what fits the time left at that pace
        const took = Date.now() - roundStart;
        speed = Math.min(4, Math.max(0.25, took / Math.max(1, round.estimatedMs)));
        round = plans.fitCalibrationPlan(plan, { ...ctx, budgetMs: (deadline - Date.now()) / speed });
      }
      if (stoppedBy === 'done' && round.leftOut > 0) stoppedBy = 'budget';
      result.measured = { rows: rowsSoFar, skipped, oom, crashed, stoppedBy, networkRuns };
      await writer?.close();
      if (stoppedBy === 'signal') {
        result.spentMs = Date.now() - t0;
        return result;
      }

      // Fit on every isolated-layer row this machine has in the folder, against the base without its
      // network context (the rows are isolated layers; the factors then apply to the base with it).
      const { rows } = await files.readDataset(rowsPath);
      const mine = rows.filter((r) => r.hardwareId === fp.id && r.source === plans.CALIBRATION_SOURCE);
      const { aggregateRows } = await import('./models/observations.js');
      const obs = aggregateRows(mine, new Map([[fp.id, fp]]));
      const { calibratedBundle } = await import('./predict/calibrated-bundle.js');
      const { contextFreeModel } = await import('./models/index.js');
      const spentMs = Date.now() - t0;
      const command = `memlat calibrate --budget ${secs(budgetMs).replace(' ', '')}${o.model !== undefined ? ` --model ${o.model}` : ''}`;
      const cal = calibratedBundle(base, fp, obs, {
        provenance: { data: rowsPath, rows: mine.filter((r) => !r.oom).length, spentMs, budgetMs, fittedAt: new Date().toISOString() },
        command,
        fitBase: contextFreeModel(base.model),
      });
      // The whole-network runs are the check: the calibrated model's network totals against the
      // measured median pass totals (networks whose layers the fit never saw).
      const { loadBundle } = await import('./predict/bundle.js');
      const { predictNetwork } = await import('./predict/predict.js');
      const { median } = await import('./stats.js');
      const calLoaded = loadBundle(cal.bundle);
      const runGroups = new Map<string, MeasurementRow[]>();
      for (const r of rows) {
        if (r.hardwareId !== fp.id || r.source !== 'memlat-run' || r.oom) continue;
        const k = `${r.network}|${r.memoryLimitBytes ?? 'none'}`;
        runGroups.set(k, [...(runGroups.get(k) ?? []), r]);
      }
      const checks: CalibrateCheck[] = [];
      for (const st of plan.steps) {
        if (st.kind !== 'network') continue;
        const g = runGroups.get(`${st.network}|${st.memoryLimitBytes ?? 'none'}`);
        if (!g) continue;
        const byPass = new Map<number, number>();
        for (const r of g) byPass.set(r.rep, (byPass.get(r.rep) ?? 0) + r.loadMs + r.runMs + (r.unloadMs ?? 0));
        const measuredMs = median([...byPass.values()]);
        const predictedMs = predictNetwork(st.resolved, st.memoryLimitBytes, calLoaded).totalMs;
        const baseMs = predictNetwork(st.resolved, st.memoryLimitBytes, est).totalMs;
        checks.push({ network: st.network, memoryLimitBytes: st.memoryLimitBytes, passes: byPass.size, measuredMs, predictedMs, zeroShotMs: baseMs });
      }
      const text = `${JSON.stringify(cal.bundle)}\n`;
      let path: string;
      let installed: string | null = null;
      if (o.out !== undefined) {
        await files.writeFileAtomic(o.out, text);
        path = o.out;
      } else {
        path = join(dir, 'model.json');
        await files.writeFileAtomic(path, text);
        const { installModel } = await import('./predict/user-files.js');
        installed = installModel(path).path;
      }
      if (threads === fp.cores) {
        const { writeCachedFingerprint } = await import('./predict/user-files.js');
        try {
          result.fingerprintCachedIn = writeCachedFingerprint(fp);
        } catch (e) {
          say(`this machine's fingerprint was not cached (${(e as NodeJS.ErrnoException).code ?? String(e)}); run 'memlat hardware' so predict compares it`);
        }
      }
      const d = cal.model.data;
      result.model = {
        path,
        installed,
        base: o.model ?? 'default',
        baseHardwareId: d.baseHardware.id,
        factors: d.factors,
        counts: d.counts,
        observations: obs.length,
        rows: d.provenance.rows,
        ratios: cal.ratios,
        priorSigma: cal.priorSigma,
        sigma: cal.sigma,
        checks,
      };
      result.spentMs = Date.now() - t0;
      return result;
    } finally {
      await writer?.close();
    }
  } finally {
    lock?.release();
  }
}
