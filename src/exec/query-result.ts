/**
 * What `engine.query` returns: columns with their DuckDB types, and rows as
 * plain JS values (BIGINT → bigint, DATE/TIMESTAMP → Date, DECIMAL → number,
 * LIST/STRUCT → arrays/objects), as DuckDB's JS converter gives them.
 */
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';

export interface ResultColumn {
  readonly name: string;
  readonly type: string;
}

export interface QueryResult {
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly Record<string, unknown>[];
}

export async function readResult(
  con: DuckDBConnection,
  sql: string,
  params?: readonly DuckDBValue[] | Record<string, DuckDBValue>,
): Promise<QueryResult> {
  const reader = await con.runAndReadAll(sql, params as DuckDBValue[] | undefined);
  const names = reader.columnNames();
  const types = reader.columnTypes().map(String);
  return {
    columns: names.map((name, i) => ({ name, type: types[i]! })),
    rows: reader.getRowObjectsJS(),
  };
}
