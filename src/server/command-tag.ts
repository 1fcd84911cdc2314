/**
 * CommandComplete tags (`SELECT 3`, `INSERT 0 2`, `CREATE TABLE` …), from a
 * statement's classification (statement-class.ts) and its result.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html (CommandComplete)
 */
import type { QueryResult } from '../db/query-result.js';
import { classifyStatement, isOnlyCount, type StatementClass, sendsRows } from './statement-class.js';

export interface Completion {
  /** True if the statement's rows go to the client (RowDescription + DataRows). */
  readonly rows: boolean;
  readonly tag: string;
}

/** Commands whose tag names the object too (`CREATE TABLE`, `DROP VIEW`). */
const TWO_WORD: ReadonlySet<string> = new Set(['CREATE', 'DROP', 'ALTER']);

/** What to tell the client about a finished statement. */
export function completionOf(
  sql: string,
  result: QueryResult,
  cls: StatementClass = classifyStatement(sql),
): Completion {
  const { first, words } = cls;
  const onlyCount = isOnlyCount(result.columns, result.rows.length);
  const count = onlyCount ? Number(result.rows[0]?.Count ?? 0) : result.rows.length;
  if (cls.returning) {
    const n = result.rows.length;
    return { rows: true, tag: first === 'INSERT' ? `INSERT 0 ${n}` : `${first} ${n}` };
  }
  if (sendsRows(cls, result.columns, result.rows.length)) {
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
        // CREATE [OR REPLACE] SEMANTIC FUNCTION answers CREATE FUNCTION, as Postgres' CREATE FUNCTION does.
        // The object is the first word after CREATE that is no modifier: `CREATE OR REPLACE
        // SEMANTIC FUNCTION` has four words before it (the first four alone answered `CREATE OR`).
        const object =
          words
            .slice(0, 5)
            .filter((w) => !['OR', 'REPLACE', 'TEMP', 'TEMPORARY', 'UNIQUE', 'SEMANTIC'].includes(w))[1] ??
          words[1] ??
          '';
        if (first === 'CREATE' && onlyCount && object === 'TABLE' && cls.createAs) {
          return { rows: false, tag: `SELECT ${count}` };
        }
        return { rows: false, tag: `${first} ${object}`.trim() };
      }
      return { rows: false, tag: first || 'OK' };
    }
  }
}
