/**
 * Emulated machines: this process and everything it starts (workers, probes, page-cache eviction)
 * run with fewer cores, a CPU quota and a throttled disk, so that one real machine can stand in for
 * several smaller ones when testing how models transfer between machines (issue 12).
 *
 *   MEMLAT_EMULATE="cpus=1,cpu=0.5,disk=100MiB/s" memlat hardware
 *
 * - `cpus=N`: the first N CPUs only (cgroup cpuset; Node's availableParallelism() then says N, so
 *   the fingerprint's cores and the default onnxruntime threads follow);
 * - `cpu=F`: at most F of each allowed core's time (cgroup cpu: cfs_quota_us = F x N x period, with a
 *   1-2 ms period so that no burst of a layer escapes the quota, see cpuPeriodUs);
 * - `disk=B/s`: cold reads of the disk holding the weight cache and the swap file throttled to B
 *   bytes/s (cgroup blkio.throttle.read_bps_device on the whole disk).
 *
 * cgroup v1 only (separate cpu, cpuset and blkio hierarchies, so the per-worker memory groups of
 * limiter.ts are untouched). The groups are `memlat-emu-<pid>` in each hierarchy, removed at exit and
 * on signals (the process moves back to the root group first); groups of dead processes are swept
 * at the next start. The fingerprint records the emulation (`emulation`), which changes its id.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { parseBytes } from '../units.js';
import { pidAlive, registerCleanup } from './limiter.js';

/** What an emulated machine restricts (absent: not restricted). */
export interface Emulation {
  cpus?: number;
  cpuFraction?: number;
  diskReadBytesPerSec?: number;
}

const FIELD = 'MEMLAT_EMULATE';
const FIX = 'write e.g. "cpus=1,cpu=0.5,disk=100MiB/s" (any subset, comma-separated)';

/**
 * Parses an emulation spec "cpus=1,cpu=0.5,disk=100MiB/s". Throws UserError naming the part and the
 * fix. Pure.
 * @example parseEmulation('cpus=1,disk=100MiB/s') // { cpus: 1, diskReadBytesPerSec: 104857600 }
 */
export function parseEmulation(spec: string, field = FIELD): Emulation {
  const e: Emulation = {};
  const parts = spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0) throw new UserError(`${field}: "${spec}" is empty; ${FIX}`);
  for (const part of parts) {
    const [key, value, ...rest] = part.split('=');
    if (value === undefined || rest.length > 0 || value.trim() === '') throw new UserError(`${field}: "${part}" is not key=value; ${FIX}`);
    const v = value.trim();
    switch (key!.trim()) {
      case 'cpus': {
        if (!/^[1-9][0-9]*$/.test(v)) throw new UserError(`${field}: cpus=${v} is not a positive whole number of CPUs; ${FIX}`);
        e.cpus = Number(v);
        break;
      }
      case 'cpu': {
        const f = Number(v);
        if (!/^[0-9.]+$/.test(v) || !(f > 0 && f <= 1))
          throw new UserError(`${field}: cpu=${v} must be a fraction of each core's time in (0, 1], e.g. cpu=0.5; ${FIX}`);
        e.cpuFraction = f;
        break;
      }
      case 'disk': {
        if (!/\/s$/.test(v)) throw new UserError(`${field}: disk=${v} needs a rate such as 100MiB/s; ${FIX}`);
        const b = parseBytes(v.slice(0, -2), `${field} disk`);
        if (b < 1 << 20) throw new UserError(`${field}: disk=${v} is below 1 MiB/s, too slow to measure anything; ${FIX}`);
        e.diskReadBytesPerSec = b;
        break;
      }
      default:
        throw new UserError(`${field}: unknown part "${key}"; the parts are cpus, cpu and disk; ${FIX}`);
    }
  }
  return e;
}

/** The canonical text of an emulation ("cpus=1,cpu=0.5,disk=104857600B/s"), recorded in fingerprints. Pure. */
export function emulationLabel(e: Emulation): string {
  const parts: string[] = [];
  if (e.cpus !== undefined) parts.push(`cpus=${e.cpus}`);
  if (e.cpuFraction !== undefined) parts.push(`cpu=${e.cpuFraction}`);
  if (e.diskReadBytesPerSec !== undefined) parts.push(`disk=${Math.round(e.diskReadBytesPerSec)}B/s`);
  return parts.join(',');
}

