/**
 * The `rvbbit` schema: tables the engine writes and users read with SQL on the
 * same engine (design.md, "Cache, sessions, observability").
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { CALL_LOG_SCHEMA, callLogSegment, callLogSegments } from './call-log-ring.js';
import { GUARANTEE_COLUMNS } from './guarantee-columns.js';
import { DEFAULT_MAX_LOG_ROWS } from './log-retention.js';

/** Where the rvbbit tables live; SQL names them `rvbbit.<table>` either way. */
export interface RvbbitStore {
  /** null: the engine's own database. */
  readonly catalog: string | null;
  readonly schema: string;
  /**
   * Cache entries and log rows are committed at most this long after they are
   * written, so a crash (kill -9) keeps the paid work done before it; absent:
   * within ROWS_COMMITTED_WITHIN_MS (an in-memory store loses everything in a
   * crash anyway: there the deadline is only for readers the engine cannot see).
   */
  readonly durableWithinMs?: number;
  /**
   * The newest rows each log table keeps (obs/log-retention.ts); absent:
   * every row (a database file's log, on disk).
   */
  readonly maxLogRows?: number;
}

/**
 * Cache entries and log rows are committed at most this long after they are written when
 * nothing asks sooner (the store's `durableWithinMs` when it sets one): a statement that names
 * one of the tables commits them first (engine/system-tables.ts), so what it reads holds every
 * statement that ended before it, and a view of one's own over them is this far behind at most.
 */
export const ROWS_COMMITTED_WITHIN_MS = 250;

/** In a database file: schema `rvbbit`, so the cache and logs persist with the data. */
export const FILE_STORE: RvbbitStore = { catalog: null, schema: 'rvbbit', durableWithinMs: 250 };
/** In-memory: a compressed in-memory database attached as `rvbbit` (see ensureRvbbitSchema). */
const MEMORY_STORE: RvbbitStore = { catalog: 'rvbbit', schema: 'main', maxLogRows: DEFAULT_MAX_LOG_ROWS };

const CACHE_TABLES_SQL = `
CREATE TABLE IF NOT EXISTS rvbbit.cache (
  key VARCHAR, cascade_id VARCHAR, value VARCHAR,
  created_at TIMESTAMP, expires_at TIMESTAMP, bytes INTEGER
);
CREATE TABLE IF NOT EXISTS rvbbit.cache_stats (
  hits BIGINT, misses BIGINT, evictions BIGINT, entries BIGINT, bytes BIGINT, updated_at TIMESTAMP
);
`;

/** The tables of what ran and who ran it: private to each server client unless logs are shared. */
export const LOG_TABLES = ['queries', 'unified_logs', 'jobs'] as const;
export type LogTable = (typeof LOG_TABLES)[number];

// `owner` (the server client that ran the statement; null in-process) is last:
// files written before it existed get it by ALTER TABLE, also last.
// `chunks_by` (scale-out: JSON {worker: chunks it ran}; null when all ran locally) comes after it.
// unified_logs' `tokens_cached`, `response_format`, `delivery` and `warning` (the
// provider's prompt cache, how the schema reached the model, Batch API delivery,
// a refused response_format) came after `answered_by`: older files get them by
// ALTER TABLE, in the same order, so the appender's column order holds for both.
// unified_logs' `sent` (a request went to the provider; false for a cache hit and
// for a call the client refused itself, over a window it knows) is after them;
// older rows hold NULL there, read as sent when not a cache hit.
// jobs' `progress` (a RUN ASYNC under delivery: batch: its batch's status and
// counts, as the provider last reported them) is last.
// queries' proxy-guarantee columns (targets, sample, thresholds, split: log-writer.ts
// GUARANTEE_COLUMNS) come after `chunks_by`, added by ALTER TABLE to new and old files alike.
/**
 * The session index older database files carry (an ART on `session_id`), dropped at
 * start. It made `WHERE session_id = …` an index scan (1.7–3.4 ms at a million calls
 * against 13.8 ms for a scan of the checkpointed, compressed log: bench/logs-query.bench.ts),
 * but DuckDB holds an ART in memory and it grew with every call ever logged, never
 * given back: 44 MB of `ART_INDEX` at the end of a million-row CTAS into a file, so
 * ~440 MB at ten million (issue 66: what grows with the work stays bounded). A scan
 * of the file's log is bounded by the buffer pool (its blocks are evictable) and meets
 * the ≤ 100 ms a lookup target at a million calls. The in-memory log never had one
 * (it keeps a bounded number of rows, log-retention.ts).
 */
export const SESSION_INDEX = 'unified_logs_session';

/** unified_logs' columns, in the appender's order (call-rows.ts). */
const UNIFIED_LOGS_COLUMNS = `
  session_id VARCHAR, caller_id VARCHAR, query_id VARCHAR, cascade_id VARCHAR, cell VARCHAR,
  row_index BIGINT, model VARCHAR, "timestamp" TIMESTAMP, duration_ms DOUBLE,
  tokens_in INTEGER, tokens_out INTEGER, cost DOUBLE, cache_hit BOOLEAN,
  status VARCHAR, error VARCHAR, answered_by VARCHAR,
  tokens_cached INTEGER, response_format VARCHAR, delivery VARCHAR, warning VARCHAR, sent BOOLEAN`;

