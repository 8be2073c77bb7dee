/**
 * Dataset file I/O: reading and writing MeasurementRow CSVs (plain or .csv.gz), the hardware
 * fingerprints stored beside them (`<name>.hardware.json`), and the crash-safe appending writer the
 * profiler uses. The encoding itself is pure and lives in src/dataset/csv.ts.
 */
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat, truncate, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { argumentError, UserError } from '../errors.js';
import { pidAlive, registerCleanup } from '../host/limiter.js';
import { ALL_COLUMNS, decodeRows, encodeHeader, encodeRows, type RowStatsFn } from './csv.js';
import type { HardwareFingerprint, MeasurementRow } from './schema.js';
import { edgecaffeMeanRows, edgecaffeRows, parseDescription, parseLinearProfile, parsePipelineRuns, type LinearTiming, type PipelineRun } from './edgecaffe.js';
import { encodeParquet } from './parquet.js';
import { importCaffe } from '../network/import/caffe.js';
import { resolveNetwork } from '../network/shapes.js';

/** The dataset's base path: `rows.csv` / `rows.csv.gz` -> `rows`. */
function basePath(datasetPath: string): string {
  return datasetPath.replace(/(\.csv)?(\.gz)?$/i, '');
}

/** True for `.gz` paths (gzip-compressed CSV). */
function isGz(path: string): boolean {
  return path.toLowerCase().endsWith('.gz');
}

/**
 * Where a dataset's hardware fingerprints live: `rows.csv` / `rows.csv.gz` -> `rows.hardware.json`.
 */
export function hardwarePathFor(datasetPath: string): string {
  return basePath(datasetPath) + '.hardware.json';
}

/** Where a profile's plan options live: `rows.csv` -> `rows.plan.json` (so a resume uses the same plan). */
export function planPathFor(datasetPath: string): string {
  return basePath(datasetPath) + '.plan.json';
}

/** Where an EdgeCaffe import puts the memory.csv pipeline table: `rows.csv` -> `rows.pipeline.csv`. */
export function pipelinePathFor(datasetPath: string): string {
  return basePath(datasetPath) + '.pipeline.csv';
}

/** Reads a JSON side file (null if absent); a broken one is a UserError naming it. */
export async function readJsonFile(path: string): Promise<unknown> {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (e) {
    throw new UserError(`${path}: not valid JSON (${(e as Error).message}); delete it to start afresh`);
  }
}

/** A file-system error while writing `path` as a one-line UserError (disk full, read-only, ...). */
function writeError(e: unknown, path: string): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new UserError(`${path}: the disk is full (${code}); nothing half-written was kept; free space and run the command again`);
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return new UserError(`${path}: cannot be written (${code}); choose a writable location`);
  return e;
}

/**
 * Writes `data` to `path` atomically: a temporary file beside it, then rename. On any failure
 * (ENOSPC, ...) the temporary file is removed and `path` is untouched. Cost: one write + rename.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const unregister = registerCleanup(() => rmSync(tmp, { force: true }));
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw writeError(e, path);
  } finally {
    unregister();
  }
}

/** Writes a JSON side file atomically (temporary file + rename). */
export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

async function readText(path: string, field = 'data'): Promise<string> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw argumentError(
        (n) => `${n(field)} ${path}: no such file; make one with 'memlat profile --out ${path}' or 'memlat import edgecaffe <dir> --out ${path}'`,
      );
    throw new UserError(`${path}: cannot be read (${code ?? (e as Error).message}); check its permissions`);
  }
  if (isGz(path)) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new UserError(`${path}: not a valid gzip file (${(e as Error).message}); name it .csv if it is plain text`);
    }
  }
  return buf.toString('utf8');
}

/** Reads the fingerprints stored beside a dataset ([] if there is no fingerprint file). */
export async function readHardware(datasetPath: string): Promise<HardwareFingerprint[]> {
  const hp = hardwarePathFor(datasetPath);
  if (!existsSync(hp)) return [];
  let v: unknown;
  try {
    v = JSON.parse(await readFile(hp, 'utf8')) as unknown;
  } catch (e) {
    throw new UserError(`${hp}: not valid JSON (${(e as Error).message}); it must be an array of hardware fingerprints`);
  }
  const list = Array.isArray(v) ? v : [v];
  list.forEach((h, i) => {
    if (typeof h !== 'object' || h === null || typeof (h as { id?: unknown }).id !== 'string') {
      throw new UserError(`${hp}: entry [${i}] has no string "id"; each entry must be a hardware fingerprint`);
    }
  });
  return list as HardwareFingerprint[];
}

