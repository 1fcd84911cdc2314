/**
 * A whole MAP statement: run the LLM part, then one SELECT in input order.
 * The `_error` column appears only when some row failed (spec §1); with
 * `as_table` the rows go to that table and one metadata row comes back; with
 * INSERT INTO … or COPY (…) TO, map-write.ts writes them and DuckDB's count
 * comes back.
 */

import type { DuckDBConnection } from '@duckdb/node-api';
import { type QueryResult, readResult } from '../../db/query-result.js';
import { qualifiedName, quoteString } from '../../db/sql-text.js';
import type { StatementContext } from '../../dispatch/statement-context.js';
import { executeMap, type MapRun, type MapTables } from './map-batch.js';
import { rowIndexSql } from './map-batch-input.js';
import { inputNamesOut } from './map-names.js';
import { ERROR_COLUMN, INDEX_COLUMN, inOrderSelect, resultSelect } from './map-output.js';
import { checkWrite, runWrite } from './map-write.js';
import type { MapPlan } from './plan-map.js';

export interface MapStatementResult {
  readonly result: QueryResult;
  readonly run: MapRun;
}

/**
 * Whether `_error` is needed. With one result column only failed rows carry an
 * error, and the run counted them; typed columns add cast problems, which only
 * DuckDB can tell.
 */
async function hasErrors(
  plan: MapPlan,
  run: MapRun,
  joined: string,
  ctx: StatementContext,
): Promise<boolean> {
  if (plan.output.kind === 'single') return run.failedRows > 0;
  const errors = await ctx.q.run((con) =>
    con.runAndReadAll(`SELECT count(*)::DOUBLE AS n FROM (${joined}) WHERE ${ERROR_COLUMN} IS NOT NULL`),
  );
  return Number(errors.getRowObjectsJS()[0]!.n) > 0;
}

/**
 * Whether every input row has exactly one outcome, the outcomes' indexes
 * being the input's rowids: then the result is read in order without sorting
 * it (map-output.ts, inOrderSelect). A run always gives that; a run that did
 * not falls back to the join sorted by index, which is right whatever.
 */
async function oneOutcomePerRow(run: MapRun, ctx: StatementContext): Promise<boolean> {
  const reader = await ctx.q.run((con) =>
    con.runAndReadAll(
      `SELECT (SELECT count(*) FROM ${run.outputTable}) = (SELECT count(*) FROM ${run.inputTable})
         AND NOT EXISTS (SELECT 1 FROM ${run.inputTable} i ANTI JOIN ${run.outputTable} o
           ON o.idx = ${rowIndexSql('i', run.rowBase)}) AS ok`,
    ),
  );
  return reader.getRowObjectsJS()[0]!.ok === true;
}

/** The MAP's rows with index and error columns, joined from its tables; `inOrder` when read by position (oneOutcomePerRow). */
function joinedSelect(plan: MapPlan, tables: MapTables, inOrder: boolean): string {
  const renamed = inputNamesOut(tables.inputColumns, plan.output);
  const inputColumns = tables.inputColumns.map((name, i) => ({ name, as: renamed[i]! }));
  return inOrder
    ? inOrderSelect(tables.inputTable, tables.outputTable, plan.output, inputColumns)
    : resultSelect(tables.inputTable, tables.outputTable, plan.output, inputColumns, tables.rowBase);
}

/** The result's SELECT, in input order, with `_error` or without. */
function resultInOrder(joined: string, inOrder: boolean, withError: boolean): string {
  const drop = withError ? INDEX_COLUMN : `${INDEX_COLUMN}, ${ERROR_COLUMN}`;
  return `SELECT * EXCLUDE (${drop}) FROM (${joined})${inOrder ? '' : ` ORDER BY ${INDEX_COLUMN}`}`;
}

/**
 * CREATE [TEMP] TABLE … AS RVBBIT MAP (or WITH (as_table = …)): the table
 * made from `select`, and the one metadata row that comes back.
 */
export async function createAsTable(
  con: DuckDBConnection,
  plan: MapPlan,
  select: string,
  queryId: string,
): Promise<QueryResult> {
  const temp = plan.asTableTemporary ? 'TEMP ' : '';
  await con.run(`CREATE ${temp}TABLE ${qualifiedName(plan.asTable!)} AS ${select}`);
  return tableCreated(con, plan, queryId);
}

/** The metadata row of a table a MAP created (`plan.asTable`). */
export function tableCreated(con: DuckDBConnection, plan: MapPlan, queryId: string): Promise<QueryResult> {
  const table = qualifiedName(plan.asTable!);
  return readResult(
    con,
    `SELECT 'success' AS status, ${quoteString(plan.asTable!)} AS table_created,
       (SELECT count(*) FROM ${table}) AS row_count,
       (SELECT to_json(list(column_name)) FROM (DESCRIBE ${table})) AS columns,
       ${quoteString(queryId)} AS session_id`,
  );
}

export async function runMapStatement(plan: MapPlan, ctx: StatementContext): Promise<MapStatementResult> {
  const write = plan.write;
  // Whether an INSERT's target takes `_error`, found before the first call (map-write.ts).
  let insertError = false;
  const check = write
    ? async (tables: MapTables) => {
        const select = (withError: boolean) =>
          resultInOrder(joinedSelect(plan, tables, false), false, withError);
        insertError = await checkWrite(plan, write, { select }, tables.inputColumns.length, ctx);
      }
    : undefined;
  const run = await executeMap(plan, ctx, check);
  const q = ctx.q;
  try {
    // The join is cheap to run twice; materialising it would hold a third copy of the rows.
    const inOrder = await oneOutcomePerRow(run, ctx);
    const joined = joinedSelect(plan, run, inOrder);
    const withError = write?.kind === 'insert' ? insertError : await hasErrors(plan, run, joined, ctx);
    const select = resultInOrder(joined, inOrder, withError);
    if (write) {
      const result = await runWrite(write, select, (sql) => q.run((con) => readResult(con, sql)));
      return { result, run };
    }
    if (!plan.asTable) return { result: await q.run((con) => readResult(con, select)), run };
    return { result: await q.run((con) => createAsTable(con, plan, select, ctx.queryId)), run };
  } finally {
    await q
      .run((con) =>
        con.run(`DROP TABLE IF EXISTS ${run.inputTable}; DROP TABLE IF EXISTS ${run.outputTable};`),
      )
      .catch(() => undefined);
  }
}
