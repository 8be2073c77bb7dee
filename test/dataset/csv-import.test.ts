// `memlat import csv`: a hand-written CSV of per-layer timings from "another engine" (AlexNet's zoo
// layer names, two memory levels, two passes, loads in s, runs in ms, unloads in us) becomes the
// rows derived by hand below, and the imported dataset fits (fe, since it has too few pairs for fe-swap).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { fit, importCsv } from '../../src/api.js';
import { register } from '../../src/cli/commands/import.js';
import { checkHardware, importCsvRows, parseCsvMap, parseNetworksOption, statedHardware } from '../../src/dataset/csv-import.js';
import { UserError } from '../../src/errors.js';
import { resolveNetwork } from '../../src/network/shapes.js';
import { zooNetwork } from '../../src/network/zoo/index.js';
import { readDataset } from '../../src/dataset/files.js';
import { repoRoot } from '../helpers/paths.js';
import { makeTempDir, removeDir, withTempDir } from '../helpers/tmp.js';

const MiB = 2 ** 20;
const fixture = join(repoRoot, 'test/fixtures/csv-import/timings.csv');
const MAP = 'network=model,layer=layer_name,memory=mem_mb:MiB,rep=rep,load=load_s:s,run=exec_ms,unload=unload_us:us';
const alexnet = resolveNetwork(zooNetwork('alexnet'));
/** Equal up to floating-point rounding of the unit conversion (2.1e-3 s x 1000 is not exactly 2.1). */
const close = (a: number | null, b: number | null): boolean => a === b || (a !== null && b !== null && Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)));
const userError =
  (re: RegExp) =>
  (e: unknown): boolean =>
    e instanceof UserError && re.test(e.message);

test('parseCsvMap: columns with units to factors; every mistake is one line naming the entry', () => {
  const m = parseCsvMap(MAP);
  assert.deepEqual(m.load, { column: 'load_s', unit: 's', factor: 1000 });
  assert.deepEqual(m.run, { column: 'exec_ms', unit: 'ms', factor: 1 });
  assert.deepEqual(m.unload, { column: 'unload_us', unit: 'us', factor: 1e-3 });
  assert.deepEqual(m.memory, { column: 'mem_mb', unit: 'MiB', factor: MiB });
  assert.deepEqual(m.rep, { column: 'rep', unit: '', factor: 1 });
  assert.deepEqual(parseCsvMap('layer=l,load=a:ns,run=b,memory=m').memory, { column: 'm', unit: 'B', factor: 1 });
  assert.equal(parseCsvMap('layer=l,load=a:ns,run=b').load?.factor, 1e-6);
  assert.throws(() => parseCsvMap('layer=l,load=a,run=b,speed=x'), userError(/"speed=x": unknown field "speed"; the fields are network, layer/));
  assert.throws(() => parseCsvMap('layer=l,load=a:min,run=b'), userError(/unknown time unit "min"; use ms \(the default\), s, us or ns/));
  assert.throws(() => parseCsvMap('layer=l,load=a,run=b,memory=m:MB2'), userError(/unknown memory unit "MB2"/));
  assert.throws(() => parseCsvMap('layer=l:s,load=a,run=b'), userError(/layer takes no unit/));
  assert.throws(() => parseCsvMap('layer=l,load=a,run=b,run=c'), userError(/run is mapped twice/));
  assert.throws(() => parseCsvMap('layer=l,load=a'), userError(/^map: run is not mapped; name its column, e.g. map network=net,layer=layer_name/));
  assert.throws(() => parseCsvMap('layer,load=a,run=b'), userError(/"layer": write field=column or field=column:unit/));
});

