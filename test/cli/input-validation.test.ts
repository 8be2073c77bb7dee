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
    await refused(['curve', 'vgg16', '--svg', join(dir, 'no', 'c.svg')], `--svg ${join(dir, 'no', 'c.svg')}: folder ${join(dir, 'no')} does not exist; create it (mkdir -p ${join(dir, 'no')}) or choose another --svg`);
    await refused(['import', 'edgecaffe', 'data/edgecaffe', '--out', join(dir, 'no', 'r.csv')], /--out .*no\/r\.csv: folder .* does not exist; create it \(mkdir -p/);
    await refused(['profile', '--out', join(dir, 'no', 'p.csv'), '--dry-run'], /--out .*no\/p\.csv: folder .* does not exist/);
    writeFileSync(join(dir, 'file'), 'x');
    await refused(['validate-runs', '--out', join(dir, 'file'), '--dry-run'], `--out ${join(dir, 'file')}: is a file, not a folder; name a folder, e.g. --out ${dir}/validation/`);
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
    ] as const) {
      await refused([...argv], new RegExp(`^memlat: ${flag} ${mnt}/\\S+: folder ${mnt} is not writable \\(EROFS\\); choose a writable location for ${flag}$`));
    }
  } finally {
    execFileSync('umount', [mnt]);
    removeDir(mnt);
  }
});

test('sizes: non-finite or absurd values are refused everywhere, limits beyond RAM by run', async () => {
  await refused(['predict', 'vgg16', '--memory', '1e400'], '--memory: "1e400" is too large to be a size (at most 9007199254740991 bytes, 8 PiB); write e.g. 512MiB');
  await refused(['curve', 'vgg16', '--to', '1e30'], /--to: "1e30" is too large to be a size/);
  await refused(['run', 'alexnet', '--memory', '1e30'], /--memory: "1e30" is too large to be a size/);
  const twice = 2 * totalmem();
  await refused(['run', 'alexnet', '--memory', String(twice)], `--memory ${formatBytes(twice)}: more than this machine's RAM (${formatBytes(totalmem())}); use at most ${formatBytes(totalmem())}, or "none" for no limit`);
});

test('profile --dry-run with a --max-layer-size no sample fits under ends with an error (it used to loop forever)', async () => {
  await withTempDir('memlat-mls-', async (dir) => {
    for (const size of ['1KiB', '0']) {
      await refused(['profile', '--out', join(dir, 'p.csv'), '--layers', '5', '--max-layer-size', size, '--dry-run'],
        /--max-layer-size (1 KiB|0 B): below the smallest size every sampled layer kind fits in \(128 KiB\), so no sample could be drawn; use at least 128KiB/);
    }
  });
});

test('--seq-len on a network without a sequence is refused; on bert-base it applies', async () => {
  await refused(['describe', 'vgg16', '--seq-len', '128'], '--seq-len 128: network "vgg16" has no sequence dimension; drop --seq-len (it applies to transformers such as bert-base)');
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
