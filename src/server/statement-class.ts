/**
 * What the server decides from a statement's words, read once per statement:
 * its leading words, whether it is RVBBIT dialect (the grammar's own test),
 * whether its result goes to the client as rows, and what it does to the
 * transaction block. Command tags, Describe, the transaction status, the
 * implicit block of a multi-statement Query, savepoints and cursors all read
 * this one classification instead of re-reading the text.
 */

import { RVBBIT_WORDS } from '../../grammar/keywords.js';
import { isRvbbitStatement } from '../../grammar/split.js';
import { SqlTok, scanSql, skipSpaceAndComments } from '../../grammar/sql-scan.js';
import { leadingWords, mentionsWrite, QUERY_WORDS } from '../../grammar/statement-kind.js';
import type { ResultColumn } from '../db/query-result.js';

/** What a statement does to the transaction block, when it succeeds. */
export type TxEffect = 'begin' | 'end' | 'none';

/** SAVEPOINT, RELEASE and ROLLBACK TO (savepoints.ts answers them: DuckDB has none). */
export type SavepointKind = 'SAVEPOINT' | 'RELEASE' | 'ROLLBACK TO';

/**
 * Whether a statement's rows go to the client: always (SELECT, `… RETURNING`,
 * a MAP into a table), never (INSERT, CREATE TABLE …), or as its result's
 * columns say (a statement neither list names).
 */
export type RowsRule = 'always' | 'never' | 'by-columns';

export interface StatementClass {
  /** Up to five leading words, upper-cased, after comments, blanks and opening parentheses (grammar's leadingWords). */
  readonly words: readonly string[];
  /** The first of them; '' when the statement starts with something else. */
  readonly first: string;
  /** RVBBIT dialect (MAP/RUN, EXPLAIN of one, CREATE TABLE … AS RVBBIT): the engine's grammar reads it, not DuckDB. */
  readonly rvbbit: boolean;
  /** A query by its first word (SELECT, WITH, SHOW, RVBBIT …): one a cursor can stream. */
  readonly query: boolean;
  readonly rows: RowsRule;
  /** An INSERT, UPDATE, DELETE or MERGE with a RETURNING clause. */
  readonly returning: boolean;
  /** A CREATE … AS (its tag is `SELECT n` when DuckDB reports a count). */
  readonly createAs: boolean;
  readonly tx: TxEffect;
  /** COMMIT, END, ROLLBACK or ABORT: what an aborted block accepts (any of them rolls it back). */
  readonly endsBlock: boolean;
  readonly savepoint: SavepointKind | undefined;
}

/** Leading words of statements that return rows: the one list (CommandComplete, Describe, cursors). */
const ROW_COMMANDS: ReadonlySet<string> = new Set([
  ...QUERY_WORDS,
  'SHOW',
  'DESCRIBE',
  'EXPLAIN',
  'PRAGMA',
  ...RVBBIT_WORDS,
  'SUMMARIZE',
  'CALL',
  'PIVOT',
  'UNPIVOT',
]);

/** The words that end a transaction block: the one list. */
const END_WORDS: ReadonlySet<string> = new Set(['COMMIT', 'END', 'ROLLBACK', 'ABORT']);

/** Statements that never send rows, whatever DuckDB returns for them. */
const COMMANDS: ReadonlySet<string> = new Set([
  'BEGIN',
  'START',
  ...END_WORDS,
  'CREATE',
  'DROP',
  'ALTER',
  'INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'SET',
  'RESET',
  'USE',
  'ATTACH',
  'DETACH',
  'CHECKPOINT',
  'LOAD',
  'INSTALL',
  'VACUUM',
  'ANALYZE',
  'COPY',
  'EXPORT',
  'IMPORT',
  'TRUNCATE',
  'COMMENT',
  'GRANT',
  'REVOKE',
  'PREPARE',
  'DEALLOCATE',
]);

/** Commands that send rows when they have a RETURNING clause (SQLAlchemy's ORM inserts with one). */
const RETURNING_COMMANDS: ReadonlySet<string> = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

/** How much of a statement, from its first word, the RVBBIT test looks at (it reads a dozen tokens). */
const HEAD_CHARS = 4096;

