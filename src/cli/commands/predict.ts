/**
 * `memlat predict <network> --memory 512MiB|none [--model <name|file>] [--hardware <file>] [--batch N]
 * [--seq-len N] [--top 5] [--json]`: predicted per-layer load/run/unload, whether each layer swaps, the
 * network total with its interval, and the bottleneck layers (docs/PREDICT.md).
 *
 * Thin: parsing and printing only; the work is src/predict/predict.ts. Never loads onnxruntime: the
 * modules it imports lazily are the pure predictor, the network loader and the bundle reader.
 * Also exports the helpers `curve`, `min-memory` and `report` share (loading network + bundle).
 */
import type { Command } from 'commander';
import type { ResolvedNetwork } from '../../network/types.js';
import type { LoadedBundle } from '../../predict/bundle.js';
import type { MachineCheck } from '../../predict/machine.js';
import type { NetworkPrediction } from '../../predict/predict.js';
import type { ModelChoice } from '../../predict/user-files.js';
import { UserError } from '../../errors.js';

/** Flags every prediction command takes. */
export interface ModelFlags {
  /** Absent: $MEMLAT_MODEL, the per-user model, the bundled default (chooseModel). */
  model?: string;
  hardware?: string;
  batch?: number;
  seqLen?: number;
}

/** Parses a positive integer flag value, naming the flag in the error. */
export function positiveInt(flag: string): (text: string) => number {
  return (text: string) => {
    const v = Number(text);
    if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(v) || v < 1) throw new UserError(`${flag} ${JSON.stringify(text)}: must be a positive integer, e.g. ${flag} 5`);
    return v;
  };
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
    .option('--model <name|file>', 'a bundled model name (data/models/<name>.json) or a model file from \'memlat fit\' (default: $MEMLAT_MODEL, else the model \'memlat model install\' put in ~/.config/memlat/model.json, else the bundled "default")')
    .option('--hardware <file>', 'a fingerprint (memlat hardware --out hw.json): with a bundle, predict for that machine (planning) and compare the model\'s machine with it, not with this one; with a bare model file, the machine it was fitted on')
    .option('--batch <n>', 'batch size (dimension 0 of every input)', positiveInt('--batch'))
    .option('--seq-len <n>', 'sequence length of transformer networks', positiveInt('--seq-len'));
}

/** Loads and resolves `<network>` and reads the model bundle (chooseModel; lazily imported modules). */
export async function loadNetworkAndBundle(networkArg: string, flags: ModelFlags): Promise<{ rn: ResolvedNetwork; bundle: LoadedBundle; choice: ModelChoice }> {
  const { readChosenModel } = await import('../../predict/user-files.js');
  const { resolveNetwork } = await import('../../network/shapes.js');
  const { bundle, choice } = readChosenModel(flags.model, flags.hardware === undefined ? {} : { hardwarePath: flags.hardware });
  const opts: { batch?: number; seqLen?: number } = {};
  if (flags.batch !== undefined) opts.batch = flags.batch;
  if (flags.seqLen !== undefined) opts.seqLen = flags.seqLen;
  // Start-up: a zoo name that is not also a file is built directly, skipping the file importers
  // (ONNX/protobuf, Caffe, zod) that loadNetwork pulls in (~70 ms); the result is the same network.
  const { existsSync } = await import('node:fs');
  const zoo = await import('../../network/zoo/index.js');
  let network;
  if (!existsSync(networkArg) && !/[/\\]/.test(networkArg) && zoo.isZooName(networkArg)) {
    // --seq-len is checked against the network (refused where there is no sequence): the loader does that.
    network = opts.seqLen === undefined ? zoo.zooNetwork(networkArg, opts) : (await import('../../network/load.js')).zooWithOptions(networkArg, opts);
  } else {
    const { loadNetwork } = await import('../../network/load.js');
    const loaded = await loadNetwork(networkArg, opts);
    for (const w of loaded.warnings) process.stderr.write(`memlat: warning: ${w}\n`);
    network = loaded.network;
  }
  try {
    return { rn: resolveNetwork(network), bundle, choice };
  } catch (e) {
    if (e instanceof UserError && !e.problems.every((p) => p.startsWith(networkArg))) throw new UserError(e.problems.map((p) => `${networkArg}: ${p}`));
    throw e;
  }
}

/**
 * The machine check of a prediction (the model's machine against this one, or against --hardware's
 * when planning) and, for text output, its lines on stderr. `memoryBytes`: the M asked (null = no
 * limit), undefined when there is no single M.
 */
