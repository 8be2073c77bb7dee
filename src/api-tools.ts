/**
 * The library API of memlat's tool commands (api.ts has the prediction, fit, run and profile ones):
 * doctor and swap set-up, the hardware fingerprint, the per-user model, dataset import and export,
 * model evaluation and whole-network validation runs. One function per command, taking the
 * command's arguments (sizes as numbers or "512MiB") and returning what its --json prints; progress
 * goes to hooks. Errors about arguments name them ("data"); the CLI puts its flag names on them.
 *
 * Every heavy module (onnxruntime, cgroups, the dataset codecs) is imported inside the function that
 * needs it, so importing this file is cheap.
 */
import type { HardwareFingerprint } from './dataset/schema.js';
import type { DoctorCheck } from './machine/doctor.js';
import type { EvaluationResult } from './evaluate/harness.js';
import type { FitOptions } from './models/index.js';
import type { ResolvedNetwork } from './network/types.js';
import { argumentError, UserError } from './errors.js';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { formatBytes, parseBytes } from './units.js';
import { mulberry32 } from './random.js';

export type { DoctorCheck, EvaluationResult, HardwareFingerprint };
export { checkOutputFile, checkOutputDir } from './host/paths.js';

async function resolved(network: string): Promise<ResolvedNetwork> {
  const { loadNetwork } = await import('./network/load.js');
  const { resolveNetwork } = await import('./network/shapes.js');
  return resolveNetwork((await loadNetwork(network)).network);
}

/**
 * `memlat doctor --json`: what profiling needs (cgroups, swap, onnxruntime, page-cache eviction),
 * each check with its fix. `network`: check swap against its largest layer (default 1 GiB).
 */
export async function doctor(opts: { network?: string; cacheDir?: string } = {}): Promise<DoctorCheck[]> {
  const network = opts.network === undefined ? undefined : await resolved(opts.network);
  const { runDoctor } = await import('./machine/doctor.js');
  return runDoctor({ network, cacheDir: opts.cacheDir });
}

/** `memlat doctor --setup-swap`: creates and enables a swap file of `size` (root); returns its path and size. */
export async function setupSwap(size: string | number, path?: string): Promise<{ path: string; bytes: number }> {
  const bytes = parseBytes(size, 'setupSwap');
  const swap = await import('./host/swap.js');
  return { path: swap.setupSwap(bytes, path), bytes };
}

/** `memlat doctor --remove-swap`: disables and deletes the swap files memlat created (root); returns their paths. */
export async function removeSwap(): Promise<string[]> {
  const swap = await import('./host/swap.js');
  return swap.removeSwap();
}

/** What `hardware` did besides measuring: where it cached the fingerprint, or why not. */
export interface HardwareResult {
  fingerprint: HardwareFingerprint;
  /** The per-user cache file written, or null (see `notCached`). */
  cachedIn: string | null;
  /** Why the fingerprint was not cached: "threads" (not measured on all cores) or the file-system error code. */
  notCached: string | null;
}

/**
 * `memlat hardware --json`: measures this machine's fingerprint (CPU, cores, RAM, cgroup version,
 * cold disk read, memory copy, GEMM, runtime idle footprint); writes it to `out` when given, and
 * caches it per user for predict's machine check when measured on all cores. With `repeat` N > 1:
 * N readings, each starting `everySec` seconds after the last one started (default 0: back to
 * back), and the steady fingerprint, their per-field median (src/machine/steady.ts), is what is
 * written and cached; `onReading` sees each reading as it is measured.
 */
export async function hardware(
  opts: {
    out?: string;
    cacheDir?: string;
    threads?: number;
    repeat?: number;
    everySec?: number;
    onReading?: (fp: HardwareFingerprint, k: number) => void;
  } = {},
): Promise<HardwareResult> {
  const repeat = opts.repeat ?? 1;
  if (!(Number.isInteger(repeat) && repeat >= 1))
    throw argumentError((n) => `${n('repeat')} ${repeat}: expected a whole number of readings >= 1, e.g. ${n('repeat')} 5`);
  const everySec = opts.everySec ?? 0;
  if (!(Number.isFinite(everySec) && everySec >= 0))
    throw argumentError((n) => `${n('everySec')} ${everySec}: expected seconds >= 0 between the starts of two readings, e.g. ${n('everySec')} 60`);
  const { measureHardware } = await import('./machine/hardware.js');
  const readings: HardwareFingerprint[] = [];
  for (let k = 0; k < repeat; k++) {
    const started = Date.now();
    readings.push(await measureHardware({ cacheDir: opts.cacheDir, threads: opts.threads }));
    opts.onReading?.(readings[k]!, k);
    const wait = k < repeat - 1 ? everySec * 1000 - (Date.now() - started) : 0;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  const { steadyFingerprint } = await import('./machine/steady.js');
  const fp = repeat === 1 ? readings[0]! : steadyFingerprint(readings);
  if (opts.out !== undefined) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(opts.out, `${JSON.stringify(fp, null, 2)}\n`);
  }
  if (opts.threads !== undefined && opts.threads !== fp.cores) return { fingerprint: fp, cachedIn: null, notCached: 'threads' };
  const { writeCachedFingerprint } = await import('./predict/user-files.js');
  try {
    return { fingerprint: fp, cachedIn: writeCachedFingerprint(fp), notCached: null };
  } catch (e) {
    return { fingerprint: fp, cachedIn: null, notCached: (e as NodeJS.ErrnoException).code ?? String(e) };
  }
}

