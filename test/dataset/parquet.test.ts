import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { ALL_COLUMNS } from '../../src/dataset/csv.js';
import { readEdgecaffeDir, writeParquet } from '../../src/dataset/files.js';
import { edgecaffeDir } from '../helpers/paths.js';
import { denseRow } from '../helpers/rows.js';
import { withTempDir } from '../helpers/tmp.js';

test('Parquet export reads back with hyparquet: every column, values, nulls for OOM times', async () => {
  await withTempDir('memlat-pq-', async (dir) => {
    const rows = [denseRow(0), denseRow(1, { oom: true, loadMs: NaN, runMs: NaN, unloadMs: null, memoryLimitBytes: null })];
    const p = join(dir, 'rows.parquet');
    await writeParquet(p, rows);
    const file = await asyncBufferFromFile(p);
    const meta = await parquetMetadataAsync(file);
    assert.equal(Number(meta.num_rows), 2);
    const back = await parquetReadObjects({ file });
    assert.deepEqual(Object.keys(back[0]!), [...ALL_COLUMNS]);
    assert.equal(back[0]!.loadMs, 1.25);
    assert.equal(back[0]!.memoryLimitBytes, 268435456);
    assert.equal(back[0]!.weightBytes, 2600);
    assert.equal(back[0]!.oom, false);
    assert.deepEqual(JSON.parse(back[0]!.layer as string), rows[0]!.layer);
    assert.equal(back[1]!.loadMs, null);
    assert.equal(back[1]!.memoryLimitBytes, null);
    assert.equal(back[1]!.oom, true);

    // The whole EdgeCaffe import round-trips (row count and a known value).
    const ec = await readEdgecaffeDir(edgecaffeDir);
    const p2 = join(dir, 'ec.parquet');
    await writeParquet(p2, ec.rows);
    const all = await parquetReadObjects({ file: await asyncBufferFromFile(p2), columns: ['network', 'layerName', 'rep', 'loadMs'] });
    assert.equal(all.length, ec.rows.length);
    const c1 = all.find((r) => r.network === 'AgeNet' && r.layerName === 'conv1' && r.rep === 0)!;
    assert.equal(c1.loadMs, 0.732042);
  });
});
