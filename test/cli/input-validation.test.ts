// Bad input is one line naming the value and the fix (exit 2, no stack trace), checked before any
// measuring: output paths that are folders, have a missing parent or are read-only; sizes that are
// not finite or beyond the machine; a --max-layer-size no sample fits under; --seq-len on a network
// without a sequence; a disk that fills while rows are appended leaves no half line and no .tmp.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { captureCli } from '../helpers/cli.js';
import { openRowWriter, readDataset, writeDataset } from '../../src/dataset/files.js';
import { formatBytes } from '../../src/units.js';
import { denseRow } from '../helpers/rows.js';
import { makeTempDir, removeDir, withTempDir } from '../helpers/tmp.js';

const root = process.getuid?.() === 0;

async function refused(argv: string[], line: string | RegExp): Promise<void> {
  const r = await captureCli(argv);
  assert.equal(r.code, 2, `${argv.join(' ')}: exit 2 (got ${r.code}: ${r.err})`);
  assert.ok(!r.err.includes('internal error') && !r.err.includes('    at '), `no stack trace: ${r.err}`);
  assert.equal(r.err.trim().split('\n').length, 1, `one line: ${r.err}`);
  if (typeof line === 'string') assert.equal(r.err.trim(), `memlat: ${line}`);
  else assert.match(r.err.trim(), line);
}

test('output paths: a folder, a missing parent and an existing file as a folder are refused with the fix', async () => {
  await withTempDir('memlat-out-', async (dir) => {
    await refused(['fit', '--data', 'x.csv', '--out', dir], `--out ${dir}: is a folder; name a file in it, e.g. --out ${join(dir, 'model.json')}`);
    await refused(['report', '--out', `${dir}/`], `--out ${dir}/: is a folder; name a file in it, e.g. --out ${join(dir, 'report.html')}`);
    await refused(
      ['curve', 'vgg16', '--svg', join(dir, 'no', 'c.svg')],
      `--svg ${join(dir, 'no', 'c.svg')}: folder ${join(dir, 'no')} does not exist; create it (mkdir -p ${join(dir, 'no')}) or choose another --svg`,
    );
    await refused(
      ['import', 'edgecaffe', 'data/edgecaffe', '--out', join(dir, 'no', 'r.csv')],
      /--out .*no\/r\.csv: folder .* does not exist; create it \(mkdir -p/,
    );
    await refused(['profile', '--out', join(dir, 'no', 'p.csv'), '--dry-run'], /--out .*no\/p\.csv: folder .* does not exist/);
    // every command of the row (fit, report, curve, import, profile), each case
    const outputs: [string[], string, string, string][] = [
      [['fit', '--data', 'x.csv'], '--out', 'model.json', 'm.json'],
      [['report'], '--out', 'report.html', 'r.html'],
      [['curve', 'vgg16'], '--svg', 'curve.svg', 'c.svg'],
      [['import', 'edgecaffe', 'data/edgecaffe'], '--out', 'rows.csv', 'r.csv'],
      [['profile', '--dry-run'], '--out', 'rows.csv', 'p.csv'],
    ];
    for (const [argv, flag, example, name] of outputs) {
      await refused([...argv, flag, dir], `${flag} ${dir}: is a folder; name a file in it, e.g. ${flag} ${join(dir, example)}`);
      const missing = join(dir, 'absent', name);
      await refused(
        [...argv, flag, missing],
        `${flag} ${missing}: folder ${join(dir, 'absent')} does not exist; create it (mkdir -p ${join(dir, 'absent')}) or choose another ${flag}`,
      );
    }
    // without --dry-run profile refuses as early: before the lock, the hardware measurement and any side file
    const t0 = Date.now();
    await refused(['profile', '--out', join(dir, 'absent', 'p.csv'), '--layers', '5'], /--out .*absent\/p\.csv: folder .* does not exist/);
    assert.ok(Date.now() - t0 < 2000, `refused at once (${Date.now() - t0} ms), not after measuring the machine`);
    writeFileSync(join(dir, 'file'), 'x');
    await refused(
      ['validate-runs', '--out', join(dir, 'file'), '--dry-run'],
      `--out ${join(dir, 'file')}: is a file, not a folder; name a folder, e.g. --out ${dir}/validation/`,
    );
    assert.deepEqual(readdirSync(dir), ['file'], 'nothing was created');
  });
});

test('output paths on a read-only file system are refused before any work', { skip: root ? false : 'needs root to mount' }, async () => {
  const mnt = makeTempDir('memlat-ro-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', mnt]);
  try {
    for (const [argv, flag] of [
      [['fit', '--data', 'x.csv', '--out', join(mnt, 'm.json')], '--out'],
      [['report', '--out', join(mnt, 'r.html')], '--out'],
      [['curve', 'vgg16', '--svg', join(mnt, 'c.svg')], '--svg'],
      [['profile', '--out', join(mnt, 'p.csv'), '--dry-run'], '--out'],
      [['validate-runs', '--out', join(mnt, 'v'), '--dry-run'], '--out'],
      [['export', '--data', 'x.csv', '--parquet', join(mnt, 'x.parquet')], '--parquet'],
      [['import', 'edgecaffe', 'data/edgecaffe', '--out', join(mnt, 'r.csv')], '--out'],
    ] as const) {
      await refused([...argv], new RegExp(`^memlat: ${flag} ${mnt}/\\S+: folder ${mnt} is not writable \\(EROFS\\); choose a writable location for ${flag}$`));
    }
  } finally {
    execFileSync('umount', [mnt]);
    removeDir(mnt);
  }
});

