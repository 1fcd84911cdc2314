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
/** Statements that may read the log tables (a false positive only costs a refresh). */
const NAMES_LOGS = /queries|unified_logs|jobs/i;

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
        // A table of the same name: its rows are the operator's; they move, not vanish.
        const rows = await readJson(con, `SELECT * FROM rvbbit.${t}`);
        await q.run((logCon) => insertJson(logCon, `rvbbit.${t}`, rows));
        await con.run(`DROP TABLE rvbbit.${t}`);
      }
      await con.run(emptyOwnTableSql(t, await q.run((logCon) => jsonShape(logCon, `rvbbit.${t}`))));
      await con.run(`CREATE OR REPLACE VIEW rvbbit.${t} AS SELECT * FROM temp.main.${own(t)}`);
    }
  });
  return { q, store: logStore, instance, spill };
}

/**
 * Fills `con`'s own copies of the log tables with `owner`'s rows, when `sql`
 * may read them (always when `force`). Rows still buffered are flushed first
 * by the caller.
 */
export async function refreshOwnLogs(
  con: DuckDBConnection,
  logs: LogDatabase,
  owner: string | null,
  sql: string,
  force = false,
): Promise<void> {
  if (!force && !NAMES_LOGS.test(sql)) return;
  const queries = `SELECT * FROM rvbbit.queries WHERE owner IS NOT DISTINCT FROM $1`;
  const sources: Record<LogTable, string> = {
    queries,
    unified_logs: `SELECT * FROM rvbbit.unified_logs WHERE query_id IN (SELECT query_id FROM (${queries}))`,
    jobs: `SELECT * FROM rvbbit.jobs WHERE owner IS NOT DISTINCT FROM $1`,
  };
  // The three tables' rows in one statement of the log database, not one each.
  const read = await logs.q.run((logCon) =>
    logCon.runAndReadAll(
      `SELECT ${LOG_TABLES.map((t) => `(SELECT ${JSON_ROWS} FROM (${sources[t]}) t) AS ${t}`).join(', ')}`,
      [owner],
    ),
  );
  const rows = read.getRowObjectsJS()[0]!;
  const shapes = await shapesOf(logs);
  // An owner with no rows yet (every client's first connection) gets empty tables by DDL
  // alone, one statement for the three: typed from the same shapes, without parsing JSON.
  if (LOG_TABLES.every((t) => String(rows[t]) === '[]')) {
    await con.run(LOG_TABLES.map((t) => emptyOwnTableSql(t, shapes.get(t)!)).join(';\n'));
    return;
  }
  for (const t of LOG_TABLES) await createOwnTable(con, t, String(rows[t]), shapes.get(t)!);
}

/**
 * Each log table's `jsonShape`, read once per log database: its tables keep their columns
 * (log-retention.ts replaces one by a copy of itself). Read per table for every connection,
 * they were a sixth of a server login's CPU.
 */
const shapesRead = new WeakMap<LogDatabase, Promise<Map<LogTable, string>>>();
function shapesOf(logs: LogDatabase): Promise<Map<LogTable, string>> {
  let shapes = shapesRead.get(logs);
  if (shapes === undefined) {
    shapes = logs.q.run(async (logCon) => {
      const out = new Map<LogTable, string>();
      for (const t of LOG_TABLES) out.set(t, await jsonShape(logCon, `rvbbit.${t}`));
      return out;
    });
    shapesRead.set(logs, shapes);
    shapes.catch(() => shapesRead.delete(logs));
  }
  return shapes;
}

/** A JSON array of a subquery `t`'s rows (a cross-database copy that keeps every column's type). */
const JSON_ROWS = `coalesce(to_json(list(t)), '[]')::VARCHAR`;

/** `con`'s TEMP copy of log table `t`, holding `rows` (JSON), typed by `shape` (jsonShape). */
async function createOwnTable(con: DuckDBConnection, t: LogTable, rows: string, shape: string) {
  await con.run(
    `CREATE OR REPLACE TEMP TABLE ${own(t)} AS
     SELECT unnest(from_json($1::JSON, $2), recursive := true)`,
    [rows, shape],
  );
}

/** The same table empty: its columns as `shape` (jsonShape) names and types them. */
function emptyOwnTableSql(t: LogTable, shape: string): string {
  const columns = Object.entries((JSON.parse(shape) as Record<string, string>[])[0]!);
  const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;
  return `CREATE OR REPLACE TEMP TABLE ${own(t)} (${columns.map(([name, type]) => `${quoted(name)} ${type}`).join(', ')})`;
}

/** The rows of `sql` as one JSON array (a cross-database copy that keeps every column's type). */
async function readJson(con: DuckDBConnection, sql: string, params: unknown[] = []): Promise<string> {
  const r = await con.runAndReadAll(`SELECT ${JSON_ROWS} AS rows FROM (${sql}) t`, params as never);
  return String(r.getRowObjectsJS()[0]!.rows);
}

async function insertJson(con: DuckDBConnection, table: string, rows: string): Promise<void> {
  if (rows === '[]') return;
  const shape = await jsonShape(con, table);
  await con.run(`INSERT INTO ${table} SELECT unnest(from_json($1::JSON, $2), recursive := true)`, [
    rows,
    shape,
  ]);
}

/** `[{"col": "TYPE", …}]` for from_json, in the table's column order. */
async function jsonShape(con: DuckDBConnection, table: string): Promise<string> {
  const r = await con.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE ${table})`);
  const shape: Record<string, string> = {};
  for (const c of r.getRowObjectsJS()) shape[String(c.column_name)] = String(c.column_type);
  return JSON.stringify([shape]);
}
