/**
 * A MAP that writes its rows (CREATE TABLE … AS, WITH (as_table = …),
 * INSERT INTO …, COPY (…) TO), streamed: the USING rows are read a chunk at
 * a time on the session's connection (map-stream.ts, finishedInOrder), and
 * each batch of finished rows, in input order, is appended by a connection
 * of its own to a table in a scratch database file (db/scratch-database.ts),
 * which DuckDB writes to disk as its row groups fill. When the last row is
 * in, one statement on the session's connection writes the target from that
 * table, as the batch path writes it from its two temp tables
 * (map-batch-statement.ts): the same typed SELECT, the same `_error` rule,
 * all of it or nothing. CREATE TABLE … AS of a table (not TEMP, its name not
 * dotted) skips the scratch file: that connection appends to a pending
 * table committed empty first (db/pending-tables.ts says why not a CREATE
 * in that transaction), commits the rows under that name and renames it to
 * the target in a commit of its own, so no row is written twice and
 * DuckDB caches one copy of the rows, not two. The input is never copied whole into a TEMP table,
 * so what JavaScript and DuckDB hold is bounded by the rows in flight, not
 * by N (DuckDB may still cache the written file's blocks under its
 * memory_limit, as it caches any table it wrote).
 *
 * `_error`: a stream knows whether some row failed only at its end, so the
 * scratch table keeps every row's error cells and the final statement
 * selects `_error` only when some row failed (or, for INSERT, when the target
 * takes it), exactly as the batch path decides. A table created directly has
 * `_error` from the start and drops it when no row failed, in the transaction
 * that renames it (7 ms after 1,000,000 rows), not in the one that appended
 * the rows (see createDirectly).
 *
 * Taken outside a transaction block only: the scratch table is committed by
 * its own connection, which a transaction the session opened earlier would
 * not see (DuckDB's snapshots), and the session's ROLLBACK must undo the
 * write. Inside BEGIN … COMMIT, or where DuckDB refuses the scratch file, the
 * batch path runs as before.
 */
import { randomBytes } from 'node:crypto';
import type { DuckDBAppender, DuckDBConnection, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { DuckDBTypeId, VARCHAR } from '@duckdb/node-api';
import { BufferedAppender } from '../../db/buffered-appender.js';
import { ConnectionQueue } from '../../db/connection-queue.js';
import { duckdbError, withUserSqlErrors } from '../../db/duckdb-error.js';
import { bytesOfDuckDbSize } from '../../db/llm-work-bound.js';
import { PENDING_PREFIX } from '../../db/pending-tables.js';
import {
  inTransactionBlock,
  type QueryResult,
  readResult,
  typeName,
  userQueryColumns,
} from '../../db/query-result.js';
import { ScratchDatabase } from '../../db/scratch-database.js';
import { quoteIdent } from '../../db/sql-text.js';
import type { StatementContext } from '../../dispatch/statement-context.js';
import { limitedUsingSql } from '../../plan/using-input.js';
import { createAsTable, tableCreated } from './map-batch-statement.js';
import { addedNames, inputNamesOut } from './map-names.js';
import { ERROR_COLUMN, outputColumns } from './map-output.js';
import type { MapRowsRun } from './map-rows.js';
import { finishedInOrder, type MapStreamContext } from './map-stream.js';
import { TypedCaster } from './map-stream-cast.js';
import { checkWrite, engineSizesRowGroups, rowGroupRows, runWrite, withRowGroupSize } from './map-write.js';
import type { FinishedRow } from './ordered-rows.js';
import type { MapPlan } from './plan-map.js';

/** The scratch table's name inside its database. */
const ROWS_TABLE = 'rows';

/** The pending table a direct write's connection appends to, until its commit (dropped by close() otherwise). */
const pending = new WeakMap<DuckDBConnection, string>();

/** Counts of the streamed writes since the process started (tests read them). */
export const streamedWrites = { started: 0, scratchRows: 0, directRows: 0 };

/** The connection a streamed write appends with, and the scratch database it appends to (none: a CTAS written directly). */
export interface StreamedWrite {
  readonly con: DuckDBConnection;
  readonly scratch: ScratchDatabase | undefined;
  /** Rolls back what was not committed, detaches and removes the scratch file; never throws. */
  close(): Promise<void>;
}

/** CREATE TABLE … AS of a table the appending connection can name as the session does: not TEMP, not dotted. */
function createsDirectly(plan: MapPlan): boolean {
  return plan.asTable !== undefined && !plan.asTableTemporary && !plan.write && !plan.asTable.includes('.');
}

/**
 * How a write streams, or undefined when the batch path runs it: the MAP
 * writes no table or file, the session is inside a transaction block, or
 * DuckDB refuses the scratch file.
 */
export async function openStreamedWrite(
  plan: MapPlan,
  ctx: StatementContext,
): Promise<StreamedWrite | undefined> {
  if (!plan.write && !plan.asTable) return undefined;
  const inside = await ctx.q.run(async (con) => (await inTransactionBlock(con)) ?? true);
  if (inside) return undefined;
  if (createsDirectly(plan)) {
    const con = await ctx.instance.connect();
    let closed = false;
    return {
      con,
      scratch: undefined,
      async close() {
        if (closed) return;
        closed = true;
        await con.run('ROLLBACK').catch(() => undefined);
        // A failed or cancelled write's pending table (committed empty before the first row): dropped.
        const left = pending.get(con);
        if (left !== undefined) await con.run(`DROP TABLE IF EXISTS ${left}`).catch(() => undefined);
        pending.delete(con);
        con.closeSync();
      },
    };
  }
  const scratch = await ScratchDatabase.open(ctx.instance);
  return scratch && { con: scratch.con, scratch, close: () => scratch.close() };
}

/** The input's column names as a table made from it names them: a repeat gets `_1`, `_2`, … (DuckDB's CREATE TABLE … AS). */
function tableNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((name) => {
    let out = name;
    for (let k = 1; seen.has(out.toLowerCase()); k++) out = `${name}_${k}`;
    seen.add(out.toLowerCase());
    return out;
  });
}

