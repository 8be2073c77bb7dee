/**
 * Machine differences: how the machine a prediction is for differs from the machine its model was
 * fitted on, part by part (CPU, cores, RAM, cold disk read, memory copy, GEMM rate, the runtime's
 * idle footprint), which phases each difference affects, and the one or two lines `predict`,
 * `curve` and `min-memory` print about it (docs/PREDICT.md, "Machine differences").
 *
 * Pure: no fs, no clock. Finding this machine's fingerprint (the per-user cache, or the cheap parts)
 * is src/user-files.ts.
 */
import type { HardwareFingerprint } from '../dataset/schema.js';
import { formatBytes } from '../units.js';
import { callRatios, freshCosts, gemmRatio, type ZeroShotInfo } from '../models/transfer.js';

/** The fingerprint parts compared. */
export type MachinePart =
  | 'cpuModel'
  | 'cores'
  | 'ramBytes'
  | 'diskReadBytesPerSec'
  | 'memBandwidthBytesPerSec'
  | 'gemmGflops'
  | 'swapBytesPerSec'
  | 'runtimeIdleBytes'
  | 'callProbe'
  | 'freshWeights';

/** What a part's difference changes: a phase's time, or which memory M a layer starts to swap at. */
export type Affected = 'load' | 'run' | 'unload' | 'swap' | 'memory';

/**
 * ok: within tolerance; info: differs, little effect on times; warn: times likely off;
 * error: the question cannot be answered on this machine (M above its RAM); unknown: a side lacks it.
 */
export type Severity = 'ok' | 'info' | 'warn' | 'error' | 'unknown';

/** One compared part. */
export interface HardwareDifference {
  part: MachinePart;
  /** The model machine's value (null: not in its fingerprint). */
  model: string | number | null;
  /** The compared machine's value (null: not measured). */
  here: string | number | null;
  /**
   * here / model for numbers (both known, model > 0); null for the CPU model and unknowns. For
   * callProbe (a time, not a rate) the ratio of the probe's run + unload time: > 1 means this machine is slower.
   * For gemmGflops gemmRatio (per probe thread when this machine's probe ran fewer threads; the
   * rates themselves stay as measured in model/here).
   */
  ratio: number | null;
  affects: Affected[];
  severity: Severity;
}

/**
 * Rates (disk, memory copy, GEMM, swap) within [1/1.25, 1.25] = [0.8, 1.25] of the model's are not
 * flagged. Why: one machine differs from itself by that much: a single 256 MiB cold-read probe
 * moves by 10-20% between runs, and the same `memlat run` median moved 1.34x between two runs minutes
 * apart on one VM (issue 12); smaller differences are not evidence of another machine. Symmetric in
 * log space (ln 1.25 = -ln 0.8).
 */
export const RATE_TOLERANCE = 1.25;
/** RAM within 5% (firmware and kernel reservations move `totalmem` by a few %). */
export const RAM_TOLERANCE = 1.05;
/**
 * Runtime idle footprints within 16 MiB: it differs by a few MiB from start to start
 * (docs/PREDICT.md), and the predictor already treats M as uncertain by 3%.
 */
export const IDLE_TOLERANCE_BYTES = 16 * 2 ** 20;
/**
 * A fresh-weights cost (ms per MiB of weights read, freshCosts; 0 for a model machine measured
 * before the probe) that differs from the model machine's by more than this is flagged, and
 * warrants a transfer on its own (ratesDiffer): 0.15, a fifth of host D's 0.8 (host B, the default's
 * machine, ran its largest GEMVs near its memory bandwidth: at most ~0.06).
 */
export const FRESH_TOLERANCE_MS_PER_MIB = 0.15;

/**
 * Whether this machine's fresh-weights cost (freshCosts, ms per MiB of weights just read) differs
 * from the model machine's (0 where it has no probe) by more than FRESH_TOLERANCE_MS_PER_MIB: then it
 * is flagged, and a transfer is warranted for its run floor alone, even where every rate ratio is 1
 * (ratesDiffer, transferBundle). Cost O(1).
 */
export function freshDiffers(model: HardwareFingerprint, here: HardwareFingerprint): boolean {
  const h = freshCosts(here);
  return h !== null && Math.abs(h.weights - (freshCosts(model)?.weights ?? 0)) * 2 ** 20 > FRESH_TOLERANCE_MS_PER_MIB;
}
/**
 * Per-call probe ratios (run, unload; src/dataset/call-probe.ts) within
 * [1/1.5, 1.5] are not flagged. Why wider than rates: the probe is whole passes of small layers,
 * which drift like `memlat run` does (1.34x minutes apart on one VM, issue 12); between two VMs of
 * one kind its run phase was 3-4x apart (docs/MODELS.md).
 */
