/**
 * What `engine.query` returns: columns with their DuckDB types, and rows as
 * plain JS values (BIGINT → bigint, DATE/TIMESTAMP → Date, DECIMAL → number,
 * LIST/STRUCT → arrays/objects), as DuckDB's JS converter gives them.
 * `engine.stream` reads the same values chunk by chunk.
 */
import {
  type DuckDBConnection,
  type DuckDBDataChunk,
  type DuckDBResult,
  type DuckDBType,
  type DuckDBValue,
  JSDuckDBValueConverter,
  StatementType,
} from '@duckdb/node-api';
import { RvbbitError } from '../../base/errors.js';

/** Rows per batch an `engine.stream` yields. */
export const STREAM_BATCH_ROWS = 2048;

export interface ResultColumn {
  readonly name: string;
  readonly type: string;
}

/** A column's type as `engine.query` reports it: JSON is a VARCHAR with an alias, named as the user sees it. */
export function typeName(t: DuckDBType): string {
  return t.alias ?? String(t);
}

/**
 * The key of each column in a result's row objects, by position: a repeated
 * name gets `:n` (its n-th repeat), as DuckDB's row objects name them. Read
 * rows through these, never by column name, or same-named columns collide.
 */
export function rowKeys(columns: readonly ResultColumn[]): string[] {
  const seen = new Map<string, number>();
  return columns.map((c) => {
    const n = seen.get(c.name) ?? 0;
    seen.set(c.name, n + 1);
    return n === 0 ? c.name : `${c.name}:${n}`;
  });
}

export interface QueryResult {
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly Record<string, unknown>[];
  /**
   * Shown to people (the CLI's table, a Postgres client's rows) at most this
   * many columns wide: the last column's text wrapped (output/wrap-result.ts).
   * EXPLAIN's text sets it; the rows here keep their one-line values.
   */
  readonly wrapAt?: number;
}

export async function readResult(
  con: DuckDBConnection,
  sql: string,
  params?: readonly DuckDBValue[],
): Promise<QueryResult> {
  const reader = await con.runAndReadAll(sql, params as DuckDBValue[] | undefined);
  return toResult(reader);
}

/**
 * A user statement with the caller's parameters: they bind only to a
 * statement that takes parameters, so `SELECT 1; SELECT … WHERE x > $1` works.
 * `exact`: rows carry DuckDB's own values (see streamRowObjects).
 */
export async function readUserResult(
  con: DuckDBConnection,
  sql: string,
  params: readonly DuckDBValue[] | undefined,
  exact = false,
): Promise<QueryResult> {
  const reader =
    !params || params.length === 0
      ? await con.runAndReadAll(sql)
      : await (await preparedWith(con, sql, params)).runAndReadAll();
  return toResult(reader, exact);
}

/** A user query's column names and DuckDB types, run with no rows (`LIMIT 0`), parameters bound as above. */
export async function userQueryColumns(
  con: DuckDBConnection,
  sql: string,
  params: readonly DuckDBValue[] | undefined,
): Promise<{ readonly names: string[]; readonly types: DuckDBType[] }> {
  const empty = `SELECT * FROM (\n${sql}\n) LIMIT 0`;
  const reader =
    params && params.length > 0
      ? await (await preparedWith(con, empty, params)).runAndReadAll()
      : await con.runAndReadAll(empty);
  return { names: reader.columnNames(), types: reader.columnTypes() };
}

/** Rows as JSON-safe objects (what templates and cache keys see), parameters bound as above. */
export async function readUserRowsJson(
  con: DuckDBConnection,
  sql: string,
  params: readonly DuckDBValue[] | undefined,
): Promise<Record<string, unknown>[]> {
  const reader =
    params && params.length > 0
      ? await (await preparedWith(con, sql, params)).runAndReadAll()
      : await con.runAndReadAll(sql);
  return reader.getRowObjectsJson();
}

/** Runs a statement that embeds user SQL (a USING query), binding `$n` only if it has any. */
export async function runUserStatement(
  con: DuckDBConnection,
  sql: string,
  params: readonly DuckDBValue[] | undefined,
): Promise<void> {
  if (!params || params.length === 0) await con.run(sql);
  else await (await preparedWith(con, sql, params)).run();
}

