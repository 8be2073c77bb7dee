/**
 * Per-user files: the model later commands use without `--model`, and the cached hardware
 * fingerprint of this machine that `predict`, `curve` and `min-memory` compare the model's with.
 *
 * - Which model: `--model`, else $MEMLAT_MODEL (a bundled name or a file), else the per-user model
 *   file ($XDG_CONFIG_HOME/memlat/model.json, or ~/.config/memlat/model.json), else the bundled
 *   `default` (chooseModel). `memlat model install <file>` writes the per-user file (installModel).
 * - This machine: `memlat hardware` stores what it measured in $MEMLAT_CACHE/hardware.json (or
 *   ~/.cache/memlat/hardware.json), valid while the CPU model, cores, RAM (whole GiB) and hostname
 *   stay the same; without it only those cheap parts are known (thisMachine).
 *
 * Never loads onnxruntime: the prediction path imports this.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { arch, cpus, homedir, hostname, totalmem } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import type { HardwareFingerprint } from '../dataset/schema.js';
import { fingerprintId, unmeasuredFingerprint } from '../dataset/fingerprint.js';
import { isUserError, UserError } from '../errors.js';
import { hardwareProblems, loadBundle, type LoadedBundle } from './bundle.js';
import { checkMachine, fingerprintPartsUsed, type MachineCheck, type MachineTarget } from './machine.js';
import { readModelBundle, resolveModelPath } from './model-bundle.js';
import { bundleOn, transferBundle } from './zero-shot.js';

/** Where the per-user files are looked up: the environment and the home folder (tests pass their own). */
export interface UserEnv {
  env?: NodeJS.ProcessEnv;
  home?: string;
}

function envOf(u: UserEnv): { env: NodeJS.ProcessEnv; home: string } {
  return { env: u.env ?? process.env, home: u.home ?? homedir() };
}

/**
 * The per-user model file: $XDG_CONFIG_HOME/memlat/model.json when XDG_CONFIG_HOME is an absolute
 * path (the XDG spec ignores relative ones), else <home>/.config/memlat/model.json. Cost O(1).
 */
export function userModelPath(u: UserEnv = {}): string {
  const { env, home } = envOf(u);
  const xdg = env.XDG_CONFIG_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(home, '.config'), 'memlat', 'model.json');
}

/** The per-user cache folder: $MEMLAT_CACHE, else <home>/.cache/memlat (as the weight cache). */
export function userCacheDir(u: UserEnv = {}): string {
  const { env, home } = envOf(u);
  return env.MEMLAT_CACHE || join(home, '.cache', 'memlat');
}

/** The cached fingerprint of this machine: <cache>/hardware.json. */
export function hardwareCachePath(u: UserEnv = {}): string {
  return join(userCacheDir(u), 'hardware.json');
}

/** Where the model a command uses came from. */
export type ModelSource = 'flag' | 'env' | 'user' | 'bundled';

/** The model a command uses and why. */
export interface ModelChoice {
  /** What names it in output (`model` in the JSON): the --model/MEMLAT_MODEL value, the user file's path, or "default". */
  arg: string;
  /** The file read. */
  path: string;
  /** flag: --model; env: $MEMLAT_MODEL; user: the per-user model file; bundled: data/models/default.json. */
  source: ModelSource;
}

/**
 * Resolves the model: `flag` (--model), else $MEMLAT_MODEL, else the per-user model file when it
 * exists, else the bundled "default". Throws UserError for a --model or MEMLAT_MODEL that names
 * nothing. Cost: a few stat calls.
 * @example chooseModel(undefined) // { arg: 'default', path: '.../data/models/default.json', source: 'bundled' }
 */
