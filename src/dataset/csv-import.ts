/**
 * Per-layer timings from any engine, as a CSV, -> MeasurementRows (`memlat import csv`, docs/DATASET.md).
 *
 * A column map names which CSV column holds what, with the column's unit:
 *   network=net,layer=layer_name,memory=mem_mb:MiB,load=load_ms,run=exec_ms,unload=unload_ms,rep=pass
 * - `layer` (required): the layer's name, matched exactly to a layer name of the network's description
 *   (a memlat network: zoo name, .json, .onnx or .prototxt), which gives the row its layer, shapes
 *   and so its features.
 * - `network`: the network's name, looked up in the networks given; without it every row belongs to
 *   the one network given.
 * - `load`, `run` (required), `unload` (optional: null = not measured): times; unit `ms` (default),
 *   `s`, `us` or `ns`. Every time must be a finite number >= 0.
 * - `memory` (optional: without it every row is unlimited): the memory limit; unit `B` (default),
 *   `KiB`, `MiB`, `GiB` (also KB, MB, GB: powers of 1000). A cell may also carry its own unit
 *   ("512MiB"); an empty cell, "none" or "unlimited" means no limit.
 * - `rep` (optional): the pass index, an integer >= 0; without it, the k-th row of the same (network,
 *   layer, memory) in file order is pass k.
 *
 * Every value is checked where it enters, and an error names the file, line, column and value and
 * says what to write instead. Pure: text in, rows out (reading files is the caller's).
 */
import { parse } from 'csv-parse/sync';
import { argumentError, UserError, type ArgName } from '../errors.js';
import type { ResolvedNetwork } from '../network/types.js';
import { parseBytes } from '../units.js';
import { layerRowFields, type HardwareFingerprint, type MeasurementRow } from './schema.js';
import { unmeasuredFingerprint } from './fingerprint.js';

/** The fields a column map can name. */
export const CSV_MAP_FIELDS = ['network', 'layer', 'memory', 'load', 'run', 'unload', 'rep'] as const;
export type CsvMapField = (typeof CSV_MAP_FIELDS)[number];

/** One mapped column: its name in the CSV and the factor from its unit to ms (times) or bytes (memory). */
export interface CsvColumn {
  column: string;
  unit: string;
  factor: number;
}

/** A parsed column map (parseCsvMap). */
export type CsvMap = Partial<Record<CsvMapField, CsvColumn>>;

const TIME_UNITS: Record<string, number> = { ms: 1, s: 1000, us: 1e-3, µs: 1e-3, ns: 1e-6 };
const MEMORY_UNITS: Record<string, number> = { b: 1, bytes: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, kb: 1e3, mb: 1e6, gb: 1e9 };
const DEFAULT_UNIT: Partial<Record<CsvMapField, string>> = { load: 'ms', run: 'ms', unload: 'ms', memory: 'B' };

/**
 * Parses `--map network=net,layer=layer_name,memory=mem_mb:MiB,load=load_ms:s,...`. Throws a
 * UserError naming the bad entry for an unknown field, a repeated field, a unit on a column that has
 * none, an unknown unit, or a missing `layer`, `load` or `run`. Cost O(text).
 * @example parseCsvMap('layer=name,load=load_s:s,run=run_ms').load // { column: 'load_s', unit: 's', factor: 1000 }
 */
