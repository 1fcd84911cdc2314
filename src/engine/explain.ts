/**
 * EXPLAIN RVBBIT MAP / RUN: what a statement would do and cost, without a
 * paid call. Counts come from DuckDB, expected cache hits from a peek at the
 * result cache (stats unchanged), tokens from a real tokenizer.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import { rowCacheKey } from '../cache/cache-key.js';
import type { CallLimits } from '../cascade/call-limits.js';
import type { ConnectionQueue } from '../db/connection-queue.js';
import type { QueryResult } from '../db/query-result.js';
import { readResult, readUserResult, readUserRowsJson } from '../db/query-result.js';
import { quoteIdent } from '../db/sql-text.js';
import { streamable } from '../exec/map-stream.js';
import { structuredRefusals } from '../obs/log-writer.js';
import {
  callsPerRun,
  type DeliveryReport,
  deliveryDollars,
  deliveryReport,
  explainText,
  modelsOf,
  tokensPerRun,
} from '../plan/estimate.js';
import type { Plan } from '../plan/plan.js';
import { limitedUsingSql, type MapPlan } from '../plan/plan-map.js';
import type { RunPlan } from '../plan/plan-run.js';
import type { EngineShared } from './engine-shared.js';

/** Rows read to count expected cache hits; past this the figure is scaled from a sample. */
const PEEK_ROWS = 100_000;

export interface ExplainReport {
  readonly statement: 'MAP' | 'RUN';
  readonly strategy: string;
  readonly cascade: string;
  readonly cascade_file: string;
  readonly input_rows: number;
  readonly distinct_rows: number;
  readonly cache_hits_expected: number;
  readonly cascade_runs: number;
  readonly llm_calls: number;
  readonly cells: string[];
  readonly models: string[];
  readonly parallel: number | null;
  /** Only when PARALLEL exceeds the provider's concurrency cap: what will actually run (plan/parallel-cap.ts). */
  readonly parallel_capped?: string;
  /** `sync`, or `batch (provider Batch API, …)` (WITH (delivery = …)). */
  readonly delivery: DeliveryReport['delivery'];
  readonly est_tokens_in: number;
  readonly est_tokens_out: number;
  /** At the price of the statement's delivery; null when a model has no known price. */
  readonly est_dollars: number | null;
  /** Batch delivery only: the dollars the batch price saves against one call each (null: unknown). */
  readonly est_dollars_saved?: number | null;
  readonly answered_by: string;
  /** Only when the provider refused a structured-output mode for one of the models (llm/structured.ts): its words. */
  readonly structured_output?: string;
  /** With a queue (scale/queue-runner.ts): where chunks go, the workers alive, rows per job. */
  readonly distributed?: string;
  readonly workers?: string;
  readonly rate?: string;
  readonly chunk_size?: string;
  readonly sql: string;
}

export async function explainStatement(
  plan: Extract<Plan, { kind: 'explain' }>,
  shared: EngineShared,
  q: ConnectionQueue,
  params?: readonly DuckDBValue[],
): Promise<QueryResult> {
  const { target } = plan;
  const report =
    target.kind === 'map'
      ? await explainMap(target.map, shared, q, params)
      : await explainRun(target.run, shared, q, params);
  if (plan.json) {
    return q.run((con) => readResult(con, 'SELECT $1::JSON AS explain', [JSON.stringify(report)]));
  }
  // TEXT: one (property, value) row per figure, readable in psql and the CLI.
  const rows = Object.entries(report).map(([property, v]) => ({
    property,
    value: Array.isArray(v) ? v.join(', ') : explainText(property, v),
  }));
  return {
    columns: [
      { name: 'property', type: 'VARCHAR' },
      { name: 'value', type: 'VARCHAR' },
    ],
    rows,
  };
}

function parallelCapped(parallel: number, shared: EngineShared): { parallel_capped?: string } {
  const cap = shared.provider.gate.snapshot().ceiling;
  return parallel > cap
    ? { parallel_capped: `${cap} (PARALLEL ${parallel} is above the provider's concurrency cap)` }
    : {};
}

async function count(q: ConnectionQueue, sql: string, params?: readonly DuckDBValue[]): Promise<number> {
  const r = await q.run((con) =>
    readUserResult(con, `SELECT count(*)::DOUBLE AS n FROM (\n${sql}\n)`, params),
  );
  return Number(r.rows[0]!.n);
}

