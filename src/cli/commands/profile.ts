/**
 * `memlat profile --out rows.csv [--layers 1000] [--reps 3] [--seed 1] [--budget 30m] [--levels ...]`:
 * measure sampled layers at memory levels and append rows (see docs/PROFILING.md). The same command
 * resumes an interrupted run. Thin: flag parsing, progress bar and summary; the plan is
 * src/profile/plan.ts, the loop src/profile/run.ts, the files src/runtime/dataset-files.ts.
 */
import type { Command } from 'commander';
import { rm } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../errors.js';
import { formatBytes, parseBytes, parseDurationMs } from '../../units.js';

interface ProfileFlags {
  out: string;
  layers: string;
  reps: string;
  seed: string;
  budget?: string;
  levels?: string;
  unlimited: boolean;
  threads?: string;
  cacheDir?: string;
  maxLayerSize: string;
  chunk: string;
  dryRun?: boolean;
  allowNoSwap?: boolean;
}

/** The plan options stored in `<out>.plan.json`; a resume must match them. */
interface StoredPlan {
  format: 'memlat-profile-plan@1';
  seed: number;
  levels: number[];
  unlimited: boolean;
  idleBytes: number;
  maxTensorBytes: number;
  gridRatio: number;
  chunkSize: number;
  threads: number;
  hardwareId: string;
}

function posInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag} ${text}: must be a positive integer`);
  return n;
}

/** Parses `--levels 4,1.5,1,0.75,0.5,0.25`. */
function parseLevels(text: string): number[] {
  const xs = text.split(',').map((t) => t.trim()).filter(Boolean).map(Number);
  if (!xs.length || xs.some((x) => !Number.isFinite(x) || x <= 0)) {
    throw new UserError(`--levels ${text}: must be comma-separated positive factors of the layer's working set, e.g. 4,1.5,1,0.75,0.5,0.25`);
  }
  return [...new Set(xs)].sort((a, b) => b - a);
}

