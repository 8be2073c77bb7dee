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
import { describeNetwork, describeTable, type DescribeJson } from './features/describe.js';
import { argumentError, UserError } from './errors.js';
import { parseBytes, parseDurationMs, parseMemoryLimit, formatBytes } from './units.js';
import type { LoadNetworkOptions } from './network/load.js';
import { isZooName, zooNetwork } from './network/zoo/index.js';
import { predictionMachine, readChosenModel, type ModelChoice } from './predict/user-files.js';
import type { MachineCheck } from './predict/machine.js';
import type { LoadedBundle } from './predict/bundle.js';
import { predictNetwork, prepareNetwork, type NetworkPrediction } from './predict/predict.js';
import { latencyCurve, type LatencyCurve } from './predict/curve.js';
import { minMemory as minMemoryResolved, type MinMemoryResult } from './predict/min-memory.js';
import { runWarning } from './predict/feasibility.js';
import { makeBundle, type ModelBundle, type NetworkCalibration } from './predict/bundle.js';
import { machineMemory } from './host/swap.js';
import type { RunResult } from './executor/run-network.js';
import type { ProfileSessionHooks, ProfileSessionOptions } from './profile/session.js';
import type { ProfileRunSummary } from './profile/run.js';
import type { MinMemoryVerification } from './verify.js';
import type { FitOptions, ModelKind } from './models/index.js';
import type { ModelJSON } from './models/types.js';
import type { BaseRows } from './models/fe-swap/model.js';

export { machineStderr } from './predict/machine.js';
export { describeJsonText } from './features/describe.js';
export { checkOutputFile, checkOutputDir } from './host/paths.js';
export type { DescribeJson, NetworkPrediction, LatencyCurve, MinMemoryResult, MachineCheck, ModelChoice, FitOptions, ModelKind, RunResult };
export type { SampleKind } from './profile/design-space.js';

/** A network argument: zoo name, file path, or a network object. */
export type NetworkArg = string | Network;

/** How a network argument is loaded: LoadNetworkOptions plus where its warnings go. */
export interface LoadOptions extends LoadNetworkOptions {
  /**
   * Called with each warning: the loader's (e.g. an unsupported ONNX op kept opaque) and, for
   * predict, curve and min-memory, that `memlat run` could not run the network here at that memory.
   */
  onWarning?: (warning: string) => void;
}

