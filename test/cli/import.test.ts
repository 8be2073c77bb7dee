import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { register } from '../../src/cli/commands/import.js';
import { readDataset } from '../../src/dataset/files.js';
import { UserError } from '../../src/errors.js';
import { edgecaffeDir } from '../helpers/paths.js';
import { withTempDir } from '../helpers/tmp.js';

async function cli(args: string[]): Promise<void> {
  const program = new Command().exitOverride();
  register(program);
  await program.parseAsync(['node', 'memlat', ...args]);
}

test('memlat import edgecaffe writes rows, fingerprint and pipeline table; export --parquet reads back', async () => {
  await withTempDir('memlat-cli-', async (dir) => {
    const out = join(dir, 'ec.csv.gz');
    await cli(['import', 'edgecaffe', edgecaffeDir, '--out', out]);
    const { rows, hardware } = await readDataset(out);
    assert.equal(rows.filter((r) => r.source === 'edgecaffe').length, (19 + 19 + 23) * 51); // AgeNet, GenderNet, FaceNet
    assert.deepEqual(
      hardware.map((h) => h.id),
      ['edgecaffe-testbed'],
    );
    const pipeline = await readFile(join(dir, 'ec.pipeline.csv'), 'utf8');
    assert.equal(pipeline.split('\n')[1], '4294967296,partial,32255');

    await cli(['import', 'edgecaffe', edgecaffeDir, '--out', join(dir, 'runs.csv'), '--no-means']);
    const runsOnly = (await readDataset(join(dir, 'runs.csv'))).rows;
    assert.ok(runsOnly.length > 0 && runsOnly.every((r) => r.source === 'edgecaffe'));

    const pq = join(dir, 'ec.parquet');
    await cli(['export', '--data', out, '--parquet', pq]);
    const back = await parquetReadObjects({ file: await asyncBufferFromFile(pq), columns: ['network'] });
    assert.equal(back.length, rows.length);

    await assert.rejects(
      cli(['import', 'edgecaffe', join(dir, 'nothing'), '--out', join(dir, 'x.csv')]),
      (e: unknown) => e instanceof UserError && /edgecaffe directory .*nothing: not found/.test(e.message),
    );
    await assert.rejects(cli(['import', 'edgecaffe', edgecaffeDir, '--out', join(dir, 'x.txt')]), /--out .*x\.txt: must end in \.csv/);
  });
});