/**
 * Adds (or replaces, by id) fingerprints in the dataset's `<name>.hardware.json`. Written to a
 * temporary file and renamed, so a crash never leaves half a JSON file.
 */
export async function writeHardware(datasetPath: string, fingerprints: HardwareFingerprint[]): Promise<void> {
  const hp = hardwarePathFor(datasetPath);
  const byId = new Map((await readHardware(datasetPath)).map((h) => [h.id, h] as const));
  for (const h of fingerprints) byId.set(h.id, h);
  await mkdir(dirname(hp), { recursive: true });
  await writeFileAtomic(hp, JSON.stringify([...byId.values()], null, 2) + '\n');
}

/**
 * Reads a dataset (CSV or .csv.gz) and the hardware fingerprints beside it. A truncated last line
 * (writer killed mid-row) is silently dropped. `field`: the argument that named the file, for a missing
 * file's error ("data"; the CLI says --data). Cost: linear in the file; ~0.3 s per 100k rows.
 */
export async function readDataset(path: string, field = 'data'): Promise<{ rows: MeasurementRow[]; hardware: HardwareFingerprint[] }> {
  const { rows } = decodeRows(await readText(path, field), path);
  // Every command that reads a dataset (fit, report, evaluate, export, bench) needs rows: an empty
  // or header-only file is a mistake (a profile that never measured, a wrong path), not "no data".
  if (rows.length === 0) {
    throw new UserError(
      `${path}: no measurement rows (the file is empty or has only its header); give a dataset written by 'memlat profile', 'memlat validate-runs' or 'memlat import'`,
    );
  }
  return { rows, hardware: await readHardware(path) };
}

/**
 * Several datasets read as one: `paths` comma-separated (e.g. "a.csv.gz,b.csv.gz"), rows
 * concatenated, fingerprints merged by id (the first file's wins: the same machine measures itself
 * again for each dataset, a few % apart). Throws a UserError when two files share a run key
 * (hardware, network, layer index, limit, rep), which would silently merge different layers.
 */
export async function readDatasets(paths: string, field = 'data'): Promise<{ rows: MeasurementRow[]; hardware: HardwareFingerprint[] }> {
  const list = paths
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (list.length === 1) return readDataset(list[0]!, field);
  const rows: MeasurementRow[] = [];
  const hardware = new Map<string, HardwareFingerprint>();
  const owner = new Map<string, string>();
  for (const path of list) {
    const ds = await readDataset(path, field);
    for (const h of ds.hardware) if (!hardware.has(h.id)) hardware.set(h.id, h);
    const seen = new Set<string>();
    for (const r of ds.rows) {
      const k = `${r.hardwareId}|${r.network}|${r.layerIndex}`;
      if (!seen.has(k)) {
        seen.add(k);
        const other = owner.get(k);
        if (other !== undefined) {
          throw new UserError(
            `${path}: network "${r.network}" layer ${r.layerIndex} also appears in ${other}; datasets read together need distinct network names (rename one file's, e.g. s00001 -> g00001)`,
          );
        }
      }
      rows.push(r);
    }
    for (const k of seen) owner.set(k, path);
  }
  return { rows, hardware: [...hardware.values()] };
}

/**
 * Writes a whole dataset (replacing the file; gzip if the path ends in .gz), plus fingerprints if
 * given. `stats` fills the derived columns (see csv.ts).
 */
export async function writeDataset(
  path: string,
  rows: readonly MeasurementRow[],
  opts: { hardware?: HardwareFingerprint[]; stats?: RowStatsFn } = {},
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const text = encodeRows(rows, { header: true, ...(opts.stats ? { stats: opts.stats } : {}) });
  await writeFileAtomic(path, isGz(path) ? gzipSync(text) : text);
  if (opts.hardware?.length) await writeHardware(path, opts.hardware);
}

/** A held dataset lock (see lockDataset). */
export interface DatasetLock {
  readonly path: string;
  /** The pid of a dead process whose stale lock was taken over, else null. */
  readonly tookOverFrom: number | null;
  release(): void;
}

/**
 * Take the exclusive writer lock of a dataset: `<out>.lock` holding this process's pid, created
 * with O_EXCL. A lock of a live process is refused (UserError naming its pid and the fix); a lock of
 * a dead process (kill -9, power loss) is taken over. Released by release(), at exit and on
 * SIGINT/SIGTERM. `flag` names the argument for the message ("out"; the CLI says --out) and `shown`
 * its value as the user gave it (validate-runs: the folder --out, whose rows.csv is `out`; calibrate:
 * --cache-dir). Cost: a few small file operations.
 */