/** `memlat model install`: checks a bundle and copies it to the per-user model location. */
export async function installModel(file: string): Promise<{ path: string; kind: string; hardwareId: string; shadowedBy: string | null }> {
  const { installModel: install, chooseModel } = await import('./predict/user-files.js');
  const r = install(file);
  const now = chooseModel(undefined);
  return { ...r, shadowedBy: now.source === 'env' ? now.arg : null };
}

/** `memlat model which --json`: which model predict uses without --model, and from where. */
export async function whichModel(): Promise<{
  model: string;
  source: 'flag' | 'env' | 'user' | 'bundled';
  path: string;
  kind: string;
  hardwareId: string;
  userModelPath: string;
}> {
  const { readChosenModel, userModelPath } = await import('./predict/user-files.js');
  const { bundle, choice } = readChosenModel(undefined);
  return {
    model: choice.arg,
    source: choice.source,
    path: choice.path,
    kind: bundle.model.kind,
    hardwareId: bundle.hardware.id,
    userModelPath: userModelPath(),
  };
}

/** Where a dataset's fingerprint file lies (beside it). */
export async function datasetHardwarePath(datasetPath: string): Promise<string> {
  const { hardwarePathFor } = await import('./dataset/files.js');
  return hardwarePathFor(datasetPath);
}

/** What importEdgecaffe wrote, per network. */
export interface EdgecaffeImport {
  rows: number;
  out: string;
  hardwarePath: string;
  /** The pipeline table written beside the rows, or null. */
  pipelinePath: string | null;
  pipelineRuns: number;
  networks: { network: string; rows: number; source: string; unmatched: Record<string, number>; warnings: string[] }[];
}

/**
 * `memlat import edgecaffe`: EdgeCaffe profiles in `dir` -> a dataset at `out` (.csv or .csv.gz),
 * its fingerprint and the pipeline table beside it. `means: false` leaves out the networks that
 * only have description.yaml means.
 */
export async function importEdgecaffe(dir: string, opts: { out: string; means?: boolean }): Promise<EdgecaffeImport> {
  if (!/\.csv(\.gz)?$/i.test(opts.out)) throw argumentError((n) => `${n('out')} ${opts.out}: must end in .csv or .csv.gz`);
  const means = opts.means ?? true;
  const files = await import('./dataset/files.js');
  const { EDGECAFFE_HARDWARE } = await import('./dataset/edgecaffe.js');
  const res = await files.readEdgecaffeDir(dir);
  const rows = means ? res.rows : res.rows.filter((r) => r.source !== 'edgecaffe-mean');
  await files.writeDataset(opts.out, rows, { hardware: [EDGECAFFE_HARDWARE] });
  const pipelinePath = res.pipeline.length ? files.pipelinePathFor(opts.out) : null;
  if (pipelinePath !== null) await files.writePipelineRuns(pipelinePath, res.pipeline);
  return {
    rows: rows.length,
    out: opts.out,
    hardwarePath: files.hardwarePathFor(opts.out),
    pipelinePath,
    pipelineRuns: res.pipeline.length,
    networks: res.networks
      .filter((n) => means || n.source !== 'edgecaffe-mean')
      .map((n) => ({ network: n.network, rows: n.rows, source: n.source, unmatched: n.unmatched, warnings: n.warnings })),
  };
}

/** `memlat export --parquet`: a dataset as Parquet (pandas, duckdb); returns the number of rows. */
export async function exportParquet(data: string, out: string): Promise<{ rows: number }> {
  const files = await import('./dataset/files.js');
  const { rows } = await files.readDataset(data);
  await files.writeParquet(out, rows);
  return { rows: rows.length };
}