export async function machineCheck(bundle: LoadedBundle, flags: ModelFlags & { json?: boolean }, memoryBytes?: number | null): Promise<MachineCheck> {
  const { predictionMachine } = await import('../../predict/user-files.js');
  const { machineStderr } = await import('../../predict/machine.js');
  const check = predictionMachine(bundle, { ...(flags.hardware !== undefined ? { hardwarePath: flags.hardware } : {}), ...(memoryBytes !== undefined ? { memoryBytes } : {}) });
  if (flags.json !== true) process.stderr.write(machineStderr(check));
  return check;
}

/** The JSON keys every prediction command adds after its documented ones: which model, from where, and the machine check. */
export function modelOriginJson(choice: ModelChoice, machine: MachineCheck): { modelSource: ModelChoice['source']; modelPath: string; machine: MachineCheck } {
  return { modelSource: choice.source, modelPath: choice.path, machine };
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
export function predictJson(p: NetworkPrediction, model: string, bundle: LoadedBundle, extra: object = {}): unknown {
  return {
    network: p.network,
    memoryBytes: p.memoryBytes,
    model,
    totalMs: p.totalMs,
    intervalMs: p.intervalMs,
    layers: p.layers.map((l) => ({ name: l.name, type: l.type, loadMs: l.loadMs, runMs: l.runMs, unloadMs: l.unloadMs, totalMs: l.totalMs, swaps: l.swaps, swapBytes: l.swapBytes })),
    effectiveMemoryBytes: p.effectiveMemoryBytes,
    intervalCoverage: p.intervalCoverage,
    bottlenecks: p.bottlenecks,
    notModelled: p.notModelled,
    modelKind: bundle.model.kind,
    hardwareId: bundle.hardware.id,
    ...extra,
  };
}

/** The human-readable table, totals and bottlenecks. */
export function predictText(p: NetworkPrediction, bundle: LoadedBundle, formatBytes: (b: number) => string, source?: ModelChoice['source']): string {
  const rows = p.layers.map((l, i) => [String(i), l.name, l.type, fmtMs(l.loadMs), fmtMs(l.runMs), fmtMs(l.unloadMs), fmtMs(l.totalMs), l.swaps ? `yes (${formatBytes(l.swapBytes)})` : 'no']);
  const out = [table(['#', 'layer', 'type', 'load ms', 'run ms', 'unload ms', 'total ms', 'swaps'], rows, 3), ''];
  const mem = p.memoryBytes === null ? `no limit (RAM ${formatBytes(p.effectiveMemoryBytes)})` : formatBytes(p.memoryBytes);
  const swapping = p.layers.filter((l) => l.swaps).length;
  out.push(`${p.network} at memory ${mem}: predicted total ${fmtMs(p.totalMs)} ms; ${swapping} of ${p.layers.length} layers swap`);
  out.push(p.intervalMs ? `${Math.round((p.intervalCoverage ?? 0) * 100)}% interval: ${fmtMs(p.intervalMs[0])} - ${fmtMs(p.intervalMs[1])} ms` : 'no interval: the model has no calibration');
  if (p.notModelled.length) out.push(`not modelled (predicted as 0): ${p.notModelled.join(', ')} time; the model's training data had none`);
  const from = source === 'env' ? ', from $MEMLAT_MODEL' : source === 'user' ? ', the per-user model' : '';
  out.push(`model ${bundle.label} (${bundle.model.kind}${from}) for hardware ${bundle.hardware.id}`);
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
    .action(async (networkArg: string, flags: PredictFlags) => {
      const { parseMemoryLimit, formatBytes } = await import('../../units.js');
      const memoryBytes = parseMemoryLimit(flags.memory, '--memory');
      const { rn, bundle, choice } = await loadNetworkAndBundle(networkArg, flags);
      const { predictNetwork } = await import('../../predict/predict.js');
      const p = predictNetwork(rn, memoryBytes, bundle, { top: flags.top });
      const { runWarning } = await import('../../predict/feasibility.js');
      const warning = runWarning(rn, memoryBytes);
      if (warning !== null) process.stderr.write(`memlat: warning: ${warning}\n`);
      const machine = await machineCheck(bundle, flags, memoryBytes);
      process.stdout.write(flags.json === true ? `${JSON.stringify(predictJson(p, choice.arg, bundle, modelOriginJson(choice, machine)), null, 2)}\n` : predictText(p, bundle, formatBytes, choice.source));
    });
}
