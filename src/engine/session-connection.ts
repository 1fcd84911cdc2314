/**
 * A session's DuckDB connection taken directly, for the Postgres server's
 * connection-level steps (a client's transaction block, a COPY's batches, the
 * catalog views, prepare for Describe). Each step runs on the connection in its
 * turn (connection-queue.ts), as written: no grammar, plan or query log, which
 * is what a Session adds around a statement (session.ts). DuckDB's errors come
 * as DuckDB throws them.
 */

import type { DuckDBValue } from '@duckdb/node-api';
import type { ConnectionQueue } from '../db/connection-queue.js';
import { type QueryResult, type ResultColumn, readResult, typeName } from '../db/query-result.js';

export class SessionConnection {
  constructor(private readonly q: ConnectionQueue) {}

  /** Begins a transaction on the connection (a client's implicit block, a COPY's own). */
  async begin(): Promise<void> {
    await this.q.run((con) => con.run('BEGIN TRANSACTION'));
  }

  /** Commits (`commit`) or rolls back the connection's open transaction. */
  async end(commit: boolean): Promise<void> {
    await this.q.run((con) => con.run(commit ? 'COMMIT' : 'ROLLBACK'));
  }

  /** Runs SQL that returns nothing the caller reads (catalog views, a COPY's INSERT batch). */
  async run(sql: string, values?: readonly DuckDBValue[]): Promise<void> {
    await this.q.run((con) => con.run(sql, values as DuckDBValue[] | undefined));
  }

  /** Runs SQL and reads all its rows, same-named columns keyed apart (rowKeys). */
  read(sql: string, values?: readonly DuckDBValue[]): Promise<QueryResult> {
    return this.q.run((con) => readResult(con, sql, values));
  }

  /**
   * What DuckDB's prepare tells of `sql` without running it: its columns, and
   * its parameters' types from `$1` on (undefined where DuckDB cannot type one).
   */
  preparedShape(sql: string): Promise<{ columns: ResultColumn[]; paramTypes: (string | undefined)[] }> {
    return this.q.run(async (con) => {
      const p = await con.prepare(sql);
      try {
        return {
          columns: Array.from({ length: p.columnCount }, (_, i) => ({
            name: p.columnName(i),
            type: typeName(p.columnType(i)),
          })),
          // Type id 0 is DuckDB's INVALID: a parameter it could not type.
          paramTypes: Array.from({ length: p.parameterCount }, (_, i) =>
            p.parameterTypeId(i + 1) === 0 ? undefined : typeName(p.parameterType(i + 1)),
          ),
        };
      } finally {
        p.destroySync();
      }
    });
  }

  /**
   * The columns DuckDB's prepare gives `sql`, untyped parameters cast as
   * `paramTypes` says (describe-statement.ts preparedColumns).
   */
  async preparedColumns(sql: string, paramTypes: readonly (string | undefined)[]): Promise<ResultColumn[]> {
    const { preparedColumns } = await import('../db/prepared-columns.js');
    return this.q.run((con) => preparedColumns(con, sql, paramTypes));
  }

  /**
   * Hands the connection to `install` once, before any client statement: the
   * server's engine-file guard wraps its run, prepare and extractStatements.
   */
  guard(install: (con: ConnectionQueue['con']) => void): void {
    install(this.q.con);
  }
}
