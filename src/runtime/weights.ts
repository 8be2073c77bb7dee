/**
 * Weight files: every layer's fp32 weights, deterministic pseudo-random values seeded by a hash of
 * the layer's description, written ONCE into the cache folder (one file per layer, named by that
 * hash) and reused by every later run. A timed load reads the whole file into a fresh Buffer.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, statSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Layer } from '../network/types.js';
import { elementCount, layerWeightSpecs, weightFileBytes, type WeightSpec } from './onnx-layer.js';

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

/**
 * Ensure the layer's weight file exists in `cacheDir` (written once, atomically via rename; 4 MiB
 * chunks so writing a 1 GiB layer needs little memory). Returns its path and size.
 * Cost: first call O(weightBytes) CPU + disk write; later calls one stat.
 */
export function ensureWeightFile(layer: Layer, inputShapes: number[][], cacheDir?: string): WeightFile {
  const specs = layerWeightSpecs(layer, inputShapes);
  const bytes = weightFileBytes(specs);
  if (bytes === 0) return { path: null, bytes: 0, specs, created: false };
  const dir = join(defaultCacheDir(cacheDir), 'weights');
  mkdirSync(dir, { recursive: true });
  const hash = layerHash(layer, inputShapes);
  const path = join(dir, `${hash}.f32`);
  if (existsSync(path) && statSync(path).size === bytes) return { path, bytes, specs, created: false };
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    const state = new Uint32Array([parseInt(hash.slice(0, 8), 16)]);
    const chunk = new Float32Array(1 << 20);
    for (const s of specs) {
      let left = elementCount(s.shape);
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        const view = chunk.subarray(0, n);
        fillWeights(view, state, s.positive === true);
        writeSync(fd, view);
        left -= n;
      }
    }
    // Dirty pages cannot be evicted (posix_fadvise DONTNEED skips them): flush before first use.
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return { path, bytes, specs, created: true };
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
