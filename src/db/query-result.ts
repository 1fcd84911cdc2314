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
} from '@duckdb/node-api';

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
 * so the caller holds the connection's lease until it is read.
 */
export async function streamUserResult(
  con: DuckDBConnection,
  sql: string,
  params: readonly DuckDBValue[] | undefined,
): Promise<DuckDBResult> {
  const prepared = await (params && params.length > 0 ? preparedWith(con, sql, params) : con.prepare(sql));
  try {
    return await prepared.stream();
  } finally {
    // The result outlives its prepared statement (node-api's con.stream does the same).
    prepared.destroySync();
  }
}

/** A streaming result's columns, named and typed as `engine.query` reports them. */
export function resultColumns(result: DuckDBResult): ResultColumn[] {
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
  result: DuckDBResult,
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
