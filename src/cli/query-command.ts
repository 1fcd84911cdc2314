/**
 * `rvbbit query "<sql>"` or `rvbbit query -f file.sql`: runs the statements
 * and prints each result (`--format table|csv|json|ndjson`). Ctrl-C cancels
 * the running statement (its LLM calls are aborted); exit code 1 on an error,
 * 130 when cancelled.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { RvbbitError } from '../errors.js';
import type { OutputFormat } from '../output/output-format.js';
import { addEngineFlags, type EngineFlags, engineFromFlags, formatArg } from './engine-flags.js';
import { printError } from './print-error.js';

interface QueryFlags extends EngineFlags {
  file?: string;
  format: OutputFormat;
  timer?: boolean;
}

export function registerQuery(program: Command): void {
  const cmd = program
    .command('query')
    .description('run SQL (DuckDB + the RVBBIT dialect) and print the results')
    .argument('[sql]', 'the SQL text (or use -f)')
    .option('-f, --file <path>', 'read the SQL from a file')
    .option('--format <fmt>', 'table | csv | json | ndjson', formatArg, 'table')
    .option('--timer', 'print each statement’s time on stderr');
  addEngineFlags(cmd).action(async (sql: string | undefined, flags: QueryFlags, command: Command) => {
    process.exitCode = await runQuery(sql, flags, Boolean(command.optsWithGlobals().debug));
  });
}

async function runQuery(sql: string | undefined, flags: QueryFlags, debug: boolean): Promise<number> {
  let text: string;
  try {
    if (flags.file === undefined && sql === undefined) {
      process.stderr.write('rvbbit query: give the SQL as an argument or with -f file.sql\n');
      return 2;
    }
    text = flags.file !== undefined ? readFileSync(flags.file, 'utf8') : sql!;
  } catch (err) {
    process.stderr.write(`rvbbit query: cannot read ${flags.file}: ${(err as Error).message}\n`);
    return 2;
  }
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\ncancelling… (Ctrl-C again to quit now)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  let engine: Awaited<ReturnType<typeof engineFromFlags>> | undefined;
  try {
    const [{ readCliConfig }, { runAndPrint }] = await Promise.all([
      import('./cli-config.js'),
      import('./statement-printer.js'),
    ]);
    engine = await engineFromFlags(flags, readCliConfig());
    const session = await engine.session();
    await runAndPrint(session, text, { format: flags.format, signal: controller.signal, timer: flags.timer });
    session.close();
    return 0;
  } catch (err) {
    printError(err, debug);
    return err instanceof RvbbitError && err.code === 'CANCELLED' ? 130 : 1;
  } finally {
    process.off('SIGINT', onSigint);
    await engine?.close();
  }
}
