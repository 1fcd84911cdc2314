/**
 * `rvbbit lsp --stdio [--cascades dir] [--db file]`: the language server for
 * editors (src/lsp/), speaking LSP over stdin/stdout. Loaded when it runs.
 */
import { type Command, InvalidArgumentError } from 'commander';

interface LspFlags {
  stdio?: boolean;
  cascades?: string[];
  db?: string;
  debounce?: number;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

function msArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 10_000) throw new InvalidArgumentError('--debounce must be 0..10000 ms');
  return n;
}

export function registerLsp(program: Command): void {
  program
    .command('lsp')
    .description('language server for editors: diagnostics, completion, hover, formatting (LSP over stdio)')
    .option('--stdio', 'talk LSP over stdin/stdout (the only transport)')
    .option(
      '--cascades <dir>',
      'folder cascade paths resolve in and operator words come from (repeatable)',
      collect,
    )
    .option('--db <file>', 'DuckDB file to complete table and column names from (opened read-only)')
    .option('--debounce <ms>', 'quiet time after an edit before diagnostics run', msArg)
    .action(async (flags: LspFlags) => {
      // Editors pass --stdio by convention; there is no other transport, so it is accepted, not required.
      // A bug in one request must not take the editor's server down: log it, keep serving.
      process.on('uncaughtException', (err) => process.stderr.write(`rvbbit lsp: ${err.stack ?? err}\n`));
      process.on('unhandledRejection', (err) => process.stderr.write(`rvbbit lsp: ${String(err)}\n`));
      const { startServer } = await import('../lsp/server.js');
      startServer({
        ...(flags.cascades ? { cascades: flags.cascades } : {}),
        ...(flags.db ? { db: flags.db } : {}),
        ...(flags.debounce !== undefined ? { debounceMs: flags.debounce } : {}),
      });
    });
}
