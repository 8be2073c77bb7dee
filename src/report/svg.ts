/**
 * Hand-written SVG charts for reports and `memlat curve --svg`: a scatter plot (log or linear axes,
 * optional y = x diagonal), a line chart (several series, an optional band, vertical markers and
 * overlaid points) and stacked bars. Each returns one self-contained `<svg>` string with axes, ticks,
 * labels and a legend, and no external library, stylesheet or script.
 *
 * Marks carry classes tests and readers can count: `mark point` (one circle per data point),
 * `mark line` (one path per series, one `M`/`L` command per point), `mark band`, `mark marker`
 * (vertical rules), `mark bar` (one rect per non-zero segment). Every chart has class `chart`,
 * a `data-kind` and a `<title>`.
 *
 * Pure. Cost: O(marks).
 */

/** Escapes text for SVG/HTML content and attributes. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Default palette (colour-blind safe, Okabe-Ito). */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];

/** A numeric axis: domain, log or linear, label and tick formatter. */
export interface AxisSpec {
  label: string;
  log?: boolean;
  /** Domain [min, max]; computed from the data when absent. */
  domain?: [number, number];
  format?: (v: number) => string;
}

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

const FRAME: Frame = { width: 640, height: 400, left: 70, right: 20, top: 36, bottom: 56 };

/** Compact number formatting for ticks: 1.5k, 20, 0.05, 1e-4. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(0).replace('e+', 'e');
  if (a >= 1e3) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

/** Tick values for a log axis: powers of ten, with 2 and 5 when the range spans few decades. */
export function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const steps = hi - lo <= 2 ? [1, 2, 5] : [1];
  const out: number[] = [];
  for (let e = lo; e <= hi; e++)
    for (const s of steps) {
      const v = s * 10 ** e;
      if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) out.push(v);
    }
  return out;
}

/** Tick values for a log axis of bytes: powers of two (every second one when many). */
export function log2Ticks(min: number, max: number): number[] {
  const lo = Math.ceil(Math.log2(min) - 1e-9);
  const hi = Math.floor(Math.log2(max) + 1e-9);
  const step = hi - lo > 10 ? 2 : 1;
  const out: number[] = [];
  for (let e = lo; e <= hi; e += step) out.push(2 ** e);
  return out;
}

/** "Nice" linear ticks (1, 2, 5 x 10^k steps), about `count` of them. */
export function linearTicks(min: number, max: number, count = 6): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((s) => s * mag >= raw) ?? 10) * mag;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

interface Scale {
  (v: number): number;
  ticks: number[];
  format: (v: number) => string;
}

function makeScale(axis: AxisSpec, values: number[], range: [number, number], bytes = false): Scale {
  let [min, max] = axis.domain ?? [Math.min(...values), Math.max(...values)];
  if (axis.log) {
    if (!(min > 0)) min = Math.min(...values.filter((v) => v > 0), max > 0 ? max : 1);
    if (!(max > min)) max = min * 10;
  } else {
    if (!axis.domain) min = Math.min(0, min);
    if (!(max > min)) max = min + 1;
  }
  const [r0, r1] = range;
  const f = axis.log
    ? (v: number): number => r0 + ((Math.log(Math.max(v, min * 1e-6)) - Math.log(min)) / (Math.log(max) - Math.log(min))) * (r1 - r0)
    : (v: number): number => r0 + ((v - min) / (max - min)) * (r1 - r0);
  const s = f as Scale;
  s.ticks = axis.log ? (bytes ? log2Ticks(min, max) : logTicks(min, max)) : linearTicks(min, max);
  // A log axis spanning less than a factor of ~2.5 has too few round ticks: use linear ones.
  if (axis.log && s.ticks.length < 3) s.ticks = linearTicks(min, max, 4).filter((t) => t >= min && t > 0);
  if (s.ticks.length === 0) s.ticks = [min, max];
  s.format = axis.format ?? formatTick;
  return s;
}

const n2 = (v: number): string => (Math.round(v * 100) / 100).toString();

