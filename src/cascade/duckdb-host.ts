/**
 * A CascadeHost on a DuckDB connection (`@duckdb/node-api`), read-only.
 *
 * Rule: the query (trailing semicolons removed) is wrapped as
 * `SELECT * FROM (<query>) AS rvbbit_sql_data LIMIT n`, and the wrapped text must be
 * exactly one statement. DuckDB accepts only queries inside a subquery
 * (SELECT, WITH, FROM-first, VALUES, DESCRIBE, SUMMARIZE, SHOW, PIVOT), so DDL,
 * DML, COPY, ATTACH, SET and PRAGMA statements are refused by DuckDB's parser,
 * and the single-statement check stops `…); DROP TABLE t; --` tricks.
 * Reading files (`read_csv`) is a read and is allowed; an engine that must stop
 * it sets `enable_external_access = false` on its database.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { errorMessage, RvbbitError } from '../errors.js';
import type { CascadeHost, SqlResult } from './host.js';

export const SqlDataErrorCode = {
  /** Not a single read-only query. */
  NotReadOnly: 'SQL_DATA_NOT_READ_ONLY',
  /** DuckDB rejected or failed the query. */
  Failed: 'SQL_DATA_FAILED',
} as const;

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
  return {
    async sqlData(query: string, limit: number, signal?: AbortSignal): Promise<SqlResult> {
      const body = query.trim().replace(/(;\s*)+$/, '');
      const limitN = Math.max(1, Math.floor(limit));
      const wrapped = `SELECT * FROM (\n${body}\n) AS rvbbit_sql_data LIMIT ${limitN}`;
      let statements: number;
      try {
        statements = (await connection.extractStatements(wrapped)).count;
      } catch (err) {
        throw new RvbbitError(
          SqlDataErrorCode.NotReadOnly,
          `not a single read-only query: ${firstLine(err)}`,
        );
      }
      if (statements !== 1) {
        throw new RvbbitError(
          SqlDataErrorCode.NotReadOnly,
          'not a single read-only query: found several statements',
        );
      }
      const interrupt = (): void => connection.interrupt();
      signal?.addEventListener('abort', interrupt, { once: true });
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
        const code = /^Parser Error/.test(message) ? SqlDataErrorCode.NotReadOnly : SqlDataErrorCode.Failed;
        throw new RvbbitError(
          code,
          code === SqlDataErrorCode.NotReadOnly ? `not a single read-only query: ${message}` : message,
        );
      } finally {
        signal?.removeEventListener('abort', interrupt);
      }
    },
  };
}

function firstLine(err: unknown): string {
  return errorMessage(err).split('\n')[0]!;
}
