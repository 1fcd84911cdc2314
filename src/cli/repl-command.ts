/**
 * `rvbbit repl`: the interactive shell (repl-session.ts, loaded when it runs).
 */
import type { Command } from 'commander';
import { addEngineFlags, formatArg } from './engine-flags.js';
import type { ReplFlags } from './repl-session.js';

export function registerRepl(program: Command): void {
  const cmd = program
    .command('repl')
    .description('interactive SQL shell (history in ~/.rvbbit_history or $RVBBIT_HISTORY)')
    .option('--format <fmt>', 'table | csv | json | ndjson', formatArg, 'table')
    .option('--no-cost', 'start with .cost off: no cost line after a MAP, RUN or semantic statement');
  addEngineFlags(cmd).action(async (flags: ReplFlags, command: Command) => {
    const { runRepl } = await import('./repl-session.js');
    await runRepl(flags, Boolean(command.optsWithGlobals().debug));
  });
}
