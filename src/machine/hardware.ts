/**
 * The hardware fingerprint (`memlat hardware`): what the machine is (CPU, cores, RAM, cgroup version)
 * and what it measures (cold disk read, memory copy, GEMM rate through onnxruntime, runtime idle
 * footprint). Stored with every dataset so rows from different machines can be told apart.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { arch, availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { CallProbe, FreshWeightsProbe, HardwareFingerprint } from '../dataset/schema.js';
import { CALL_PROBE_NETWORKS, CALL_PROBE_PASSES, callProbeFromPasses } from '../dataset/call-probe.js';
import { resolveNetwork } from '../network/shapes.js';
import { zooNetwork } from '../network/zoo/index.js';
import { runNetwork } from '../executor/run-network.js';
import { fingerprintId } from '../dataset/fingerprint.js';
import { buildLayerGraph } from '../network/onnx-layer.js';
import { detectCgroups, registerCleanup } from '../host/limiter.js';
import { emulationFromEnv } from '../host/emulate.js';
import { evictFromPageCache } from '../host/page-cache.js';
import { median } from '../stats.js';
import { DISK_CURVE_BYTES, DISK_CURVE_IDLE_MS, DISK_CURVE_READS, withLargeProbe } from '../dataset/disk-curve.js';
import { argumentError, UserError } from '../errors.js';
import { formatBytes } from '../units.js';
import { defaultCacheDir, diskProbeName, freeBytesAt, readWeightFile } from '../executor/weights.js';
import { startWorker } from '../executor/worker-client.js';
import { ortSpinning } from '../executor/worker-protocol.js';

/** Options of measureHardware. */
export interface HardwareOptions {
  cacheDir?: string;
  /** Size of the cold-read probe file (default 256 MiB). */
  diskTestBytes?: number;
  /** Size of the memory-copy buffers (default 256 MiB). */
  memTestBytes?: number;
  /** GEMM side (default 1024: a 1024x1024 by 1024x1024 MatMul). */
  gemmSize?: number;
  threads?: number;
  /** Skip the probes that take time (disk, memory, GEMM, idle worker, per-call): identity fields only. */
  quick?: boolean;
}

/**
 * Stable short id from CPU model, cores and RAM, e.g. "x64-2c-24g-3f9a". RAM is rounded to whole
 * GiB so the id does not move with firmware reservations. Cost: one hash.
 */
export function hardwareId(cpuModel: string, cores: number, ramBytes: number, machineArch = arch(), emulation?: string): string {
  return fingerprintId(cpuModel, cores, ramBytes, machineArch, emulation);
}

/**
 * Cold reads of the disk probe, the median taken: a single read right after the write and fsync
 * moved 662-1323 MiB/s within an hour on one VM (held-out #9's fingerprints); in four rounds of five
 * reads there single reads ranged 349-1303 MiB/s, the median of the first three 1029-1120.
 */
export const DISK_PROBE_READS = 3;

/**
 * Cold sequential read bandwidth: write `bytes`, fsync, then DISK_PROBE_READS times evict from the
 * page cache and time a read; bytes / the median time.
 * Refuses (UserError naming the cache folder and the numbers) before writing when the probe does not
 * fit in the free space, and on a write that fails (disk full, read-only); the probe file is removed
 * on every path.
 */
export function measureDiskReadBytesPerSec(dir: string, bytes: number): number {
  const probe = writeProbeFile(dir, bytes);
  try {
    const times: number[] = [];
    for (let i = 0; i < DISK_PROBE_READS; i++) times.push(coldReadMs(probe.path) / 1000);
    return bytes / median(times);
  } finally {
    probe.remove();
  }
}

/**
 * The disk curve's small reads (src/dataset/disk-curve.ts): for each of `sizes`, a file of that size
 * written, then read cold `reads` times, each read after `idleMs` of idle; the median ms per size.
 * Refuses and cleans up as measureDiskReadBytesPerSec. Cost: sum(sizes) written once and read `reads`
 * times, plus sizes x reads x idleMs of waiting (~1.5 s with the defaults on an unthrottled disk).
 */
