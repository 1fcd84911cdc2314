/**
 * Private logs: each server client sees its own rows of `rvbbit.queries`,
 * `rvbbit.unified_logs` and `rvbbit.jobs`, never another client's SQL text,
 * errors or costs.
 *
 * DuckDB has no per-connection privileges: any table in the database is
 * readable by every connection (and `query('…')` takes its SQL as a string,
 * so no rewrite of a client's text can hide one). So the log tables are not
 * in the clients' database at all: they live in a second DuckDB database that
 * only the engine holds (in memory, or `<file>.rvbbit-logs.duckdb` beside a
 * database file). In the clients' database the three names are views over
 * each connection's own TEMP tables (a view binds in the connection that
 * reads it), which a session fills with its own rows from the log database
 * before any statement that names them.
 */
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { ConnectionQueue } from '../db/connection-queue.js';
import { type DatabaseSpill, databaseSpill } from '../db/spill-settings.js';
import { ensureRvbbitSchema, LOG_TABLES, type LogTable, logViews, type RvbbitStore } from './schema.js';

/** Where log rows are written and read back. */
export interface LogDatabase {
  readonly q: ConnectionQueue;
  readonly store: RvbbitStore;
  /** Set when logs are private: the second database, closed with the engine. */
  readonly instance: DuckDBInstance | null;
  /** The second database's memory bound and spill folder (removed after it closes). */
  readonly spill: DatabaseSpill | null;
}

/** The file beside `database` that holds private logs (null for an in-memory database). */
export function privateLogFile(database: string | undefined): string | null {
  if (database === undefined || database.startsWith(':memory:')) return null;
  return `${database.replace(/\.duckdb$/, '')}.rvbbit-logs.duckdb`;
}

/** Each connection's own copy of a log table is a TEMP table named so; catalogs shown to clients hide them. */
export const OWN_LOG_TABLE_PREFIX = 'rvbbit_own_';
const own = (t: LogTable) => `${OWN_LOG_TABLE_PREFIX}${t}`;

/**
 * Opens the log database for private logs and puts the views in place in the
 * clients' database. Log rows already in a database file (written before it
 * was served with private logs) move to the log database first. The log
 * database is a DuckDB instance of its own, so it gets the engine's memory
 * bound and a spill folder of its own too (db/spill-settings.ts): left to
 * DuckDB's default it could cache a million log rows' blocks up to 80% of the
 * machine's memory.
 */
export async function openPrivateLogs(
  database: string | undefined,
  system: ConnectionQueue,
  store: RvbbitStore,
  memoryLimit?: string,
): Promise<LogDatabase> {
  const file = privateLogFile(database);
  const spill = databaseSpill(file === null, memoryLimit);
  const instance = await DuckDBInstance.create(file ?? ':memory:', spill.config).catch((err: unknown) => {
    spill.close();
    throw err;
  });
  const q = new ConnectionQueue(await instance.connect());
  await spill.bound(q.con).catch((err: unknown) => {
    q.con.closeSync();
    instance.closeSync();
    spill.close();
    throw err;
  });
  const logStore = await q.run((con) => ensureRvbbitSchema(con, { inMemory: file === null }));
  await system.run(async (con) => {
    const views = new Set(await logViews(con, store));
    for (const t of LOG_TABLES) {
      if (!views.has(t)) {
        // A table of the same name: its rows are the operator's; they move, not vanish,
        // column by column as the log database's table names and types them.
        await q.run(async (logCon) => {
          const columns = await columnsOf(logCon, `rvbbit.${t}`);
          const select = columns.map(([name, type]) => `${quoted(name)}::${type}`).join(', ');
          const into = { catalog: logStore.catalog, schema: logStore.schema, table: t };
          await copyRows(con, `SELECT ${select} FROM rvbbit.${t}`, [], logCon, into);
        });
        await con.run(`DROP TABLE rvbbit.${t}`);
      }
      await con.run(emptyOwnTableSql(t, await q.run((logCon) => columnsOf(logCon, `rvbbit.${t}`))));
      await con.run(`CREATE OR REPLACE VIEW rvbbit.${t} AS SELECT * FROM temp.main.${own(t)}`);
    }
  });
  return { q, store: logStore, instance, spill };
}

/**
 * Gives `con` its own copies of the log tables, empty (a connection's first
 * statement, before any names them: the views bind to them). DDL only, one
 * statement for the three: a login copies no rows, whatever the client's
 * history; the statements that name a table fill it (refreshOwnLogs).
 */
export async function createOwnLogTables(con: DuckDBConnection, logs: LogDatabase): Promise<void> {
  const shapes = await columnsOfLogs(logs);
  await con.run(LOG_TABLES.map((t) => emptyOwnTableSql(t, shapes.get(t)!)).join(';\n'));
}

