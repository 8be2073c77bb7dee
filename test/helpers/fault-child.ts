/**
 * Child process for the fault-injection test: takes the dataset lock of argv[2] as `memlat profile`
 * does, creates a real memory cgroup holding a process when argv[3] is "cgroup" (what a worker
 * would leave behind), prints "ready <group path>" and profiles the shared small plan with the fake
 * worker into argv[2] until the parent kills it.
 */
import { spawn } from 'node:child_process';
import { lockDataset, openRowWriter } from '../../src/dataset/files.js';
import { CgroupV1Limiter, detectCgroups } from '../../src/host/limiter.js';
import { runProfile } from '../../src/profile/run.js';
import { killTestPlan } from './kill-plan.js';
import { fakeStartWorker } from './fake-worker.js';

const out = process.argv[2]!;
lockDataset(out);
let groupPath = '-';
if (process.argv[3] === 'cgroup') {
  const group = new CgroupV1Limiter(detectCgroups().parentDir!).create(256 * 2 ** 20);
  const argv = group.wrap(['sleep', '600']);
  spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', detached: true }).unref();
  groupPath = group.path!;
}
process.stdout.write(`ready ${groupPath}\n`);
const writer = await openRowWriter(out);
await runProfile({ plan: killTestPlan(), writer, hardwareId: 'hw-fake', startWorker: fakeStartWorker({ passDelayMs: 4, started: [] }) });
await writer.close();