export function parseCsvMap(text: string, flag = 'map'): CsvMap {
  const map: CsvMap = {};
  const example = `${flag} network=net,layer=layer_name,memory=mem_mb:MiB,load=load_ms,run=exec_ms,unload=unload_ms`;
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const m = /^([A-Za-z]+)\s*=\s*([^:]+?)\s*(?::\s*(\S+))?$/.exec(part);
    if (!m) throw argumentError((n) => `${n(flag)} "${part}": write field=column or field=column:unit, e.g. ${example}`);
    const field = m[1]!.toLowerCase() as CsvMapField;
    if (!CSV_MAP_FIELDS.includes(field))
      throw argumentError((n) => `${n(flag)} "${part}": unknown field "${m[1]}"; the fields are ${CSV_MAP_FIELDS.join(', ')}`);
    if (map[field]) throw argumentError((n) => `${n(flag)} "${part}": ${field} is mapped twice`);
    const unit = m[3] ?? DEFAULT_UNIT[field];
    let factor = 1;
    if (field === 'memory') {
      const f = MEMORY_UNITS[(unit ?? '').toLowerCase()];
      if (f === undefined)
        throw argumentError((n) => `${n(flag)} "${part}": unknown memory unit "${unit}"; use B, KiB, MiB, GiB (or KB, MB, GB), e.g. memory=mem_mb:MiB`);
      factor = f;
    } else if (field === 'load' || field === 'run' || field === 'unload') {
      const f = TIME_UNITS[(unit ?? '').toLowerCase()];
      if (f === undefined)
        throw argumentError((n) => `${n(flag)} "${part}": unknown time unit "${unit}"; use ms (the default), s, us or ns, e.g. ${field}=${m[2]}:s`);
      factor = f;
    } else if (m[3] !== undefined) {
      throw argumentError((n) => `${n(flag)} "${part}": ${field} takes no unit; write ${field}=${m[2]}`);
    }
    map[field] = { column: m[2]!, unit: unit ?? '', factor };
  }
  for (const need of ['layer', 'load', 'run'] as const) {
    if (!map[need]) throw argumentError((n) => `${n(flag)}: ${need} is not mapped; name its column, e.g. ${example}`);
  }
  return map;
}

/** What importCsvRows needs besides the text. */
export interface CsvImportOptions {
  map: CsvMap;
  /**
   * Networks by the names the `network` column uses (or the one network when it is not mapped); the
   * rows' `network` is that name.
   */
  networks: ReadonlyMap<string, ResolvedNetwork>;
  /** Where each network came from (a zoo name or a path), for error messages. */
  networkSources?: ReadonlyMap<string, string>;
  hardwareId: string;
  /** The rows' `source` (default "csv-import"). */
  source?: string;
  /** The file's name in error messages. */
  where?: string;
}

/**
 * The MeasurementRows of a CSV of per-layer timings (see the module comment for the map). Rows
 * come out in file order, one per CSV record; `oom` is false, fault and swap counters null. Throws a
 * UserError naming the line (1 = the header) for a missing column, an unknown network or layer name,
 * a time that is negative, not finite or not a number, a memory that is not a positive size, a bad
 * rep, or two records with the same (network, layer, memory, rep). Cost O(records + layers).
 * @example importCsvRows('layer,load_s,run_ms\nconv1,2.5,10\n', { map: parseCsvMap('layer=layer,load=load_s:s,run=run_ms'), networks: new Map([['alexnet', rn]]), hardwareId: 'hw' })[0]!.loadMs // 2500
 */
