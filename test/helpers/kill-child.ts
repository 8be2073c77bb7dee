/**
 * Child process for the kill-and-resume test: runs the shared small plan with the fake worker
 * (slow passes) into the file given as argv[2], until the parent SIGKILLs it.
 */
import { openRowWriter } from '../../src/dataset/files.js';
import { runProfile } from '../../src/profile/run.js';
import { killTestPlan } from './kill-plan.js';
import { fakeStartWorker } from './fake-worker.js';

const out = process.argv[2]!;
const writer = await openRowWriter(out);
await runProfile({ plan: killTestPlan(), writer, hardwareId: 'hw-fake', startWorker: fakeStartWorker({ passDelayMs: 4, started: [] }) });
await writer.close();
