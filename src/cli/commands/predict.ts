/**
 * `memlat predict <network> --memory 512MiB|none [--model <name|file>] [--hardware <file>] [--batch N]
 * [--seq-len N] [--top 5] [--json]`: predicted per-layer load/run/unload, whether each layer swaps, the
 * network total with its interval, and the bottleneck layers (docs/PREDICT.md).
 *
 * Thin: parsing and printing only; the work is the library's predict (src/api.ts). Never loads
 * onnxruntime. Also exports the helpers `curve`, `min-memory` and `report` share (flags, printing).
 */
import type { Command } from 'commander';
import type { NetworkOptions, NetworkPrediction, PredictionOrigin, UsedModel } from '../../api.js';
import { positiveInt, withFlagNames } from '../options.js';

/** Flags every prediction command takes. */
export interface ModelFlags {
  /** Absent: $MEMLAT_MODEL, the per-user model, the bundled default (chooseModel). */
  model?: string;
  hardware?: string;
  batch?: number;
  seqLen?: number;
}

/** The library options of the model flags, with load warnings printed on stderr. */
export function networkOptions(flags: ModelFlags): NetworkOptions {
  return {
    ...(flags.model !== undefined ? { model: flags.model } : {}),
    ...(flags.hardware !== undefined ? { hardware: flags.hardware } : {}),
    ...(flags.batch !== undefined ? { batch: flags.batch } : {}),
    ...(flags.seqLen !== undefined ? { seqLen: flags.seqLen } : {}),
    onWarning: (w) => process.stderr.write(`memlat: warning: ${w}\n`),
  };
}

/** For text output: the machine check's lines on stderr (--json has them as "machine"). */
export async function printMachineCheck(doc: PredictionOrigin, json: boolean | undefined): Promise<void> {
  if (json === true) return;
  const { machineStderr } = await import('../../api.js');
  process.stderr.write(machineStderr(doc.machine));
}

/** The --help text predict, curve and min-memory end with: the machine check and the model location. */
export const MACHINE_HELP = `
Machine check: the model describes the machine it was fitted on. When this machine differs (CPU,
cores, RAM; disk and memory bandwidth once 'memlat hardware' has measured and cached them), the
parts, their ratios and the likely effect are printed on stderr, and are in --json as "machine".
With --hardware and a bundle, the model's machine is compared with that file instead.
Model used without --model: $MEMLAT_MODEL, else the per-user model ('memlat model install'), else
the bundled default; --json says which ("modelSource", "modelPath"). See docs/PREDICT.md.`;

/** Adds --model, --hardware, --batch and --seq-len to a command. */
export function addModelOptions(cmd: Command): Command {
  return cmd
    .option(
      '--model <name|file>',
      "a bundled model name (data/models/<name>.json) or a model file from 'memlat fit' (default: $MEMLAT_MODEL, else the model 'memlat model install' put in ~/.config/memlat/model.json, else the bundled \"default\")",
    )
    .option(
      '--hardware <file>',
      "a fingerprint (memlat hardware --out hw.json): with a bundle, predict for that machine (planning) and compare the model's machine with it, not with this one; with a bare model file, the machine it was fitted on",
    )
    .option('--batch <n>', 'batch size (dimension 0 of every input)', positiveInt('--batch'))
    .option('--seq-len <n>', 'sequence length of transformer networks', positiveInt('--seq-len'));
}

/** Milliseconds for tables: 1 decimal below 100, none above. */
export function fmtMs(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toPrecision(2);
}