export async function measureDiskCurve(
  dir: string,
  sizes: readonly number[] = DISK_CURVE_BYTES,
  reads = DISK_CURVE_READS,
  idleMs = DISK_CURVE_IDLE_MS,
): Promise<{ bytes: number[]; ms: number[] }> {
  const ms: number[] = [];
  for (const size of sizes) {
    const probe = writeProbeFile(dir, size);
    try {
      const times: number[] = [];
      for (let i = 0; i < reads; i++) {
        evictFromPageCache(probe.path);
        await new Promise((r) => setTimeout(r, idleMs));
        times.push(coldReadMs(probe.path, false));
      }
      ms.push(median(times));
    } finally {
      probe.remove();
    }
  }
  return { bytes: [...sizes], ms };
}

/** Time reading `path` whole, ms, evicting it from the page cache first unless told it is evicted. */
function coldReadMs(path: string, evict = true): number {
  if (evict) evictFromPageCache(path);
  const t0 = performance.now();
  readWeightFile(path);
  return performance.now() - t0;
}

/**
 * Write a probe file of `bytes` (fsynced) into `dir`; `remove` deletes it, and Ctrl-C or SIGTERM
 * before that does too (kill -9: the next start's sweep). Refuses (UserError naming the folder and
 * the numbers) before writing when it does not fit, and on a write that fails (disk full, read-only).
 */
function writeProbeFile(dir: string, bytes: number): { path: string; remove: () => void } {
  const refuse = (why: string): UserError =>
    argumentError(
      (n) =>
        `${n('cacheDir')} ${dir}: the ${formatBytes(bytes)} disk probe (cold read speed) cannot be written there: ${why}; free space, or point ${n('cacheDir')} (or MEMLAT_CACHE) at a writable disk with room`,
    );
  const path = join(dir, diskProbeName(process.pid));
  const unregister = registerCleanup(() => rmSync(path, { force: true }));
  const remove = (): void => {
    rmSync(path, { force: true });
    unregister();
  };
  try {
    mkdirSync(dir, { recursive: true });
    const free = freeBytesAt(dir);
    if (free !== null && free < bytes) throw refuse(`only ${formatBytes(free)} is free`);
    const fd = openSync(path, 'w');
    try {
      const chunk = Buffer.alloc(4 * 2 ** 20, 0x5a);
      for (let left = bytes; left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(left, chunk.length));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    remove();
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^(ENOSPC|EDQUOT|EROFS|EACCES|EPERM|ENOTDIR|EEXIST)$/.test(code))
      throw refuse(code === 'ENOSPC' ? 'the disk filled up (ENOSPC)' : `${code}`);
    throw e;
  }
  return { path, remove };
}

/** Memory copy bandwidth: median of 5 copies of a `bytes` Buffer into another, bytes copied/s. */
export function measureMemBandwidthBytesPerSec(bytes: number): number {
  const src = Buffer.alloc(bytes, 1);
  const dst = Buffer.alloc(bytes, 0);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    src.copy(dst);
    times.push((performance.now() - t0) / 1000);
  }
  return bytes / median(times);
}

