/**
 * The HTML report (`memlat report`): ONE self-contained page (inline CSS and SVG, no script, no
 * external resource) with the model's predicted-vs-measured scatter (log axes) on a dataset, its
 * error by memory level, the per-layer breakdown of a chosen network at a memory level and that
 * network's latency-vs-memory curve. Readable from disk without a server.
 *
 * Pure: the CLI reads the dataset and the bundle; this module computes and renders.
 * Cost: O(observations + layers x curve points).
 */
import type { LayerObservation } from '../models/observations.js';
import type { Model } from '../models/types.js';
import type { LoadedBundle } from '../predict/bundle.js';
import type { LatencyCurve } from '../predict/curve.js';
import type { NetworkPrediction } from '../predict/predict.js';
import { median } from '../stats.js';
import { formatBytes } from '../units.js';
import { breakdownSvg, curveSvg, errorByMemorySvg, predictedVsMeasuredSvg } from './charts.js';
import { escapeXml } from './svg.js';

/** One scored observation: a layer configuration's measured and predicted total. */
export interface ScoredPoint {
  network: string;
  layerIndex: number;
  layerType: string;
  memoryLimitBytes: number | null;
  measuredMs: number;
  predictedMs: number;
}

/** Error summary at one memory level. */
export interface MemoryLevelError {
  /** "512 MiB" or "none". */
  label: string;
  memoryLimitBytes: number | null;
  n: number;
  /** Median of |predicted - measured| / measured, in percent. */
  medianAbsPctError: number;
  /** Geometric mean of predicted / measured (1 = unbiased). */
  bias: number;
  /** Share of points within +-20% of measured, in [0, 1]. */
  within20: number;
}

/** What evaluateOnObservations returns. */
export interface ModelEvaluation {
  points: ScoredPoint[];
  byMemory: MemoryLevelError[];
  /** Phases scored (those both fitted by the model and measured in every observation). */
  phases: ('load' | 'run' | 'unload')[];
}

/**
 * Scores a model on per-configuration observations (median times): each point's measured total is
 * the sum of the phases the model fitted and the data measured (unload only when both), the
 * predicted total the same phases of model.predict. Then per memory level: median |error| %, bias
 * (geometric mean ratio) and the share within +-20%. Cost O(observations) model calls.
 */
export function evaluateOnObservations(model: Model, obs: readonly LayerObservation[]): ModelEvaluation {
  const unload = model.fittedTargets.includes('unload') && obs.every((o) => o.unloadMs !== null);
  const phases: ModelEvaluation['phases'] = ['load', 'run', ...(unload ? (['unload'] as const) : [])];
  const points: ScoredPoint[] = obs.map((o) => {
    const t = model.predict(o);
    return {
      network: o.network,
      layerIndex: o.layerIndex,
      layerType: o.layerType,
      memoryLimitBytes: o.memoryLimitBytes,
      measuredMs: o.loadMs + o.runMs + (unload ? (o.unloadMs ?? 0) : 0),
      predictedMs: t.loadMs + t.runMs + (unload ? t.unloadMs : 0),
    };
  });
  const levels = new Map<number | null, ScoredPoint[]>();
  for (const p of points) {
    let l = levels.get(p.memoryLimitBytes);
    if (!l) levels.set(p.memoryLimitBytes, (l = []));
    l.push(p);
  }
  const byMemory = [...levels]
    .sort(([a], [b]) => (a ?? Infinity) - (b ?? Infinity))
    .map(([m, ps]) => {
      const ok = ps.filter((p) => p.measuredMs > 0 && p.predictedMs > 0);
      const ratios = ok.map((p) => p.predictedMs / p.measuredMs);
      return {
        label: m === null ? 'none' : formatBytes(m),
        memoryLimitBytes: m,
        n: ps.length,
        medianAbsPctError: median(ratios.map((r) => Math.abs(r - 1) * 100)),
        bias: Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / Math.max(1, ratios.length)),
        within20: ratios.filter((r) => Math.abs(r - 1) <= 0.2).length / Math.max(1, ratios.length),
      };
    });
  return { points, byMemory, phases };
}

/** Input of reportHtml. */
export interface ReportInput {
  bundle: LoadedBundle;
  /** The --model argument as given. */
  modelArg: string;
  /** Scores on a dataset, or null when none was given. */
  evaluation: { dataPath: string; result: ModelEvaluation } | null;
  prediction: NetworkPrediction;
  curve: LatencyCurve;
  /** ISO time the report was made (passed in to keep this pure). */
  generatedAt: string;
}

const CSS = `body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.9em}td,th{padding:.2em .7em;border-bottom:1px solid #eee;text-align:right}
td:first-child,th:first-child{text-align:left}.note{color:#666;font-size:.9em}figure{margin:1em 0;overflow-x:auto}
dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{color:#666}`;

/** The scatter shows at most this many points (an even stride through larger datasets). */
export const MAX_SCATTER_POINTS = 20_000;

const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toPrecision(2));

/**
 * Renders the report page. Sections carry ids (`scatter`, `error-by-memory`, `breakdown`, `curve`)
 * and each chart is an inline `<svg class="chart">`. Cost O(marks).
 */
