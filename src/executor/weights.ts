/**
 * Weight files: every layer's fp32 weights, deterministic pseudo-random values seeded by a hash of
 * the layer's description, written ONCE into the cache folder (one file per layer, named by that
 * hash) and reused by every later run. A timed load reads the whole file into a fresh Buffer.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statfsSync,
  statSync,
  writeSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Layer } from '../network/types.js';
import { argumentError, UserError } from '../errors.js';
import { formatBytes, numElements } from '../units.js';
import { pidAlive, registerCleanup } from '../host/limiter.js';
import { layerWeightSpecs, weightFileBytes, type WeightSpec } from '../network/onnx-layer.js';

/** Format version baked into every hash: bump to invalidate all cached weight files. */
const WEIGHT_FORMAT = 1;

/** The weight cache folder: opts, else $MEMLAT_CACHE, else ~/.cache/memlat (created on demand). */
export function defaultCacheDir(cacheDir?: string): string {
  return cacheDir ?? process.env.MEMLAT_CACHE ?? join(homedir(), '.cache', 'memlat');
}

/**
 * Stable content hash (hex, 16 chars) of a layer description + its input shapes. The layer's name is
 * part of it, so two identically shaped layers of one network get distinct files (a warm page cache
 * from one must not make the other's load look cold-free). Cost: one SHA-256 over a small JSON.
 */
export function layerHash(layer: Layer, inputShapes: number[][]): string {
  const { inputs: _inputs, ...rest } = layer;
  const keys = Object.keys(rest).sort();
  const canon = JSON.stringify({ v: WEIGHT_FORMAT, layer: rest, keys, inputShapes });
  return createHash('sha256').update(canon).digest('hex').slice(0, 16);
}

/** mulberry32 state step; returns the next uint32. */
function nextU32(state: Uint32Array): number {
  state[0] = (state[0]! + 0x6d2b79f5) >>> 0;
  let t = state[0];
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

/**
 * Fill `out` with deterministic fp32 values: uniform [-0.1, 0.1) or [0.5, 1.5) when `positive`
 * (BN variance/scale). `state` carries the generator across chunks. Cost: O(out.length).
 */
export function fillWeights(out: Float32Array, state: Uint32Array, positive: boolean): void {
  const lo = positive ? 0.5 : -0.1;
  const span = positive ? 1 : 0.2;
  for (let i = 0; i < out.length; i++) out[i] = lo + (nextU32(state) / 4294967296) * span;
}

/** Where a layer's weights live and how big the file is. */
export interface WeightFile {
  path: string | null; // null when the layer has no weights
  bytes: number;
  specs: WeightSpec[];
  /** This call wrote the file (it was not in the cache). */
  created: boolean;
}

/** Where a layer's weight file goes and how big it is (nothing written). Cost: one SHA-256. */
export function weightFileTarget(
  layer: Layer,
  inputShapes: number[][],
  cacheDir?: string,
): { path: string | null; bytes: number; specs: WeightSpec[]; hash: string } {
  const specs = layerWeightSpecs(layer, inputShapes);
  const bytes = weightFileBytes(specs);
  const hash = layerHash(layer, inputShapes);
  return { path: bytes === 0 ? null : join(defaultCacheDir(cacheDir), 'weights', `${hash}.f32`), bytes, specs, hash };
}

function cached(path: string, bytes: number): boolean {
  return existsSync(path) && statSync(path).size === bytes;
}

/** Free bytes for an unprivileged writer in `dir` (statfs bavail x bsize); null if unknown. */
export function freeBytesAt(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
}

/** Throws the UserError naming the numbers when `bytes` do not fit in `dir`'s free space. */
export function checkFreeSpace(dir: string, bytes: number, what: string): void {
  const free = freeBytesAt(dir);
  if (free !== null && bytes > free) {
    throw argumentError(
      (n) =>
        `${n('cacheDir')} ${dir}: ${what} needs ${formatBytes(bytes)} (${bytes} bytes) of weight files but only ${formatBytes(free)} is free there; free space, or point ${n('cacheDir')} (or MEMLAT_CACHE) at a disk with room`,
    );
  }
}

/** The weight values of a file, in chunks of at most 4 MiB (reused buffer). */
function* weightChunks(specs: WeightSpec[], hash: string): Generator<Float32Array> {
  const state = new Uint32Array([parseInt(hash.slice(0, 8), 16)]);
  const chunk = new Float32Array(1 << 20);
  for (const s of specs) {
    let left = numElements(s.shape);
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      const view = chunk.subarray(0, n);
      fillWeights(view, state, s.positive === true);
      yield view;
      left -= n;
    }
  }
}

/**
 * Ensure the layer's weight file exists in `cacheDir` (written once, atomically via rename; 4 MiB
 * chunks so writing a 1 GiB layer needs little memory). Returns its path and size. Refuses (UserError
 * with the numbers) when the file does not fit in the free space; the temporary file is removed on
 * any error and at exit/SIGTERM (see writeWeightFiles for the Ctrl-C-responsive writer).
 * Cost: first call O(weightBytes) CPU + disk write; later calls one stat.
 */
