// The per-call probe's arithmetic (median pass per phase, summed over networks) and its derivation
// from a dataset's validation rows, checked against the shipped host-A validation runs summed
// independently (python3 over data/validation/rows.csv.gz: per network and rep, sum each phase over
// the layers; median over the 5 reps; sum the two networks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CALL_PROBE_NETWORKS, callProbeFromPasses, callProbeFromRows } from '../../src/dataset/call-probe.js';
import { readDataset } from '../../src/dataset/files.js';

const t = (loadMs: number, runMs: number, unloadMs: number) => ({ loadMs, runMs, unloadMs });

test('callProbeFromPasses: per network the median over passes of each phase summed over layers, then summed over networks', () => {
  const p = callProbeFromPasses(
    [
      // three passes of two layers (the second weightless): load sums 3, 5, 4 -> 4; run 30, 10, 20 -> 20;
      // unload 2, 2, 8 -> 2; the weightless layer's load 2, 3, 2 -> 2
      {
        name: 'a',
        weightBytes: 1000,
        passes: [
          [t(1, 10, 1), t(2, 20, 1)],
          [t(2, 5, 1), t(3, 5, 1)],
          [t(2, 10, 4), t(2, 10, 4)],
        ],
        weightless: [false, true],
      },
      // one pass of one layer
      { name: 'b', weightBytes: 500, passes: [[t(7, 70, 0.5)]], weightless: [false] },
    ],
    2,
  );
  assert.deepEqual(p, {
    networks: ['a', 'b'],
    layers: 3,
    weightBytes: 1500,
    passes: 1,
    threads: 2,
    loadMs: 11,
    runMs: 90,
    unloadMs: 2.5,
    weightlessLayers: 1,
    weightlessLoadMs: 2,
  });
  assert.throws(() => callProbeFromPasses([{ name: 'empty', weightBytes: 0, passes: [], weightless: [] }], 1), /network empty has no passes/);
  assert.throws(() => callProbeFromPasses([{ name: 'short', weightBytes: 0, passes: [[t(1, 1, 1)]], weightless: [true, true] }], 1), /other lengths/);
});

test('callProbeFromRows: the shipped validation runs give the model machine the same probe python sums from them', async () => {
  const { rows, hardware } = await readDataset('data/validation/rows.csv.gz');
  const hw = hardware[0]!;
  const p = callProbeFromRows(rows, hw.id, 2, 'data/validation/rows.csv.gz')!;
  assert.deepEqual(p.networks, [...CALL_PROBE_NETWORKS]);
  assert.equal(p.layers, 157 + 66);
  assert.equal(p.passes, 5);
  assert.ok(Math.abs(p.loadMs - 118.77998399998978) < 1e-6, `load ${p.loadMs}`);
  assert.ok(Math.abs(p.runMs - 659.2571520000129) < 1e-6, `run ${p.runMs}`);
  assert.ok(Math.abs(p.unloadMs - 46.49369100001559) < 1e-6, `unload ${p.unloadMs}`);
  // layers without weights (69 + 40) load nothing: 0.129 + 0.108 ms in the median pass
  assert.equal(p.weightlessLayers, 109);
  assert.ok(Math.abs(p.weightlessLoadMs! - 0.23751500000162196) < 1e-9, `weightless load ${p.weightlessLoadMs}`);
  // torchvision's parameter counts (2,542,856 + 1,235,496) x 4 bytes, plus BatchNorm running statistics
  assert.ok(p.weightBytes >= 3_778_352 * 4 && p.weightBytes < 3_778_352 * 4 * 1.02, `weights ${p.weightBytes}`);
  assert.equal(callProbeFromRows(rows, 'another-machine', 2, 'x'), null);
  assert.equal(callProbeFromRows(rows, hw.id, 2, 'x', ['resnet18', 'not-there']), null);
});
