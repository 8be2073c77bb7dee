/**
 * The CLI's option parsers, one set for every command: whole numbers, sizes, durations, `--dim`, and
 * the flag names the CLI puts on the library's argument errors. A parser takes the flag's text and
 * throws one UserError line naming the flag, the value and the fix.
 *
 * Whole numbers are plain digits only: "8" is 8; "1.5", "1e3", "0x10", "+3", "-1" and "" are refused
 * (a count given as "1e3" is more likely a typo than a wish). Surrounding blanks are ignored.
 */
import { UserError } from '../errors.js';
import { parseBytes, parseDurationMs, parseMemoryLimit } from '../units.js';

function shown(text: string): string {
  return /^\S+$/.test(text) ? text : JSON.stringify(text);
}

/**
 * Parses a whole number of at least `min` (plain digits), naming `flag` in the error.
 * @example parseInteger('8', '--batch') === 8; parseInteger('1e3', '--batch') throws
 */
export function parseInteger(text: string, flag: string, opts: { min?: number; example?: number } = {}): number {
  const min = opts.min ?? 1;
  const t = text.trim();
  const v = Number(t);
  if (!/^\d+$/.test(t) || !Number.isSafeInteger(v) || v < min) {
    const what = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
    throw new UserError(`${flag} ${shown(text)}: must be ${what}, e.g. ${flag} ${opts.example ?? Math.max(min, 5)}`);
  }
  return v;
}

/** A commander parser for a positive integer flag: `.option('--reps <n>', '...', positiveInt('--reps'), 5)`. */
export function positiveInt(flag: string, example?: number): (text: string) => number {
  return (text: string) => parseInteger(text, flag, example === undefined ? {} : { example });
}

/** A positive integer flag that may be absent (undefined stays undefined). */
export function optionalPositiveInt(text: string | undefined, flag: string, example?: number): number | undefined {
  return text === undefined ? undefined : parseInteger(text, flag, example === undefined ? {} : { example });
}

/** A commander parser for a non-negative integer flag (e.g. a seed). */
export function nonNegativeInt(flag: string, example?: number): (text: string) => number {
  return (text: string) => parseInteger(text, flag, { min: 0, ...(example === undefined ? {} : { example }) });
}

/** A size flag ("512MiB", "4GiB", bytes): parseBytes naming the flag. */
export function sizeOption(text: string, flag: string): number {
  return parseBytes(text, flag);
}

/** A memory limit flag: a size, or "none" (null, no limit). */
export function memoryOption(text: string, flag = '--memory'): number | null {
  return parseMemoryLimit(text, flag);
}

/** A duration flag ("200ms", "1.5s", "30m"), in milliseconds. */
export function durationOption(text: string, flag: string): number {
  return parseDurationMs(text, flag);
}

/** A commander collector for repeated `--dim name=size` flags (a positive integer size). */
export function collectDim(text: string, acc: Record<string, number> | undefined): Record<string, number> {
  const m = /^\s*([^=\s]+)\s*=\s*(\d+)\s*$/.exec(text);
  const size = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(size) || size < 1) throw new UserError(`--dim ${shown(text)}: write name=size with a positive size, e.g. --dim sequence=128`);
  return { ...acc, [m[1] as string]: size };
}

/**
 * The library's argument names whose flag is not simply the kebab-case name (and the settings
 * profile names as name=value when a resumed dataset was made with other ones).
 */
const FLAG_OF: Record<string, string> = {
  kind: '--model',
  maxTensorBytes: '--max-layer-size',
  minTensorBytes: '--min-layer-size',
  chunkSize: '--chunk',
  everySec: '--every',
  'unlimited=false': '--no-unlimited',
  'unlimited=true': '(without --no-unlimited)',
};

/**
 * The flag of a library argument: "seqLen" -> "--seq-len", "kind" -> "--model" (fit's model kind);
 * a name that already is a flag stays. How the CLI renders the library's argument errors.
 */
export function flagName(arg: string): string {
  if (arg.startsWith('-')) return arg;
  return FLAG_OF[arg] ?? `--${arg.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * Wraps a command's action so the library's argument errors name the CLI's flags ("data" ->
 * "--data", flagName): the one place where the CLI renames them. Every command's action goes
 * through it, so the error a command throws already speaks of flags.
 */
export function withFlagNames<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (e) {
      if (e instanceof UserError && e.render) throw new UserError(e.render(flagName), e.exitCode);
      throw e;
    }
  };
}
