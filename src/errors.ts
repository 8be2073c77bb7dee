/**
 * User-facing errors. Anything the user can fix (bad file, bad flag, missing swap) is a UserError:
 * the CLI prints its message on one line (no stack trace) and exits with code 2. Messages name what
 * was wrong, where, and how to fix it: `layers[7] "conv3": kernel 5 exceeds padded input 3x3`.
 */
export class UserError extends Error {
  /** Individual problems when there are several (one line each); `message` joins them. */
  readonly problems: string[];
  readonly exitCode: number;
  /**
   * For errors about arguments (argumentError): the problems again, with each argument named by
   * `name` (the library names the argument, "data"; the CLI its flag, "--data").
   */
  readonly render: ((name: ArgName) => string[]) | undefined;
  constructor(message: string | string[], exitCode = 2, render?: (name: ArgName) => string[]) {
    const problems = Array.isArray(message) ? message : [message];
    super(problems.join('\n'));
    this.name = 'UserError';
    this.problems = problems;
    this.exitCode = exitCode;
    this.render = render;
  }
}

/** How a message names an argument: the library passes the argument name through; the CLI gives its flag. */
export type ArgName = (arg: string) => string;

/**
 * A UserError about the library's arguments. `text(name)` builds the message, calling name('data')
 * wherever it names an argument: the message (and `problems`) say "data ...", and the CLI, which
 * re-renders it with its flag names, says "--data ...". Cost: O(message).
 * @example throw argumentError((n) => `${n('data')} ${path}: no such file`)
 */
export function argumentError(text: (name: ArgName) => string | string[], exitCode = 2): UserError {
  const lines = (name: ArgName): string[] => {
    const t = text(name);
    return Array.isArray(t) ? t : [t];
  };
  return new UserError(
    lines((a) => a),
    exitCode,
    lines,
  );
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
