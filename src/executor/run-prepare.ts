/**
 * What `memlat run` (and the library's run()) does before the worker starts: refuse a limit beyond
 * the machine's RAM, a run its RAM + free swap cannot hold and a network of more layers than a run
 * prepares (MAX_RUN_LAYERS in run-network.ts), remove leftovers of dead memlat
 * processes, and write the network's weight files with the Ctrl-C-responsive writer after checking
 * they fit in the cache's free space.
 */
import { totalmem } from 'node:os';
import type { ResolvedNetwork } from '../network/types.js';
import { argumentError } from '../errors.js';
import { formatBytes } from '../units.js';
import { runRefusal } from '../predict/feasibility.js';
import { machineMemory } from '../host/swap.js';
import { sweepLeftovers } from './leftovers.js';
import { writeWeightFiles } from './weights.js';
import { checkRunLayerCount } from './run-network.js';

/** Refuses (UserError) a memory limit above the machine's RAM. Cost: O(1). */
export function checkLimitWithinRam(memoryLimitBytes: number | null, field = 'memory'): void {
  if (memoryLimitBytes === null) return;
  const ram = totalmem();
  if (memoryLimitBytes > ram) {
    throw argumentError(
      (n) =>
        `${n(field)} ${formatBytes(memoryLimitBytes)}: more than this machine's RAM (${formatBytes(ram)}); use at most ${formatBytes(ram)}, or "none" for no limit`,
    );
  }
}

/**
 * Refuses (UserError, before anything is written or started) a run the machine cannot hold: the
 * largest layer's resident bytes + 256 MiB beyond M + free swap, or beyond RAM + free swap without a
 * limit (predict/feasibility.ts, the rule predict warns with). Cost: O(layers).
 */
export function checkRunFits(rn: ResolvedNetwork, memoryLimitBytes: number | null, field = 'memory'): void {
  const why = runRefusal(rn, memoryLimitBytes, machineMemory());
  if (why !== null) {
    throw argumentError((n) => `${n(field)} ${memoryLimitBytes === null ? 'none' : formatBytes(memoryLimitBytes)}: ${why}`);
  }
}

/**
 * Check the limit, what the run needs and its layer count (checkRunLayerCount), sweep leftovers, and write the missing weight files (see
 * writeWeightFiles). Cost: O(layers) + two readdirs + O(missing weight bytes).
 */
export async function prepareRun(
  rn: ResolvedNetwork,
  o: { memoryLimitBytes: number | null; cacheDir?: string | undefined; signal?: AbortSignal; onEvent?: (m: string) => void },
): Promise<void> {
  checkLimitWithinRam(o.memoryLimitBytes);
  checkRunFits(rn, o.memoryLimitBytes);
  checkRunLayerCount(rn);
  const swept = sweepLeftovers(o.cacheDir);
  if (swept.groups.length || swept.tmpFiles.length) {
    o.onEvent?.(`removed ${swept.groups.length} cgroup(s) and ${swept.tmpFiles.length} temporary weight file(s) left by dead memlat processes`);
  }
  const wrote = await writeWeightFiles(
    rn.layers.map((l) => ({ layer: l.layer, inputShapes: l.inputShapes })),
    o.cacheDir,
    o.signal,
  );
  if (wrote > 0) o.onEvent?.(`wrote ${formatBytes(wrote)} of weight files`);
}