/** A database file's call log: one table, every call kept; an older file gains the later columns. */
const UNIFIED_LOGS_TABLE_SQL = `
CREATE TABLE IF NOT EXISTS rvbbit.unified_logs (${UNIFIED_LOGS_COLUMNS}
);
ALTER TABLE rvbbit.unified_logs ADD COLUMN IF NOT EXISTS tokens_cached INTEGER;
ALTER TABLE rvbbit.unified_logs ADD COLUMN IF NOT EXISTS response_format VARCHAR;
ALTER TABLE rvbbit.unified_logs ADD COLUMN IF NOT EXISTS delivery VARCHAR;
ALTER TABLE rvbbit.unified_logs ADD COLUMN IF NOT EXISTS warning VARCHAR;
ALTER TABLE rvbbit.unified_logs ADD COLUMN IF NOT EXISTS sent BOOLEAN;
`;

/**
 * An in-memory database's call log: `rvbbit.unified_logs` is a view over the ring's segments
 * (call-log-ring.ts), as many as `maxLogRows` needs. An in-memory database is new with its
 * engine, so no older layout to migrate.
 */
function unifiedLogsRingSql(maxLogRows: number): string {
  const segments = Array.from({ length: callLogSegments(maxLogRows).count }, (_, i) => callLogSegment(i));
  return `CREATE SCHEMA IF NOT EXISTS rvbbit.${CALL_LOG_SCHEMA};
${segments.map((t) => `CREATE TABLE IF NOT EXISTS rvbbit.${t} (${UNIFIED_LOGS_COLUMNS}\n);`).join('\n')}
CREATE OR REPLACE VIEW rvbbit.unified_logs AS
${segments.map((t) => `SELECT * FROM rvbbit.${t}`).join('\nUNION ALL ')};
`;
}

const LOG_TABLES_SQL = `
CREATE TABLE IF NOT EXISTS rvbbit.queries (
  query_id VARCHAR, text VARCHAR, kind VARCHAR, strategy VARCHAR,
  rows_in BIGINT, rows_out BIGINT, calls BIGINT, cache_hits BIGINT, cost DOUBLE,
  started_at TIMESTAMP, duration_ms DOUBLE, status VARCHAR, error VARCHAR, owner VARCHAR
);
CREATE TABLE IF NOT EXISTS rvbbit.jobs (
  session_id VARCHAR, cascade_id VARCHAR, status VARCHAR, table_created VARCHAR,
  row_count BIGINT, outputs JSON, error VARCHAR, started_at TIMESTAMP,
  finished_at TIMESTAMP, duration_ms DOUBLE, cost DOUBLE, owner VARCHAR
);
ALTER TABLE rvbbit.queries ADD COLUMN IF NOT EXISTS owner VARCHAR;
ALTER TABLE rvbbit.jobs ADD COLUMN IF NOT EXISTS owner VARCHAR;
ALTER TABLE rvbbit.queries ADD COLUMN IF NOT EXISTS chunks_by VARCHAR;
ALTER TABLE rvbbit.jobs ADD COLUMN IF NOT EXISTS progress VARCHAR;
${GUARANTEE_COLUMNS.map(([name, type]) => `ALTER TABLE rvbbit.queries ADD COLUMN IF NOT EXISTS ${name} ${type};`).join('\n')}
`;

/** An older database file's session index removed (see SESSION_INDEX). */
const DROP_SESSION_INDEX_SQL = `DROP INDEX IF EXISTS rvbbit.${SESSION_INDEX};`;

/**
 * Creates the tables once per database; safe to call again. With `inMemory`
 * they go to an in-memory database attached as `rvbbit` with DuckDB's
 * compression: `rvbbit.unified_logs` still resolves (catalog `rvbbit`, schema
 * `main`), and a log row takes about 15 bytes instead of 240 once a
 * checkpoint has compressed it (100k rows: 1.5 MB against 23 MB; the log
 * checkpoints as it grows, log-retention.ts), so a long-running in-memory
 * engine's logs stop costing what its data does.
 */
export async function ensureRvbbitSchema(
  con: DuckDBConnection,
  options: { readonly inMemory?: boolean; readonly maxLogRows?: number } = {},
): Promise<RvbbitStore> {
  if (options.inMemory) await con.run(`ATTACH IF NOT EXISTS ':memory:' AS rvbbit (COMPRESS)`);
  else await con.run('CREATE SCHEMA IF NOT EXISTS rvbbit');
  const store = options.inMemory
    ? { ...MEMORY_STORE, maxLogRows: options.maxLogRows ?? DEFAULT_MAX_LOG_ROWS }
    : FILE_STORE;
  // A server with private logs left views under the log tables' names (obs/private-logs.ts).
  for (const name of await logViews(con, store)) await con.run(`DROP VIEW rvbbit.${name}`);
  await con.run(
    CACHE_TABLES_SQL +
      LOG_TABLES_SQL +
      (store.maxLogRows === undefined
        ? UNIFIED_LOGS_TABLE_SQL + DROP_SESSION_INDEX_SQL
        : unifiedLogsRingSql(store.maxLogRows)),
  );
  return store;
}

/** Which of the log tables' names are views in `store` (left there by private logs). */
export async function logViews(con: DuckDBConnection, store: RvbbitStore): Promise<LogTable[]> {
  const r = await con.runAndReadAll(
    `SELECT view_name FROM duckdb_views()
     WHERE database_name = coalesce($1, current_database()) AND schema_name = $2`,
    [store.catalog, store.schema],
  );
  const views = new Set(r.getRowObjectsJS().map((v) => String(v.view_name)));
  return LOG_TABLES.filter((t) => views.has(t));
}

/** Whether `database` (as given to createEngine) is an in-memory DuckDB database. */
export function isInMemory(database: string | undefined): boolean {
  return database === undefined || database.startsWith(':memory:');
}