export function reportHtml(input: ReportInput): string {
  const { bundle, prediction: p, curve } = input;
  const e = (s: string): string => escapeXml(s);
  const prov = bundle.bundle.provenance;
  const parts: string[] = [];
  parts.push(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>memlat report: ${e(p.network)}</title><style>${CSS}</style></head><body>`);
  parts.push(
    `<h1>memlat report</h1><dl><dt>model</dt><dd>${e(input.modelArg)} (kind ${e(bundle.model.kind)})</dd><dt>hardware</dt><dd>${e(bundle.hardware.id)}: ${e(bundle.hardware.cpuModel)}, ${bundle.hardware.cores} cores, ${formatBytes(bundle.hardware.ramBytes)} RAM, runtime idle ${bundle.hardware.runtimeIdleBytes === null ? 'unknown' : formatBytes(bundle.hardware.runtimeIdleBytes)}</dd>`,
  );
  if (prov) parts.push(`<dt>fitted</dt><dd>${e(prov.fittedAt)} on ${e(prov.data)} (${prov.rows} rows): <code>${e(prov.command)}</code></dd>`);
  parts.push(
    `<dt>interval</dt><dd>${bundle.calibration ? `${Math.round(bundle.calibration.coverage * 100)}% ${e(bundle.calibration.method)} (n = ${bundle.calibration.n})` : 'none: the model has no calibration'}</dd><dt>generated</dt><dd>${e(input.generatedAt)}</dd></dl>`,
  );

  parts.push('<section id="scatter"><h2>Predicted vs measured</h2>');
  if (input.evaluation) {
    const r = input.evaluation.result;
    // Keep the page light: at most MAX_SCATTER_POINTS circles, an even stride through the points.
    const stride = Math.ceil(r.points.length / MAX_SCATTER_POINTS);
    const shown = stride > 1 ? r.points.filter((_, i) => i % stride === 0) : r.points;
    parts.push(
      `<p>${r.points.length} layer configurations of <code>${e(input.evaluation.dataPath)}</code> (medians over repetitions)${stride > 1 ? `, one in ${stride} shown` : ''}; time = ${r.phases.join(' + ')}. Dashed: predicted = measured.</p>`,
    );
    parts.push(
      `<figure>${predictedVsMeasuredSvg(
        shown.map((q) => ({
          measuredMs: q.measuredMs,
          predictedMs: q.predictedMs,
          group: q.memoryLimitBytes === null ? 'none' : formatBytes(q.memoryLimitBytes),
        })),
        'predicted vs measured layer time, by memory limit',
      )}</figure></section>`,
    );
    parts.push('<section id="error-by-memory"><h2>Error by memory level</h2>');
    parts.push(
      `<figure>${errorByMemorySvg(r.byMemory)}</figure><table><thead><tr><th>memory limit</th><th>n</th><th>median |error|</th><th>bias (geo. mean pred/meas)</th><th>within ±20%</th></tr></thead><tbody>`,
    );
    for (const l of r.byMemory)
      parts.push(
        `<tr><td>${e(l.label)}</td><td>${l.n}</td><td>${l.medianAbsPctError.toFixed(1)}%</td><td>${l.bias.toFixed(3)}</td><td>${(l.within20 * 100).toFixed(0)}%</td></tr>`,
      );
    parts.push('</tbody></table></section>');
  } else {
    parts.push('<p class="note">No dataset given: run <code>memlat report --data rows.csv</code> to score the model on measurements.</p></section>');
    parts.push('<section id="error-by-memory"><h2>Error by memory level</h2><p class="note">Needs a dataset (--data).</p></section>');
  }

  const mem = p.memoryBytes === null ? 'no limit' : formatBytes(p.memoryBytes);
  parts.push(`<section id="breakdown"><h2>${e(p.network)} at ${mem}: per-layer breakdown</h2>`);
  parts.push(
    `<p>Predicted total <b>${ms(p.totalMs)} ms</b>${p.intervalMs ? ` (${Math.round((p.intervalCoverage ?? 0) * 100)}% interval ${ms(p.intervalMs[0])} - ${ms(p.intervalMs[1])} ms)` : ' (no interval: the model has no calibration)'}; ${p.layers.filter((l) => l.swaps).length} of ${p.layers.length} layers swap.${p.notModelled.length ? ` Not modelled (0): ${p.notModelled.join(', ')}.` : ''}</p>`,
  );
  parts.push(
    `<figure>${breakdownSvg(p)}</figure><table><thead><tr><th>bottleneck layer</th><th>type</th><th>total ms</th><th>share</th><th>swaps</th></tr></thead><tbody>`,
  );
  for (const b of p.bottlenecks)
    parts.push(
      `<tr><td>${e(b.name)}</td><td>${e(b.type)}</td><td>${ms(b.totalMs)}</td><td>${(b.share * 100).toFixed(1)}%</td><td>${p.layers[b.index]?.swaps ? 'yes' : 'no'}</td></tr>`,
    );
  parts.push('</tbody></table></section>');

  parts.push(`<section id="curve"><h2>${e(curve.network)}: latency vs available memory</h2><figure>${curveSvg(curve)}</figure>`);
  parts.push(
    `<p>Knee ${formatBytes(curve.kneeBytes)}: below it at least one layer swaps. Saturation ${formatBytes(curve.saturationBytes)}: beyond it more memory improves the predicted total by less than 1%. ${curve.points.length} points from ${formatBytes(curve.fromBytes)} to ${formatBytes(curve.toBytes)}.</p></section>`,
  );
  parts.push('</body></html>\n');
  return parts.join('\n');
}
