import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measurementKey } from '../../src/profile/plan.js';
import { runProfile } from '../../src/profile/run.js';
import { openRowWriter, readDataset } from '../../src/dataset/files.js';
import { fakeStartWorker, fakeTiming } from '../helpers/fake-worker.js';
import { killTestPlan } from '../helpers/kill-plan.js';
import { withTempDir } from '../helpers/tmp.js';

/** node argv running the child: compiled .js, or the .ts through tsx. */
function childArgs(): string[] {
  const js = fileURLToPath(new URL('../helpers/kill-child.js', import.meta.url));
  if (existsSync(js)) return [js];
  return ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL('../helpers/kill-child.ts', import.meta.url))];
}

test('SIGKILL a profiling process mid-run, resume with the same plan: no row lost or duplicated', async () => {
  await withTempDir('memlat-kill-', async (dir) => {
    const out = join(dir, 'rows.csv');
    const child = spawn(process.execPath, [...childArgs(), out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    // Wait until at least 25 rows are on disk, then kill without warning.
    const t0 = Date.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, 20));
      const lines = existsSync(out) ? (await readFile(out, 'utf8')).split('\n').length - 2 : 0;
      if (lines >= 25) break;
      if (Date.now() - t0 > 30_000 || child.exitCode !== null) assert.fail(`child did not write 25 rows in time: ${stderr}`);
    }
    child.kill('SIGKILL');
    await exited;
    const plan = killTestPlan();
    const total = plan.jobs * plan.options.reps;
    const mid = (await readDataset(out)).rows.length;
    assert.ok(mid >= 25 && mid < total, `${mid} of ${total} rows before the kill`);

    const writer = await openRowWriter(out);
    const s = await runProfile({ plan, writer, hardwareId: 'hw-fake', startWorker: fakeStartWorker({ started: [] }) });
    await writer.close();
    assert.equal(s.skipped, mid);
    const { rows } = await readDataset(out);
    assert.equal(rows.length, total);
    const ks = rows.map((r) => measurementKey(r.network, r.memoryLimitBytes, r.rep));
    assert.equal(new Set(ks).size, total, 'no duplicates');
    const byKey = new Map(rows.map((r) => [measurementKey(r.network, r.memoryLimitBytes, r.rep), r] as const));
    for (const j of plan.groups.flatMap((g) => g.jobs)) {
      for (let rep = 0; rep < 3; rep++) {
        const r = byKey.get(measurementKey(j.sampleId, j.memoryLimitBytes, rep));
        assert.ok(r, `missing ${j.id} rep ${rep}`);
        assert.equal(r.runMs, fakeTiming(j.id, rep).runMs);
      }
    }
  });
});
