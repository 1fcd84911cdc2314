/**
 * `rvbbit bench …`: runs the repository's benchmark suite (bench/run.ts) in a
 * child Node with tsx, forwarding the arguments, the output and the exit code.
 * The benchmarks ship with the source repository, not with the package.
 * `rvbbit diagrams`: writes the grammar's railroad diagrams to a file in the
 * working directory (or --out), never into the package.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loaderFlags, packagePath, RUNS_FROM_SOURCE } from '../runtime/package-files.js';

function runBench(args: readonly string[]): Promise<number> {
  const path = packagePath('bench/run.ts');
  if (!existsSync(path)) {
    process.stderr.write(
      'rvbbit bench: the benchmarks are part of the source repository, not the installed package; ' +
        'run `npm run bench` in a clone of it\n',
    );
    return Promise.resolve(1);
  }
  const tsx = RUNS_FROM_SOURCE ? loaderFlags() : ['--import', import.meta.resolve('tsx')];
  const child = spawn(process.execPath, [...tsx, path, ...args], { cwd: process.cwd(), stdio: 'inherit' });
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
      'run the benchmark suite (bench/run.ts, in a clone of the repository); arguments are passed through, see `rvbbit bench -- --help`',
    )
    .argument('[args...]', 'arguments for bench/run.ts')
    .allowUnknownOption()
    .helpOption('-H, --rvbbit-help', 'help for this wrapper')
    .action(async (args: string[]) => {
      process.exitCode = await runBench(args);
    });
  program
    .command('diagrams')
    .description('write the grammar’s railroad diagrams as one HTML page that opens offline')
    .option('-o, --out <file>', 'where to write the page', 'rvbbit-grammar.html')
    .action(async (flags: { out: string }) => {
      const { diagramsHtml } = await import('./diagrams-page.js');
      const html = diagramsHtml();
      writeFileSync(flags.out, html);
      console.log(`wrote ${flags.out} (${Math.round(html.length / 1024)} KB)`);
    });
}