function axesSvg(fr: Frame, x: Scale, y: Scale, xLabel: string, yLabel: string): string {
  const x0 = fr.left;
  const x1 = fr.width - fr.right;
  const y0 = fr.height - fr.bottom;
  const y1 = fr.top;
  const parts: string[] = [`<g class="axes" font-size="11" fill="#333">`];
  parts.push(`<rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" fill="none" stroke="#999"/>`);
  for (const t of x.ticks) {
    const px = n2(x(t));
    parts.push(
      `<line class="tick x" x1="${px}" x2="${px}" y1="${y1}" y2="${y0}" stroke="#eee"/><line x1="${px}" x2="${px}" y1="${y0}" y2="${y0 + 5}" stroke="#999"/><text x="${px}" y="${y0 + 18}" text-anchor="middle">${escapeXml(x.format(t))}</text>`,
    );
  }
  for (const t of y.ticks) {
    const py = n2(y(t));
    parts.push(
      `<line class="tick y" x1="${x0}" x2="${x1}" y1="${py}" y2="${py}" stroke="#eee"/><line x1="${x0 - 5}" x2="${x0}" y1="${py}" y2="${py}" stroke="#999"/><text x="${x0 - 8}" y="${py}" dy="0.32em" text-anchor="end">${escapeXml(y.format(t))}</text>`,
    );
  }
  parts.push(`<text class="axis-label x" x="${(x0 + x1) / 2}" y="${fr.height - 14}" text-anchor="middle" font-size="12">${escapeXml(xLabel)}</text>`);
  parts.push(
    `<text class="axis-label y" transform="translate(16 ${(y0 + y1) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(yLabel)}</text>`,
  );
  parts.push('</g>');
  return parts.join('');
}

function legendSvg(fr: Frame, items: { name: string; color: string; shape: 'line' | 'point' | 'rect' }[]): string {
  if (items.length === 0) return '';
  const parts = ['<g class="legend" font-size="11">'];
  let x = fr.left + 8;
  const y = fr.top - 14;
  for (const it of items) {
    const sym =
      it.shape === 'line'
        ? `<line x1="${x}" x2="${x + 16}" y1="${y}" y2="${y}" stroke="${it.color}" stroke-width="2"/>`
        : it.shape === 'point'
          ? `<circle cx="${x + 8}" cy="${y}" r="4" fill="${it.color}"/>`
          : `<rect x="${x + 2}" y="${y - 5}" width="12" height="10" fill="${it.color}"/>`;
    parts.push(`<g class="legend-item">${sym}<text x="${x + 20}" y="${y}" dy="0.32em">${escapeXml(it.name)}</text></g>`);
    x += 28 + it.name.length * 6.2;
  }
  parts.push('</g>');
  return parts.join('');
}