/** The scratch table: the input's columns (`i0`, `i1`, … by position) and the outcome's cells (map-output.ts). */
function scratchColumns(types: readonly DuckDBType[]): string {
  const inputs = types.map((t, k) => `i${k} ${typeName(t)}`);
  return [...inputs, 'value VARCHAR', 'json VARCHAR', 'error VARCHAR'].join(', ');
}

/** The MAP's result in input order from the scratch table `table`, with `_error` or without. */
function scratchSelect(plan: MapPlan, names: readonly string[], table: string, withError: boolean): string {
  const renamed = inputNamesOut(names, plan.output);
  const inputs = renamed.map((as, k) => `s.i${k} AS ${quoteIdent(as)}`).join(', ');
  const select = `SELECT ${inputs}, ${outputColumns(plan.output, 's')} FROM ${table} s`;
  return withError ? select : `SELECT * EXCLUDE (${ERROR_COLUMN}) FROM (${select})`;
}

/** Appends one column's value: the common types directly, the rest through DuckDB's value of that type. */
type AppendCell = (appender: DuckDBAppender, value: DuckDBValue) => void;

function cellAppender(type: DuckDBType): AppendCell {
  const direct: AppendCell | undefined = (() => {
    switch (type.typeId) {
      case DuckDBTypeId.VARCHAR:
        return type.alias ? undefined : (a, v) => a.appendVarchar(v as string);
      case DuckDBTypeId.BIGINT:
        return (a, v) => a.appendBigInt(v as bigint);
      case DuckDBTypeId.INTEGER:
        return (a, v) => a.appendInteger(v as number);
      case DuckDBTypeId.DOUBLE:
        return (a, v) => a.appendDouble(v as number);
      case DuckDBTypeId.BOOLEAN:
        return (a, v) => a.appendBoolean(v as boolean);
      default:
        return undefined;
    }
  })();
  const append: AppendCell = direct ?? ((a, v) => a.appendValue(v, type));
  return (a, v) => (v === null ? a.appendNull() : append(a, v));
}

function appendText(appender: DuckDBAppender, v: string | null): void {
  if (v === null) appender.appendNull();
  else appender.appendVarchar(v);
}

/** The USING query's columns, named as a table made from it names them, before its stream opens. */
async function describeInput(plan: MapPlan, ctx: MapStreamContext) {
  const usingSql = limitedUsingSql(plan);
  const described = await withUserSqlErrors(ctx.con, usingSql, plan.usingOrigin, () =>
    userQueryColumns(ctx.con, usingSql, ctx.params),
  );
  return { names: tableNames(described.names), types: described.types };
}

/**
 * Runs the MAP on the stream, handing each batch of finished rows, in input
 * order, to `write` (awaited before the next batch is taken); returns the run.
 */
