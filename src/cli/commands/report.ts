/**
 * `memlat report [--data rows.csv] [--model default] [--network vgg16] [--memory 512MiB]
 * [--points 50] [--out report.html]`: one self-contained HTML page with the model's predicted-vs-
 * measured scatter and error by memory level on a dataset, and a network's per-layer breakdown and
 * latency-vs-memory curve (the library's report, src/api.ts; src/report/report.ts). Never loads onnxruntime.
 */
import type { Command } from 'commander';
import { memoryOption, positiveInt, withFlagNames } from '../options.js';
import { addModelOptions, networkOptions, type ModelFlags } from './predict.js';

interface ReportFlags extends ModelFlags {
  data?: string;
  network: string;
  memory: string;
  points: number;
  out: string;
}

/** Registers `memlat report`. */
export function register(program: Command): void {
  const cmd = program
    .command('report')
    .description("write one self-contained HTML report: predicted vs measured, error by memory, a network's breakdown and curve")
    .option('--data <rows.csv>', 'a dataset (memlat profile / import) to score the model on');
  addModelOptions(cmd)
    .option('--network <network>', 'network for the breakdown and the curve (zoo name or file)', 'vgg16')
    .option('--memory <size>', 'available memory for the breakdown, or "none"', '512MiB')
    .option('--points <n>', 'points of the latency-vs-memory curve', positiveInt('--points'), 50)
    .option('--out <file>', 'where to write the HTML', 'report.html')
    .action(
      withFlagNames(async (flags: ReportFlags) => {
        const { checkOutputFile, report } = await import('../../api.js');
        const { formatBytes } = await import('../../units.js');
        checkOutputFile(flags.out, '--out', 'report.html');
        const memoryBytes = memoryOption(flags.memory, '--memory');
        const { html } = await report({
          ...networkOptions(flags),
          network: flags.network,
          memory: memoryBytes,
          points: flags.points,
          out: flags.out,
          ...(flags.data !== undefined ? { data: flags.data } : {}),
        });
        process.stderr.write(`memlat report: wrote ${flags.out} (${formatBytes(Buffer.byteLength(html))})\n`);
      }),
    );
}
