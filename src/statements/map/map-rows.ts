/**
 * The LLM part of a MAP, whatever the rows come from and go to: its rows
 * through the row dispatcher (row-dispatch.ts) and the statement's end
 * (cancelled, a row failed with on_error = 'fail'). The batch path
 * (map-batch.ts) reads a temp table and appends to another; the streaming
 * path (map-stream.ts) reads the USING query as DuckDB produces it and
 * reorders outcomes for the consumer.
 */
import { RvbbitError } from '../../../base/errors.js';
import {
  chunkSizeFor,
  chunkWindowFor,
  type DispatchTarget,
  type OutcomeSink,
} from '../../dispatch/dispatch-spec.js';
import { BATCH_DELIVERY_ROWS, RowDispatch } from '../../dispatch/row-dispatch.js';
import type { StatementContext } from '../../dispatch/statement-context.js';
import type { ChunkRow } from '../../thread/chunk-protocol.js';
import type { MapPlan } from './plan-map.js';

export type { OutcomeSink } from '../../dispatch/dispatch-spec.js';

export interface MapRowsRun {
  readonly rowsIn: number;
  readonly calls: number;
  readonly cacheHits: number;
  readonly cost: number | null;
  readonly failedRows: number;
}

/** Rows one MAP may have dispatched whose outcomes have not come back yet. */
export function rowsInFlightFor(plan: MapPlan, threads: number): number {
  const { parallel } = plan.limits;
  // Batch delivery holds a whole batch's rows before it sends one (row-dispatch.ts): a
  // stream that let fewer in would wait for a batch that waits for rows.
  if (plan.limits.delivery === 'batch') return BATCH_DELIVERY_ROWS;
  const chunkSize = plan.batch ?? chunkSizeFor(parallel, threads);
  return chunkWindowFor(parallel, plan.batch ? 1 : chunkSize, threads) * chunkSize;
}

/** What a MAP's rows run through. */
export function mapTarget(plan: MapPlan): DispatchTarget {
  return {
    spec: {
      cascade: { path: plan.cascadePath, hash: plan.cascade.contentHash },
      limits: plan.limits,
      sessionPrefix: 'udf',
      ...(plan.batch !== undefined ? { batchSize: plan.batch } : {}),
    },
    cascade: plan.cascade,
    cacheable: true,
    callerId: 'map',
    stopOnFailure: plan.onError === 'fail',
  };
}

/**
 * Runs every row of `pages` through the cascade. `rowsTotal` is the input
 * size: known up front, or a promise of it (the input is still being read:
 * progress events wait for it), or undefined for a stream, which learns it
 * page by page (progress events then count the rows read so far).
 */
export async function runMapRows(
  plan: MapPlan,
  ctx: StatementContext,
  pages: AsyncIterable<ChunkRow[]>,
  sink: OutcomeSink,
  rowsTotal?: number | Promise<number>,
): Promise<MapRowsRun> {
  const rows = new RowDispatch(ctx, plan.limits, { batch: plan.batch, rowsTotal });
  let rowsRead = 0;
  try {
    rowsRead = await rows.run(mapTarget(plan), pages, sink);
  } finally {
    // If reading the input failed, chunks still out finish (aborted) before the statement ends.
    await rows.close();
  }
  const known = typeof rowsTotal === 'number' ? rowsTotal : undefined;
  if (rows.fatal !== undefined) throw rows.fatal;
  if (ctx.signal?.aborted) {
    throw new RvbbitError(
      'CANCELLED',
      known === undefined
        ? `statement cancelled after ${rows.progress.rowsDone} of the ${rowsRead} rows read`
        : `statement cancelled after ${rows.progress.rowsDone} of ${known} rows`,
    );
  }
  const failure = rows.firstFailure;
  if (failure && plan.onError === 'fail') {
    throw new RvbbitError(
      'MAP_ROW_FAILED',
      `row ${failure.index} failed (on_error = 'fail'): ${failure.errorCode}: ${failure.error}`,
      { row: failure.index, cause: failure.errorCode },
    );
  }
  return {
    rowsIn: known ?? rowsRead,
    calls: rows.progress.calls,
    cacheHits: rows.progress.cacheHits,
    cost: rows.cost(),
    failedRows: rows.failedRows,
  };
}
