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
  /** The newest calls an in-memory log database keeps (EngineOptions.maxLogRows). */
  maxLogRows?: number,
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
  const logStore = await q.run((con) => ensureRvbbitSchema(con, { inMemory: file === null, maxLogRows }));
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
 * logTablesNamed) with `owner`'s rows, every row again. Rows still buffered are
 * flushed first by the caller. A session keeps an OwnLogCopies instead, which
 * copies only what is new where the log database keeps every row.
 */
export async function refreshOwnLogs(
  con: DuckDBConnection,
  logs: LogDatabase,
  owner: string | null,
  tables: readonly LogTable[],
): Promise<void> {
  await new OwnLogCopies(logs, owner).refresh(con, tables);
}

/** What a connection's copy of an append-only log table holds: the log's rows through these rowids. */
interface CopiedThrough {
  /** The log table's highest rowid when it was last copied (-1: never). */
  readonly through: bigint;
  /** Rows the copy should hold: another count means the client changed it (a rollback, a DELETE), and it is copied whole again. */
  readonly rows: bigint;
  /** unified_logs: `queries`' highest rowid then (a call is its owner's once its statement's row is there). */
  readonly queriesThrough: bigint;
  /**
   * unified_logs: the statements whose calls were logged through `through` but whose `queries` row was
   * not there yet (running then), each with its first call's rowid: their calls are copied from there
   * once the row comes, if it is the owner's.
   */
  readonly running: ReadonlyMap<string, bigint>;
}

const NOTHING_COPIED: CopiedThrough = { through: -1n, rows: 0n, queriesThrough: -1n, running: new Map() };

/**
 * One connection's own copies of the log tables, refreshed before a statement
 * that may read them (logTablesNamed).
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
 *
 * Copied whole every time, those ~1.7 s per million of the client's calls held the
 * log connection, so every other client's log writes waited behind each of its
 * statements naming `unified_logs` (issue 66: what one client makes the server do
 * must not grow with its history). Where the log database keeps every row (a
 * database file's: `store.maxLogRows` unset), `queries` and `unified_logs` only
 * ever get rows appended (nothing updates or deletes them), so a copy keeps what it
 * has and reads only rowid ranges, which DuckDB prunes by row group: the log's rows
 * past what it copied, and the calls of statements that were running at the last
 * refresh. A call is its owner's through its statement's `queries` row, written when
 * the statement ends, after its calls: a statement running at one refresh (another
 * connection of the same owner, or another owner's) has its calls taken from its
 * first one when its row comes. `jobs` rows are updated as jobs run, and an in-memory
 * log drops its oldest rows (at most `maxLogRows` a table: log-retention.ts, its calls
 * a ring of segment tables under a view, call-log-ring.ts): those are copied whole, as before.
 */
export class OwnLogCopies {
  private readonly copied = new Map<LogTable, CopiedThrough>();
  /** Rows the last refresh appended, by table (tests read it: an incremental copy takes the new rows only). */
  lastCopied: Partial<Record<LogTable, number>> = {};

  constructor(
    private readonly logs: LogDatabase,
    private readonly owner: string | null,
  ) {}

  async refresh(con: DuckDBConnection, tables: readonly LogTable[]): Promise<void> {
    if (tables.length === 0) return;
    const shapes = await columnsOfLogs(this.logs);
    const appendOnly = this.logs.store.maxLogRows === undefined;
    const from = new Map<LogTable, CopiedThrough>();
    for (const t of tables) {
      const was = appendOnly && t !== 'jobs' ? this.copied.get(t) : undefined;
      if (was !== undefined && (await rowsIn(con, own(t))) === was.rows) from.set(t, was);
      else from.set(t, NOTHING_COPIED);
    }
    const whole = tables.filter((t) => from.get(t) === NOTHING_COPIED);
    if (whole.length > 0) await con.run(whole.map((t) => emptyOwnTableSql(t, shapes.get(t)!)).join(';\n'));
    this.lastCopied = {};
    await this.logs.q.run(async (logCon) => {
      // Read first, on the log connection its writers share: the rows through these are the ones copied now.
      const now = await highestRowids(logCon, appendOnly);
      for (const t of tables) {
        const was = from.get(t)!;
        const into = { catalog: 'temp', schema: 'main', table: own(t) };
        const copy = (sql: string, params: unknown[]) => copyRows(logCon, sql, params, con, into);
        const mine = 'owner IS NOT DISTINCT FROM $1';
        let n = 0;
        let running = was.running;
        if (t === 'jobs') n = await copy(`SELECT * FROM rvbbit.jobs WHERE ${mine}`, [this.owner]);
        else if (t === 'queries')
          n = await copy(`SELECT * FROM rvbbit.queries WHERE ${mine} AND rowid > $2 AND rowid <= $3`, [
            this.owner,
            was.through,
            now.queries,
          ]);
        else if (!appendOnly) {
          // An in-memory log's calls are a view over its ring (call-log-ring.ts), with no rowid; it is
          // copied whole, and holding the log connection, no call is appended meanwhile.
          n = await copy(
            `SELECT * FROM rvbbit.unified_logs
             WHERE query_id IN (SELECT query_id FROM rvbbit.queries WHERE ${mine} AND rowid <= $2)`,
            [this.owner, now.queries],
          );
        } else {
          // The owner's calls past the copy, then the earlier calls of its statements that ended since.
          n = await copy(
            `SELECT * FROM rvbbit.unified_logs WHERE rowid > $2 AND rowid <= $3
             AND query_id IN (SELECT query_id FROM rvbbit.queries WHERE ${mine} AND rowid <= $4)`,
            [this.owner, was.through, now.unified_logs, now.queries],
          );
          const ended = await endedSince(logCon, this.owner, was, now);
          for (const [queryId, firstCall] of ended)
            n += await copy(
              'SELECT * FROM rvbbit.unified_logs WHERE rowid >= $1 AND rowid <= $2 AND query_id = $3',
              [firstCall, was.through, queryId],
            );
          running = await stillRunning(logCon, was, now);
        }
        this.lastCopied[t] = n;
        this.copied.set(t, {
          through: t === 'queries' ? now.queries : now.unified_logs,
          rows: was.rows + BigInt(n),
          queriesThrough: now.queries,
          running,
        });
      }
    });
  }
}