export const CALL_TOLERANCE = 1.5;

const RATES: readonly { part: MachinePart; affects: Affected[] }[] = [
  // cold loads read the weights from disk; swapping pages in is disk reads too
  { part: 'diskReadBytesPerSec', affects: ['load', 'swap'] },
  // memory-bound layers (dense, element-wise) and the copies of every phase
  { part: 'memBandwidthBytesPerSec', affects: ['run'] },
  // compute-bound layers (conv, matmul)
  { part: 'gemmGflops', affects: ['run'] },
  { part: 'swapBytesPerSec', affects: ['swap'] },
];

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null;
}

/**
 * Compares two fingerprints part by part. `memoryBytes` (the M asked, null = no limit) makes a RAM
 * smaller than M an `error`, and a RAM difference under `--memory none` (which means the model
 * machine's RAM) a `warn`. Thresholds: RATE_TOLERANCE, RAM_TOLERANCE, IDLE_TOLERANCE_BYTES; a
 * different CPU model or core count is `warn` (run times: onnxruntime runs on all cores).
 * Every part is returned, `ok` ones included; a part either side lacks is `unknown`. Cost O(1).
 * @example compareHardware(bundle.hardware, here).filter((d) => d.severity === 'warn')
 */
export function compareHardware(model: HardwareFingerprint, here: HardwareFingerprint, opts: { memoryBytes?: number | null } = {}): HardwareDifference[] {
  const out: HardwareDifference[] = [];
  const mCpu = model.cpuModel?.trim() ?? '';
  const hCpu = here.cpuModel?.trim() ?? '';
  out.push({
    part: 'cpuModel',
    model: mCpu || null,
    here: hCpu || null,
    ratio: null,
    affects: ['run'],
    severity: !mCpu || !hCpu || mCpu === 'unknown' || hCpu === 'unknown' ? 'unknown' : mCpu.toLowerCase() === hCpu.toLowerCase() ? 'ok' : 'warn',
  });
  out.push({
    part: 'cores',
    model: model.cores,
    here: here.cores,
    ratio: here.cores / model.cores,
    affects: ['run'],
    severity: here.cores === model.cores ? 'ok' : 'warn',
  });
  {
    const r = here.ramBytes / model.ramBytes;
    let severity: Severity = r > RAM_TOLERANCE || r < 1 / RAM_TOLERANCE ? (opts.memoryBytes === null ? 'warn' : 'info') : 'ok';
    if (typeof opts.memoryBytes === 'number' && opts.memoryBytes > here.ramBytes) severity = 'error';
    out.push({ part: 'ramBytes', model: model.ramBytes, here: here.ramBytes, ratio: r, affects: ['memory'], severity });
  }
  for (const { part, affects } of RATES) {
    const m = num(model[part]);
    const h = num(here[part]);
    if (part === 'swapBytesPerSec' && m === null && h === null) continue; // rarely measured: only when both have it
    // GEMM compares as the transfer does (gemmRatio: per probe thread when this machine ran fewer).
    const ratio = part === 'gemmGflops' ? gemmRatio(model, here) : m !== null && h !== null ? h / m : null;
    out.push({
      part,
      model: m,
      here: h,
      ratio,
      affects,
      severity: ratio === null ? 'unknown' : ratio > RATE_TOLERANCE || ratio < 1 / RATE_TOLERANCE ? 'warn' : 'ok',
    });
  }
  {
    const pm = model.callProbe ?? null;
    const ph = here.callProbe ?? null;
    const total = (p: typeof pm): number | null => (p ? p.runMs + p.unloadMs : null);
    const m = total(pm);
    const h = total(ph);
    const r = callRatios(model, here);
    if (m !== null || h !== null) {
      const off = r !== null && [r.run, r.unload].some((x) => x > CALL_TOLERANCE || x < 1 / CALL_TOLERANCE);
      out.push({
        part: 'callProbe',
        model: m,
        here: h,
        ratio: m !== null && h !== null && m > 0 ? h / m : null,
        affects: ['run', 'unload'],
        severity: r === null ? 'unknown' : off ? 'warn' : 'ok',
      });
    }
  }
  {
    // ms per MiB of weights read; a model machine measured before the probe counts as 0 (as the transfer does)
    const h = freshCosts(here);
    if (h !== null) {
      const m = freshCosts(model);
      const hm = h.weights * 2 ** 20;
      const mm = (m?.weights ?? 0) * 2 ** 20;
      out.push({
        part: 'freshWeights',
        model: m === null ? null : mm,
        here: hm,
        ratio: null,
        affects: ['run'],
        severity: freshDiffers(model, here) ? 'warn' : 'ok',
      });
    }
  }
  {
    const m = typeof model.runtimeIdleBytes === 'number' ? model.runtimeIdleBytes : null;
    const h = typeof here.runtimeIdleBytes === 'number' ? here.runtimeIdleBytes : null;
    const ratio = m !== null && h !== null && m > 0 ? h / m : null;
    out.push({
      part: 'runtimeIdleBytes',
      model: m,
      here: h,
      ratio,
      affects: ['memory'],
      severity: m === null || h === null ? 'unknown' : Math.abs(h - m) > IDLE_TOLERANCE_BYTES ? 'info' : 'ok',
    });
  }
  return out;
}

