/**
 * The columns Describe tells a client, before Execute runs the statement, and
 * Execute's rows sent as they were described. postgres.js and asyncpg read
 * every row by the statement's Describe: an answer of NoData followed by
 * rows gave `[{}, {}]` or "the number of columns … is different from what
 * was described".
 *
 * The columns are planned, never run: DuckDB's prepare for plain SQL and
 * catalog queries, the session statement's `describe` for RVBBIT statements and semantic
 * SELECTs (no model is called), the cursor's for FETCH. Two things only the
 * run knows are settled at Execute instead (`asDescribed`): a MAP's `_error`
 * (described always, sent NULL when no row failed), and the type of a value
 * bound to a parameter DuckDB could not type from the SQL (sent as its text
 * when described as text).
 */

import { RvbbitError } from '../../base/errors.js';
import type { QueryResult, ResultColumn } from '../db/query-result.js';
import { rowKeys } from '../db/query-result.js';
import { ERROR_COLUMN } from '../statements/map/map-output.js';
import { specialQuery } from './catalog-queries.js';
import { renameIdentityColumns } from './catalog-rewrite.js';
import { ensureCatalog } from './catalog-setup.js';
import { sendsRows } from './statement-class.js';
import type { StatementExecutor } from './statement-executor.js';
import { isEmptyQuery, type PreparedStatement } from './statement-shape.js';
import { Oid } from './types/oids.js';
import { pgTypeOf } from './types/type-map.js';
import { encodeText } from './types/value-codec.js';

/**
 * The columns `sql` sends when it runs (none: NoData), with `paramOids` the
 * types the client declared for its parameters. Throws what planning a
 * statement that returns rows throws (a missing table or cascade): Execute
 * would fail the same way, and Postgres reports it at Parse.
 */
export async function statementColumns(
  executor: StatementExecutor,
  statement: PreparedStatement,
): Promise<readonly ResultColumn[]> {
  const { sql, paramOids, cls } = statement;
  if (isEmptyQuery(sql)) return [];
  const { session, settings, params, pid } = executor.client;
  const ofCursor = await executor.cursors.columnsOf(sql, session);
  if (ofCursor) return ofCursor;
  if (cls.rows === 'never') return [];
  const special = specialQuery(sql, new Map(settings), params, pid);
  if (special?.kind === 'command') return [];
  if (special?.kind === 'rows') return special.result.columns;
  // An open stream holds the session's DuckDB connection: read it into memory first.
  await executor.cursors.beforeStatement(false);
  const paramTypes = paramOids.map(boundType);
  let columns: readonly ResultColumn[];
  try {
    await ensureCatalog(session, special?.kind === 'sql' ? special.sql : sql, params, pid);
    if (special?.kind === 'sql') {
      const prepared = await session.connection.preparedColumns(special.sql, paramTypes);
      columns = renameIdentityColumns({ columns: prepared, rows: [] }).columns;
    } else columns = (await statement.parsed().at(-1)?.describe(paramTypes)) ?? [];
  } catch (err) {
    // A statement no list says returns rows (SAVEPOINT, a DuckDB command) is for Execute to run or refuse.
    if (cls.rows !== 'always') return [];
    throw err;
  }
  return sendsRows(cls, columns) ? columns : [];
}

/**
 * The DuckDB type a parameter is bound as (types/param-codec.ts decodeParam), for a
 * parameter DuckDB cannot type from the SQL: the declared type, else text,
 * as Postgres takes an unknown one.
 */
function boundType(oid: number): string | undefined {
  switch (oid) {
    case Oid.bool:
      return 'BOOLEAN';
    case Oid.int2:
      return 'SMALLINT';
    case Oid.int4:
    case Oid.oid:
      return 'INTEGER';
    case Oid.int8:
      return 'BIGINT';
    case Oid.float4:
      return 'FLOAT';
    case Oid.float8:
      return 'DOUBLE';
    // A numeric binds as a DECIMAL of its own width and scale: described as one wide enough.
    case Oid.numeric:
      return 'DECIMAL(38,10)';
    case Oid.bytea:
      return 'BLOB';
    case Oid.date:
      return 'DATE';
    case Oid.timestamp:
      return 'TIMESTAMP';
    case Oid.timestamptz:
      return 'TIMESTAMPTZ';
    case Oid.time:
      return 'TIME';
    case Oid.timetz:
      return 'TIMETZ';
    case Oid.interval:
      return 'INTERVAL';
    case Oid.uuid:
      return 'UUID';
    case Oid.json:
    case Oid.jsonb:
      return 'JSON';
    default:
      return undefined;
  }
}

/**
 * `result` as its Describe said it would come: the described columns' types
 * (a value of another type described as text goes as its text), and a
 * described `_error` the MAP did not add as NULL. Names are the result's own
 * (rows are keyed by them; DataRows carry no names). A column count Describe
 * did not promise is an error, as in Postgres when a prepared statement's
 * tables changed under it.
 */
export function asDescribed(result: QueryResult, described: readonly ResultColumn[]): QueryResult {
  const actual = result.columns;
  const errorAdded = described.length === actual.length + 1 && described.at(-1)?.name === ERROR_COLUMN;
  if (described.length !== actual.length && !errorAdded) {
    throw new RvbbitError(
      'RESULT_SHAPE_CHANGED',
      `cached plan must not change result type: the statement returned ${actual.length} column(s) where its Describe said ${described.length}; prepare it again`,
    );
  }
  const columns = described.map((d, i) => {
    const a = actual[i];
    if (!a) return d;
    return pgTypeOf(a.type).oid === pgTypeOf(d.type).oid ? a : { name: a.name, type: d.type };
  });
  if (!errorAdded && columns.every((c, i) => c === actual[i])) return result;
  const asText = columns.flatMap((c, i) =>
    c !== actual[i] && actual[i] && pgTypeOf(c.type).oid === Oid.text ? [i] : [],
  );
  if (asText.length === 0) return { columns, rows: result.rows };
  const keys = rowKeys(actual);
  const rows = result.rows.map((row) => {
    const out = { ...row };
    for (const i of asText) out[keys[i]!] = encodeText(row[keys[i]!], actual[i]!.type);
    return out;
  });
  return { columns, rows };
}
