/**
 * `memlat validate-runs --out data/validation/ [--networks a,b] [--levels 4,1,0.5,none] [--reps 5]`:
 * run whole zoo networks with `memlat run`'s executor at memory levels relative to each network's
 * largest layer working set (+ the runtime's idle footprint) and store every pass of every layer as
 * rows (source "memlat-run") plus a summary JSON. Resumable: (network, limit) pairs already in the
 * summary as done are skipped. See docs/PROFILING.md.
 */
import type { Command } from 'commander';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../errors.js';
import { checkOutputDir, formatBytes } from '../../units.js';

interface ValidateFlags {
  out: string;
  networks?: string;
  levels: string;
  reps: string;
  threads?: string;
  cacheDir?: string;
  dryRun?: boolean;
}

/** One (network, level) entry of summary.json. */
interface SummaryEntry {
  network: string;
  factor: number | null;
  memoryLimitBytes: number | null;
  status: 'done' | 'failed';
  message?: string;
  elapsedMs: number;
  finishedAt: string;
  /** runNetwork's result without the raw passes (those are the rows). */
  result?: unknown;
}

function posInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag} ${text}: must be a positive integer`);
  return n;
}

/** Parses `--levels 4,1,0.5,none`. */
function parseLevels(text: string): (number | null)[] {
  const out = text.split(',').map((t) => t.trim()).filter(Boolean).map((t) => (/^none$/i.test(t) ? null : Number(t)));
  if (!out.length || out.some((x) => x !== null && (!Number.isFinite(x) || x <= 0))) {
    throw new UserError(`--levels ${text}: must be comma-separated positive factors of the largest layer's working set or "none", e.g. 4,1,0.5,none`);
  }
  return out;
}

/** Register `memlat validate-runs`. */
export function register(program: Command): void {
  program
    .command('validate-runs')
    .description('run zoo networks whole at several memory levels and store every pass as validation rows (resumable)')
    .requiredOption('--out <dir>', 'output folder (rows.csv, rows.hardware.json, summary.json), e.g. data/validation/')
    .option('--networks <names>', 'comma-separated networks (zoo names or files); default: the whole zoo')
    .option('--levels <factors>', 'factors f of the largest layer working set W (M = idle + f*W) or "none"', '4,1,0.5,none')
    .option('--reps <n>', 'passes per run (>= 5 for validation data)', '5')
    .option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)')
    .option('--cache-dir <dir>', 'weight file cache (default $MEMLAT_CACHE or ~/.cache/memlat)')
    .option('--dry-run', 'print the runs and their limits, measure nothing')
    .action(async (o: ValidateFlags) => {
      checkOutputDir(o.out, '--out');
      const reps = posInt(o.reps, '--reps');
      const factors = parseLevels(o.levels);
      const threads = o.threads === undefined ? cpus().length : posInt(o.threads, '--threads');
      const { zooNames } = await import('../../network/zoo/index.js');
      const names = o.networks ? o.networks.split(',').map((s) => s.trim()).filter(Boolean) : zooNames();
      const files = await import('../../dataset/files.js');
      const rowsPath = join(o.out, 'rows.csv');
      const summaryPath = join(o.out, 'summary.json');
      const planPath = files.planPathFor(rowsPath);
      // One writer per dataset (a dry run writes nothing and takes no lock).
      let lock: { release(): void } | null = null;
      if (!o.dryRun) {
        const { mkdirSync } = await import('node:fs');
        mkdirSync(o.out, { recursive: true });
        lock = files.lockDataset(rowsPath, '--out');
      }
      try {
        await validateLocked(o, files, rowsPath, summaryPath, planPath, reps, factors, threads, names);
      } finally {
        lock?.release();
      }
    });
}

