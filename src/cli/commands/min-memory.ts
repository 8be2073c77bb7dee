/**
 * `memlat min-memory <network> --target 200ms [--json]`: the least available memory whose predicted
 * total meets a target time, and the conservative answer whose interval high end meets it
 * (src/predict/min-memory.ts, docs/PREDICT.md).
 */
import type { Command } from 'commander';
import { durationOption, parseInteger, withFlagNames } from '../options.js';
import { addModelOptions, fmtMs, MACHINE_HELP, networkOptions, printMachineCheck, type ModelFlags } from './predict.js';

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
    .description(
      'the least available memory whose predicted total time meets a target (never below the thrash floor: the runtime footprint + half the largest layer)',
    )
    .argument('<network>', 'a zoo name (e.g. vgg16) or a path to a .json, .onnx or .prototxt file')
    .requiredOption('--target <time>', 'target network time, e.g. 200ms, 1.5s');
  addModelOptions(cmd)
    .option('--json', 'print JSON: { network, targetMs, memoryBytes, conservativeMemoryBytes } (null where no memory meets it)')
    .option('--verify', 'then run the network for real at both answers (like memlat run) and say whether the target was met')
    .option('--reps <n>', 'passes per verification run (with --verify)', '5')
    .addHelpText('after', MACHINE_HELP)
    .action(
      withFlagNames(async (networkArg: string, flags: MinMemoryFlags) => {
        if (flags.verify === true) {
          const { verifyMinMemory } = await import('../../api.js');
          const { formatBytes } = await import('../../units.js');
          const reps = parseInteger(flags.reps ?? '5', '--reps');
          const v = await verifyMinMemory(networkArg, {
            target: flags.target,
            reps,
            model: flags.model,
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
            lines.push(
              r.measuredMs === null
                ? `${r.answer === 'memory' ? 'answer      ' : 'conservative'} ${formatBytes(r.memoryBytes)}: OOM-killed in ${r.oomKilledAt ?? '?'}, predicted ${fmtMs(r.predictedMs)} ms -> target NOT met`
                : `${r.answer === 'memory' ? 'answer      ' : 'conservative'} ${formatBytes(r.memoryBytes)}: measured ${fmtMs(r.measuredMs)} ms (median of ${v.reps}; ${fmtMs(Math.min(...r.passesMs))}-${fmtMs(Math.max(...r.passesMs))}), predicted ${fmtMs(r.predictedMs)} ms -> target ${r.met ? 'met' : 'NOT met'}`,
            );
          }
          process.stdout.write(`${lines.join('\n')}\n`);
          return;
        }
        const { formatBytes } = await import('../../units.js');
        const targetMs = durationOption(flags.target, '--target');
        const { minMemory } = await import('../../api.js');
        const doc = await minMemory(networkArg, { ...networkOptions(flags), target: targetMs });
        await printMachineCheck(doc, flags.json);
        const { used, ...r } = doc;
        if (flags.json === true) {
          process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
          return;
        }
        const range = `${formatBytes(r.searchedBytes[0])} to ${formatBytes(r.searchedBytes[1])} (the machine's RAM)`;
        const out: string[] = [];
        if (r.memoryBytes === null) {
          out.push(`${r.network}: no memory from ${range} meets ${fmtMs(targetMs)} ms; the fastest predicted total is ${fmtMs(r.bestMs)} ms`);
        } else {
          out.push(
            `${r.network}: ${formatBytes(r.memoryBytes)} (${r.memoryBytes} bytes) is the least memory whose predicted total meets ${fmtMs(targetMs)} ms (predicted ${fmtMs(r.predictedMs ?? NaN)} ms)`,
          );
        }
        if (!r.hasInterval) out.push('no conservative answer: the model has no calibration');
        else if (r.conservativeMemoryBytes === null)
          out.push(
            `conservative: no memory up to the RAM keeps the ${Math.round((used.intervalCoverage ?? 0) * 100)}% interval's high end within ${fmtMs(targetMs)} ms`,
          );
        else
          out.push(
            `conservative: ${formatBytes(r.conservativeMemoryBytes)} (${r.conservativeMemoryBytes} bytes) keeps the ${Math.round((used.intervalCoverage ?? 0) * 100)}% interval's high end within the target (${fmtMs(r.conservativeHighMs ?? NaN)} ms)`,
          );
        process.stdout.write(`${out.join('\n')}\n`);
        if (r.raisedToFloor)
          process.stderr.write(
            `memlat: warning: the model alone would answer ${formatBytes(r.modelMemoryBytes ?? 0)}, but below ${formatBytes(r.floorBytes)} (the runtime's footprint + half the working set of the largest layer "${r.largestLayer.name}", ${formatBytes(r.largestLayer.workingSetBytes)}) runs thrash: they were OOM-killed or spread 2x from pass to pass (docs/MODELS.md), so min-memory answers no less\n`,
          );
        else if (r.belowLargestLayer)
          process.stderr.write(
            `memlat: note: ${formatBytes(r.memoryBytes ?? 0)} is on the cliff of ${r.network}'s largest layer "${r.largestLayer.name}" (${formatBytes(r.largestLayer.workingSetBytes)} working set): passes there spread more; check it with --verify\n`,
          );
      }),
    );
}