export function lockDataset(out: string, flag = 'out', shown = out): DatasetLock {
  const path = `${out.replace(/\/+$/, '')}.lock`;
  let tookOverFrom: number | null = null;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw argumentError((n) => `${n(flag)} ${shown}: its folder does not exist; create it (mkdir -p) or choose another ${n(flag)}`);
      if (code !== 'EEXIST')
        throw argumentError((n) => `${n(flag)} ${shown}: cannot create the lock file ${path} (${code ?? (e as Error).message}); choose a writable ${n(flag)}`);
      let text = '';
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        continue; // released meanwhile
      }
      const pid = Number(text.trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid)) {
        throw argumentError(
          (n) =>
            `${n(flag)} ${shown}: another memlat process (pid ${pid}) is writing this dataset (lock ${path}); wait for it to finish, stop it (kill ${pid}), or choose another ${n(flag)}`,
        );
      }
      if (attempt >= 5)
        throw argumentError((n) => `${n(flag)} ${shown}: could not take over the stale lock ${path}; delete it if no memlat process is running`);
      // Stale (dead owner or unreadable): move it aside atomically so only one taker wins, then retry.
      const aside = `${path}.stale-${process.pid}`;
      try {
        renameSync(path, aside);
        rmSync(aside, { force: true });
        if (Number.isInteger(pid) && pid > 0) tookOverFrom = pid;
      } catch {
        // another process took it over first; retry sees its lock
      }
    }
  }
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    unregister();
    try {
      if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path, { force: true });
    } catch {
      // already gone
    }
  };
  const unregister = registerCleanup(release);
  return { path, tookOverFrom, release };
}

/** A crash-safe appending dataset writer (see openRowWriter). */
export interface RowWriter {
  /** Rows already in the file when it was opened (for resume: skip what is done). */
  readonly existing: MeasurementRow[];
  /** True if a truncated last line was found on open and cut off. */
  readonly droppedPartialLine: boolean;
  /** Appends rows and fsyncs: once the promise resolves, the rows survive a kill or power loss. */
  append(rows: readonly MeasurementRow[]): Promise<void>;
  /** Rows appended through this writer so far. */
  readonly appended: number;
  close(): Promise<void>;
}

/**
 * Opens a dataset CSV for appending (creating it with a header if absent). On open, an existing
 * file is read (its rows returned in `existing`), its header checked, and a truncated last line cut
 * off, so an interrupted or OOM-killed run resumes cleanly. Every `append` writes whole lines and
 * fsyncs (fdatasync) before resolving. Plain CSV only (gzip cannot be safely appended).
 * Cost: one read of the existing file on open; one write + fdatasync per append.
 */
export async function openRowWriter(path: string, opts: { stats?: RowStatsFn } = {}): Promise<RowWriter> {
  if (isGz(path)) {
    throw argumentError((n) => `${n('out')} ${path}: a profile is appended row by row and cannot be gzip-compressed; write to a .csv and gzip it afterwards`);
  }
  await mkdir(dirname(path), { recursive: true });
  let existing: MeasurementRow[] = [];
  let droppedPartialLine = false;
  if (existsSync(path)) {
    const text = await readText(path);
    const firstLine = text.slice(0, text.indexOf('\n') + 1);
    if (text.length > 0 && firstLine !== encodeHeader()) {
      if (firstLine === '') {
        // Killed while writing the header itself: start over.
        await truncate(path, 0);
      } else {
        throw argumentError(
          (n) =>
            `${n('out')} ${path}: exists but its header is not this memlat version's (${ALL_COLUMNS.length} columns ${ALL_COLUMNS[0]},...); choose another ${n('out')} or convert it with 'memlat import'`,
        );
      }
    } else {
      const dec = decodeRows(text, path);
      existing = dec.rows;
      droppedPartialLine = dec.droppedPartialLine;
      if (droppedPartialLine) await truncate(path, dec.completeBytes);
    }
  }
  const fh: FileHandle = await open(path, 'a');
  if ((await fh.stat()).size === 0) {
    await fh.write(encodeHeader());
    await fh.datasync();
  }
  let appended = 0;
  let closed = false;
  return {
    existing,
    droppedPartialLine,
    get appended() {
      return appended;
    },
    async append(rows) {
      if (closed) throw new Error(`row writer for ${path} is closed`);
      if (!rows.length) return;
      const before = (await fh.stat()).size;
      try {
        const buf = Buffer.from(encodeRows(rows, opts.stats ? { stats: opts.stats } : {}));
        // A nearly full disk takes part of a write without an error; the rest then fails (ENOSPC).
        for (let off = 0; off < buf.length;) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
        await fh.datasync();
      } catch (e) {
        // Disk full or I/O error mid-write: cut back to the last whole line, so the file stays a
        // valid dataset and a resume re-measures exactly these rows.
        await fh.truncate(before).catch(() => undefined);
        throw writeError(e, path);
      }
      appended += rows.length;
    },
    async close() {
      if (closed) return;
      closed = true;
      await fh.close();
    },
  };
}

