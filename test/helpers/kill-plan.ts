/** The plan shared by the kill-and-resume test and its child process. */
import { buildPlan, type ProfilePlan } from '../../src/profile/plan.js';

export function killTestPlan(): ProfilePlan {
  return buildPlan({ seed: 9, layers: 20, reps: 3, idleBytes: 60 * 1024 * 1024, chunkSize: 10 });
}
