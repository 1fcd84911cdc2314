/**
 * `rvbbit`: one Commander program; each subcommand lives in its own file and
 * adds itself with `register(program)`.
 */
import { Command } from 'commander';
import { registerParse } from './parse-command.js';
import { registerSim } from './sim-command.js';

const program = new Command('rvbbit')
  .description('Run LLM cascades over the rows of DuckDB SQL queries')
  .option('--debug', 'print stack traces for errors')
  .showHelpAfterError();

registerParse(program);
registerSim(program);

await program.parseAsync(process.argv);