/** What `readEdgecaffeDir` found, per network. */
export interface EdgecaffeNetworkImport {
  network: string;
  /** 'edgecaffe' (linear runs) or 'edgecaffe-mean' (description.yaml means only). */
  source: 'edgecaffe' | 'edgecaffe-mean';
  rows: number;
  /** Timing names without a memlat layer (EdgeCaffe's "input"), with counts. */
  unmatched: Record<string, number>;
  /** importCaffe's warnings. */
  warnings: string[];
}

/** Everything imported from an EdgeCaffe directory. */
export interface EdgecaffeDirImport {
  rows: MeasurementRow[];
  /** profiles/memory.csv (empty if absent). */
  pipeline: PipelineRun[];
  networks: EdgecaffeNetworkImport[];
}

/**
 * Reads an EdgeCaffe directory (layout of data/edgecaffe): every `<Net>/description.yaml` with its
 * prototxt, `profiles/linear-*.csv` and `profiles/memory.csv`. Networks with linear runs get one row
 * per timed layer per run; the others one mean row per layer (see src/dataset/edgecaffe.ts).
 * Cost: reads ~1 MB; milliseconds.
 */
export async function readEdgecaffeDir(dir: string): Promise<EdgecaffeDirImport> {
  if (!existsSync(dir) || !(await stat(dir)).isDirectory()) {
    throw new UserError(`edgecaffe directory ${dir}: not found; pass the folder holding AgeNet/, ..., profiles/ (e.g. data/edgecaffe)`);
  }
  const profDir = join(dir, 'profiles');
  const timings: LinearTiming[] = [];
  const pipeline: PipelineRun[] = [];
  if (existsSync(profDir)) {
    for (const f of (await readdir(profDir)).sort()) {
      const m = /^linear-(\d+)\.csv$/.exec(f);
      if (m) timings.push(...parseLinearProfile(await readFile(join(profDir, f), 'utf8'), Number(m[1]), join(profDir, f)));
    }
    const mem = join(profDir, 'memory.csv');
    if (existsSync(mem)) pipeline.push(...parsePipelineRuns(await readFile(mem, 'utf8'), mem));
  }
  const withRuns = new Set(timings.map((t) => t.network));
  const rows: MeasurementRow[] = [];
  const networks: EdgecaffeNetworkImport[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'description.yaml')));
  if (!entries.length) {
    throw new UserError(
      `edgecaffe directory ${dir}: no <Network>/description.yaml inside; pass the folder holding AgeNet/, ..., profiles/ (e.g. data/edgecaffe)`,
    );
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const descPath = join(dir, e.name, 'description.yaml');
    const desc = parseDescription(await readFile(descPath, 'utf8'), descPath);
    const protoPath = join(dir, e.name, desc.networkFile);
    if (!existsSync(protoPath)) throw new UserError(`${descPath}: network-file ${desc.networkFile} not found beside it`);
    const imported = importCaffe(await readFile(protoPath, 'utf8'), { name: desc.name });
    const rn = resolveNetwork(imported.network);
    const hasRuns = withRuns.has(desc.name);
    const res = hasRuns ? edgecaffeRows(rn, timings) : edgecaffeMeanRows(rn, desc);
    rows.push(...res.rows);
    networks.push({
      network: desc.name,
      source: hasRuns ? 'edgecaffe' : 'edgecaffe-mean',
      rows: res.rows.length,
      unmatched: Object.fromEntries(res.unmatched),
      warnings: imported.warnings,
    });
  }
  return { rows, pipeline, networks };
}

/** Writes the pipeline table as CSV (`memoryLimitBytes,policy,totalMs`). */
export async function writePipelineRuns(path: string, runs: readonly PipelineRun[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, 'memoryLimitBytes,policy,totalMs\n' + runs.map((r) => `${r.memoryLimitBytes},${r.policy},${r.totalMs}`).join('\n') + '\n');
}

/** Writes rows as a Parquet file (see src/dataset/parquet.ts for the column types). */
export async function writeParquet(path: string, rows: readonly MeasurementRow[], opts: { stats?: RowStatsFn } = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, new Uint8Array(encodeParquet(rows, opts.stats)));
}
