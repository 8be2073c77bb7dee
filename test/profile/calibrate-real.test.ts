/**
 * `memlat calibrate` for real (root, memory cgroups; swap is set up for the test if missing and
 * removed after): a 60 s budget into a temporary cache folder (measuring the machine alone takes
 * 25-35 s here: the disk probe's cold reads, the disk curve, the per-call and fresh-weights probes;
 * with 40 s a fresh-clone CI run on 2026-12-03 measured for 35.4 s and calibrate rightly refused, the
 * first step no longer fitting), then a second run that resumes. Checks
 * the time bound, the rows (well-formed, no (network, layer, limit, rep) key twice), and that the
 * model file is a calibrated bundle `predict` loads and uses without a zero-shot transfer on top,
 * and that the rerun's machine is the mean of both runs' fingerprints.
 * Run it under `flock /tmp/memlat-realtests.lock` beside other real-cgroup tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { calibrate } from '../../src/api-calibrate.js';
import { predict } from '../../src/api.js';
import { readDataset } from '../../src/dataset/files.js';
import type { HardwareFingerprint } from '../../src/dataset/schema.js';
import { detectCgroups } from '../../src/host/limiter.js';
import { withSwap } from '../../src/host/swap.js';
import { CALIBRATION_REPS, CALIBRATION_RUN_PASSES, CALIBRATION_SOURCE } from '../../src/profile/calibrate-plan.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

const MiB = 2 ** 20;

test('real: calibrate --budget 60s measures, fits and writes a calibrated bundle; a rerun resumes without duplicate keys', async (t) => {
  const cg = detectCgroups();
  if (process.getuid?.() !== 0 || cg.version === null || !cg.writable) {
    t.skip('needs root and a writable memory cgroup');
    return;
  }
  const dir = makeTempDir('memlat-calibrate-real-');
  const saved = { cache: process.env.MEMLAT_CACHE, xdg: process.env.XDG_CONFIG_HOME, model: process.env.MEMLAT_MODEL };
  // the per-user cache (fingerprint) and config (model) go to the temporary folder too
  process.env.MEMLAT_CACHE = join(dir, 'cache');
  process.env.XDG_CONFIG_HOME = join(dir, 'config');
  delete process.env.MEMLAT_MODEL;
  try {
    await withSwap(512 * MiB, async () => {
      const out = join(dir, 'model.json');
      const t0 = Date.now();
      const r1 = await calibrate({ budget: '60s', out, cacheDir: join(dir, 'cache') });
      const spent1 = Date.now() - t0;
      assert.ok(spent1 <= 63_000, `first run took ${spent1} ms for a 60 s budget`);
      assert.ok(r1.measured !== null && r1.model !== null);
      assert.ok(r1.measured.rows > 0, 'measured something');
      assert.equal(r1.model.installed, null, 'with out: written, not installed');
      assert.ok(r1.rowsPath.startsWith(join(dir, 'cache', 'calibrate', r1.hardware.id)));

      // rows: well-formed, this machine's, real times
      const { rows, hardware } = await readDataset(r1.rowsPath);
      assert.ok(rows.length >= r1.measured.rows);
      assert.deepEqual(
        hardware.map((h) => h.id),
        [r1.hardware.id],
      );
      for (const row of rows) {
        assert.equal(row.hardwareId, r1.hardware.id);
        assert.ok(row.source === CALIBRATION_SOURCE || row.source === 'memlat-run', row.source);
        if (row.oom) continue;
        assert.ok(Number.isFinite(row.runMs) && row.runMs > 0 && row.runMs < 30_000, `${row.network}#${row.layerIndex} run ${row.runMs}`);
        assert.ok(Number.isFinite(row.loadMs) && row.loadMs >= 0);
        assert.ok(row.rep >= 0 && row.rep < (row.source === CALIBRATION_SOURCE ? CALIBRATION_REPS : CALIBRATION_RUN_PASSES));
      }
      // the first steps ran: AlexNet's 64 MiB dense layer without a limit and under one
      const fc7 = rows.filter((row) => row.network === 'alexnet' && row.layerName === 'classifier.4');
      assert.ok(
        fc7.some((row) => row.memoryLimitBytes === null),
        'load layer unlimited',
      );

      // the model: a calibrated bundle for this machine that predict loads and uses as it is
      const doc = JSON.parse(await readFile(out, 'utf8')) as {
        format: string;
        hardware: { id: string };
        model: { kind: string; factors: Record<string, Record<string, number>> };
      };
      assert.equal(doc.format, 'memlat-bundle@1');
      assert.equal(doc.model.kind, 'calibrated');
      assert.equal(doc.hardware.id, r1.hardware.id);
      for (const g of ['unlimited', 'swapping'])
        for (const ph of ['load', 'run', 'unload']) {
          const f = doc.model.factors[g]![ph]!;
          assert.ok(f > Math.exp(-4) && f < Math.exp(4), `${g}.${ph} ${f}`);
        }
      const p = await predict('resnet18', { memory: null, model: out });
      assert.equal(p.used.kind, 'calibrated');
      assert.ok(p.totalMs > 0 && Number.isFinite(p.totalMs));
      assert.equal(p.machine.zeroShot, undefined);

      // a second run resumes: what is there is skipped, more steps are measured, no key twice
      const r2 = await calibrate({ budget: '60s', out, cacheDir: join(dir, 'cache') });
      assert.ok(r2.measured !== null);
      assert.ok(r2.measured.skipped >= 0);
      const again = (await readDataset(r2.rowsPath)).rows;
      assert.ok(again.length >= rows.length);
      const keys = again.filter((row) => !row.oom).map((row) => `${row.source}|${row.network}|${row.layerIndex}|${row.memoryLimitBytes ?? 'none'}|${row.rep}`);
      assert.equal(new Set(keys).size, keys.length, 'no (network, layer, limit, rep) measured twice');
      const layerKeys = again.filter((row) => !row.oom).map((row) => `${row.network}|${row.layerIndex}|${row.memoryLimitBytes ?? 'none'}|${row.rep}`);
      assert.equal(new Set(layerKeys).size, layerKeys.length, 'whole-network runs and layer jobs never share a key');
      assert.ok(r2.model !== null && r2.model.rows >= r1.model.rows);
      // the machine of the rerun is the geometric mean of both runs' fingerprints, kept in the plan
      // file; the bundle carries it (so the factors do not move with one probe's noise)
      const plan = JSON.parse(await readFile(join(dirname(r2.rowsPath), 'rows.plan.json'), 'utf8')) as { fingerprints: HardwareFingerprint[] };
      assert.equal(plan.fingerprints.length, 2);
      const [a, b] = plan.fingerprints as [HardwareFingerprint, HardwareFingerprint];
      assert.equal(r1.hardware.measuredAt, a.measuredAt);
      const close = (x: number, y: number): boolean => Math.abs(x / y - 1) < 1e-12;
      assert.ok(close(r2.hardware.gemmGflops!, Math.sqrt(a.gemmGflops! * b.gemmGflops!)), `${r2.hardware.gemmGflops} vs ${a.gemmGflops}, ${b.gemmGflops}`);
      assert.ok(close(r2.hardware.callProbe!.runMs, Math.sqrt(a.callProbe!.runMs * b.callProbe!.runMs)));
      assert.ok(close(r2.hardware.diskReadBytesPerSec!, Math.sqrt(a.diskReadBytesPerSec! * b.diskReadBytesPerSec!)));
      const bundle2 = JSON.parse(await readFile(out, 'utf8')) as { hardware: HardwareFingerprint };
      assert.equal(bundle2.hardware.callProbe!.runMs, r2.hardware.callProbe!.runMs);
    });
  } finally {
    for (const [k, v] of [
      ['MEMLAT_CACHE', saved.cache],
      ['XDG_CONFIG_HOME', saved.xdg],
      ['MEMLAT_MODEL', saved.model],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    removeDir(dir);
  }
});
