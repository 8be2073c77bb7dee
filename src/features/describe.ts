/**
 * What `memlat describe` shows, as pure functions of a resolved network: the stable JSON document
 * (`--json`, documented in docs/NETWORK-FORMAT.md, section "memlat describe --json") and the
 * human-readable per-layer table with totals.
 *
 * Pure (no I/O). Cost: O(layers).
 */
import { networkStats } from './layer.js';
import { formatShape } from '../network/hyperparams.js';
import type { Layer, ResolvedNetwork } from '../network/types.js';

/** One layer of `memlat describe --json`. Field set and meaning are stable (scripts rely on them). */
export interface DescribeLayer {
  name: string;
  type: Layer['type'];
  inputShapes: number[][];
  outputShape: number[];
  /** Trainable parameters including biases. */
  params: number;
  /** Parameters excluding biases (and BN/LN shifts). */
  weights: number;
  /** Multiply-accumulates of one forward pass at the described batch. */
  macs: number;
  /** Bytes loaded from disk for this layer (fp32; BN running statistics included). */
  weightBytes: number;
  /** Weights + inputs + output + scratch: what must be resident while the layer runs. */
  workingSetBytes: number;
}

/** The whole `memlat describe --json` document. */
export interface DescribeJson {
  name: string;
  totals: { params: number; macs: number; weightBytes: number };
  layers: DescribeLayer[];
}

/**
 * The `memlat describe --json` document of a resolved network: exactly
 * `{ name, totals: { params, macs, weightBytes }, layers: [{ name, type, inputShapes, outputShape,
 * params, weights, macs, weightBytes, workingSetBytes }] }`. Cost: O(layers).
 */
export function describeNetwork(rn: ResolvedNetwork): DescribeJson {
  const ns = networkStats(rn);
  return {
    name: rn.name,
    totals: { params: ns.totals.params, macs: ns.totals.macs, weightBytes: ns.totals.weightBytes },
    layers: rn.layers.map((rl, i) => {
      const s = ns.layers[i];
      if (!s) throw new Error(`describeNetwork: no stats for layer ${i}`);
      return {
        name: rl.layer.name,
        type: rl.layer.type,
        inputShapes: rl.inputShapes.map((x) => [...x]),
        outputShape: [...rl.outputShape],
        params: s.params,
        weights: s.weights,
        macs: s.macs,
        weightBytes: s.weightBytes,
        workingSetBytes: s.workingSetBytes,
      };
    }),
  };
}

/**
 * Compact count with 3 significant digits and an SI suffix: 25557032 -> "25.6M",
 * 4089184256 -> "4.09G", 950 -> "950"; with a unit, a space before it: (4089184256, 'MACs') ->
 * "4.09 GMACs". Cost: O(1).
 */
export function formatCount(n: number, unit?: string): string {
  if (unit !== undefined) {
    const c = formatCount(n);
    return /[A-Z]$/.test(c) ? `${c.slice(0, -1)} ${c.slice(-1)}${unit}` : `${c} ${unit}`;
  }
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [scale, suffix] of units) {
    if (Math.abs(n) >= scale) {
      const v = n / scale;
      return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}${suffix}`;
    }
  }
  return String(n);
}

/**
 * The JSON text `memlat describe --json` prints: 2-space indentation, shapes kept on one line
 * (`[1, 64, 112, 112]`). Cost: O(size).
 */
export function describeJsonText(d: DescribeJson): string {
  return `${JSON.stringify(d, null, 2).replace(/\[\s*(-?\d+(?:,\s*-?\d+)*)\s*\]/g, (_m, nums: string) => `[${nums.split(/,\s*/).join(', ')}]`)}\n`;
}

const MIB = 2 ** 20;

function mib(bytes: number): string {
  return (bytes / MIB).toFixed(2);
}

function shortName(name: string, max = 40): string {
  if (name.length <= max) return name;
  const half = Math.floor((max - 1) / 2);
  return `${name.slice(0, half)}…${name.slice(name.length - (max - 1 - half))}`;
}

function typeLabel(l: Layer): string {
  switch (l.type) {
    case 'activation':
      return `activation:${l.fn}`;
    case 'pool':
      return `pool:${l.mode}${l.global === true ? '-global' : ''}`;
    case 'opaque':
      return `opaque:${l.op}`;
    default:
      return l.type;
  }
}

/**
 * The human-readable `memlat describe` output: a summary line, then one row per layer (index,
 * name, type, output shape, params, MACs, weight MiB, working set MiB) and a totals row.
 * Cost: O(layers).
 * @example describeTable(describeNetwork(resolveNetwork(zooNetwork('resnet50'))))
 */
export function describeTable(d: DescribeJson, rn?: ResolvedNetwork): string {
  const header = ['#', 'name', 'type', 'output', 'params', 'MACs', 'weight MiB', 'work set MiB'];
  const right = [true, false, false, false, true, true, true, true];
  const rows = d.layers.map((l, i) => {
    const layer = rn?.layers[i]?.layer;
    return [
      String(i),
      shortName(l.name),
      layer ? typeLabel(layer) : l.type,
      formatShape(l.outputShape),
      l.params.toLocaleString('en-US'),
      formatCount(l.macs),
      mib(l.weightBytes),
      mib(l.workingSetBytes),
    ];
  });
  const peak = d.layers.reduce((a, l) => (l.workingSetBytes > a.workingSetBytes ? l : a), d.layers[0] ?? { name: '', workingSetBytes: 0 });
  const totals = [
    '',
    'total',
    `${d.layers.length} layers`,
    '',
    d.totals.params.toLocaleString('en-US'),
    formatCount(d.totals.macs),
    mib(d.totals.weightBytes),
    `${mib(peak.workingSetBytes)} max`,
  ];
  const all = [header, ...rows, totals];
  // a loop, not Math.max(...all): a network of 10^6 layers would exceed the argument limit
  const widths = header.map(() => 0);
  for (const r of all) r.forEach((cell, c) => (widths[c] = Math.max(widths[c] ?? 0, cell.length)));
  const fmt = (r: string[]): string =>
    r
      .map((cell, c) => (right[c] ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const summary =
    `${d.name}: ${d.layers.length} layers, ${formatCount(d.totals.params)} params, ${formatCount(d.totals.macs, 'MACs')}, ` +
    `${mib(d.totals.weightBytes)} MiB of weights; largest working set ${mib(peak.workingSetBytes)} MiB (${peak.name})`;
  return [summary, '', fmt(header), rule, ...rows.map(fmt), rule, fmt(totals)].join('\n') + '\n';
}
