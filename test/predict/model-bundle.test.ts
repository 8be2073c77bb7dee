import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundledModelNames, bundledModelsDir, readHardwareFile, readModelBundle, resolveModelPath } from '../../src/predict/model-bundle.js';
import { repoRoot } from '../helpers/paths.js';
import { HW, testBundleJson } from '../helpers/bundle-fixture.js';
import { tempDirForFile } from '../helpers/tmp.js';

const dir = tempDirForFile('memlat-model-bundle-');
const models = join(dir, 'models');
mkdirSync(models);
writeFileSync(join(models, 'default.json'), JSON.stringify(testBundleJson()));
writeFileSync(join(models, 'small.json'), JSON.stringify(testBundleJson(false)));

test('bundled models live in the package data/models directory', () => {
  assert.equal(bundledModelsDir(), join(repoRoot, 'data', 'models'));
  assert.deepEqual(bundledModelNames(models), ['default', 'small']);
  assert.deepEqual(bundledModelNames(join(dir, 'absent')), []);
});

test('--model resolves a bundled name or a path; unknown ones list the bundled names', () => {
  assert.equal(resolveModelPath('default', models), join(models, 'default.json'));
  const file = join(dir, 'mine.json');
  writeFileSync(file, JSON.stringify(testBundleJson()));
  assert.equal(resolveModelPath(file, models), file);
  assert.throws(
    () => resolveModelPath('huge', models),
    /^UserError: model huge: not a file and not a bundled model \(bundled: default, small\); fit one with 'memlat fit/,
  );
  assert.throws(() => resolveModelPath('huge', join(dir, 'absent')), /\(no bundled models are installed\)/);
  assert.throws(
    () => resolveModelPath(join(dir, 'nope.json'), models),
    /^UserError: model .*nope\.json: no such file; give a model file written by 'memlat fit' or a bundled name \(bundled: default, small\)/,
  );
  const b = readModelBundle('small', { dir: models });
  assert.equal(b.label, 'small');
  assert.equal(b.calibration, null);
  assert.equal(readModelBundle('default', { dir: models }).calibration?.coverage, 0.9);
});

test('a bare model pairs with --hardware; broken files are one-line errors', () => {
  const bare = join(dir, 'bare.json');
  writeFileSync(bare, JSON.stringify(testBundleJson().model));
  const hwFile = join(dir, 'rows.hardware.json');
  writeFileSync(hwFile, JSON.stringify([HW]));
  assert.deepEqual(readHardwareFile(hwFile), HW);
  assert.equal(readModelBundle(bare, { hardwarePath: hwFile }).hardware.id, HW.id);
  assert.throws(() => readModelBundle(bare), /invalid model file .*bare\.json: a bare model has no hardware fingerprint/);
  const two = join(dir, 'two.hardware.json');
  writeFileSync(two, JSON.stringify([HW, HW]));
  assert.throws(() => readHardwareFile(two), /holds 2 fingerprints; give a file with exactly one/);
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{"format": "memlat-bundle@1",');
  assert.throws(() => readModelBundle(broken), /^UserError: invalid model file .*broken\.json: not valid JSON \(.*\); pass a file written by 'memlat fit'$/);
});
