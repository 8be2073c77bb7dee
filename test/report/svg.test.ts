import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linearTicks, log2Ticks, logTicks, escapeXml, lineChartSvg, scatterSvg, stackedBarsSvg } from '../../src/report/svg.js';
import { evaluateOnObservations } from '../../src/report/report.js';
import type { Model } from '../../src/models/types.js';
import type { LayerObservation } from '../../src/models/observations.js';

const count = (s: string, re: RegExp): number => (s.match(re) ?? []).length;

test('ticks by hand', () => {
  assert.deepEqual(logTicks(1, 1000), [1, 10, 100, 1000]);
  assert.deepEqual(logTicks(3, 60), [5, 10, 20, 50]);
  assert.deepEqual(log2Ticks(64 * 2 ** 20, 2 ** 30), [2 ** 26, 2 ** 27, 2 ** 28, 2 ** 29, 2 ** 30]);
  assert.deepEqual(linearTicks(0, 10), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(linearTicks(0, 0.3, 3), [0, 0.1, 0.2, 0.3]);
  assert.equal(escapeXml(`a<b & "c"`), 'a&lt;b &amp; &quot;c&quot;');
});

test('scatterSvg: one circle per positive point on log axes, placed by the log scale, y = x diagonal', () => {
  const pts = [
    { x: 1, y: 1 },
    { x: 10, y: 10 },
    { x: 100, y: 100 },
    { x: 0, y: 5 },
  ];
  const s = scatterSvg({ title: 't <1>', x: { label: 'measured', log: true }, y: { label: 'predicted', log: true }, points: pts, diagonal: true });
  assert.equal(count(s, /class="mark point"/g), 3);
  assert.match(s, /data-points="3" data-dropped="1"/);
  assert.match(s, /<title>t &lt;1&gt;<\/title>/);
  // Plot area x from 70 to 620: 1 -> 70, 10 -> 345, 100 -> 620 (log scale); y from 344 to 36.
  const cx = [...s.matchAll(/class="mark point" cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.deepEqual(cx, [
    [70, 344],
    [345, 190],
    [620, 36],
  ]);
  assert.equal(count(s, /class="diagonal"/g), 1);
});

test('lineChartSvg: a path with one vertex per point, band, markers and overlay', () => {
  const points = Array.from({ length: 17 }, (_, i) => ({ x: 2 ** (20 + i / 2), y: 100 - i }));
  const s = lineChartSvg({
    title: 'c',
    x: { label: 'M', log: true },
    xBytes: true,
    y: { label: 'ms' },
    series: [{ name: 'pred', points }],
    band: { name: 'iv', points: points.map((p) => ({ x: p.x, lo: p.y * 0.9, hi: p.y * 1.1 })) },
    markers: [{ name: 'knee', x: 2 ** 24 }],
    overlay: {
      name: 'measured',
      points: [
        { x: 2 ** 22, y: 95 },
        { x: 2 ** 26, y: 90 },
      ],
    },
  });
  const d = /class="mark line"[^>]* d="([^"]+)"/.exec(s)![1]!;
  assert.equal(count(d, /[ML]/g), 17);
  assert.equal(count(s, /class="mark band"/g), 1);
  assert.equal(count(s, /class="mark marker"/g), 1);
  assert.equal(count(s, /class="mark point"/g), 2);
  assert.equal(count(s, /class="legend-item"/g), 3);
});

test('stackedBarsSvg: one rect per non-zero segment; stacked heights add up', () => {
  const s = stackedBarsSvg({
    title: 'b',
    categories: ['a', 'b'],
    stacks: [
      { name: 'load', values: [1, 0] },
      { name: 'run', values: [3, 2] },
    ],
    yLabel: 'ms',
  });
  assert.equal(count(s, /class="mark bar"/g), 3);
  const h = [...s.matchAll(/class="mark bar" data-category="a"[^>]* height="([\d.]+)"/g)].map((m) => Number(m[1]));
  // y domain [0, 4.2] over 308 px: heights 1/4.2 and 3/4.2 of it.
  assert.ok(Math.abs(h[0]! - 308 / 4.2) < 0.02 && Math.abs(h[1]! - (3 * 308) / 4.2) < 0.02, String(h));
});

test('evaluateOnObservations: errors, bias and within-20% per memory level by hand', () => {
  // A model predicting exactly 2x load, 1x run; unload fitted.
  const model = {
    fittedTargets: ['load', 'run', 'unload'],
    predict: (o: LayerObservation) => ({ loadMs: 2 * o.loadMs, runMs: o.runMs, unloadMs: o.unloadMs ?? 0 }),
  } as unknown as Model;
  const ob = (m: number | null, load: number, run: number): LayerObservation =>
    ({ memoryLimitBytes: m, loadMs: load, runMs: run, unloadMs: 0, network: 'n', layerIndex: 0, layerType: 'dense' }) as LayerObservation;
  const r = evaluateOnObservations(model, [ob(null, 1, 9), ob(null, 5, 5), ob(2 ** 20, 10, 0)]);
  assert.deepEqual(r.phases, ['load', 'run', 'unload']);
  assert.deepEqual(
    r.byMemory.map((l) => l.label),
    ['1 MiB', 'none'],
  );
  // none: ratios 11/10 and 15/10 -> errors 10%, 50%: median 30; bias sqrt(1.65); within 20%: 1 of 2.
  const none = r.byMemory[1]!;
  assert.ok(Math.abs(none.medianAbsPctError - 30) < 1e-9);
  assert.ok(Math.abs(none.bias - Math.sqrt(1.65)) < 1e-12);
  assert.equal(none.within20, 0.5);
  assert.equal(r.byMemory[0]!.medianAbsPctError, 100);
});

test('reportHtml: large datasets are thinned to at most MAX_SCATTER_POINTS circles, evenly', async () => {
  const { testBundle } = await import('../helpers/bundle-fixture.js');
  const { resolveNetwork } = await import('../../src/network/shapes.js');
  const { zooNetwork } = await import('../../src/network/zoo/index.js');
  const { predictNetwork } = await import('../../src/predict/predict.js');
  const { latencyCurve } = await import('../../src/predict/curve.js');
  const { reportHtml, MAX_SCATTER_POINTS } = await import('../../src/report/report.js');
  const bundle = testBundle(false);
  const rn = resolveNetwork(zooNetwork('alexnet'));
  const points = Array.from({ length: 45_000 }, (_, i) => ({
    network: 'n',
    layerIndex: i,
    layerType: 'dense',
    memoryLimitBytes: null,
    measuredMs: 1 + i,
    predictedMs: 2 + i,
  }));
  const html = reportHtml({
    bundle,
    modelArg: 'x',
    generatedAt: 'now',
    evaluation: {
      dataPath: 'd.csv',
      result: {
        points,
        phases: ['load', 'run'],
        byMemory: [{ label: 'none', memoryLimitBytes: null, n: 45_000, medianAbsPctError: 5, bias: 1.05, within20: 0.9 }],
      },
    },
    prediction: predictNetwork(rn, null, bundle),
    curve: latencyCurve(rn, bundle, { fromBytes: 2 ** 26, toBytes: 2 ** 32, points: 10 }),
  });
  assert.equal(MAX_SCATTER_POINTS, 20_000);
  assert.equal(count(html, /data-kind="scatter" data-points="15000"/g), 1); // every 3rd of 45000
  assert.match(html, /45000 layer configurations of <code>d\.csv<\/code> \(medians over repetitions\), one in 3 shown/);
  assert.match(html, /no interval: the model has no calibration/);
});

test('stackedBarsSvg: long labels are rotated, and thinned in a fixed width, so they never overlap; every bar is drawn', () => {
  const cats = Array.from({ length: 60 }, (_, i) => `${(100 + i * 13.7).toFixed(1)} MiB`);
  const labelXs = (svg: string): number[] =>
    [...svg.matchAll(/<text class="category"[^>]*transform="translate\(([\d.]+) [\d.]+\) rotate\(-60\)"/g)].map((m) => Number(m[1]));
  const apart = (xs: number[]): void => {
    for (let i = 1; i < xs.length; i++) assert.ok(xs[i]! - xs[i - 1]! >= 12, `labels ${i - 1} and ${i} are ${xs[i]! - xs[i - 1]!} px apart`);
  };
  // automatic width: 14 px per bar, every label rotated
  const auto = stackedBarsSvg({ title: 'e', categories: cats, stacks: [{ name: 'err', values: cats.map((_, i) => i + 1) }], yLabel: '%' });
  assert.equal([...auto.matchAll(/class="mark bar"/g)].length, 60);
  assert.equal(labelXs(auto).length, 60);
  apart(labelXs(auto));
  // fixed 400 px: ~5 px per bar, so every 3rd label
  const narrow = stackedBarsSvg({ title: 'e', categories: cats, stacks: [{ name: 'err', values: cats.map((_, i) => i + 1) }], yLabel: '%', width: 400 });
  assert.equal([...narrow.matchAll(/class="mark bar"/g)].length, 60);
  assert.equal(labelXs(narrow).length, 20);
  apart(labelXs(narrow));
  // few short labels stay horizontal, all of them
  const few = stackedBarsSvg({ title: 'f', categories: ['4x', '1x', '0.5x'], stacks: [{ name: 'err', values: [1, 2, 3] }], yLabel: '%' });
  assert.equal([...few.matchAll(/<text class="category" font-size="11"/g)].length, 3);
  assert.doesNotMatch(few, /rotate\(-60\)/);
});