test('sizes: non-finite or absurd values are refused everywhere, limits beyond RAM by run', async () => {
  await refused(
    ['predict', 'vgg16', '--memory', '1e400'],
    '--memory: "1e400" is too large to be a size (at most 9007199254740991 bytes, 8 PiB); write e.g. 512MiB',
  );
  await refused(['curve', 'vgg16', '--to', '1e30'], /--to: "1e30" is too large to be a size/);
  await refused(['run', 'alexnet', '--memory', '1e30'], /--memory: "1e30" is too large to be a size/);
  const twice = 2 * totalmem();
  await refused(
    ['run', 'alexnet', '--memory', String(twice)],
    `--memory ${formatBytes(twice)}: more than this machine's RAM (${formatBytes(totalmem())}); use at most ${formatBytes(totalmem())}, or "none" for no limit`,
  );
});

test('profile --dry-run with a --max-layer-size no sample fits under ends with an error (it used to loop forever)', async () => {
  await withTempDir('memlat-mls-', async (dir) => {
    for (const size of ['1KiB', '0']) {
      await refused(
        ['profile', '--out', join(dir, 'p.csv'), '--layers', '5', '--max-layer-size', size, '--dry-run'],
        /--max-layer-size (1 KiB|0 B): below the smallest size every sampled layer kind fits in \(128 KiB\), so no sample could be drawn; use at least 128KiB/,
      );
    }
  });
});

test('profile --unlimited-order / --limited-order with an unknown order are refused by name with the two they take', async () => {
  await withTempDir('memlat-uo-', async (dir) => {
    for (const flag of ['--unlimited-order', '--limited-order']) {
      await refused(
        ['profile', '--out', join(dir, 'p.csv'), '--layers', '5', flag, 'cold', '--dry-run'],
        `${flag} cold: use job (each layer's reps back to back) or network (pass-major, as in a network)`,
      );
    }
  });
});

