/**
 * The high-level library API: one function per thing a user asks, taking the same inputs as the
 * CLI (a zoo name, a .json/.onnx/.prototxt path, or a Network object; sizes as "512MiB" or bytes)
 * and returning the same documents as the CLI's --json. Each is a thin composition of the modules
 * below it; the runtime (onnxruntime, cgroups) is imported only by `run` and `profile`, so
 * `predict`, `curve` and `minMemory` stay fast to load.
 *
 * @example
 *   import { predict, curve, minMemory } from 'memlat';
 *   const p = await predict('vgg16', { memory: '512MiB' });          // default bundled model
 *   console.log(p.totalMs, p.intervalMs, p.bottlenecks[0]?.name);
 *   const c = await curve('resnet50', { from: '128MiB', to: '4GiB', points: 40 });
 *   const m = await minMemory('mobilenetv2', { target: '200ms' });   // m.memoryBytes or null
 */
import type { HardwareFingerprint, MeasurementRow } from './dataset/schema.js';
import type { Network, ResolvedNetwork } from './network/types.js';
import { resolveNetwork } from './network/shapes.js';
import { describeNetwork, type DescribeJson } from './features/describe.js';
import { parseBytes, parseDurationMs, parseMemoryLimit } from './units.js';
import { loadNetwork, type LoadNetworkOptions } from './network/load.js';
import { predictionMachine, readChosenModel, type ModelChoice } from './predict/user-files.js';
import type { MachineCheck } from './predict/machine.js';
import type { LoadedBundle } from './predict/bundle.js';
import { predictNetwork, type NetworkPrediction } from './predict/predict.js';
import { latencyCurve, type LatencyCurve } from './predict/curve.js';
import { minMemory as minMemoryResolved, type MinMemoryResult } from './predict/min-memory.js';
import { makeBundle, type ModelBundle } from './predict/bundle.js';
import type { RunResult } from './executor/run-network.js';
import type { ProfileSessionHooks, ProfileSessionOptions } from './profile/session.js';
import type { ProfileRunSummary } from './profile/run.js';
import type { MinMemoryVerification } from './verify.js';

/** A network argument: zoo name, file path, or a network object. */
export type NetworkArg = string | Network;

/** Options shared by the functions that take a network. */
export interface NetworkOptions extends LoadNetworkOptions {
  /**
   * Bundled model name ("default") or path to a model/bundle JSON. Default: $MEMLAT_MODEL, else the
   * per-user model (`memlat model install`), else the bundled "default".
   */
  model?: string;
  /**
   * A fingerprint file (`memlat hardware --out`): with a bundle, predict for that machine and compare
   * the model's machine with it; with a bare model file, the machine it was fitted on.
   */
  hardware?: string;
}

/**
 * What predict, curve and minMemory add to their documents: which model was used and from where,
 * and how the machine predicted for differs from the model's (`machine.warnings`: what the CLI prints).
 */
export interface PredictionOrigin {
  /** The --model value, $MEMLAT_MODEL's, the per-user model's path, or "default". */
  model: string;
  modelSource: ModelChoice['source'];
  modelPath: string;
  machine: MachineCheck;
}

function chosen(opts: NetworkOptions): { bundle: LoadedBundle; choice: ModelChoice } {
  return readChosenModel(opts.model, opts.hardware !== undefined ? { hardwarePath: opts.hardware } : {});
}

function origin(choice: ModelChoice, bundle: LoadedBundle, opts: NetworkOptions, memoryBytes?: number | null): PredictionOrigin {
  const machine = predictionMachine(bundle, { ...(opts.hardware !== undefined ? { hardwarePath: opts.hardware } : {}), ...(memoryBytes !== undefined ? { memoryBytes } : {}) });
  return { model: choice.arg, modelSource: choice.source, modelPath: choice.path, machine };
}

async function resolveArg(network: NetworkArg, opts: LoadNetworkOptions = {}): Promise<ResolvedNetwork> {
  const net = typeof network === 'string' ? (await loadNetwork(network, opts)).network : network;
  return resolveNetwork(net, opts.batch !== undefined ? { batch: opts.batch } : {});
}

function memoryArg(m: string | number | null | undefined, field: string): number | null {
  if (m === null || m === undefined) return null;
  return typeof m === 'number' ? parseBytes(m, field) : parseMemoryLimit(m, field);
}

/** `memlat describe --json`: layers with shapes, params, MACs, weight bytes, working sets. */
export async function describe(network: NetworkArg, opts: LoadNetworkOptions = {}): Promise<DescribeJson> {
  return describeNetwork(await resolveArg(network, opts));
}

/**
 * `memlat predict --json`: per-layer and total time at available memory `memory` (null/"none" = no
 * limit), with the model used and the machine check (PredictionOrigin).
 */
export async function predict(network: NetworkArg, opts: NetworkOptions & { memory: string | number | null; top?: number }): Promise<NetworkPrediction & PredictionOrigin> {
  const rn = await resolveArg(network, opts);
  const { bundle, choice } = chosen(opts);
  const memoryBytes = memoryArg(opts.memory, 'memory');
  const p = predictNetwork(rn, memoryBytes, bundle, opts.top !== undefined ? { top: opts.top } : {});
  return { ...p, ...origin(choice, bundle, opts, memoryBytes) };
}

