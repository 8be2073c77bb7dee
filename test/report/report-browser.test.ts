/**
 * Renders the HTML report in a real headless browser (Debian's chromium) and checks the charts are
 * laid out with the expected marks: a small script, added to a copy of the page, writes layout facts
 * (element counts, bounding boxes, path lengths) into a DOM attribute that --dump-dom returns.
 * Skips, with the reason printed, when no chromium is installed (.ci/run installs it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { aggregateRows } from '../../src/models/observations.js';
import { resolveNetwork } from '../../src/network/shapes.js';
import { zooNetwork } from '../../src/network/zoo/index.js';
import { latencyCurve } from '../../src/predict/curve.js';
import { predictNetwork } from '../../src/predict/predict.js';
import { evaluateOnObservations, reportHtml } from '../../src/report/report.js';
import { HW_MAP, syntheticRows } from '../helpers/synthetic.js';
import { testBundle } from '../helpers/bundle-fixture.js';
import { withTempDir } from '../helpers/tmp.js';

function findChromium(): string | null {
  // MEMLAT_CHROMIUM, when set, is the only candidate (set it to a missing path to force the skip).
  const env = process.env.MEMLAT_CHROMIUM;
  const candidates = env ? [env] : ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  for (const c of candidates) if (existsSync(c)) return c;
  return null;
}

const FACTS_SCRIPT = `<script>
(() => {
  const charts = [...document.querySelectorAll('svg.chart')].map((svg) => {
    const box = svg.getBoundingClientRect();
    const inside = (el) => { const b = el.getBoundingClientRect(); return b.left >= box.left - 1 && b.right <= box.right + 1 && b.top >= box.top - 1 && b.bottom <= box.bottom + 1; };
    const points = [...svg.querySelectorAll('circle.mark.point')];
    const lines = [...svg.querySelectorAll('path.mark.line')];
    const bars = [...svg.querySelectorAll('rect.mark.bar')];
    return {
      section: svg.closest('section') ? svg.closest('section').id : null,
      kind: svg.dataset.kind,
      width: box.width, height: box.height,
      points: points.length,
      pointsVisible: points.filter((c) => { const b = c.getBBox(); return b.width > 0 && b.height > 0 && inside(c); }).length,
      lineVertices: lines.map((p) => (p.getAttribute('d').match(/[ML]/g) || []).length),
      lineLengths: lines.map((p) => p.getTotalLength()),
      bars: bars.length,
      barsVisible: bars.filter((r) => { const b = r.getBBox(); return b.width > 0 && b.height > 0 && inside(r); }).length,
      bands: svg.querySelectorAll('path.mark.band').length,
      markers: svg.querySelectorAll('line.mark.marker').length,
      xTicks: svg.querySelectorAll('line.tick.x').length,
      yTicks: svg.querySelectorAll('line.tick.y').length,
      legendItems: svg.querySelectorAll('g.legend-item').length,
    };
  });
  document.body.setAttribute('data-facts', JSON.stringify({ charts, sections: [...document.querySelectorAll('section')].map((s) => s.id), scripts: 0 }));
})();
</script>`;

interface ChartFacts {
  section: string;
  kind: string;
  width: number;
  height: number;
  points: number;
  pointsVisible: number;
  lineVertices: number[];
  lineLengths: number[];
  bars: number;
  barsVisible: number;
  bands: number;
  markers: number;
  xTicks: number;
  yTicks: number;
  legendItems: number;
}

test('the HTML report renders in headless chromium with every chart and the expected marks', async (t) => {
  const chromium = findChromium();
  if (!chromium) {
    console.log('# skipped: no chromium found (install the Debian package: apt-get install -y chromium, or set MEMLAT_CHROMIUM)');
    t.skip('no chromium found; apt-get install -y chromium');
    return;
  }
  const bundle = testBundle();
  const rn = resolveNetwork(zooNetwork('vgg16'));
  const prediction = predictNetwork(rn, 300 * 2 ** 20, bundle);
  const curve = latencyCurve(rn, bundle, { fromBytes: 64 * 2 ** 20, toBytes: 8 * 2 ** 30, points: 37 });
  const result = evaluateOnObservations(bundle.model, aggregateRows(syntheticRows(), HW_MAP));
  const html = reportHtml({
    bundle,
    modelArg: 'test-bundle.json',
    evaluation: { dataPath: 'rows.csv', result },
    prediction,
    curve,
    generatedAt: '2026-11-26T00:00:00Z',
  });
  assert.ok(!/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/.test(html), 'the report itself is self-contained: no script, no external URL');

  await withTempDir('memlat-report-browser-', (dir) => {
    const page = join(dir, 'report.html');
    writeFileSync(page, html.replace('</body>', `${FACTS_SCRIPT}</body>`));
    const r = spawnSync(
      chromium,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${join(dir, 'profile')}`,
        '--window-size=1000,3000',
        '--dump-dom',
        pathToFileURL(page).href,
      ],
      { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 2 ** 20 },
    );
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    const m = /data-facts="([^"]*)"/.exec(r.stdout);
    assert.ok(m, `no facts in the dumped DOM (script did not run?): ${r.stdout.slice(0, 300)}`);
    const facts = JSON.parse(m[1]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as { charts: ChartFacts[]; sections: string[] };
    assert.deepEqual(facts.sections, ['scatter', 'error-by-memory', 'breakdown', 'curve']);
    const by = (s: string): ChartFacts => facts.charts.find((c) => c.section === s)!;
    assert.equal(facts.charts.length, 4);
    for (const c of facts.charts) assert.ok(c.width >= 600 && c.height >= 380, `${c.section} laid out ${c.width}x${c.height}`);

    // Scatter: one visible circle per scored layer configuration (all times positive here).
    const sc = by('scatter');
    assert.equal(sc.kind, 'scatter');
    assert.equal(sc.points, result.points.length);
    assert.equal(sc.pointsVisible, result.points.length);
    assert.equal(sc.legendItems, 3); // 64 MiB, 128 MiB, none
    assert.ok(sc.xTicks >= 3 && sc.yTicks >= 3);
    // Error by memory level: one bar per level.
    assert.equal(by('error-by-memory').barsVisible, result.byMemory.length);
    // Breakdown: one visible rect per non-zero phase of every layer.
    const segments = prediction.layers.reduce((s, l) => s + [l.loadMs, l.runMs, l.unloadMs].filter((v) => v > 0).length, 0);
    assert.equal(by('breakdown').bars, segments);
    assert.equal(by('breakdown').barsVisible, segments);
    // Curve: one line with a vertex per curve point, drawn with a real length; band; knee + saturation.
    const cv = by('curve');
    assert.deepEqual(cv.lineVertices, [37]);
    assert.ok(cv.lineLengths[0]! > 500, `curve path length ${cv.lineLengths[0]}`);
    assert.equal(cv.bands, 1);
    assert.equal(cv.markers, 2);
  });
});
