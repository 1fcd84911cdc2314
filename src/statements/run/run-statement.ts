/**
 * RUN: the USING rows become a table (run-input-table.ts: TEMP unless
 * `as_table` + `persist`), then the cascade runs once over it with
 * `{ data_table, row_count }`, its `sql_data` cells reading through a
 * read-only host on the session's connection. RUN ASYNC returns at once; the job's
 * progress and final row live in `rvbbit.jobs`.
 */
import { RvbbitError } from '../../../base/errors.js';
import { rowCacheKey } from '../../cache/cache-key.js';
import { runCascade } from '../../cascade/run-cascade.js';
import type { RunResult } from '../../cascade/run-types.js';
import { sessionId } from '../../cascade/session-id.js';
import type { ConnectionQueue } from '../../db/connection-queue.js';
import { type QueryResult, readResult } from '../../db/query-result.js';
import { qualifiedName } from '../../db/sql-text.js';
import { DuckDbBatchLedger } from '../../dispatch/batch-ledger.js';
import type { EngineShared } from '../../dispatch/engine-shared.js';
import type { StatementContext } from '../../dispatch/statement-context.js';
import type { BatchLedgerEntry } from '../../llm/batch-delivery.js';
import type { RunPlan } from './plan-run.js';
import { createRunInputTable, sessionHost } from './run-input-table.js';

export interface RunOutcome {
  readonly result: QueryResult;
  readonly rowsIn: number;
  readonly calls: number;
  readonly cacheHits: number;
  readonly cost: number | null;
}

export async function runRunStatement(
  plan: RunPlan,
  shared: EngineShared,
  ctx: StatementContext & {
    /** A RUN ASYNC job started: its session keeps the connection (the TEMP input table) until `done`. */
    readonly onJob?: (done: Promise<void>) => void;
    /** The server client running it (rvbbit.jobs.owner). */
    readonly owner?: string | null;
  },
): Promise<RunOutcome> {
  const { q } = ctx;
  const { cascade } = plan;
  const table = await createRunInputTable(q, plan, ctx.params);
  const { rowCount, cacheKey } = await describeInput(q, table, plan);
  const id = sessionId('batch');
  const cached = cacheKey === null ? undefined : (await shared.cache.lookup([cacheKey])).get(cacheKey);

  const execute = async (
    signal?: AbortSignal,
    onBatch?: (e: BatchLedgerEntry) => void,
  ): Promise<RunResult> => {
    if (cached !== undefined) return fromCache(cached, id, cascade.cascadeId);
    const main = await shared.mainLlm();
    const batch =
      plan.limits.delivery === 'batch'
        ? main.batchSession({
            ledger: new DuckDbBatchLedger(ctx.instance, ctx.queryId),
            ...(signal ? { signal } : {}),
            ...(onBatch ? { onProgress: onBatch } : {}),
          })
        : undefined;
    const run = batch?.run();
    const result = await runCascade(
      cascade,
      { data_table: table, row_count: rowCount },
      {
        llm: run ?? main,
        host: sessionHost(q),
        signal,
        defaultModel: shared.llm.defaultModel,
        call: { limits: plan.limits },
        sessionPrefix: 'batch',
        sessionId: id,
      },
    ).finally(() => run?.end());
    await shared.logs.calls(
      result.calls.map((c) => ({
        ...c,
        session_id: id,
        caller_id: 'run',
        query_id: ctx.queryId,
        cascade_id: cascade.cascadeId,
        row_index: null,
        cache_hit: c.cache_hit ?? false,
      })),
    );
    if (
      cacheKey !== null &&
      plan.limits.cache !== false &&
      result.status === 'success' &&
      result.calls.length > 0
    ) {
      await shared.cache.store([
        {
          key: cacheKey,
          cascadeId: cascade.cascadeId,
          value: JSON.stringify(result.outputs),
          ttlMs: plan.limits.cache,
        },
      ]);
    }
    return result;
  };

  const cacheHits = cached === undefined ? 0 : 1;
  if (plan.async) {
    const job = await startJob(shared, id, cascade.cascadeId, table, rowCount, execute, ctx.owner);
    ctx.onJob?.(job.done);
    const result = await q.run((con) => runRow(con, 'running', id, table, rowCount, null, null, 0, null));
    return { result, rowsIn: rowCount, calls: 0, cacheHits, cost: 0 };
  }
  const run = await execute(ctx.signal);
  // As a MAP (statements/map/map-rows.ts): a cancelled statement reports the cancel (a server's 57014), not
  // the run it cut short ("ABORTED: the run was cancelled", or a template stopped mid-render).
  if (ctx.signal?.aborted) throw new RvbbitError('CANCELLED', 'statement cancelled');
  const error = run.errors.map((e) => `${e.code}: ${e.message}`).join('; ') || null;
  const result = await q.run((con) =>
    runRow(con, run.status, id, table, rowCount, run.outputs, error, run.duration_ms, run.usage.cost),
  );
  return { result, rowsIn: rowCount, calls: run.usage.calls, cacheHits, cost: run.usage.cost };
}

