/**
 * `rvbbit query`: runs SQL and prints each result (`--format
 * table|csv|json|ndjson`). The SQL comes, as with psql, from `-c sql` and
 * `-f file` (`-f -` is stdin), each repeatable, all run in the order given;
 * from the argument, which runs before them; or from stdin when none is given
 * and stdin is not a terminal. The first statement that fails stops the run.
 * Exit status: 0 done; 1 an error; 2 bad usage; 3 every statement ran but some
 * MAP rows failed (their `_error` column says why); 130 cancelled (Ctrl-C).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { RvbbitError } from '../../base/errors.js';
import type { OutputFormat } from '../output/output-format.js';
import { addEngineFlags, type EngineFlags, engineFromFlags, formatArg } from './engine-flags.js';
import { printError } from './print-error.js';

interface QueryFlags extends EngineFlags {
  format: OutputFormat;
  timer?: boolean;
  /** false with --no-cost. */
  cost: boolean;
}

/** One `-c` text or one `-f` path, in the order the command line gave them. */
type SqlSource = { readonly command: string } | { readonly file: string };

const QUERY_EXIT = { ok: 0, error: 1, usage: 2, rowsFailed: 3, cancelled: 130 } as const;

export function registerQuery(program: Command): void {
  // Commander keeps each option's values apart; psql runs -c and -f mixed, in
  // the order given, so both append to one list as Commander reads them.
  const sources: SqlSource[] = [];
  const add = (source: (value: string) => SqlSource) => (value: string) => {
    sources.push(source(value));
    return sources;
  };
  const cmd = program
    .command('query')
    .description('run SQL (DuckDB + the RVBBIT dialect) and print the results')
    .argument('[sql]', 'the SQL text, run before any -c and -f (else stdin)')
    .option(
      '-c, --command <sql>',
      'SQL to run; repeatable, run in order with -f',
      add((command) => ({ command })),
    )
    .option(
      '-f, --file <path>',
      'read the SQL from a file (- for stdin); repeatable, run in order with -c',
      add((file) => ({ file })),
    )
    .option('--format <fmt>', 'table | csv | json | ndjson', formatArg, 'table')
    .option('--timer', 'print each statement’s time on stderr')
    .option(
      '--no-cost',
      'no cost line (calls, cache hits, tokens, $, time) on stderr after a MAP, RUN or semantic statement',
    )
    .addHelpText(
      'after',
      `
SQL that starts with a comment (-- @ parallel: 5 …) is SQL, not an option.
--format json prints one JSON document: the rows of a statement as an array,
or, when several statements return rows, an array of those arrays.
Exit status: 0 ok, 1 error, 2 bad usage, 3 some MAP rows failed, 130 cancelled.`,
    );
  addEngineFlags(cmd).action(async (sql: string | undefined, flags: QueryFlags, command: Command) => {
    process.exitCode = await runQuery(sql, sources, flags, Boolean(command.optsWithGlobals().debug));
  });
}

const NO_SQL = 'give the SQL as an argument, with -c or -f file.sql, or on stdin';

/** The SQL texts to run, in order, or a usage error. */
async function sqlTexts(sql: string | undefined, sources: readonly SqlSource[]): Promise<string[] | string> {
  const texts: string[] = [];
  if (sql !== undefined) texts.push(sql);
  for (const source of sources) {
    if ('command' in source) {
      texts.push(source.command);
      continue;
    }
    try {
      texts.push(source.file === '-' ? await readStdin() : readFileSync(source.file, 'utf8'));
    } catch (err) {
      return `cannot read ${source.file}: ${(err as Error).message}`;
    }
  }
  if (texts.length === 0 && !process.stdin.isTTY) {
    const piped = await readStdin();
    if (piped.trim() !== '') texts.push(piped);
  }
  return texts.length === 0 ? NO_SQL : texts;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function runQuery(
  sql: string | undefined,
  sources: readonly SqlSource[],
  flags: QueryFlags,
  debug: boolean,
): Promise<number> {
  const texts = await sqlTexts(sql, sources);
  if (typeof texts === 'string') {
    process.stderr.write(`rvbbit query: ${texts}\n`);
    return QUERY_EXIT.usage;
  }
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(QUERY_EXIT.cancelled);
    // Aborting first stops the progress bar, so the line below starts clean.
    controller.abort();
    process.stderr.write('\ncancelling… (Ctrl-C again to quit now)\n');
  };
  process.on('SIGINT', onSigint);
  let engine: Awaited<ReturnType<typeof engineFromFlags>> | undefined;
  try {
    const [{ readCliConfig }, { ResultPrinter, jsonResultsExpected }] = await Promise.all([
      import('../config/cli-config.js'),
      import('./statement-printer.js'),
    ]);
    engine = await engineFromFlags(flags, readCliConfig());
    const session = await engine.session();
    const printer = new ResultPrinter(
      { format: flags.format, signal: controller.signal, timer: flags.timer, cost: flags.cost },
      flags.format === 'json' ? jsonResultsExpected(session, texts) : 1,
    );
    for (const text of texts) await printer.run(session, text);
    printer.end();
    session.close();
    return printer.rowsFailed ? QUERY_EXIT.rowsFailed : QUERY_EXIT.ok;
  } catch (err) {
    printError(err, debug);
    return err instanceof RvbbitError && err.code === 'CANCELLED' ? QUERY_EXIT.cancelled : QUERY_EXIT.error;
  } finally {
    process.off('SIGINT', onSigint);
    await engine?.close();
  }
}
