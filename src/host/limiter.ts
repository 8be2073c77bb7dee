/**
 * The memory limiter: confines one worker process (runtime included, from its first instruction) to
 * M bytes of RAM, with memory beyond M going to swap. One interface, three implementations:
 *
 * - cgroup v2: `<parent>/memlat-<pid>-<n>/memory.max = M`, `memory.swap.max` left at `max`;
 * - cgroup v1: `<memory mount>/<parent>/memlat-<pid>-<n>/memory.limit_in_bytes = M`, memsw left
 *   unlimited so memory beyond M is swapped instead of OOM-killed;
 * - `systemd-run --user --scope -p MemoryMax=M -p MemorySwapMax=infinity` for users without root.
 *
 * Groups are removed on close, on error, at process exit and on SIGINT/SIGTERM (kill the worker
 * first, then rmdir). See docs/RUNTIME.md.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { argumentError } from '../errors.js';

/** Which mechanism a limiter uses. */
export type LimiterKind = 'cgroup-v2' | 'cgroup-v1' | 'systemd-run';

/** Counters of a group at one instant (null where the mechanism cannot tell). */
export interface GroupCounters {
  /** Pages swapped in / out: cgroup memory.stat where it has them, else machine-wide /proc/vmstat. */
  swapInPages: number | null;
  swapOutPages: number | null;
  /** OOM kills inside the group so far (v1 memory.oom_control, v2 memory.events). */
  oomKills: number | null;
}

/** One memory-limited group, holding at most one worker. */
export interface MemoryGroup {
  readonly name: string;
  readonly limitBytes: number;
  /** Directory of the cgroup, if the limiter manages one itself (null for systemd-run). */
  readonly path: string | null;
  /** File the worker reads swap counters from (`memory.stat` or `/proc/vmstat`). */
  readonly swapStatFile: string;
  /** argv that runs `argv` inside the group from its first instruction. */
  wrap(argv: string[]): string[];
  counters(): GroupCounters;
  /** Remove the group (the worker must be dead). Idempotent; retries briefly while it drains. */
  close(): void;
}

/** Creates memory-limited groups. */
export interface MemoryLimiter {
  readonly kind: LimiterKind;
  create(limitBytes: number): MemoryGroup;
}

// ---- cleanup registry: everything that must go on exit/SIGINT/SIGTERM ------------------------------

const cleanups = new Set<() => void>();
let handlersInstalled = false;

function runCleanups(): void {
  for (const fn of [...cleanups]) {
    try {
      fn();
    } catch {
      // best effort at exit
    }
  }
  cleanups.clear();
}

function onSignal(sig: NodeJS.Signals): void {
  // Ours runs first (prependListener). If the application handles this signal too (e.g. `memlat
  // profile` aborts gracefully and closes its worker), leave the shutdown to it: the 'exit' cleanup
  // still removes whatever is left. Otherwise clean up now and die by the signal as usual.
  if (process.listenerCount(sig) > 1) return;
  runCleanups();
  uninstall();
  process.kill(process.pid, sig); // default action now that our handler is gone
}
const onExit = (): void => runCleanups();

function uninstall(): void {
  if (!handlersInstalled) return;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('exit', onExit);
  handlersInstalled = false;
}

/**
 * Register a synchronous cleanup run at exit or on SIGINT/SIGTERM; returns the unregister function.
 * Signal handlers are installed only while something is registered, so default Ctrl-C behaviour
 * is untouched otherwise. Cost: O(1).
 */
export function registerCleanup(fn: () => void): () => void {
  cleanups.add(fn);
  if (!handlersInstalled) {
    process.prependListener('SIGINT', onSignal);
    process.prependListener('SIGTERM', onSignal);
    process.on('exit', onExit);
    handlersInstalled = true;
  }
  return () => {
    cleanups.delete(fn);
    if (cleanups.size === 0) uninstall();
  };
}

// ---- helpers -----------------------------------------------------------------------------------------

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Parse "key value" lines (memory.stat, /proc/vmstat, memory.events) into numbers. */
export function parseKeyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^-?\d+$/.test(v)) out.set(k, Number(v));
  }
  return out;
}