/** `memlat curve --json`: predicted total against available memory, knee and saturation marked. */
export async function curve(
  network: NetworkArg,
  opts: NetworkOptions & { from?: string | number; to?: string | number; points?: number } = {},
): Promise<LatencyCurve & PredictionOrigin> {
  const rn = await resolveArg(network, opts);
  const { bundle, choice } = chosen(opts);
  const fromBytes = parseBytes(opts.from ?? '64MiB', 'from');
  const toBytes = parseBytes(opts.to ?? '8GiB', 'to');
  return { ...latencyCurve(rn, bundle, { fromBytes, toBytes, points: opts.points ?? 50 }), ...origin(choice, bundle, opts) };
}

/** `memlat min-memory --json`: least memory whose predicted total meets `target` ("200ms" or ms). */
export async function minMemory(network: NetworkArg, opts: NetworkOptions & { target: string | number }): Promise<MinMemoryResult & PredictionOrigin> {
  const rn = await resolveArg(network, opts);
  const { bundle, choice } = chosen(opts);
  const r = minMemoryResolved(rn, bundle, parseDurationMs(opts.target, 'target'));
  return { ...r, ...origin(choice, bundle, opts, r.memoryBytes ?? undefined) };
}

/**
 * `memlat min-memory --verify`: the min-memory answer, then the network run for real at the answered
 * and the conservative memory (real cgroup limit and swap, `reps` passes each), each saying whether
 * its median met the target. Needs what `run` needs (root or a systemd scope; swap for tight limits).
 */
export async function verifyMinMemory(network: NetworkArg, opts: NetworkOptions & { target: string | number; reps?: number; threads?: number; onEvent?: (m: string) => void }): Promise<MinMemoryVerification> {
  const rn = await resolveArg(network, opts);
  const { bundle } = chosen(opts);
  const { verifyMinMemory: verify } = await import('./verify.js');
  return verify(rn, bundle, parseDurationMs(opts.target, 'target'), {
    ...(opts.reps !== undefined ? { reps: opts.reps } : {}),
    ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
  });
}

/**
 * `memlat fit`: fits a model of `kind` (default: the default kind) on a dataset file or rows, and
 * returns the bundle `predict` takes (model + the data's hardware fingerprint). `context`: whole-
 * network runs (validate-runs rows) of other networks for fe-swap's network-context correction.
 */
export async function fit(
  data: string | { rows: MeasurementRow[]; hardware: HardwareFingerprint[] },
  opts: {
    kind?: string;
    context?: string | { rows: MeasurementRow[]; hardware: HardwareFingerprint[] };
    /** Called when the default kind cannot be fitted on this data and another kind is (with why). */
    onNote?: (note: string) => void;
  } = {},
): Promise<ModelBundle> {
  const { readDataset, readDatasets } = await import('./dataset/files.js');
  const { fitModelOnObservations, parseModelKind, DEFAULT_MODEL_KIND, DEFAULT_FIT_OPTIONS } = await import('./models/index.js');
  const { aggregateRows } = await import('./models/observations.js');
  const { UserError } = await import('./errors.js');
  const ds = typeof data === 'string' ? await readDatasets(data) : data;
  if (ds.rows.length === 0) throw new UserError('fit: no measurement rows to fit on; check the data argument');
  const kind = parseModelKind(opts.kind ?? DEFAULT_MODEL_KIND, 'kind');
  const options: import('./models/index.js').FitOptions = opts.kind === undefined ? { ...DEFAULT_FIT_OPTIONS } : {};
  const hw = new Map(ds.hardware.map((h) => [h.id, h]));
  if (opts.context !== undefined) {
    if (kind !== 'fe-swap') throw new UserError(`fit: context runs are used by kind fe-swap only, not "${kind}"; drop context or use kind "fe-swap"`);
    const c = typeof opts.context === 'string' ? await readDataset(opts.context) : opts.context;
    for (const h of c.hardware) if (!hw.has(h.id)) hw.set(h.id, h);
    options.feSwap = { ...options.feSwap, context: { rows: c.rows, hardware: hw } };
  }
  const obs = aggregateRows(ds.rows, hw);
  let model;
  if (opts.kind === undefined) {
    const { fitDefaultModel } = await import('./models/index.js');
    const d = fitDefaultModel(obs, options);
    if (d.note) opts.onNote?.(d.note);
    model = d.model;
  } else model = fitModelOnObservations(kind, obs, options);
  const used = [...new Set(ds.rows.map((r) => r.hardwareId))];
  const machine = hw.get(used[0] ?? '') ?? ds.hardware[0];
  if (!machine) throw new Error('fit: the dataset has no hardware fingerprint');
  return makeBundle(model, machine, {
    provenance: { data: typeof data === 'string' ? data : '(rows)', command: `fit(${kind}${opts.context !== undefined ? ', context' : ''})`, fittedAt: new Date().toISOString(), rows: ds.rows.length },
  });
}