/** Pads cells into aligned columns (the first `left` columns left-aligned). */
export function table(head: string[], rows: string[][], left = 2): string {
  // a loop, not Math.max(...rows): a network of 10^6 layers would exceed the argument limit
  const width = head.map((h) => h.length);
  for (const r of rows) r.forEach((cell, c) => (width[c] = Math.max(width[c] ?? 0, cell.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i < left ? c.padEnd(width[i] ?? 0) : c.padStart(width[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

/** The stable `memlat predict --json` document (docs/PREDICT.md): the documented keys first. */
export function predictJson(p: NetworkPrediction & PredictionOrigin): unknown {
  return {
    network: p.network,
    memoryBytes: p.memoryBytes,
    model: p.model,
    totalMs: p.totalMs,
    intervalMs: p.intervalMs,
    layers: p.layers.map((l) => ({
      name: l.name,
      type: l.type,
      loadMs: l.loadMs,
      runMs: l.runMs,
      unloadMs: l.unloadMs,
      totalMs: l.totalMs,
      swaps: l.swaps,
      swapBytes: l.swapBytes,
    })),
    effectiveMemoryBytes: p.effectiveMemoryBytes,
    intervalCoverage: p.intervalCoverage,
    bottlenecks: p.bottlenecks,
    notModelled: p.notModelled,
    thrashFloorBytes: p.thrashFloorBytes,
    modelKind: p.used.kind,
    hardwareId: p.used.hardwareId,
    modelSource: p.modelSource,
    modelPath: p.modelPath,
    machine: p.machine,
  };
}

/** The human-readable table, totals and bottlenecks. */
export function predictText(p: NetworkPrediction, used: UsedModel, formatBytes: (b: number) => string, source?: PredictionOrigin['modelSource']): string {
  const rows = p.layers.map((l, i) => [
    String(i),
    l.name,
    l.type,
    fmtMs(l.loadMs),
    fmtMs(l.runMs),
    fmtMs(l.unloadMs),
    fmtMs(l.totalMs),
    l.swaps ? `yes (${formatBytes(l.swapBytes)})` : 'no',
  ]);
  const out = [table(['#', 'layer', 'type', 'load ms', 'run ms', 'unload ms', 'total ms', 'swaps'], rows, 3), ''];
  const mem = p.memoryBytes === null ? `no limit (RAM ${formatBytes(p.effectiveMemoryBytes)})` : formatBytes(p.memoryBytes);
  const swapping = p.layers.filter((l) => l.swaps).length;
  out.push(`${p.network} at memory ${mem}: predicted total ${fmtMs(p.totalMs)} ms; ${swapping} of ${p.layers.length} layers swap`);
  out.push(
    p.intervalMs
      ? `${Math.round((p.intervalCoverage ?? 0) * 100)}% interval: ${fmtMs(p.intervalMs[0])} - ${fmtMs(p.intervalMs[1])} ms`
      : 'no interval: the model has no calibration',
  );
  if (p.memoryBytes !== null && p.effectiveMemoryBytes < p.thrashFloorBytes)
    out.push(
      `below ${formatBytes(p.thrashFloorBytes)} (the runtime's footprint + half the largest layer's working set) runs thrash: they were OOM-killed or spread 2x from pass to pass, and this total is extrapolated (docs/MODELS.md)`,
    );
  if (p.notModelled.length) out.push(`not modelled (predicted as 0): ${p.notModelled.join(', ')} time; the model's training data had none`);
  const from = source === 'env' ? ', from $MEMLAT_MODEL' : source === 'user' ? ', the per-user model' : '';
  out.push(`model ${used.label} (${used.kind}${from}) for hardware ${used.hardwareId}`);
  if (p.bottlenecks.length) {
    out.push('', 'bottlenecks:');
    for (const b of p.bottlenecks) out.push(`  ${b.name} (${b.type}): ${fmtMs(b.totalMs)} ms, ${(b.share * 100).toFixed(1)}% of total`);
  }
  return `${out.join('\n')}\n`;
}

interface PredictFlags extends ModelFlags {
  memory: string;
  top: number;
  json?: boolean;
}

/** Registers `memlat predict`. */
export function register(program: Command): void {
  const cmd = program
    .command('predict')
    .description('predict per-layer load/run/unload time and the network total at an available memory M')
    .argument('<network>', 'a zoo name (e.g. vgg16) or a path to a .json, .onnx or .prototxt file')
    .requiredOption('--memory <size>', 'available memory M, e.g. 512MiB, 2GiB, or "none" (no limit = the machine\'s RAM)');
  addModelOptions(cmd)
    .option('--top <n>', 'how many bottleneck layers to list', positiveInt('--top'), 5)
    .option('--json', 'print JSON: { network, memoryBytes, model, totalMs, intervalMs, layers } (docs/PREDICT.md)')
    .addHelpText('after', MACHINE_HELP)
    .action(
      withFlagNames(async (networkArg: string, flags: PredictFlags) => {
        const { memoryOption } = await import('../options.js');
        const memoryBytes = memoryOption(flags.memory, '--memory');
        const { predict } = await import('../../api.js');
        const { formatBytes } = await import('../../units.js');
        const p = await predict(networkArg, { ...networkOptions(flags), memory: memoryBytes, top: flags.top });
        await printMachineCheck(p, flags.json);
        process.stdout.write(flags.json === true ? `${JSON.stringify(predictJson(p), null, 2)}\n` : predictText(p, p.used, formatBytes, p.modelSource));
      }),
    );
}
