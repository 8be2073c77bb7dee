/**
 * `memlat describe <network> [--batch N] [--seq-len N] [--dim name=size] [--allow-unknown-ops] [--json]`:
 * a network's layers with output shapes, parameters, MACs, weight and working-set sizes, and totals.
 * `--json` prints the stable document described in docs/NETWORK-FORMAT.md ("memlat describe --json").
 */
import type { Command } from 'commander';
import { UserError } from '../../errors.js';

/** Parses a positive integer flag value, naming the flag in the error. */
export function parsePositiveInt(flag: string): (text: string) => number {
  return (text: string) => {
    const v = Number(text);
    if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(v) || v < 1) {
      throw new UserError(`${flag} ${JSON.stringify(text)}: must be a positive integer, e.g. ${flag} 8`);
    }
    return v;
  };
}

/** Collects repeated `--dim name=size` flags into a record. */
function collectDim(text: string, acc: Record<string, number> | undefined): Record<string, number> {
  const m = /^\s*([^=\s]+)\s*=\s*(\d+)\s*$/.exec(text);
  const size = m ? Number(m[2]) : NaN;
  if (!m || !(size >= 1)) throw new UserError(`--dim ${JSON.stringify(text)}: write name=size with a positive size, e.g. --dim sequence=128`);
  return { ...acc, [m[1] as string]: size };
}

interface DescribeFlags {
  batch?: number;
  seqLen?: number;
  dim?: Record<string, number>;
  allowUnknownOps?: boolean;
  json?: boolean;
}

/** Registers `describe` on the program. */
export function register(program: Command): void {
  program
    .command('describe')
    .description('List a network\'s layers: output shape, params, MACs, weight MiB, working set MiB, with totals')
    .argument('<network>', 'a zoo name (e.g. resnet50, bert-base) or a path to a .json, .onnx or .prototxt file (- reads stdin)')
    .option('--batch <n>', 'batch size (dimension 0 of every input)', parsePositiveInt('--batch'))
    .option('--seq-len <n>', 'sequence length of transformer networks (zoo bert-base; ONNX inputs with a symbolic sequence dim)', parsePositiveInt('--seq-len'))
    .option('--dim <name=size>', 'size of a symbolic ONNX input dimension (repeatable)', collectDim)
    .option('--allow-unknown-ops', 'ONNX: keep unsupported ops as opaque layers (with a warning) instead of failing')
    .option('--json', 'print machine-readable JSON: { name, totals, layers } (see docs/NETWORK-FORMAT.md)')
    .action(async (networkArg: string, flags: DescribeFlags) => {
      const { loadNetwork } = await import('../../network/load.js');
      const { resolveNetwork } = await import('../../network/shapes.js');
      const { describeJsonText, describeNetwork, describeTable } = await import('../../features/describe.js');
      const opts: Parameters<typeof loadNetwork>[1] = {};
      if (flags.batch !== undefined) opts.batch = flags.batch;
      if (flags.seqLen !== undefined) opts.seqLen = flags.seqLen;
      if (flags.allowUnknownOps === true) opts.allowUnknownOps = true;
      if (flags.dim && Object.keys(flags.dim).length > 0) opts.dims = flags.dim;
      const { network, warnings } = await loadNetwork(networkArg, opts);
      for (const w of warnings) process.stderr.write(`memlat: warning: ${w}\n`);
      let rn;
      try {
        rn = resolveNetwork(network);
      } catch (e) {
        if (e instanceof UserError && !e.problems.every((p) => p.startsWith(networkArg))) {
          throw new UserError(e.problems.map((p) => `${networkArg}: ${p}`));
        }
        throw e;
      }
      const doc = describeNetwork(rn);
      process.stdout.write(flags.json === true ? describeJsonText(doc) : describeTable(doc, rn));
    });
}