/** Which machine a prediction is compared with. */
export interface MachineTarget {
  fingerprint: HardwareFingerprint;
  /**
   * this-machine: the machine the command runs on, measured (`memlat hardware`'s cached result)
   * or only its cheap parts (CPU model, cores, RAM); hardware-file: `--hardware <file>` given with a
   * bundle, the machine being planned for.
   */
  kind: 'this-machine' | 'hardware-file';
  /** Whether the measured parts (disk, memory copy, GEMM, idle footprint) are known. */
  measured: boolean;
  /** The file the fingerprint came from (the cache or --hardware), null for the cheap parts. */
  path: string | null;
  /** this-machine from the cache: whether it was measured since the last boot (null: unknown). */
  sameBoot?: boolean | null;
}

/** The comparison a prediction carries (`machine` in the JSON of predict, curve and min-memory). */
export interface MachineCheck {
  /** The id of the machine the model was fitted on. */
  modelHardwareId: string;
  target: { kind: MachineTarget['kind']; id: string; measured: boolean; path: string | null; measuredAt: string | null; sameBoot: boolean | null };
  /** True when no compared part is flagged (info/warn/error); parts not compared do not count. */
  same: boolean;
  /** Every compared part (see compareHardware). */
  differences: HardwareDifference[];
  /** What the CLI prints on stderr: one or two lines (none when the machines match and were measured). */
  warnings: string[];
  /** Present when the prediction was scaled to the target machine's rates (zero-shot transfer). */
  zeroShot?: ZeroShotInfo;
}

/** Options of checkMachine. */
export interface CheckMachineOptions {
  /** The M asked (null = no limit); undefined when the command has no single M (curve). */
  memoryBytes?: number | null;
  /**
   * The fingerprint parts the model itself uses when predicting (see fingerprintPartsUsed): with
   * `--hardware`, those differences are accounted for by the prediction.
   */
  modelUses?: ReadonlySet<MachinePart>;
  /** Set when the prediction was scaled to the target's rates (src/predict/zero-shot.ts): the lines say so. */
  zeroShot?: ZeroShotInfo;
}

/**
 * The parts of a fingerprint a model's predictions depend on: every kind uses cores (threads in
 * the features), RAM (M for no limit) and the runtime's idle footprint (the bytes that swap); fe-swap
 * also the disk bandwidth, for swap only (its swap term is bytes moved / bandwidth, the time without
 * a limit is not); roofline disk, memory and GEMM rates. Cost O(1).
 */
export function fingerprintPartsUsed(modelJson: unknown): Set<MachinePart> {
  const s = new Set<MachinePart>(['cores', 'ramBytes', 'runtimeIdleBytes']);
  const kind = (modelJson as { kind?: unknown } | null)?.kind;
  if (kind === 'fe-swap') s.add('diskReadBytesPerSec');
  if (kind === 'roofline') for (const p of ['diskReadBytesPerSec', 'memBandwidthBytesPerSec', 'gemmGflops'] as const) s.add(p);
  return s;
}

const PART_TEXT: Record<MachinePart, string> = {
  cpuModel: 'CPU',
  cores: 'cores',
  ramBytes: 'RAM',
  diskReadBytesPerSec: 'disk',
  memBandwidthBytesPerSec: 'memory copy',
  gemmGflops: 'GEMM',
  swapBytesPerSec: 'swap',
  runtimeIdleBytes: 'runtime idle',
  callProbe: 'per-call probe',
  freshWeights: 'fresh weights',
};

