/**
 * A `CREATE TABLE … AS RVBBIT MAP` written straight into its table
 * (statements/map/map-stream-write.ts) appends its rows to a table of this
 * prefix, committed empty before the first row, its rows committed in one
 * transaction and the table renamed to the target in the next (the target
 * appears whole or not at all). The appending transaction makes no catalog change
 * until its end, and DuckDB checkpoints the database while it runs: a CREATE
 * TABLE inside that transaction blocked every automatic checkpoint, so the
 * log rows committed meanwhile (one per call) stayed uncompressed in memory
 * and in the WAL (docs/performance.md, issue 66).
 *
 * A crash mid write (kill -9) leaves that table (empty, or full between the
 * two commits); the next engine to open the database drops it.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent } from './sql-text.js';

export const PENDING_PREFIX = '__rvbbit_ctas_';

/**
 * Drops the pending tables a crash left in the databases `con` sees; how many. Only at an
 * engine's start: DuckDB lets one process open a database file to write, and this one has
 * run no statement yet, so none of them is a write in progress.
 */
export async function dropLeftPendingTables(con: DuckDBConnection): Promise<number> {
  const r = await con.runAndReadAll(
    `SELECT database_name AS d, schema_name AS s, table_name AS t FROM duckdb_tables()
     WHERE NOT temporary AND starts_with(table_name, $1)`,
    [PENDING_PREFIX],
  );
  const left = r.getRowObjectsJS().map((t) => [t.d, t.s, t.t].map((x) => quoteIdent(String(x))).join('.'));
  for (const table of left) await con.run(`DROP TABLE ${table}`);
  return left.length;
}