function open(fr: Frame, kind: string, title: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-kind="${kind}" width="${fr.width}" height="${fr.height}" viewBox="0 0 ${fr.width} ${fr.height}" font-family="sans-serif" role="img"><title>${escapeXml(title)}</title><rect width="100%" height="100%" fill="#fff"/>`;
}

/** Input of scatterSvg. */
export interface ScatterSpec {
  title: string;
  x: AxisSpec;
  y: AxisSpec;
  /** Points; `group` picks the colour and legend entry. */
  points: { x: number; y: number; group?: string }[];
  /** Draw the y = x line (predicted vs measured). */
  diagonal?: boolean;
  width?: number;
  height?: number;
}

/**
 * A scatter plot: one `circle.mark.point` per point, coloured by group, with optional y = x line.
 * Points with non-positive values on a log axis are dropped (and counted in data-dropped).
 * @example scatterSvg({ title: 'predicted vs measured', x: { label: 'measured ms', log: true }, y: { label: 'predicted ms', log: true }, points, diagonal: true })
 */
export function scatterSvg(spec: ScatterSpec): string {
  const fr = { ...FRAME, width: spec.width ?? FRAME.width, height: spec.height ?? FRAME.height };
  const ok = spec.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!spec.x.log || p.x > 0) && (!spec.y.log || p.y > 0));
  const xs = ok.map((p) => p.x);
  const ys = ok.map((p) => p.y);
  let xDomain = spec.x.domain;
  let yDomain = spec.y.domain;
  if (spec.diagonal && ok.length) {
    const lo = Math.min(...xs, ...ys);
    const hi = Math.max(...xs, ...ys);
    xDomain ??= [lo, hi];
    yDomain ??= [lo, hi];
  }
  const x = makeScale({ ...spec.x, ...(xDomain ? { domain: xDomain } : {}) }, xs.length ? xs : [1, 10], [fr.left, fr.width - fr.right]);
  const y = makeScale({ ...spec.y, ...(yDomain ? { domain: yDomain } : {}) }, ys.length ? ys : [1, 10], [fr.height - fr.bottom, fr.top]);
  const groups = [...new Set(ok.map((p) => p.group ?? ''))];
  const color = (g: string): string => PALETTE[groups.indexOf(g) % PALETTE.length]!;
  const parts = [
    open(fr, 'scatter', spec.title).replace(
      'data-kind="scatter"',
      `data-kind="scatter" data-points="${ok.length}" data-dropped="${spec.points.length - ok.length}"`,
    ),
  ];
  parts.push(axesSvg(fr, x, y, spec.x.label, spec.y.label));
  parts.push(`<g class="plot">`);
  if (spec.diagonal && xDomain) {
    const [a, b] = xDomain;
    parts.push(`<line class="diagonal" x1="${n2(x(a))}" y1="${n2(y(a))}" x2="${n2(x(b))}" y2="${n2(y(b))}" stroke="#888" stroke-dasharray="4 3"/>`);
  }
  for (const p of ok) parts.push(`<circle class="mark point" cx="${n2(x(p.x))}" cy="${n2(y(p.y))}" r="3" fill="${color(p.group ?? '')}" fill-opacity="0.6"/>`);
  parts.push('</g>');
  if (groups.length > 1 || groups[0] !== '')
    parts.push(
      legendSvg(
        fr,
        groups.map((g) => ({ name: g, color: color(g), shape: 'point' as const })),
      ),
    );
  parts.push('</svg>');
  return parts.join('');
}

/** Input of lineChartSvg. */
export interface LineChartSpec {
  title: string;
  x: AxisSpec;
  y: AxisSpec;
  /** Format x as bytes with power-of-two ticks (log axes). */
  xBytes?: boolean;
  series: { name: string; points: { x: number; y: number }[] }[];
  /** A shaded band (e.g. a prediction interval) under the series. */
  band?: { name: string; points: { x: number; lo: number; hi: number }[] };
  /** Vertical rules with labels (e.g. knee, saturation). */
  markers?: { name: string; x: number }[];
  /** Extra points drawn as circles (e.g. measured values). */
  overlay?: { name: string; points: { x: number; y: number }[] };
  width?: number;
  height?: number;
}

/**
 * A line chart: one `path.mark.line` per series (an `M`/`L` per point), an optional `path.mark.band`,
 * `line.mark.marker` verticals and `circle.mark.point` overlay points, with a legend.
 */
export function lineChartSvg(spec: LineChartSpec): string {
  const fr = { ...FRAME, width: spec.width ?? FRAME.width, height: spec.height ?? FRAME.height };
  const xs = [...spec.series.flatMap((s) => s.points.map((p) => p.x)), ...(spec.overlay?.points.map((p) => p.x) ?? [])];
  const ys = [
    ...spec.series.flatMap((s) => s.points.map((p) => p.y)),
    ...(spec.band?.points.flatMap((p) => [p.lo, p.hi]) ?? []),
    ...(spec.overlay?.points.map((p) => p.y) ?? []),
  ].filter((v) => Number.isFinite(v));
  const x = makeScale(spec.x, xs.length ? xs : [1, 10], [fr.left, fr.width - fr.right], spec.xBytes === true);
  const y = makeScale(spec.y, ys.length ? ys : [0, 1], [fr.height - fr.bottom, fr.top]);
  const parts = [open(fr, 'line', spec.title)];
  parts.push(axesSvg(fr, x, y, spec.x.label, spec.y.label));
  parts.push(`<g class="plot">`);
  const legend: { name: string; color: string; shape: 'line' | 'point' | 'rect' }[] = [];
  if (spec.band && spec.band.points.length) {
    const up = spec.band.points.map((p, i) => `${i ? 'L' : 'M'}${n2(x(p.x))},${n2(y(p.hi))}`);
    const down = [...spec.band.points].reverse().map((p) => `L${n2(x(p.x))},${n2(y(p.lo))}`);
    parts.push(`<path class="mark band" d="${up.join(' ')} ${down.join(' ')} Z" fill="#0072B2" fill-opacity="0.15" stroke="none"/>`);
    legend.push({ name: spec.band.name, color: '#b3d0e8', shape: 'rect' });
  }
  spec.series.forEach((s, i) => {
    const c = PALETTE[i % PALETTE.length]!;
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${n2(x(p.x))},${n2(y(p.y))}`).join(' ');
    parts.push(
      `<path class="mark line" data-series="${escapeXml(s.name)}" data-points="${s.points.length}" d="${d}" fill="none" stroke="${c}" stroke-width="2"/>`,
    );
    legend.push({ name: s.name, color: c, shape: 'line' });
  });
  for (const [i, m] of (spec.markers ?? []).entries()) {
    const px = n2(x(m.x));
    parts.push(
      `<line class="mark marker" data-name="${escapeXml(m.name)}" x1="${px}" x2="${px}" y1="${fr.top}" y2="${fr.height - fr.bottom}" stroke="#D55E00" stroke-dasharray="5 3"/><text x="${px}" y="${fr.top + 12 + i * 13}" dx="4" font-size="11" fill="#D55E00">${escapeXml(m.name)}</text>`,
    );
  }
  if (spec.overlay) {
    for (const p of spec.overlay.points) parts.push(`<circle class="mark point" cx="${n2(x(p.x))}" cy="${n2(y(p.y))}" r="4" fill="#000"/>`);
    legend.push({ name: spec.overlay.name, color: '#000', shape: 'point' });
  }
  parts.push('</g>', legendSvg(fr, legend), '</svg>');
  return parts.join('');
}

