import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeRows } from '../../src/dataset/csv.js';
import type { HardwareFingerprint } from '../../src/dataset/schema.js';
import { UserError } from '../../src/errors.js';
import { hardwarePathFor, openRowWriter, readDataset, readDatasets, writeDataset, writeHardware } from '../../src/dataset/files.js';
import { denseRow } from '../helpers/rows.js';
import { withTempDir } from '../helpers/tmp.js';

const hw: HardwareFingerprint = {
  id: 'hw-test',
  cpuModel: 'Test CPU',
  cores: 2,
  ramBytes: 4 * 1024 ** 3,
  cgroupVersion: 1,
  diskReadBytesPerSec: null,
  memBandwidthBytesPerSec: null,
  gemmGflops: null,
  runtimeIdleBytes: 60e6,
};

test('hardwarePathFor strips .csv and .csv.gz', () => {
  assert.equal(hardwarePathFor('/d/rows.csv'), '/d/rows.hardware.json');
  assert.equal(hardwarePathFor('/d/rows.csv.gz'), '/d/rows.hardware.json');
});

test('writeDataset/readDataset round-trip, plain and gzip, with fingerprints', () =>
  withTempDir('memlat-ds-', async (dir) => {
    const rows = [denseRow(0), denseRow(1), denseRow(2, { memoryLimitBytes: null })];
    for (const name of ['a.csv', 'b.csv.gz']) {
      const p = join(dir, name);
      await writeDataset(p, rows, { hardware: [hw] });
      const back = await readDataset(p);
      assert.deepEqual(back.rows, rows);
      assert.deepEqual(back.hardware, [hw]);
    }
    const gz = await readFile(join(dir, 'b.csv.gz'));
    assert.deepEqual([...gz.subarray(0, 2)], [0x1f, 0x8b]); // really gzip
    await writeHardware(join(dir, 'a.csv'), [
      { ...hw, cores: 4 },
      { ...hw, id: 'other' },
    ]);
    const h = (await readDataset(join(dir, 'a.csv'))).hardware;
    assert.deepEqual(
      h.map((x) => [x.id, x.cores]),
      [
        ['hw-test', 4],
        ['other', 2],
      ],
    );
  }));

test('a missing dataset is a UserError that says how to make one', () =>
  withTempDir('memlat-ds-', async (dir) => {
    await assert.rejects(
      readDataset(join(dir, 'nope.csv')),
      (e: unknown) => e instanceof UserError && /no such file; make one with 'memlat profile --out/.test(e.message),
    );
  }));

test('the appending writer resumes after a truncated line: nothing lost, nothing duplicated', () =>
  withTempDir('memlat-ds-', async (dir) => {
    const p = join(dir, 'rows.csv');
    const w1 = await openRowWriter(p);
    assert.equal(w1.existing.length, 0);
    await w1.append([denseRow(0), denseRow(1)]);
    await w1.append([denseRow(2)]);
    await w1.close();
    // Simulate a kill in the middle of writing row 3.
    const partial = encodeRows([denseRow(3)]);
    await appendFile(p, partial.slice(0, 40));
    assert.equal((await readDataset(p)).rows.length, 3); // reader drops the partial line
    const w2 = await openRowWriter(p);
    assert.equal(w2.droppedPartialLine, true);
    assert.deepEqual(w2.existing, [denseRow(0), denseRow(1), denseRow(2)]);
    await w2.append([denseRow(3), denseRow(4)]);
    await w2.close();
    const { rows } = await readDataset(p);
    assert.deepEqual(
      rows,
      [0, 1, 2, 3, 4].map((i) => denseRow(i)),
    );
    const text = await readFile(p, 'utf8');
    assert.equal(text.split('\n').filter((l) => l.startsWith('hardwareId,')).length, 1); // one header
  }));

test('the writer refuses a foreign CSV and gzip output with a fix', () =>
  withTempDir('memlat-ds-', async (dir) => {
    const p = join(dir, 'other.csv');
    await writeFile(p, 'a,b\n1,2\n');
    await assert.rejects(openRowWriter(p), /^UserError: out .*other\.csv: exists but its header is not.*; choose another out or convert it/);
    await assert.rejects(openRowWriter(join(dir, 'x.csv.gz')), /cannot be gzip-compressed; write to a \.csv/);
    await writeFile(join(dir, 'bad.csv.gz'), gzipSync('x').subarray(0, 5));
    await assert.rejects(readDataset(join(dir, 'bad.csv.gz')), /not a valid gzip file/);
  }));

test('readDatasets: comma-separated files read as one (first fingerprint wins); shared network names are refused', () =>
  withTempDir('memlat-ds-', async (dir) => {
    const a = [denseRow(0), denseRow(1, { memoryLimitBytes: null })];
    const b = [denseRow(0, { network: 'g00000' }), denseRow(1, { network: 'g00000', memoryLimitBytes: null })];
    await writeDataset(join(dir, 'a.csv'), a, { hardware: [hw] });
    await writeDataset(join(dir, 'b.csv.gz'), b, { hardware: [{ ...hw, runtimeIdleBytes: 61e6 }] });
    const both = await readDatasets(`${join(dir, 'a.csv')},${join(dir, 'b.csv.gz')}`);
    assert.deepEqual(both.rows, [...a, ...b]);
    assert.deepEqual(both.hardware, [hw]);
    assert.deepEqual((await readDatasets(join(dir, 'a.csv'))).rows, a);
    await writeDataset(join(dir, 'c.csv'), a, { hardware: [hw] });
    await assert.rejects(
      readDatasets(`${join(dir, 'a.csv')},${join(dir, 'c.csv')}`),
      (e: unknown) =>
        e instanceof UserError && /c\.csv: network ".+" layer 0 also appears in .*a\.csv; datasets read together need distinct network names/.test(e.message),
    );
  }));
