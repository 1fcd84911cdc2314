/**
 * RUN: the USING rows become a table, then the cascade runs once over it with
 * `{ data_table, row_count }`, its `sql_data` cells reading through a
 * read-only host on their own connection. RUN ASYNC returns at once; the job's
 * progress and final row live in `rvbbit.jobs`.
 */
import { randomBytes } from 'node:crypto';
import type { DuckDBValue } from '@duckdb/node-api';
import type { RunStatement } from '../../grammar/index.js';
import { createDuckDbHost, loadCascade, type RunResult, runCascade, sessionId } from '../cascade/index.js';
import type { ConnectionQueue } from '../db/connection-queue.js';
import { withUserSqlErrors } from '../db/duckdb-error.js';
import { type QueryResult, readResult, runUserStatement } from '../db/query-result.js';
import { qualifiedName } from '../db/sql-text.js';
import { limitedUsingSql } from '../plan/map-plan.js';
import { withValues } from '../plan/plan-map.js';
import type { EngineShared } from './engine.js';

export const DEFAULT_RUN_LIMIT = 10_000;

export interface RunOutcome {
  readonly result: QueryResult;
  readonly rowsIn: number;
  readonly calls: number;
  readonly cost: number | null;
}

export async function runRunStatement(
  stmt: RunStatement,
  shared: EngineShared,
  q: ConnectionQueue,
  ctx: { readonly signal?: AbortSignal; readonly queryId: string; readonly params?: readonly DuckDBValue[] },
): Promise<RunOutcome> {
  const w = withValues(stmt.with?.options);
  const path = shared.resolver.resolve(stmt.cascade.value);
  const cascade = await loadCascade(path);
  const table = w.as_table ?? `rvbbit_batch_${randomBytes(4).toString('hex')}`;
  const usingSql = limitedUsingSql({
    usingSql: stmt.using.sql,
    usingHasLimit: stmt.using.hasLimit,
    autoLimit: w.limit ?? DEFAULT_RUN_LIMIT,
  });
  const origin = { line: stmt.using.sqlSpan.line, column: stmt.using.sqlSpan.column };
  await q.run((con) =>
    withUserSqlErrors(con, usingSql, origin, () =>
      runUserStatement(
        con,
        `CREATE TABLE ${qualifiedName(table)} AS SELECT * FROM (\n${usingSql}\n)`,
        ctx.params,
      ),
    ),
  );
  const counted = await q.run((con) =>
    con.runAndReadAll(`SELECT count(*)::DOUBLE AS n FROM ${qualifiedName(table)}`),
  );
  const rowCount = Number(counted.getRowObjectsJS()[0]!.n);
  const id = sessionId('batch');

  const execute = async (signal?: AbortSignal): Promise<RunResult> => {
    const con = await shared.instance.connect();
    try {
      const result = await runCascade(
        cascade,
        { data_table: table, row_count: rowCount },
        {
          llm: await shared.mainLlm(),
          host: createDuckDbHost(con),
          signal,
          defaultModel: shared.llm.defaultModel,
          modelOverride: w.model,
          timeoutMs: w.timeout?.ms,
          retries: w.retries,
          sessionPrefix: 'batch',
          sessionId: id,
        },
      );
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
      return result;
    } finally {
      con.closeSync();
    }
  };

  if (stmt.async) {
    await startJob(shared, id, cascade.cascadeId, table, rowCount, execute);
    const result = await q.run((con) => runRow(con, 'running', id, table, rowCount, null, null, 0, null));
    return { result, rowsIn: rowCount, calls: 0, cost: 0 };
  }
  const run = await execute(ctx.signal);
  const error = run.errors.map((e) => `${e.code}: ${e.message}`).join('; ') || null;
  const result = await q.run((con) =>
    runRow(con, run.status, id, table, rowCount, run.outputs, error, run.duration_ms, run.usage.cost),
  );
  return { result, rowsIn: rowCount, calls: run.usage.calls, cost: run.usage.cost };
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
  execute: (signal?: AbortSignal) => Promise<RunResult>,
): Promise<void> {
  await shared.system.run((con) =>
    con.run(
      `INSERT INTO rvbbit.jobs (session_id, cascade_id, status, table_created, row_count, started_at)
       VALUES ($1, $2, 'running', $3, $4, now()::TIMESTAMP)`,
      [id, cascadeId, table, BigInt(rowCount)],
    ),
  );
  const controller = new AbortController();
  const done = execute(controller.signal)
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
  await shared.system
    .run((con) =>
      con.run(
        `UPDATE rvbbit.jobs SET status = $2, outputs = $3::JSON, error = $4, finished_at = now()::TIMESTAMP,
           duration_ms = $5, cost = $6 WHERE session_id = $1`,
        [id, status, outputs === null ? null : JSON.stringify(outputs), error, durationMs, cost],
      ),
    )
    .catch(() => undefined);
}
