/**
 * `memlat model install <file>` and `memlat model which [--json]`: the per-user model that predict,
 * curve, min-memory and report use without --model ($XDG_CONFIG_HOME/memlat/model.json or
 * ~/.config/memlat/model.json; $MEMLAT_MODEL comes first, the bundled default last). The work is
 * src/user-files.ts.
 */
import type { Command } from 'commander';

/** Registers `memlat model`. */
export function register(program: Command): void {
  const model = program
    .command('model')
    .description('the per-user model later commands use without --model (order: --model, $MEMLAT_MODEL, ~/.config/memlat/model.json, bundled default)');
  model
    .command('install')
    .description('check a bundle written by memlat fit and copy it to the per-user model location ($XDG_CONFIG_HOME/memlat/model.json or ~/.config/memlat/model.json)')
    .argument('<file>', 'a model bundle (memlat fit --out model.json)')
    .action(async (file: string) => {
      const { installModel, chooseModel } = await import('../../predict/user-files.js');
      const r = installModel(file);
      process.stdout.write(`installed ${file} (${r.kind}, hardware ${r.hardwareId}) as ${r.path}\n`);
      const now = chooseModel(undefined);
      if (now.source === 'env') process.stderr.write(`memlat: note: MEMLAT_MODEL=${now.arg} is set and comes first; unset it to use the installed model\n`);
    });
  model
    .command('which')
    .description('which model predict uses without --model, and from where')
    .option('--json', 'print { model, source, path, kind, hardwareId }')
    .action(async (o: { json?: boolean }) => {
      const { readChosenModel, userModelPath } = await import('../../predict/user-files.js');
      const { bundle, choice } = readChosenModel(undefined);
      const doc = { model: choice.arg, source: choice.source, path: choice.path, kind: bundle.model.kind, hardwareId: bundle.hardware.id, userModelPath: userModelPath() };
      if (o.json === true) {
        process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
        return;
      }
      const why = { flag: '--model', env: '$MEMLAT_MODEL', user: 'the per-user model', bundled: `the bundled default (no $MEMLAT_MODEL, no ${doc.userModelPath})` }[choice.source];
      process.stdout.write(`${choice.path}\n${bundle.model.kind} for hardware ${bundle.hardware.id}; ${why}\n`);
    });
}