export function chooseModel(flag: string | undefined, u: UserEnv & { modelsDir?: string } = {}): ModelChoice {
  const { env } = envOf(u);
  if (flag !== undefined) return { arg: flag, path: resolveModelPath(flag, u.modelsDir), source: 'flag' };
  const fromEnv = env.MEMLAT_MODEL;
  if (fromEnv) {
    try {
      return { arg: fromEnv, path: resolveModelPath(fromEnv, u.modelsDir), source: 'env' };
    } catch (e) {
      if (isUserError(e))
        throw new UserError(
          e.problems.map((p) => p.replace(/^model /, 'MEMLAT_MODEL=').replace(/ and pass model .*$/, ' and set MEMLAT_MODEL to it (or unset it)')),
        );
      throw e;
    }
  }
  const user = userModelPath(u);
  if (existsSync(user)) return { arg: user, path: user, source: 'user' };
  return { arg: 'default', path: resolveModelPath('default', u.modelsDir), source: 'bundled' };
}

/**
 * Reads the chosen model: chooseModel then readModelBundle, then the zero-shot transfer
 * (src/predict/zero-shot.ts) when the model predicts for another machine: `hardwarePath` with a
 * bundle (planning for that machine), or this machine's measured fingerprint (`here`, default
 * thisMachine()) differing from the model's in a rate beyond RATE_TOLERANCE, except for a calibrated
 * model of this machine (same id: `memlat calibrate` fitted it here). `zeroShot: false` turns the
 * transfer off (the bundle as fitted).
 */
export function readChosenModel(
  flag: string | undefined,
  opts: UserEnv & { hardwarePath?: string; modelsDir?: string; here?: MachineTarget; zeroShot?: boolean } = {},
): { bundle: LoadedBundle; choice: ModelChoice } {
  const choice = chooseModel(flag, opts);
  let bundle: LoadedBundle = {
    ...readModelBundle(choice.path, { ...(opts.hardwarePath !== undefined ? { hardwarePath: opts.hardwarePath } : {}) }),
    label: choice.arg,
  };
  if (opts.zeroShot !== false) {
    const fitted = bundle.fittedOn ?? bundle.hardware;
    if (opts.hardwarePath !== undefined && fitted !== bundle.hardware) bundle = transferBundle(bundle, bundle.hardware);
    else if (opts.hardwarePath === undefined) {
      const here = opts.here ?? thisMachine(opts);
      // A calibrated model of this very machine (`memlat calibrate`) already describes it: no transfer on top.
      const calibratedHere = bundle.model.kind === 'calibrated' && fitted.id === here.fingerprint.id;
      if (here.measured && !calibratedHere) bundle = bundleOn(bundle, here.fingerprint);
    }
  }
  return { bundle, choice };
}

/**
 * Copies a bundle written by `memlat fit` to the per-user model location (atomically: a temporary
 * file renamed over it), after checking it loads. A bare model (no hardware) is refused. Returns the
 * path written and the model's kind and hardware id. Cost: one small read and write.
 */
export function installModel(file: string, u: UserEnv = {}): { path: string; kind: string; hardwareId: string } {
  if (!existsSync(file)) throw new UserError(`model install ${file}: no such file; give a model bundle written by 'memlat fit --out model.json'`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (e) {
    throw new UserError(
      `invalid model file ${file}: ${e instanceof SyntaxError ? `not valid JSON (${e.message})` : String(e)}; pass a file written by 'memlat fit'`,
    );
  }
  if (typeof json === 'object' && json !== null && (json as { name?: unknown }).name === 'memlat-model') {
    throw new UserError(
      `model install ${file}: a bare model has no hardware fingerprint; install a bundle ('memlat fit' writes one when the data comes from one machine)`,
    );
  }
  const b = loadBundle(json, { path: file });
  const path = userModelPath(u);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(b.bundle, null, 2)}\n`);
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
  return { path, kind: b.model.kind, hardwareId: b.hardware.id };
}

/** This machine's cheap parts (CPU model, cores, RAM; the measured parts null), as measureHardware's quick mode. */
export function cheapFingerprint(): HardwareFingerprint {
  const list = cpus();
  const cpuModel = list[0]?.model.trim() ?? 'unknown';
  const ramBytes = totalmem();
  return unmeasuredFingerprint({ id: fingerprintId(cpuModel, list.length, ramBytes, arch()), cpuModel, cores: list.length, ramBytes });
}

function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** What the cache file adds to the fingerprint (so the file is itself a valid --hardware file). */
interface CacheStamp {
  hostname: string;
  bootId: string | null;
  cachedAt: string;
}

/**
 * Stores a measured fingerprint of this machine in the per-user cache (atomically), stamped with
 * the hostname and boot id. `memlat hardware` calls it after measuring. Returns the path.
 */
export function writeCachedFingerprint(fp: HardwareFingerprint, u: UserEnv = {}): string {
  // An emulated machine's fingerprint (MEMLAT_EMULATE) goes beside, never over, this machine's own.
  const path = fp.emulation ? hardwareCachePath(u).replace(/\.json$/, `.${fp.id}.json`) : hardwareCachePath(u);
  mkdirSync(dirname(path), { recursive: true });
  const stamp: CacheStamp = { hostname: hostname(), bootId: bootId(), cachedAt: new Date().toISOString() };
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify({ ...fp, cache: stamp }, null, 2)}\n`);
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
  return path;
}