/** Register `memlat profile`. */
export function register(program: Command): void {
  program
    .command('profile')
    .description('measure sampled layers under memory limits and append the rows to a dataset (resumable)')
    .requiredOption('--out <file.csv>', 'dataset to append to (resumes if it exists), e.g. data/reference/rows.csv')
    .option('--layers <n>', 'sampled layers (a larger number extends an earlier run)', '1000')
    .option('--reps <n>', 'timed passes per layer and limit', '3')
    .option('--seed <n>', 'seed of the design-space sequence', '1')
    .option('--budget <duration>', 'stop after this much time, e.g. 30m (resume later with the same command)')
    .option('--levels <factors>', 'memory levels: factors f of the working set W, M = idle + f*W', '4,1.5,1,0.75,0.5,0.25')
    .option('--no-unlimited', 'skip the measurement without a memory limit')
    .option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)')
    .option('--cache-dir <dir>', 'weight file cache (default $MEMLAT_CACHE or ~/.cache/memlat)')
    .option('--max-layer-size <size>', 'largest sampled layer (fp32 weights + activations)', '512MiB')
    .option('--chunk <n>', 'samples per chunk (all levels of a chunk finish before the next starts)', '100')
    .option('--dry-run', 'print the plan summary and exit without measuring')
    .option('--allow-no-swap', 'measure even if swap is too small (tight levels are then recorded as OOM)')
    .action(async (o: ProfileFlags) => {
      const layers = posInt(o.layers, '--layers');
      const reps = posInt(o.reps, '--reps');
      const seed = Number(o.seed);
      if (!Number.isInteger(seed) || seed < 0) throw new UserError(`--seed ${o.seed}: must be a non-negative integer`);
      const budgetMs = o.budget === undefined ? undefined : parseDurationMs(o.budget, '--budget');
      const levels = parseLevels(o.levels ?? '4,1.5,1,0.75,0.5,0.25');
      const maxTensorBytes = parseBytes(o.maxLayerSize, '--max-layer-size');
      const chunkSize = posInt(o.chunk, '--chunk');
      if (!/\.csv$/i.test(o.out)) throw new UserError(`--out ${o.out}: must end in .csv (rows are appended as they are measured; gzip afterwards)`);
      const threads = o.threads === undefined ? cpus().length : posInt(o.threads, '--threads');

      const files = await import('../../runtime/dataset-files.js');
      const { buildPlan, GRID_RATIO } = await import('../../profile/plan.js');
      const planPath = files.planPathFor(o.out);
      let stored = (await files.readJsonFile(planPath)) as StoredPlan | null;
      if (stored) {
        const mismatch: string[] = [];
        if (stored.seed !== seed) mismatch.push(`--seed ${stored.seed}`);
        if (stored.levels.join(',') !== levels.join(',')) mismatch.push(`--levels ${stored.levels.join(',')}`);
        if (stored.unlimited !== o.unlimited) mismatch.push(stored.unlimited ? '(without --no-unlimited)' : '--no-unlimited');
        if (stored.maxTensorBytes !== maxTensorBytes) mismatch.push(`--max-layer-size ${stored.maxTensorBytes}`);
        if (stored.chunkSize !== chunkSize) mismatch.push(`--chunk ${stored.chunkSize}`);
        if (stored.threads !== threads) mismatch.push(`--threads ${stored.threads}`);
        if (mismatch.length) {
          throw new UserError(`--out ${o.out}: was profiled with ${mismatch.join(' ')} (see ${planPath}); resume with those flags, or choose another --out`);
        }
      } else if (!o.dryRun) {
        process.stderr.write('measuring this machine (memlat hardware) ...\n');
        const { measureHardware } = await import('../../runtime/hardware.js');
        const hw = await measureHardware({ threads, ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}) });
        if (hw.runtimeIdleBytes === null) throw new UserError('the idle worker footprint could not be measured; run \'memlat doctor\' for the cause');
        await files.writeHardware(o.out, [hw]);
        stored = {
          format: 'memlat-profile-plan@1', seed, levels, unlimited: o.unlimited, idleBytes: hw.runtimeIdleBytes,
          maxTensorBytes, gridRatio: GRID_RATIO, chunkSize, threads, hardwareId: hw.id,
        };
        await files.writeJsonFile(planPath, stored);
      }
      const plan = buildPlan({
        seed, layers, reps, levels, unlimited: o.unlimited, idleBytes: stored?.idleBytes ?? 100 * 1024 * 1024,
        maxTensorBytes, gridRatio: stored?.gridRatio ?? GRID_RATIO, chunkSize, threads,
      });
      const limits = new Set(plan.groups.map((g) => g.memoryLimitBytes));
      process.stderr.write(
        `plan: ${layers} layers, ${plan.jobs} jobs (layer x limit) x ${reps} reps = ${plan.jobs * reps} measurements, ` +
          `${limits.size} distinct limits, ${plan.groups.length} worker groups, idle ${formatBytes(plan.options.idleBytes)}\n`,
      );
      if (o.dryRun || !stored) return;

      // Swap must hold what does not fit under the tightest limits, else those jobs are just OOM kills.
      const needSwap = Math.max(0, ...plan.groups.flatMap((g) => g.jobs).map((j) =>
        j.memoryLimitBytes === null ? 0 : plan.options.idleBytes + j.workingSetBytes - j.memoryLimitBytes));
      const { swapBytes } = await import('../../runtime/swap.js');
      const { freeBytes } = swapBytes();
      if (needSwap > freeBytes && !o.allowNoSwap) {
        const gib = Math.ceil((needSwap + 2 ** 30) / 2 ** 30);
        throw new UserError(`swap: the tightest levels need ${formatBytes(needSwap)} of swap but ${formatBytes(freeBytes)} is free; run 'sudo memlat doctor --setup-swap ${gib}GiB', or pass --allow-no-swap to record them as OOM`);
      }

      const { runProfile } = await import('../../profile/run.js');
      const { startWorker } = await import('../../runtime/worker-client.js');
      const { MultiBar, Presets } = await import('cli-progress');
      const writer = await files.openRowWriter(o.out);
      if (writer.droppedPartialLine) process.stderr.write(`${o.out}: dropped a truncated last line (an interrupted write)\n`);
      const bars = new MultiBar(
        { format: 'profile {bar} {percentage}% | {value}/{total} | ETA {eta_formatted} | limit {limit} | oom {oom}', noTTYOutput: true, notTTYSchedule: 10_000, etaBuffer: 200, hideCursor: true },
        Presets.shades_classic,
      );
      const bar = bars.create(1, 0, { limit: '-', oom: 0 });
      const ac = new AbortController();
      const onSigint = (): void => ac.abort();
      process.once('SIGINT', onSigint);
      let summary;
      try {
        summary = await runProfile({
          plan, writer, hardwareId: stored.hardwareId, startWorker, signal: ac.signal,
          ...(budgetMs !== undefined ? { budgetMs } : {}),
          workerOptions: { threads, ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}) },
          onProgress: (p) => {
            bar.setTotal(Math.max(1, p.total));
            bar.update(p.measured, { limit: p.memoryLimitBytes === null ? 'none' : formatBytes(p.memoryLimitBytes), oom: p.oom });
          },
          onEvent: (m) => bars.log(`${m}\n`),
          // Sampled layers are one-offs: drop a chunk's weight files once its last limit is measured
          // (a chunk of 100 samples holds < 1.5 GiB of weights; the whole default plan ~6 GiB).
          onChunkDone: async (_chunk, jobs) => {
            const { defaultCacheDir, layerHash } = await import('../../runtime/weights.js');
            const dir = join(defaultCacheDir(o.cacheDir), 'weights');
            const paths = new Set(jobs.map((j) => join(dir, `${layerHash(j.layer, j.inputShapes)}.f32`)));
            await Promise.all([...paths].map((p) => rm(p, { force: true })));
          },
        });
      } finally {
        process.off('SIGINT', onSigint);
        bars.stop();
        await writer.close();
      }
      const min = (summary.elapsedMs / 60_000).toFixed(1);
      process.stderr.write(
        `${summary.stoppedBy === 'done' ? 'done' : `stopped (${summary.stoppedBy})`}: ${summary.measured} rows written in ${min} min ` +
          `(${summary.skipped} already present, ${summary.oom} OOM, ${summary.crashed.length} crashed, ${summary.workersStarted} workers) -> ${o.out}\n`,
      );
      if (summary.stoppedBy !== 'done' || summary.crashed.length) process.stderr.write(`resume with the same command to finish\n`);
      if (summary.stoppedBy === 'signal') process.exitCode = 130;
    });
}