export function importCsvRows(text: string, opts: CsvImportOptions): MeasurementRow[] {
  const where = opts.where ?? 'the CSV';
  const { map } = opts;
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    parsed = parse(text, { skip_empty_lines: true, trim: true, bom: true, info: true }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    throw new UserError(`${where}: not a valid CSV (${(e as Error).message})`);
  }
  const recs = parsed.map((p) => p.record);
  const header = recs[0];
  if (!header || recs.length < 2) throw new UserError(`${where}: no records below the header; give a CSV with a header line and one line per timed layer`);
  const col = new Map<CsvMapField, number>();
  for (const f of CSV_MAP_FIELDS) {
    const c = map[f];
    if (!c) continue;
    const i = header.indexOf(c.column);
    if (i < 0) throw argumentError((n) => `${where}: no column "${c.column}" (mapped to ${f}); its columns are ${header.join(', ')}; fix ${n('map')} ${f}=...`);
    col.set(f, i);
  }
  if (!map.network && opts.networks.size !== 1) {
    throw argumentError(
      (n) => `${where}: ${opts.networks.size} networks given but no network column mapped; map one (${n('map')} network=<column>,...) or give one network`,
    );
  }
  const only = map.network ? undefined : [...opts.networks][0];
  const byName = new Map<ResolvedNetwork, Map<string, number>>();
  const names = (rn: ResolvedNetwork): Map<string, number> => {
    let m = byName.get(rn);
    if (!m) {
      m = new Map(rn.layers.map((l, i) => [l.layer.name, i] as const));
      byName.set(rn, m);
    }
    return m;
  };
  const seen = new Map<string, number>();
  const nextRep = new Map<string, number>();
  const rows: MeasurementRow[] = [];
  for (let r = 1; r < recs.length; r++) {
    const rec = recs[r]!;
    const lineNo = parsed[r]!.info.lines;
    const line = `${where} line ${lineNo}`;
    const cell = (f: CsvMapField): string => rec[col.get(f)!] ?? '';
    let entry = only;
    if (map.network) {
      const name = cell('network');
      const rn = opts.networks.get(name);
      entry = rn ? [name, rn] : undefined;
      if (!rn) {
        const column = map.network.column;
        throw argumentError(
          (n) =>
            `${line}: network "${name}" (column ${column}) has no description; give it with ${n('networks')} ${name || '<name>'}=<zoo name or .json/.onnx/.prototxt>${opts.networks.size ? ` (given: ${[...opts.networks.keys()].join(', ')})` : ''}`,
        );
      }
    }
    const [netName, net] = entry!;
    const layerName = cell('layer');
    const li = names(net).get(layerName);
    if (li === undefined) {
      const src = opts.networkSources?.get(netName);
      const list =
        net.layers
          .slice(0, 12)
          .map((l) => l.layer.name)
          .join(', ') + (net.layers.length > 12 ? ', ...' : '');
      throw argumentError(
        (n) =>
          `${line}: layer "${layerName}" (column ${map.layer!.column}) is not a layer of ${netName}${src ? ` (${src})` : ''}, whose layers are ${list}; rename it in the CSV to the network's layer name, or give the network description the engine ran (${n('networks')})`,
      );
    }
    const time = (f: 'load' | 'run' | 'unload'): number => {
      const c = map[f]!;
      const v = cell(f);
      const n = v === '' ? NaN : Number(v);
      if (!Number.isFinite(n) || n < 0) {
        throw new UserError(`${line}: ${f} time "${v}" (column ${c.column}) is not a finite number >= 0 (in ${c.unit}); fix the value or leave the line out`);
      }
      return n * c.factor;
    };
    let memoryLimitBytes: number | null = null;
    if (map.memory) {
      const c = map.memory;
      const v = cell('memory');
      if (!(v === '' || /^(none|unlimited)$/i.test(v))) {
        const n = Number(v);
        let bytes: number;
        if (v !== '' && Number.isFinite(n)) bytes = Math.round(n * c.factor);
        else {
          try {
            bytes = parseBytes(v, `${line}: memory (column ${c.column})`);
          } catch (e) {
            throw new UserError(`${(e as Error).message}; or leave it empty / "none" for no limit`);
          }
        }
        if (!(bytes > 0) || !Number.isSafeInteger(bytes)) {
          throw new UserError(
            `${line}: memory "${v}" (column ${c.column}, in ${c.unit}) is not a positive size; write a limit > 0 (e.g. 512 with memory=${c.column}:MiB, or 512MiB), or leave it empty / "none" for no limit`,
          );
        }
        memoryLimitBytes = bytes;
      }
    }
    const key = `${netName}\u0000${layerName}\u0000${memoryLimitBytes ?? 'none'}`;
    let rep: number;
    if (map.rep) {
      const v = cell('rep');
      rep = Number(v);
      if (v === '' || !Number.isInteger(rep) || rep < 0) throw new UserError(`${line}: rep "${v}" (column ${map.rep.column}) is not an integer >= 0`);
    } else rep = nextRep.get(key) ?? 0;
    nextRep.set(key, Math.max(nextRep.get(key) ?? 0, rep + 1));
    const dup = seen.get(`${key}\u0000${rep}`);
    if (dup !== undefined) {
      throw new UserError(
        `${line}: ${netName} layer "${layerName}" at memory ${memoryLimitBytes ?? 'none'} pass ${rep} is already on line ${dup}; remove one, or map a rep column that tells the passes apart`,
      );
    }
    seen.set(`${key}\u0000${rep}`, lineNo);
    const loadMs = time('load');
    const runMs = time('run');
    const unloadMs = map.unload ? time('unload') : null;
    const rl = net.layers[li]!;
    rows.push({
      hardwareId: opts.hardwareId,
      source: opts.source ?? 'csv-import',
      network: netName,
      ...layerRowFields(rl),
      memoryLimitBytes,
      rep,
      loadMs,
      runMs,
      unloadMs,
      majorFaults: null,
      swapInPages: null,
      swapOutPages: null,
      oom: false,
    });
  }
  return rows;
}

