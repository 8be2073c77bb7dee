/**
 * The per-user files (src/user-files.ts): which model a command uses without --model (--model,
 * $MEMLAT_MODEL, the per-user file under $XDG_CONFIG_HOME or ~/.config, the bundled default), `model
 * install`, the cached fingerprint of this machine, and the machine check's target; then the real
 * CLI: predict --json on a machine whose cached fingerprint differs in disk bandwidth, --hardware
 * planning, and the model location. Every path is under a temporary HOME / XDG / cache folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HardwareFingerprint } from '../../src/dataset/schema.js';
import { loadBundle } from '../../src/predict/bundle.js';
import type { MachineCheck } from '../../src/predict/machine.js';
import { bundledModelsDir } from '../../src/predict/model-bundle.js';
import {
  cheapFingerprint,
  chooseModel,
  hardwareCachePath,
  installModel,
  predictionMachine,
  readCachedFingerprint,
  thisMachine,
  userModelPath,
  writeCachedFingerprint,
} from '../../src/predict/user-files.js';
import { repoRoot } from '../helpers/paths.js';
import { testBundleJson } from '../helpers/bundle-fixture.js';
import { tempDirForFile } from '../helpers/tmp.js';

const root = tempDirForFile('memlat-user-files-');
let n = 0;
/** A fresh HOME, XDG config folder and cache folder. */
function fresh(): { home: string; xdg: string; cache: string } {
  const d = join(root, String(n++));
  const f = { home: join(d, 'home'), xdg: join(d, 'xdg'), cache: join(d, 'cache') };
  for (const p of Object.values(f)) mkdirSync(p, { recursive: true });
  return f;
}

/** This machine's id with measured parts (as `memlat hardware` would store them). */
function measuredHere(disk: number): HardwareFingerprint {
  return {
    ...cheapFingerprint(),
    cgroupVersion: 2,
    diskReadBytesPerSec: disk,
    memBandwidthBytesPerSec: 5e9,
    gemmGflops: 20,
    runtimeIdleBytes: 50e6,
    measuredAt: '2026-11-30T20:00:00.000Z',
  };
}

/** A bundle fitted on "this machine" with a 500 MB/s disk. */
function bundleFile(dir: string, disk = 500e6): string {
  const p = join(dir, 'bundle.json');
  writeFileSync(p, JSON.stringify({ ...testBundleJson(), hardware: measuredHere(disk) }));
  return p;
}

test('userModelPath: $XDG_CONFIG_HOME/memlat/model.json when absolute, else ~/.config/memlat/model.json', () => {
  const f = fresh();
  assert.equal(userModelPath({ env: { XDG_CONFIG_HOME: f.xdg }, home: f.home }), join(f.xdg, 'memlat', 'model.json'));
  assert.equal(userModelPath({ env: { XDG_CONFIG_HOME: 'relative/dir' }, home: f.home }), join(f.home, '.config', 'memlat', 'model.json'));
  assert.equal(userModelPath({ env: {}, home: f.home }), join(f.home, '.config', 'memlat', 'model.json'));
  assert.equal(hardwareCachePath({ env: { MEMLAT_CACHE: f.cache }, home: f.home }), join(f.cache, 'hardware.json'));
  assert.equal(hardwareCachePath({ env: {}, home: f.home }), join(f.home, '.cache', 'memlat', 'hardware.json'));
});