async function runInOrder(
  plan: MapPlan,
  ctx: MapStreamContext,
  types: readonly DuckDBType[],
  write: (rows: readonly FinishedRow[]) => Promise<void>,
): Promise<MapRowsRun> {
  const expected = types.map(typeName).join(', ');
  const finished = finishedInOrder(plan, ctx, {
    readAhead: false,
    duckdbValues: true,
    async onInput(input) {
      const got = input.duckdbColumnTypes().map(typeName).join(', ');
      if (got !== expected) {
        throw new Error(
          `the USING query's columns changed between its probe (${expected}) and its run (${got})`,
        );
      }
    },
  });
  try {
    for (;;) {
      const next = await finished.next();
      if (next.done) return next.value;
      await write(next.value);
    }
  } finally {
    await finished.return(undefined as never);
  }
}

/** `run()`, the appender closed when it fails (its rows go with the transaction's rollback). */
async function closedOnFailure<T>(out: BufferedAppender, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    await out.close().catch(() => undefined);
    throw err;
  }
}

/** DuckDB's bound while a streamed write runs (db/llm-work-bound.ts, WRITE_MEMORY_LIMIT), and how to put the engine's back. */
export interface LlmBound {
  /** The bound a Parquet COPY writes its file under (COPY_MEMORY_LIMIT), in bytes; undefined: never lowered. */
  readonly bytes: number | undefined;
  /** Releases the statement's hold on the lower bound before its end. */
  readonly over?: () => Promise<void>;
  /** Holds the final copy's bound into a table (db/llm-work-bound.ts, FINAL_WRITE_MEMORY_LIMIT) until released. */
  readonly final?: () => Promise<() => Promise<void>>;
  /** Holds the COPY's bound, and no lower, for a Parquet COPY whose row groups are sized to it. */
  readonly copy?: () => Promise<() => Promise<void>>;
}

/** Runs the MAP and writes its rows; the result is what the batch path gives (a count, or CTAS's metadata row). */

export async function writeMapStreamed(
  plan: MapPlan,
  ctx: MapStreamContext,
  how: StreamedWrite,
  bound: LlmBound = { bytes: undefined },
): Promise<{ readonly result: QueryResult; readonly run: MapRowsRun }> {
  streamedWrites.started++;
  return how.scratch
    ? writeThroughScratch(plan, ctx, how.scratch, bound)
    : createDirectly(plan, ctx, how.con);
}

/** Counts of the row groups the engine sized on its final COPYs (tests read them). */
export const sizedRowGroups = { copies: 0, lastRows: 0 };

/** A row's size as a Parquet writer holds it, roughly: its text's length, 8 bytes for any other value. */
function rowBytes(row: FinishedRow): number {
  let n = 0;
  for (const v of row.values) n += typeof v === 'string' ? v.length : 8;
  for (const v of [row.cells.value, row.cells.json, row.cells.error]) n += v === null ? 0 : v.length;
  return n;
}

/**
 * DuckDB's bound for the final statement, in bytes: the one set now, or the COPY's bound if that
 * is lower (it may be set while the statement runs: hold() lowers it after a second).
 */
async function boundBytes(con: DuckDBConnection, bound: LlmBound): Promise<number> {
  const now = (await con.runAndReadAll(`SELECT current_setting('memory_limit') AS m`)).getRowObjectsJS()[0]!
    .m;
  const bytes = bytesOfDuckDbSize(String(now));
  return Math.min(
    Number.isNaN(bytes) ? Number.POSITIVE_INFINITY : bytes,
    bound.bytes ?? Number.POSITIVE_INFINITY,
  );
}

/**
 * A `COPY … TO` Parquet streams its rows under the write's bound (db/llm-work-bound.ts,
 * WRITE_MEMORY_LIMIT) and runs its final statement under the COPY's, held as a floor
 * (COPY_MEMORY_LIMIT), with row groups the engine sizes to a share of it from the rows it
 * appended (map-write.ts, rowGroupRows), unless the user sized them: a Parquet row group is built
 * in memory, which DuckDB cannot spill, and DuckDB's default (122,880 rows, ~112 MiB of ~1 KB
 * rows) failed under 256 MB, while under the engine's 1 GB bound the final COPY of a million such
 * rows took the process from 566 to 956 MB. Other COPYs, and a Parquet COPY whose row groups the
 * user sized, call `bound.over` once the last row is in the scratch table, before the statement
 * that writes the file (no call is left then). An INSERT or a table keeps the write's bound while
 * its rows run, and its final statement runs under a lower one still (underFinalBound): DuckDB
 * evicts or spills the table's blocks under it.
 */