/** Options of `evaluate`. */
export interface EvaluateArgs {
  /** Model kinds, e.g. ["fe", "fs"]. */
  models: string[];
  /** kfold, network, memory or hardware. */
  split?: string;
  folds?: number;
  seed?: number;
  fit?: FitOptions;
  onFold?: (fold: string, model: string, done: number, total: number) => void;
}

/**
 * `memlat evaluate --json`: cross-validates model kinds on a dataset (fits each fold's training
 * data, scores the held-out layers and whole-network sums).
 */
export async function evaluate(data: string, opts: EvaluateArgs): Promise<{ data: string; measurementRows: number } & EvaluationResult> {
  const { parseModelKind } = await import('./models/index.js');
  const kinds = opts.models
    .map((k) => k.trim())
    .filter(Boolean)
    .map((k) => parseModelKind(k, 'models'));
  if (kinds.length === 0) throw argumentError((n) => `${n('models')}: give at least one model kind, e.g. ${n('models')} fe,fs`);
  const { parseSplitKind } = await import('./evaluate/splits.js');
  const split = parseSplitKind(opts.split ?? 'kfold');
  const { readDataset } = await import('./dataset/files.js');
  const { rows, hardware } = await readDataset(data);
  if (rows.length === 0) throw argumentError((n) => `${n('data')} ${data}: no rows; profile or import some first`);
  const { aggregateRows } = await import('./models/observations.js');
  const obs = aggregateRows(rows, new Map(hardware.map((h) => [h.id, h] as const)));
  const { evaluateModels } = await import('./evaluate/harness.js');
  const result = evaluateModels(kinds, obs, {
    split,
    folds: opts.folds ?? 5,
    seed: opts.seed ?? 1,
    ...(opts.fit ? { fit: opts.fit } : {}),
    ...(opts.onFold ? { onFold: opts.onFold } : {}),
  });
  return { data, measurementRows: rows.length, ...result };
}

/** The table `memlat evaluate` prints (slices: every, or all = overall rows only). */
export async function evaluationText(result: EvaluationResult, opts: { slices: 'every' | 'all' }): Promise<string> {
  const { formatEvaluation } = await import('./evaluate/harness.js');
  return formatEvaluation(result, opts);
}

/** One (network, level) entry of validate-runs' summary.json. */
export interface ValidationEntry {
  network: string;
  factor: number | null;
  memoryLimitBytes: number | null;
  status: 'done' | 'failed';
  /** Set when the run was OOM-killed: a result (stored as an OOM row), not retried on resume. */
  oom?: boolean;
  message?: string;
  elapsedMs: number;
  finishedAt: string;
  /** runNetwork's result without the raw passes (those are the rows). */
  result?: unknown;
  /** Which of the pair's runs (ValidateRunsArgs.rounds), from 0; absent = 0. */
  round?: number;
}

/** Options of `validateRuns`. */
export interface ValidateRunsArgs {
  /** Output folder: rows.csv, rows.hardware.json, summary.json. */
  out: string;
  /** Zoo names or files; default: the whole zoo. */
  networks?: string[];
  /** Factors f of the largest layer working set W (M = idle + f*W), null = no limit. */
  levels: (number | null)[];
  reps: number;
  /** onnxruntime threads (default: every core this process may use, after MEMLAT_EMULATE's cpuset). */
  threads?: number;
  cacheDir?: string;
  /** List the runs and their limits, measure nothing. */
  dryRun?: boolean;
  /**
   * Order of the runs: 'listed' (default: network by network, levels as given) or 'shuffled' (a
   * permutation drawn from `seed`, default 1), so that a machine's drift over the measurement spreads
   * over networks and levels instead of following them (levels in ascending order would otherwise
   * put every high limit late). A resume shuffles the runs still to do with the same seed.
   */
  order?: 'listed' | 'shuffled';
  seed?: number;
  /**
   * Runs of each (network, level), default 1: each a fresh worker with `reps` passes, round by round
   * (every run of a round before any of the next, each round in `order`, a shuffled round r drawn
   * from seed + r), so that a machine whose runs move by more than their own pass spread from one
   * minute to the next (host D: ±10-15%, data/heldout29/repeat) moves every level alike. A later
   * round's rows continue the pair's pass numbers (rep = round x reps + pass); more rounds on a
   * finished output add only the new ones, with the same `reps`.
   */
  rounds?: number;
  signal?: AbortSignal;
  /** Progress text: whole lines end in "\n", a run's pass numbers come without. */
  onProgress?: (text: string) => void;
}

