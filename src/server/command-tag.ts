/**
 * CommandComplete tags (`SELECT 3`, `INSERT 0 2`, `CREATE TABLE` …) and whether
 * a statement returns rows, decided from its leading keywords and its result.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html (CommandComplete)
 */
import { withoutLeadingComments } from '../../grammar/sql-scan.js';
import type { QueryResult, ResultColumn } from '../db/query-result.js';

/** The statement's first words, upper-cased, after comments and annotations. */
export function leadingWords(sql: string, n = 2): string[] {
  const text = withoutLeadingComments(sql).replace(/^\(+\s*/, '');
  return (text.match(/^[A-Za-z_]+(\s+[A-Za-z_]+){0,4}/)?.[0] ?? '')
    .split(/\s+/)
    .slice(0, n)
    .map((w) => w.toUpperCase());
}

/** Leading words of statements that return rows: the one list (CommandComplete, Describe). */
export const ROW_COMMANDS: ReadonlySet<string> = new Set([
  'SELECT',
  'WITH',
  'VALUES',
  'TABLE',
  'FROM',
  'SHOW',
  'DESCRIBE',
  'EXPLAIN',
  'PRAGMA',
  'RVBBIT',
  'SUMMARIZE',
  'CALL',
  'PIVOT',
  'UNPIVOT',
]);

/** Statements that never send rows, whatever DuckDB returns for them. */
const COMMANDS = new Set([
  'BEGIN',
  'START',
  'COMMIT',
  'END',
  'ROLLBACK',
  'ABORT',
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

const TWO_WORD = new Set(['CREATE', 'DROP', 'ALTER']);

/** Commands that send rows when they have a RETURNING clause (SQLAlchemy's ORM inserts with one). */
const RETURNING_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

/** `INSERT … RETURNING …` and the like: RETURNING outside strings, quoted names and comments. */
function hasReturning(first: string, sql: string): boolean {
  if (!RETURNING_COMMANDS.has(first)) return false;
  const bare = sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\//g, ' ');
  return /\bRETURNING\b/i.test(bare);
}

export interface Completion {
  /** True if the statement's rows go to the client (RowDescription + DataRows). */
  readonly rows: boolean;
  readonly tag: string;
}

/**
 * Whether a statement's result goes to the client as rows (RowDescription and
 * DataRows), from its leading words; for a statement neither list names,
 * from its columns (a lone `Count` of at most one row is a count). Describe
 * (`rowCount` unknown) and CommandComplete decide with this one rule.
 */
export function sendsRows(sql: string, columns: readonly ResultColumn[], rowCount = 0): boolean {
  const [first = ''] = leadingWords(sql, 1);
  const onlyCount = columns.length === 1 && columns[0]!.name === 'Count' && rowCount <= 1;
  const mapIntoTable = first === 'CREATE' && /\bAS\s+RVBBIT\b/i.test(sql);
  return (
    ROW_COMMANDS.has(first) ||
    mapIntoTable ||
    hasReturning(first, sql) ||
    (!COMMANDS.has(first) && columns.length > 0 && !onlyCount)
  );
}

/** A statement whose result never goes to the client as rows (INSERT, CREATE TABLE), whatever its columns. */
export function neverSendsRows(sql: string): boolean {
  return COMMANDS.has(leadingWords(sql, 1)[0] ?? '') && !sendsRows(sql, []);
}

/** What to tell the client about a finished statement. */
export function completionOf(sql: string, result: QueryResult): Completion {
  const [first = '', second = ''] = leadingWords(sql, 3);
  const onlyCount =
    result.columns.length === 1 && result.columns[0]!.name === 'Count' && result.rows.length <= 1;
  const count = onlyCount ? Number(result.rows[0]?.Count ?? 0) : result.rows.length;
  if (hasReturning(first, sql)) {
    const n = result.rows.length;
    return { rows: true, tag: first === 'INSERT' ? `INSERT 0 ${n}` : `${first} ${n}` };
  }
  if (sendsRows(sql, result.columns, result.rows.length)) {
    return { rows: true, tag: `SELECT ${result.rows.length}` };
  }
  switch (first) {
    case 'INSERT':
      return { rows: false, tag: `INSERT 0 ${count}` };
    case 'UPDATE':
    case 'DELETE':
    case 'MERGE':
    case 'COPY':
      return { rows: false, tag: `${first} ${count}` };
    case 'START':
      return { rows: false, tag: 'BEGIN' };
    case 'END':
      return { rows: false, tag: 'COMMIT' };
    case 'ABORT':
      return { rows: false, tag: 'ROLLBACK' };
    default: {
      if (TWO_WORD.has(first)) {
        const words = leadingWords(sql, 4).filter(
          (w) => !['OR', 'REPLACE', 'TEMP', 'TEMPORARY', 'UNIQUE'].includes(w),
        );
        const object = words[1] ?? second;
        if (first === 'CREATE' && onlyCount && object === 'TABLE' && /\bAS\b/i.test(sql)) {
          return { rows: false, tag: `SELECT ${count}` };
        }
        return { rows: false, tag: `${first} ${object}`.trim() };
      }
      return { rows: false, tag: first || 'OK' };
    }
  }
}

/** Transaction status after a statement succeeded, given the status before. */
export function txAfter(sql: string, before: 'I' | 'T' | 'E'): 'I' | 'T' | 'E' {
  const [first = '', second = ''] = leadingWords(sql, 2);
  if (first === 'BEGIN' || (first === 'START' && second === 'TRANSACTION')) return 'T';
  if (['COMMIT', 'END', 'ROLLBACK', 'ABORT'].includes(first)) return 'I';
  return before;
}
