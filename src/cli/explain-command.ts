/**
 * `rvbbit explain "<sql>"`: what a MAP or RUN would do and cost, without
 * running anything that costs money (`EXPLAIN` is added when missing).
 */
import type { Command } from 'commander';
import { explainPrefix } from '../../grammar/split.js';
import type { OutputFormat } from '../output/render-result.js';
import { addEngineFlags, type EngineFlags, engineFromFlags, formatArg } from './engine-flags.js';
import { printError } from './print-error.js';

interface ExplainFlags extends EngineFlags {
  json?: boolean;
  format: OutputFormat;
}

/** The EXPLAIN statement for `sql`: kept as is if it already starts with EXPLAIN. */
export function explainText(sql: string, json: boolean): string {
  if (explainPrefix(sql)) return sql;
  return `EXPLAIN ${json ? '(FORMAT JSON) ' : ''}${sql}`;
}

export function registerExplain(program: Command): void {
  const cmd = program
    .command('explain')
    .description(
      'show the plan of a MAP or RUN: strategy, rows, calls, tokens and dollars expected, the DuckDB SQL',
    )
    .argument('<sql>', 'an RVBBIT MAP or RUN statement')
    .option('--json', 'EXPLAIN (FORMAT JSON)')
    .option('--format <fmt>', 'table | csv | json | ndjson', formatArg, 'table');
  addEngineFlags(cmd).action(async (sql: string, flags: ExplainFlags, command: Command) => {
    const debug = Boolean(command.optsWithGlobals().debug);
    let engine: Awaited<ReturnType<typeof engineFromFlags>> | undefined;
    try {
      const [{ readCliConfig }, { runAndPrint }] = await Promise.all([
        import('../config/cli-config.js'),
        import('./statement-printer.js'),
      ]);
      engine = await engineFromFlags(flags, readCliConfig());
      const session = await engine.session();
      await runAndPrint(session, explainText(sql, Boolean(flags.json)), {
        format: flags.format,
        signal: new AbortController().signal,
      });
      session.close();
    } catch (err) {
      printError(err, debug);
      process.exitCode = 1;
    } finally {
      await engine?.close();
    }
  });
}
