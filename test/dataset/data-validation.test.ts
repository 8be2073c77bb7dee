// Data is validated where it enters: negative or non-finite times, impossible memory limits and
// negative counts are refused naming the file, line and value; empty and header-only datasets are
// refused by every command that reads them (fit, report, evaluate, export).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeRows, encodeHeader, encodeRows } from '../../src/dataset/csv.js';
import { readDataset } from '../../src/dataset/files.js';
import { UserError } from '../../src/errors.js';
import { captureCli } from '../helpers/cli.js';
import { denseRow } from '../helpers/rows.js';
import { withTempDir } from '../helpers/tmp.js';

function csvWith(over: Parameters<typeof denseRow>[1]): string {
  return encodeRows([denseRow(0), denseRow(1, over)], { header: true });
}

test('decodeRows refuses negative times, non-finite times, impossible limits and negative counts with the line', () => {
  const cases: [Parameters<typeof denseRow>[1], RegExp][] = [
    [{ runMs: -0.5 }, /^d\.csv line 3: column runMs "-0\.5" is a negative time; times are >= 0 ms; fix or delete that line$/],
    [{ loadMs: -1 }, /^d\.csv line 3: column loadMs "-1" is a negative time/],
    [{ unloadMs: -2 }, /^d\.csv line 3: column unloadMs "-2" is negative; times are >= 0 ms/],
    [{ loadMs: Infinity }, /^d\.csv line 3: column loadMs "Infinity" is not a number/],
    [{ memoryLimitBytes: -4096 }, /^d\.csv line 3: column memoryLimitBytes "-4096" is not a memory limit/],
    [{ memoryLimitBytes: 0 }, /^d\.csv line 3: column memoryLimitBytes "0" is not a memory limit/],
    [{ memoryLimitBytes: 1e30 }, /^d\.csv line 3: column memoryLimitBytes "1e\+30" is not a memory limit/],
    [{ memoryLimitBytes: 1.5 }, /^d\.csv line 3: column memoryLimitBytes "1\.5" is not a memory limit/],
    [{ majorFaults: -3 }, /^d\.csv line 3: column majorFaults "-3" is negative; counts are >= 0/],
  ];
  for (const [over, re] of cases) {
    assert.throws(
      () => decodeRows(csvWith(over), 'd.csv'),
      (e: unknown) => e instanceof UserError && re.test(e.message),
      JSON.stringify(over),
    );
  }
  // valid rows still decode, including an unlimited row and an OOM row without times
  const ok = decodeRows(encodeRows([denseRow(0, { memoryLimitBytes: null }), denseRow(1, { oom: true, loadMs: NaN, runMs: NaN })], { header: true }), 'd.csv');
  assert.equal(ok.rows.length, 2);
  assert.equal(ok.rows[0]!.memoryLimitBytes, null);
  assert.equal(ok.rows[1]!.oom, true);
});

test('empty and header-only datasets are refused by readDataset and by fit, report, evaluate and export', async () => {
  await withTempDir('memlat-empty-', async (dir) => {
    const empty = join(dir, 'empty.csv');
    const headerOnly = join(dir, 'header.csv');
    writeFileSync(empty, '');
    writeFileSync(headerOnly, encodeHeader());
    for (const p of [empty, headerOnly]) {
      const msg = `${p}: no measurement rows (the file is empty or has only its header); give a dataset written by 'memlat profile', 'memlat validate-runs' or 'memlat import'`;
      await assert.rejects(readDataset(p), (e: unknown) => e instanceof UserError && e.message === msg);
      for (const argv of [
        ['fit', '--data', p, '--out', join(dir, 'm.json')],
        ['report', '--data', p, '--out', join(dir, 'r.html')],
        ['evaluate', '--data', p, '--models', 'fe'],
        ['export', '--data', p, '--parquet', join(dir, 'x.parquet')],
      ]) {
        const r = await captureCli(argv);
        assert.equal(r.code, 2, `${argv[0]}: ${r.err}`);
        assert.equal(r.err.trim(), `memlat: ${msg}`, argv[0]);
      }
    }
    // and fit on all-negative data is refused instead of fitting rmse 0
    const neg = join(dir, 'neg.csv');
    writeFileSync(neg, encodeRows([denseRow(0, { runMs: -1 }), denseRow(1, { runMs: -2 })], { header: true }));
    const r = await captureCli(['fit', '--data', neg, '--out', join(dir, 'm.json')]);
    assert.equal(r.code, 2);
    assert.match(r.err, new RegExp(`${neg} line 2: column runMs "-1" is a negative time`));
  });
});