/** fp32 GEMM rate through onnxruntime (n x n by n x n MatMul), GFLOP/s, median of 5 runs. */
export async function measureGemmGflops(n: number, threads: number): Promise<number> {
  const ort = await import('onnxruntime-node');
  const g = buildLayerGraph({ type: 'matmul', name: 'gemm', inputs: ['a', 'b'] }, [
    [n, n],
    [n, n],
  ]);
  const session = await ort.InferenceSession.create(g.modelBytes, {
    intraOpNumThreads: threads,
    enableCpuMemArena: false,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  const a = new ort.Tensor('float32', new Float32Array(n * n).fill(0.5), [n, n]);
  const b = new ort.Tensor('float32', new Float32Array(n * n).fill(0.25), [n, n]);
  await session.run({ x0: a, x1: b });
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await session.run({ x0: a, x1: b });
    times.push((performance.now() - t0) / 1000);
  }
  await session.release();
  return (2 * n ** 3) / median(times) / 1e9;
}

/** The fresh-weights probe's GEMV: [1, 4096] x [4096, 4096], 64 MiB of weights. */
export const FRESH_WEIGHTS_SIDE = 4096;
/** Fresh buffers the probe reads (the median of their runs is kept). */
export const FRESH_WEIGHTS_REPS = 3;

/**
 * The fresh-weights probe (HardwareFingerprint.freshWeights): a FRESH_WEIGHTS_SIDE^2 fp32 file
 * written into `dir`; FRESH_WEIGHTS_REPS times read whole into a fresh buffer exactly as a load reads
 * weights (readWeightFile: one mapping of its own, filled by read(2)), then a GEMV on it through
 * onnxruntime with the weights as an input (as the worker feeds them), timed, then the same GEMV on
 * the same buffer again, timed. Why: on host D a 392 MiB dense layer ran 250-300 ms on weights a
 * load had just read and 20-30 ms on the same weights touched once before (the first access to each
 * page read(2) filled cost ~5 us there; .scratch experiments, docs/MODELS.md "Fresh memory"), so a
 * model fitted where that access is cheap predicts large layers' runs 5-10x short. Refuses and cleans
 * up as measureDiskReadBytesPerSec. Then FRESH_WEIGHTS_REPS fresh 64 MiB mappings written one byte a page,
 * timed (`freshPagesMs`: the page faults of a layer's fresh output buffers). Cost: 64 MiB written,
 * read 3 times, 6 GEMVs, 192 MiB of fresh pages (~1-2 s on host D).
 */
export async function measureFreshWeights(dir: string, threads: number): Promise<FreshWeightsProbe> {
  const n = FRESH_WEIGHTS_SIDE;
  const bytes = n * n * 4;
  const ort = await import('onnxruntime-node');
  const g = buildLayerGraph({ type: 'dense', name: 'fresh', units: n, bias: false, inputs: ['x'] }, [[1, n]]);
  const session = await ort.InferenceSession.create(g.modelBytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    enableCpuMemArena: false,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    ...(ortSpinning() ? {} : { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } }),
  });
  const input = g.inputs[0];
  const weight = g.weights[0];
  if (!input || !weight || g.weights.length !== 1) throw new Error('internal: the fresh-weights probe expects one input and one weight');
  const x = new ort.Tensor('float32', new Float32Array(n).fill(0.5), [1, n]);
  const probe = writeProbeFile(dir, bytes);
  const cold: number[] = [];
  const warm: number[] = [];
  try {
    for (let i = 0; i < FRESH_WEIGHTS_REPS; i++) {
      const buf = readWeightFile(probe.path);
      const w = new ort.Tensor('float32', new Float32Array(buf.buffer, buf.byteOffset, n * n), weight.shape);
      const feeds = { [input.name]: x, [weight.name]: w };
      let t0 = performance.now();
      await session.run(feeds);
      cold.push(performance.now() - t0);
      t0 = performance.now();
      await session.run(feeds);
      warm.push(performance.now() - t0);
    }
  } finally {
    probe.remove();
    await session.release();
  }
  const pages: number[] = [];
  for (let i = 0; i < FRESH_WEIGHTS_REPS; i++) {
    const fresh = new Uint8Array(new ArrayBuffer(bytes));
    const t0 = performance.now();
    for (let j = 0; j < bytes; j += 4096) fresh[j] = 1;
    pages.push(performance.now() - t0);
  }
  return { bytes, reps: FRESH_WEIGHTS_REPS, threads, coldMs: median(cold), warmMs: median(warm), freshPagesMs: median(pages) };
}

