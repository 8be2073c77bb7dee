/**
 * `memlat describe <network> [--batch N] [--seq-len N] [--dim name=size] [--allow-unknown-ops] [--json]`:
 * a network's layers with output shapes, parameters, MACs, weight and working-set sizes, and totals.
 * `--json` prints the stable document described in docs/NETWORK-FORMAT.md ("memlat describe --json").
 */
import type { Command } from 'commander';
import { collectDim, positiveInt, withFlagNames } from '../options.js';

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
    .description("List a network's layers: output shape, params, MACs, weight MiB, working set MiB, with totals")
    .argument('<network>', 'a zoo name (e.g. resnet50, bert-base) or a path to a .json, .onnx or .prototxt file (- reads stdin)')
    .option('--batch <n>', 'batch size (dimension 0 of every input)', positiveInt('--batch', 8))
    .option('--seq-len <n>', 'sequence length of transformer networks (zoo bert-base; ONNX inputs with a symbolic sequence dim)', positiveInt('--seq-len', 128))
    .option('--dim <name=size>', 'size of a symbolic ONNX input dimension (repeatable)', collectDim)
    .option('--allow-unknown-ops', 'ONNX: keep unsupported ops as opaque layers (with a warning) instead of failing')
    .option('--json', 'print machine-readable JSON: { name, totals, layers } (see docs/NETWORK-FORMAT.md)')
    .action(
      withFlagNames(async (networkArg: string, flags: DescribeFlags) => {
        const { describeWithTable, describeJsonText } = await import('../../api.js');
        const { doc, table } = await describeWithTable(networkArg, {
          ...(flags.batch !== undefined ? { batch: flags.batch } : {}),
          ...(flags.seqLen !== undefined ? { seqLen: flags.seqLen } : {}),
          ...(flags.allowUnknownOps === true ? { allowUnknownOps: true } : {}),
          ...(flags.dim && Object.keys(flags.dim).length > 0 ? { dims: flags.dim } : {}),
          onWarning: (w) => process.stderr.write(`memlat: warning: ${w}\n`),
        });
        process.stdout.write(flags.json === true ? describeJsonText(doc) : table);
      }),
    );
}
