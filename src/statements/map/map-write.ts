/**
 * `INSERT INTO t [(cols)] RVBBIT MAP …` and `COPY (RVBBIT MAP …) TO 'file'
 * (…)`: the MAP runs streamed into a scratch table (map-stream-write.ts) or,
 * inside a transaction block, as the batch path runs it (input and outcomes
 * in DuckDB temp tables), then one DuckDB statement writes the rows, in input
 * order, from those tables — the same SELECT, and so the same typing, as
 * CREATE TABLE … AS. The write is one statement: all of it or nothing, and
 * inside an open transaction it rolls back with it.
 *
 * What can be checked before a row runs is checked then, so a wrong target
 * pays for no call: the table, its column list and column count (DuckDB binds
 * the INSERT over the empty outcome table), COPY's format and options (DuckDB
 * binds the COPY). A value DuckDB cannot cast into the target's type, or a
 * file it cannot open, fails at the write itself: still no row written, the
 * answers kept in the cache for a re-run.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdbErrorCode } from '../../../base/error-codes.js';
import { errorMessage, RvbbitError } from '../../../base/errors.js';
import { quoteIdent, quoteString } from '../../db/sql-text.js';
import type { StatementContext } from '../../dispatch/statement-context.js';
import { addedNames } from './map-names.js';
import type { MapPlan, MapWrite } from './plan-map.js';

/** What the write needs of the MAP's run: its SELECT in input order, and whether `_error` goes in. */
export interface WriteShape {
  /** The MAP's result columns then `_error`, in input order (map-batch-statement.ts). */
  readonly select: (withError: boolean) => string;
}

/** The statement that writes `select`'s rows to the target. */
function writeSql(write: MapWrite, select: string): string {
  if (write.kind === 'insert') {
    const columns = write.columns ? ` (${write.columns.map(quoteIdent).join(', ')})` : '';
    return `INSERT INTO ${write.table.map(quoteIdent).join('.')}${columns} ${select}`;
  }
  return `COPY (${select}) TO ${quoteString(write.path)}${write.options ? ` ${write.options}` : ''}`;
}

/** `INSERT INTO main.t` / `COPY … TO 'x.parquet'`, as the error names the target. */
function targetText(write: MapWrite): string {
  return write.kind === 'insert'
    ? `INSERT INTO ${write.table.join('.')}`
    : `COPY … TO ${quoteString(write.path)}`;
}

/** DuckDB's refusal of the write, naming the target and where it was written; its code kept (a missing table stays 42P01). */
function writeError(write: MapWrite, err: unknown): RvbbitError {
  if (err instanceof RvbbitError) return err;
  const message = errorMessage(err);
  const kind = /^([A-Za-z]+(?: [A-Za-z]+){0,2}) Error:/.exec(message)?.[1];
  // The first line: DuckDB's caret points into SQL the engine wrote, not the user's text.
  const first = message.split('\n')[0]!;
  const { line, column } = write.at;
  return new RvbbitError(
    duckdbErrorCode(kind),
    `${targetText(write)} (line ${line}, column ${column}): ${first}`,
    { line, column },
    { cause: err },
  );
}

/**
 * Whether the INSERT's target takes `_error` too: the table (or its column
 * list) has exactly one column more than the MAP's input and result columns.
 * COPY writes `_error` as CREATE TABLE … AS does: only when some row failed.
 */
async function insertTakesError(
  con: DuckDBConnection,
  write: Extract<MapWrite, { kind: 'insert' }>,
  mapColumns: number,
): Promise<boolean> {
  if (write.columns) return write.columns.length === mapColumns + 1;
  const table = write.table.map(quoteIdent).join('.');
  const reader = await con.runAndReadAll(`SELECT count(*)::INT AS n FROM (DESCRIBE ${table})`);
  return Number(reader.getRowObjectsJS()[0]!.n) === mapColumns + 1;
}

/**
 * Before any row runs: DuckDB binds the write over the (still empty) outcome
 * table, so a missing table or column, a wrong column count or a bad COPY
 * option fails now. Returns whether an INSERT writes `_error`.
 */
export async function checkWrite(
  plan: MapPlan,
  write: MapWrite,
  shape: WriteShape,
  inputColumns: number,
  ctx: StatementContext,
): Promise<boolean> {
  const mapColumns = inputColumns + addedNames(plan.output).length - 1;
  return ctx.q.run(async (con) => {
    try {
      const withError = write.kind === 'insert' ? await insertTakesError(con, write, mapColumns) : true;
      await con.prepare(writeSql(write, shape.select(withError)));
      return withError;
    } catch (err) {
      throw writeError(write, err);
    }
  });
}

