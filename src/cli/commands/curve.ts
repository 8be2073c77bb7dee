/**
 * `memlat curve <network> [--from 64MiB] [--to 8GiB] [--points 50] [--svg out.svg] [--json]
 * [--measure [--measure-at 256MiB,1GiB] [--reps 3]]`: predicted network total against available
 * memory, with the knee (where swapping starts) and the saturation point (docs/PREDICT.md).
 * `--measure` really runs the network (executor/run-network.ts, imported only then) at a few memory
 * levels and overlays the measured medians.
 */
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { addModelOptions, fmtMs, loadNetworkAndBundle, MACHINE_HELP, machineCheck, modelOriginJson, positiveInt, table, type ModelFlags } from './predict.js';

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
    .description('predicted total time against available memory, with the knee (swapping starts) and saturation marked')
    .argument('<network>', 'a zoo name (e.g. vgg16) or a path to a .json, .onnx or .prototxt file')
    .option('--from <size>', 'smallest available memory (raised to just above the runtime\'s own footprint)', '64MiB')
    .option('--to <size>', 'largest available memory', '8GiB')
    .option('--points <n>', 'log-spaced points', positiveInt('--points'), 50);
  addModelOptions(cmd)
    .option('--svg <file>', 'also write the curve as an SVG chart')
    .option('--json', 'print JSON: { network, points: [{ memoryBytes, totalMs, lowMs, highMs }], kneeBytes, saturationBytes }')
    .option('--measure', 'also run the network for real (memlat run) at a few memory levels and overlay the measured medians')
    .option('--measure-at <sizes>', 'comma-separated memory levels for --measure (default: 0.75x and 1.25x the knee, and --to)')
    .option('--reps <n>', 'passes per measured level (--measure)', positiveInt('--reps'), 3)
    .addHelpText('after', MACHINE_HELP)
    .action(async (networkArg: string, flags: CurveFlags) => {
      const { parseBytes, formatBytes, checkOutputFile } = await import('../../units.js');
      if (flags.svg !== undefined) checkOutputFile(flags.svg, '--svg', 'curve.svg');
      const fromBytes = parseBytes(flags.from, '--from');
      const toBytes = parseBytes(flags.to, '--to');
      const { rn, bundle, choice } = await loadNetworkAndBundle(networkArg, flags);
      const { latencyCurve } = await import('../../predict/curve.js');
      const curve = latencyCurve(rn, bundle, { fromBytes, toBytes, points: flags.points });
      {
        const { runWarning } = await import('../../predict/feasibility.js');
        const warning = runWarning(rn, curve.toBytes); // even the roomiest point of the curve
        if (warning !== null) process.stderr.write(`memlat: warning: ${warning}\n`);
      }
      const machine = await machineCheck(bundle, flags);
      let measured: { memoryBytes: number; totalMs: number; minMs: number; maxMs: number }[] | undefined;
      if (flags.measure === true) {
        const levels = flags.measureAt
          ? flags.measureAt.split(',').map((s) => parseBytes(s.trim(), '--measure-at'))
          : [...new Set([Math.round(curve.kneeBytes * 0.75), Math.round(curve.kneeBytes * 1.25), curve.toBytes])].filter((m) => m >= curve.fromBytes && m <= curve.toBytes);
        if (levels.length === 0) throw new UserError(`--measure: no default level lies in ${formatBytes(curve.fromBytes)}..${formatBytes(curve.toBytes)}; give --measure-at 512MiB,1GiB`);
        const { runNetwork } = await import('../../executor/run-network.js');
        measured = [];
        for (const m of levels) {
          process.stderr.write(`memlat curve: measuring ${rn.name} at ${formatBytes(m)} (${flags.reps} passes)\n`);
          const r = await runNetwork(rn, { memoryLimitBytes: m, reps: flags.reps });
          measured.push({ memoryBytes: m, totalMs: r.totalMs, minMs: Math.min(...r.totalsMs), maxMs: Math.max(...r.totalsMs) });
        }
      }
      if (flags.svg !== undefined) {
        const { curveSvg } = await import('../../report/charts.js');
        const { writeFileAtomic } = await import('../../dataset/files.js');
        await writeFileAtomic(flags.svg, curveSvg(curve, measured));
        process.stderr.write(`memlat curve: wrote ${flags.svg}\n`);
      }
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify({ ...curve, model: choice.arg, ...(measured ? { measured } : {}), ...modelOriginJson(choice, machine) }, null, 2)}\n`);
        return;
      }
      const rows = curve.points.map((p) => {
        const mark = p.memoryBytes === curve.saturationBytes ? 'saturation' : '';
        return [formatBytes(p.memoryBytes), fmtMs(p.totalMs), p.lowMs === null || p.highMs === null ? '-' : `${fmtMs(p.lowMs)} - ${fmtMs(p.highMs)}`, mark];
      });
      const out = [table(['memory', 'total ms', 'interval ms', ''], rows, 1), ''];
      out.push(`knee ${formatBytes(curve.kneeBytes)}: below it at least one layer swaps (the largest working set plus the runtime's ${formatBytes(bundle.hardware.runtimeIdleBytes ?? 0)})`);
      out.push(`saturation ${formatBytes(curve.saturationBytes)}: more memory improves the predicted total by less than 1%`);
      if (curve.points[0]!.lowMs === null) out.push('no interval: the model has no calibration');
      for (const m of measured ?? []) out.push(`measured at ${formatBytes(m.memoryBytes)}: ${fmtMs(m.totalMs)} ms (median of ${flags.reps}; ${fmtMs(m.minMs)} - ${fmtMs(m.maxMs)})`);
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
