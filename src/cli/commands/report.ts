/**
 * `memlat report [--data rows.csv] [--model default] [--network vgg16] [--memory 512MiB]
 * [--points 50] [--out report.html]`: one self-contained HTML page with the model's predicted-vs-
 * measured scatter and error by memory level on a dataset, and a network's per-layer breakdown and
 * latency-vs-memory curve (src/report/report.ts). Never loads onnxruntime.
 */
import type { Command } from 'commander';
import { addModelOptions, loadNetworkAndBundle, positiveInt, type ModelFlags } from './predict.js';

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
    .description('write one self-contained HTML report: predicted vs measured, error by memory, a network\'s breakdown and curve')
    .option('--data <rows.csv>', 'a dataset (memlat profile / import) to score the model on');
  addModelOptions(cmd)
    .option('--network <network>', 'network for the breakdown and the curve (zoo name or file)', 'vgg16')
    .option('--memory <size>', 'available memory for the breakdown, or "none"', '512MiB')
    .option('--points <n>', 'points of the latency-vs-memory curve', positiveInt('--points'), 50)
    .option('--out <file>', 'where to write the HTML', 'report.html')
    .action(async (flags: ReportFlags) => {
      const { parseMemoryLimit, formatBytes, checkOutputFile } = await import('../../units.js');
      checkOutputFile(flags.out, '--out', 'report.html');
      const memoryBytes = parseMemoryLimit(flags.memory, '--memory');
      const { rn, bundle, choice } = await loadNetworkAndBundle(flags.network, flags);
      const { predictNetwork, prepareNetwork } = await import('../../predict/predict.js');
      const { latencyCurve } = await import('../../predict/curve.js');
      const { evaluateOnObservations, reportHtml } = await import('../../report/report.js');
      const prepared = prepareNetwork(rn, bundle);
      const prediction = predictNetwork(rn, memoryBytes, bundle, { prepared });
      const toBytes = Math.max(bundle.hardware.ramBytes, Math.round(prepared.noSwapMemoryBytes * 1.5));
      const curve = latencyCurve(rn, bundle, { fromBytes: 64 * 2 ** 20, toBytes, points: flags.points }, prepared);
      let evaluation = null;
      if (flags.data !== undefined) {
        const { readDataset } = await import('../../dataset/files.js');
        const { aggregateRows } = await import('../../models/observations.js');
        const { rows, hardware } = await readDataset(flags.data);
        const hw = new Map(hardware.map((h) => [h.id, h] as const));
        if (!hw.has(bundle.hardware.id)) hw.set(bundle.hardware.id, bundle.hardware);
        evaluation = { dataPath: flags.data, result: evaluateOnObservations(bundle.model, aggregateRows(rows, hw)) };
      }
      const html = reportHtml({ bundle, modelArg: choice.arg, evaluation, prediction, curve, generatedAt: new Date().toISOString() });
      const { writeFileAtomic } = await import('../../dataset/files.js');
      await writeFileAtomic(flags.out, html);
      process.stderr.write(`memlat report: wrote ${flags.out} (${formatBytes(Buffer.byteLength(html))})\n`);
    });
}
