/**
 * Runs the CLI in-process (runCli) and captures what it writes. Only string writes are captured:
 * the node:test runner reports through stdout as binary chunks, and those are passed on.
 */
import { runCli } from '../../src/cli/main.js';

export async function captureCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = (s: string | Uint8Array, ...rest: never[]) => (typeof s === 'string' ? ((out += s), true) : ow(s, ...rest));
  process.stderr.write = (s: string | Uint8Array, ...rest: never[]) => (typeof s === 'string' ? ((err += s), true) : ew(s, ...rest));
  try {
    const code = await runCli(['node', 'memlat', ...argv]);
    return { code, out, err };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
}
