/**
 * Page-cache eviction, so every timed pass loads weights cold from disk.
 *
 * Mechanism: `dd if=FILE iflag=nocache count=0 status=none`. With count=0 and iflag=nocache, GNU
 * coreutils dd calls posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) on the whole input file and reads
 * nothing. DONTNEED drops the file's clean cached pages; it needs only read access (no root, unlike
 * /proc/sys/vm/drop_caches) and touches no other file. Dirty pages are not dropped, so freshly written
 * files are fsync'ed by the writer first (ensureWeightFile's files are old by the time they are read).
 */
import { execFileSync } from 'node:child_process';

/**
 * Evict `path` from the OS page cache (posix_fadvise DONTNEED via dd). Throws if dd fails.
 * Cost: one short process spawn (~2-5 ms), untimed in every measurement.
 */
export function evictFromPageCache(path: string): void {
  execFileSync('dd', [`if=${path}`, 'iflag=nocache', 'count=0', 'status=none'], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Resident (cached) pages of `path` per util-linux `fincore` (mincore(2) underneath), or null when
 * fincore is unavailable. Used by tests and `memlat doctor` to prove eviction works. Cost: one spawn.
 */
export function cachedPages(path: string): number | null {
  try {
    const out = execFileSync('fincore', ['--bytes', '--noheadings', '--raw', '--output', 'PAGES', path], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const n = Number(out.trim());
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}