/**
 * A streaming result of a user statement, parameters bound as above. DuckDB
 * computes chunks as they are fetched; running anything else on `con` ends it,
 * so the caller holds the connection's lease until it is read, and then (or
 * when it stops reading early) closes it.
 */
export async function streamUserResult(
  con: DuckDBConnection,
  sql: string,
  params: readonly DuckDBValue[] | undefined,
  /** Whether `con` is in a transaction block, when the caller knows (QueryOptions.inTransactionBlock). */
  inTransactionBlock?: boolean,
): Promise<CheckedResult> {
  const prepared = await (params && params.length > 0 ? preparedWith(con, sql, params) : con.prepare(sql));
  try {
    // Only a SELECT's rows come as they are computed; other statements run whole before their result.
    if (prepared.statementType !== StatementType.SELECT)
      return new CheckedResult(con, await prepared.stream(), 'unchecked');
    const watch = await transactionWatch(con, inTransactionBlock);
    try {
      return new CheckedResult(con, await prepared.stream(), watch);
    } catch (err) {
      if (watch === 'own') await con.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  } finally {
    // The result outlives its prepared statement (node-api's con.stream does the same).
    prepared.destroySync();
  }
}

/**
 * How a stream's failure is seen: in the session's transaction, in one the
 * stream opens for itself, or not at all (not a SELECT, or a transaction
 * already aborted, where the statement fails on its own).
 */
type Watch = 'session' | 'own' | 'unchecked';

/**
 * Whether `con` is inside a transaction block, without disturbing it (a BEGIN
 * that fails would abort the block): two reads of txid_current() agree only
 * inside one. Undefined when the reads fail: an aborted transaction, where the
 * next statement fails on its own.
 */
export async function inTransactionBlock(con: DuckDBConnection): Promise<boolean | undefined> {
  const txid = async () => (await con.runAndReadAll('SELECT txid_current()')).getRows()[0]![0];
  try {
    const first = await txid();
    return (await txid()) === first;
  } catch {
    return undefined;
  }
}

/** A SELECT's watch: inside the session's block, or in a transaction the stream opens for itself. */
async function transactionWatch(con: DuckDBConnection, known: boolean | undefined): Promise<Watch> {
  const inside = known ?? (await inTransactionBlock(con));
  if (inside === undefined) return 'unchecked';
  if (inside) return 'session';
  await con.run('BEGIN TRANSACTION');
  return 'own';
}

/**
 * A streaming result that does not end short in silence. DuckDB's streaming
 * fetch (`duckdb_stream_fetch_chunk`) ends the same way on an error as at the
 * end, the error only in `duckdb_result_error`, which @duckdb/node-api does not
 * expose (1.5.6-r.1; duckdb-rs mended the same, duckdb/duckdb-rs#664): a SELECT
 * that failed at row 172,032 of 600,000 came out as a shorter, successful
 * result. An error does abort the transaction the stream runs in, though, so a
 * SELECT streams inside a transaction (the session's, or its own) and, at its
 * end, a probe on the connection tells a failed stream from a finished one.
 */
export class CheckedResult {
  private ended = false;
  private rows = 0;

  constructor(
    private readonly con: DuckDBConnection,
    private readonly result: DuckDBResult,
    private readonly watch: Watch,
  ) {}

  columnNames(): string[] {
    return this.result.columnNames();
  }

  deduplicatedColumnNames(): string[] {
    return this.result.deduplicatedColumnNames();
  }

  columnTypes(): DuckDBType[] {
    return this.result.columnTypes();
  }

  /** The next chunk; at the end, an empty chunk or null, or DUCKDB_STREAM_FAILED when DuckDB stopped on an error. */
  async fetchChunk(): Promise<DuckDBDataChunk | null> {
    if (this.ended) return null;
    let chunk: DuckDBDataChunk | null;
    try {
      chunk = await this.result.fetchChunk();
    } catch (err) {
      await this.close();
      throw err;
    }
    if (chunk && chunk.rowCount > 0) {
      this.rows += chunk.rowCount;
      return chunk;
    }
    this.ended = true;
    await this.settle(true);
    return chunk;
  }

  /** Ends what the stream opened when its reader stops before the end (a LIMIT met, a cancel); idempotent. */
  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.settle(false);
  }

  private async settle(atEnd: boolean): Promise<void> {
    if (this.watch === 'unchecked') return;
    // A SELECT wrote nothing: its own transaction commits (sequences' nextval() kept) unless aborted.
    // At the end, the probe and the COMMIT go in one call (one trip to DuckDB's thread, not two):
    // an aborted transaction fails the probe, and so the call, before the COMMIT runs.
    const probe = atEnd ? (this.watch === 'own' ? 'SELECT 1; COMMIT' : 'SELECT 1') : undefined;
    let failed = false;
    if (probe) {
      try {
        await this.con.run(probe);
      } catch {
        failed = true;
      }
    }
    if (this.watch === 'own' && (failed || !probe)) {
      await this.con.run(failed ? 'ROLLBACK' : 'COMMIT').catch(() => this.con.run('ROLLBACK'));
    }
    if (failed) {
      throw new RvbbitError(
        'DUCKDB_STREAM_FAILED',
        `the query failed after ${this.rows} rows: DuckDB's streaming reader ends on an error without its message (engine.query runs the query whole and shows it)`,
        { rows: this.rows },
      );
    }
  }
}