/** cfs quota for F of each of N cores per period. Pure. */
export function cpuQuotaUs(cpuFraction: number, cpus: number, periodUs = 100_000): number {
  return Math.max(1000, Math.round(cpuFraction * cpus * periodUs));
}

/**
 * The CFS period for F of N cores: the shortest the kernel allows (1 ms) whose quota is at least the
 * kernel's minimum quota (1 ms). Why short: CFS bandwidth is a token bucket refilled each period, and
 * with the kernel's default 100 ms period a layer-by-layer run (milliseconds of compute between loads
 * and unloads) fits its bursts inside each period's quota and runs at full speed, while long probes
 * see the quota: the emulated machine was then 1.4-2.5x slower for layers against 5x for the GEMM probe
 * (data/transfer/PROVENANCE.md). With a 1-2 ms period no burst outlasts a millisecond. Pure.
 * @example cpuPeriodUs(0.5, 1) // 2000 (quota 1000)
 */
export function cpuPeriodUs(cpuFraction: number, cpus: number): number {
  return Math.min(1_000_000, Math.max(1000, Math.ceil(1000 / (cpuFraction * cpus))));
}

/** "0-(n-1)" for the first n of the allowed CPUs list ("0-3,6" style). Throws when there are fewer. Pure. */
export function firstCpus(allowed: string, n: number): string {
  const list: number[] = [];
  for (const r of allowed
    .trim()
    .split(',')
    .filter((s) => s !== '')) {
    const [a, b] = r.split('-').map(Number) as [number, number | undefined];
    for (let c = a; c <= (b ?? a); c++) list.push(c);
  }
  if (n > list.length) throw new UserError(`${FIELD}: cpus=${n} but this machine allows ${list.length} (${allowed.trim()}); use at most cpus=${list.length}`);
  return list.slice(0, n).join(',');
}

/** major:minor of the whole disk holding `path` (a partition's parent disk). Reads /sys. */
export function diskDeviceOf(path: string): string {
  const dev = statSync(path).dev;
  const major = Math.floor(dev / 256) & 0xfff;
  const minor = (dev & 0xff) | (Math.floor(dev / 2 ** 20) & 0xfff00);
  let id = `${major}:${minor}`;
  const sys = `/sys/dev/block/${id}`;
  if (existsSync(join(sys, 'partition'))) {
    const parent = resolve(sys, readlinkSync(sys), '..');
    id = readFileSync(join(parent, 'dev'), 'utf8').trim();
  }
  return id;
}

const V1_ROOT = '/sys/fs/cgroup';
const GROUP_PREFIX = 'memlat-emu-';

function hierarchies(root: string): { cpu: string; cpuset: string; blkio: string } {
  const h = { cpu: join(root, 'cpu'), cpuset: join(root, 'cpuset'), blkio: join(root, 'blkio') };
  if (
    !existsSync(join(h.cpu, 'cpu.cfs_quota_us')) ||
    !existsSync(join(h.cpuset, 'cpuset.cpus')) ||
    !existsSync(join(h.blkio, 'blkio.throttle.read_bps_device'))
  ) {
    throw new UserError(
      `${FIELD}: emulated machines need cgroup v1 cpu, cpuset and blkio hierarchies under ${root} (not found: this machine has cgroup v2 or none); unset ${FIELD}`,
    );
  }
  return h;
}

/** Remove `memlat-emu-<pid>` groups of dead processes in the three hierarchies. Returns the removed paths. */
export function sweepStaleEmulation(root = V1_ROOT): string[] {
  const removed: string[] = [];
  for (const dir of ['cpu', 'cpuset', 'blkio'].map((d) => join(root, d))) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (!name.startsWith(GROUP_PREFIX)) continue;
      const pid = Number(name.slice(GROUP_PREFIX.length));
      if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) continue;
      try {
        rmdirSync(join(dir, name));
        removed.push(join(dir, name));
      } catch {
        // still has tasks (a live process of another pid namespace): leave it
      }
    }
  }
  return removed;
}

