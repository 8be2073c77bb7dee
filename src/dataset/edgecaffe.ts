/**
 * EdgeCaffe profiles -> MeasurementRows (pure parsing and joining; the directory walk is
 * `readEdgecaffeDir` in src/dataset/files.ts).
 *
 * Sources (data/edgecaffe/README.md):
 * - `profiles/linear-N.csv` (N = 1..17): `networkName,layerId,layerName,Loading_ns,execution_ns,policy`.
 *   Each file holds 3 consecutive runs of AgeNet, GenderNet and FaceNet (a run restarts at layerId 0).
 *   Row mapping: loadMs = Loading_ns / 1e6, runMs = execution_ns / 1e6, unloadMs = null (not
 *   measured), rep = (N - 1) * 3 + run-in-file (0-based, so 0..50), memoryLimitBytes = null (no cgroup
 *   limit in linear mode), swap/fault counters null, source "edgecaffe".
 * - `<Net>/description.yaml`: per-layer means in microseconds. Used only for the networks without
 *   linear runs (EmotionNet, MemNet, SceneNet), as one row per layer with rep 0 and source
 *   "edgecaffe-mean" (a mean of unknown many runs, not one pass: filter on `source` to exclude).
 * - `profiles/memory.csv`: whole-pipeline times under cgroup limits (see parsePipelineRuns).
 *
 * Layers are joined by name with the network imported from its prototxt by importCaffe (which keeps
 * Caffe's layer names for in-place layers such as relu1/drop6). EdgeCaffe's pseudo-layer "input"
 * has no memlat layer and is skipped; memlat's own implicit `*_flatten` layers have no timing and get
 * no row. The prototxt's batch (10 for GenderNet/MemNet/SceneNet, whose timings are ~9x AgeNet's for
 * the same architecture) is kept.
 */
import { parse } from 'csv-parse/sync';
import { parse as parseYaml } from 'yaml';
import { UserError } from '../errors.js';
import type { ResolvedNetwork } from '../network/types.js';
import { layerRowFields, type HardwareFingerprint, type MeasurementRow } from './schema.js';

/** Hardware id of every EdgeCaffe row. */
export const EDGECAFFE_HARDWARE_ID = 'edgecaffe-testbed';

/**
 * The EdgeCaffe testbed's fingerprint. Its hardware is not stated in the source: cores and RAM are
 * assumptions (4 cores, 4 GiB: an edge-class board; memory.csv's largest limit is 4G, and with no
 * limit M = RAM enters features only through this number); everything measured is null.
 */
export const EDGECAFFE_HARDWARE: HardwareFingerprint = {
  id: EDGECAFFE_HARDWARE_ID,
  cpuModel: 'unknown (EdgeCaffe testbed, TU Delft 2020)',
  cores: 4,
  ramBytes: 4 * 1024 ** 3,
  cgroupVersion: null,
  diskReadBytesPerSec: null,
  memBandwidthBytesPerSec: null,
  gemmGflops: null,
  runtimeIdleBytes: null,
  notes: 'Hardware not stated by the source. cores=4 and ramBytes=4GiB are assumptions, not measurements. Runtime: Caffe (not onnxruntime).',
};

/** One line of a linear-N.csv file, with the run it belongs to. */
export interface LinearTiming {
  network: string;
  layerId: number;
  layerName: string;
  loadNs: number;
  executionNs: number;
  /** rep = (fileIndex - 1) * runsPerFile + run within the file. */
  rep: number;
}

/**
 * Parses one `linear-N.csv`. `fileIndex` is N (1-based). A new run of a network starts at each
 * line whose layerId is not larger than the previous line's (of that network). Throws a UserError
 * naming the file and line for a bad number or a missing column. Cost: linear in the text.
 */