test('chooseModel: --model, then $MEMLAT_MODEL, then the per-user model, then the bundled default', () => {
  const f = fresh();
  const bundled = join(bundledModelsDir(), 'default.json');
  const other = bundleFile(f.home);
  const env: NodeJS.ProcessEnv = { XDG_CONFIG_HOME: f.xdg };
  const u = { env, home: f.home };
  assert.deepEqual(chooseModel(undefined, u), { arg: 'default', path: bundled, source: 'bundled' });
  // install writes the per-user file; from then on it is used
  const inst = installModel(other, u);
  assert.equal(inst.path, join(f.xdg, 'memlat', 'model.json'));
  assert.equal(inst.kind, 'fe');
  assert.deepEqual(chooseModel(undefined, u), { arg: inst.path, path: inst.path, source: 'user' });
  assert.deepEqual(JSON.parse(readFileSync(inst.path, 'utf8')), JSON.parse(readFileSync(other, 'utf8')));
  // $MEMLAT_MODEL comes before it (a name or a file)
  env.MEMLAT_MODEL = 'default';
  assert.deepEqual(chooseModel(undefined, u), { arg: 'default', path: bundled, source: 'env' });
  env.MEMLAT_MODEL = other;
  assert.deepEqual(chooseModel(undefined, u), { arg: other, path: other, source: 'env' });
  // --model before everything
  assert.deepEqual(chooseModel('default', u), { arg: 'default', path: bundled, source: 'flag' });
  // without XDG_CONFIG_HOME the per-user file is under HOME
  assert.deepEqual(chooseModel(undefined, { env: {}, home: f.home }), { arg: 'default', path: bundled, source: 'bundled' });
  const inHome = installModel(other, { env: {}, home: f.home });
  assert.equal(inHome.path, join(f.home, '.config', 'memlat', 'model.json'));
  assert.equal(chooseModel(undefined, { env: {}, home: f.home }).source, 'user');
});

test('chooseModel / installModel: a MEMLAT_MODEL naming nothing and a bare model are refused with the fix', () => {
  const f = fresh();
  assert.throws(
    () => chooseModel(undefined, { env: { MEMLAT_MODEL: join(f.home, 'nope.json') }, home: f.home }),
    /^UserError: MEMLAT_MODEL=.*nope\.json: no such file/,
  );
  assert.throws(
    () => chooseModel(undefined, { env: { MEMLAT_MODEL: 'nosuchname' }, home: f.home }),
    /MEMLAT_MODEL=nosuchname: not a file and not a bundled model .* set MEMLAT_MODEL to it \(or unset it\)/,
  );
  const bare = join(f.home, 'bare.json');
  writeFileSync(bare, JSON.stringify(testBundleJson().model));
  assert.throws(() => installModel(bare, { env: {}, home: f.home }), /a bare model has no hardware fingerprint; install a bundle/);
  assert.throws(() => installModel(join(f.home, 'missing.json'), { env: {}, home: f.home }), /no such file/);
  assert.equal(existsSync(userModelPath({ env: {}, home: f.home })), false);
});

test('the cached fingerprint: used when it is this machine (id and hostname), ignored otherwise', () => {
  const f = fresh();
  const u = { env: { MEMLAT_CACHE: f.cache }, home: f.home };
  assert.equal(readCachedFingerprint(u), null);
  assert.equal(thisMachine(u).measured, false);
  const path = writeCachedFingerprint(measuredHere(250e6), u);
  assert.equal(path, join(f.cache, 'hardware.json'));
  const c = readCachedFingerprint(u);
  assert.ok(c);
  assert.equal(c.fingerprint.diskReadBytesPerSec, 250e6);
  assert.equal('cache' in c.fingerprint, false);
  const t = thisMachine(u);
  assert.deepEqual([t.measured, t.path, t.fingerprint.id], [true, path, cheapFingerprint().id]);
  // another machine's cache (another CPU/cores/RAM -> another id) is not used
  assert.equal(readCachedFingerprint(u, { ...cheapFingerprint(), id: 'x64-64c-512g-0000', cores: 64 }), null);
  writeFileSync(path, '{ not json');
  assert.equal(readCachedFingerprint(u), null);
});