async function explainMap(
  plan: MapPlan,
  shared: EngineShared,
  q: ConnectionQueue,
  params: readonly DuckDBValue[] | undefined,
): Promise<ExplainReport> {
  const input = limitedUsingSql(plan);
  const inputRows = await count(q, input, params);
  const dedupe =
    plan.dedupeBy !== undefined
      ? `SELECT DISTINCT ON (${quoteIdent(plan.dedupeBy)}) * FROM (\n${input}\n)`
      : plan.distinct
        ? `SELECT DISTINCT * FROM (\n${input}\n)`
        : input;
  const distinctRows = dedupe === input ? inputRows : await count(q, dedupe, params);
  // Rows as JSON objects, exactly as the executor reads them, so the cache keys match.
  const rows = await q.run((con) =>
    readUserRowsJson(con, `SELECT * FROM (\n${dedupe}\n) LIMIT ${PEEK_ROWS}`, params),
  );
  let hits = 0;
  const { limits } = plan;
  if (limits.cache !== false && rows.length > 0) {
    const keys = rows.map((r) => rowCacheKey(plan.cascade.contentHash, limits.model, r));
    hits = (await shared.cache.lookup(keys, false)).size;
    if (rows.length < distinctRows) hits = Math.round((hits / rows.length) * distinctRows);
  }
  const misses = distinctRows - hits;
  const runs = plan.batch ? Math.ceil(misses / plan.batch) : misses;
  const perRun = tokensPerRun(plan.cascade, rows[0]);
  const models = modelsOf(plan.cascade, limits.model, shared.llm.defaultModel);
  const tokensIn = runs * perRun.tokensIn;
  const tokensOut = runs * perRun.tokensOut;
  const queue = queueOf(shared, limits);
  return {
    statement: 'MAP',
    strategy: 'batch',
    cascade: plan.cascade.cascadeId,
    cascade_file: plan.cascadePath,
    input_rows: inputRows,
    distinct_rows: distinctRows,
    cache_hits_expected: hits,
    cascade_runs: runs,
    llm_calls: runs * callsPerRun(plan.cascade),
    cells: plan.cascade.cells.map((c) => `${c.name} (${c.kind === 'llm' ? 'llm' : c.tool})`),
    models,
    parallel: limits.parallel,
    ...parallelCapped(limits.parallel, shared),
    ...priced(shared, limits, models, tokensIn, tokensOut),
    answered_by: queue?.answeredBy ?? shared.provider.answeredBy,
    ...structuredRefusals(shared.logs, models),
    ...(await queue?.plan(limits.parallel, plan.batch)),
    // A plain MAP streams its input; the others copy it into a temp table first.
    sql: streamable(plan)
      ? `SELECT * FROM (\n${dedupe}\n)`
      : `CREATE TEMP TABLE <input> AS SELECT * FROM (\n${dedupe}\n)`,
  };
}

async function explainRun(
  plan: RunPlan,
  shared: EngineShared,
  q: ConnectionQueue,
  params: readonly DuckDBValue[] | undefined,
): Promise<ExplainReport> {
  const { cascade, usingSql: input } = plan;
  const inputRows = await count(q, input, params);
  const perRun = tokensPerRun(cascade, {
    data_table: plan.asTable ?? 'rvbbit_batch_xxxxxxxx',
    row_count: inputRows,
  });
  const models = modelsOf(cascade, plan.limits.model, shared.llm.defaultModel);
  return {
    statement: 'RUN',
    strategy: plan.async ? 'async' : 'once',
    cascade: cascade.cascadeId,
    cascade_file: plan.cascadePath,
    input_rows: inputRows,
    distinct_rows: inputRows,
    cache_hits_expected: 0,
    cascade_runs: 1,
    llm_calls: callsPerRun(cascade),
    cells: cascade.cells.map((c) => `${c.name} (${c.kind === 'llm' ? 'llm' : c.tool})`),
    models,
    parallel: null,
    ...priced(shared, plan.limits, models, perRun.tokensIn, perRun.tokensOut),
    answered_by: shared.provider.answeredBy,
    ...structuredRefusals(shared.logs, models),
    sql: `CREATE TABLE ${plan.asTable ?? 'rvbbit_batch_<8 hex>'} AS SELECT * FROM (\n${input}\n)`,
  };
}

/**
 * The delivery line, tokens and dollars, in the report's order: dollars split
 * evenly across the models, at the delivery's price (null if any model has no
 * price: the run's own price table, aliases resolved), and with batch delivery
 * what it saves against one call each.
 */
function priced(
  shared: EngineShared,
  limits: Pick<CallLimits, 'delivery'>,
  models: string[],
  tokensIn: number,
  tokensOut: number,
): Pick<
  ExplainReport,
  'delivery' | 'est_tokens_in' | 'est_tokens_out' | 'est_dollars' | 'est_dollars_saved'
> {
  const { delivery, ...dollars } = deliveryReport(
    limits.delivery,
    deliveryDollars(shared.provider, models, tokensIn, tokensOut),
  );
  return { delivery, est_tokens_in: tokensIn, est_tokens_out: tokensOut, ...dollars };
}

/** The queue the statement's chunks would go to: none for batch delivery, which runs on the local pool (engine.ts, runner()). */
function queueOf(shared: EngineShared, limits: Pick<CallLimits, 'delivery'>): EngineShared['queue'] {
  return limits.delivery === 'batch' ? undefined : shared.queue;
}
