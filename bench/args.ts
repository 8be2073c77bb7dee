/**
 * Command-line flags of the bench scripts (`node dist/bench/<name>.js --model x.json ...`), shared so
 * each script reads them the same way.
 */
const argv = process.argv.slice(2);

/** The value after `--name`, else `dflt`. */
export function flag(name: string, dflt: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
}

/** Whether `--name` is given (a switch without a value). */
export function hasFlag(name: string): boolean {
  return argv.includes(`--${name}`);
}