test('predictionMachine: this machine for a bundle; the --hardware file (not this machine) when planning with a bundle', () => {
  const f = fresh();
  const u = { env: { MEMLAT_CACHE: f.cache }, home: f.home };
  writeCachedFingerprint(measuredHere(250e6), u);
  const json = JSON.parse(readFileSync(bundleFile(f.home), 'utf8')) as unknown;
  const own = predictionMachine(loadBundle(json), u);
  assert.equal(own.target.kind, 'this-machine');
  assert.equal(own.differences.find((d) => d.part === 'diskReadBytesPerSec')!.ratio, 0.5);
  // planning: a device with the same disk as the model's -> nothing about this machine's slow disk
  const device = { ...measuredHere(500e6), id: 'arm64-4c-8g-beef', cpuModel: 'Cortex-A76', cores: 4 };
  const planned = predictionMachine(loadBundle(json, { hardware: device }), { ...u, hardwarePath: 'device.json' });
  assert.equal(planned.target.kind, 'hardware-file');
  assert.equal(planned.target.id, 'arm64-4c-8g-beef');
  assert.equal(planned.differences.find((d) => d.part === 'diskReadBytesPerSec')!.ratio, 1);
  assert.deepEqual(
    planned.differences.filter((d) => d.severity === 'warn').map((d) => d.part),
    ['cpuModel', 'cores'],
  );
  // a bare model with --hardware: the file is the model's machine, compared with this one
  const bare = predictionMachine(loadBundle(testBundleJson().model, { hardware: measuredHere(500e6) }), { ...u, hardwarePath: 'fitted-on.json' });
  assert.equal(bare.target.kind, 'this-machine');
  assert.equal(bare.differences.find((d) => d.part === 'diskReadBytesPerSec')!.ratio, 0.5);
});