/**
 * The input table's row count and the run's cache key. A RUN's answer depends
 * on its cascade, model and the rows it reads, not on the table's fresh name:
 * the key covers an md5 of the rows as JSON in table order (as MAP keys cover a
 * row's inputs). null when the statement bypasses the cache.
 */
async function describeInput(
  q: ConnectionQueue,
  table: string,
  plan: RunPlan,
): Promise<{ rowCount: number; cacheKey: string | null }> {
  const read = await q.run((con) =>
    con.runAndReadAll(
      `SELECT count(*)::DOUBLE AS n, md5(coalesce(string_agg(to_json(t)::VARCHAR, chr(10) ORDER BY t.rowid), '')) AS digest
       FROM ${qualifiedName(table)} t`,
    ),
  );
  const row = read.getRowObjectsJS()[0]!;
  const rowCount = Number(row.n);
  if (plan.limits.cache === false) return { rowCount, cacheKey: null };
  const inputs = { rows_md5: String(row.digest), row_count: rowCount };
  return { rowCount, cacheKey: rowCacheKey(plan.cascade.contentHash, plan.limits.model, inputs) };
}

/** A cached run's outputs as the result of a run that made no call. */
function fromCache(value: string, id: string, cascadeId: string): RunResult {
  return {
    status: 'success',
    session_id: id,
    cascade_id: cascadeId,
    outputs: JSON.parse(value) as Record<string, unknown>,
    last_cell: null,
    usage: { calls: 0, tokens_in: 0, tokens_out: 0, cost: 0, cache_hits: 1 },
    errors: [],
    warnings: [],
    calls: [],
    duration_ms: 0,
  };
}

function runRow(
  con: Parameters<typeof readResult>[0],
  status: string,
  id: string,
  table: string,
  rowCount: number,
  outputs: unknown,
  error: string | null,
  durationMs: number,
  cost: number | null,
): Promise<QueryResult> {
  return readResult(
    con,
    `SELECT $1::VARCHAR AS status, $2::VARCHAR AS session_id, $3::VARCHAR AS table_created,
       $4::BIGINT AS row_count, $5::JSON AS outputs, $6::VARCHAR AS error,
       $7::DOUBLE AS duration_ms, $8::DOUBLE AS cost`,
    [
      status,
      id,
      table,
      BigInt(rowCount),
      outputs === null ? null : JSON.stringify(outputs),
      error,
      durationMs,
      cost,
    ],
  );
}

async function startJob(
  shared: EngineShared,
  id: string,
  cascadeId: string,
  table: string,
  rowCount: number,
  execute: (signal?: AbortSignal, onBatch?: (e: BatchLedgerEntry) => void) => Promise<RunResult>,
  owner: string | null = null,
): Promise<{ readonly done: Promise<void> }> {
  await shared.logDb.q.run((con) =>
    con.run(
      `INSERT INTO rvbbit.jobs (session_id, cascade_id, status, table_created, row_count, started_at, owner)
       VALUES ($1, $2, 'running', $3, $4, now()::TIMESTAMP, $5)`,
      [id, cascadeId, table, BigInt(rowCount), owner],
    ),
  );
  const controller = new AbortController();
  // Under delivery: batch, rvbbit.jobs.progress follows the provider's batch.
  const progress = (e: BatchLedgerEntry) =>
    void shared.logDb.q
      .run((con) =>
        con.run(`UPDATE rvbbit.jobs SET progress = $1 WHERE session_id = $2`, [
          `batch ${e.batchId}: ${e.status}, ${e.completed} of ${e.total} answered${e.failed ? `, ${e.failed} failed` : ''}`,
          id,
        ]),
      )
      .catch(() => undefined);
  const done = execute(controller.signal, progress)
    .then((run) =>
      finishJob(
        shared,
        id,
        run.status,
        run.outputs,
        run.errors.map((e) => `${e.code}: ${e.message}`).join('; ') || null,
        run.duration_ms,
        run.usage.cost,
      ),
    )
    .catch((err) => finishJob(shared, id, 'failed', null, String(err), 0, null))
    .finally(() => shared.jobs.delete(id));
  shared.jobs.set(id, { controller, done });
  return { done };
}

async function finishJob(
  shared: EngineShared,
  id: string,
  status: string,
  outputs: unknown,
  error: string | null,
  durationMs: number,
  cost: number | null,
): Promise<void> {
  await shared.logDb.q
    .run((con) =>
      con.run(
        `UPDATE rvbbit.jobs SET status = $2, outputs = $3::JSON, error = $4, finished_at = now()::TIMESTAMP,
           duration_ms = $5, cost = $6 WHERE session_id = $1`,
        [id, status, outputs === null ? null : JSON.stringify(outputs), error, durationMs, cost],
      ),
    )
    .catch(() => undefined);
}