async function validateLocked(
  o: ValidateFlags,
  files: typeof import('../../dataset/files.js'),
  rowsPath: string,
  summaryPath: string,
  planPath: string,
  reps: number,
  factors: (number | null)[],
  threads: number,
  names: string[],
): Promise<void> {

      let side = (await files.readJsonFile(planPath)) as { idleBytes: number; hardwareId: string; threads: number } | null;
      if (side && side.threads !== threads) {
        throw new UserError(`--out ${o.out}: was run with --threads ${side.threads} (see ${planPath}); resume with it, or choose another --out`);
      }
      if (!side && !o.dryRun) {
        process.stderr.write('measuring this machine (memlat hardware) ...\n');
        const { measureHardware } = await import('../../machine/hardware.js');
        const hw = await measureHardware({ threads, ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}) });
        if (hw.runtimeIdleBytes === null) throw new UserError('the idle worker footprint could not be measured; run \'memlat doctor\' for the cause');
        await files.writeHardware(rowsPath, [hw]);
        side = { idleBytes: hw.runtimeIdleBytes, hardwareId: hw.id, threads };
        await files.writeJsonFile(planPath, side);
      }
      const idleBytes = side?.idleBytes ?? 100 * 1024 * 1024;
      const summary = ((await files.readJsonFile(summaryPath)) as SummaryEntry[] | null) ?? [];

      const { loadNetwork } = await import('../../network/load.js');
      const { resolveNetwork } = await import('../../network/shapes.js');
      const { oomRow, validationLevels, validationRows } = await import('../../profile/validation.js');
      const todo: { rn: ReturnType<typeof resolveNetwork>; factor: number | null; memoryLimitBytes: number | null }[] = [];
      for (const name of names) {
        const rn = resolveNetwork((await loadNetwork(name)).network);
        for (const lv of validationLevels(rn, idleBytes, factors, threads)) {
          const done = summary.some((e) => e.network === rn.name && e.memoryLimitBytes === lv.memoryLimitBytes && e.status === 'done');
          process.stderr.write(`${done ? 'done ' : 'todo '} ${rn.name.padEnd(20)} f=${String(lv.factor ?? 'none').padEnd(5)} M=${lv.memoryLimitBytes === null ? 'none' : formatBytes(lv.memoryLimitBytes)}\n`);
          if (!done) todo.push({ rn, ...lv });
        }
      }
      if (o.dryRun || !side) return;
      const { sweepLeftovers } = await import('../../executor/leftovers.js');
      const swept = sweepLeftovers(o.cacheDir);
      if (swept.groups.length || swept.tmpFiles.length) {
        process.stderr.write(`removed ${swept.groups.length} cgroup(s) and ${swept.tmpFiles.length} temporary weight file(s) left by dead memlat processes\n`);
      }

      const { runNetwork } = await import('../../executor/run-network.js');
      const writer = await files.openRowWriter(rowsPath);
      const ac = new AbortController();
      const onSigint = (): void => ac.abort();
      process.once('SIGINT', onSigint);
      try {
        for (const [i, job] of todo.entries()) {
          if (ac.signal.aborted) break;
          const t0 = Date.now();
          const label = `[${i + 1}/${todo.length}] ${job.rn.name} at ${job.memoryLimitBytes === null ? 'no limit' : formatBytes(job.memoryLimitBytes)}`;
          process.stderr.write(`${label} ...`);
          let entry: SummaryEntry;
          try {
            const res = await runNetwork(job.rn, {
              memoryLimitBytes: job.memoryLimitBytes, reps, threads, signal: ac.signal,
              ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
              onPass: (p) => process.stderr.write(` ${p + 1}`),
            });
            await writer.append(validationRows(job.rn, res.passes, job.memoryLimitBytes, side.hardwareId));
            const { passes: _passes, ...result } = res;
            entry = { network: job.rn.name, factor: job.factor, memoryLimitBytes: job.memoryLimitBytes, status: 'done', elapsedMs: Date.now() - t0, finishedAt: new Date().toISOString(), result };
            process.stderr.write(` total ${res.totalMs.toFixed(0)} ms\n`);
          } catch (e) {
            if (ac.signal.aborted) break;
            const message = e instanceof Error ? e.message : String(e);
            // An OOM kill is a result too: one row with oom = true for the layer it hit (no times).
            const { OomError } = await import('../../executor/run-network.js');
            if (e instanceof OomError) await writer.append([oomRow(job.rn, e.layerIndex, e.rep, job.memoryLimitBytes, side.hardwareId)]);
            entry = { network: job.rn.name, factor: job.factor, memoryLimitBytes: job.memoryLimitBytes, status: 'failed', message, elapsedMs: Date.now() - t0, finishedAt: new Date().toISOString() };
            process.stderr.write(` FAILED: ${message}\n`);
          }
          const rest = summary.filter((s) => !(s.network === entry.network && s.memoryLimitBytes === entry.memoryLimitBytes));
          summary.splice(0, summary.length, ...rest, entry);
          await files.writeJsonFile(summaryPath, summary);
        }
      } finally {
        process.off('SIGINT', onSigint);
        await writer.close();
      }
      const ok = summary.filter((s) => s.status === 'done').length;
      process.stderr.write(`${ok} runs done, ${summary.length - ok} failed -> ${rowsPath}, ${summaryPath}\n`);
      if (ac.signal.aborted) {
        process.stderr.write('interrupted; resume with the same command\n');
        process.exitCode = 130;
      }
}
