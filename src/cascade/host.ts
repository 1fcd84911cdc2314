/**
 * What a cascade may ask of its host. The engine binds this to its DuckDB
 * connection (read-only); tests bind it to a real in-memory DuckDB.
 */
interface SqlColumn {
  readonly name: string;
  readonly type: string;
}

export interface SqlResult {
  readonly columns: readonly SqlColumn[];
  /** Rows as JSON-safe objects (BIGINT and DECIMAL become numbers or strings). */
  readonly rows: readonly Record<string, unknown>[];
  readonly row_count: number;
}

export interface CascadeHost {
  /** Runs one read-only query, returning at most `limit` rows. */
  sqlData(query: string, limit: number, signal?: AbortSignal): Promise<SqlResult>;
}