async function writeThroughScratch(
  plan: MapPlan,
  ctx: MapStreamContext,
  scratch: ScratchDatabase,
  bound: LlmBound,
): Promise<{ readonly result: QueryResult; readonly run: MapRowsRun }> {
  // The session's connection, leased to this statement: a queue of its own for the checks.
  const session = { ...ctx, q: new ConnectionQueue(ctx.con) };
  const { names, types } = await describeInput(plan, ctx);
  const table = scratch.table(ROWS_TABLE);
  await scratch.con.run(`CREATE TABLE ${table} (${scratchColumns(types)})`);
  // Before any row runs: the target, its columns and COPY's options, bound over the empty table (map-write.ts).
  const write = plan.write;
  const insertError = write
    ? await checkWrite(
        plan,
        write,
        { select: (withError) => scratchSelect(plan, names, table, withError) },
        names.length,
        session,
      )
    : false;
  const sizesRowGroups =
    write?.kind === 'copy' &&
    (await engineSizesRowGroups(write, scratchSelect(plan, names, table, true), session));
  const appendInput = types.map(cellAppender);
  const out = new BufferedAppender(new ConnectionQueue(scratch.con), ROWS_TABLE, {
    schema: 'main',
    catalog: scratch.name,
  });
  // One transaction: DuckDB writes a large insert's row groups to the file as they fill.
  await scratch.con.run('BEGIN TRANSACTION');
  // What the rows take, for the Parquet row groups the engine sizes.
  let appendedRows = 0;
  let appendedBytes = 0;
  const run = await closedOnFailure(out, () =>
    runInOrder(plan, ctx, types, (rows) =>
      out.append(rows.length, (appender) => {
        for (const row of rows) {
          if (sizesRowGroups) {
            appendedRows++;
            appendedBytes += rowBytes(row);
          }
          for (let k = 0; k < appendInput.length; k++)
            appendInput[k]!(appender, row.values[k] as DuckDBValue);
          appendText(appender, row.cells.value);
          appendText(appender, row.cells.json);
          appendText(appender, row.cells.error);
          appender.endRow();
        }
        streamedWrites.scratchRows += rows.length;
      }),
    ),
  );
  await out.close();
  await scratch.con.run('COMMIT');
  // A table written from the scratch file spills under the write's bound; a Parquet row group
  // cannot, so the engine sizes it, or the bound goes back up before the write.
  let final = write;
  const sizing = write?.kind === 'copy' && sizesRowGroups;
  // Held before the row groups are sized: the COPY's bound, which no other write takes lower meanwhile.
  const sized = sizing ? await bound.copy?.() : undefined;
  try {
    if (write?.kind === 'copy' && sizing) {
      const rows = rowGroupRows(appendedBytes / Math.max(appendedRows, 1), await boundBytes(ctx.con, bound));
      final = withRowGroupSize(write, rows);
      sizedRowGroups.copies++;
      sizedRowGroups.lastRows = rows;
    } else if (write?.kind === 'copy') await bound.over?.();
    // Whether `_error` goes in: as the batch path decides (map-batch-statement.ts, hasErrors).
    const withError =
      write?.kind === 'insert' ? insertError : await someRowFailed(plan, run, names, table, ctx);
    const select = scratchSelect(plan, names, table, withError);
    const writeRows = () =>
      final
        ? runWrite(final, select, (sql) => readResult(ctx.con, sql))
        : createAsTable(ctx.con, plan, select, ctx.queryId);
    if (final?.kind === 'copy') return { result: await writeRows(), run };
    return { result: await underFinalBound(bound, writeRows), run };
  } finally {
    await sized?.();
  }
}

/**
 * A table filled from the scratch file, under the final copy's bound (db/llm-work-bound.ts,
 * FINAL_WRITE_MEMORY_LIMIT); when DuckDB still runs out of memory, once more under the write's
 * bound: the failed statement wrote nothing (a streamed write runs outside a transaction block).
 */
export async function underFinalBound<T>(bound: LlmBound, write: () => Promise<T>): Promise<T> {
  let release = await bound.final?.();
  try {
    return await write();
  } catch (err) {
    const held = release;
    if (!held || duckdbError(err).code !== 'DUCKDB_OUT_OF_MEMORY') throw err;
    release = undefined;
    await held();
    return await write();
  } finally {
    await release?.();
  }
}

/**
 * CREATE TABLE … AS written by `con`: the table made
 * with the MAP's columns and `_error`, each batch appended as it finishes
 * (typed columns cast by DuckDB, map-stream-cast.ts); then `_error`
 * dropped when no row failed and the name given, in a second transaction.
 */
