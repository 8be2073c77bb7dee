/**
 * The common model interface: every model memlat fits (the kinds in MODEL_KINDS of ./index.ts: the
 * study's FE and FS, fe-swap, physical, gbt, hybrid, roofline) predicts the three phases of one layer's
 * execution (EXECUTION-MODEL.md) from the layer, the available memory M and the hardware, and
 * serialises to plain JSON tagged with `name: "memlat-model"`, its `kind` and a format `version`.
 * Types and tiny helpers only.
 */
import type { HardwareFingerprint } from '../dataset/schema.js';
import type { ResolvedLayer } from '../network/types.js';

/** The JSON `name` every serialised model carries; loadModel rejects anything else. */
export const MODEL_NAME = 'memlat-model';

/** One query: a layer (with its shapes), the available memory M in bytes, and the machine. */
export interface LayerInput {
  layer: ResolvedLayer;
  /** Available memory M (the cgroup limit; the machine's RAM when unlimited), bytes. */
  memoryBytes: number;
  hardware: HardwareFingerprint;
  /**
   * Layers of the network this layer runs in (the worker prepares one session per layer and keeps
   * them all); absent = 1, a layer measured or predicted alone. Models that count what a network keeps
   * (fe-swap's sessionBytesPerLayer) read it; others ignore it.
   */
  networkLayers?: number;
  /**
   * The largest layer working set of that network, bytes (features/layer.ts workingSetBytes); absent
   * = unknown. fe-swap with evictable sessions (ContextFit.refaultMsPerMiB) keeps sessions resident
   * only as far as they fit beside it.
   */
  networkMaxWorkingSetBytes?: number;
  /**
   * The share of what a prepared session holds on the model's machine that it holds here (fe-swap's
   * sessionBytesPerLayer is multiplied by it); absent = 1. The zero-shot transfer sets it from the
   * two machines' intra-op threads (sessionThreadScale).
   */
  sessionScale?: number;
}

/**
 * What one prepared layer session of the worker holds, bytes: its memory grew ~130 KiB per session
 * on a chain of ReLU layers (a 2-core VM). The executor's layer limit (MAX_RUN_LAYERS) and fe-swap's
 * session term (sessionBytesPerLayer) both use it.
 */
export const SESSION_BYTES = 130 * 1024;

/**
 * fe-swap's evictable sessions: MiB of the runtime's idle footprint pushed out before any session
 * (chosen on host B's retired knee and whole-network sets by bench/session-cap.ts: 48 MiB gave the
 * least error of 0-80; docs/MODELS.md), and the grid [from, to, step] of ms per MiB faulted back
 * that the context fit searches.
 */
export const SESSION_COLD_MIB = 48;
export const REFAULT_GRID_MS_PER_MIB: [number, number, number] = [0, 40, 1];
/** Grid [from, to, step] of the per-call cost of a layer inside a network, ms per layer (`memlat fit --call-cost`; ContextFit.callMsPerLayer). */
export const CALL_MS_GRID: [number, number, number] = [0, 5, 0.01];
/** Grid of the GEMM family's kappa (`memlat fit --kappa-by-family`): the default kappa grid's range, in steps of 0.05. */
export const KAPPA_GEMM_GRID: [number, number, number] = [0.25, 3, 0.05];

/** Predicted median times of one layer's phases; the layer's total is their sum. */
export interface TimePrediction {
  loadMs: number;
  runMs: number;
  unloadMs: number;
}

/** The phases a model predicts. */
export type Target = 'load' | 'run' | 'unload';
/** The phases in their fixed order (load, run, unload). */
export const TARGETS: readonly Target[] = ['load', 'run', 'unload'];

/** Serialised form of any model: plain data, with the tag fields loadModel checks. */
export interface ModelJSON {
  name: typeof MODEL_NAME;
  kind: string;
  version: number;
  [key: string]: unknown;
}

/** A fitted model: plain data plus a pure, allocation-light predict. */
export interface Model {
  readonly name: typeof MODEL_NAME;
  readonly kind: string;
  readonly version: number;
  /**
   * The phases the model was trained on. A phase absent from the training data (EdgeCaffe has no
   * unload times) is predicted as 0 and must be reported as "not modelled", not as a measured 0.
   */
  readonly fittedTargets: readonly Target[];
  predict(x: LayerInput): TimePrediction;
  toJSON(): ModelJSON;
}

/**
 * How a prediction of ln(time) becomes a time. 'exp' is plain exp(), the study's behaviour, which
 * estimates the conditional *median* (geometric mean) and so underestimates the mean when the log
 * residuals are spread; 'smearing' multiplies by Duan's (1983) smearing factor, the mean of
 * exp(residual) on the training data (the bias fix, evaluated in the next issue).
 */
export type BackTransform = 'exp' | 'smearing';