/** The log tables' highest rowids (-1 when empty). */
interface Highest {
  readonly queries: bigint;
  readonly unified_logs: bigint;
}

/** `withCalls`: unified_logs' too (a database file's log; an in-memory one is a view, copied whole). */
async function highestRowids(logCon: DuckDBConnection, withCalls: boolean): Promise<Highest> {
  const r = await logCon.runAndReadAll(
    `SELECT (SELECT coalesce(max(rowid), -1) FROM rvbbit.queries)::BIGINT AS q,
            ${withCalls ? '(SELECT coalesce(max(rowid), -1) FROM rvbbit.unified_logs)' : '-1'}::BIGINT AS c`,
  );
  const [q, c] = r.getRows()[0]! as [bigint, bigint];
  return { queries: q, unified_logs: c };
}

/** The owner's statements that were running at the last refresh and have their `queries` row now, with their first call's rowid. */
async function endedSince(
  logCon: DuckDBConnection,
  owner: string | null,
  was: CopiedThrough,
  now: Highest,
): Promise<[string, bigint][]> {
  if (was.running.size === 0) return [];
  const r = await logCon.runAndReadAll(
    'SELECT query_id FROM rvbbit.queries WHERE owner IS NOT DISTINCT FROM $1 AND rowid > $2 AND rowid <= $3',
    [owner, was.queriesThrough, now.queries] as never,
  );
  return r
    .getRows()
    .map(([id]) => String(id))
    .filter((id) => was.running.has(id))
    .map((id) => [id, was.running.get(id)!]);
}

/**
 * The statements with calls through `now` and no `queries` row through `now`: those still running
 * at the last refresh (less the ones whose row has come, whoever's) and those whose first calls are new.
 */
async function stillRunning(
  logCon: DuckDBConnection,
  was: CopiedThrough,
  now: Highest,
): Promise<Map<string, bigint>> {
  const running = new Map(was.running);
  if (running.size > 0) {
    const r = await logCon.runAndReadAll(
      'SELECT query_id FROM rvbbit.queries WHERE rowid > $1 AND rowid <= $2',
      [was.queriesThrough, now.queries] as never,
    );
    for (const [id] of r.getRows()) running.delete(String(id));
  }
  const r = await logCon.runAndReadAll(
    `SELECT query_id, min(rowid)::BIGINT FROM rvbbit.unified_logs c
     WHERE rowid > $1 AND rowid <= $2 AND query_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM rvbbit.queries q WHERE q.query_id = c.query_id AND q.rowid <= $3)
     GROUP BY query_id`,
    [was.through, now.unified_logs, now.queries] as never,
  );
  for (const [id, first] of r.getRows())
    if (!running.has(String(id))) running.set(String(id), first as bigint);
  return running;
}

async function rowsIn(con: DuckDBConnection, tempTable: string): Promise<bigint> {
  const r = await con.runAndReadAll(`SELECT count(*)::BIGINT FROM temp.main.${tempTable}`);
  return r.getRows()[0]![0] as bigint;
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
 * value). Returns the rows appended.
 */
async function copyRows(
  from: DuckDBConnection,
  sql: string,
  params: unknown[],
  to: DuckDBConnection,
  into: TableName,
): Promise<number> {
  const result = await from.stream(sql, params as never);
  const appender = await to.createAppender(into.table, into.schema, into.catalog);
  let rows = 0;
  try {
    for (
      let chunk = await result.fetchChunk();
      chunk && chunk.rowCount > 0;
      chunk = await result.fetchChunk()
    ) {
      appender.appendDataChunk(chunk);
      rows += chunk.rowCount;
    }
    appender.flushSync();
    return rows;
  } finally {
    appender.closeSync();
  }
}

/**
 * Each log table's columns (`columnsOf`), read once per log database: its tables keep
 * their columns (no log table is altered while the engine runs). Read per table for
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