/**
 * The per-call probe (src/dataset/call-probe.ts): each probe network run unlimited, CALL_PROBE_PASSES
 * passes, in a worker as `memlat run` runs it (so under MEMLAT_EMULATE and MEMLAT_ORT_SPINNING as set).
 * Cost: ~2 s on a 2-core VM whose layers are cheap, ~6 s where they are 3x dearer (the first call
 * also writes ~15 MiB of weight files into the cache).
 */
export async function measureCallProbe(threads: number, cacheDir?: string): Promise<CallProbe> {
  const nets = [];
  for (const name of CALL_PROBE_NETWORKS) {
    const rn = resolveNetwork(zooNetwork(name));
    const r = await runNetwork(rn, { memoryLimitBytes: null, reps: CALL_PROBE_PASSES, threads, ...(cacheDir !== undefined ? { cacheDir } : {}) });
    nets.push({ name, weightBytes: r.layers.reduce((a, l) => a + l.weightBytes, 0), passes: r.passes, weightless: r.layers.map((l) => l.weightBytes === 0) });
  }
  return callProbeFromPasses(nets, threads);
}

/**
 * Measure this machine. Cost: ~6-12 s (256 MiB written and read back, the disk curve's 1-64 MiB files, 5 x 256 MiB copies, 6 GEMMs,
 * one idle worker start, the per-call probe); `quick` skips all measurements.
 */
export async function measureHardware(opts: HardwareOptions = {}): Promise<HardwareFingerprint> {
  const emulation = emulationFromEnv() ?? undefined;
  const cpuModel = cpus()[0]?.model.trim() ?? 'unknown';
  const cores = availableParallelism(); // the CPUs this process may use (an emulated machine's cpuset)
  const ramBytes = totalmem();
  const fp: HardwareFingerprint = {
    id: hardwareId(cpuModel, cores, ramBytes, arch(), emulation),
    cpuModel,
    cores,
    ramBytes,
    cgroupVersion: detectCgroups().version,
    diskReadBytesPerSec: null,
    memBandwidthBytesPerSec: null,
    gemmGflops: null,
    runtimeIdleBytes: null,
    measuredAt: new Date().toISOString(),
    ...(emulation ? { emulation } : {}),
  };
  if (opts.quick) return fp;
  const threads = opts.threads ?? cores;
  const diskTestBytes = opts.diskTestBytes ?? 256 * 2 ** 20;
  fp.diskReadBytesPerSec = measureDiskReadBytesPerSec(defaultCacheDir(opts.cacheDir), diskTestBytes);
  const small = await measureDiskCurve(
    defaultCacheDir(opts.cacheDir),
    DISK_CURVE_BYTES.filter((b) => b < diskTestBytes),
  );
  fp.diskCurve = withLargeProbe(small, diskTestBytes, fp.diskReadBytesPerSec, DISK_CURVE_IDLE_MS, DISK_CURVE_READS);
  fp.memBandwidthBytesPerSec = measureMemBandwidthBytesPerSec(opts.memTestBytes ?? 256 * 2 ** 20);
  fp.gemmGflops = await measureGemmGflops(opts.gemmSize ?? 1024, threads);
  const w = await startWorker({ memoryLimitBytes: null, threads });
  fp.runtimeIdleBytes = w.idleRssBytes;
  await w.close();
  fp.callProbe = await measureCallProbe(threads, opts.cacheDir);
  fp.freshWeights = await measureFreshWeights(defaultCacheDir(opts.cacheDir), threads);
  fp.notes = `threads ${threads}; onnxruntime threads ${ortSpinning() ? 'spin after a run (MEMLAT_ORT_SPINNING=1)' : 'sleep after a run'}; disk probe ${opts.diskTestBytes ?? 256 * 2 ** 20} bytes cold (posix_fadvise DONTNEED), median of ${DISK_PROBE_READS} reads; memory = Buffer copy; GEMM ${opts.gemmSize ?? 1024}^3 MatMul fp32`;
  return fp;
}