function valueText(part: MachinePart, v: string | number | null): string {
  if (v === null) return 'unmeasured';
  if (typeof v === 'string') return v;
  switch (part) {
    case 'cores':
      return `${v} cores`;
    case 'ramBytes':
      return `RAM ${formatBytes(v)}`;
    case 'gemmGflops':
      return `GEMM ${v.toFixed(0)} GFLOP/s`;
    case 'runtimeIdleBytes':
      return `runtime idle ${formatBytes(v)}`;
    case 'callProbe':
      return `per-call probe ${v.toFixed(0)} ms (run + unload)`;
    case 'freshWeights':
      return `fresh weights ${v.toFixed(2)} ms per MiB read`;
    default:
      return `${PART_TEXT[part]} ${formatBytes(v)}/s`;
  }
}

const x2 = (f: number): string => `${f >= 10 ? f.toFixed(0) : f.toFixed(1)}x`;

/** "~2.3x longer" for a rate ratio r (time scales by 1/r). */
function slower(r: number): string {
  const f = 1 / r;
  return f >= 1 ? `~${x2(f)} longer` : `~${x2(1 / f)} shorter`;
}

/**
 * Compares the model's machine with the target and words it: `warnings` holds what the CLI prints
 * (plain lines, no prefix). Cost O(1).
 * @example checkMachine(b.hardware, { fingerprint: here, kind: 'this-machine', measured: false, path: null })
 */
