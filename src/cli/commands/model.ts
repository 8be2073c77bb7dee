/**
 * `memlat model install <file>` and `memlat model which [--json]`: the per-user model that predict,
 * curve, min-memory and report use without --model ($XDG_CONFIG_HOME/memlat/model.json or
 * ~/.config/memlat/model.json; $MEMLAT_MODEL comes first, the bundled default last). The work is
 * the library's installModel and whichModel (src/api-tools.ts).
 */
import type { Command } from 'commander';
import { withFlagNames } from '../options.js';

/** Registers `memlat model`. */
export function register(program: Command): void {
  const model = program
    .command('model')
    .description('the per-user model later commands use without --model (order: --model, $MEMLAT_MODEL, ~/.config/memlat/model.json, bundled default)');
  model
    .command('install')
    .description(
      'check a bundle written by memlat fit and copy it to the per-user model location ($XDG_CONFIG_HOME/memlat/model.json or ~/.config/memlat/model.json)',
    )
    .argument('<file>', 'a model bundle (memlat fit --out model.json)')
    .action(
      withFlagNames(async (file: string) => {
        const { installModel } = await import('../../api-tools.js');
        const r = await installModel(file);
        process.stdout.write(`installed ${file} (${r.kind}, hardware ${r.hardwareId}) as ${r.path}\n`);
        if (r.shadowedBy !== null)
          process.stderr.write(`memlat: note: MEMLAT_MODEL=${r.shadowedBy} is set and comes first; unset it to use the installed model\n`);
      }),
    );
  model
    .command('which')
    .description('which model predict uses without --model, and from where')
    .option('--json', 'print { model, source, path, kind, hardwareId }')
    .action(
      withFlagNames(async (o: { json?: boolean }) => {
        const { whichModel } = await import('../../api-tools.js');
        const doc = await whichModel();
        if (o.json === true) {
          process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
          return;
        }
        const why = {
          flag: '--model',
          env: '$MEMLAT_MODEL',
          user: 'the per-user model',
          bundled: `the bundled default (no $MEMLAT_MODEL, no ${doc.userModelPath})`,
        }[doc.source];
        process.stdout.write(`${doc.path}\n${doc.kind} for hardware ${doc.hardwareId}; ${why}\n`);
      }),
    );
}
