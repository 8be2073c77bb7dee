/**
 * The charts memlat draws from its own results (on top of the generic svg.ts): the latency-vs-memory
 * curve with its interval band, knee and saturation markers and optional measured overlay; the
 * per-layer load/run/unload breakdown; predicted vs measured; error by memory level.
 * Pure; each returns an SVG string. Cost O(marks).
 */
import type { LatencyCurve } from '../predict/curve.js';
import type { NetworkPrediction } from '../predict/predict.js';
import { formatBytes } from '../units.js';
import { lineChartSvg, scatterSvg, stackedBarsSvg } from './svg.js';

/** A measured network total at one memory level (from `memlat run`). */
export interface MeasuredPoint {
  memoryBytes: number;
  totalMs: number;
}

/**
 * The latency-vs-memory chart: log memory axis (power-of-two ticks), log time axis, the predicted
 * total as one line with one vertex per curve point, the interval as a band when present, the knee
 * and saturation as vertical markers (when inside the range), measured points overlaid.
 */
export function curveSvg(curve: LatencyCurve, measured?: readonly MeasuredPoint[]): string {
  const band = curve.points.every((p) => p.lowMs !== null && p.highMs !== null)
    ? { name: 'interval', points: curve.points.map((p) => ({ x: p.memoryBytes, lo: p.lowMs!, hi: p.highMs! })) }
    : undefined;
  const markers = [
    { name: `knee ${formatBytes(curve.kneeBytes)}`, x: curve.kneeBytes },
    { name: `saturation ${formatBytes(curve.saturationBytes)}`, x: curve.saturationBytes },
  ].filter((m) => m.x >= curve.fromBytes && m.x <= curve.toBytes);
  return lineChartSvg({
    title: `${curve.network}: predicted time vs available memory`,
    x: { label: 'available memory', log: true, domain: [curve.fromBytes, curve.toBytes], format: formatBytes },
    xBytes: true,
    y: { label: 'network total (ms)', log: true },
    series: [{ name: 'predicted total', points: curve.points.map((p) => ({ x: p.memoryBytes, y: p.totalMs })) }],
    ...(band ? { band } : {}),
    markers,
    ...(measured && measured.length ? { overlay: { name: 'measured (memlat run)', points: measured.map((m) => ({ x: m.memoryBytes, y: m.totalMs })) } } : {}),
  });
}

/** Per-layer stacked bars of predicted load, run and unload time (one bar per layer). */
export function breakdownSvg(p: NetworkPrediction): string {
  return stackedBarsSvg({
    title: `${p.network}: predicted time per layer at ${p.memoryBytes === null ? 'no limit' : formatBytes(p.memoryBytes)}`,
    categories: p.layers.map((l) => l.name),
    stacks: [
      { name: 'load', values: p.layers.map((l) => l.loadMs) },
      { name: 'run', values: p.layers.map((l) => l.runMs) },
      { name: 'unload', values: p.layers.map((l) => l.unloadMs) },
    ],
    yLabel: 'time (ms)',
    rotateLabels: true,
  });
}

/** Predicted vs measured (log-log, y = x diagonal), coloured by a group such as the memory level. */
export function predictedVsMeasuredSvg(points: readonly { measuredMs: number; predictedMs: number; group: string }[], title: string): string {
  return scatterSvg({
    title,
    x: { label: 'measured (ms)', log: true },
    y: { label: 'predicted (ms)', log: true },
    points: points.map((p) => ({ x: p.measuredMs, y: p.predictedMs, group: p.group })),
    diagonal: true,
  });
}

/** Median absolute percentage error per memory level, as bars. */
export function errorByMemorySvg(levels: readonly { label: string; medianAbsPctError: number }[]): string {
  return stackedBarsSvg({
    title: 'median absolute error by memory level',
    categories: levels.map((l) => l.label),
    stacks: [{ name: 'median |error| %', values: levels.map((l) => l.medianAbsPctError) }],
    yLabel: 'median |predicted - measured| / measured (%)',
  });
}
