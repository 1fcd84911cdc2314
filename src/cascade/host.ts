/**
 * What a cascade may ask of its host. The engine binds this to its DuckDB
 * connection (read-only); tests bind it to a real in-memory DuckDB.
 */
import type { BatchLedger } from '../llm/batch-delivery.js';

export type { BatchLedger, BatchLedgerEntry } from '../llm/batch-delivery.js';

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
  /** Where `delivery: batch` keeps its batch ids (the engine: rvbbit.batches), so a re-run picks a batch up. */
  readonly batches?: BatchLedger;
}
