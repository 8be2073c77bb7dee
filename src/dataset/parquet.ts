/**
 * Parquet encoding of a dataset (pure: rows in, bytes out), for pandas / duckdb / polars readers.
 * Same columns as the CSV (src/dataset/csv.ts ALL_COLUMNS): strings as UTF8, counts and indices as
 * INT32/DOUBLE, times and bytes as DOUBLE, `oom` as BOOLEAN, the JSON columns (`layer`,
 * `inputShapes`, `outputShape`) as plain UTF8 strings holding JSON. Empty / not-measured values are nulls
 * (an OOM row's times are null, not NaN). Written with hyparquet-writer (snappy-compressed pages).
 * Cost: linear in the rows; ~100k rows per second.
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ColumnSource } from 'hyparquet-writer';
import { rowLayerStats, STAT_COLUMNS, type RowStatsFn } from './csv.js';
import type { MeasurementRow } from './schema.js';

function n(v: number | null): number | null {
  return v === null || Number.isNaN(v) ? null : v;
}

/** The column arrays of the rows, in CSV column order. */
export function rowsToParquetColumns(rows: readonly MeasurementRow[], stats: RowStatsFn = rowLayerStats): ColumnSource[] {
  const st = rows.map((r) => stats(r));
  const col = <T>(name: string, type: ColumnSource['type'], f: (r: MeasurementRow) => T): ColumnSource => ({ name, type, data: rows.map(f) });
  return [
    col('hardwareId', 'STRING', (r) => r.hardwareId),
    col('source', 'STRING', (r) => r.source),
    col('network', 'STRING', (r) => r.network),
    col('layerIndex', 'INT32', (r) => r.layerIndex),
    col('layerName', 'STRING', (r) => r.layerName),
    col('layerType', 'STRING', (r) => r.layerType),
    col('memoryLimitBytes', 'DOUBLE', (r) => n(r.memoryLimitBytes)),
    col('rep', 'INT32', (r) => r.rep),
    col('loadMs', 'DOUBLE', (r) => n(r.loadMs)),
    col('runMs', 'DOUBLE', (r) => n(r.runMs)),
    col('unloadMs', 'DOUBLE', (r) => n(r.unloadMs)),
    col('majorFaults', 'DOUBLE', (r) => n(r.majorFaults)),
    col('swapInPages', 'DOUBLE', (r) => n(r.swapInPages)),
    col('swapOutPages', 'DOUBLE', (r) => n(r.swapOutPages)),
    col('oom', 'BOOLEAN', (r) => r.oom),
    col('layer', 'STRING', (r) => JSON.stringify(r.layer)),
    col('inputShapes', 'STRING', (r) => JSON.stringify(r.inputShapes)),
    col('outputShape', 'STRING', (r) => JSON.stringify(r.outputShape)),
    ...STAT_COLUMNS.map((c): ColumnSource => ({ name: c, type: 'DOUBLE', data: st.map((s) => (s ? s[c] : null)) })),
    col('harnessMs', 'DOUBLE', (r) => n(r.harnessMs ?? null)),
  ];
}

/** Encodes the rows as one Parquet file (bytes). */
export function encodeParquet(rows: readonly MeasurementRow[], stats?: RowStatsFn): ArrayBuffer {
  return parquetWriteBuffer({ columnData: rowsToParquetColumns(rows, stats) });
}