/** `memlat run --json`: really executes the network under a memory limit (needs cgroups + swap). */
export async function run(network: NetworkArg, opts: LoadNetworkOptions & { memory: string | number | null; reps?: number; threads?: number }): Promise<RunResult> {
  const rn = await resolveArg(network, opts);
  const { runNetwork } = await import('./executor/run-network.js');
  const { prepareRun } = await import('./executor/run-prepare.js');
  const memoryLimitBytes = memoryArg(opts.memory, 'memory');
  await prepareRun(rn, { memoryLimitBytes });
  return runNetwork(rn, { memoryLimitBytes, reps: opts.reps ?? 5, ...(opts.threads ? { threads: opts.threads } : {}) });
}

/** `memlat profile`: measures sampled layers into a dataset file (resumable). Null for a dry run. */
export async function profile(opts: ProfileSessionOptions, hooks: ProfileSessionHooks = {}): Promise<ProfileRunSummary | null> {
  const { profileSession } = await import('./profile/session.js');
  return profileSession(opts, hooks);
}

/** Options of importCsv (`memlat import csv`). */
export interface ImportCsvOptions {
  /** The column map, e.g. "network=net,layer=layer_name,memory=mem_mb:MiB,load=load_ms,run=exec_ms,unload=unload_ms" (src/dataset/csv-import.ts). */
  map: string;
  /** The networks' descriptions: "alexnet" (one network) or "net1=alexnet,net2=path.onnx" (the CSV's names). */
  networks: string;
  /** The measuring machine's fingerprint (a `memlat hardware --out` file or the object); else cores and ram. */
  hardware?: string | HardwareFingerprint;
  cores?: number;
  ram?: string | number;
  /** The rows' `source` (default "csv-import"). */
  source?: string;
  /** Batch and sequence length the networks ran with (as for describe). */
  batch?: number;
  seqLen?: number;
  /** Write the dataset here (.csv or .csv.gz; fingerprint beside it), replacing it. */
  out?: string;
}

/**
 * `memlat import csv`: a CSV of per-layer timings from any engine -> dataset rows memlat fits, each
 * joined by layer name to the network description it ran (for its features), with the measuring
 * machine's fingerprint. Every value is checked, with its line (src/dataset/csv-import.ts).
 * @example await importCsv('timings.csv', { map: 'layer=name,load=load_s:s,run=run_ms', networks: 'alexnet', cores: 4, ram: '8GiB', out: 'data.csv' })
 */
export async function importCsv(file: string, opts: ImportCsvOptions): Promise<{ rows: MeasurementRow[]; hardware: HardwareFingerprint[] }> {
  const { readFile } = await import('node:fs/promises');
  const { UserError } = await import('./errors.js');
  const ci = await import('./dataset/csv-import.js');
  const map = ci.parseCsvMap(opts.map);
  const specs = ci.parseNetworksOption(opts.networks);
  let hw: HardwareFingerprint;
  if (typeof opts.hardware === 'object') hw = ci.checkHardware(opts.hardware, '(object)');
  else if (typeof opts.hardware === 'string') {
    let v: unknown;
    try {
      v = JSON.parse(await readFile(opts.hardware, 'utf8')) as unknown;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UserError(`--hardware ${opts.hardware}: ${code === 'ENOENT' ? 'no such file' : code ? `cannot be read (${code})` : `not valid JSON (${(e as Error).message})`}; write it with 'memlat hardware --out ${opts.hardware}' on the machine that measured the CSV, or give --cores and --ram instead`);
    }
    hw = ci.checkHardware(v, opts.hardware);
  } else if (opts.cores !== undefined && opts.ram !== undefined) {
    hw = ci.statedHardware(opts.cores, parseBytes(opts.ram, '--ram'), file);
  } else {
    throw new UserError(`import csv ${file}: say which machine measured it: --hardware hw.json (from 'memlat hardware --out hw.json' there), or --cores N --ram SIZE (e.g. --cores 4 --ram 8GiB)`);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`${file}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? (e as Error).message})`}; give the CSV of per-layer timings to import`);
  }
  const networks = new Map<string, ResolvedNetwork>();
  const sources = new Map<string, string>();
  for (const s of specs) {
    let rn: ResolvedNetwork;
    try {
      rn = await resolveArg(s.source, { ...(opts.batch !== undefined ? { batch: opts.batch } : {}), ...(opts.seqLen !== undefined ? { seqLen: opts.seqLen } : {}) });
    } catch (e) {
      if (e instanceof UserError) throw new UserError(`--networks ${s.name === undefined ? '' : `${s.name}=`}${s.source}: ${e.message}`);
      throw e;
    }
    const name = s.name ?? rn.name;
    networks.set(name, rn);
    sources.set(name, s.source);
  }
  const rows = ci.importCsvRows(text, { map, networks, networkSources: sources, hardwareId: hw.id, where: file, ...(opts.source !== undefined ? { source: opts.source } : {}) });
  if (opts.out !== undefined) {
    const { writeDataset } = await import('./dataset/files.js');
    await writeDataset(opts.out, rows, { hardware: [hw] });
  }
  return { rows, hardware: [hw] };
}
