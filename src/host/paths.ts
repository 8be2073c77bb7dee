/**
 * Checks of output paths on this machine's file system, before any work is done: the file or folder
 * a command will write must be nameable, its folder must exist and be writable. Edge (stats paths).
 * `field` is the argument that named the path ("out"): errors name it, and the CLI its flag (--out).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { argumentError } from '../errors.js';

function isDir(path: string): boolean | null {
  try {
    return statSync(path).isDirectory();
  } catch {
    return null; // absent
  }
}

function writable(path: string): string | null {
  try {
    accessSync(path, constants.W_OK);
    return null;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'not writable';
  }
}

/**
 * Checks an output file path before any work: not a folder, its folder exists and both are
 * writable. Throws one UserError line naming the value and the fix. `example` is a file name to
 * suggest when a folder was given. Cost: a few stat/access calls.
 */
export function checkOutputFile(path: string, field: string, example = 'out'): void {
  if (path.endsWith('/') || isDir(path) === true) {
    throw argumentError((n) => `${n(field)} ${path}: is a folder; name a file in it, e.g. ${n(field)} ${join(path, example)}`);
  }
  const parent = dirname(resolve(path));
  const p = isDir(parent);
  if (p === null)
    throw argumentError((n) => `${n(field)} ${path}: folder ${parent} does not exist; create it (mkdir -p ${parent}) or choose another ${n(field)}`);
  if (p === false) throw argumentError((n) => `${n(field)} ${path}: ${parent} is not a folder; choose another ${n(field)}`);
  const ro = writable(parent);
  if (ro !== null) throw argumentError((n) => `${n(field)} ${path}: folder ${parent} is not writable (${ro}); choose a writable location for ${n(field)}`);
  if (isDir(path) === false && writable(path) !== null) {
    throw argumentError((n) => `${n(field)} ${path}: the file is read-only (${writable(path)}); make it writable (chmod u+w) or choose another ${n(field)}`);
  }
}

/**
 * Checks an output folder (created if absent): not a file, its parent exists, writable.
 * Throws one UserError line naming the value and the fix. Cost: a few stat/access calls.
 */
export function checkOutputDir(path: string, field: string): void {
  const d = isDir(path);
  if (d === false) throw argumentError((n) => `${n(field)} ${path}: is a file, not a folder; name a folder, e.g. ${n(field)} ${dirname(path)}/validation/`);
  if (d === null) {
    const parent = dirname(resolve(path));
    if (isDir(parent) !== true)
      throw argumentError((n) => `${n(field)} ${path}: folder ${parent} does not exist; create it (mkdir -p ${parent}) or choose another ${n(field)}`);
    const ro = writable(parent);
    if (ro !== null) throw argumentError((n) => `${n(field)} ${path}: folder ${parent} is not writable (${ro}); choose a writable location for ${n(field)}`);
    return;
  }
  const ro = writable(path);
  if (ro !== null) throw argumentError((n) => `${n(field)} ${path}: folder is not writable (${ro}); choose a writable location for ${n(field)}`);
}