function readKv(path: string): Map<string, number> | null {
  try {
    return parseKeyValues(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/** Swap-in/out counters from a stat file (cgroup memory.stat with pswpin, or /proc/vmstat). */
export function readSwapPages(statFile: string): { swapInPages: number | null; swapOutPages: number | null } {
  const kv = readKv(statFile);
  return { swapInPages: kv?.get('pswpin') ?? null, swapOutPages: kv?.get('pswpout') ?? null };
}

/** True when a process with this pid exists (signal 0 probe; EPERM means it exists but is not ours). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A memlat group left behind by a process that died (kill -9, power loss). */
export interface StaleGroup {
  path: string;
  /** The pid in its name (memlat-<pid>-<n>), no longer running. */
  ownerPid: number;
}

/**
 * memlat-<pid>-<n> cgroups under `parentDir` whose creating process is dead. Cost: one readdir.
 */
export function findStaleGroups(parentDir: string | null = detectCgroups().parentDir): StaleGroup[] {
  if (!parentDir) return [];
  let names: string[];
  try {
    names = readdirSync(parentDir);
  } catch {
    return [];
  }
  const out: StaleGroup[] = [];
  for (const name of names) {
    const m = /^memlat-(\d+)-\d+$/.exec(name);
    if (!m) continue;
    const ownerPid = Number(m[1]);
    if (ownerPid === process.pid || pidAlive(ownerPid)) continue;
    out.push({ path: join(parentDir, name), ownerPid });
  }
  return out;
}

/**
 * Remove stale groups: orphaned workers still inside are SIGKILLed first (their parent is gone and
 * nothing reads their timings), then the directory is removed. Returns the removed paths; a group
 * that cannot be removed is left and reported through `failed`. Cost: one readdir + an rmdir each.
 */
export function removeStaleGroups(parentDir: string | null = detectCgroups().parentDir): { removed: string[]; failed: { path: string; reason: string }[] } {
  const removed: string[] = [];
  const failed: { path: string; reason: string }[] = [];
  for (const g of findStaleGroups(parentDir)) {
    const procs = (safeRead(join(g.path, 'cgroup.procs')) ?? '')
      .split('\n')
      .map(Number)
      .filter((p) => p > 0);
    for (const p of procs) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    try {
      rmdirRetry(g.path);
      removed.push(g.path);
    } catch (e) {
      failed.push({ path: g.path, reason: (e as Error).message });
    }
  }
  return { removed, failed };
}

let groupSeq = 0;
/** Next group name: memlat-<pid>-<n>. */
export function nextGroupName(): string {
  groupSeq += 1;
  return `memlat-${process.pid}-${groupSeq}`;
}

function rmdirRetry(path: string): void {
  for (let i = 0; ; i++) {
    try {
      if (existsSync(path)) rmdirSync(path);
      return;
    } catch (e) {
      if (i >= 40) throw new Error(`could not remove cgroup ${path}: ${(e as Error).message}`);
      sleepSync(50);
    }
  }
}

function shWrap(procsFile: string, argv: string[]): string[] {
  // $$ is the shell's pid; exec keeps it, so the worker is in the group before its first instruction.
  return ['sh', '-c', 'echo $$ > "$0" && exec "$@"', procsFile, ...argv];
}

abstract class CgroupLimiterBase implements MemoryLimiter {
  abstract readonly kind: LimiterKind;
  constructor(readonly parentDir: string) {}
  protected abstract configure(dir: string, limitBytes: number): void;
  protected abstract oomKills(dir: string): number | null;
  protected abstract statFile(dir: string): string;

  create(limitBytes: number): MemoryGroup {
    if (!Number.isInteger(limitBytes) || limitBytes <= 0) throw new Error(`internal: bad limit ${limitBytes}`);
    const name = nextGroupName();
    const dir = join(this.parentDir, name);
    mkdirSync(dir);
    let closed = false;
    const close = (): void => {
      if (closed) return;
      rmdirRetry(dir);
      closed = true;
      unregister();
    };
    const unregister = registerCleanup(close);
    try {
      this.configure(dir, limitBytes);
    } catch (e) {
      close();
      throw e;
    }
    const swapStatFile = this.statFile(dir);
    return {
      name,
      limitBytes,
      path: dir,
      swapStatFile,
      wrap: (argv) => shWrap(join(dir, 'cgroup.procs'), argv),
      counters: () => ({ ...readSwapPages(swapStatFile), oomKills: this.oomKills(dir) }),
      close,
    };
  }
}

/** cgroup v1 memory controller: memory.limit_in_bytes, memsw unlimited. */
export class CgroupV1Limiter extends CgroupLimiterBase {
  readonly kind = 'cgroup-v1' as const;
  protected configure(dir: string, limitBytes: number): void {
    writeFileSync(join(dir, 'memory.limit_in_bytes'), String(limitBytes));
    // memory.memsw.limit_in_bytes is left at its default (unlimited): beyond M goes to swap.
  }
  protected oomKills(dir: string): number | null {
    return readKv(join(dir, 'memory.oom_control'))?.get('oom_kill') ?? null;
  }
  protected statFile(_dir: string): string {
    return '/proc/vmstat'; // v1 memory.stat has no pswpin/pswpout
  }
}

/** cgroup v2: memory.max = M, memory.swap.max = max. */
export class CgroupV2Limiter extends CgroupLimiterBase {
  readonly kind = 'cgroup-v2' as const;
  protected configure(dir: string, limitBytes: number): void {
    writeFileSync(join(dir, 'memory.max'), String(limitBytes));
    const swapMax = join(dir, 'memory.swap.max');
    if (existsSync(swapMax)) writeFileSync(swapMax, 'max');
  }
  protected oomKills(dir: string): number | null {
    return readKv(join(dir, 'memory.events'))?.get('oom_kill') ?? null;
  }
  protected statFile(dir: string): string {
    const stat = join(dir, 'memory.stat');
    return readKv(stat)?.has('pswpin') ? stat : '/proc/vmstat';
  }
}

/** The exact systemd-run argv that runs `argv` in a transient user scope limited to `limitBytes`. */
export function systemdRunArgv(unit: string, limitBytes: number, argv: string[]): string[] {
  return [
    'systemd-run',
    '--user',
    '--scope',
    '--quiet',
    '--collect',
    `--unit=${unit}`,
    '-p',
    `MemoryMax=${limitBytes}`,
    '-p',
    'MemorySwapMax=infinity',
    '--',
    ...argv,
  ];
}

/** Non-root: a transient systemd user scope per worker (removed by systemd when the worker exits). */
export class SystemdRunLimiter implements MemoryLimiter {
  readonly kind = 'systemd-run' as const;
  create(limitBytes: number): MemoryGroup {
    const name = nextGroupName();
    const unit = `${name}.scope`;
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      unregister();
      try {
        execFileSync('systemctl', ['--user', 'stop', unit], { stdio: 'ignore' });
      } catch {
        // already gone with its process
      }
    };
    const unregister = registerCleanup(close);
    return {
      name,
      limitBytes,
      path: null,
      swapStatFile: '/proc/vmstat',
      wrap: (argv) => systemdRunArgv(name, limitBytes, argv),
      counters: () => ({ ...readSwapPages('/proc/vmstat'), oomKills: null }),
      close,
    };
  }
}

/** What this machine offers, as found by detectCgroups(). */
export interface CgroupInfo {
  version: 1 | 2 | null;
  /** Directory new groups are created in (null when none is usable). */
  parentDir: string | null;
  writable: boolean;
}

/**
 * Find the cgroup version and the parent directory for memlat groups. v1: the memory cgroup this
 * process is in (so workers stay inside any limit imposed on memlat itself); v2: the root cgroup
 * (v2 forbids enabling controllers under a cgroup that holds processes). $MEMLAT_CGROUP_PARENT
 * overrides the parent. `root` (default /sys/fs/cgroup) and `selfCgroup` (contents of
 * /proc/self/cgroup) exist for tests. Cost: a few small file reads.
 */
export function detectCgroups(root = '/sys/fs/cgroup', selfCgroup?: string): CgroupInfo {
  const self = selfCgroup ?? safeRead('/proc/self/cgroup') ?? '';
  let version: 1 | 2 | null = null;
  let parentDir: string | null = null;
  if (existsSync(join(root, 'cgroup.controllers'))) {
    version = 2;
    parentDir = root;
  } else if (existsSync(join(root, 'memory', 'memory.limit_in_bytes'))) {
    version = 1;
    const line = self.split('\n').find((l) => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(l));
    const rel = line ? line.slice(line.lastIndexOf(':') + 1) : '/';
    parentDir = join(root, 'memory', rel);
  }
  const override = process.env.MEMLAT_CGROUP_PARENT;
  if (override && version !== null) parentDir = override;
  let writable = false;
  if (parentDir) {
    try {
      accessSync(parentDir, constants.W_OK);
      writable = true;
    } catch {
      writable = false;
    }
  }
  return { version, parentDir, writable };
}

function safeRead(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** True when `systemd-run --user --scope` can create a scope here (tries `systemd-run --user true`). */
export function systemdUserScopeWorks(): boolean {
  try {
    execFileSync('systemd-run', ['--user', '--scope', '--quiet', 'true'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * The limiter that applies here: a writable cgroup (v2 with the memory controller enabled for
 * children, or v1), else a systemd user scope, else a UserError naming the fix.
 * Cost: a few file reads (+ one systemd-run probe when cgroups are not writable).
 */
export function detectLimiter(root = '/sys/fs/cgroup'): MemoryLimiter {
  const info = detectCgroups(root);
  if (info.version === 2 && info.writable && info.parentDir) {
    const sub = join(info.parentDir, 'cgroup.subtree_control');
    const enabled = safeRead(sub) ?? '';
    if (!enabled.split(/\s+/).includes('memory')) {
      try {
        writeFileSync(sub, '+memory');
      } catch {
        // fall through to systemd-run
      }
    }
    if ((safeRead(sub) ?? '').split(/\s+/).includes('memory')) return new CgroupV2Limiter(info.parentDir);
  }
  if (info.version === 1 && info.writable && info.parentDir) return new CgroupV1Limiter(info.parentDir);
  if (systemdUserScopeWorks()) return new SystemdRunLimiter();
  throw argumentError(
    (n) =>
      `no usable memory limiter: cgroup ${info.version ?? 'memory controller not found'}, ${
        info.parentDir ?? 'no parent'
      } not writable and 'systemd-run --user --scope' failed; run memlat as root (sudo) or from a systemd user session, or use ${n('memory')} none`,
  );
}
