/**
 * Pure CSV encoding and decoding of MeasurementRows (no file I/O; see src/dataset/files.ts).
 *
 * One row per line, always: every field is a scalar or a JSON string (JSON.stringify escapes
 * newlines), so a record never spans lines. That makes a truncated last line (a writer killed
 * mid-write) detectable as "the text does not end with a newline", and droppable on resume.
 *
 * Columns (docs/DATASET.md lists each with its unit): the MeasurementRow scalars, then `layer`,
 * `inputShapes`, `outputShape` as JSON, then derived layer statistics (`params` ... `arithmeticIntensity`)
 * for readers in pandas/duckdb. Derived columns are ignored on decode (they are recomputed from
 * `layer` by whoever needs them), so a file stays valid when the feature code improves.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { UserError } from '../errors.js';
import { layerStats } from '../features/layer.js';
import { LAYER_TYPES as ALL_LAYER_TYPES } from '../network/lists.js';
import type { Layer, LayerStats, LayerType } from '../network/types.js';
import type { MeasurementRow } from './schema.js';

/** The stored MeasurementRow columns, in file order. */
export const ROW_COLUMNS = [
  'hardwareId',
  'source',
  'network',
  'layerIndex',
  'layerName',
  'layerType',
  'memoryLimitBytes',
  'rep',
  'loadMs',
  'runMs',
  'unloadMs',
  'majorFaults',
  'swapInPages',
  'swapOutPages',
  'oom',
  'layer',
  'inputShapes',
  'outputShape',
] as const;

/** Derived convenience columns (the LayerStats fields), written after ROW_COLUMNS, ignored on read. */
export const STAT_COLUMNS = [
  'params',
  'weights',
  'weightBytes',
  'macs',
  'flops',
  'inputBytes',
  'outputBytes',
  'workspaceBytes',
  'workingSetBytes',
  'arithmeticIntensity',
] as const satisfies readonly (keyof LayerStats)[];

/** Optional stored columns, written last; read when present (files written before them lack them). */
export const OPTIONAL_COLUMNS = ['harnessMs'] as const;

/** Every column of a memlat dataset CSV, in order (the header line). */
export const ALL_COLUMNS: readonly string[] = [...ROW_COLUMNS, ...STAT_COLUMNS, ...OPTIONAL_COLUMNS];

/**
 * Computes a row's derived statistics (default: rowLayerStats). Returning null leaves the stat
 * columns empty.
 */
export type RowStatsFn = (row: MeasurementRow) => LayerStats | null;

/**
 * The default derived statistics of a row: `layerStats` (src/features/layer.ts) at 1 intra-op thread
 * (only the conv workspace depends on threads), or null if the layer cannot be analysed (e.g. an
 * opaque layer without enough information).
 */
export function rowLayerStats(row: MeasurementRow): LayerStats | null {
  try {
    return layerStats({ index: row.layerIndex, layer: row.layer, inputShapes: row.inputShapes, outputShape: row.outputShape });
  } catch {
    return null;
  }
}

const LAYER_TYPES: ReadonlySet<string> = new Set<LayerType>(ALL_LAYER_TYPES);

function num(v: number | null): string {
  return v === null || Number.isNaN(v) ? '' : String(v);
}

/** One row as CSV field strings in ALL_COLUMNS order. Cost: O(size of the layer JSON). */
export function rowToFields(row: MeasurementRow, stats: RowStatsFn = rowLayerStats): string[] {
  const s = stats(row);
  return [
    row.hardwareId,
    row.source,
    row.network,
    String(row.layerIndex),
    row.layerName,
    row.layerType,
    num(row.memoryLimitBytes),
    String(row.rep),
    num(row.loadMs),
    num(row.runMs),
    num(row.unloadMs),
    num(row.majorFaults),
    num(row.swapInPages),
    num(row.swapOutPages),
    row.oom ? 'true' : 'false',
    JSON.stringify(row.layer),
    JSON.stringify(row.inputShapes),
    JSON.stringify(row.outputShape),
    ...STAT_COLUMNS.map((c) => (s ? String(s[c]) : '')),
    num(row.harnessMs ?? null),
  ];
}

/** The header line, newline-terminated. */
export function encodeHeader(): string {
  return stringify([[...ALL_COLUMNS]]);
}

/**
 * Encodes rows as CSV lines (each newline-terminated), with the header line first when asked.
 * Cost: linear in the rows; ~0.3 s per 100k rows (csv-stringify).
 */
export function encodeRows(rows: readonly MeasurementRow[], opts: { header?: boolean; stats?: RowStatsFn } = {}): string {
  const body = rows.length ? stringify(rows.map((r) => rowToFields(r, opts.stats ?? rowLayerStats))) : '';
  return (opts.header ? encodeHeader() : '') + body;
}

/** Result of decoding: the rows, and whether a truncated (unterminated) last line was dropped. */
export interface DecodedRows {
  rows: MeasurementRow[];
  /** The text did not end with a newline: its last line was cut off by a killed writer and skipped. */
  droppedPartialLine: boolean;
  /** Byte length (UTF-8) of the complete lines, i.e. where an appending writer should continue. */
  completeBytes: number;
}

