/**
 * `memlat doctor [--network vgg16] [--json]`: check what profiling needs and print the fix for each
 * failure (exit 0 all ok, 1 otherwise). `--setup-swap 4GiB [--swap-file PATH]` creates and enables a
 * swap file; `--remove-swap` removes only what memlat created.
 */
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { formatBytes } from '../../units.js';
import { sizeOption, withFlagNames } from '../options.js';

/** Register `memlat doctor`. */
export function register(program: Command): void {
  program
    .command('doctor')
    .description('check cgroups, swap, onnxruntime and page-cache eviction; print the fix for each failure')
    .option('--network <network>', "check swap against this network's largest layer (default: 1 GiB)")
    .option('--setup-swap <size>', 'create and enable a swap file of this size (root), e.g. 4GiB')
    .option('--swap-file <path>', 'where --setup-swap puts the file', '/var/lib/memlat/swapfile')
    .option('--remove-swap', 'disable and delete the swap files memlat created (root)')
    .option('--cache-dir <dir>', 'weight cache to test eviction in')
    .option('--json', 'print the checks as JSON')
    .action(
      withFlagNames(async (o: { network?: string; setupSwap?: string; swapFile: string; removeSwap?: boolean; cacheDir?: string; json?: boolean }) => {
        const api = await import('../../api-tools.js');
        if (o.removeSwap) {
          const removed = await api.removeSwap();
          process.stdout.write(removed.length ? `removed swap: ${removed.join(', ')}\n` : 'no swap created by memlat to remove\n');
          return;
        }
        if (o.setupSwap !== undefined) {
          const { path, bytes } = await api.setupSwap(sizeOption(o.setupSwap, '--setup-swap'), o.swapFile);
          process.stdout.write(`swap file ${path} (${formatBytes(bytes)}) enabled; remove with 'sudo memlat doctor --remove-swap'\n`);
          return;
        }
        const checks = await api.doctor({
          ...(o.network !== undefined ? { network: o.network } : {}),
          ...(o.cacheDir !== undefined ? { cacheDir: o.cacheDir } : {}),
        });
        if (o.json) process.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
        else {
          for (const c of checks) {
            process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(12)} ${c.detail}\n`);
            if (!c.ok && c.fix) process.stdout.write(`      fix: ${c.fix}\n`);
          }
        }
        const failed = checks.filter((c) => !c.ok).length;
        // exit 1 (not 2): the machine, not the command line, needs fixing
        if (failed > 0) throw new UserError(`${failed} check(s) failed; apply the fix shown under each`, 1);
      }),
    );
}
