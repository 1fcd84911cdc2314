/**
 * `engine.stream` for the last statement of a request. Plain SQL streams
 * straight out of DuckDB; a plain MAP streams through map-stream.ts; any other
 * kind (RUN, EXPLAIN, semantic SELECTs, DISTINCT / dedupe_by / as_table MAPs,
 * CREATE TABLE … AS) runs as `engine.query` runs it and is cut into batches.
 * A stream holds its session connection's lease until it ends: running another
 * statement on a DuckDB connection silently ends an open stream, so statements
 * sent to the same session meanwhile wait for it.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import { RvbbitError } from '../../base/errors.js';
import type { Statement } from '../../grammar/index.js';
import type { ConnectionQueue } from '../db/connection-queue.js';
import { duckdbError } from '../db/duckdb-error.js';
import { STREAM_BATCH_ROWS, streamRowObjects, streamUserResult } from '../db/query-result.js';
import type { MapContext } from '../exec/map-rows.js';
import type { Plan } from '../plan/plan.js';
import type { EngineShared } from './engine-shared.js';
import { llmStatements } from './llm-statements-loader.js';
import type { QueryOptions } from './query-options.js';
import { mapTotals, type Outcome, StatementLog, type StatementTotals } from './statement-log.js';

type Rows = Record<string, unknown>[];

/** What the session lends a stream. */
export interface StreamHost {
  readonly shared: EngineShared;
  /** The server client the statement runs for (rvbbit.queries.owner). */
  readonly owner: string | null;
  readonly q: ConnectionQueue;
  /** The statement's parameters as DuckDB binds them (throws on a value it cannot bind). */
  values(): DuckDBValue[] | undefined;
  readonly options: QueryOptions;
  /** engine.query's way of planning and running one statement. */
  plan(stmt: Statement): Promise<Plan>;
  run(plan: Plan, queryId: string): Promise<Outcome>;
  mapContext(queryId: string): MapContext;
}

/** Streams one statement and writes its `rvbbit.queries` row when the stream ends, however it ends. */
export async function* streamStatement(
  host: StreamHost,
  stmt: Statement,
  text: string,
): AsyncGenerator<Rows> {
  const log = new StatementLog(host.shared.logs, text, stmt, host.owner, host.shared.queue);
  const inner = openStream(host, stmt, log.queryId);
  let rowsOut = 0;
  let settled = false;
  try {
    for (;;) {
      const next = await inner.next();
      if (next.done) {
        settled = true;
        await log.ok(next.value!, rowsOut);
        return;
      }
      rowsOut += next.value.length;
      yield next.value;
    }
  } catch (err) {
    settled = true;
    await log.failed(host.options.signal?.aborted ? 'cancelled' : 'error', err, rowsOut);
    throw duckdbError(err);
  } finally {
    if (!settled) {
      // The consumer stopped early: cancel the rest, release the connection.
      await inner.return(undefined);
      await log.failed('cancelled', 'the consumer stopped reading', rowsOut);
    }
  }
}

async function* openStream(
  host: StreamHost,
  stmt: Statement,
  queryId: string,
): AsyncGenerator<Rows, StatementTotals | undefined> {
  const plan = await host.plan(stmt);
  if (plan.kind === 'sql') {
    yield* streamSql(host, plan.sql, plan.origin);
    return { kind: 'sql', rowsIn: 0, calls: 0, cacheHits: 0, cost: 0 };
  }
  if (plan.kind === 'map') {
    const { streamable, streamMap } = await llmStatements();
    if (streamable(plan.map)) {
      const lease = await host.q.lease();
      try {
        const ctx = { ...host.mapContext(queryId), con: lease.con, instance: host.shared.instance };
        return mapTotals(yield* streamMap(plan.map, ctx));
      } finally {
        lease.release();
      }
    }
  }
  return yield* inBatches(await host.run(plan, queryId));
}

async function* streamSql(
  host: StreamHost,
  sql: string,
  origin: { line: number; column: number },
): AsyncGenerator<Rows> {
  const lease = await host.q.lease();
  const signal = host.options.signal;
  try {
    const result = await streamUserResult(lease.con, sql, host.values()).catch((err) => {
      throw duckdbError(err, origin, undefined, '');
    });
    const chunks = streamRowObjects(result, host.options.exactValues);
    for (;;) {
      if (signal?.aborted) throw new RvbbitError('CANCELLED', 'statement cancelled');
      const next = await chunks.next().catch((err) => {
        throw duckdbError(err, origin, undefined, '');
      });
      if (next.done) return;
      yield next.value;
    }
  } finally {
    lease.release();
  }
}

async function* inBatches(out: Outcome): AsyncGenerator<Rows, StatementTotals> {
  for (let i = 0; i < out.result.rows.length; i += STREAM_BATCH_ROWS)
    yield out.result.rows.slice(i, i + STREAM_BATCH_ROWS) as Rows;
  return out;
}