/**
 * Parquet row groups the engine sizes on its own final `COPY … TO` (map-stream-write.ts): a
 * row group is built in memory, which DuckDB cannot spill, and DuckDB's default of 122,880 rows
 * is ~112 MiB of ~1 KB rows, past the 256 MB bound LLM work runs under ("Out of Memory Error:
 * failed to allocate data of size 112.1 MiB"). A row group gets this share of DuckDB's bound:
 * DuckDB alone (bench/parquet-copy.child.mjs, 1,000,000 ~1 KB rows in input order under 256 MB)
 * peaked at 395 MB RSS with groups of 16,384 rows (~16 MiB) and 393 MB with 32,768; at 1 GB
 * with its default groups, 912 MB. `ROW_GROUP_SIZE_BYTES` would say it directly, but DuckDB
 * refuses it while insertion order is kept, which a MAP's COPY needs.
 *
 * A tenth, not a sixteenth: under the 96 MB a Parquet COPY writes its file under (db/llm-work-bound.ts,
 * COPY_MEMORY_LIMIT) a sixteenth gave 4,096-row groups, and groups that small cost far more outside
 * DuckDB's bound. DuckDB alone, 1,000,000 ~1 KB rows from a table of 16,384-row groups (the scratch
 * file's) under 96 MB, RSS added by the COPY: 2,048 or 4,096 rows +110–140 MB; 6,144 +22; 8,192
 * (a tenth) +13–17; 14,336 and 16,384 +12–18; 32,768 failed ("failed to allocate data of size
 * 36.7 MiB"). The CLI's 1M-row COPY under 96 MB with 4,096-row groups went from ~370 to 448 MB
 * in its final statement.
 */
export const ROW_GROUP_SHARE_OF_BOUND = 1 / 10;
/** DuckDB's own row group (its default ROW_GROUP_SIZE), and the fewest rows the engine puts in one (a vector). */
const ROW_GROUP_ROWS = { max: 122_880, min: 2_048 } as const;

/**
 * Rows per Parquet row group for rows of `rowBytes` on average under a bound of `boundBytes`: a
 * whole number of vectors (2,048 rows), rounded down, since DuckDB rounds a ROW_GROUP_SIZE up to
 * one (3,900 wrote groups of 4,096 rows).
 */
export function rowGroupRows(rowBytes: number, boundBytes: number): number {
  const vectors = Math.floor(
    (boundBytes * ROW_GROUP_SHARE_OF_BOUND) / Math.max(rowBytes, 1) / ROW_GROUP_ROWS.min,
  );
  return Math.min(ROW_GROUP_ROWS.max, Math.max(1, vectors) * ROW_GROUP_ROWS.min);
}

/** The COPY with `ROW_GROUP_SIZE rows` added to its options. */
export function withRowGroupSize(
  write: Extract<MapWrite, { kind: 'copy' }>,
  rows: number,
): Extract<MapWrite, { kind: 'copy' }> {
  const inner = write.options?.slice(1, -1).trim() ?? '';
  return { ...write, options: `(${inner ? `${inner}, ` : ''}ROW_GROUP_SIZE ${rows})` };
}

/**
 * Whether the engine may size the COPY's row groups: DuckDB binds the COPY with a
 * `ROW_GROUP_SIZE` added (so its writer takes one, Parquet, and the user gave none: a second
 * is DuckDB's "Unexpected duplicate option"), and the user did not size them in bytes.
 */
export async function engineSizesRowGroups(
  write: Extract<MapWrite, { kind: 'copy' }>,
  select: string,
  ctx: StatementContext,
): Promise<boolean> {
  if (write.options && /\bROW_GROUP_SIZE_BYTES\b/i.test(write.options)) return false;
  return ctx.q.run((con) =>
    con.prepare(writeSql(withRowGroupSize(write, ROW_GROUP_ROWS.min), select)).then(
      () => true,
      () => false,
    ),
  );
}

/** Writes the rows; DuckDB's answer is the count (`Count`), which the server tags `INSERT 0 n` / `COPY n`. */
export async function runWrite<T>(
  write: MapWrite,
  select: string,
  read: (sql: string) => Promise<T>,
): Promise<T> {
  try {
    return await read(writeSql(write, select));
  } catch (err) {
    throw writeError(write, err);
  }
}
