/**
 * Finds and reads the model bundle a command's `--model` names: a bundled name (a file
 * data/models/<name>.json shipped with the package, e.g. "default") or a path to a bundle or model
 * file written by `memlat fit`. The only model-bundle code that touches the file system; checking
 * and loading is the pure src/predict/bundle.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HardwareFingerprint } from '../dataset/schema.js';
import { argumentError, UserError } from '../errors.js';
import { hardwareProblems, loadBundle, type LoadedBundle } from './bundle.js';

/** The package's data/models directory (found from this file, so it works from src/ and dist/). */
export function bundledModelsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'data', 'models');
    const up = dirname(dir);
    if (up === dir) return join(dirname(fileURLToPath(import.meta.url)), 'data', 'models');
    dir = up;
  }
}

/** Names of the bundled models (data/models/*.json without the extension), sorted. */
export function bundledModelNames(dir = bundledModelsDir()): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

function looksLikePath(arg: string): boolean {
  return /[/\\]/.test(arg) || /\.json$/i.test(arg);
}

/**
 * The file `--model <arg>` means: an existing path as given, else a bundled name. Throws UserError
 * for a missing path or an unknown name, listing the bundled names. Cost: a few stat calls.
 */
export function resolveModelPath(arg: string, dir = bundledModelsDir()): string {
  if (looksLikePath(arg)) {
    if (existsSync(arg)) return arg;
    throw argumentError((n) => `${n('model')} ${arg}: no such file; give a model file written by 'memlat fit' or a bundled name (${namesText(dir)})`);
  }
  const p = join(dir, `${arg}.json`);
  if (existsSync(p)) return p;
  if (existsSync(arg)) return arg;
  throw argumentError(
    (n) =>
      `${n('model')} ${arg}: not a file and not a bundled model (${namesText(dir)}); fit one with 'memlat fit --data rows.csv --out model.json' and pass ${n('model')} model.json`,
  );
}

function namesText(dir: string): string {
  const names = bundledModelNames(dir);
  return names.length ? `bundled: ${names.join(', ')}` : 'no bundled models are installed';
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw argumentError((n) => `${n(what)} ${path}: cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}); check the path and its permissions`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UserError(`invalid model file ${path}: not valid JSON (${(e as Error).message}); pass a file written by 'memlat fit'`);
  }
}

/**
 * Reads a hardware fingerprint file: one fingerprint object, or a dataset's `.hardware.json` array
 * holding exactly one. Throws UserError otherwise.
 */
export function readHardwareFile(path: string): HardwareFingerprint {
  const v = readJson(path, 'hardware');
  const list = Array.isArray(v) ? (v as unknown[]) : [v];
  if (list.length !== 1)
    throw argumentError(
      (n) => `${n('hardware')} ${path}: holds ${list.length} fingerprints; give a file with exactly one (e.g. from 'memlat hardware --json')`,
    );
  const problems = hardwareProblems(list[0], 'fingerprint');
  if (problems.length) throw argumentError((n) => problems.map((p) => `${n('hardware')} ${path}: ${p}`));
  return list[0] as HardwareFingerprint;
}

/**
 * Reads and loads the bundle `--model <arg>` names (see resolveModelPath); `hardwarePath` pairs a
 * bare model with a fingerprint file. Cost: one small file read + loadModel.
 * @example const b = readModelBundle('default'); predictNetwork(rn, 512 * 2 ** 20, b)
 */
export function readModelBundle(arg: string, opts: { hardwarePath?: string; dir?: string } = {}): LoadedBundle {
  const path = resolveModelPath(arg, opts.dir);
  const json = readJson(path, 'model');
  const b = loadBundle(json, opts.hardwarePath === undefined ? { path } : { path, hardware: readHardwareFile(opts.hardwarePath) });
  return { ...b, label: arg };
}
