/**
 * compareHardware and checkMachine on hand-made fingerprints: the exact ratios, which parts are
 * flagged at which severity (tolerance edges included), and the wording predict prints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallProbe, HardwareFingerprint } from '../../src/dataset/schema.js';
import { checkMachine, compareHardware, fingerprintPartsUsed, machineStderr, type HardwareDifference } from '../../src/predict/machine.js';
import { hardwareId } from '../../src/machine/hardware.js';
import { arch } from 'node:os';
import { fingerprintId } from '../../src/dataset/fingerprint.js';
import { cheapFingerprint } from '../../src/predict/user-files.js';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const MODEL: HardwareFingerprint = {
  id: 'x64-2c-24g-39de',
  cpuModel: 'Intel Xeon',
  cores: 2,
  ramBytes: 24 * GiB,
  cgroupVersion: 2,
  diskReadBytesPerSec: 1000 * MiB,
  memBandwidthBytesPerSec: 10 * GiB,
  gemmGflops: 100,
  runtimeIdleBytes: 90 * MiB,
};

function byPart(d: HardwareDifference[]): Record<string, HardwareDifference> {
  return Object.fromEntries(d.map((x) => [x.part, x]));
}

test('compareHardware: exact ratios here/model and the parts flagged', () => {
  const here: HardwareFingerprint = {
    ...MODEL,
    id: 'x64-4c-24g-ecb3',
    cpuModel: 'AMD EPYC',
    cores: 4,
    diskReadBytesPerSec: 440 * MiB,
    memBandwidthBytesPerSec: 10.5 * GiB,
    gemmGflops: 130,
    runtimeIdleBytes: 100 * MiB,
  };
  const d = byPart(compareHardware(MODEL, here));
  assert.deepEqual(Object.keys(d), ['cpuModel', 'cores', 'ramBytes', 'diskReadBytesPerSec', 'memBandwidthBytesPerSec', 'gemmGflops', 'runtimeIdleBytes']);
  assert.deepEqual(d.cpuModel, { part: 'cpuModel', model: 'Intel Xeon', here: 'AMD EPYC', ratio: null, affects: ['run'], severity: 'warn' });
  assert.deepEqual(d.cores, { part: 'cores', model: 2, here: 4, ratio: 2, affects: ['run'], severity: 'warn' });
  assert.equal(d.ramBytes!.ratio, 1);
  assert.equal(d.ramBytes!.severity, 'ok');
  assert.equal(d.diskReadBytesPerSec!.ratio, 0.44);
  assert.deepEqual(d.diskReadBytesPerSec!.affects, ['load', 'swap']);
  assert.equal(d.diskReadBytesPerSec!.severity, 'warn');
  assert.equal(d.memBandwidthBytesPerSec!.ratio, 1.05);
  assert.equal(d.memBandwidthBytesPerSec!.severity, 'ok');
  assert.equal(d.gemmGflops!.ratio, 1.3);
  assert.equal(d.gemmGflops!.severity, 'warn');
  assert.equal(d.runtimeIdleBytes!.ratio, 100 / 90);
  assert.equal(d.runtimeIdleBytes!.severity, 'ok', '10 MiB is within the 16 MiB tolerance');
  const flagged = Object.values(d)
    .filter((x) => x.severity !== 'ok')
    .map((x) => x.part);
  assert.deepEqual(flagged, ['cpuModel', 'cores', 'diskReadBytesPerSec', 'gemmGflops']);
});

test('compareHardware: tolerance edges 0.8 and 1.25 are not flagged, just beyond them is; idle beyond 16 MiB is info', () => {
  const at = (disk: number, gemm: number, idle: number): Record<string, HardwareDifference> =>
    byPart(compareHardware(MODEL, { ...MODEL, diskReadBytesPerSec: disk * MiB, gemmGflops: gemm, runtimeIdleBytes: idle * MiB }));
  const edge = at(800, 125, 106);
  assert.equal(edge.diskReadBytesPerSec!.ratio, 0.8);
  assert.equal(edge.diskReadBytesPerSec!.severity, 'ok');
  assert.equal(edge.gemmGflops!.ratio, 1.25);
  assert.equal(edge.gemmGflops!.severity, 'ok');
  assert.equal(edge.runtimeIdleBytes!.severity, 'ok');
  const beyond = at(799, 126, 107);
  assert.equal(beyond.diskReadBytesPerSec!.severity, 'warn');
  assert.equal(beyond.gemmGflops!.severity, 'warn');
  assert.equal(beyond.runtimeIdleBytes!.severity, 'info');
  assert.deepEqual(beyond.runtimeIdleBytes!.affects, ['memory']);
});

test('compareHardware: RAM smaller than the asked M is an error; a RAM difference under --memory none a warning, else info', () => {
  const small: HardwareFingerprint = { ...MODEL, ramBytes: 8 * GiB };
  assert.equal(byPart(compareHardware(MODEL, small, { memoryBytes: 12 * GiB })).ramBytes!.severity, 'error');
  assert.equal(byPart(compareHardware(MODEL, small, { memoryBytes: 4 * GiB })).ramBytes!.severity, 'info');
  assert.equal(byPart(compareHardware(MODEL, small, { memoryBytes: null })).ramBytes!.severity, 'warn');
  assert.equal(byPart(compareHardware(MODEL, small)).ramBytes!.ratio, 1 / 3);
  // within 5%: firmware reservations
  assert.equal(byPart(compareHardware(MODEL, { ...MODEL, ramBytes: 23.5 * GiB }, { memoryBytes: null })).ramBytes!.severity, 'ok');
  // M above this RAM is an error even when the RAMs match
  assert.equal(byPart(compareHardware(MODEL, MODEL, { memoryBytes: 25 * GiB })).ramBytes!.severity, 'error');
});

test('compareHardware: unmeasured parts are unknown, not differences; swap only when both measured it', () => {
  const cheap: HardwareFingerprint = { ...MODEL, diskReadBytesPerSec: null, memBandwidthBytesPerSec: null, gemmGflops: null, runtimeIdleBytes: null };
  const d = compareHardware(MODEL, cheap);
  assert.deepEqual(
    d.filter((x) => x.severity === 'unknown').map((x) => x.part),
    ['diskReadBytesPerSec', 'memBandwidthBytesPerSec', 'gemmGflops', 'runtimeIdleBytes'],
  );
  assert.ok(d.every((x) => x.severity === 'ok' || x.severity === 'unknown'));
  assert.ok(!d.some((x) => x.part === 'swapBytesPerSec'));
  const sw = byPart(compareHardware({ ...MODEL, swapBytesPerSec: 200 * MiB }, { ...MODEL, swapBytesPerSec: 100 * MiB }));
  assert.equal(sw.swapBytesPerSec!.ratio, 0.5);
  assert.deepEqual(sw.swapBytesPerSec!.affects, ['swap']);
  assert.equal(sw.swapBytesPerSec!.severity, 'warn');
});

test('checkMachine: names the parts, the ratio and the likely effect, and what to do', () => {
  const here: HardwareFingerprint = { ...MODEL, id: 'x64-2c-24g-ecb3', cpuModel: 'AMD EPYC', diskReadBytesPerSec: 440 * MiB };
  const c = checkMachine(
    MODEL,
    { fingerprint: here, kind: 'this-machine', measured: true, path: '/c/hardware.json', sameBoot: true },
    { memoryBytes: 512 * MiB },
  );
  assert.equal(c.same, false);
  assert.equal(c.modelHardwareId, 'x64-2c-24g-39de');
  assert.deepEqual(c.target, { kind: 'this-machine', id: 'x64-2c-24g-ecb3', measured: true, path: '/c/hardware.json', measuredAt: null, sameBoot: true });
  assert.equal(c.warnings.length, 2);
  assert.equal(
    c.warnings[0],
    'model fitted on x64-2c-24g-39de (Intel Xeon, disk 1000 MiB/s); this machine x64-2c-24g-ecb3: AMD EPYC, disk 440 MiB/s (0.44x): load and swap times are likely ~2.3x longer than predicted; run times may differ',
  );
  assert.match(
    c.warnings[1]!,
    /^to predict for this machine, calibrate it: sudo memlat calibrate --budget 10m .*; or profile it fully: memlat profile .* memlat model install model\.json .*the surest of the three; scaling by the fingerprint alone is approximate .*check an answer with memlat run <network> --reps 3; to plan for another machine: --hardware hw\.json$/,
  );
  assert.match(machineStderr(c), /^memlat: warning: model fitted on .*\nmemlat: note: to predict .*\n$/);
  // with the zero-shot transfer applied, the line says so instead of guessing the effect
  const z = checkMachine(
    MODEL,
    { fingerprint: here, kind: 'this-machine', measured: true, path: '/c/hardware.json', sameBoot: true },
    {
      memoryBytes: 512 * MiB,
      zeroShot: {
        fromId: MODEL.id,
        toId: here.id,
        ratios: { disk: 0.44, mem: 1, gemm: 1, call: null },
        used: { disk: 0.496, mem: 1, gemm: 1, call: null },
        swapScale: 1.08,
        sessionScale: 1,
        sigma: 0.2,
        intervalWidened: true,
      },
    },
  );
  assert.match(
    z.warnings[0]!,
    /AMD EPYC, disk 440 MiB\/s \(0\.44x\): zero-shot scaling applied \(each weight file's read x2\.02 by disk, run x1 by GEMM .*; swap time x1\.08 \(the fault path and a small read\); no per-call probe on the model's machine, so the rest of each load and each layer's fixed per-call cost are left as on the model's machine; ratios shrunk toward 1 by the probes' noise; interval widened, sigma 0\.20 of ln time\)$/,
  );
  assert.equal(z.zeroShot?.ratios.disk, 0.44);
  // a machine running fewer intra-op threads: the sessions' memory is said too
  const one = checkMachine(
    MODEL,
    { fingerprint: { ...here, cores: 1 }, kind: 'this-machine', measured: true, path: '/c/hardware.json', sameBoot: true },
    { memoryBytes: 512 * MiB, zeroShot: { ...z.zeroShot, sessionScale: 0.5 } },
  );
  assert.match(
    one.warnings[0]!,
    /; swap time x1\.08 \(the fault path and a small read\), the memory each prepared layer session holds x0\.50 \(intra-op threads\); /,
  );
});

test('checkMachine: the same machine measured says nothing; only the cheap parts known says memlat hardware would measure the rest', () => {
  const same = checkMachine(MODEL, { fingerprint: MODEL, kind: 'this-machine', measured: true, path: '/c/hardware.json' });
  assert.equal(same.same, true);
  assert.deepEqual(same.warnings, []);
  assert.equal(machineStderr(same), '');
  const cheap = checkMachine(MODEL, {
    fingerprint: { ...MODEL, diskReadBytesPerSec: null, memBandwidthBytesPerSec: null, gemmGflops: null, runtimeIdleBytes: null },
    kind: 'this-machine',
    measured: false,
    path: null,
  });
  assert.equal(cheap.same, true);
  assert.equal(cheap.warnings.length, 1);
  assert.match(cheap.warnings[0]!, /matches the model's x64-2c-24g-39de in CPU, cores and RAM; .*memlat hardware measures them/);
  assert.match(machineStderr(cheap), /^memlat: note: /);
  // a cheap comparison that differs also says the rest is unmeasured
  const other = checkMachine(MODEL, { fingerprint: { ...MODEL, cores: 8, diskReadBytesPerSec: null }, kind: 'this-machine', measured: false, path: null });
  assert.match(other.warnings[0]!, /2 cores\); this machine x64-2c-24g-39de: 8 cores: run times may differ$/);
  assert.match(other.warnings[1]!, /compared CPU, cores and RAM only/);
});

test('checkMachine planning (--hardware): the given file is the target; parts the model reads are said to be used', () => {
  const device: HardwareFingerprint = { ...MODEL, id: 'arm64-4c-4g-0001', cores: 4, ramBytes: 4 * GiB, diskReadBytesPerSec: 100 * MiB };
  const c = checkMachine(
    MODEL,
    { fingerprint: device, kind: 'hardware-file', measured: true, path: 'pi.json' },
    { memoryBytes: 8 * GiB, modelUses: fingerprintPartsUsed({ kind: 'fe-swap' }) },
  );
  assert.equal(c.target.kind, 'hardware-file');
  assert.equal(c.target.id, 'arm64-4c-4g-0001');
  assert.match(
    c.warnings[0]!,
    /; --hardware pi\.json: 4 cores, RAM 4 GiB \(0\.17x\), disk 100 MiB\/s \(0\.10x\): load times are likely ~10x longer than predicted \(swap time already uses the given disk\); run times may differ; the asked memory is more than its RAM 4 GiB$/,
  );
  assert.match(c.warnings[1]!, /^planning: the prediction takes cores, RAM, runtime idle, disk \(for swap\) from --hardware/);
  assert.equal(c.differences.find((d) => d.part === 'ramBytes')!.severity, 'error');
});

test('fingerprintPartsUsed: fe-swap reads the disk (swap), roofline all rates, others cores/RAM/idle only', () => {
  assert.deepEqual([...fingerprintPartsUsed({ kind: 'fe' })], ['cores', 'ramBytes', 'runtimeIdleBytes']);
  assert.ok(fingerprintPartsUsed({ kind: 'fe-swap' }).has('diskReadBytesPerSec'));
  assert.ok(fingerprintPartsUsed({ kind: 'roofline' }).has('gemmGflops'));
});

test("the predict path's machine id (cheapFingerprint, no runtime imports) equals the runtime hardwareId", () => {
  for (const [cpu, cores, ram] of [
    ['AMD EPYC', 2, 25276026880],
    ['Intel(R) Xeon(R) CPU @ 2.20GHz', 8, 16 * GiB],
    ['unknown', 1, 0.4 * GiB],
  ] as const) {
    assert.equal(fingerprintId(cpu, cores, ram, arch()), hardwareId(cpu, cores, ram));
  }
  const here = cheapFingerprint();
  assert.equal(here.id, hardwareId(here.cpuModel, here.cores, here.ramBytes));
  assert.equal(here.diskReadBytesPerSec, null);
});

test('compareHardware and checkMachine: a per-call probe 3x slower is flagged and worded; within 1.5x it is not; one side without it is unknown', () => {
  const probe = (loadMs: number, runMs: number, unloadMs: number): CallProbe => ({
    networks: ['mobilenetv3_small', 'squeezenet1_1'],
    layers: 223,
    weightBytes: 0,
    passes: 5,
    threads: 2,
    loadMs,
    runMs,
    unloadMs,
  });
  const model: HardwareFingerprint = { ...MODEL, callProbe: probe(100, 200, 20) };
  const slow: HardwareFingerprint = { ...MODEL, id: 'x64-2c-24g-ecb3', callProbe: probe(300, 600, 60) };
  const d = byPart(compareHardware(model, slow));
  assert.equal(d.callProbe!.model, 220); // run + unload
  assert.equal(d.callProbe!.here, 660);
  assert.equal(d.callProbe!.ratio, 3);
  assert.equal(d.callProbe!.severity, 'warn');
  assert.deepEqual(d.callProbe!.affects, ['run', 'unload']);
  const c = checkMachine(model, { fingerprint: slow, kind: 'this-machine', measured: true, path: '/c/hardware.json' });
  assert.match(
    c.warnings[0]!,
    /this machine x64-2c-24g-ecb3: per-call probe 660 ms \(run \+ unload\) \(3\.00x the time\): each layer's fixed per-call cost is likely ~3\.0x longer \(per-call probe\)$/,
  );
  // 1.5x in run and unload is the tolerance edge: not flagged (load is disk reading, not compared); 1.51x in run alone is
  assert.equal(byPart(compareHardware(model, { ...MODEL, callProbe: probe(900, 300, 30) })).callProbe!.severity, 'ok');
  assert.equal(byPart(compareHardware(model, { ...MODEL, callProbe: probe(100, 302, 20) })).callProbe!.severity, 'warn');
  assert.equal(byPart(compareHardware(MODEL, slow)).callProbe!.severity, 'unknown');
  assert.equal(byPart(compareHardware(MODEL, MODEL)).callProbe, undefined, 'neither side has a probe: not compared');
});

test('GEMM is compared per probe thread: a one-core machine at half the two-core GEMM rate is not flagged', () => {
  const two: HardwareFingerprint = { ...MODEL, cores: 2, gemmGflops: 120 };
  const one: HardwareFingerprint = { ...MODEL, id: 'one', cores: 1, gemmGflops: 60 };
  const g = compareHardware(two, one).find((d) => d.part === 'gemmGflops')!;
  assert.equal(g.ratio, 1);
  assert.equal(g.severity, 'ok');
  assert.equal(g.here, 60);
  // at the same core count a halved GEMM is a 0.5 ratio, beyond the rate tolerance
  const slow = compareHardware(two, { ...two, id: 'slow', gemmGflops: 60 }).find((d) => d.part === 'gemmGflops')!;
  assert.equal(slow.ratio, 0.5);
  assert.equal(slow.severity, 'warn');
});