export function checkMachine(model: HardwareFingerprint, target: MachineTarget, opts: CheckMachineOptions = {}): MachineCheck {
  const differences = compareHardware(model, target.fingerprint, opts.memoryBytes === undefined ? {} : { memoryBytes: opts.memoryBytes });
  const flagged = differences.filter((d) => d.severity === 'info' || d.severity === 'warn' || d.severity === 'error');
  const uses = opts.modelUses ?? new Set<MachinePart>();
  const planning = target.kind === 'hardware-file';
  const warnings: string[] = [];
  const hereName = planning ? `--hardware ${target.path ?? ''}`.trimEnd() : 'this machine';
  if (flagged.length) {
    const get = (p: MachinePart): HardwareDifference | undefined => differences.find((d) => d.part === p);
    const modelParts = flagged.map((d) => valueText(d.part, d.model)).join(', ');
    const ratioText = (d: HardwareDifference): string =>
      d.ratio === null || d.part === 'cores' ? '' : d.part === 'callProbe' ? ` (${d.ratio.toFixed(2)}x the time)` : ` (${d.ratio.toFixed(2)}x)`;
    const hereParts = flagged.map((d) => `${valueText(d.part, d.here)}${ratioText(d)}`).join(', ');
    const effects: string[] = [];
    const zs = opts.zeroShot;
    if (zs) {
      const f = (r: number): string => (r === 1 ? 'x1' : `x${(1 / r).toFixed(2)}`);
      const t = (p: number): string => `x${p.toFixed(2)}`;
      const u = zs.used;
      const c = u.call;
      const mib = (b: number): string => `${Math.round(b / 2 ** 20)} MiB`;
      const bySize = zs.diskBySize;
      const readText = bySize?.length
        ? `each weight file's read by the disk curves at its size: ${bySize.map((x) => `${t(x.ratio)} at ${mib(x.bytes)}`).join(', ')}`
        : `each weight file's read ${f(u.disk)} by disk`;
      const sessionText = zs.sessionScale === 1 ? '' : `, the memory each prepared layer session holds ${t(zs.sessionScale)} (intra-op threads)`;
      const swapText = `swap time ${t(zs.swapScale)} (the fault path and a small read)${sessionText}`;
      const noise = "ratios shrunk toward 1 by the probes' noise";
      const widened = zs.intervalWidened ? `; interval widened, sigma ${zs.sigma.toFixed(2)} of ln time` : '';
      const fc = freshCosts(target.fingerprint);
      const floorText = fc
        ? `; each layer's run at least its roofline plus this machine's first accesses (${(fc.weights * 2 ** 20).toFixed(2)} ms per MiB of weights just read, ${(fc.pages * 2 ** 20).toFixed(1)} ms per MiB of fresh output pages)`
        : '';
      effects.push(
        c
          ? `zero-shot scaling applied (${readText}; the rest of each load and each layer's fixed per-call cost by the per-call probe: load ${t(c.load)}, run ${t(c.run)}, unload ${t(c.unload)}; run's roofline part ${f(u.gemm)} by GEMM per thread / ${f(u.mem)} by memory copy${floorText}; ${swapText}; ${noise}${widened})`
          : `zero-shot scaling applied (${readText}, run ${f(u.gemm)} by GEMM per thread for compute / ${f(u.mem)} by memory copy for the rest; ${swapText}; no per-call probe on ${model.callProbe ? 'this machine' : "the model's machine"}, so the rest of each load and each layer's fixed per-call cost are left as on the model's machine${floorText}; ${noise}${widened})`,
      );
    } else {
      const disk = get('diskReadBytesPerSec');
      if (disk?.severity === 'warn' && disk.ratio !== null) {
        effects.push(
          planning && uses.has('diskReadBytesPerSec')
            ? `load times are likely ${slower(disk.ratio)} than predicted (swap time already uses the given disk)`
            : `load and swap times are likely ${slower(disk.ratio)} than predicted`,
        );
      }
      const call = get('callProbe');
      if (call?.severity === 'warn' && call.ratio !== null)
        effects.push(`each layer's fixed per-call cost is likely ${slower(1 / call.ratio)} (per-call probe)`);
      const fresh = get('freshWeights');
      if (fresh?.severity === 'warn' && typeof fresh.here === 'number' && typeof fresh.model !== 'string')
        effects.push(`runs of layers with large weights are likely ${fresh.here > (fresh.model ?? 0) ? 'longer' : 'shorter'} (fresh weights)`);
      const gemm = get('gemmGflops');
      // cores are a model input, but a model fitted on one machine saw one core count: not transferred
      const runFlagged = flagged.some((d) => d.affects.includes('run') && d.part !== 'callProbe' && !(planning && uses.has(d.part) && d.part !== 'cores'));
      if (gemm?.severity === 'warn' && gemm.ratio !== null && !(planning && uses.has('gemmGflops')))
        effects.push(`compute-bound run times are likely ${slower(gemm.ratio)}`);
      else if (runFlagged) effects.push('run times may differ');
    }
    const ram = get('ramBytes');
    if (ram?.severity === 'error')
      effects.push(`the asked memory is more than ${planning ? 'its' : "this machine's"} RAM ${formatBytes(target.fingerprint.ramBytes)}`);
    else if (ram?.severity === 'warn' && !planning)
      effects.push(`--memory none means the model machine's RAM ${formatBytes(model.ramBytes)}, not this machine's`);
    const idle = get('runtimeIdleBytes');
    if (idle?.severity === 'info' && !planning) effects.push('layers start to swap at a different memory');
    const modelLabel = `model fitted on ${model.id} (${modelParts})`;
    warnings.push(`${modelLabel}; ${hereName}${planning ? '' : ` ${target.fingerprint.id}`}: ${hereParts}${effects.length ? `: ${effects.join('; ')}` : ''}`);
    if (planning) {
      const used = [...uses].map((p) => (p === 'diskReadBytesPerSec' && !uses.has('memBandwidthBytesPerSec') ? 'disk (for swap)' : PART_TEXT[p]));
      warnings.push(
        `planning: the prediction takes ${used.join(', ')} from --hardware; everything else is ${model.id}'s; for that machine's own times calibrate there (memlat calibrate) or profile it (memlat profile, memlat fit)`,
      );
    } else {
      warnings.push(
        `to predict for this machine, calibrate it: sudo memlat calibrate --budget 10m (measures a few layers and networks here and installs the adapted model); or profile it fully: memlat profile --out rows.csv; memlat fit --data rows.csv --out model.json; memlat model install model.json (later commands then use it), the surest of the three; scaling by the fingerprint alone is approximate (docs/MODELS.md, zero-shot transfer), so check an answer with memlat run <network> --reps 3; to plan for another machine: --hardware hw.json` +
          (target.measured
            ? ''
            : `; compared CPU, cores and RAM only (memlat hardware measures disk and memory bandwidth, ~10 s, and caches them for this check)`),
      );
    }
  } else if (!target.measured && !planning) {
    warnings.push(
      `this machine matches the model's ${model.id} in CPU, cores and RAM; its disk and memory bandwidth are not measured yet (memlat hardware measures them, ~10 s, and caches them for this check)`,
    );
  }
  const fp = target.fingerprint;
  return {
    modelHardwareId: model.id,
    target: {
      kind: target.kind,
      id: fp.id,
      measured: target.measured,
      path: target.path,
      measuredAt: target.measured ? (fp.measuredAt ?? null) : null,
      sameBoot: target.sameBoot ?? null,
    },
    same: flagged.length === 0,
    differences,
    warnings,
    ...(opts.zeroShot ? { zeroShot: opts.zeroShot } : {}),
  };
}

/** The stderr lines of a check: `memlat: warning: ` when a part is warn/error, else `memlat: note: `. */
export function machineStderr(check: MachineCheck): string {
  if (!check.warnings.length) return '';
  const bad = check.differences.some((d) => d.severity === 'warn' || d.severity === 'error');
  return check.warnings.map((w, i) => `memlat: ${i === 0 ? (bad ? 'warning' : 'note') : 'note'}: ${w}\n`).join('');
}
