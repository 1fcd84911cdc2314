/**
 * What `rvbbit eval` takes from its arguments before anything runs: the
 * `--table` name as quoted SQL (it goes into the sampling statement, never as
 * text pasted in) and the statement, which must only read: eval runs it once
 * per set-up, so a DELETE or an INSERT would run that many times.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { SqlTok, scanSql } from '../../grammar/sql-scan.js';
import { quotedTableName as quotedName } from '../engine/evaluate.js';

/** `--table` as written (the statement names it so) and as the quoted name the sampling SQL uses. */
export interface EvalTable {
  readonly written: string;
  readonly quoted: string;
}

/** `--table`'s parser: bad usage unless it names a table. */
export function tableArg(value: string): EvalTable {
  return { written: value, quoted: quotedTableName(value) };
}

/** `--table`'s value as a quoted (qualified) name (evaluate.ts); bad usage unless it names a table. */
export function quotedTableName(value: string): string {
  const quoted = quotedName(value);
  if (quoted === undefined)
    throw new InvalidArgumentError(
      `--table must name a table (name, schema.name or catalog.schema.name; a part with other characters in double quotes), got '${value}'`,
    );
  return quoted;
}

/**
 * The words of a query that writes after all (a CTE's `WITH … DELETE`, a
 * subquery's INSERT), wherever they stand: none is a function's name, and a
 * column so named can be written in double quotes.
 */
const WRITING_WORDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'UPSERT', 'TRUNCATE']);
/** How a query that only reads starts. */
const READING_STARTS = new Set(['SELECT', 'WITH', 'FROM', 'VALUES', 'TABLE']);

/**
 * Why `sql` is not one statement that only reads (a semantic SELECT), or
 * undefined when it is. Read from the SQL's words, comments and literals
 * skipped: the first must start a query (SELECT, WITH, FROM, VALUES, TABLE),
 * none may be a writing word, and nothing may follow a semicolon.
 */
export function writingStatementProblem(sql: string): string | undefined {
  const { tokens } = scanSql(sql);
  let first: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === SqlTok.Semicolon) {
      const rest = tokens
        .slice(i + 1)
        .some((r) => r.type !== SqlTok.LineComment && r.type !== SqlTok.BlockComment);
      if (rest) return 'it holds more than one statement: give eval one SELECT';
    } else if (t.type === SqlTok.Word) {
      const word = sql.slice(t.start, t.end).toUpperCase();
      if (first === undefined) {
        first = word;
        if (!READING_STARTS.has(word))
          return `it is a ${word} statement, not a query: eval runs its statement once per set-up, so it takes only a SELECT`;
      } else if (WRITING_WORDS.has(word))
        return `it holds ${word}: eval runs its statement once per set-up, so it takes only a query that reads (write the name in double quotes if ${word} is a column)`;
    }
  }
  return first === undefined ? 'it is empty: give eval one SELECT' : undefined;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * The options eval and tune share after their sample's: the reference set-up, the candidates
 * (`candidateHelp` says what eval and tune do with one), SQL run first, and the output format.
 */
export function addSetupOptions(cmd: Command, candidateHelp: string): Command {
  return cmd
    .option('--reference <annotations>', 'the reference set-up (default: the statement as written)', '')
    .option('--candidate <annotations>', candidateHelp, collect)
    .option(
      '--setup <sql>',
      'SQL run first, e.g. CREATE TABLE … AS SELECT * FROM read_csv(…) (repeatable)',
      collect,
    )
    .option(
      '--format <fmt>',
      'table | json',
      (v) => {
        if (v !== 'table' && v !== 'json')
          throw new InvalidArgumentError(`--format must be table or json, got '${v}'`);
        return v;
      },
      'table',
    );
}
