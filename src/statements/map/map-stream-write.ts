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
 * all of it or nothing. The input is never copied whole into a TEMP table,
 * so what JavaScript and DuckDB hold is bounded by the rows in flight, not
 * by N (DuckDB may still cache the written file's blocks under its
 * memory_limit, as it caches any table it wrote).
 *
 * `_error`: a stream knows whether some row failed only at its end, so the
 * scratch table keeps every row's error cells and the final statement
 * selects `_error` only when some row failed (or, for INSERT, when the target
 * takes it), exactly as the batch path decides. Nothing is added, then
 * dropped.
 *
 * Taken outside a transaction block only: the scratch table is committed by
 * its own connection, which a transaction the session opened earlier would
 * not see (DuckDB's snapshots), and the session's ROLLBACK must undo the
 * write. Inside BEGIN … COMMIT, or where DuckDB refuses the scratch file, the
 * batch path runs as before.
 */
import type { DuckDBAppender, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { DuckDBTypeId } from '@duckdb/node-api';
import { BufferedAppender } from '../../db/buffered-appender.js';
import { ConnectionQueue } from '../../db/connection-queue.js';
import { withUserSqlErrors } from '../../db/duckdb-error.js';
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
import { createAsTable } from './map-batch-statement.js';
import { inputNamesOut } from './map-names.js';
import { ERROR_COLUMN, outputColumns } from './map-output.js';
import type { MapRowsRun } from './map-rows.js';
import { finishedInOrder, type MapStreamContext } from './map-stream.js';
import { checkWrite, runWrite } from './map-write.js';
import type { FinishedRow } from './ordered-rows.js';
import type { MapPlan } from './plan-map.js';

/** The scratch table's name inside its database. */
const ROWS_TABLE = 'rows';

/** Counts of the streamed writes since the process started (tests read them). */
export const streamedWrites = { started: 0, scratchRows: 0 };

/**
 * The scratch database a write streams through, or undefined when the batch
 * path runs it: the MAP writes no table or file, the session is inside a
 * transaction block, or DuckDB refuses the file.
 */
export async function openStreamedWrite(
  plan: MapPlan,
  ctx: StatementContext,
): Promise<ScratchDatabase | undefined> {
  if (!plan.write && !plan.asTable) return undefined;
  const inside = await ctx.q.run(async (con) => (await inTransactionBlock(con)) ?? true);
  if (inside) return undefined;
  return ScratchDatabase.open(ctx.instance);
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

/** Runs the MAP and writes its rows; the result is what the batch path gives (a count, or CTAS's metadata row). */
export async function writeMapStreamed(
  plan: MapPlan,
  ctx: MapStreamContext,
  scratch: ScratchDatabase,
): Promise<{ readonly result: QueryResult; readonly run: MapRowsRun }> {
  streamedWrites.started++;
  // The session's connection, leased to this statement: a queue of its own for the checks.
  const session = { ...ctx, q: new ConnectionQueue(ctx.con) };
  const usingSql = limitedUsingSql(plan);
  const described = await withUserSqlErrors(ctx.con, usingSql, plan.usingOrigin, () =>
    userQueryColumns(ctx.con, usingSql, ctx.params),
  );
  const names = tableNames(described.names);
  const table = scratch.table(ROWS_TABLE);
  await scratch.con.run(`CREATE TABLE ${table} (${scratchColumns(described.types)})`);
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
  const appendInput = described.types.map(cellAppender);
  const out = new BufferedAppender(new ConnectionQueue(scratch.con), ROWS_TABLE, {
    schema: 'main',
    catalog: scratch.name,
  });
  // One transaction: DuckDB writes a large insert's row groups to the file as they fill.
  await scratch.con.run('BEGIN TRANSACTION');
  const append = (rows: readonly FinishedRow[]) =>
    out.append(rows.length, (appender) => {
      for (const row of rows) {
        for (let k = 0; k < appendInput.length; k++) appendInput[k]!(appender, row.values[k] as DuckDBValue);
        appendText(appender, row.cells.value);
        appendText(appender, row.cells.json);
        appendText(appender, row.cells.error);
        appender.endRow();
      }
      streamedWrites.scratchRows += rows.length;
    });
  const finished = finishedInOrder(plan, ctx, {
    readAhead: false,
    duckdbValues: true,
    async onInput(input) {
      const types = input.duckdbColumnTypes().map(typeName);
      if (types.join('\n') !== described.types.map(typeName).join('\n')) {
        throw new Error(
          `the USING query's columns changed between its probe and its run: ${types.join(', ')}`,
        );
      }
    },
  });
  let run: MapRowsRun;
  try {
    for (;;) {
      const next = await finished.next();
      if (next.done) {
        run = next.value;
        break;
      }
      await append(next.value);
    }
  } finally {
    await finished.return(undefined as never);
  }
  await out.close();
  await scratch.con.run('COMMIT');
  // Whether `_error` goes in: as the batch path decides (map-batch-statement.ts, hasErrors).
  const withError =
    write?.kind === 'insert' ? insertError : await someRowFailed(plan, run, names, table, ctx);
  const select = scratchSelect(plan, names, table, withError);
  if (write) return { result: await runWrite(write, select, (sql) => readResult(ctx.con, sql)), run };
  return { result: await createAsTable(ctx.con, plan, select, ctx.queryId), run };
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
