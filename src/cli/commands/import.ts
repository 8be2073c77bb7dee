/**
 * `memlat import edgecaffe <dir> --out rows.csv`: EdgeCaffe profiles -> dataset rows (+ fingerprint
 * and the memory.csv pipeline table beside them). `memlat export --parquet out.parquet --data rows.csv`:
 * a dataset as Parquet for pandas/duckdb. Thin: the work is in src/dataset and
 * src/dataset/files.ts (loaded lazily).
 */
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { checkOutputFile } from '../../units.js';

/** Register `memlat import` and `memlat export`. */
export function register(program: Command): void {
  const imp = program.command('import').description('convert foreign profiles into memlat dataset rows');
  imp
    .command('edgecaffe')
    .description('import EdgeCaffe layer profiles (linear-*.csv runs, description.yaml means, memory.csv)')
    .argument('<dir>', 'EdgeCaffe folder holding <Network>/description.yaml and profiles/ (e.g. data/edgecaffe)')
    .requiredOption('--out <file>', 'dataset to write (.csv or .csv.gz); replaced if it exists')
    .option('--no-means', 'leave out the networks that only have description.yaml means (source edgecaffe-mean)')
    .action(async (dir: string, o: { out: string; means: boolean }) => {
      checkOutputFile(o.out, '--out', 'rows.csv');
      if (!/\.csv(\.gz)?$/i.test(o.out)) throw new UserError(`--out ${o.out}: must end in .csv or .csv.gz`);
      const files = await import('../../dataset/files.js');
      const { EDGECAFFE_HARDWARE } = await import('../../dataset/edgecaffe.js');
      const res = await files.readEdgecaffeDir(dir);
      const rows = o.means ? res.rows : res.rows.filter((r) => r.source !== 'edgecaffe-mean');
      await files.writeDataset(o.out, rows, { hardware: [EDGECAFFE_HARDWARE] });
      if (res.pipeline.length) await files.writePipelineRuns(files.pipelinePathFor(o.out), res.pipeline);
      for (const n of res.networks) {
        if (!o.means && n.source === 'edgecaffe-mean') continue;
        const skipped = Object.entries(n.unmatched).map(([k, v]) => `${k} x${v}`).join(', ');
        process.stderr.write(`${n.network.padEnd(11)} ${String(n.rows).padStart(5)} rows (${n.source})${skipped ? `; no memlat layer for: ${skipped}` : ''}\n`);
        for (const w of n.warnings) process.stderr.write(`  warning: ${w}\n`);
      }
      process.stderr.write(`${rows.length} rows -> ${o.out}; fingerprint -> ${files.hardwarePathFor(o.out)}` +
        (res.pipeline.length ? `; pipeline table (${res.pipeline.length} runs) -> ${files.pipelinePathFor(o.out)}` : '') + '\n');
    });

  program
    .command('export')
    .description('write a dataset in another format (Parquet, readable by pandas and duckdb)')
    .requiredOption('--data <file>', 'dataset to read (.csv or .csv.gz)')
    .requiredOption('--parquet <file>', 'Parquet file to write')
    .action(async (o: { data: string; parquet: string }) => {
      checkOutputFile(o.parquet, '--parquet', 'rows.parquet');
      const files = await import('../../dataset/files.js');
      const { rows } = await files.readDataset(o.data);
      await files.writeParquet(o.parquet, rows);
      process.stderr.write(`${rows.length} rows -> ${o.parquet}\n`);
    });
}