test('parseNetworksOption, statedHardware, checkHardware', () => {
  assert.deepEqual(parseNetworksOption('alexnet'), [{ name: undefined, source: 'alexnet' }]);
  assert.deepEqual(parseNetworksOption('a=alexnet, b=models/b.onnx'), [
    { name: 'a', source: 'alexnet' },
    { name: 'b', source: 'models/b.onnx' },
  ]);
  assert.throws(() => parseNetworksOption('alexnet,vgg16'), userError(/with several networks, name each .*: name=alexnet/));
  assert.throws(() => parseNetworksOption('a=alexnet,a=vgg16'), userError(/network "a" is given twice/));
  assert.throws(() => parseNetworksOption(' , '), userError(/^networks: give the network descriptions/));
  const hw = statedHardware(4, 8 * 2 ** 30, 't.csv');
  assert.deepEqual([hw.id, hw.cores, hw.ramBytes, hw.gemmGflops, hw.runtimeIdleBytes], ['csv-4c-8g', 4, 8 * 2 ** 30, null, null]);
  assert.throws(() => statedHardware(0, 1, 't.csv'), userError(/^cores 0: the number of cores/));
  assert.throws(() => statedHardware(2, -1, 't.csv'), userError(/^ram -1: the RAM .*, e\.g\. ram 8GiB/));
  assert.equal(checkHardware([{ id: 'x', cores: 2, ramBytes: 100 }], 'hw.json').id, 'x');
  assert.throws(
    () => checkHardware({ id: 'x', cores: 2 }, 'hw.json'),
    userError(/^hardware hw.json: "ramBytes" undefined is not a positive number; write it with 'memlat hardware --out hw.json'/),
  );
});

test('import csv: the fixture becomes the rows derived by hand, written with its fingerprint, and fits (kind fe, with a note)', async () => {
  await withTempDir('memlat-csv-', async (dir) => {
    const out = join(dir, 'data.csv');
    const { rows, hardware } = await importCsv(fixture, { map: MAP, networks: 'alex=alexnet', cores: 4, ram: '8GiB', out });
    assert.equal(rows.length, 36);
    assert.deepEqual(
      hardware.map((h) => h.id),
      ['csv-4c-8g'],
    );
    // line 2: alex,features.0,512,0,0.0021,3.1,40 -> 2.1 ms load, 3.1 ms run, 0.04 ms unload at 512 MiB
    const r0 = rows[0]!;
    assert.deepEqual(
      { ...r0, loadMs: 0, runMs: 0, unloadMs: 0 },
      {
        hardwareId: 'csv-4c-8g',
        source: 'csv-import',
        network: 'alex',
        layerIndex: 0,
        layerName: 'features.0',
        layerType: 'conv2d',
        layer: alexnet.layers[0]!.layer,
        inputShapes: [[1, 3, 224, 224]],
        outputShape: [1, 64, 55, 55],
        memoryLimitBytes: 512 * MiB,
        rep: 0,
        loadMs: 0,
        runMs: 0,
        unloadMs: 0,
        majorFaults: null,
        swapInPages: null,
        swapOutPages: null,
        oom: false,
      },
    );
    assert.ok(close(r0.loadMs, 2.1) && close(r0.runMs, 3.1) && close(r0.unloadMs, 0.04), JSON.stringify(r0));
    // every row: (layer, memory, rep, load, run, unload) as derived by hand from the fixture's lines
    const expected: [string, number | null, number, number, number, number][] = [];
    const lines = (await readFile(fixture, 'utf8')).trim().split('\n').slice(1);
    assert.equal(lines.length, 36);
    // by hand: mem "512" -> 512 MiB, "none" and "" -> null; load s x 1000, unload us / 1000
    const handMem: Record<string, number | null> = { '512': 512 * MiB, none: null, '': null };
    for (const l of lines) {
      const [, layer, mem, rep, load, run, unload] = l.split(',');
      expected.push([layer!, handMem[mem!]!, Number(rep), Number(load) * 1000, Number(run), Number(unload) / 1000]);
    }
    rows.forEach((r, i) => {
      const [layer, mem, rep, load, run, unload] = expected[i]!;
      assert.deepEqual([r.layerName, r.memoryLimitBytes, r.rep], [layer, mem, rep], `row ${i}`);
      assert.ok(close(r.loadMs, load) && close(r.runMs, run) && close(r.unloadMs, unload), `row ${i}: ${r.loadMs} ${r.runMs} ${r.unloadMs}`);
    });
    // the brief's example: classifier.1 at 512 MiB, pass 0 loads in 2.5 s = 2500 ms (line 26)
    const c1 = rows.find((r) => r.layerName === 'classifier.1' && r.memoryLimitBytes === 512 * MiB && r.rep === 0)!;
    assert.deepEqual([c1.layerIndex, c1.layerType, c1.loadMs, c1.runMs, c1.unloadMs], [16, 'dense', 2500, 12.5, 3]);
    assert.deepEqual(c1.inputShapes, [[1, 9216]]);
    // line 5 has an empty memory cell: no limit, pass 1
    assert.deepEqual([rows[3]!.memoryLimitBytes, rows[3]!.rep], [null, 1]);

    // the file reads back as the same rows, with the fingerprint beside it
    const back = await readDataset(out);
    assert.equal(back.rows.length, 36);
    assert.deepEqual(
      back.rows.map((r) => [r.layerName, r.memoryLimitBytes, r.rep, r.loadMs]),
      rows.map((r) => [r.layerName, r.memoryLimitBytes, r.rep, r.loadMs]),
    );
    assert.deepEqual(back.hardware, hardware);

    // it fits: 9 (layer, limited/unlimited) pairs are too few for fe-swap, so fit says so and fits fe
    const notes: string[] = [];
    const bundle = await fit(out, { onNote: (n) => notes.push(n) });
    assert.equal(bundle.model.kind, 'fe');
    assert.equal(bundle.hardware.id, 'csv-4c-8g');
    assert.equal(bundle.provenance?.rows, 36);
    assert.equal(notes.length, 1);
    assert.match(notes[0]!, /9 layer configuration\(s\) measured both with and without a memory limit.*fitted kind fe/);
  });
});