/** A streaming result's columns, named and typed as `engine.query` reports them. */
export function resultColumns(result: CheckedResult): ResultColumn[] {
  const names = result.columnNames();
  return result.columnTypes().map((t, i) => ({ name: names[i]!, type: typeName(t) }));
}

/**
 * Rows of a streaming result, one DuckDB chunk at a time, as `engine.query`
 * gives them; `exact`: as DuckDB's own values (node-api's DuckDBValue:
 * timestamps in microseconds, DuckDBDecimalValue, DuckDBListValue …), which
 * JS values would cut (a Date holds milliseconds, a number 15 digits).
 */
export async function* streamRowObjects(
  result: CheckedResult,
  exact = false,
): AsyncGenerator<Record<string, unknown>[]> {
  const names = result.deduplicatedColumnNames();
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return;
    const rows = rowsFromColumns(
      names,
      exact ? chunk.getColumns() : chunk.convertColumns(JSDuckDBValueConverter),
    );
    releaseChunk(chunk);
    yield rows;
  }
}

/**
 * Frees a fetched chunk's data now. A chunk's memory (its strings: 2 MB for
 * 2,048 rows of 1 KB text) is otherwise freed only when V8 collects the small
 * JS object wrapping it, and V8 does not count that memory: measured, reading
 * 1M such rows and dropping every chunk peaked at 1,118 MB RSS, 197 MB with
 * this. The chunk, its vectors and values must not be used afterwards.
 */
export function releaseChunk(chunk: DuckDBDataChunk): void {
  chunk.reset();
}

async function preparedWith(con: DuckDBConnection, sql: string, params: readonly DuckDBValue[]) {
  const prepared = await con.prepare(sql);
  if (prepared.parameterCount > 0) prepared.bind(params as DuckDBValue[]);
  return prepared;
}

function toResult(
  reader: Awaited<ReturnType<DuckDBConnection['runAndReadAll']>>,
  exact = false,
): QueryResult {
  const names = reader.columnNames();
  const types = reader.columnTypes().map(typeName);
  return {
    columns: names.map((name, i) => ({ name, type: types[i]! })),
    rows: exact
      ? rowsFromColumns(reader.deduplicatedColumnNames(), reader.getColumns())
      : rowObjectsJS(reader),
  };
}

/**
 * What `reader.getRowObjectsJS()` gives (same converter, same deduplicated
 * names), built from whole converted columns: node-api's row-object path
 * visits every row through a callback and took 19–26 ms for 20,000 rows × 3
 * columns against 3–6 ms this way, at the end of every MAP.
 */
function rowObjectsJS(
  reader: Awaited<ReturnType<DuckDBConnection['runAndReadAll']>>,
): Record<string, unknown>[] {
  return rowsFromColumns(reader.deduplicatedColumnNames(), reader.getColumnsJS());
}

/** Row objects from converted columns; `from` skips leading columns (an index the caller reads itself). */
export function rowsFromColumns(
  names: readonly string[],
  columns: readonly (readonly unknown[])[],
  from = 0,
): Record<string, unknown>[] {
  const count = columns[0]?.length ?? 0;
  const rows = new Array<Record<string, unknown>>(count);
  for (let i = 0; i < count; i++) {
    const row: Record<string, unknown> = {};
    for (let c = from; c < names.length; c++) row[names[c]!] = columns[c]![i];
    rows[i] = row;
  }
  return rows;
}
