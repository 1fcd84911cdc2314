/**
 * The LLM part of a MAP, whatever the rows come from and go to: its rows
 * through the row dispatcher (row-dispatch.ts) and the statement's end
 * (cancelled, a row failed with on_error = 'fail'). The batch path
 * (map-batch.ts) reads a temp table and appends to another; the streaming
 * path (map-stream.ts) reads the USING query as DuckDB produces it and
 * reorders outcomes for the consumer.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import { RvbbitError } from '../../base/errors.js';
import type { ConnectionQueue } from '../db/connection-queue.js';
import type { MapPlan } from '../plan/plan-map.js';
import type { ChunkRow } from '../thread/chunk-protocol.js';
import {
  chunkSizeFor,
  chunkWindowFor,
  type DispatchContext,
  type DispatchTarget,
  type OutcomeSink,
} from './dispatch-spec.js';
import { RowDispatch } from './row-dispatch.js';

export type { OutcomeSink } from './dispatch-spec.js';

export interface MapContext extends DispatchContext {
  /** The session's connection: the batch path's tables; a stream holds its lease instead. */
  readonly q: ConnectionQueue;
  /** `$n` parameters of the statement; they bind inside the USING query. */
  readonly params?: readonly DuckDBValue[];
}

export interface MapRowsRun {
  readonly rowsIn: number;
  readonly calls: number;
  readonly cacheHits: number;
  readonly cost: number | null;
  readonly failedRows: number;
}

/** Rows one MAP may have dispatched whose outcomes have not come back yet. */
export function rowsInFlightFor(plan: MapPlan, threads: number): number {
  const chunkSize = plan.batch ?? chunkSizeFor(plan.parallel, threads);
  return chunkWindowFor(plan.parallel, plan.batch ? 1 : chunkSize, threads) * chunkSize;
}

/** What a MAP's rows run through. */
export function mapTarget(plan: MapPlan): DispatchTarget {
  return {
    cascadePath: plan.cascadePath,
    cascade: plan.cascade,
    model: plan.model,
    cache: plan.cache,
    timeoutMs: plan.timeoutMs,
    retries: plan.retries,
    sessionPrefix: 'udf',
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
  ctx: MapContext,
  pages: AsyncIterable<ChunkRow[]>,
  sink: OutcomeSink,
  rowsTotal?: number | Promise<number>,
): Promise<MapRowsRun> {
  const rows = new RowDispatch(ctx, {
    parallel: plan.parallel,
    budgetDollars: plan.budgetDollars,
    budgetTokens: plan.budgetTokens,
    batch: plan.batch,
    rowsTotal,
  });
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
