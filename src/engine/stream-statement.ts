/**
 * `engine.stream` for the last statement of a request. Plain SQL streams
 * straight out of DuckDB; a plain MAP streams through map-stream.ts; any other
 * kind (RUN, EXPLAIN, semantic SELECTs, DISTINCT / dedupe_by / as_table MAPs,
 * CREATE TABLE … AS) runs as `engine.query` runs it and is cut into batches.
 * A stream holds its session connection's lease until it ends: running another
 * statement on a DuckDB connection silently ends an open stream, so statements
 * sent to the same session meanwhile wait for it.
 */
import type { Statement } from '../../grammar/index.js';
import { duckdbError } from '../db/duckdb-error.js';
import type { EngineShared } from '../dispatch/engine-shared.js';
import { planOf, type StatementRun, streamPlan } from './plan-executors.js';
import type { QueryOptions } from './query-options.js';
import { StatementLog, type StatementTotals } from './statement-log.js';

type Rows = Record<string, unknown>[];

/** What the session lends a stream. */
export interface StreamHost {
  readonly shared: EngineShared;
  /** The server client the statement runs for (rvbbit.queries.owner). */
  readonly owner: string | null;
  readonly options: QueryOptions;
  /** The statement's run context, once its rvbbit.queries id is known. */
  runFor(queryId: string): StatementRun;
}

/** Streams one statement and writes its `rvbbit.queries` row when the stream ends, however it ends. */
export async function* streamStatement(
  host: StreamHost,
  stmt: Statement,
  text: string,
  log: StatementLog = new StatementLog(host.shared.logs, text, stmt, host.owner, host.shared.queue),
): AsyncGenerator<Rows> {
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
  return yield* streamPlan(await planOf(host.shared, stmt), host.runFor(queryId));
}
