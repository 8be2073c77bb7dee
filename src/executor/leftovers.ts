/**
 * Leftovers of memlat processes that died: their cgroups and temporary weight files, swept at the
 * start of run, profile and validate-runs, and by doctor.
 */
import { detectCgroups, findStaleGroups, removeStaleGroups } from '../host/limiter.js';
import { sweepStaleEmulation } from '../host/emulate.js';
import { sweepStaleWeightTmp } from './weights.js';

/** What sweepLeftovers removed (and could not). */
export interface LeftoverSweep {
  groups: string[];
  tmpFiles: string[];
  failed: { path: string; reason: string }[];
}

/**
 * Remove what memlat processes that died (kill -9, OOM, power loss) left behind: their
 * memlat-<pid>-<n> cgroups, their emulated-machine groups (memlat-emu-<pid>, root only) and their
 * `.tmp-<pid>` weight files. Run at the start of run, profile
 * and validate-runs, and by doctor. Never touches anything of a running process. Cost: two readdirs.
 */
export function sweepLeftovers(cacheDir?: string): LeftoverSweep {
  const cg = detectCgroups();
  const { removed, failed } = cg.writable
    ? removeStaleGroups(cg.parentDir)
    : { removed: [], failed: findStaleGroups(cg.parentDir).map((g) => ({ path: g.path, reason: 'not writable by this user' })) };
  const emu = process.getuid?.() === 0 ? sweepStaleEmulation() : [];
  return { groups: [...removed, ...emu], tmpFiles: sweepStaleWeightTmp(cacheDir), failed };
}
