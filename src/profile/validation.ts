/**
 * Whole-network validation runs (the zoo is the test set, never training data): which memory levels
 * to run each zoo network at, and how `memlat run`'s raw passes become MeasurementRows
 * (source "memlat-run", rep = pass index). Pure; the runs themselves are `memlat validate-runs`.
 */
import { layerRowFields, type MeasurementRow } from '../dataset/schema.js';
import { layerStats } from '../features/layer.js';
import type { ResolvedNetwork } from '../network/types.js';
import type { LayerTiming } from '../executor/worker-client.js';
import { median } from '../stats.js';
import { timedFields } from './run.js';

const MiB = 1024 * 1024;

/** Default validation levels: factors of the network's largest layer working set (+ idle), and none. */
export const DEFAULT_VALIDATION_LEVELS: readonly (number | null)[] = [4, 1, 0.5, null];

/** One memory level of a network's validation runs. */
export interface ValidationLevel {
  /** Factor f of the largest working set W (M = idle + f * W, rounded up to a MiB), null = no limit. */
  factor: number | null;
  memoryLimitBytes: number | null;
}

/** Largest layer working set of a network, bytes (layerStats at `threads` intra-op threads). */
export function largestWorkingSetBytes(rn: ResolvedNetwork, threads = 1): number {
  return Math.max(0, ...rn.layers.map((l) => layerStats(l, { threads }).workingSetBytes));
}

/**
 * The limits a network is validated at: M = idle + f * (largest layer working set), rounded up to a
 * whole MiB, in the order given (null = no limit). Cost: O(layers).
 * @example validationLevels(vgg16, 100 * MiB, [4, 1, 0.5, null])
 */
export function validationLevels(rn: ResolvedNetwork, idleBytes: number, factors: readonly (number | null)[], threads = 1): ValidationLevel[] {
  const w = largestWorkingSetBytes(rn, threads);
  return factors.map((f) => ({ factor: f, memoryLimitBytes: f === null ? null : Math.ceil((idleBytes + f * w) / MiB) * MiB }));
}

/**
 * Rows of one validation run: every pass (rep = repOffset + pass index) of every layer. `passes[p][i]`
 * is the timing of layer i (its jobId is the layer's index, as runNetwork numbers them) in pass p.
 */
export function validationRows(
  rn: ResolvedNetwork,
  passes: readonly LayerTiming[][],
  memoryLimitBytes: number | null,
  hardwareId: string,
  repOffset = 0,
): MeasurementRow[] {
  const byIndex = new Map(rn.layers.map((l) => [String(l.index), l] as const));
  const rows: MeasurementRow[] = [];
  passes.forEach((pass, p) => {
    for (const t of pass) {
      const l = byIndex.get(t.jobId);
      if (!l) throw new Error(`validationRows: timing for unknown layer id ${t.jobId} of ${rn.name}`);
      rows.push({
        ...runRowKey(rn, l, memoryLimitBytes, repOffset + p, hardwareId),
        ...timedFields(t),
      });
    }
  });
  return rows;
}

/** The identity part of a memlat-run row: which layer of which network, at which limit and pass, on which machine. */
function runRowKey(rn: ResolvedNetwork, l: ResolvedNetwork['layers'][number], memoryLimitBytes: number | null, rep: number, hardwareId: string) {
  return {
    hardwareId,
    source: 'memlat-run',
    network: rn.name,
    ...layerRowFields(l),
    memoryLimitBytes,
    rep,
  };
}

/**
 * The row of a validation run that was OOM-killed at layer `layerIndex` in pass `rep`: oom = true,
 * no times (the dataset's convention for OOM rows). Throws for an index not in the network.
 */
export function oomRow(rn: ResolvedNetwork, layerIndex: number, rep: number, memoryLimitBytes: number | null, hardwareId: string): MeasurementRow {
  const l = rn.layers.find((x) => x.index === layerIndex);
  if (!l) throw new Error(`oomRow: layer ${layerIndex} is not in ${rn.name}`);
  return {
    ...runRowKey(rn, l, memoryLimitBytes, rep, hardwareId),
    loadMs: NaN,
    runMs: NaN,
    unloadMs: null,
    majorFaults: null,
    swapInPages: null,
    swapOutPages: null,
    oom: true,
  };
}

