/**
 * `rvbbit bench …` and `rvbbit diagrams …`: run the project's scripts
 * (bench/run.ts, scripts/diagrams.ts) in a child Node with tsx, forwarding
 * the arguments, the output and the exit code.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function runScript(script: string, args: readonly string[]): Promise<number> {
  const path = `${ROOT}${script}`;
  if (!existsSync(path)) {
    process.stderr.write(`rvbbit: ${script} is not in this installation\n`);
    return Promise.resolve(1);
  }
  const child = spawn(process.execPath, ['--import', 'tsx', path, ...args], {
    cwd: process.cwd(),
    stdio: 'inherit',
  });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(code ?? (signal ? 128 + 2 : 1));
    }),
  );
}

export function registerScripts(program: Command): void {
  program
    .command('bench')
    .description(
      'run the benchmark suite (bench/run.ts); arguments are passed through, see `rvbbit bench -- --help`',
    )
    .argument('[args...]', 'arguments for bench/run.ts')
    .allowUnknownOption()
    .helpOption('-H, --rvbbit-help', 'help for this wrapper')
    .action(async (args: string[]) => {
      process.exitCode = await runScript('bench/run.ts', args);
    });
  program
    .command('diagrams')
    .description('render the grammar railroad diagrams (same as npm run diagrams)')
    .argument('[args...]', 'arguments for scripts/diagrams.ts')
    .allowUnknownOption()
    .action(async (args: string[]) => {
      process.exitCode = await runScript('scripts/diagrams.ts', args);
    });
}