export function ensureWeightFile(layer: Layer, inputShapes: number[][], cacheDir?: string): WeightFile {
  const { path, bytes, specs, hash } = weightFileTarget(layer, inputShapes, cacheDir);
  if (path === null) return { path: null, bytes: 0, specs, created: false };
  const dir = join(defaultCacheDir(cacheDir), 'weights');
  mkdirSync(dir, { recursive: true });
  if (cached(path, bytes)) return { path, bytes, specs, created: false };
  checkFreeSpace(defaultCacheDir(cacheDir), bytes, `layer "${layer.name}"`);
  const tmp = `${path}.tmp-${process.pid}`;
  const removeTmp = (): void => rmSync(tmp, { force: true });
  const unregister = registerCleanup(removeTmp);
  try {
    const fd = openSync(tmp, 'w');
    try {
      for (const view of weightChunks(specs, hash)) writeSync(fd, view);
      // Dirty pages cannot be evicted (posix_fadvise DONTNEED skips them): flush before first use.
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    removeTmp();
    throw noSpace(e, dir, bytes);
  } finally {
    unregister();
  }
  return { path, bytes, specs, created: true };
}

function noSpace(e: unknown, dir: string, bytes: number): unknown {
  if ((e as NodeJS.ErrnoException).code === 'ENOSPC') {
    return argumentError(
      (n) =>
        `${n('cacheDir')} ${dir}: the disk filled up while writing ${formatBytes(bytes)} of weights (ENOSPC); free space, or point ${n('cacheDir')} (or MEMLAT_CACHE) at a disk with room`,
    );
  }
  return e;
}

/** One weight file to write ahead of a run. */
export interface WeightFileJob {
  layer: Layer;
  inputShapes: number[][];
}

/**
 * Write every missing weight file of `jobs` before a run, yielding to the event loop between 4 MiB
 * chunks so Ctrl-C/SIGTERM are handled at once (the temporary file is removed and the process ends)
 * and `signal` aborts (UserError 'aborted'). Checks first that all missing files together fit in the
 * cache's free space, and refuses with the numbers otherwise. Later ensureWeightFile calls then
 * find every file in the cache. Returns the bytes written. Cost: O(missing weight bytes).
 */
export async function writeWeightFiles(jobs: readonly WeightFileJob[], cacheDir?: string, signal?: AbortSignal): Promise<number> {
  const root = defaultCacheDir(cacheDir);
  const dir = join(root, 'weights');
  const todo = new Map<string, ReturnType<typeof weightFileTarget>>();
  for (const j of jobs) {
    const t = weightFileTarget(j.layer, j.inputShapes, cacheDir);
    if (t.path !== null && !todo.has(t.path)) todo.set(t.path, t);
  }
  mkdirSync(dir, { recursive: true });
  const missing = [...todo.values()].filter((t) => !cached(t.path!, t.bytes));
  const total = missing.reduce((a, t) => a + t.bytes, 0);
  if (total === 0) return 0;
  checkFreeSpace(root, total, `this run (${missing.length} layers not in the cache)`);
  for (const t of missing) {
    const path = t.path!;
    const tmp = `${path}.tmp-${process.pid}`;
    const removeTmp = (): void => rmSync(tmp, { force: true });
    const unregister = registerCleanup(removeTmp);
    try {
      const fh = await open(tmp, 'w');
      try {
        for (const view of weightChunks(t.specs, t.hash)) {
          if (signal?.aborted) throw new UserError('aborted while writing weight files; the partial file was removed');
          await fh.write(view);
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      renameSync(tmp, path);
    } catch (e) {
      removeTmp();
      throw noSpace(e, dir, t.bytes);
    } finally {
      unregister();
    }
  }
  return total;
}

/** The disk probe's file name (machine/hardware.ts writes it into the cache folder while it measures). */
export function diskProbeName(pid: number): string {
  return `disk-probe-${pid}.bin`;
}

/**
 * Remove `<hash>.f32.tmp-<pid>` weight files (in `<cache>/weights`) and `disk-probe-<pid>.bin` probe
 * files (in `<cache>`) of processes that are no longer running (a kill -9, Ctrl-C or power loss while
 * writing). Returns the removed paths. Cost: two readdirs of the cache.
 */
export function sweepStaleWeightTmp(cacheDir?: string): string[] {
  const root = defaultCacheDir(cacheDir);
  return [...sweepDeadPidFiles(join(root, 'weights'), /\.tmp-(\d+)$/), ...sweepDeadPidFiles(root, /^disk-probe-(\d+)\.bin$/)];
}

function sweepDeadPidFiles(dir: string, pattern: RegExp): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || pidAlive(pid)) continue;
    const p = join(dir, name);
    try {
      rmSync(p, { force: true });
      removed.push(p);
    } catch {
      // not ours to remove (permissions): doctor reports it
    }
  }
  return removed;
}

/**
 * The timed load: read the whole file into a freshly allocated (unpooled) Buffer with readSync.
 * Cost: one allocation of the file size + the disk read (cold after eviction).
 */
export function readWeightFile(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.allocUnsafeSlow(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n <= 0) throw new Error(`short read of ${path}: ${off} of ${size} bytes`);
      off += n;
    }
    return buf;
  } finally {
    closeSync(fd);
  }
}