/** Classifies one statement (the text of one, without the `;` between statements). */
export function classifyStatement(sql: string): StatementClass {
  const words = leadingWords(sql);
  const [first = '', second = '', third = ''] = words;
  const rvbbit = isRvbbit(sql);
  const query = ROW_COMMANDS.has(first);
  const returning = RETURNING_COMMANDS.has(first) && hasWord(sql, 'RETURNING');
  const mapIntoTable = first === 'CREATE' && rvbbit;
  const rows: RowsRule =
    query || mapIntoTable || returning ? 'always' : COMMANDS.has(first) ? 'never' : 'by-columns';
  const savepoint = savepointKind(first, second, third);
  const tx: TxEffect =
    savepoint !== undefined
      ? 'none'
      : first === 'BEGIN' || (first === 'START' && second === 'TRANSACTION')
        ? 'begin'
        : END_WORDS.has(first)
          ? 'end'
          : 'none';
  return {
    words,
    first,
    rvbbit,
    query,
    rows,
    returning,
    createAs: first === 'CREATE' && /\bAS\b/i.test(sql),
    tx,
    endsBlock: END_WORDS.has(first),
    savepoint,
  };
}

/**
 * Whether the result goes to the client as rows (RowDescription and
 * DataRows); for a statement neither list names, from its columns (a lone
 * `Count` of at most one row is a count). Describe (`rowCount` unknown) and
 * CommandComplete decide with this one rule.
 */
export function sendsRows(cls: StatementClass, columns: readonly ResultColumn[], rowCount = 0): boolean {
  if (cls.rows !== 'by-columns') return cls.rows === 'always';
  return columns.length > 0 && !isOnlyCount(columns, rowCount);
}

/** DuckDB's answer for a statement that changed rows: one `Count` column, at most one row. */
export function isOnlyCount(columns: readonly ResultColumn[], rowCount: number): boolean {
  return columns.length === 1 && columns[0]!.name === 'Count' && rowCount <= 1;
}

// ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name
function savepointKind(first: string, second: string, third: string): SavepointKind | undefined {
  if (first === 'SAVEPOINT') return 'SAVEPOINT';
  if (first === 'RELEASE') return 'RELEASE';
  if (
    first === 'ROLLBACK' &&
    (second === 'TO' || ((second === 'WORK' || second === 'TRANSACTION') && third === 'TO'))
  ) {
    return 'ROLLBACK TO';
  }
  return undefined;
}

/** Leading words of statements that only read (none of them changes data, settings or cursors). */
const READ_WORDS: ReadonlySet<string> = new Set([
  ...QUERY_WORDS,
  'SHOW',
  'DESCRIBE',
  'SUMMARIZE',
  // Cursor motion is not undone by ROLLBACK TO in Postgres either.
  'FETCH',
  'MOVE',
]);

/**
 * True only when the statement provably changes nothing a ROLLBACK TO
 * SAVEPOINT would undo (savepoints.ts): a plain query by its first word,
 * without a write word anywhere, and no RVBBIT statement (a MAP can write a
 * table). Anything else — SET, DECLARE, CLOSE, CALL, PRAGMA, EXPLAIN — counts
 * as a write.
 */
export function readsOnly(cls: StatementClass, sql: string): boolean {
  if (!READ_WORDS.has(cls.first) || cls.rvbbit || cls.returning) return false;
  return !mentionsWrite(sql);
}

/** The grammar's test (split.ts), on the statement's first tokens. */
function isRvbbit(sql: string): boolean {
  const start = skipSpaceAndComments(sql);
  const { tokens } = scanSql(sql, start, Math.min(sql.length, start + HEAD_CHARS));
  return isRvbbitStatement(sql, tokens.filter(significant));
}

/** `word` (upper case) as a bare word anywhere in `sql`: not in a string, quoted name or comment. */
function hasWord(sql: string, word: string): boolean {
  const { tokens } = scanSql(sql);
  return tokens.some(
    (t) =>
      t.type === SqlTok.Word &&
      t.end - t.start === word.length &&
      sql.slice(t.start, t.end).toUpperCase() === word,
  );
}

const significant = (t: { readonly type: number }): boolean =>
  t.type !== SqlTok.LineComment && t.type !== SqlTok.BlockComment;
