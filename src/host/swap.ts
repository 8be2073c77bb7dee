/**
 * Swap space: memory limits below a layer's size only mean something if the excess can go to swap.
 * `memlat doctor --setup-swap` and tests create swap files here; everything memlat creates is
 * recorded in a state file ($MEMLAT_STATE or /var/lib/memlat/state.json) so `--remove-swap` removes
 * exactly that and nothing else. All of it needs root (swapon/swapoff).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { argumentError, UserError } from '../errors.js';
import { formatBytes } from '../units.js';

/** Total and free swap of the machine, bytes (/proc/meminfo). Cost: one small file read. */
export function swapBytes(meminfo?: string): { totalBytes: number; freeBytes: number } {
  const text = meminfo ?? readFileSync('/proc/meminfo', 'utf8');
  const kb = (key: string): number => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : 0;
  };
  return { totalBytes: kb('SwapTotal'), freeBytes: kb('SwapFree') };
}

/** RAM and free swap of this machine (what predict/feasibility.ts runWarning takes). Cost: one /proc/meminfo read. */
export function machineMemory(): { ramBytes: number; freeSwapBytes: number } {
  return { ramBytes: totalmem(), freeSwapBytes: swapBytes().freeBytes };
}

/** Active swap areas (/proc/swaps). */
export function activeSwaps(): { path: string; sizeBytes: number; usedBytes: number }[] {
  const lines = readFileSync('/proc/swaps', 'utf8').trim().split('\n').slice(1);
  return lines
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 4)
    .map((f) => ({ path: f[0] ?? '', sizeBytes: Number(f[2]) * 1024, usedBytes: Number(f[3]) * 1024 }));
}

/** What memlat created and must be able to remove. */
export interface MemlatState {
  swapFiles: { path: string; bytes: number; createdAt: string }[];
}

/** Path of the state file. */
export function statePath(): string {
  return process.env.MEMLAT_STATE ?? '/var/lib/memlat/state.json';
}

/** Read the state file (empty state if missing). */
export function readState(): MemlatState {
  try {
    const s = JSON.parse(readFileSync(statePath(), 'utf8')) as Partial<MemlatState>;
    return { swapFiles: Array.isArray(s.swapFiles) ? s.swapFiles : [] };
  } catch {
    return { swapFiles: [] };
  }
}

function writeState(s: MemlatState): void {
  const p = statePath();
  if (s.swapFiles.length === 0) {
    // Nothing left to remember: leave no file (and no empty directory) behind.
    rmSync(p, { force: true });
    try {
      rmdirSync(dirname(p));
    } catch {
      // not empty or not ours: keep it
    }
    return;
  }
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(`${p}.tmp`, `${JSON.stringify(s, null, 2)}\n`);
  renameSync(`${p}.tmp`, p);
}

/** Refuses unless root; `arg` is the library argument asking (setupSwap, removeSwap), `command` the CLI's way to do it as root. */
function requireRoot(arg: string, command: string): void {
  if (process.getuid?.() !== 0) throw argumentError((n) => `${n(arg)} needs root: run '${command}'`);
}

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Default path of the swap file `memlat doctor --setup-swap` creates. */
export const DEFAULT_SWAP_FILE = '/var/lib/memlat/swapfile';

/**
 * Create and enable a swap file of `bytes` at `path` (fallocate, else dd; chmod 600; mkswap; swapon)
 * and record it in the state file. Root only. Refuses to overwrite an existing file.
 * Cost: allocating the file (fallocate: instant; dd: writes `bytes`).
 */
export function setupSwap(bytes: number, path = DEFAULT_SWAP_FILE): string {
  requireRoot('setupSwap', 'sudo memlat doctor --setup-swap 4GiB');
  if (!Number.isFinite(bytes) || bytes < 40 * 1024) throw argumentError((n) => `${n('setupSwap')} ${bytes}: size must be at least 40KiB, e.g. 4GiB`);
  if (existsSync(path)) throw argumentError((n) => `${n('swapFile')} ${path}: file exists; choose another path or remove it first`);
  mkdirSync(dirname(path), { recursive: true });
  const pages = Math.ceil(bytes / 4096);
  const state = readState();
  state.swapFiles.push({ path, bytes: pages * 4096, createdAt: new Date().toISOString() });
  writeState(state); // recorded before anything exists, so a crash mid-way is still cleaned up
  try {
    try {
      run('fallocate', ['-l', String(pages * 4096), path]);
    } catch {
      run('dd', ['if=/dev/zero', `of=${path}`, 'bs=4096', `count=${pages}`, 'status=none']);
    }
    chmodSync(path, 0o600);
    run('mkswap', [path]);
    run('swapon', [path]);
  } catch (e) {
    removeSwap(path);
    throw new UserError(`could not enable swap file ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  return path;
}

/**
 * Disable and delete swap files memlat created (all of them, or only `path`), and forget them.
 * Files memlat did not create are never touched. Returns the removed paths. Root only.
 */
export function removeSwap(path?: string): string[] {
  requireRoot('removeSwap', 'sudo memlat doctor --remove-swap');
  const state = readState();
  const removed: string[] = [];
  const active = new Set(activeSwaps().map((s) => s.path));
  const keep = state.swapFiles.filter((f) => {
    if (path !== undefined && f.path !== path) return true;
    if (active.has(f.path)) run('swapoff', [f.path]);
    if (existsSync(f.path)) unlinkSync(f.path);
    removed.push(f.path);
    return false;
  });
  writeState({ swapFiles: keep });
  return removed;
}

let tmpSeq = 0;

/**
 * Run `fn` with at least `minBytes` of free swap: when the machine has less, create a temporary swap
 * file (in `dir`, default /var/tmp) of the missing amount + 64 MiB, and always remove it afterwards
 * (finally). Root is needed only when swap must be created. Cost: fallocate + mkswap + swapon/swapoff
 * (swapoff must read back whatever was swapped out).
 */
export async function withSwap<T>(minBytes: number, fn: () => Promise<T>, dir = '/var/tmp'): Promise<T> {
  const { freeBytes } = swapBytes();
  if (freeBytes >= minBytes) return fn();
  const missing = minBytes - freeBytes + 64 * 1024 * 1024;
  if (process.getuid?.() !== 0) {
    throw new UserError(
      `only ${formatBytes(freeBytes)} of swap free, ${formatBytes(minBytes)} needed; run 'sudo memlat doctor --setup-swap ${Math.ceil(missing / 2 ** 20)}MiB'`,
    );
  }
  tmpSeq += 1;
  const path = join(dir, `memlat-swap-${process.pid}-${tmpSeq}`);
  setupSwap(missing, path);
  try {
    return await fn();
  } finally {
    removeSwap(path);
  }
}