/** Where the weight cache and the swap file live: the disks whose reads are throttled. */
function throttledPaths(): string[] {
  const cache = process.env.MEMLAT_CACHE ?? join(process.env.HOME ?? '/root', '.cache');
  const out = [existsSync(cache) ? cache : '/'];
  if (existsSync('/var/lib/memlat')) out.push('/var/lib/memlat');
  return out;
}

/**
 * Puts this process (and so everything it starts from now on) into an emulated machine; undone at
 * exit. Returns the canonical label. Throws UserError when it cannot (not root, no cgroup v1).
 */
export function applyEmulation(e: Emulation, root = V1_ROOT): string {
  const h = hierarchies(root);
  sweepStaleEmulation(root);
  const name = `${GROUP_PREFIX}${process.pid}`;
  const made: string[] = [];
  try {
    const dirs = { cpu: join(h.cpu, name), cpuset: join(h.cpuset, name), blkio: join(h.blkio, name) };
    for (const d of Object.values(dirs)) {
      mkdirSync(d);
      made.push(d);
    }
    const allowed = readFileSync(join(h.cpuset, 'cpuset.cpus'), 'utf8');
    const cpus = e.cpus === undefined ? allowed.trim() : firstCpus(allowed, e.cpus);
    writeFileSync(join(dirs.cpuset, 'cpuset.mems'), readFileSync(join(h.cpuset, 'cpuset.mems'), 'utf8').trim());
    writeFileSync(join(dirs.cpuset, 'cpuset.cpus'), cpus);
    const n = cpus.split(',').reduce((s, r) => s + (r.includes('-') ? Number(r.split('-')[1]) - Number(r.split('-')[0]) + 1 : 1), 0);
    if (e.cpuFraction !== undefined) {
      const period = cpuPeriodUs(e.cpuFraction, n);
      writeFileSync(join(dirs.cpu, 'cpu.cfs_period_us'), String(period));
      writeFileSync(join(dirs.cpu, 'cpu.cfs_quota_us'), String(cpuQuotaUs(e.cpuFraction, n, period)));
    }
    if (e.diskReadBytesPerSec !== undefined) {
      for (const dev of new Set(throttledPaths().map(diskDeviceOf))) {
        writeFileSync(join(dirs.blkio, 'blkio.throttle.read_bps_device'), `${dev} ${Math.round(e.diskReadBytesPerSec)}`);
      }
    }
    for (const d of Object.values(dirs)) writeFileSync(join(d, 'cgroup.procs'), String(process.pid));
  } catch (err) {
    undo(h, made);
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM')
      throw new UserError(`${FIELD}: creating cgroups needs root (${(err as Error).message}); run as root or unset ${FIELD}`);
    throw err;
  }
  registerCleanup(() => undo(h, made));
  return emulationLabel(e);
}

function undo(h: { cpu: string; cpuset: string; blkio: string }, made: string[]): void {
  for (const d of made) {
    const parent = [h.cpu, h.cpuset, h.blkio].find((p) => d.startsWith(`${p}/`));
    try {
      if (parent) writeFileSync(join(parent, 'cgroup.procs'), String(process.pid));
    } catch {
      // best effort
    }
  }
  for (const d of made) {
    for (let i = 0; i < 20; i++) {
      try {
        rmdirSync(d);
        break;
      } catch {
        const until = Date.now() + 25;
        while (Date.now() < until) {
          // children still draining: wait briefly
        }
      }
    }
  }
}

/** The emulation in effect from $MEMLAT_EMULATE (null when unset), applied once per process. */
let applied: { label: string } | null = null;
export function emulationFromEnv(): string | null {
  const spec = process.env[FIELD];
  if (spec === undefined || spec.trim() === '') return null;
  if (!applied) applied = { label: applyEmulation(parseEmulation(spec)) };
  return applied.label;
}

/** The label of the emulation in effect in this process, or null; does not apply anything. */
export function currentEmulation(): string | null {
  return applied?.label ?? null;
}
