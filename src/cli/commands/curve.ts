/**
 * `memlat curve <network> [--from 64MiB] [--to 8GiB] [--points 50] [--svg out.svg] [--json]
 * [--measure [--measure-at 256MiB,1GiB] [--reps 3]]`: predicted network total against available
 * memory, with the knee (where swapping starts) and the saturation point (docs/PREDICT.md).
 * `--measure` really runs the network (the library's curve with measureAt; onnxruntime is loaded only
 * then) at a few memory levels and overlays the measured medians.
 */
import type { Command } from 'commander';
import { positiveInt, sizeOption, withFlagNames } from '../options.js';
import { addModelOptions, fmtMs, MACHINE_HELP, networkOptions, printMachineCheck, table, type ModelFlags } from './predict.js';

interface CurveFlags extends ModelFlags {
  from: string;
  to: string;
  points: number;
  svg?: string;
  json?: boolean;
  measure?: boolean;
  measureAt?: string;
  reps: number;
}

/** Registers `memlat curve`. */
export function register(program: Command): void {
  const cmd = program
    .command('curve')
    .description('predicted total time against available memory, with the knee (swapping starts), saturation and the thrash floor marked')
    .argument('<network>', 'a zoo name (e.g. vgg16) or a path to a .json, .onnx or .prototxt file')
    .option('--from <size>', "smallest available memory (raised to just above the runtime's own footprint)", '64MiB')
    .option('--to <size>', 'largest available memory', '8GiB')
    .option('--points <n>', 'log-spaced points', positiveInt('--points'), 50);
  addModelOptions(cmd)
    .option('--svg <file>', 'also write the curve as an SVG chart')
    .option('--json', 'print JSON: { network, points: [{ memoryBytes, totalMs, lowMs, highMs }], kneeBytes, saturationBytes, thrashFloorBytes }')
    .option('--measure', 'also run the network for real (memlat run) at a few memory levels and overlay the measured medians')
    .option('--measure-at <sizes>', 'comma-separated memory levels for --measure (default: 0.75x and 1.25x the knee, and --to)')
    .option('--reps <n>', 'passes per measured level (--measure)', positiveInt('--reps'), 3)
    .addHelpText('after', MACHINE_HELP)
    .action(
      withFlagNames(async (networkArg: string, flags: CurveFlags) => {
        const { checkOutputFile, curve: curveOf } = await import('../../api.js');
        const { formatBytes } = await import('../../units.js');
        if (flags.svg !== undefined) checkOutputFile(flags.svg, '--svg', 'curve.svg');
        const fromBytes = sizeOption(flags.from, '--from');
        const toBytes = sizeOption(flags.to, '--to');
        const doc = await curveOf(networkArg, {
          ...networkOptions(flags),
          from: fromBytes,
          to: toBytes,
          points: flags.points,
          ...(flags.measure === true
            ? {
                measureAt: flags.measureAt ? flags.measureAt.split(',').map((x) => sizeOption(x.trim(), '--measure-at')) : ('default' as const),
                reps: flags.reps,
              }
            : {}),
          ...(flags.svg !== undefined ? { svg: flags.svg } : {}),
          onEvent: (m) => process.stderr.write(`memlat curve: ${m}\n`),
        });
        await printMachineCheck(doc, flags.json);
        if (flags.svg !== undefined) process.stderr.write(`memlat curve: wrote ${flags.svg}\n`);
        const { used, ...curve } = doc;
        const measured = curve.measured;
        if (flags.json === true) {
          process.stdout.write(`${JSON.stringify(curve, null, 2)}\n`);
          return;
        }
        const rows = curve.points.map((p) => {
          const mark = p.memoryBytes === curve.saturationBytes ? 'saturation' : p.memoryBytes < curve.thrashFloorBytes ? 'thrash' : '';
          return [formatBytes(p.memoryBytes), fmtMs(p.totalMs), p.lowMs === null || p.highMs === null ? '-' : `${fmtMs(p.lowMs)} - ${fmtMs(p.highMs)}`, mark];
        });
        const out = [table(['memory', 'total ms', 'interval ms', ''], rows, 1), ''];
        out.push(
          `knee ${formatBytes(curve.kneeBytes)}: below it at least one layer swaps (the largest working set plus the runtime's ${formatBytes(used.runtimeIdleBytes ?? 0)})`,
        );
        if (curve.points[0]!.memoryBytes < curve.thrashFloorBytes)
          out.push(
            `thrash floor ${formatBytes(curve.thrashFloorBytes)}: below it (the runtime's footprint + half the largest working set) runs were OOM-killed or spread 2x, and totals are extrapolated`,
          );
        out.push(`saturation ${formatBytes(curve.saturationBytes)}: more memory improves the predicted total by less than 1%`);
        if (curve.points[0]!.lowMs === null) out.push('no interval: the model has no calibration');
        for (const m of measured ?? [])
          out.push(`measured at ${formatBytes(m.memoryBytes)}: ${fmtMs(m.totalMs)} ms (median of ${flags.reps}; ${fmtMs(m.minMs)} - ${fmtMs(m.maxMs)})`);
        process.stdout.write(`${out.join('\n')}\n`);
      }),
    );
}
