/**
 * `memlat calibrate [--budget 10m] [--out model.json] [--model <base>] [--cache-dir d] [--threads n]
 * [--dry-run] [--json]`: adapt the default model to this machine in a few minutes: measure its
 * fingerprint and a hand-chosen set of layers and limits, fit per-phase factors, install the result as
 * the per-user model (docs/MODELS.md, "memlat calibrate"). Thin: flags, progress lines and the
 * summary; the work is the library's calibrate (src/api-calibrate.ts).
 */
import type { Command } from 'commander';
import { formatBytes } from '../../units.js';
import { durationOption, optionalPositiveInt, withFlagNames } from '../options.js';

interface CalibrateFlags {
  budget: string;
  out?: string;
  model?: string;
  cacheDir?: string;
  threads?: string;
  dryRun?: boolean;
  json?: boolean;
}

const secs = (ms: number): string =>
  ms >= 120_000 ? `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s` : `${(ms / 1000).toFixed(0)}s`;

/** Registers `memlat calibrate`. */
export function register(program: Command): void {
  program
    .command('calibrate')
    .description(
      'adapt the model to this machine in a few minutes: measure chosen layers and limits, fit per-phase factors, install the result (root, cgroups, swap)',
    )
    .option(
      '--budget <duration>',
      'time for the whole command, fingerprint included, e.g. 30s, 2m, 10m (at least 20s; a rerun resumes, adds more and averages the fingerprints of all runs)',
      '10m',
    )
    .option('--out <file>', 'write the calibrated model here instead of installing it as the per-user model')
    .option('--model <name|file>', 'the model to calibrate (default: the bundled default)')
    .option('--cache-dir <dir>', 'weight files and the rows, in <dir>/calibrate/<hardware id>/ (default $MEMLAT_CACHE or ~/.cache/memlat)')
    .option('--threads <n>', 'onnxruntime intra-op threads (default: every core this process may use)')
    .option('--dry-run', 'print the plan and its estimated time; measure nothing (needs no root)')
    .option('--json', 'print the result as JSON')
    .action(
      withFlagNames(async (o: CalibrateFlags) => {
        durationOption(o.budget, '--budget'); // a bad duration fails here; the library says the minimum
        const threads = optionalPositiveInt(o.threads, '--threads', 2);
        const { calibrate } = await import('../../api-calibrate.js');
        const ac = new AbortController();
        const onSigint = (): void => ac.abort();
        process.once('SIGINT', onSigint);
        let lastLine = 0;
        let lastStep = -1;
        let r;
        try {
          r = await calibrate({
            budget: o.budget,
            ...(o.out !== undefined ? { out: o.out } : {}),
            ...(o.model !== undefined ? { model: o.model } : {}),
            ...(o.cacheDir !== undefined ? { cacheDir: o.cacheDir } : {}),
            ...(threads !== undefined ? { threads } : {}),
            ...(o.dryRun ? { dryRun: true } : {}),
            signal: ac.signal,
            onEvent: (m) => process.stderr.write(`calibrate: ${m}\n`),
            onProgress: (p) => {
              // one line per step change, else at most one every 5 s
              const now = Date.now();
              if (p.step === lastStep && now - lastLine < 5000 && p.measured < p.total) return;
              lastLine = now;
              lastStep = p.step;
              process.stderr.write(`calibrate: step ${p.step} (${p.limit}) ${p.measured}/${p.total} rows, ${secs(p.elapsedMs)} spent, ETA ${secs(p.etaMs)}\n`);
            },
          });
        } finally {
          process.off('SIGINT', onSigint);
        }
        if (o.json) {
          process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
          if (r.measured?.stoppedBy === 'signal') process.exitCode = 130;
          return;
        }
        const out: string[] = [];
        out.push(
          `machine ${r.hardware.id}${r.hardware.emulation ? ` (emulated: ${r.hardware.emulation})` : ''}, ${r.threads} thread(s); rows in ${r.rowsPath}`,
        );
        if (r.dryRun) {
          out.push(`plan (budget ${secs(r.budgetMs)}; [x] chosen, [=] already measured, [ ] left for a later run):`);
          for (const s of r.plan.steps)
            out.push(`  [${s.chosen ? 'x' : s.done ? '=' : ' '}] ${s.description}${s.chosen ? '' : s.done ? '' : ` ~${(s.estimatedMs / 1000).toFixed(1)} s`}`);
          out.push(
            `estimated measuring time ${secs(r.plan.estimatedMs)} (plus ~5 s for the fingerprint and the fit); swap needed ${formatBytes(r.plan.swapNeededBytes)}; nothing measured (--dry-run)`,
          );
          process.stdout.write(`${out.join('\n')}\n`);
          return;
        }
        const m = r.measured!;
        out.push(
          `measured ${m.rows} new rows (${m.skipped} already there, ${m.oom} OOM, ${m.crashed} crashed, ${m.networkRuns} whole-network runs); ${m.stoppedBy === 'done' ? 'every chosen step done' : `stopped (${m.stoppedBy})`}`,
        );
        if (r.model === null) {
          out.push('stopped before fitting; rerun the same command to continue');
          process.stdout.write(`${out.join('\n')}\n`);
          process.exitCode = 130;
          return;
        }
        const md = r.model;
        out.push(`factors (x the ${md.base} model moved to this machine; rows per cell):`);
        out.push(`  ${'regime'.padEnd(10)} ${'load'.padStart(14)} ${'run'.padStart(14)} ${'unload'.padStart(14)}`);
        for (const g of ['unlimited', 'swapping'] as const) {
          const cell = (t: 'load' | 'run' | 'unload'): string => `${md.factors[g][t].toFixed(2)} (${md.counts[g][t]})`.padStart(14);
          out.push(`  ${g.padEnd(10)} ${cell('load')} ${cell('run')} ${cell('unload')}`);
        }
        out.push(`fitted on ${md.observations} layer configurations (${md.rows} rows); interval widened by sigma ${md.sigma.toFixed(3)} of ln time`);
        for (const c of md.checks) {
          out.push(
            `check: ${c.network} at ${c.memoryLimitBytes === null ? 'no limit' : formatBytes(c.memoryLimitBytes)} measured ${c.measuredMs.toFixed(0)} ms (median of ${c.passes}), calibrated ${c.predictedMs.toFixed(0)} ms (x${(c.predictedMs / c.measuredMs).toFixed(2)}), uncalibrated ${c.zeroShotMs.toFixed(0)} ms (x${(c.zeroShotMs / c.measuredMs).toFixed(2)})`,
          );
        }
        out.push(
          md.installed !== null
            ? `installed as the per-user model ${md.installed} (predict, curve, min-memory use it without --model)`
            : `written to ${md.path} (not installed; use it with --model ${md.path}, or 'memlat model install ${md.path}')`,
        );
        out.push(`time spent ${secs(r.spentMs)} of ${secs(r.budgetMs)}${m.stoppedBy === 'done' ? '' : '; rerun to measure more (it resumes)'}`);
        process.stdout.write(`${out.join('\n')}\n`);
      }),
    );
}
