/**
 * `memlat min-memory <network> --target 200ms [--json]`: the least available memory whose predicted
 * total meets a target time, and the conservative answer whose interval high end meets it
 * (src/predict/min-memory.ts, docs/PREDICT.md).
 */
import type { Command } from 'commander';
import { addModelOptions, fmtMs, loadNetworkAndBundle, MACHINE_HELP, machineCheck, modelOriginJson, type ModelFlags } from './predict.js';

interface MinMemoryFlags extends ModelFlags {
  target: string;
  json?: boolean;
  verify?: boolean;
  reps?: string;
}

/** Registers `memlat min-memory`. */
export function register(program: Command): void {
  const cmd = program
    .command('min-memory')
    .description('the least available memory whose predicted total time meets a target')
    .argument('<network>', 'a zoo name (e.g. vgg16) or a path to a .json, .onnx or .prototxt file')
    .requiredOption('--target <time>', 'target network time, e.g. 200ms, 1.5s');
  addModelOptions(cmd)
    .option('--json', 'print JSON: { network, targetMs, memoryBytes, conservativeMemoryBytes } (null where no memory meets it)')
    .option('--verify', 'then run the network for real at both answers (like memlat run) and say whether the target was met')
    .option('--reps <n>', 'passes per verification run (with --verify)', '5')
    .addHelpText('after', MACHINE_HELP)
    .action(async (networkArg: string, flags: MinMemoryFlags) => {
      if (flags.verify === true) {
        const { verifyMinMemory } = await import('../../api.js');
        const { formatBytes } = await import('../../units.js');
        const reps = Number(flags.reps ?? '5');
        if (!Number.isInteger(reps) || reps < 1) {
          const { UserError } = await import('../../errors.js');
          throw new UserError(`--reps ${flags.reps}: must be a positive integer, e.g. --reps 5`);
        }
        const v = await verifyMinMemory(networkArg, {
          target: flags.target, reps, model: flags.model,
          ...(flags.batch !== undefined ? { batch: flags.batch } : {}),
          ...(flags.seqLen !== undefined ? { seqLen: flags.seqLen } : {}),
          onEvent: (m) => process.stderr.write(`memlat min-memory: ${m}\n`),
        });
        if (flags.json === true) {
          process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
          return;
        }
        const lines = [`${v.network}: target ${fmtMs(v.targetMs)} ms`];
        if (v.runs.length === 0) lines.push('nothing to verify: no memory up to the RAM is predicted to meet the target');
        for (const r of v.runs) {
          lines.push(`${r.answer === 'memory' ? 'answer      ' : 'conservative'} ${formatBytes(r.memoryBytes)}: measured ${fmtMs(r.measuredMs)} ms (median of ${v.reps}; ${fmtMs(Math.min(...r.passesMs))}-${fmtMs(Math.max(...r.passesMs))}), predicted ${fmtMs(r.predictedMs)} ms -> target ${r.met ? 'met' : 'NOT met'}`);
        }
        process.stdout.write(`${lines.join('\n')}\n`);
        return;
      }
      const { parseDurationMs, formatBytes } = await import('../../units.js');
      const targetMs = parseDurationMs(flags.target, '--target');
      const { rn, bundle, choice } = await loadNetworkAndBundle(networkArg, flags);
      const { minMemory } = await import('../../predict/min-memory.js');
      const r = minMemory(rn, bundle, targetMs);
      {
        const { runWarning } = await import('../../predict/feasibility.js');
        const warning = runWarning(rn, r.memoryBytes ?? null);
        if (warning !== null) process.stderr.write(`memlat: warning: ${warning}\n`);
      }
      const machine = await machineCheck(bundle, flags, r.memoryBytes ?? undefined);
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify({ ...r, model: choice.arg, ...modelOriginJson(choice, machine) }, null, 2)}\n`);
        return;
      }
      const range = `${formatBytes(r.searchedBytes[0])} to ${formatBytes(r.searchedBytes[1])} (the machine's RAM)`;
      const out: string[] = [];
      if (r.memoryBytes === null) {
        out.push(`${rn.name}: no memory from ${range} meets ${fmtMs(targetMs)} ms; the fastest predicted total is ${fmtMs(r.bestMs)} ms`);
      } else {
        out.push(`${rn.name}: ${formatBytes(r.memoryBytes)} (${r.memoryBytes} bytes) is the least memory whose predicted total meets ${fmtMs(targetMs)} ms (predicted ${fmtMs(r.predictedMs ?? NaN)} ms)`);
      }
      if (!r.hasInterval) out.push('no conservative answer: the model has no calibration');
      else if (r.conservativeMemoryBytes === null) out.push(`conservative: no memory up to the RAM keeps the ${Math.round((bundle.calibration?.coverage ?? 0) * 100)}% interval's high end within ${fmtMs(targetMs)} ms`);
      else out.push(`conservative: ${formatBytes(r.conservativeMemoryBytes)} (${r.conservativeMemoryBytes} bytes) keeps the ${Math.round((bundle.calibration?.coverage ?? 0) * 100)}% interval's high end within the target (${fmtMs(r.conservativeHighMs ?? NaN)} ms)`);
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