/** What validateRuns did. */
export interface ValidateRunsResult {
  rowsPath: string;
  summaryPath: string;
  /** The summary entries (every run so far, done or failed); empty for a dry run. */
  summary: ValidationEntry[];
  interrupted: boolean;
}

/**
 * `memlat validate-runs`: runs whole networks with `memlat run`'s executor at memory levels relative
 * to each network's largest layer working set (+ the runtime's idle footprint) and stores every pass
 * of every layer as rows (source "memlat-run") plus a summary JSON. Resumable: (network, limit)
 * pairs already done in the summary are skipped. Needs cgroups and swap (see doctor).
 */
export async function validateRuns(o: ValidateRunsArgs): Promise<ValidateRunsResult> {
  const { checkOutputDir } = await import('./host/paths.js');
  checkOutputDir(o.out, 'out');
  // An emulated machine (MEMLAT_EMULATE) first: its cpuset decides how many cores this process has.
  const { emulationFromEnv } = await import('./host/emulate.js');
  emulationFromEnv();
  const threads = o.threads ?? availableParallelism();
  const { zooNames } = await import('./network/zoo/index.js');
  const names = o.networks ?? zooNames();
  const files = await import('./dataset/files.js');
  const rowsPath = join(o.out, 'rows.csv');
  const summaryPath = join(o.out, 'summary.json');
  const planPath = files.planPathFor(rowsPath);
  const say = (t: string): void => o.onProgress?.(t);
  // One writer per dataset (a dry run writes nothing and takes no lock).
  let lock: { release(): void } | null = null;
  if (!o.dryRun) {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(o.out, { recursive: true });
    lock = files.lockDataset(rowsPath, 'out', o.out);
  }
  try {
    let side = (await files.readJsonFile(planPath)) as { idleBytes: number; hardwareId: string; threads: number } | null;
    if (side && side.threads !== threads) {
      const was = side.threads;
      throw argumentError((n) => `${n('out')} ${o.out}: was run with ${n('threads')} ${was} (see ${planPath}); resume with it, or choose another ${n('out')}`);
    }
    if (!side && !o.dryRun) {
      say('measuring this machine (memlat hardware) ...\n');
      const { measureHardware } = await import('./machine/hardware.js');
      const hw = await measureHardware({ threads, ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}) });
      if (hw.runtimeIdleBytes === null) throw new UserError("the idle worker footprint could not be measured; run 'memlat doctor' for the cause");
      await files.writeHardware(rowsPath, [hw]);
      side = { idleBytes: hw.runtimeIdleBytes, hardwareId: hw.id, threads };
      await files.writeJsonFile(planPath, side);
    }
    const idleBytes = side?.idleBytes ?? 100 * 1024 * 1024;
    const summary = ((await files.readJsonFile(summaryPath)) as ValidationEntry[] | null) ?? [];

    const { oomRow, validationLevels, validationPairDone, validationRows } = await import('./profile/validation.js');
    const rounds = o.rounds ?? 1;
    if (!Number.isInteger(rounds) || rounds < 1) throw argumentError((n) => `${n('rounds')} ${rounds}: must be a positive integer, e.g. ${n('rounds')} 3`);
    if (rounds > 1) {
      // a later round's passes are numbered from round x reps: every run of the output needs the same reps
      const other = summary.find((e) => (e.result as { reps?: number } | undefined)?.reps !== undefined && (e.result as { reps: number }).reps !== o.reps);
      if (other) {
        const was = (other.result as { reps: number }).reps;
        throw argumentError(
          (n) =>
            `${n('reps')} ${o.reps}: ${o.out} holds runs of ${was} passes; with ${n('rounds')} resume with ${n('reps')} ${was}, or choose another ${n('out')}`,
        );
      }
    }
    type Job = { rn: ResolvedNetwork; factor: number | null; memoryLimitBytes: number | null; round: number };
    const todo: Job[] = [];
    const line = (done: boolean, name: string, factor: number | null, m: number | null, round: number): string =>
      `${done ? 'done ' : 'todo '} ${name.padEnd(20)} f=${String(factor ?? 'none').padEnd(5)} M=${m === null ? 'none' : formatBytes(m)}${rounds > 1 ? ` round ${round + 1}/${rounds}` : ''}\n`;
    const pairs: Omit<Job, 'round'>[] = [];
    for (const name of names) {
      const rn = await resolved(name);
      for (const lv of validationLevels(rn, idleBytes, o.levels, threads)) pairs.push({ rn, ...lv });
    }
    for (let round = 0; round < rounds; round++) {
      const inRound: Job[] = [];
      for (const p of pairs) {
        if (validationPairDone(summary, p.rn.name, p.memoryLimitBytes, round)) say(line(true, p.rn.name, p.factor, p.memoryLimitBytes, round));
        else inRound.push({ ...p, round });
      }
      if (o.order === 'shuffled') {
        // Fisher-Yates with the seeded generator: the same seed and runs to do give the same order
        const rand = mulberry32((o.seed ?? 1) + round);
        for (let i = inRound.length - 1; i > 0; i--) {
          const j = Math.floor(rand() * (i + 1));
          [inRound[i], inRound[j]] = [inRound[j]!, inRound[i]!];
        }
      }
      todo.push(...inRound);
    }
    if (o.order === 'shuffled') say(`order: shuffled (seed ${o.seed ?? 1}${rounds > 1 ? ' + round' : ''})\n`);
    for (const job of todo) say(line(false, job.rn.name, job.factor, job.memoryLimitBytes, job.round));
    if (o.dryRun || !side) return { rowsPath, summaryPath, summary: [], interrupted: false };
    const { sweepLeftovers } = await import('./executor/leftovers.js');
    const swept = sweepLeftovers(o.cacheDir);
    if (swept.groups.length || swept.tmpFiles.length) {
      say(`removed ${swept.groups.length} cgroup(s) and ${swept.tmpFiles.length} temporary weight file(s) left by dead memlat processes\n`);
    }

    const { runNetwork, OomError } = await import('./executor/run-network.js');
    const writer = await files.openRowWriter(rowsPath);
    const aborted = (): boolean => o.signal?.aborted === true;
    try {
      for (const [i, job] of todo.entries()) {
        if (aborted()) break;
        const t0 = Date.now();
        say(
          `[${i + 1}/${todo.length}] ${job.rn.name} at ${job.memoryLimitBytes === null ? 'no limit' : formatBytes(job.memoryLimitBytes)}${rounds > 1 ? ` (round ${job.round + 1}/${rounds})` : ''} ...`,
        );
        const repOffset = job.round * o.reps;
        let entry: ValidationEntry;
        try {
          const res = await runNetwork(job.rn, {
            memoryLimitBytes: job.memoryLimitBytes,
            reps: o.reps,
            threads,
            ...(o.signal ? { signal: o.signal } : {}),
            ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
            onPass: (p) => say(` ${p + 1}`),
          });
          await writer.append(validationRows(job.rn, res.passes, job.memoryLimitBytes, side.hardwareId, repOffset));
          const { passes: _passes, ...result } = res;
          entry = {
            network: job.rn.name,
            factor: job.factor,
            memoryLimitBytes: job.memoryLimitBytes,
            status: 'done',
            elapsedMs: Date.now() - t0,
            finishedAt: new Date().toISOString(),
            result,
            ...(job.round > 0 ? { round: job.round } : {}),
          };
          say(` total ${res.totalMs.toFixed(0)} ms\n`);
        } catch (e) {
          if (aborted()) break;
          const message = e instanceof Error ? e.message : String(e);
          // An OOM kill is a result too: one row with oom = true for the layer it hit (no times).
          if (e instanceof OomError) await writer.append([oomRow(job.rn, e.layerIndex, repOffset + e.rep, job.memoryLimitBytes, side.hardwareId)]);
          const oom = e instanceof OomError;
          entry = {
            network: job.rn.name,
            factor: job.factor,
            memoryLimitBytes: job.memoryLimitBytes,
            status: 'failed',
            ...(oom ? { oom: true } : {}),
            message,
            elapsedMs: Date.now() - t0,
            finishedAt: new Date().toISOString(),
            ...(job.round > 0 ? { round: job.round } : {}),
          };
          say(
            oom
              ? ` OOM (kept as an OOM row; a resume does not retry it; to retry, delete its entry in summary.json and its OOM row)\n`
              : ` FAILED: ${message}\n`,
          );
        }
        const rest = summary.filter(
          (s) => !(s.network === entry.network && s.memoryLimitBytes === entry.memoryLimitBytes && (s.round ?? 0) === (entry.round ?? 0)),
        );
        summary.splice(0, summary.length, ...rest, entry);
        await files.writeJsonFile(summaryPath, summary);
      }
    } finally {
      await writer.close();
    }
    return { rowsPath, summaryPath, summary, interrupted: aborted() };
  } finally {
    lock?.release();
  }
}