test('import csv: every bad value is refused with its line, column, value and the fix', () => {
  const map = parseCsvMap('layer=layer,memory=mem:MiB,load=load,run=run');
  const one = new Map([['alexnet', alexnet]]);
  const imp = (text: string, m = map, n: ReadonlyMap<string, typeof alexnet> = one) =>
    importCsvRows(text, { map: m, networks: n, hardwareId: 'hw', where: 't.csv' });
  const head = 'layer,mem,load,run\n';
  assert.throws(() => imp(`${head}features.0,512,-1,2\n`), userError(/^t\.csv line 2: load time "-1" \(column load\) is not a finite number >= 0 \(in ms\)/));
  assert.throws(() => imp(`${head}features.0,512,1,2\nfeatures.1,512,1,Infinity\n`), userError(/^t\.csv line 3: run time "Infinity"/));
  assert.throws(() => imp(`${head}features.0,512,1,\n`), userError(/line 2: run time "" /));
  assert.throws(() => imp(`${head}features.0,512,1,abc\n`), userError(/line 2: run time "abc"/));
  assert.throws(() => imp(`${head}features.0,-5,1,2\n`), userError(/line 2: memory "-5" \(column mem, in MiB\) is not a positive size; write a limit > 0/));
  assert.throws(() => imp(`${head}features.0,0,1,2\n`), userError(/line 2: memory "0"/));
  assert.throws(
    () => imp(`${head}features.0,12XB,1,2\n`),
    userError(/line 2: memory \(column mem\): "12XB" is not a size.*or leave it empty \/ "none" for no limit/),
  );
  // blank lines are skipped, and the line number is still the file's
  assert.throws(
    () => imp(`${head}\nfeatures.0,512,1,2\n\nconv9,512,1,2\n`),
    userError(/^t\.csv line 5: layer "conv9" \(column layer\) is not a layer of alexnet, whose layers are features\.0, features\.1, .*; rename it in the CSV/),
  );
  assert.throws(
    () => imp(`${head}features.0,512,1,2\nfeatures.0,512,1,3\n`, parseCsvMap('layer=layer,memory=mem:MiB,load=load,run=run,rep=load')),
    userError(/line 3: alexnet layer "features.0" at memory 536870912 pass 1 is already on line 2/),
  );
  assert.throws(
    () => imp('layer,mem,load\nfeatures.0,512,1\n'),
    userError(/t\.csv: no column "run" \(mapped to run\); its columns are layer, mem, load; fix map run=/),
  );
  assert.throws(() => imp(head), userError(/t\.csv: no records below the header/));
  const withNet = parseCsvMap('network=net,layer=layer,load=load,run=run');
  assert.throws(
    () => imp('net,layer,load,run\nvgg,features.0,1,2\n', withNet, new Map([['alex', alexnet]])),
    userError(/line 2: network "vgg" \(column net\) has no description; give it with networks vgg=<zoo name or .json\/.onnx\/.prototxt> \(given: alex\)/),
  );
  assert.throws(
    () =>
      imp(
        'layer,load,run\nfeatures.0,1,2\n',
        parseCsvMap('layer=layer,load=load,run=run'),
        new Map([
          ['a', alexnet],
          ['b', alexnet],
        ]),
      ),
    userError(/2 networks given but no network column mapped/),
  );
  assert.throws(
    () => imp(`${head}features.0,512,1,2.5\n`, parseCsvMap('layer=layer,memory=mem:MiB,load=load,run=run,rep=run')),
    userError(/line 2: rep "2.5" \(column run\) is not an integer >= 0/),
  );
});