/**
 * The cached fingerprint when it describes this machine: same id (CPU model, cores, RAM in whole
 * GiB) and hostname as now. Null when there is none, it is unreadable, or it is another machine's.
 * `sameBoot` says whether it was measured since the last boot (null when unknown). Cost: one read.
 */
export function readCachedFingerprint(
  u: UserEnv = {},
  now: HardwareFingerprint = cheapFingerprint(),
): { fingerprint: HardwareFingerprint; path: string; sameBoot: boolean | null } | null {
  const path = hardwareCachePath(u);
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return null;
  }
  if (hardwareProblems(v, 'cache').length) return null;
  const { cache, ...fp } = v as HardwareFingerprint & { cache?: Partial<CacheStamp> };
  if (fp.id !== now.id || fp.cores !== now.cores || cache?.hostname !== hostname()) return null;
  const boot = bootId();
  return { fingerprint: fp, path, sameBoot: boot === null || typeof cache.bootId !== 'string' ? null : cache.bootId === boot };
}

/** This machine as a comparison target: the cached measured fingerprint, else the cheap parts. */
export function thisMachine(u: UserEnv = {}): MachineTarget {
  const now = cheapFingerprint();
  const cached = readCachedFingerprint(u, now);
  if (cached) return { fingerprint: cached.fingerprint, kind: 'this-machine', measured: true, path: cached.path, sameBoot: cached.sameBoot };
  return { fingerprint: now, kind: 'this-machine', measured: false, path: null };
}

/**
 * The machine check of a prediction with `bundle`: with `hardwarePath` and a bundle carrying its
 * own fingerprint, the model's machine against that file (planning for another machine; this
 * machine does not matter); otherwise the model's machine (a bare model's is the --hardware file)
 * against this one (`here`, default thisMachine()). Cost: at most one small read.
 */
export function predictionMachine(
  bundle: LoadedBundle,
  opts: UserEnv & { hardwarePath?: string; memoryBytes?: number | null; here?: MachineTarget } = {},
): MachineCheck {
  const fitted = bundle.fittedOn ?? bundle.hardware;
  const planning = opts.hardwarePath !== undefined && fitted !== bundle.hardware;
  const target: MachineTarget = planning
    ? { fingerprint: bundle.hardware, kind: 'hardware-file', measured: bundle.hardware.diskReadBytesPerSec != null, path: opts.hardwarePath! }
    : (opts.here ?? thisMachine(opts));
  const uses = fingerprintPartsUsed(bundle.bundle.model);
  if (bundle.zeroShot) for (const p of ['diskReadBytesPerSec', 'memBandwidthBytesPerSec', 'gemmGflops'] as const) uses.add(p);
  return checkMachine(fitted, target, {
    ...(opts.memoryBytes !== undefined ? { memoryBytes: opts.memoryBytes } : {}),
    modelUses: uses,
    ...(bundle.zeroShot ? { zeroShot: bundle.zeroShot } : {}),
  });
}