/** One entry of `--networks`: the name the CSV uses (undefined = the network's own name) and where its description is. */
export interface NetworkSpec {
  name: string | undefined;
  source: string;
}

/**
 * Parses `--networks net=alexnet,mine=models/mine.onnx` (name=zoo name or path), or one network
 * without a name (`--networks alexnet`: rows use the network's own name). Throws a UserError for an
 * empty entry or a name given twice. Cost O(text).
 */
export function parseNetworksOption(text: string, flag = 'networks'): NetworkSpec[] {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0)
    throw argumentError((n) => `${n(flag)}: give the network descriptions the CSV's layers belong to, e.g. ${n(flag)} net1=alexnet,net2=models/net2.onnx`);
  const out: NetworkSpec[] = [];
  for (const p of parts) {
    const m = /^([^=]+?)\s*=\s*(.+)$/.exec(p);
    const spec = m ? { name: m[1]!, source: m[2]! } : { name: undefined, source: p };
    if (!spec.source) throw argumentError((n) => `${n(flag)} "${p}": write name=<zoo name or .json/.onnx/.prototxt path>`);
    if (spec.name === undefined && parts.length > 1)
      throw argumentError((n) => `${n(flag)} "${p}": with several networks, name each as the CSV's network column does: name=${p}`);
    if (spec.name !== undefined && out.some((o) => o.name === spec.name)) throw argumentError((n) => `${n(flag)}: network "${spec.name}" is given twice`);
    out.push(spec);
  }
  return out;
}

/**
 * The fingerprint of imported data whose machine was not measured by memlat: `cores` and `ramBytes`
 * as the user states them (RAM is M for unlimited rows), everything measured null, marked as such.
 * Throws a UserError for cores that are not a positive integer or RAM that is not positive.
 */
export function statedHardware(cores: number, ramBytes: number, where: string): HardwareFingerprint {
  if (!Number.isInteger(cores) || cores < 1)
    throw argumentError((n) => `${n('cores')} ${cores}: the number of cores of the machine that measured ${where}, a positive integer`);
  if (!(ramBytes > 0) || !Number.isSafeInteger(ramBytes))
    throw argumentError((n) => `${n('ram')} ${ramBytes}: the RAM of the machine that measured ${where}, e.g. ${n('ram')} 8GiB`);
  return unmeasuredFingerprint({
    id: `csv-${cores}c-${Math.round(ramBytes / 2 ** 30)}g`,
    cpuModel: `unknown (imported from ${where})`,
    cores,
    ramBytes,
    notes: 'Not measured by memlat: cores and RAM as stated to memlat import csv (--cores, --ram); everything else unknown.',
  });
}

/**
 * Checks a fingerprint read from a file (`memlat hardware --out hw.json`): an object with a string
 * id, positive integer cores and positive ramBytes. Throws a UserError naming the file and field.
 */
export function checkHardware(v: unknown, where: string): HardwareFingerprint {
  const h = (Array.isArray(v) && v.length === 1 ? v[0] : v) as Partial<HardwareFingerprint> | null;
  const fix = (n: ArgName): string =>
    `write it with 'memlat hardware --out ${where}' on the machine that measured the CSV, or give ${n('cores')} and ${n('ram')} instead`;
  if (typeof h !== 'object' || h === null || Array.isArray(h)) throw argumentError((n) => `${n('hardware')} ${where}: not one hardware fingerprint; ${fix(n)}`);
  if (typeof h.id !== 'string' || h.id === '') throw argumentError((n) => `${n('hardware')} ${where}: no string "id"; ${fix(n)}`);
  if (!Number.isInteger(h.cores) || (h.cores ?? 0) < 1)
    throw argumentError((n) => `${n('hardware')} ${where}: "cores" ${JSON.stringify(h.cores)} is not a positive integer; ${fix(n)}`);
  if (typeof h.ramBytes !== 'number' || !(h.ramBytes > 0) || !Number.isFinite(h.ramBytes))
    throw argumentError((n) => `${n('hardware')} ${where}: "ramBytes" ${JSON.stringify(h.ramBytes)} is not a positive number; ${fix(n)}`);
  return {
    cpuModel: 'unknown',
    cgroupVersion: null,
    diskReadBytesPerSec: null,
    memBandwidthBytesPerSec: null,
    gemmGflops: null,
    runtimeIdleBytes: null,
    ...h,
  } as HardwareFingerprint;
}