test('import csv: without a rep column the k-th line of a (layer, memory) is pass k; memory cells may carry units', () => {
  const map = parseCsvMap('layer=layer,memory=mem,load=load,run=run');
  const rows = importCsvRows('layer,mem,load,run\nfeatures.0,512MiB,1,2\nfeatures.0,none,1,2\nfeatures.0,536870912,3,4\nfeatures.1,,5,6\n', {
    map,
    networks: new Map([['alexnet', alexnet]]),
    hardwareId: 'hw',
  });
  assert.deepEqual(
    rows.map((r) => [r.network, r.layerName, r.memoryLimitBytes, r.rep, r.loadMs, r.runMs, r.unloadMs]),
    [
      ['alexnet', 'features.0', 512 * MiB, 0, 1, 2, null],
      ['alexnet', 'features.0', null, 0, 1, 2, null],
      ['alexnet', 'features.0', 512 * MiB, 1, 3, 4, null],
      ['alexnet', 'features.1', null, 0, 5, 6, null],
    ],
  );
});

test('memlat import csv (CLI): writes the dataset; without a machine it says what to give', async () => {
  const dir = makeTempDir('memlat-csv-cli-');
  const cli = async (args: string[]): Promise<void> => {
    const program = new Command().exitOverride();
    register(program);
    await program.parseAsync(['node', 'memlat', ...args]);
  };
  try {
    const hw = join(dir, 'hw.json');
    await writeFile(
      hw,
      JSON.stringify({
        id: 'other-box',
        cpuModel: 'x',
        cores: 8,
        ramBytes: 16 * 2 ** 30,
        cgroupVersion: 2,
        diskReadBytesPerSec: null,
        memBandwidthBytesPerSec: null,
        gemmGflops: null,
        runtimeIdleBytes: null,
      }),
    );
    const out = join(dir, 'rows.csv.gz');
    await cli(['import', 'csv', fixture, '--map', MAP, '--networks', 'alex=alexnet', '--hardware', hw, '--out', out]);
    const { rows, hardware } = await readDataset(out);
    assert.equal(rows.length, 36);
    assert.deepEqual([hardware[0]?.id, rows[0]?.hardwareId], ['other-box', 'other-box']);
    await assert.rejects(
      cli(['import', 'csv', fixture, '--map', MAP, '--networks', 'alex=alexnet', '--out', join(dir, 'x.csv')]),
      userError(/say which machine measured the CSV: --hardware hw.json .* or --cores N --ram SIZE/),
    );
    await assert.rejects(
      cli(['import', 'csv', fixture, '--map', MAP, '--networks', 'alex=nosuchnet', '--cores', '2', '--ram', '4GiB', '--out', join(dir, 'x.csv')]),
      userError(/^--networks alex=nosuchnet: unknown network "nosuchnet"/),
    );
    await assert.rejects(
      cli([
        'import',
        'csv',
        join(dir, 'missing.csv'),
        '--map',
        MAP,
        '--networks',
        'alex=alexnet',
        '--cores',
        '2',
        '--ram',
        '4GiB',
        '--out',
        join(dir, 'x.csv'),
      ]),
      userError(/missing\.csv: no such file/),
    );
  } finally {
    removeDir(dir);
  }
});
