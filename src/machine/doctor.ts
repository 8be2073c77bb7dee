/**
 * `memlat doctor`: checks everything profiling needs (privileges, cgroup access, swap vs the largest
 * layer, onnxruntime, page-cache eviction, dd) and gives, for each failure, the exact fix command.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedNetwork } from '../network/types.js';
import { formatBytes, setupSwapCommand } from '../units.js';
import { detectCgroups, systemdUserScopeWorks } from '../host/limiter.js';
import { cachedPages, evictFromPageCache } from '../host/page-cache.js';
import { layerResidentBytes } from '../network/onnx-layer.js';
import { swapBytes } from '../host/swap.js';
import { defaultCacheDir } from '../executor/weights.js';
import { sweepLeftovers } from '../executor/leftovers.js';
import { startWorker } from '../executor/worker-client.js';

/** One check's verdict. */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  /** What was found. */
  detail: string;
  /** The exact command (or step) that fixes a failure. */
  fix?: string;
}

/** Options of runDoctor. */
export interface DoctorOptions {
  /** Swap is checked against this network's largest layer (default: 1 GiB). */
  network?: ResolvedNetwork;
  cacheDir?: string;
  /** Skip starting a worker (onnxruntime check) — for fast unit tests. */
  skipRuntime?: boolean;
}

/**
 * Run every check. Never throws for a failed check; each failure carries its fix.
 * Cost: ~1 s (one worker start, a 4 MiB probe file, one systemd-run probe when not root).
 */
export async function runDoctor(opts: DoctorOptions = {}): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const root = process.getuid?.() === 0;
  const cg = detectCgroups();

  // 1. privileges
  const scope = root ? false : systemdUserScopeWorks();
  checks.push({
    name: 'privileges',
    ok: root || scope,
    detail: root ? 'running as root' : scope ? 'not root; systemd user scopes work (systemd-run --user --scope)' : 'not root and no systemd user session',
    fix: root || scope ? undefined : 'sudo memlat doctor   (or run from a systemd login session: loginctl enable-linger $USER)',
  });

  // 2. cgroup version and write access
  let cgOk = cg.version !== null && cg.writable;
  let cgDetail =
    cg.version === null ? 'no cgroup memory controller found' : `cgroup v${cg.version}, parent ${cg.parentDir}, ${cg.writable ? 'writable' : 'not writable'}`;
  if (cg.version === 2 && cg.writable && cg.parentDir) {
    const sub = readFileSync(join(cg.parentDir, 'cgroup.subtree_control'), 'utf8');
    if (!sub.split(/\s+/).includes('memory')) {
      cgDetail += '; memory controller not enabled for children (memlat enables it when it starts a worker)';
    }
  }
  if (!cgOk && scope) {
    cgOk = true;
    cgDetail += '; systemd-run --user --scope will be used instead';
  }
  checks.push({
    name: 'cgroup',
    ok: cgOk,
    detail: cgDetail,
    fix: cgOk
      ? undefined
      : cg.version === null
        ? 'enable the memory controller: boot with cgroup_enable=memory (kernel command line), then reboot'
        : 'sudo memlat doctor   (memory cgroups need root or a systemd user scope)',
  });

  // 3. swap vs the largest layer
  const needBytes = opts.network ? opts.network.layers.reduce((a, l) => Math.max(a, layerResidentBytes(l)), 0) : 2 ** 30;
  const what = opts.network ? `the largest layer of ${opts.network.name} (${formatBytes(needBytes)})` : `1 GiB`;
  const sw = swapBytes();
  checks.push({
    name: 'swap',
    ok: sw.freeBytes >= needBytes,
    detail: `${formatBytes(sw.freeBytes)} free of ${formatBytes(sw.totalBytes)} swap; needs at least ${what}`,
    fix: sw.freeBytes >= needBytes ? undefined : setupSwapCommand(needBytes - sw.freeBytes + 2 ** 29),
  });

  // 3b. leftovers of dead memlat processes (found and removed)
  const sweep = sweepLeftovers(opts.cacheDir);
  const found = sweep.groups.length + sweep.tmpFiles.length;
  checks.push({
    name: 'leftovers',
    ok: sweep.failed.length === 0,
    detail:
      found === 0 && sweep.failed.length === 0
        ? 'no cgroups or temporary weight files of dead memlat processes'
        : [
            sweep.groups.length ? `removed ${sweep.groups.length} cgroup(s) of dead memlat processes: ${sweep.groups.join(', ')}` : '',
            sweep.tmpFiles.length ? `removed ${sweep.tmpFiles.length} temporary weight file(s): ${sweep.tmpFiles.join(', ')}` : '',
            sweep.failed.length ? `could not remove: ${sweep.failed.map((f) => `${f.path} (${f.reason})`).join(', ')}` : '',
          ]
            .filter(Boolean)
            .join('; '),
    fix: sweep.failed.length ? `sudo memlat doctor   (or remove them by hand: ${sweep.failed.map((f) => `rmdir ${f.path}`).join('; ')})` : undefined,
  });

  // 4. dd present (the page-cache eviction uses it)
  let ddOk = true;
  try {
    execFileSync('dd', ['--version'], { stdio: 'ignore' });
  } catch {
    ddOk = false;
  }
  checks.push({ name: 'dd', ok: ddOk, detail: ddOk ? 'GNU dd found' : 'dd not found on PATH', fix: ddOk ? undefined : 'sudo apt-get install coreutils' });

  // 5. page-cache eviction really evicts
  const dir = defaultCacheDir(opts.cacheDir);
  const probe = join(dir, `doctor-probe-${process.pid}.bin`);
  let evict: DoctorCheck;
  try {
    mkdirSync(dir, { recursive: true });
    const fd = openSync(probe, 'w');
    writeSync(fd, Buffer.alloc(4 * 2 ** 20, 1));
    fsyncSync(fd);
    closeSync(fd);
    readFileSync(probe);
    evictFromPageCache(probe);
    const left = cachedPages(probe);
    evict =
      left === null
        ? { name: 'page-cache', ok: true, detail: 'dd iflag=nocache ran; cannot verify without fincore', fix: undefined }
        : {
            name: 'page-cache',
            ok: left === 0,
            detail: `${left} of 1024 probe pages still cached after eviction`,
            fix: left === 0 ? undefined : 'use a local ext4/xfs cache dir: MEMLAT_CACHE=/var/tmp/memlat memlat ...',
          };
  } catch (e) {
    evict = {
      name: 'page-cache',
      ok: false,
      detail: (e as Error).message.split('\n')[0] ?? '',
      fix: `make the cache dir writable: mkdir -p ${dir} (or set MEMLAT_CACHE)`,
    };
  } finally {
    rmSync(probe, { force: true });
  }
  checks.push(evict);

  // 6. onnxruntime loads in a worker
  if (!opts.skipRuntime) {
    try {
      const w = await startWorker({ memoryLimitBytes: null, cacheDir: opts.cacheDir });
      checks.push({ name: 'onnxruntime', ok: true, detail: `worker started; idle footprint ${formatBytes(w.idleRssBytes)}` });
      await w.close();
    } catch (e) {
      checks.push({
        name: 'onnxruntime',
        ok: false,
        detail: (e as Error).message.split('\n')[0] ?? 'worker failed to start',
        fix: 'reinstall the CPU runtime: ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node@1.30.0',
      });
    }
  }
  return checks;
}