async function createDirectly(
  plan: MapPlan,
  ctx: MapStreamContext,
  con: DuckDBConnection,
): Promise<{ readonly result: QueryResult; readonly run: MapRowsRun }> {
  const { names, types } = await describeInput(plan, ctx);
  // Where the session's unqualified name goes: its current database and schema.
  const where = (
    await ctx.con.runAndReadAll('SELECT current_database() AS db, current_schema() AS sch')
  ).getRowObjectsJS()[0]!;
  const [db, schema, name] = [String(where.db), String(where.sch), plan.asTable!];
  const table = [db, schema, name].map(quoteIdent).join('.');
  const caster = plan.output.kind === 'typed' ? await TypedCaster.open(ctx.instance, plan.output) : undefined;
  try {
    // The result columns' types, `_error` last (VARCHAR for one result column).
    const resultTypes = caster ? caster.duckdbColumnTypes() : [VARCHAR, VARCHAR];
    // addedNames ends with `_error`.
    const columnNames = [...inputNamesOut(names, plan.output), ...addedNames(plan.output)];
    const columnTypes = [...types, ...resultTypes];
    const columns = columnNames.map((c, i) => `${quoteIdent(c)} ${typeName(columnTypes[i]!)}`).join(', ');
    // A table of that name already there fails here, before the first call (DuckDB's own message).
    await con.run('BEGIN TRANSACTION');
    await con.run(`CREATE TABLE ${table} (${columns})`);
    await con.run('ROLLBACK');
    // The rows go to a pending table committed empty first, so the transaction that appends them
    // makes no catalog change until its end: DuckDB checkpoints the database meanwhile (the log
    // rows each call commits), which a CREATE TABLE in that transaction would block (see above).
    const pendingName = `${PENDING_PREFIX}${randomBytes(6).toString('hex')}`;
    const pendingTable = [db, schema, pendingName].map(quoteIdent).join('.');
    pending.set(con, pendingTable);
    await con.run(`CREATE TABLE ${pendingTable} (${columns})`);
    await con.run('BEGIN TRANSACTION');
    const appendColumn = columnTypes.map(cellAppender);
    const inputs = types.length;
    const out = new BufferedAppender(new ConnectionQueue(con), pendingName, { schema, catalog: db });
    let failed = false;
    const run = await closedOnFailure(out, () =>
      runInOrder(plan, ctx, types, async (rows) => {
        const results = caster
          ? await caster.castValues(rows.map((r) => r.cells))
          : rows.map((r) => [r.cells.value, r.cells.error]);
        await out.append(rows.length, (appender) => {
          rows.forEach((row, i) => {
            for (let k = 0; k < inputs; k++) appendColumn[k]!(appender, row.values[k] as DuckDBValue);
            const result = results[i]!;
            for (let k = 0; k < result.length; k++)
              appendColumn[inputs + k]!(appender, result[k] as DuckDBValue);
            if (result[result.length - 1] !== null) failed = true;
            appender.endRow();
          });
          streamedWrites.directRows += rows.length;
        });
      }),
    );
    await out.close();
    // The rows are committed under the pending name first, and `_error` dropped and the name
    // given in a transaction of their own: a DROP COLUMN in the transaction that appended the
    // rows made DuckDB copy every row into the WAL at the commit instead of keeping the row
    // groups it had written to the file as they filled (1M ~510-byte rows: 483 MB of WAL
    // against 0; bench/ctas-wal.child.mjs). The target's name still appears whole or not at all:
    // only the second commit gives it, and a failure before then drops the pending table (close()).
    await con.run('COMMIT');
    await con.run('BEGIN TRANSACTION');
    if (!failed) await con.run(`ALTER TABLE ${pendingTable} DROP COLUMN ${ERROR_COLUMN}`);
    await con.run(`ALTER TABLE ${pendingTable} RENAME TO ${quoteIdent(name)}`);
    await con.run('COMMIT');
    pending.delete(con);
    return { result: await tableCreated(ctx.con, plan, ctx.queryId), run };
  } finally {
    caster?.close();
  }
}

/** One result column: the run counted its failed rows; typed columns add cast problems, which only DuckDB can tell. */
async function someRowFailed(
  plan: MapPlan,
  run: MapRowsRun,
  names: readonly string[],
  table: string,
  ctx: MapStreamContext,
): Promise<boolean> {
  if (plan.output.kind === 'single') return run.failedRows > 0;
  const reader = await ctx.con.runAndReadAll(
    `SELECT count(*)::DOUBLE AS n FROM (${scratchSelect(plan, names, table, true)}) WHERE ${ERROR_COLUMN} IS NOT NULL`,
  );
  return Number(reader.getRowObjectsJS()[0]!.n) > 0;
}
