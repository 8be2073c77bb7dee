/**
 * `memlat import edgecaffe <dir> --out rows.csv`: EdgeCaffe profiles -> dataset rows (+ fingerprint
 * and the memory.csv pipeline table beside them). `memlat import csv <file> --map ... --networks ...
 * --out rows.csv`: any engine's per-layer timings (api.importCsv, src/dataset/csv-import.ts). `memlat export --parquet out.parquet --data rows.csv`:
 * a dataset as Parquet for pandas/duckdb. Thin: the work is the library's importEdgecaffe, importCsv
 * and exportParquet (src/api-tools.ts, src/api.ts).
 */
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { checkOutputFile } from '../../api-tools.js';
import { optionalPositiveInt, withFlagNames } from '../options.js';

/** Register `memlat import` and `memlat export`. */
export function register(program: Command): void {
  const imp = program.command('import').description('convert foreign profiles into memlat dataset rows');
  imp
    .command('edgecaffe')
    .description('import EdgeCaffe layer profiles (linear-*.csv runs, description.yaml means, memory.csv)')
    .argument('<dir>', 'EdgeCaffe folder holding <Network>/description.yaml and profiles/ (e.g. data/edgecaffe)')
    .requiredOption('--out <file>', 'dataset to write (.csv or .csv.gz); replaced if it exists')
    .option('--no-means', 'leave out the networks that only have description.yaml means (source edgecaffe-mean)')
    .action(
      withFlagNames(async (dir: string, o: { out: string; means: boolean }) => {
        checkOutputFile(o.out, '--out', 'rows.csv');
        const { importEdgecaffe } = await import('../../api-tools.js');
        const res = await importEdgecaffe(dir, { out: o.out, means: o.means });
        for (const n of res.networks) {
          const skipped = Object.entries(n.unmatched)
            .map(([k, v]) => `${k} x${v}`)
            .join(', ');
          process.stderr.write(
            `${n.network.padEnd(11)} ${String(n.rows).padStart(5)} rows (${n.source})${skipped ? `; no memlat layer for: ${skipped}` : ''}\n`,
          );
          for (const w of n.warnings) process.stderr.write(`  warning: ${w}\n`);
        }
        process.stderr.write(
          `${res.rows} rows -> ${o.out}; fingerprint -> ${res.hardwarePath}` +
            (res.pipelinePath !== null ? `; pipeline table (${res.pipelineRuns} runs) -> ${res.pipelinePath}` : '') +
            '\n',
        );
      }),
    );

  imp
    .command('csv')
    .description('import per-layer timings from any engine (a CSV with a column map) as a dataset memlat fits')
    .argument('<file>', 'CSV with a header line and one line per timed layer (and pass)')
    .requiredOption(
      '--map <fields>',
      'which column holds what, with units: layer=<col>,load=<col>[:ms|s|us|ns],run=<col>[:unit] (required), ' +
        'network=<col>, memory=<col>[:B|KiB|MiB|GiB] (cell empty or "none" = no limit), unload=<col>[:unit], rep=<col> (pass index); ' +
        'e.g. network=net,layer=layer_name,memory=mem_mb:MiB,load=load_ms,run=exec_ms,unload=unload_ms',
    )
    .requiredOption(
      '--networks <list>',
      "the network descriptions the layers belong to (zoo name, .json, .onnx or .prototxt), named as the CSV's network column names them: " +
        'net1=alexnet,net2=models/net2.onnx; one network may go without a name (--networks alexnet)',
    )
    .requiredOption('--out <file>', 'dataset to write (.csv or .csv.gz, fingerprint beside it); replaced if it exists')
    .option('--hardware <file>', 'fingerprint of the machine that measured the CSV (memlat hardware --out hw.json, run there)')
    .option('--cores <n>', "without --hardware: that machine's number of cores")
    .option('--ram <size>', "without --hardware: that machine's RAM (M for rows with no limit), e.g. 8GiB")
    .option('--source <name>', "the rows' source column", 'csv-import')
    .option('--batch <n>', 'batch size the networks ran with (dimension 0 of every input)')
    .option('--seq-len <n>', 'sequence length the transformer networks ran with')
    .action(
      withFlagNames(
        async (
          file: string,
          o: { map: string; networks: string; out: string; hardware?: string; cores?: string; ram?: string; source: string; batch?: string; seqLen?: string },
        ) => {
          checkOutputFile(o.out, '--out', 'rows.csv');
          if (!/\.csv(\.gz)?$/i.test(o.out)) throw new UserError(`--out ${o.out}: must end in .csv or .csv.gz`);
          if (o.hardware === undefined && (o.cores === undefined || o.ram === undefined)) {
            throw new UserError(
              "import csv: say which machine measured the CSV: --hardware hw.json (from 'memlat hardware --out hw.json' there), or --cores N --ram SIZE (e.g. --cores 4 --ram 8GiB)",
            );
          }
          const cores = optionalPositiveInt(o.cores, '--cores', 4);
          const batch = optionalPositiveInt(o.batch, '--batch', 8);
          const seqLen = optionalPositiveInt(o.seqLen, '--seq-len', 128);
          const { importCsv } = await import('../../api.js');
          const { rows, hardware } = await importCsv(file, {
            map: o.map,
            networks: o.networks,
            out: o.out,
            source: o.source,
            ...(o.hardware !== undefined ? { hardware: o.hardware } : {}),
            ...(cores !== undefined ? { cores } : {}),
            ...(o.ram !== undefined ? { ram: o.ram } : {}),
            ...(batch !== undefined ? { batch } : {}),
            ...(seqLen !== undefined ? { seqLen } : {}),
          });
          const nets = new Map<string, number>();
          for (const r of rows) nets.set(r.network, (nets.get(r.network) ?? 0) + 1);
          for (const [n, k] of nets) process.stderr.write(`${n.padEnd(11)} ${String(k).padStart(5)} rows\n`);
          const { datasetHardwarePath } = await import('../../api-tools.js');
          process.stderr.write(`${rows.length} rows -> ${o.out}; fingerprint ${hardware[0]?.id ?? '?'} -> ${await datasetHardwarePath(o.out)}\n`);
        },
      ),
    );

  program
    .command('export')
    .description('write a dataset in another format (Parquet, readable by pandas and duckdb)')
    .requiredOption('--data <file>', 'dataset to read (.csv or .csv.gz)')
    .requiredOption('--parquet <file>', 'Parquet file to write')
    .action(
      withFlagNames(async (o: { data: string; parquet: string }) => {
        checkOutputFile(o.parquet, '--parquet', 'rows.parquet');
        const { exportParquet } = await import('../../api-tools.js');
        const { rows } = await exportParquet(o.data, o.parquet);
        process.stderr.write(`${rows} rows -> ${o.parquet}\n`);
      }),
    );
}