/**
 * Decodes a dataset CSV (header required). `where` names the file in error messages.
 * A truncated last line is dropped (reported in `droppedPartialLine`); any other malformed field
 * throws a UserError naming the file, line, column and value. Cost: linear in the text.
 */
export function decodeRows(text: string, where: string): DecodedRows {
  let complete = text;
  let droppedPartialLine = false;
  if (text.length > 0 && !text.endsWith('\n')) {
    complete = text.slice(0, text.lastIndexOf('\n') + 1);
    droppedPartialLine = true;
  }
  const completeBytes = Buffer.byteLength(complete, 'utf8');
  if (complete.trim() === '') {
    return { rows: [], droppedPartialLine, completeBytes };
  }
  let records: string[][];
  try {
    records = parse(complete, { relax_column_count: true, columns: false });
  } catch (e) {
    throw new UserError(
      `${where}: not a readable CSV file (${(e as Error).message}); it must be a memlat dataset written by 'memlat profile' or 'memlat import'`,
    );
  }
  const header = records[0] ?? [];
  const col = new Map(header.map((h, i) => [h, i] as const));
  const missing = ROW_COLUMNS.filter((c) => !col.has(c));
  if (missing.length) {
    throw new UserError(`${where}: header lacks column(s) ${missing.join(', ')}; a memlat dataset needs ${ROW_COLUMNS.join(',')}`);
  }
  const rows: MeasurementRow[] = [];
  for (let r = 1; r < records.length; r++) {
    const rec = records[r]!;
    if (rec.length === 1 && rec[0] === '') continue; // blank line
    rows.push(recordToRow(rec, col, `${where} line ${r + 1}`));
  }
  return { rows, droppedPartialLine, completeBytes };
}

function recordToRow(rec: string[], col: Map<string, number>, where: string): MeasurementRow {
  const get = (c: string): string => rec[col.get(c)!] ?? '';
  const bad = (c: string, why: string): UserError => new UserError(`${where}: column ${c} "${get(c).slice(0, 60)}" ${why}; fix or delete that line`);
  const numReq = (c: string): number => {
    const v = get(c);
    const n = Number(v);
    if (v === '' || !Number.isFinite(n)) throw bad(c, 'is not a number');
    return n;
  };
  const numOpt = (c: string): number | null => (get(c) === '' ? null : numReq(c));
  const nonNegOpt = (c: string, what: string): number | null => {
    const n = numOpt(c);
    if (n !== null && n < 0) throw bad(c, `is negative; ${what}`);
    return n;
  };
  const harnessMs = col.has('harnessMs') ? numOpt('harnessMs') : null;
  const intReq = (c: string): number => {
    const n = numReq(c);
    if (!Number.isInteger(n) || n < 0) throw bad(c, 'is not a non-negative integer');
    return n;
  };
  const json = (c: string): unknown => {
    try {
      return JSON.parse(get(c)) as unknown;
    } catch {
      throw bad(c, 'is not valid JSON');
    }
  };
  const shapes = (c: string, v: unknown): number[][] => {
    if (!Array.isArray(v) || !v.every((s) => Array.isArray(s) && s.every((d) => Number.isInteger(d)))) {
      throw bad(c, 'is not a JSON list of shapes like [[1,3,224,224]]');
    }
    return v as number[][];
  };
  const layerType = get('layerType');
  if (!LAYER_TYPES.has(layerType)) throw bad('layerType', `is not a layer type (${[...LAYER_TYPES].join(', ')})`);
  const layer = json('layer');
  if (typeof layer !== 'object' || layer === null || (layer as { type?: unknown }).type !== layerType) {
    throw bad('layer', `is not a ${layerType} layer description`);
  }
  const oom = get('oom');
  if (oom !== 'true' && oom !== 'false') throw bad('oom', 'must be true or false');
  const outputShape = shapes('outputShape', [json('outputShape')])[0]!;
  // An OOM-killed measurement has no meaningful times: stored empty, read back as NaN.
  const timeMs = (c: string): number => {
    if (oom === 'true' && get(c) === '') return NaN;
    const n = numReq(c);
    if (n < 0) throw bad(c, 'is a negative time; times are >= 0 ms');
    return n;
  };
  const limit = numOpt('memoryLimitBytes');
  if (limit !== null && (!Number.isSafeInteger(limit) || limit <= 0)) {
    throw bad('memoryLimitBytes', 'is not a memory limit (a positive whole number of bytes below 8 PiB, or empty for none)');
  }
  return {
    hardwareId: get('hardwareId'),
    source: get('source'),
    network: get('network'),
    layerIndex: intReq('layerIndex'),
    layerName: get('layerName'),
    layerType: layerType as LayerType,
    layer: layer as Layer,
    inputShapes: shapes('inputShapes', json('inputShapes')),
    outputShape,
    memoryLimitBytes: limit,
    rep: intReq('rep'),
    loadMs: timeMs('loadMs'),
    runMs: timeMs('runMs'),
    unloadMs: nonNegOpt('unloadMs', 'times are >= 0 ms'),
    majorFaults: nonNegOpt('majorFaults', 'counts are >= 0'),
    swapInPages: nonNegOpt('swapInPages', 'counts are >= 0'),
    swapOutPages: nonNegOpt('swapOutPages', 'counts are >= 0'),
    oom: oom === 'true',
    ...(harnessMs !== null ? { harnessMs } : {}),
  };
}