export function parseLinearProfile(text: string, fileIndex: number, where: string, runsPerFile = 3): LinearTiming[] {
  const recs = parse<Record<string, string>>(text, { columns: true, skip_empty_lines: true, trim: true });
  const lastId = new Map<string, number>();
  const run = new Map<string, number>();
  return recs.map((r, i) => {
    const line = `${where} line ${i + 2}`;
    const need = (c: string): string => {
      const v = r[c];
      if (v === undefined || v === '')
        throw new UserError(`${line}: column ${c} is missing; an EdgeCaffe linear profile has networkName,layerId,layerName,Loading_ns,execution_ns,policy`);
      return v;
    };
    const int = (c: string): number => {
      const n = Number(need(c));
      if (!Number.isInteger(n) || n < 0) throw new UserError(`${line}: column ${c} "${need(c)}" is not a non-negative integer`);
      return n;
    };
    const network = need('networkName');
    const layerId = int('layerId');
    const prev = lastId.get(network);
    const k = prev === undefined ? 0 : layerId <= prev ? run.get(network)! + 1 : run.get(network)!;
    run.set(network, k);
    lastId.set(network, layerId);
    if (k >= runsPerFile) throw new UserError(`${line}: run ${k + 1} of ${network} in one file; expected at most ${runsPerFile} runs per linear-N.csv`);
    return {
      network,
      layerId,
      layerName: need('layerName'),
      loadNs: int('Loading_ns'),
      executionNs: int('execution_ns'),
      rep: (fileIndex - 1) * runsPerFile + k,
    };
  });
}

/** One layer of a description.yaml. */
export interface DescriptionLayer {
  id: number;
  name: string;
  /** Means over the testbed's runs, microseconds. */
  loadUs: number;
  executionUs: number;
  params: number;
  partialFileBytes: number;
}

/** The parts of an EdgeCaffe description.yaml memlat uses. */
export interface EdgecaffeDescription {
  name: string;
  networkFile: string;
  layers: DescriptionLayer[];
}

/** Parses a description.yaml (conv-layers and fc-layers, in id order). */
export function parseDescription(text: string, where: string): EdgecaffeDescription {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new UserError(`${where}: not valid YAML (${(e as Error).message})`);
  }
  const d = (doc ?? {}) as Record<string, unknown>;
  const name = d['name'];
  const networkFile = d['network-file'];
  if (typeof name !== 'string' || typeof networkFile !== 'string') {
    throw new UserError(`${where}: needs "name" and "network-file" (an EdgeCaffe description.yaml)`);
  }
  const list = [...((d['conv-layers'] as unknown[] | null) ?? []), ...((d['fc-layers'] as unknown[] | null) ?? [])];
  const layers = list.map((x, i) => {
    const l = (x ?? {}) as Record<string, unknown>;
    const n = (k: string): number => {
      const v = l[k];
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new UserError(`${where}: layer [${i}] "${String(l['name'])}": ${k} ${JSON.stringify(v)} is not a number`);
      return v;
    };
    if (typeof l['name'] !== 'string') throw new UserError(`${where}: layer [${i}] has no name`);
    return {
      id: n('id'),
      name: l['name'],
      loadUs: n('estimated_time_loading'),
      executionUs: n('estimated_time_execution'),
      params: n('number-of-paramters'),
      partialFileBytes: n('partialFileSize'),
    };
  });
  layers.sort((a, b) => a.id - b.id);
  return { name, networkFile, layers };
}

/**
 * One end-to-end pipeline run of profiles/memory.csv: a pipeline of EdgeCaffe networks executed under
 * a cgroup memory limit (8 GB swap available) with one of four scheduling policies. It is a whole-
 * pipeline wall time: not per layer, not per network, and the pipeline's exact composition is not
 * stated by the source, so it can check trends (time vs limit, policy ranking) but cannot be joined
 * to layer rows or used as training data.
 */
