/**
 * User-facing errors. Anything the user can fix (bad file, bad flag, missing swap) is a UserError:
 * the CLI prints its message on one line (no stack trace) and exits with code 2. Messages name what
 * was wrong, where, and how to fix it: `layers[7] "conv3": kernel 5 exceeds padded input 3x3`.
 */
export class UserError extends Error {
  /** Individual problems when there are several (one line each); `message` joins them. */
  readonly problems: string[];
  readonly exitCode: number;
  constructor(message: string | string[], exitCode = 2) {
    const problems = Array.isArray(message) ? message : [message];
    super(problems.join('\n'));
    this.name = 'UserError';
    this.problems = problems;
    this.exitCode = exitCode;
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
