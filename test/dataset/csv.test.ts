import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { ALL_COLUMNS, decodeRows, encodeRows } from '../../src/dataset/csv.js';
import { UserError } from '../../src/errors.js';
import type { LayerStats } from '../../src/network/types.js';
import { denseRow } from '../helpers/rows.js';

test('encode/decode round-trips every field, including nulls and JSON columns', () => {
  const rows = [
    denseRow(0),
    denseRow(1, { memoryLimitBytes: null, unloadMs: null, majorFaults: null, swapInPages: null }),
    denseRow(2, {
      layerType: 'conv2d',
      layerName: 'c,"q"',
      layer: { type: 'conv2d', name: 'c,"q"', inputs: ['x'], outChannels: 8, kernel: [3, 3], padding: 1 },
      inputShapes: [[1, 3, 8, 8]],
      outputShape: [1, 8, 8, 8],
    }),
  ];
  const text = encodeRows(rows, { header: true });
  const dec = decodeRows(text, 't.csv');
  assert.deepEqual(dec.rows, rows);
  assert.equal(dec.droppedPartialLine, false);
  assert.equal(text.split('\n').length, rows.length + 2); // header + rows + trailing ''
});

test('OOM rows store empty times and read back as NaN', () => {
  const row = denseRow(0, { oom: true, loadMs: NaN, runMs: NaN, unloadMs: null });
  const [back] = decodeRows(encodeRows([row], { header: true }), 't.csv').rows;
  assert.ok(back);
  assert.equal(back.oom, true);
  assert.ok(Number.isNaN(back.loadMs) && Number.isNaN(back.runMs));
});

test('a truncated last line is dropped and completeBytes points at its start', () => {
  const full = encodeRows([denseRow(0), denseRow(1)], { header: true });
  const cut = full.slice(0, full.length - 20);
  const dec = decodeRows(cut, 't.csv');
  assert.equal(dec.rows.length, 1);
  assert.equal(dec.droppedPartialLine, true);
  assert.equal(dec.completeBytes, full.lastIndexOf('\n', full.length - 2) + 1);
  assert.deepEqual(dec.rows[0], denseRow(0));
});

test('stat columns carry the supplied layer statistics and pandas sees a flat table', () => {
  const stats: LayerStats = {
    params: 650,
    weights: 640,
    weightBytes: 2600,
    macs: 640,
    flops: 1300,
    inputBytes: 256,
    outputBytes: 40,
    workspaceBytes: 0,
    workingSetBytes: 2896,
    arithmeticIntensity: 1300 / 2896,
  };
  const text = encodeRows([denseRow(0)], { header: true, stats: () => stats });
  const recs = parse<Record<string, string>>(text, { columns: true });
  assert.equal(Object.keys(recs[0]!).length, ALL_COLUMNS.length);
  assert.equal(recs[0]!.weightBytes, '2600');
  assert.equal(recs[0]!.loadMs, '1.25');
  assert.equal(recs[0]!.memoryLimitBytes, '268435456');
});

test('bad fields throw UserError naming file, line, column and value', () => {
  const text = encodeRows([denseRow(0), denseRow(1)], { header: true }).replace('2.25', 'fast');
  assert.throws(
    () => decodeRows(text, 'rows.csv'),
    (e: unknown) => e instanceof UserError && /^rows\.csv line 3: column loadMs "fast" is not a number/.test(e.message),
  );
  assert.throws(() => decodeRows('a,b\n1,2\n', 'x.csv'), /x\.csv: header lacks column\(s\) hardwareId/);
  const badType = encodeRows([denseRow(0)], { header: true }).replace(',dense,', ',densest,');
  assert.throws(() => decodeRows(badType, 'r.csv'), /column layerType "densest" is not a layer type/);
});

test('by default the stat columns are layerStats of the row (dense 64 -> 10: 650 params, 2600 weight bytes)', () => {
  const recs = parse<Record<string, string>>(encodeRows([denseRow(0)], { header: true }), { columns: true });
  assert.equal(recs[0]!.params, '650');
  assert.equal(recs[0]!.weightBytes, '2600');
  assert.equal(recs[0]!.macs, '640');
  assert.equal(recs[0]!.inputBytes, '256');
  assert.equal(recs[0]!.outputBytes, '40');
});