/** Input of stackedBarsSvg. */
export interface StackedBarsSpec {
  title: string;
  /** One bar per category (e.g. a layer name or a memory level). */
  categories: string[];
  /** One stack segment per entry; values[i] belongs to categories[i]. */
  stacks: { name: string; values: number[] }[];
  yLabel: string;
  /**
   * Rotate category labels (many bars). Default: rotated when the longest label does not fit its
   * bar's width. Labels that would still overlap (bars narrower than a rotated line of text) are
   * thinned to every k-th; every bar keeps its label in its tooltip and data-category.
   */
  rotateLabels?: boolean;
  width?: number;
  height?: number;
  format?: (v: number) => string;
}

/**
 * Stacked bars: one `rect.mark.bar` per non-zero segment, one bar per category, linear y from 0.
 */
export function stackedBarsSvg(spec: StackedBarsSpec): string {
  const n = spec.categories.length;
  const width = spec.width ?? Math.max(FRAME.width, 90 + n * 14);
  const bandGuess = (width - FRAME.left - FRAME.right) / Math.max(1, n);
  // ~6.5 px per character at font-size 11: horizontal labels need the band to hold the longest one
  const longest = Math.max(0, ...spec.categories.map((c) => c.length));
  const rotate = spec.rotateLabels ?? longest * 6.5 > bandGuess * 0.95;
  // rotated labels at font-size 10 need ~12 px between them; keep every k-th
  const every = rotate ? Math.max(1, Math.ceil(12 / Math.max(1e-9, bandGuess))) : 1;
  const fr = { ...FRAME, width, height: spec.height ?? FRAME.height, bottom: rotate ? 110 : FRAME.bottom };
  const totals = spec.categories.map((_, i) => spec.stacks.reduce((s, st) => s + Math.max(0, st.values[i] ?? 0), 0));
  const y = makeScale({ label: spec.yLabel, domain: [0, Math.max(...totals, 1e-12) * 1.05], ...(spec.format ? { format: spec.format } : {}) }, totals, [
    fr.height - fr.bottom,
    fr.top,
  ]);
  const band = (fr.width - fr.left - fr.right) / Math.max(1, n);
  const bw = Math.max(1, band * 0.75);
  const parts = [open(fr, 'bars', spec.title).replace('data-kind="bars"', `data-kind="bars" data-categories="${n}"`)];
  // Categories on x: draw the y axis and frame via axesSvg with an empty x scale.
  const xDummy: Scale = Object.assign((v: number) => v, { ticks: [] as number[], format: formatTick });
  parts.push(axesSvg(fr, xDummy, y, '', spec.yLabel));
  parts.push(`<g class="plot">`);
  spec.categories.forEach((cat, i) => {
    const cx = fr.left + band * (i + 0.5);
    let acc = 0;
    spec.stacks.forEach((st, k) => {
      const v = Math.max(0, st.values[i] ?? 0);
      if (v <= 0) return;
      const yTop = y(acc + v);
      const yBot = y(acc);
      parts.push(
        `<rect class="mark bar" data-category="${escapeXml(cat)}" data-stack="${escapeXml(st.name)}" x="${n2(cx - bw / 2)}" y="${n2(yTop)}" width="${n2(bw)}" height="${n2(Math.max(0.5, yBot - yTop))}" fill="${PALETTE[k % PALETTE.length]}"><title>${escapeXml(`${cat} ${st.name}: ${(spec.format ?? formatTick)(v)}`)}</title></rect>`,
      );
      acc += v;
    });
    const ly = fr.height - fr.bottom + 14;
    if (i % every !== 0) return;
    parts.push(
      rotate
        ? `<text class="category" font-size="10" transform="translate(${n2(cx)} ${ly}) rotate(-60)" text-anchor="end">${escapeXml(cat)}</text>`
        : `<text class="category" font-size="11" x="${n2(cx)}" y="${ly}" text-anchor="middle">${escapeXml(cat)}</text>`,
    );
  });
  parts.push(
    '</g>',
    legendSvg(
      fr,
      spec.stacks.map((s, k) => ({ name: s.name, color: PALETTE[k % PALETTE.length]!, shape: 'rect' as const })),
    ),
    '</svg>',
  );
  return parts.join('');
}