/**
 * Fills `con`'s own copies of log tables `tables` (those a statement names:
 * logTablesNamed) with `owner`'s rows. Rows still buffered are flushed first
 * by the caller.
 *
 * The rows go from the log database to the copy one DuckDB vector at a time
 * (a streamed read appended as it comes), never as one value in JavaScript:
 * a client's history in a database file's log grows with every call it made,
 * and this used to build one JSON value of it in the log database and read it
 * into JavaScript as one string: 400,000 calls failed in DuckDB ("failed to
 * allocate data of size 512.0 MiB" under the engine's bound), and without a
 * bound a million took 66 s and 4.3 GB at the peak for a 300-million-character
 * string (the 2-core machine). Streamed, a million rows take ~1.7 s and no more
 * JavaScript memory than one vector of them (test/obs/private-logs-history). A statement that
 * names one table copies that table only: a client's `queries` (one row a
 * statement) are few, its `unified_logs` (one a call) are many.
 */
export async function refreshOwnLogs(
  con: DuckDBConnection,
  logs: LogDatabase,
  owner: string | null,
  tables: readonly LogTable[],
): Promise<void> {
  if (tables.length === 0) return;
  const queries = `SELECT * FROM rvbbit.queries WHERE owner IS NOT DISTINCT FROM $1`;
  const sources: Record<LogTable, string> = {
    queries,
    unified_logs: `SELECT * FROM rvbbit.unified_logs WHERE query_id IN (SELECT query_id FROM (${queries}))`,
    jobs: `SELECT * FROM rvbbit.jobs WHERE owner IS NOT DISTINCT FROM $1`,
  };
  const shapes = await columnsOfLogs(logs);
  await con.run(tables.map((t) => emptyOwnTableSql(t, shapes.get(t)!)).join(';\n'));
  await logs.q.run(async (logCon) => {
    for (const t of tables) {
      await copyRows(logCon, sources[t], [owner], con, { catalog: 'temp', schema: 'main', table: own(t) });
    }
  });
}

/** Statements that may read each log table (a false positive only costs a copy). */
const NAMES_TABLE: Record<LogTable, RegExp> = {
  queries: /queries/i,
  unified_logs: /unified_logs/i,
  jobs: /jobs/i,
};

/**
 * The log tables statement text `sql` may read: the ones it names (a name built at
 * run time is refused by the server's file guard, server/engine-file-guard.ts: it takes constants only).
 */
export function logTablesNamed(sql: string): LogTable[] {
  return LOG_TABLES.filter((t) => NAMES_TABLE[t].test(sql));
}

/** A table to append to: its catalog (null: the connection's default) and schema. */
interface TableName {
  readonly catalog: string | null;
  readonly schema: string;
  readonly table: string;
}

/**
 * Appends the rows of `sql` (run on `from`) to `to`'s table `into`, whose columns
 * are the rows' in order and type: one vector (up to 2,048 rows) at a time, the
 * read streamed, so neither side holds more than that in JavaScript. The two
 * connections may belong to different DuckDB instances (a vector is copied by
 * value).
 */
async function copyRows(
  from: DuckDBConnection,
  sql: string,
  params: unknown[],
  to: DuckDBConnection,
  into: TableName,
): Promise<void> {
  const result = await from.stream(sql, params as never);
  const appender = await to.createAppender(into.table, into.schema, into.catalog);
  try {
    for (
      let chunk = await result.fetchChunk();
      chunk && chunk.rowCount > 0;
      chunk = await result.fetchChunk()
    ) {
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/**
 * Each log table's columns (`columnsOf`), read once per log database: its tables keep
 * their columns (log-retention.ts replaces one by a copy of itself). Read per table for
 * every connection, they were a sixth of a server login's CPU.
 */
const shapesRead = new WeakMap<LogDatabase, Promise<Map<LogTable, Column[]>>>();
function columnsOfLogs(logs: LogDatabase): Promise<Map<LogTable, Column[]>> {
  let shapes = shapesRead.get(logs);
  if (shapes === undefined) {
    shapes = logs.q.run(async (logCon) => {
      const out = new Map<LogTable, Column[]>();
      for (const t of LOG_TABLES) out.set(t, await columnsOf(logCon, `rvbbit.${t}`));
      return out;
    });
    shapesRead.set(logs, shapes);
    shapes.catch(() => shapesRead.delete(logs));
  }
  return shapes;
}

/** A column's name and its type as DESCRIBE writes it. */
type Column = readonly [name: string, type: string];

/** `con`'s TEMP copy of log table `t`, empty, with `columns`. */
function emptyOwnTableSql(t: LogTable, columns: readonly Column[]): string {
  return `CREATE OR REPLACE TEMP TABLE ${own(t)} (${columns.map(([name, type]) => `${quoted(name)} ${type}`).join(', ')})`;
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** A table's columns in order. */
async function columnsOf(con: DuckDBConnection, table: string): Promise<Column[]> {
  const r = await con.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE ${table})`);
  return r.getRowObjectsJS().map((c) => [String(c.column_name), String(c.column_type)] as const);
}
