/**
 * The REPL's commands: DuckDB-shell dot commands and psql backslash
 * commands. COMMANDS is the one list: it dispatches a line and `.help` prints
 * it, so a command cannot exist without its help line. Listings (.tables,
 * \dt) show the user's tables and views; the engine's own log database
 * (`rvbbit.queries`, …) is left out of them but `.schema rvbbit.queries` and
 * `\d rvbbit.queries` describe it when named.
 */
import { readResult } from '../db/query-result.js';
import type { Session } from '../engine/session.js';
import { isOutputFormat, type OutputFormat } from '../output/output-format.js';
import { renderResult } from '../output/render-result.js';
import { ENGINE_DATABASE, findRelation, type Relation, readRelations } from './repl-catalog.js';

/** What a command may read and change: the REPL's output settings and the session. */
export interface CommandContext {
  readonly session: Session;
  format: OutputFormat;
  timer: boolean;
  /** The cost line after a statement that plans model work (on by default). */
  cost: boolean;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

interface ReplCommand {
  /** Every spelling, the first one shown in `.help`. */
  readonly names: readonly string[];
  /** Argument syntax after the name, for `.help`. */
  readonly args: string;
  readonly help: string;
  /** Resolves to 'quit' to leave the REPL. */
  run(ctx: CommandContext, arg: string): Promise<'quit' | undefined> | 'quit' | undefined;
}

export const COMMANDS: readonly ReplCommand[] = [
  { names: ['.help', '\\?'], args: '', help: 'this list', run: (ctx) => void ctx.out(helpText()) },
  { names: ['.tables'], args: '', help: 'names of tables and views', run: tables },
  { names: ['.schema'], args: '[table]', help: 'CREATE statements (of one table or view)', run: schema },
  { names: ['\\dt'], args: '', help: 'tables and views with their type', run: listRelations },
  { names: ['\\d'], args: 'table', help: 'columns of a table or view: name, type, null', run: describe },
  { names: ['.mode'], args: 'table|csv|json|ndjson', help: 'output format', run: mode },
  { names: ['.timer'], args: 'on|off', help: "print each statement's time", run: timer },
  {
    names: ['.cost'],
    args: 'on|off',
    help: 'the cost line after a MAP, RUN or semantic statement (on)',
    run: cost,
  },
  { names: ['.quit', '.exit', '\\q'], args: '', help: 'leave (or Ctrl-D)', run: () => 'quit' },
];

/** A line that is a command rather than SQL (only where a statement would start). */
export const isCommandLine = (line: string): boolean => /^\s*[.\\]/.test(line);

/** Runs one command line; resolves to 'quit' when the REPL should end. */
export async function runCommand(ctx: CommandContext, line: string): Promise<'quit' | undefined> {
  const m = /^\s*(\S+)\s*(.*?)\s*$/.exec(line)!;
  const name = m[1]!;
  const command = COMMANDS.find((c) => c.names.includes(name));
  if (!command) {
    ctx.err(`unknown command ${name}; try .help\n`);
    return undefined;
  }
  try {
    return await command.run(ctx, m[2]!);
  } catch (err) {
    ctx.err(`${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return undefined;
  }
}

export function helpText(): string {
  const lines = COMMANDS.map((c) => {
    const usage = `${c.names.join(', ')}${c.args ? ` ${c.args}` : ''}`;
    return `  ${usage.padEnd(31)}${c.help}\n`;
  });
  return (
    "Statements end with ';' and may span several lines.\n" +
    lines.join('') +
    'Tab completes keywords, tables, columns, functions, cascade paths and WITH keys.\n' +
    'Ctrl-C cancels the running statement; Ctrl-C on an empty prompt twice exits.\n'
  );
}

/** The user's relations: everything but the engine's log database. */
async function userRelations(session: Session): Promise<Relation[]> {
  return (await readRelations(session))
    .filter((r) => r.database !== ENGINE_DATABASE)
    .sort((a, b) => (a.qualified < b.qualified ? -1 : a.qualified > b.qualified ? 1 : 0));
}

async function tables(ctx: CommandContext): Promise<undefined> {
  const names = (await userRelations(ctx.session)).map((r) => r.qualified);
  ctx.out(names.map((n) => `${n}\n`).join(''));
  return undefined;
}

async function schema(ctx: CommandContext, arg: string): Promise<undefined> {
  let chosen: Relation[];
  if (arg === '') chosen = await userRelations(ctx.session);
  else {
    const r = findRelation(await readRelations(ctx.session), arg);
    if (!r) return noSuch(ctx, arg);
    chosen = [r];
  }
  const indexes = await ctx.session.q.run((con) =>
    readResult(
      con,
      'SELECT database_name, schema_name, table_name, sql FROM duckdb_indexes() WHERE sql IS NOT NULL ORDER BY index_name',
    ),
  );
  for (const r of chosen) {
    ctx.out(`${r.sql}\n`);
    for (const i of indexes.rows) {
      if (i.database_name === r.database && i.schema_name === r.schema && i.table_name === r.name)
        ctx.out(`${String(i.sql)}\n`);
    }
  }
  return undefined;
}

async function listRelations(ctx: CommandContext): Promise<undefined> {
  const rows = (await userRelations(ctx.session)).map((r) => ({
    name: r.qualified,
    type: r.temporary ? `temporary ${r.kind}` : r.kind,
  }));
  const columns = [
    { name: 'name', type: 'VARCHAR' },
    { name: 'type', type: 'VARCHAR' },
  ];
  ctx.out(renderResult({ columns, rows }, ctx.format));
  return undefined;
}

async function describe(ctx: CommandContext, arg: string): Promise<undefined> {
  if (arg === '') return listRelations(ctx);
  const r = findRelation(await readRelations(ctx.session), arg);
  if (!r) return noSuch(ctx, arg);
  const result = await ctx.session.q.run((con) =>
    readResult(
      con,
      `SELECT column_name AS "column", data_type AS "type", CASE WHEN is_nullable THEN 'YES' ELSE 'NO' END AS "null"
         FROM duckdb_columns()
        WHERE database_name = $1 AND schema_name = $2 AND table_name = $3
        ORDER BY column_index`,
      [r.database, r.schema, r.name],
    ),
  );
  ctx.out(renderResult(result, ctx.format));
  return undefined;
}

function noSuch(ctx: CommandContext, name: string): undefined {
  ctx.err(`no table or view named ${name}\n`);
  return undefined;
}

function mode(ctx: CommandContext, arg: string): undefined {
  if (!isOutputFormat(arg)) ctx.err('usage: .mode table|csv|json|ndjson\n');
  else ctx.format = arg;
  return undefined;
}

function timer(ctx: CommandContext, arg: string): undefined {
  if (arg !== 'on' && arg !== 'off') ctx.err('usage: .timer on|off\n');
  else ctx.timer = arg === 'on';
  return undefined;
}

function cost(ctx: CommandContext, arg: string): undefined {
  if (arg !== 'on' && arg !== 'off') ctx.err('usage: .cost on|off\n');
  else ctx.cost = arg === 'on';
  return undefined;
}