test('profile --kinds / --min-layer-size / --levels none: an unknown kind, a minimum at or above the maximum and nothing to measure are refused by name', async () => {
  await withTempDir('memlat-tp-', async (dir) => {
    const out = join(dir, 'p.csv');
    await refused(
      ['profile', '--out', out, '--kinds', 'dense,dens', '--dry-run'],
      /--kinds dens,dense: not a design-space kind: dens; use some of dense, conv2d, /,
    );
    await refused(
      ['profile', '--out', out, '--min-layer-size', '512MiB', '--dry-run'],
      '--min-layer-size 512 MiB: must be below --max-layer-size 512 MiB, e.g. --min-layer-size 96MiB --max-layer-size 640MiB',
    );
    await refused(
      ['profile', '--out', out, '--levels', 'none', '--no-unlimited', '--dry-run'],
      '--levels none with --no-unlimited: nothing to measure; drop one of them',
    );
    const r = await captureCli([
      'profile',
      '--out',
      out,
      '--layers',
      '4',
      '--kinds',
      'dense',
      '--min-layer-size',
      '96MiB',
      '--max-layer-size',
      '640MiB',
      '--levels',
      'none',
      '--dry-run',
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /plan: 4 layers, 4 jobs \(layer x limit\) x 3 reps = 12 measurements, 1 distinct limits/);
    assert.equal(existsSync(out), false);
  });
});

test('--seq-len on a network without a sequence is refused; on bert-base it applies', async () => {
  for (const cmd of [['describe'], ['predict', '--memory', '512MiB'], ['run', '--reps', '1']]) {
    await refused(
      [cmd[0]!, 'vgg16', ...cmd.slice(1), '--seq-len', '128'],
      '--seq-len 128: network "vgg16" has no sequence dimension; drop --seq-len (it applies to transformers such as bert-base)',
    );
  }
  const r = await captureCli(['describe', 'bert-base', '--seq-len', '128', '--json']);
  assert.equal(r.code, 0, r.err.slice(0, 500));
});

test('ENOSPC: appending rows to a full disk leaves only whole lines and no .tmp file', { skip: root ? false : 'needs root to mount' }, async () => {
  const mnt = makeTempDir('memlat-full-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt]);
  try {
    const out = join(mnt, 'rows.csv');
    const w = await openRowWriter(out);
    const rows = Array.from({ length: 4000 }, (_, i) => denseRow(i));
    let written = 0;
    let error: unknown = null;
    for (let i = 0; i < rows.length; i += 50) {
      try {
        await w.append(rows.slice(i, i + 50));
        written += 50;
      } catch (e) {
        error = e;
        break;
      }
    }
    await w.close();
    assert.ok(error instanceof Error, 'the disk filled up');
    assert.equal(error.message, `${out}: the disk is full (ENOSPC); nothing half-written was kept; free space and run the command again`);
    const text = readFileSync(out, 'utf8');
    assert.ok(text.endsWith('\n'), 'the file ends with a whole line');
    assert.equal((await readDataset(out)).rows.length, written, 'exactly the appended rows, none half');
    // a whole-file write that does not fit leaves the old file and no temporary file
    await assert.rejects(writeDataset(join(mnt, 'all.csv'), rows), /all\.csv: the disk is full \(ENOSPC\)/);
    assert.deepEqual(readdirSync(mnt).sort(), ['rows.csv']);
    assert.equal(existsSync(join(mnt, 'all.csv')), false);
  } finally {
    execFileSync('umount', [mnt]);
    removeDir(mnt);
  }
});

test(
  '--cache-dir on a full disk: run refuses its weight files and profile its disk probe, with the numbers, before measuring; nothing is left',
  { skip: root ? false : 'needs root to mount' },
  async () => {
    const mnt = makeTempDir('memlat-fullcache-');
    const dir = makeTempDir('memlat-fullout-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
    try {
      // alexnet's 8 weighted layers hold 61,100,840 parameters: 244,403,360 bytes of fp32 weight files
      // (the start's sweep may first report leftovers of other dead memlat processes: the refusal is the last line)
      const r = await captureCli(['run', 'alexnet', '--reps', '1', '--cache-dir', mnt]);
      assert.equal(r.code, 2, r.err);
      assert.ok(!r.err.includes('internal error') && !r.err.includes('    at '), r.err);
      assert.match(
        r.err.trim().split('\n').pop()!,
        new RegExp(
          `^memlat: --cache-dir ${mnt}: this run \\(8 layers not in the cache\\) needs 233 MiB \\(244403360 bytes\\) of weight files but only [\\d.]+ (KiB|MiB) is free there; free space, or point --cache-dir \\(or MEMLAT_CACHE\\) at a disk with room$`,
        ),
      );
      assert.deepEqual(readdirSync(join(mnt, 'weights')), [], 'no weight file, no temporary file');
      const out = join(dir, 'p.csv');
      // profile's first step, the machine's disk probe, is refused before it writes (after its progress line)
      const p = await captureCli(['profile', '--out', out, '--layers', '5', '--cache-dir', mnt]);
      assert.equal(p.code, 2, p.err);
      assert.ok(!p.err.includes('internal error') && !p.err.includes('    at '), p.err);
      assert.match(
        p.err,
        new RegExp(
          `(^|\n)measuring this machine \\(memlat hardware\\) \\.\\.\\.\n+memlat: --cache-dir ${mnt}: the 256 MiB disk probe \\(cold read speed\\) cannot be written there: only [\\d.]+ (KiB|MiB) is free; free space, or point --cache-dir \\(or MEMLAT_CACHE\\) at a writable disk with room\n$`,
        ),
      );
      assert.deepEqual(readdirSync(dir), [], 'no lock, no hardware or plan file, no rows');
      assert.deepEqual(readdirSync(mnt), ['weights'], 'no probe file');
    } finally {
      execFileSync('umount', [mnt]);
      removeDir(mnt);
      removeDir(dir);
    }
  },
);

test('run refuses what RAM + free swap cannot hold (with a limit and without) before writing a weight file or starting a worker', async () => {
  const dir = makeTempDir('memlat-fits-');
  try {
    // one dense 1024 -> 16 layer (65,600 bytes of weights) on a [2^30, 1024] input: 4 TiB resident
    const net = join(dir, 'wide.json');
    writeFileSync(
      net,
      JSON.stringify({ name: 'wide', inputs: [{ name: 'x', shape: [2 ** 30, 1024] }], layers: [{ type: 'dense', name: 'fc', inputs: ['x'], units: 16 }] }),
    );
    const cache = join(dir, 'cache');
    const what = 'its largest layer "fc" needs 4.06 TiB resident \\(\\+ 256 MiB for the runtime\\)';
    const fix = 'no machine has that much swap: use a smaller --batch or --seq-len, or smaller layers';
    await refused(
      ['run', net, '--memory', '1GiB', '--reps', '1', '--cache-dir', cache],
      new RegExp(`^memlat: --memory 1 GiB: wide cannot run here at 1 GiB: ${what}, so 4\\.06 TiB of swap beyond the limit, but .+ is free; ${fix}$`),
    );
    await refused(
      ['run', net, '--reps', '1', '--cache-dir', cache],
      new RegExp(
        `^memlat: --memory none: wide cannot run on this machine: ${what}, more than its RAM ${formatBytes(totalmem()).replace('.', '\\.')} \\+ free swap .+; ${fix}$`,
      ),
    );
    assert.equal(existsSync(cache), false, 'nothing was written: not even the weight cache folder');
  } finally {
    removeDir(dir);
  }
});

test('hardware --repeat / --every: a bad count or interval is refused with the fix before anything is measured', async () => {
  await refused(['hardware', '--repeat', '0'], '--repeat 0: must be a positive integer, e.g. --repeat 5');
  await refused(['hardware', '--repeat', '3', '--every', 'soon'], '--every "soon": expected seconds >= 0 between the starts of two readings, e.g. --every 60');
  await refused(['hardware', '--repeat', '3', '--every', '-5'], '--every -5: expected seconds >= 0 between the starts of two readings, e.g. --every 60');
  await refused(['hardware', '--every', '60'], '--every: only with --repeat <n> (n readings, one every --every seconds)');
});