export interface PipelineRun {
  /** The cgroup limit ("4G".."128M", binary units), bytes. */
  memoryLimitBytes: number;
  /** 'linear' (the mode of the linear-N.csv runs), 'bulk', 'partial', 'deepeye'. */
  policy: string;
  /** Whole-pipeline time, ms. */
  totalMs: number;
}

/** Parses profiles/memory.csv (`mem_limit,policy,time`, time in ms, limits like "512M"). */
export function parsePipelineRuns(text: string, where: string): PipelineRun[] {
  const recs = parse<Record<string, string>>(text, { columns: true, skip_empty_lines: true, trim: true });
  const units: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 };
  return recs.map((r, i) => {
    const m = /^(\d+(?:\.\d+)?)([KMG])$/i.exec(r['mem_limit'] ?? '');
    const t = Number(r['time']);
    if (!m || !Number.isFinite(t) || !r['policy']) {
      throw new UserError(`${where} line ${i + 2}: expected mem_limit like 512M, a policy and a time in ms; got ${JSON.stringify(r)}`);
    }
    return { memoryLimitBytes: Math.round(Number(m[1]) * units[m[2]!.toUpperCase()]!), policy: r['policy'], totalMs: t };
  });
}

/** Rows and what could not be joined. */
export interface EdgecaffeImport {
  rows: MeasurementRow[];
  /** Timing names with no memlat layer (e.g. "input"), with how many timings each. */
  unmatched: Map<string, number>;
}

function baseRow(rn: ResolvedNetwork, index: number, source: string): Omit<MeasurementRow, 'rep' | 'loadMs' | 'runMs'> {
  const rl = rn.layers[index]!;
  return {
    hardwareId: EDGECAFFE_HARDWARE_ID,
    source,
    network: rn.name,
    ...layerRowFields(rl),
    memoryLimitBytes: null,
    unloadMs: null,
    majorFaults: null,
    swapInPages: null,
    swapOutPages: null,
    oom: false,
  };
}

/**
 * Joins linear-profile timings of one network (timings of other networks are ignored) with its
 * resolved description, by layer name. Rows come out ordered by rep, then layer order.
 * @example AgeNet conv1, linear-1.csv run 1: Loading_ns 732042 -> loadMs 0.732042
 */
export function edgecaffeRows(rn: ResolvedNetwork, timings: readonly LinearTiming[]): EdgecaffeImport {
  const byName = new Map(rn.layers.map((l, i) => [l.layer.name, i] as const));
  const unmatched = new Map<string, number>();
  const rows: MeasurementRow[] = [];
  for (const t of timings) {
    if (t.network !== rn.name) continue;
    const i = byName.get(t.layerName);
    if (i === undefined) {
      unmatched.set(t.layerName, (unmatched.get(t.layerName) ?? 0) + 1);
      continue;
    }
    rows.push({ ...baseRow(rn, i, 'edgecaffe'), rep: t.rep, loadMs: t.loadNs / 1e6, runMs: t.executionNs / 1e6 });
  }
  rows.sort((a, b) => a.rep - b.rep || a.layerIndex - b.layerIndex);
  return { rows, unmatched };
}

/** Rows (rep 0, source "edgecaffe-mean") from a description.yaml's per-layer means (µs -> ms). */
export function edgecaffeMeanRows(rn: ResolvedNetwork, desc: EdgecaffeDescription): EdgecaffeImport {
  const byName = new Map(rn.layers.map((l, i) => [l.layer.name, i] as const));
  const unmatched = new Map<string, number>();
  const rows: MeasurementRow[] = [];
  for (const l of desc.layers) {
    const i = byName.get(l.name);
    if (i === undefined) {
      unmatched.set(l.name, (unmatched.get(l.name) ?? 0) + 1);
      continue;
    }
    rows.push({ ...baseRow(rn, i, 'edgecaffe-mean'), rep: 0, loadMs: l.loadUs / 1e3, runMs: l.executionUs / 1e3 });
  }
  return { rows, unmatched };
}