/** The compiled CLI (dist/) with its own HOME, XDG_CONFIG_HOME and MEMLAT_CACHE. */
function cli(args: string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const clean = { ...process.env };
  delete clean.MEMLAT_MODEL;
  const r = spawnSync(process.execPath, [join(repoRoot, 'dist', 'src', 'cli', 'main.js'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...clean, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('memlat predict --json on a machine whose cached fingerprint has half the disk bandwidth: the warning with ratio 0.5', () => {
  const f = fresh();
  const env = { HOME: f.home, XDG_CONFIG_HOME: f.xdg, MEMLAT_CACHE: f.cache };
  const model = bundleFile(f.home, 500e6);
  writeCachedFingerprint(measuredHere(250e6), { env, home: f.home });
  const r = cli(['predict', 'vgg16', '--memory', '2GiB', '--model', model, '--json'], env);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '', 'with --json the check is in the document only');
  const doc = JSON.parse(r.stdout) as { model: string; modelSource: string; modelPath: string; machine: MachineCheck };
  assert.deepEqual([doc.model, doc.modelSource, doc.modelPath], [model, 'flag', model]);
  const m = doc.machine;
  assert.equal(m.target.kind, 'this-machine');
  assert.equal(m.target.measured, true);
  assert.equal(m.target.path, join(f.cache, 'hardware.json'));
  assert.equal(m.same, false);
  assert.deepEqual(
    m.differences.filter((d) => d.severity !== 'ok').map((d) => [d.part, d.ratio, d.severity]),
    [['diskReadBytesPerSec', 0.5, 'warn']],
  );
  assert.match(
    m.warnings[0]!,
    /disk 477 MiB\/s\); this machine .*: disk 238 MiB\/s \(0\.50x\): zero-shot scaling applied \(each weight file's read x1\.75 by disk, .*\)$/,
  );
  assert.deepEqual(m.zeroShot?.ratios, { disk: 0.5, mem: 1, gemm: 1, call: null });
  // text output: the same two lines on stderr
  const t = cli(['predict', 'vgg16', '--memory', '2GiB', '--model', model], env);
  assert.equal(t.status, 0, t.stderr);
  assert.equal(t.stderr, `memlat: warning: ${m.warnings[0]}\nmemlat: note: ${m.warnings[1]}\n`);
  // without a cache: CPU, cores and RAM only (the same here), and a note that memlat hardware measures the rest
  rmSync(join(f.cache, 'hardware.json'));
  const cheap = cli(['predict', 'vgg16', '--memory', '2GiB', '--model', model, '--json'], env);
  const cm = (JSON.parse(cheap.stdout) as { machine: MachineCheck }).machine;
  assert.deepEqual([cm.target.measured, cm.same], [false, true]);
  // the zero-shot prediction (half the disk) is slower than the model's own, and its interval wider
  const own = JSON.parse(cheap.stdout) as { totalMs: number; intervalMs: [number, number] };
  const zs = doc as unknown as { totalMs: number; intervalMs: [number, number] };
  assert.ok(zs.totalMs > own.totalMs, `${zs.totalMs} > ${own.totalMs}`);
  assert.ok(zs.intervalMs[1] / zs.totalMs > own.intervalMs[1] / own.totalMs);
  assert.equal(cm.zeroShot, undefined);
  assert.match(cm.warnings[0]!, /memlat hardware measures them/);
  // planning with --hardware: compared with the file, not with this machine
  const device = join(f.home, 'device.json');
  writeFileSync(device, JSON.stringify(measuredHere(1000e6)));
  const p = cli(['min-memory', 'vgg16', '--target', '5s', '--model', model, '--hardware', device, '--json'], env);
  assert.equal(p.status, 0, p.stderr);
  const pm = (JSON.parse(p.stdout) as { machine: MachineCheck }).machine;
  assert.deepEqual([pm.target.kind, pm.target.path], ['hardware-file', device]);
  assert.deepEqual(
    pm.differences.filter((d) => d.severity !== 'ok').map((d) => [d.part, d.ratio]),
    [['diskReadBytesPerSec', 2]],
  );
  const pp = cli(['predict', 'vgg16', '--memory', '2GiB', '--model', model, '--hardware', device, '--json'], env);
  assert.equal(pp.status, 0, pp.stderr);
  const ppm = (JSON.parse(pp.stdout) as { machine: MachineCheck; hardwareId: string }).machine;
  assert.equal(ppm.target.kind, 'hardware-file');
  assert.match(ppm.warnings[0]!, /; --hardware .*device\.json: disk 954 MiB\/s \(2\.00x\): zero-shot scaling applied \(each weight file's read x0\.57 by disk/);
  assert.match(ppm.warnings[1]!, /^planning: the prediction takes cores, RAM, runtime idle, disk, memory copy, GEMM from --hardware/);
});

test('memlat model install, then predict/curve without --model use it; MEMLAT_MODEL wins; predict --json says which and from where', () => {
  const f = fresh();
  const env: Record<string, string> = { HOME: f.home, XDG_CONFIG_HOME: f.xdg, MEMLAT_CACHE: f.cache };
  const bundled = cli(['predict', 'vgg16', '--memory', '2GiB', '--json'], env);
  assert.equal(bundled.status, 0, bundled.stderr);
  const b = JSON.parse(bundled.stdout) as { model: string; modelSource: string; modelPath: string };
  assert.deepEqual([b.model, b.modelSource, b.modelPath], ['default', 'bundled', join(repoRoot, 'data', 'models', 'default.json')]);
  const model = bundleFile(f.home);
  const inst = cli(['model', 'install', model], env);
  assert.equal(inst.status, 0, inst.stderr);
  const installed = join(f.xdg, 'memlat', 'model.json');
  assert.equal(inst.stdout, `installed ${model} (fe, hardware ${cheapFingerprint().id}) as ${installed}\n`);
  const u = JSON.parse(cli(['predict', 'vgg16', '--memory', '2GiB', '--json'], env).stdout) as {
    model: string;
    modelSource: string;
    modelPath: string;
    modelKind: string;
  };
  assert.deepEqual([u.model, u.modelSource, u.modelPath, u.modelKind], [installed, 'user', installed, 'fe']);
  const c = JSON.parse(cli(['curve', 'vgg16', '--points', '3', '--json'], env).stdout) as { modelSource: string };
  assert.equal(c.modelSource, 'user');
  const which = JSON.parse(cli(['model', 'which', '--json'], env).stdout) as { source: string; path: string };
  assert.deepEqual([which.source, which.path], ['user', installed]);
  const e = JSON.parse(cli(['predict', 'vgg16', '--memory', '2GiB', '--json'], { ...env, MEMLAT_MODEL: 'default' }).stdout) as {
    model: string;
    modelSource: string;
  };
  assert.deepEqual([e.model, e.modelSource], ['default', 'env']);
});
