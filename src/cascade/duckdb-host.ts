/**
 * A CascadeHost on a DuckDB connection (`@duckdb/node-api`), read-only.
 *
 * Three layers:
 * 1. the query (trailing semicolons removed) is wrapped as
 *    `SELECT * FROM (<query>) AS rvbbit_sql_data LIMIT n`, and the wrapped text
 *    must be exactly one statement. DuckDB accepts only queries inside a
 *    subquery (SELECT, WITH, FROM-first, VALUES, DESCRIBE, SUMMARIZE, SHOW,
 *    PIVOT), so DDL, DML, COPY, ATTACH, EXPORT, IMPORT, INSTALL, LOAD, SET,
 *    PRAGMA, CALL and transaction statements are refused by DuckDB's parser,
 *    and the single-statement check stops `…); DROP TABLE t; --` tricks;
 * 2. the parse tree is checked (sql-data-guard.ts): no sequence, checkpoint,
 *    file or URL access, no function with side effects;
 * 3. the query runs in a `READ ONLY` transaction, so a write that got past
 *    both is still refused by DuckDB (skipped when the connection is already
 *    inside the user's transaction: RUN's host shares the session's).
 * Every refusal is SQL_DATA_NOT_READ_ONLY with what was refused.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { SqlDataErrorCode } from '../../base/error-codes.js';
import { errorMessage, RvbbitError } from '../../base/errors.js';
import type { CascadeHost, SqlResult } from './host.js';
import { checkSqlDataQuery, type GuardMemo, SqlDataRefusal } from './sql-data-guard.js';

export { SqlDataErrorCode };

const INTEGER_TYPES = new Set([
  'TINYINT',
  'SMALLINT',
  'INTEGER',
  'BIGINT',
  'HUGEINT',
  'UTINYINT',
  'USMALLINT',
  'UINTEGER',
  'UBIGINT',
  'UHUGEINT',
]);

/** JSON-safe value: big integers become numbers when exact, else strings; DECIMAL becomes a number. */
function toJsonSafe(value: unknown, type: string): unknown {
  if (typeof value !== 'string') return value;
  if (INTEGER_TYPES.has(type)) {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  }
  if (type.startsWith('DECIMAL')) {
    const n = Number(value);
    return Number.isFinite(n) ? n : value;
  }
  return value;
}

export function createDuckDbHost(connection: DuckDBConnection): CascadeHost {
  // One query at a time: its check, transaction and read are several statements
  // on the connection, and a MAP's rows ask concurrently.
  let tail: Promise<unknown> = Promise.resolve();
  const memo: GuardMemo = { knownTables: new Set() };
  return {
    sqlData(query: string, limit: number, signal?: AbortSignal): Promise<SqlResult> {
      const next = tail.then(() => runQuery(connection, memo, query, limit, signal));
      tail = next.catch(() => undefined);
      return next;
    },
  };
}

async function runQuery(
  connection: DuckDBConnection,
  memo: GuardMemo,
  query: string,
  limit: number,
  signal?: AbortSignal,
): Promise<SqlResult> {
  const body = query.trim().replace(/(;\s*)+$/, '');
  const limitN = Math.max(1, Math.floor(limit));
  const wrapped = `SELECT * FROM (\n${body}\n) AS rvbbit_sql_data LIMIT ${limitN}`;
  let statements: number;
  try {
    statements = (await connection.extractStatements(wrapped)).count;
  } catch (err) {
    throw new RvbbitError(SqlDataErrorCode.NotReadOnly, `not a single read-only query: ${firstLine(err)}`);
  }
  if (statements !== 1) {
    throw new RvbbitError(
      SqlDataErrorCode.NotReadOnly,
      'not a single read-only query: found several statements',
    );
  }
  try {
    await checkSqlDataQuery(connection, wrapped, memo);
  } catch (err) {
    if (err instanceof SqlDataRefusal) {
      throw new RvbbitError(SqlDataErrorCode.NotReadOnly, `refused: ${err.message}`);
    }
    throw new RvbbitError(SqlDataErrorCode.Failed, firstLine(err));
  }
  signal?.throwIfAborted();
  const interrupt = (): void => connection.interrupt();
  signal?.addEventListener('abort', interrupt, { once: true });
  const ownTransaction = await connection.run('BEGIN TRANSACTION READ ONLY').then(
    () => true,
    () => false,
  );
  try {
    const reader = await connection.runAndReadAll(wrapped);
    const names = reader.columnNames();
    const types = reader.columnTypes().map(String);
    const rows = reader.getRowObjectsJson().map((row) => {
      const out: Record<string, unknown> = {};
      names.forEach((name, i) => {
        out[name] = toJsonSafe(row[name], types[i]!);
      });
      return out;
    });
    return { columns: names.map((name, i) => ({ name, type: types[i]! })), rows, row_count: rows.length };
  } catch (err) {
    const message = firstLine(err);
    const code = /^(Parser Error|TransactionContext Error: Cannot write)/.test(message)
      ? SqlDataErrorCode.NotReadOnly
      : SqlDataErrorCode.Failed;
    throw new RvbbitError(
      code,
      code === SqlDataErrorCode.NotReadOnly ? `not a single read-only query: ${message}` : message,
    );
  } finally {
    signal?.removeEventListener('abort', interrupt);
    if (ownTransaction) await connection.run('ROLLBACK').catch(() => undefined);
  }
}

function firstLine(err: unknown): string {
  return errorMessage(err).split('\n')[0]!;
}
