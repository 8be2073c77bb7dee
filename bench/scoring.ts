/**
 * Scoring of whole-network runs against a bundle as `predict` answers (point and 90% interval at
 * M +- 3%): shared by the held-out evaluation (bench/heldout.ts) and the transfer table
 * (bench/transfer.ts).
 */
import type { LoadedBundle } from '../src/predict/bundle.js';
import { intervalFor, MEMORY_UNCERTAINTY } from '../src/predict/predict.js';
import { errorMetrics } from '../src/evaluate/metrics.js';
import { predictRun, type NetRun } from '../src/models/network-runs.js';

/** A fraction as a percentage with one decimal, e.g. 0.113 -> "11.3%". */
export const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/** A target met or not, as the benchmark tables print it. */
export const yes = (b: boolean): string => (b ? 'yes' : '**no**');

/** validate-runs' knee sweep factors (limits 0.6x-1.3x of the largest working set). */
export const KNEE_FACTORS: readonly number[] = [0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.3];

/** The accuracy targets of a held-out part: median APE at most `ape`, bias inside `bias` at every level. */
export interface Targets {
  ape: number;
  bias: readonly [number, number];
}
/** Issue 10 (whole networks; also >= 80% within +-20%) and issue 11 (knee sweeps). */
export const WHOLE_TARGETS: Targets = { ape: 0.1, bias: [0.95, 1.05] };
export const KNEE_TARGETS: Targets = { ape: 0.15, bias: [0.9, 1.1] };

/** Sort key of a level label: "0.5x" -> 0.5, "none" last. */
export const levelOrder = (l: string): number => (l === 'none' ? Infinity : parseFloat(l));

export interface Scored {
  run: NetRun;
  predictedMs: number;
  interval: [number, number] | null;
}

/** The point prediction of a run and its 90% interval as predict computes it (totals at M +- 3%). */
export function score(bundle: LoadedBundle, run: NetRun): Scored {
  const predictedMs = predictRun(bundle.model, run);
  let around: { moreMemoryMs: number; lessMemoryMs: number } | undefined;
  if (run.limit !== null) {
    const at = (m: number): number => predictRun(bundle.model, { ...run, obs: run.obs.map((o) => ({ ...o, memoryBytes: m, memoryLimitBytes: m })) });
    around = { moreMemoryMs: at(run.limit * (1 + MEMORY_UNCERTAINTY)), lessMemoryMs: at(run.limit * (1 - MEMORY_UNCERTAINTY)) };
  }
  return { run, predictedMs, interval: intervalFor(bundle, predictedMs, around) };
}

export function byLevel(scored: Scored[]): Map<string, Scored[]> {
  const m = new Map<string, Scored[]>();
  for (const s of scored) m.set(s.run.level, [...(m.get(s.run.level) ?? []), s]);
  return m;
}

export function summary(ss: Scored[]): { medianApe: number; within20: number; bias: number; covered: number } {
  const e = errorMetrics(
    ss.map((s) => s.predictedMs),
    ss.map((s) => s.run.medianMs),
  );
  const within20 = ss.filter((s) => Math.abs(s.predictedMs - s.run.medianMs) / s.run.medianMs <= 0.2).length / ss.length;
  const covered = ss.filter((s) => s.interval && s.run.medianMs >= s.interval[0] && s.run.medianMs <= s.interval[1]).length / ss.length;
  return { medianApe: e.medianApePct / 100, within20, bias: e.bias, covered };
}