/** Options shared by the functions that take a network. */
export interface NetworkOptions extends LoadOptions {
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

/** The model a prediction used, beyond its name (for text output; not part of the --json documents but predict's). */
export interface UsedModel {
  /** `<kind>` plus the file it came from. */
  label: string;
  kind: string;
  hardwareId: string;
  /** The model machine's RAM and the runtime's idle footprint there, bytes. */
  ramBytes: number;
  runtimeIdleBytes: number | null;
  /** The coverage of the calibrated interval (e.g. 0.9), null without calibration. */
  intervalCoverage: number | null;
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
  used: UsedModel;
}

function chosen(opts: NetworkOptions): { bundle: LoadedBundle; choice: ModelChoice } {
  return readChosenModel(opts.model, opts.hardware !== undefined ? { hardwarePath: opts.hardware } : {});
}

function origin(choice: ModelChoice, bundle: LoadedBundle, opts: NetworkOptions, memoryBytes?: number | null): PredictionOrigin {
  const machine = predictionMachine(bundle, {
    ...(opts.hardware !== undefined ? { hardwarePath: opts.hardware } : {}),
    ...(memoryBytes !== undefined ? { memoryBytes } : {}),
  });
  const used: UsedModel = {
    label: bundle.label,
    kind: bundle.model.kind,
    hardwareId: bundle.hardware.id,
    ramBytes: bundle.hardware.ramBytes,
    runtimeIdleBytes: bundle.hardware.runtimeIdleBytes ?? null,
    intervalCoverage: bundle.calibration?.coverage ?? null,
  };
  return { model: choice.arg, modelSource: choice.source, modelPath: choice.path, machine, used };
}

function loadOpts(opts: LoadOptions): LoadNetworkOptions {
  const o: LoadNetworkOptions = {};
  if (opts.batch !== undefined) o.batch = opts.batch;
  if (opts.seqLen !== undefined) o.seqLen = opts.seqLen;
  if (opts.allowUnknownOps === true) o.allowUnknownOps = true;
  if (opts.dims && Object.keys(opts.dims).length > 0) o.dims = opts.dims;
  return o;
}

/**
 * Loads and resolves a network argument. A zoo name that is not also a file is built directly,
 * skipping the file importers (ONNX/protobuf, Caffe, zod; ~70 ms of start-up); errors of resolving a
 * loaded file are prefixed with its name. Warnings go to opts.onWarning.
 */
async function resolveArg(network: NetworkArg, opts: LoadOptions = {}): Promise<ResolvedNetwork> {
  if (typeof network !== 'string') return resolveNetwork(network, opts.batch !== undefined ? { batch: opts.batch } : {});
  const lo = loadOpts(opts);
  const { existsSync } = await import('node:fs');
  let net: Network;
  if (lo.seqLen === undefined && lo.dims === undefined && !existsSync(network) && !/[/\\]/.test(network) && isZooName(network)) {
    net = zooNetwork(network, lo.batch !== undefined ? { batch: lo.batch } : {});
  } else {
    const { loadNetwork } = await import('./network/load.js');
    const loaded = await loadNetwork(network, lo);
    for (const w of loaded.warnings) opts.onWarning?.(w);
    net = loaded.network;
  }
  try {
    return resolveNetwork(net);
  } catch (e) {
    if (e instanceof UserError && !e.problems.every((p) => p.startsWith(network))) throw new UserError(e.problems.map((p) => `${network}: ${p}`));
    throw e;
  }
}

function memoryArg(m: string | number | null | undefined, field: string): number | null {
  if (m === null || m === undefined) return null;
  return typeof m === 'number' ? parseBytes(m, field) : parseMemoryLimit(m, field);
}

function warnRun(rn: ResolvedNetwork, memoryBytes: number | null, opts: LoadOptions): void {
  if (!opts.onWarning) return;
  const w = runWarning(rn, memoryBytes, machineMemory());
  if (w !== null) opts.onWarning(w);
}

/** `memlat describe --json`: layers with shapes, params, MACs, weight bytes, working sets. */
export async function describe(network: NetworkArg, opts: LoadOptions = {}): Promise<DescribeJson> {
  return describeNetwork(await resolveArg(network, opts));
}

/** `memlat describe`: the --json document and the table the CLI prints without --json. */
export async function describeWithTable(network: NetworkArg, opts: LoadOptions = {}): Promise<{ doc: DescribeJson; table: string }> {
  const rn = await resolveArg(network, opts);
  const doc = describeNetwork(rn);
  return { doc, table: describeTable(doc, rn) };
}

/**
 * `memlat predict --json`: per-layer and total time at available memory `memory` (null/"none" = no
 * limit), with the model used and the machine check (PredictionOrigin).
 */
export async function predict(
  network: NetworkArg,
  opts: NetworkOptions & { memory: string | number | null; top?: number },
): Promise<NetworkPrediction & PredictionOrigin> {
  const { bundle, choice } = chosen(opts);
  const rn = await resolveArg(network, opts);
  const memoryBytes = memoryArg(opts.memory, 'memory');
  const p = predictNetwork(rn, memoryBytes, bundle, opts.top !== undefined ? { top: opts.top } : {});
  warnRun(rn, memoryBytes, opts);
  return { ...p, ...origin(choice, bundle, opts, memoryBytes) };
}

/** A measured point of `curve` with `measure`: the median and range of the passes at a memory level. */
export interface MeasuredPoint {
  memoryBytes: number;
  totalMs: number;
  minMs: number;
  maxMs: number;
}

/** Options of `curve`. */
export interface CurveArgs extends NetworkOptions {
  from?: string | number;
  to?: string | number;
  points?: number;
  /**
   * Also run the network for real (memlat run's executor; cgroups and swap) at these memory levels,
   * or "default" (0.75x and 1.25x the knee, and `to`), and add the medians as `measured`.
   */
  measureAt?: (string | number)[] | 'default';
  /** Passes per measured level (default 3). */
  reps?: number;
  /** Write the curve (and the measured points) as an SVG chart to this file. */
  svg?: string;
  /** Progress of the measuring runs. */
  onEvent?: (message: string) => void;
}

/** `memlat curve --json`: predicted total against available memory, knee and saturation marked. */
export async function curve(network: NetworkArg, opts: CurveArgs = {}): Promise<LatencyCurve & PredictionOrigin & { measured?: MeasuredPoint[] }> {
  const fromBytes = parseBytes(opts.from ?? '64MiB', 'from');
  const toBytes = parseBytes(opts.to ?? '8GiB', 'to');
  const { bundle, choice } = chosen(opts);
  const rn = await resolveArg(network, opts);
  const c = latencyCurve(rn, bundle, { fromBytes, toBytes, points: opts.points ?? 50 });
  warnRun(rn, c.toBytes, opts); // even the roomiest point of the curve
  const o = origin(choice, bundle, opts);
  let measured: MeasuredPoint[] | undefined;
  if (opts.measureAt !== undefined) {
    const reps = opts.reps ?? 3;
    const levels =
      opts.measureAt !== 'default'
        ? opts.measureAt.map((s) => parseBytes(typeof s === 'string' ? s.trim() : s, 'measureAt'))
        : [...new Set([Math.round(c.kneeBytes * 0.75), Math.round(c.kneeBytes * 1.25), c.toBytes])].filter((m) => m >= c.fromBytes && m <= c.toBytes);
    if (levels.length === 0)
      throw argumentError(
        (n) => `${n('measure')}: no default level lies in ${formatBytes(c.fromBytes)}..${formatBytes(c.toBytes)}; give ${n('measureAt')} 512MiB,1GiB`,
      );
    const { runNetwork } = await import('./executor/run-network.js');
    measured = [];
    for (const m of levels) {
      opts.onEvent?.(`measuring ${rn.name} at ${formatBytes(m)} (${reps} passes)`);
      const r = await runNetwork(rn, { memoryLimitBytes: m, reps });
      measured.push({ memoryBytes: m, totalMs: r.totalMs, minMs: Math.min(...r.totalsMs), maxMs: Math.max(...r.totalsMs) });
    }
  }
  if (opts.svg !== undefined) {
    const { curveSvg } = await import('./report/charts.js');
    const { writeFileAtomic } = await import('./dataset/files.js');
    await writeFileAtomic(opts.svg, curveSvg(c, measured));
  }
  return { ...c, model: o.model, ...(measured ? { measured } : {}), modelSource: o.modelSource, modelPath: o.modelPath, machine: o.machine, used: o.used };
}

/** `memlat min-memory --json`: least memory whose predicted total meets `target` ("200ms" or ms). */
export async function minMemory(network: NetworkArg, opts: NetworkOptions & { target: string | number }): Promise<MinMemoryResult & PredictionOrigin> {
  const targetMs = parseDurationMs(opts.target, 'target');
  const { bundle, choice } = chosen(opts);
  const rn = await resolveArg(network, opts);
  const r = minMemoryResolved(rn, bundle, targetMs);
  warnRun(rn, r.memoryBytes ?? null, opts);
  return { ...r, ...origin(choice, bundle, opts, r.memoryBytes ?? undefined) };
}

/** `memlat report`: the HTML page (model on a dataset, a network's breakdown and curve). */
export async function report(
  opts: NetworkOptions & { network?: NetworkArg; memory?: string | number | null; points?: number; data?: string; out?: string },
): Promise<{ html: string; out?: string }> {
  const memoryBytes = memoryArg(opts.memory === undefined ? '512MiB' : opts.memory, 'memory');
  const { bundle, choice } = chosen(opts);
  const rn = await resolveArg(opts.network ?? 'vgg16', opts);
  const { evaluateOnObservations, reportHtml } = await import('./report/report.js');
  const prepared = prepareNetwork(rn, bundle);
  const prediction = predictNetwork(rn, memoryBytes, bundle, { prepared });
  const toBytes = Math.max(bundle.hardware.ramBytes, Math.round(prepared.noSwapMemoryBytes * 1.5));
  const c = latencyCurve(rn, bundle, { fromBytes: 64 * 2 ** 20, toBytes, points: opts.points ?? 50 }, prepared);
  let evaluation = null;
  if (opts.data !== undefined) {
    const { readDataset } = await import('./dataset/files.js');
    const { aggregateRows } = await import('./models/observations.js');
    const { rows, hardware } = await readDataset(opts.data);
    const hw = new Map(hardware.map((h) => [h.id, h] as const));
    if (!hw.has(bundle.hardware.id)) hw.set(bundle.hardware.id, bundle.hardware);
    evaluation = { dataPath: opts.data, result: evaluateOnObservations(bundle.model, aggregateRows(rows, hw)) };
  }
  const html = reportHtml({ bundle, modelArg: choice.arg, evaluation, prediction, curve: c, generatedAt: new Date().toISOString() });
  if (opts.out !== undefined) {
    const { writeFileAtomic } = await import('./dataset/files.js');
    await writeFileAtomic(opts.out, html);
  }
  return { html, ...(opts.out !== undefined ? { out: opts.out } : {}) };
}

/**
 * `memlat min-memory --verify`: the min-memory answer, then the network run for real at the answered
 * and the conservative memory (real cgroup limit and swap, `reps` passes each), each saying whether
 * its median met the target. Needs what `run` needs (root or a systemd scope; swap for tight limits).
 */
export async function verifyMinMemory(
  network: NetworkArg,
  opts: NetworkOptions & { target: string | number; reps?: number; threads?: number; onEvent?: (m: string) => void },
): Promise<MinMemoryVerification> {
  const rn = await resolveArg(network, opts);
  const { bundle } = chosen(opts);
  const { verifyMinMemory: verify } = await import('./verify.js');
  return verify(rn, bundle, parseDurationMs(opts.target, 'target'), {
    ...(opts.reps !== undefined ? { reps: opts.reps } : {}),
    ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
  });
}

/** A dataset argument: a file path (several comma-separated are read as one) or rows with their fingerprints. */
export type DataArg = string | { rows: MeasurementRow[]; hardware: HardwareFingerprint[] };

/** Options of `fitDocument` (and `fit`). */
export interface FitArgs {
  /** Model kind; default: the default kind with the default options (the fit options given still override them). */
  kind?: string;
  /** fe-swap: whole-network runs (validate-runs rows) of other networks for the network-context correction. */
  context?: DataArg;
  /**
   * fe-swap with context: bytes per prepared layer session a network keeps (sessionBytesPerLayer;
   * SESSION_BYTES = 133120 is the measured size); default 0. Needs `context`.
   */
  sessionBytes?: number;
  /**
   * fe-swap with sessionBytes: evictable sessions (ContextFit.refaultMsPerMiB): kept only beside the
   * network's largest working set, the rest faulted back at a fitted cost; default false.
   */
  evictableSessions?: boolean;
  /**
   * fe-swap with context: fit the in-network correction of the unlimited base on the context's
   * unlimited runs (models/fe-swap/in-network.ts); default false. Needs `context` with unlimited runs.
   */
  inNetwork?: boolean;
  /**
   * fe-swap with context: fit a per-call cost (ms added to every layer's run inside a network,
   * ContextFit.callMsPerLayer) with the total factor on the context's unlimited runs, over 0-5 ms in
   * 0.01 ms steps; default false. Needs `context` with unlimited runs of networks of different layer counts.
   */
  callCost?: boolean;
  /**
   * fe-swap with the physical swap term and context: fit a kappa of its own for the GEMM family (dense,
   * MatMul: ContextFit.kappaGemm) beside the one for the other families, over the same grid; default
   * false (one kappa). Needs `context` with limited runs.
   */
  kappaByFamily?: boolean;
  /**
   * fe-swap: the unlimited base, fe (the study's per-type regression), gbt (boosted trees) or hybrid
   * (physical NNLS x a tree correction; the bundled default's). Default: DEFAULT_FIT_OPTIONS'.
   */
  base?: string;
  /**
   * fe-swap: which passes the base is fitted on, no-swap (default: every pass that does not swap),
   * unlimited (for a profile measured with unlimitedOrder 'network': its unlimited passes are cold,
   * its limited ones back to back) or all.
   */
  baseRows?: string;
  /** Per-kind fit options (feature scale, back-transform, fs rounds and rule). */
  fit?: FitOptions;
  /** Called when the default kind cannot be fitted on this data and another kind is (with why). */
  onNote?: (note: string) => void;
  /** Write the document (one JSON line) to this file. */
  out?: string;
  /** The command recorded in the bundle's provenance, given the kind fitted (default: a description of this call). */
  command?: (kind: ModelKind) => string;
}

/** What `memlat fit` writes and says. */
export interface FitResult {
  /** A bundle (model + the machine's fingerprint + provenance) when the data comes from one machine, else the bare model. */
  document: ModelBundle | ModelJSON;
  /** The machines the data comes from; one means `document` is a bundle. */
  hardwareIds: string[];
  kind: ModelKind;
  rows: number;
  /** Layer configurations fitted on. */
  observations: number;
  /** The model's summary (summarizeModel). */
  summary: string;
  /**
   * The bundle's 90% network interval: calibrated on the context runs (contextIntervalCalibration)
   * when they are enough, else null with why.
   */
  interval: { coverage: number; logLow: number; logHigh: number; runs: number } | { coverage: null; why: string };
}

async function readDataArg(d: DataArg, field: string, several: boolean): Promise<{ rows: MeasurementRow[]; hardware: HardwareFingerprint[] }> {
  if (typeof d !== 'string') return d;
  const { readDataset, readDatasets } = await import('./dataset/files.js');
  return several ? readDatasets(d, field) : readDataset(d, field);
}

/**
 * `memlat fit`: fits a model on a dataset (file or rows) and returns the document `memlat fit --out`
 * writes: a bundle `predict` takes when the data comes from one machine, else the bare model (pair it
 * with a fingerprint when predicting). Errors name the arguments (data, context, kind).
 */
export async function fitDocument(data: DataArg, opts: FitArgs = {}): Promise<FitResult> {
  const { fitModelOnObservations, parseModelKind, DEFAULT_MODEL_KIND, DEFAULT_FIT_OPTIONS } = await import('./models/index.js');
  const kind = parseModelKind(opts.kind ?? DEFAULT_MODEL_KIND, 'kind');
  // Without a kind: the default kind with the default options (options given still override them).
  const fit: FitOptions = opts.kind === undefined ? { ...DEFAULT_FIT_OPTIONS, ...opts.fit } : { ...opts.fit };
  const dataName = typeof data === 'string' ? data : '(rows)';
  const { rows, hardware } = await readDataArg(data, 'data', true);
  if (rows.length === 0) throw argumentError((n) => `${n('data')} ${dataName}: no rows; profile or import some first`);
  const { aggregateRows } = await import('./models/observations.js');
  const hw = new Map(hardware.map((h) => [h.id, h] as const));
  const obs = aggregateRows(rows, hw);
  const ctxName = typeof opts.context === 'string' ? opts.context : '(rows)';
  let ctxData: { rows: MeasurementRow[]; hardware: Map<string, HardwareFingerprint> } | null = null;
  if (opts.context !== undefined) {
    if (kind !== 'fe-swap')
      throw argumentError(
        (n) => `${n('context')} ${ctxName}: only model fe-swap uses whole-network context runs; drop ${n('context')} or use ${n('kind')} fe-swap`,
      );
    const ctx = await readDataArg(opts.context, 'context', true);
    if (ctx.rows.length === 0)
      throw argumentError((n) => `${n('context')} ${ctxName}: no rows; make some with 'memlat validate-runs --levels 0.25,0.5,1,none'`);
    // a machine in both is taken with the data's fingerprint, the one the model is fitted and bundled with
    const ctxHw = new Map([...ctx.hardware, ...hardware].map((h) => [h.id, h] as const));
    fit.feSwap = { ...fit.feSwap, context: { rows: ctx.rows, hardware: ctxHw } };
    ctxData = { rows: ctx.rows, hardware: ctxHw };
  }
  if (opts.sessionBytes !== undefined) {
    const s = opts.sessionBytes;
    if (opts.context === undefined)
      throw argumentError((n) => `${n('sessionBytes')} ${s}: only the network context uses it; give ${n('context')} runs too, or drop ${n('sessionBytes')}`);
    if (!(s >= 0 && Number.isFinite(s))) throw argumentError((n) => `${n('sessionBytes')} ${s}: give bytes >= 0, e.g. 130KiB (one prepared layer session)`);
    fit.feSwap = { ...fit.feSwap, sessionBytesPerLayer: s };
  }
  if (opts.evictableSessions) {
    if (opts.sessionBytes === undefined || !(opts.sessionBytes > 0))
      throw argumentError(
        (n) =>
          `${n('evictableSessions')}: it lets the sessions of the session term be pushed out; give ${n('sessionBytes')} too (e.g. 130KiB), or drop ${n('evictableSessions')}`,
      );
    const { SESSION_COLD_MIB, REFAULT_GRID_MS_PER_MIB } = await import('./models/types.js');
    fit.feSwap = { ...fit.feSwap, refault: { coldMiB: SESSION_COLD_MIB, msPerMiB: REFAULT_GRID_MS_PER_MIB } };
  }
  if (opts.base !== undefined) {
    const { BASE_KINDS } = await import('./models/fe-swap/model.js');
    const b = opts.base;
    if (kind !== 'fe-swap') throw argumentError((n) => `${n('base')} ${b}: only model fe-swap has a base; drop ${n('base')} or use ${n('kind')} fe-swap`);
    if (!(BASE_KINDS as readonly string[]).includes(b)) throw argumentError((n) => `${n('base')} "${b}": use one of ${BASE_KINDS.join(', ')}`);
    fit.feSwap = { ...DEFAULT_FIT_OPTIONS.feSwap, ...fit.feSwap, base: b as (typeof BASE_KINDS)[number] };
  }
  if (opts.baseRows !== undefined) {
    const { BASE_ROWS } = await import('./models/fe-swap/model.js');
    const r = opts.baseRows;
    if (kind !== 'fe-swap')
      throw argumentError((n) => `${n('baseRows')} ${r}: only model fe-swap has a base; drop ${n('baseRows')} or use ${n('kind')} fe-swap`);
    if (!(BASE_ROWS as readonly string[]).includes(r)) throw argumentError((n) => `${n('baseRows')} "${r}": use one of ${BASE_ROWS.join(', ')}`);
    fit.feSwap = { ...DEFAULT_FIT_OPTIONS.feSwap, ...fit.feSwap, baseRows: r as BaseRows };
  }
  if (opts.inNetwork) {
    if (opts.context === undefined)
      throw argumentError(
        (n) =>
          `${n('inNetwork')}: the correction is learned from whole-network runs; give ${n('context')} runs with unlimited passes too, or drop ${n('inNetwork')}`,
      );
    fit.feSwap = { ...fit.feSwap, inNetwork: true };
  }
  if (opts.callCost) {
    if (opts.context === undefined)
      throw argumentError(
        (n) =>
          `${n('callCost')}: the per-call cost is fitted on whole-network runs; give ${n('context')} runs with unlimited passes too, or drop ${n('callCost')}`,
      );
    const { CALL_MS_GRID } = await import('./models/types.js');
    fit.feSwap = { ...fit.feSwap, callMs: CALL_MS_GRID };
  }
  if (opts.kappaByFamily) {
    if (opts.context === undefined)
      throw argumentError(
        (n) => `${n('kappaByFamily')}: the kappas are fitted on whole-network runs under limits; give ${n('context')} runs, or drop ${n('kappaByFamily')}`,
      );
    const { KAPPA_GEMM_GRID } = await import('./models/types.js');
    fit.feSwap = { ...fit.feSwap, kappaGemmGrid: KAPPA_GEMM_GRID };
  }
  let model;
  if (opts.kind === undefined) {
    // the default kind, or the kind the data can support, said out loud
    const { fitDefaultModel } = await import('./models/index.js');
    const d = fitDefaultModel(obs, fit);
    if (d.note) opts.onNote?.(d.note);
    model = d.model;
  } else model = fitModelOnObservations(kind, obs, fit);
  const hardwareIds = [...new Set(obs.map((o) => o.hardwareId))];
  let document: ModelBundle | ModelJSON = model.toJSON();
  // The 90% network interval, split-conformal on the context runs (as the bundled default's).
  let interval: FitResult['interval'] = { coverage: null, why: 'no --context runs to calibrate it on' };
  let calibration: NetworkCalibration | undefined;
  if (ctxData) {
    const { contextIntervalCalibration, MIN_INTERVAL_RUNS } = await import('./predict/context-interval.js');
    const c = contextIntervalCalibration(model, ctxData.rows, ctxData.hardware);
    if (c.calibration) {
      calibration = c.calibration;
      interval = { coverage: c.calibration.coverage, logLow: c.calibration.logLow, logHigh: c.calibration.logHigh, runs: c.runs };
    } else interval = { coverage: null, why: `${c.runs} context runs (network, limit); a 90% interval needs at least ${MIN_INTERVAL_RUNS}` };
  }
  if (hardwareIds.length === 1) {
    const command = opts.command?.(kind) ?? `fit(${kind}${opts.context !== undefined ? ', context' : ''})`;
    document = makeBundle(model, hw.get(hardwareIds[0]!)!, {
      ...(calibration ? { calibration } : {}),
      provenance: { data: dataName, command, fittedAt: new Date().toISOString(), rows: rows.length },
    });
  }
  if (opts.out !== undefined) {
    const { writeFileAtomic } = await import('./dataset/files.js');
    await writeFileAtomic(opts.out, JSON.stringify(document) + '\n');
  }
  const { summarizeModel } = await import('./models/summary.js');
  return { document, hardwareIds, kind, rows: rows.length, observations: obs.length, summary: summarizeModel(model), interval };
}

/**
 * Fits a model of `kind` (default: the default kind) on a dataset file or rows from ONE machine and
 * returns the bundle `predict` takes (model + that machine's fingerprint); data from several machines
 * is refused (fitDocument returns their bare model). `context`: whole-network runs (validate-runs
 * rows) of other networks for fe-swap's network-context correction.
 */
export async function fit(data: DataArg, opts: Omit<FitArgs, 'out' | 'command'> = {}): Promise<ModelBundle> {
  const r = await fitDocument(data, opts);
  if (r.hardwareIds.length !== 1) {
    throw argumentError(
      (n) =>
        `${n('data')}: comes from ${r.hardwareIds.length} machines (${r.hardwareIds.join(', ')}); a bundle describes one machine: fit on one machine's rows, or use fitDocument for the bare model`,
    );
  }
  return r.document as ModelBundle;
}

/** Options of `run`. */
export interface RunArgs extends LoadOptions {
  /** Memory limit ("256MiB", bytes) or null/"none" for no limit. */
  memory: string | number | null;
  /** Timed passes (default 5). */
  reps?: number;
  /** onnxruntime intra-op threads (default: all cores). */
  threads?: number;
  /** Weight file cache (default $MEMLAT_CACHE or ~/.cache/memlat). */
  cacheDir?: string;
  /** Progress lines: preparation, the run's start, each pass. */
  onEvent?: (message: string) => void;
  /**
   * After an OOM kill, before the OomError is thrown: the kill and the passes that finished (what
   * `memlat run --json` prints), and the error (whose `render` names the arguments another way).
   */
  onOom?: (document: unknown, error: UserError) => void;
}

/** `memlat run --json`: really executes the network under a memory limit (needs cgroups + swap). */
export async function run(network: NetworkArg, opts: RunArgs): Promise<RunResult> {
  const memoryLimitBytes = memoryArg(opts.memory, 'memory');
  const reps = opts.reps ?? 5;
  const rn = await resolveArg(network, opts);
  const { runNetwork, OomError } = await import('./executor/run-network.js');
  const { prepareRun } = await import('./executor/run-prepare.js');
  await prepareRun(rn, { memoryLimitBytes, cacheDir: opts.cacheDir, ...(opts.onEvent ? { onEvent: opts.onEvent } : {}) });
  opts.onEvent?.(`${rn.name}, ${rn.layers.length} layers, memory ${memoryLimitBytes === null ? 'unlimited' : formatBytes(memoryLimitBytes)}, ${reps} passes`);
  const t0 = Date.now();
  return runNetwork(rn, {
    memoryLimitBytes,
    reps,
    threads: opts.threads,
    cacheDir: opts.cacheDir,
    onPass: (i) => opts.onEvent?.(`pass ${i + 1}/${reps} (${((Date.now() - t0) / 1000).toFixed(1)} s)`),
  }).catch(async (e: unknown) => {
    if (opts.onOom && e instanceof OomError) {
      const { oomRunDocument } = await import('./profile/validation.js');
      opts.onOom(oomRunDocument(rn, e, memoryLimitBytes, reps), e);
    }
    throw e;
  });
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
  const ci = await import('./dataset/csv-import.js');
  const map = ci.parseCsvMap(opts.map, 'map');
  const specs = ci.parseNetworksOption(opts.networks, 'networks');
  let hw: HardwareFingerprint;
  if (typeof opts.hardware === 'object') hw = ci.checkHardware(opts.hardware, '(object)');
  else if (typeof opts.hardware === 'string') {
    let v: unknown;
    try {
      v = JSON.parse(await readFile(opts.hardware, 'utf8')) as unknown;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const path = opts.hardware;
      throw argumentError(
        (n) =>
          `${n('hardware')} ${path}: ${code === 'ENOENT' ? 'no such file' : code ? `cannot be read (${code})` : `not valid JSON (${(e as Error).message})`}; write it with 'memlat hardware --out ${path}' on the machine that measured the CSV, or give ${n('cores')} and ${n('ram')} instead`,
      );
    }
    hw = ci.checkHardware(v, opts.hardware);
  } else if (opts.cores !== undefined && opts.ram !== undefined) {
    hw = ci.statedHardware(opts.cores, parseBytes(opts.ram, 'ram'), file);
  } else {
    throw argumentError(
      (n) =>
        `import csv ${file}: say which machine measured it: ${n('hardware')} hw.json (from 'memlat hardware --out hw.json' there), or ${n('cores')} N ${n('ram')} SIZE (e.g. ${n('cores')} 4 ${n('ram')} 8GiB)`,
    );
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      `${file}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? (e as Error).message})`}; give the CSV of per-layer timings to import`,
    );
  }
  const networks = new Map<string, ResolvedNetwork>();
  const sources = new Map<string, string>();
  for (const s of specs) {
    let rn: ResolvedNetwork;
    try {
      rn = await resolveArg(s.source, {
        ...(opts.batch !== undefined ? { batch: opts.batch } : {}),
        ...(opts.seqLen !== undefined ? { seqLen: opts.seqLen } : {}),
      });
    } catch (e) {
      if (e instanceof UserError) throw argumentError((n) => `${n('networks')} ${s.name === undefined ? '' : `${s.name}=`}${s.source}: ${e.message}`);
      throw e;
    }
    const name = s.name ?? rn.name;
    networks.set(name, rn);
    sources.set(name, s.source);
  }
  const rows = ci.importCsvRows(text, {
    map,
    networks,
    networkSources: sources,
    hardwareId: hw.id,
    where: file,
    ...(opts.source !== undefined ? { source: opts.source } : {}),
  });
  if (opts.out !== undefined) {
    const { writeDataset } = await import('./dataset/files.js');
    await writeDataset(opts.out, rows, { hardware: [hw] });
  }
  return { rows, hardware: [hw] };
}