/** What `memlat run --json` prints when a pass is OOM-killed (docs/RUNTIME.md): the kill and every finished pass. */
export interface OomRunDocument {
  network: string;
  memoryBytes: number | null;
  reps: number;
  oom: true;
  /** The pass the kill hit, 0-based. */
  oomPass: number;
  /** The killed layer's index and name (null when the worker named a layer not in the network). */
  oomLayerIndex: number | null;
  oomLayerName: string | null;
  /** The error message (the advice), as printed on stderr. */
  message: string;
  /** Passes that finished before the kill. */
  completedPasses: number;
  /** Each finished pass's total (sum of every layer's load+run+unload), ms. */
  totalsMs: number[];
  /** Median of totalsMs; null when no pass finished. */
  totalMs: number | null;
  /** Raw timings of the finished passes: passes[pass][layer]. */
  passes: LayerTiming[][];
  /** Timings of the layers of the killed pass that finished before the kill. */
  partialPass: LayerTiming[];
}

/**
 * The `memlat run --json` document of a run OOM-killed at layer `layerIndex` in pass `rep` (an
 * OomError's fields): every pass that finished is kept whole, with its total, and the layers the
 * killed pass finished are kept apart. `passes` are the timings measured, in pass order (OomError.passes:
 * finished passes, then the killed pass's finished layers, if any). Pure. Cost O(passes x layers).
 */
export function oomRunDocument(
  rn: ResolvedNetwork,
  err: { message: string; layerIndex: number; rep: number; passes: readonly LayerTiming[][] },
  memoryBytes: number | null,
  reps: number,
): OomRunDocument {
  const completed = err.passes.filter((p) => p.length === rn.layers.length);
  const partial = err.passes.find((p) => p.length > 0 && p.length < rn.layers.length) ?? [];
  const totalsMs = completed.map((p) => p.reduce((a, t) => a + t.loadMs + t.runMs + t.unloadMs, 0));
  const totalMs = totalsMs.length === 0 ? null : median(totalsMs);
  const killed = rn.layers.find((l) => l.index === err.layerIndex);
  return {
    network: rn.name,
    memoryBytes,
    reps,
    oom: true,
    oomPass: err.rep,
    oomLayerIndex: killed ? killed.index : null,
    oomLayerName: killed ? killed.layer.name : null,
    message: err.message,
    completedPasses: completed.length,
    totalsMs,
    totalMs,
    passes: completed.map((p) => [...p]),
    partialPass: [...partial],
  };
}

/**
 * Whether validate-runs' summary already holds a result for (network, limit) in round `round` (absent
 * in an entry = 0): a finished run of that round, or an OOM kill in any round (stored as an OOM row;
 * the pair is a result then, and a retry or a later round would put a second one beside it). Other
 * failures (a crash, an interrupted run) are retried on resume. Pure.
 */
export function validationPairDone(
  summary: readonly { network: string; memoryLimitBytes: number | null; status: string; oom?: boolean; round?: number }[],
  network: string,
  memoryLimitBytes: number | null,
  round = 0,
): boolean {
  return summary.some(
    (e) => e.network === network && e.memoryLimitBytes === memoryLimitBytes && (e.oom === true || (e.status === 'done' && (e.round ?? 0) === round)),
  );
}

/** What pairMoment reads of a validate-runs summary entry. */
export interface ValidationEntryTime {
  network: string;
  memoryLimitBytes: number | null;
  status: string;
  elapsedMs?: number;
  finishedAt?: string;
}

/**
 * When a (network, limit) pair ran: the mean over its finished runs (one per round) of each run's
 * midpoint, finishedAt - elapsedMs / 2, in ms since the epoch; null when none finished or none has
 * a time. What the held-out bench pairs with the fingerprint measured nearest to it. Pure.
 */
export function pairMoment(summary: readonly ValidationEntryTime[], network: string, memoryLimitBytes: number | null): number | null {
  const mids = summary
    .filter((e) => e.network === network && e.memoryLimitBytes === memoryLimitBytes && e.status === 'done' && e.finishedAt !== undefined)
    .map((e) => Date.parse(e.finishedAt!) - (e.elapsedMs ?? 0) / 2)
    .filter((t) => Number.isFinite(t));
  return mids.length === 0 ? null : mids.reduce((a, b) => a + b, 0) / mids.length;
}

/** The item measured nearest in time to `atMs` (by its measuredAt); null when none has a time. Pure. */
export function nearestInTime<T extends { measuredAt?: string | null }>(items: readonly T[], atMs: number): T | null {
  let best: T | null = null;
  let bestGap = Infinity;
  for (const it of items) {
    const t = it.measuredAt ? Date.parse(it.measuredAt) : NaN;
    if (!Number.isFinite(t)) continue;
    const gap = Math.abs(t - atMs);
    if (gap < bestGap) [best, bestGap] = [it, gap];
  }
  return best;
}
