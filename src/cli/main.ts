#!/usr/bin/env node
/**
 * The `memlat` command line: builds the commander program from one module per command
 * (src/cli/commands/<name>.ts, each exporting `register(program)`), runs it, and turns errors into
 * exit codes: a UserError prints `memlat: <message>` (one line per problem, no stack; each command's
 * action names flags, not the library's arguments: options.ts withFlagNames) and exits 2;
 * commander's own usage errors exit 2 too; anything else prints its stack and exits 1.
 *
 * Commands import their heavy modules lazily inside their actions, so e.g. `memlat predict` never
 * loads onnxruntime.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { isUserError } from '../errors.js';
import { register as registerDescribe } from './commands/describe.js';
import { register as registerRun } from './commands/run.js';
import { register as registerDoctor } from './commands/doctor.js';
import { register as registerHardware } from './commands/hardware.js';
import { register as registerProfile } from './commands/profile.js';
import { register as registerImport } from './commands/import.js';
import { register as registerValidate } from './commands/validate.js';
import { register as registerPredict } from './commands/predict.js';
import { register as registerCurve } from './commands/curve.js';
import { register as registerMinMemory } from './commands/min-memory.js';
import { register as registerReport } from './commands/report.js';
import { register as registerFit } from './commands/fit.js';
import { register as registerEvaluate } from './commands/evaluate.js';
import { register as registerModel } from './commands/model.js';
import { register as registerCalibrate } from './commands/calibrate.js';

/** The package version, read from the nearest package.json above this file (works from src/ and dist/). */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) return (JSON.parse(readFileSync(p, 'utf8')) as { version?: string }).version ?? '0.0.0';
    const up = dirname(dir);
    if (up === dir) return '0.0.0';
    dir = up;
  }
}

/**
 * Builds the program with every command registered. Exported for tests and for embedding.
 * Commander errors throw (exitOverride) instead of exiting, so runCli decides the exit code.
 */
export function buildProgram(): Command {
  const program = new Command('memlat')
    .description('Predict per-layer and whole-network inference time of DNNs on machines with little memory')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerDescribe(program);
  registerRun(program);
  registerDoctor(program);
  registerHardware(program);
  registerProfile(program);
  registerImport(program);
  registerValidate(program);
  registerPredict(program);
  registerCurve(program);
  registerMinMemory(program);
  registerReport(program);
  registerFit(program);
  registerEvaluate(program);
  registerModel(program);
  registerCalibrate(program);
  return program;
}

/**
 * Runs the CLI on `argv` (process.argv form) and returns the exit code instead of exiting.
 * Cost: whatever the command costs.
 */
export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    // Commands that finish with a non-zero status (doctor's failed checks, profile's Ctrl-C) set it
    // on process.exitCode; keep it rather than reporting success.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (isUserError(e)) {
      process.stderr.write(e.problems.map((p) => `memlat: ${p}\n`).join(''));
      return e.exitCode;
    }
    if (e instanceof CommanderError) {
      // Help and --version "errors" are successes; usage errors were already printed by commander.
      return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
    }
    const fsLine = fileSystemErrorLine(e);
    if (fsLine !== null) {
      process.stderr.write(`memlat: ${fsLine}\n`);
      return 2;
    }
    process.stderr.write(`memlat: internal error (please report it):\n${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}

const FS_FIXES: Record<string, string> = {
  ENOSPC: 'the disk is full; free space or write somewhere with room',
  EDQUOT: 'the disk quota is exhausted; free space or write somewhere with room',
  EROFS: 'the file system is read-only; choose a writable location',
  EACCES: 'permission denied; choose a location you can write, or fix its permissions',
  EPERM: 'operation not permitted; choose a location you can write, or fix its permissions',
  ENOENT: 'no such file or folder; check the path (create missing folders with mkdir -p)',
  ENOTDIR: 'a part of the path is not a folder; check the path',
  EISDIR: 'is a folder; name a file',
};

/**
 * One line for a file-system error on a user's path (disk full, read-only, missing folder) that no
 * command turned into a UserError: "<path>: <code> <fix>"; null for anything else. Cost: O(1).
 */
export function fileSystemErrorLine(e: unknown): string | null {
  const err = e as NodeJS.ErrnoException | null;
  if (!err || typeof err !== 'object' || typeof err.code !== 'string') return null;
  const fix = FS_FIXES[err.code];
  if (fix === undefined) return null;
  return `${err.path ?? err.syscall ?? 'file'}: ${err.code}: ${fix}`;
}

function isEntryPoint(): boolean {
  const arg = process.argv[1];
  if (arg === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(arg)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // `memlat describe x | head` closes the pipe early: not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  process.exitCode = await runCli(process.argv);
}
