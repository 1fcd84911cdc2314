/**
 * `rvbbit`: one Commander program; each subcommand lives in its own file and
 * adds itself with `register(program)`. Registering loads only Commander and
 * small modules; what a command runs (engine, server, grammar…) is imported
 * when it runs, so `--version` and `--help` start like a shell.
 */
import { Command } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { registerCascades } from './cascades-command.js';
import { registerEval } from './eval-command.js';
import { registerExplain } from './explain-command.js';
import { registerLsp } from './lsp-command.js';
import { registerParse } from './parse-command.js';
import { registerQuery } from './query-command.js';
import { registerRepl } from './repl-command.js';
import { registerScripts } from './script-commands.js';
import { registerServe } from './serve-command.js';
import { registerSim } from './sim-command.js';
import { registerTune } from './tune-command.js';
import { registerWorker } from './worker-command.js';

/** Exit status of bad usage, as `--help` and the README document it (psql and grep use 2 too). */
const USAGE_EXIT = 2;

const program = new Command('rvbbit')
  .description('Run LLM cascades over the rows of DuckDB SQL queries')
  .version(pkg.version, '-V, --version', 'print the version')
  .option('--debug', 'print stack traces for errors')
  .showHelpAfterError()
  // Commander exits 1 on every usage error (an unknown option or command, a
  // missing or bad argument, a command group without its subcommand); 1 is
  // rvbbit's "the command ran and failed". Set before the subcommands are
  // added, which inherit it.
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : USAGE_EXIT))
  .addHelpText(
    'after',
    `
With no command, on a terminal: the REPL (rvbbit repl).
Exit status: 0 ok, 1 error, 2 bad usage (unknown option or command, missing or
bad argument); rvbbit query also 3 (some MAP rows failed) and 130 (cancelled).`,
  );

registerQuery(program);
registerEval(program);
registerTune(program);
registerRepl(program);
registerServe(program);
registerExplain(program);
registerParse(program);
registerCascades(program);
registerLsp(program);
registerSim(program);
registerScripts(program);
registerWorker(program);

/**
 * A usage error is its one line and where the help is, not the error above
 * the whole help (50 lines under which `--data-dir nodir`'s message was lost).
 */
function pointToHelp(cmd: Command, path: string): void {
  cmd.showHelpAfterError(`(${path} --help for usage)`);
  for (const sub of cmd.commands) pointToHelp(sub, `${path} ${sub.name()}`);
}
pointToHelp(program, 'rvbbit');

// `rvbbit query … | head` closes our stdout early: that ends the output, not in a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const argv = sqlAsOperands(process.argv, flagsTakingValues(program));
if (argv.slice(2).every((arg) => arg === '--debug')) {
  // No command: on a terminal the shell opens, as psql and duckdb do. Without
  // one there is no one to type into it: help on stderr (stdout may be a file)
  // and the usage status, so that a script which meant `rvbbit query < file.sql`
  // fails instead of seeming to have run it.
  if (process.stdin.isTTY) argv.push('repl');
  else {
    process.stderr.write(
      'rvbbit: no command, and stdin is not a terminal (SQL from stdin: rvbbit query < file.sql)\n\n',
    );
    program.help({ error: true });
  }
}
await program.parseAsync(argv);

/**
 * The flags (`--cascades`, `-c`) of every command that take a value: SQL behind
 * one of them is that option's value; behind a switch (`--sim`) it is an operand.
 */
function flagsTakingValues(cmd: Command): Set<string> {
  const flags = new Set<string>();
  for (const option of cmd.options) {
    if (!option.required && !option.optional) continue;
    if (option.long) flags.add(option.long);
    if (option.short) flags.add(option.short);
  }
  for (const sub of cmd.commands) for (const flag of flagsTakingValues(sub)) flags.add(flag);
  return flags;
}

/**
 * SQL that starts with `-` (a `-- @ parallel: 5` annotation, a comment) is an
 * operand, not an option: an option never holds whitespace. Such arguments
 * move behind a `--`, after which Commander reads only operands.
 */
function sqlAsOperands(argv: readonly string[], valueFlags: ReadonlySet<string>): string[] {
  const [node, script, ...args] = argv;
  const end = args.indexOf('--');
  const head = end < 0 ? args : args.slice(0, end);
  const tail = end < 0 ? [] : args.slice(end + 1);
  // An option's value (`-c '-- @ …'`) stays where it is.
  const isSql = (a: string, i: number) => /^-/.test(a) && /\s/.test(a) && !valueFlags.has(head[i - 1] ?? '');
  const sql = head.filter(isSql);
  if (sql.length === 0) return [...argv];
  return [node!, script!, ...head.filter((a, i) => !isSql(a, i)), '--', ...sql, ...tail];
}
