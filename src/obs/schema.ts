/**
 * The `rvbbit` schema: tables the engine writes and users read with SQL on the
 * same engine (design.md, "Cache, sessions, observability").
 */
import type { DuckDBConnection } from '@duckdb/node-api';

export const RVBBIT_TABLES_SQL = `
CREATE SCHEMA IF NOT EXISTS rvbbit;
CREATE TABLE IF NOT EXISTS rvbbit.cache (
  key VARCHAR, cascade_id VARCHAR, value VARCHAR,
  created_at TIMESTAMP, expires_at TIMESTAMP, bytes INTEGER
);
CREATE TABLE IF NOT EXISTS rvbbit.unified_logs (
  session_id VARCHAR, caller_id VARCHAR, query_id VARCHAR, cascade_id VARCHAR, cell VARCHAR,
  row_index BIGINT, model VARCHAR, "timestamp" TIMESTAMP, duration_ms DOUBLE,
  tokens_in INTEGER, tokens_out INTEGER, cost DOUBLE, cache_hit BOOLEAN,
  status VARCHAR, error VARCHAR, answered_by VARCHAR
);
CREATE TABLE IF NOT EXISTS rvbbit.queries (
  query_id VARCHAR, text VARCHAR, kind VARCHAR, strategy VARCHAR,
  rows_in BIGINT, rows_out BIGINT, calls BIGINT, cache_hits BIGINT, cost DOUBLE,
  started_at TIMESTAMP, duration_ms DOUBLE, status VARCHAR, error VARCHAR
);
CREATE TABLE IF NOT EXISTS rvbbit.jobs (
  session_id VARCHAR, cascade_id VARCHAR, status VARCHAR, table_created VARCHAR,
  row_count BIGINT, outputs JSON, error VARCHAR, started_at TIMESTAMP,
  finished_at TIMESTAMP, duration_ms DOUBLE, cost DOUBLE
);
CREATE TABLE IF NOT EXISTS rvbbit.cache_stats (
  hits BIGINT, misses BIGINT, evictions BIGINT, entries BIGINT, bytes BIGINT, updated_at TIMESTAMP
);
`;

/** Creates the schema and its tables once per database; safe to call again. */
export async function ensureRvbbitSchema(con: DuckDBConnection): Promise<void> {
  await con.run(RVBBIT_TABLES_SQL);
}
