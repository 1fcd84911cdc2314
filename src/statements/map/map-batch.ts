/**
 * The batch MAP: the USING rows are copied into a temp table (DISTINCT and
 * dedupe_by need the whole input before the first row runs), outcomes are
 * appended to another as they finish, and map-batch-statement.ts joins the two in
 * input order. The per-row work is map-rows.ts, shared with the stream.
 */
import { randomBytes } from 'node:crypto';
import { BufferedAppender } from '../../db/buffered-appender.js';
import type { StatementContext } from '../../dispatch/statement-context.js';
import type { RowOutcome } from '../../thread/chunk-protocol.js';
import { materializeInput, readInputPages } from './map-batch-input.js';
import { appendOutcomes, createOutputTable } from './map-output.js';
import { type MapRowsRun, runMapRows } from './map-rows.js';
import type { MapPlan } from './plan-map.js';

export interface MapRun extends MapRowsRun {
  readonly inputTable: string;
  readonly outputTable: string;
  /** The input table's column names, in order. */
  readonly inputColumns: readonly string[];
  /** The input table's first rowid: row indexes count from it (map-batch-input.ts). */
  readonly rowBase: string;
}

/** The run's temp tables once the input is in, before any row runs. */
export type MapTables = Pick<MapRun, 'inputTable' | 'outputTable' | 'inputColumns' | 'rowBase'>;

/** `beforeRun`: checks that need the tables (INSERT's target, map-write.ts); a throw stops the MAP before its first call. */
export async function executeMap(
  plan: MapPlan,
  ctx: StatementContext,
  beforeRun?: (tables: MapTables) => Promise<void>,
): Promise<MapRun> {
  const id = randomBytes(4).toString('hex');
  const inputTable = `__rvbbit_in_${id}`;
  const outputTable = `__rvbbit_out_${id}`;
  try {
    const input = await materializeInput(ctx.q, plan, inputTable, ctx.params);
    await createOutputTable(ctx.q, outputTable);
    const inputColumns = input.columns.map((c) => c.name);
    const rowBase = input.rowBase;
    await beforeRun?.({ inputTable, outputTable, inputColumns, rowBase });
    const out = new BufferedAppender(ctx.q, outputTable, { schema: 'main', catalog: 'temp' });
    const typed = plan.output.kind === 'typed';
    const sink = { accept: (o: readonly RowOutcome[]) => appendOutcomes(out, o, plan.onError, typed) };
    let run: MapRowsRun;
    try {
      run = await runMapRows(plan, ctx, readInputPages(ctx.q, input), sink, input.rowCount);
    } catch (err) {
      await out.close().catch(() => undefined);
      throw err;
    }
    await out.close();
    return { ...run, inputTable, outputTable, inputColumns, rowBase };
  } catch (err) {
    // A failed or cancelled MAP leaves nothing behind in the session.
    await ctx.q
      .run((con) => con.run(`DROP TABLE IF EXISTS ${inputTable}; DROP TABLE IF EXISTS ${outputTable};`))
      .catch(() => undefined);
    throw err;
  }
}
