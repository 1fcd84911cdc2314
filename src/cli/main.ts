/**
 * `rvbbit`: one Commander program; each subcommand lives in its own file and
 * adds itself with `register(program)`. Registering loads only Commander and
 * small modules; what a command runs (engine, server, grammar…) is imported
 * when it runs, so `--version` and `--help` start like a shell.
 */
import { Command } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { registerCascades } from './cascades-command.js';
import { registerExplain } from './explain-command.js';
import { registerParse } from './parse-command.js';
import { registerQuery } from './query-command.js';
import { registerRepl } from './repl-command.js';
import { registerScripts } from './script-commands.js';
import { registerServe } from './serve-command.js';
import { registerSim } from './sim-command.js';

const program = new Command('rvbbit')
  .description('Run LLM cascades over the rows of DuckDB SQL queries')
  .version(pkg.version, '-V, --version', 'print the version')
  .option('--debug', 'print stack traces for errors')
  .showHelpAfterError();

registerQuery(program);
registerRepl(program);
registerServe(program);
registerExplain(program);
registerParse(program);
registerCascades(program);
registerSim(program);
registerScripts(program);

await program.parseAsync(process.argv);
