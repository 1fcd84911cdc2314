/**
 * EXPLAIN RVBBIT MAP: what the MAP would do and cost, without a paid call.
 * Counts come from DuckDB, expected cache hits from a peek at the result
 * cache (stats unchanged), tokens from a real tokenizer.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import { rowCacheKey } from '../../cache/cache-key.js';
import type { ConnectionQueue } from '../../db/connection-queue.js';
import { readUserRowsJson } from '../../db/query-result.js';
import { quoteIdent } from '../../db/sql-text.js';
import type { EngineShared } from '../../dispatch/engine-shared.js';
import {
  count,
  type ExplainReport,
  parallelCapped,
  priced,
  queueOf,
} from '../../dispatch/statement-explain.js';
import { structuredRefusals } from '../../obs/log-writer.js';
import { callsPerRun, modelsOf, tokensPerRun } from '../../plan/estimate.js';
import { limitedUsingSql } from '../../plan/using-input.js';
import { streamable } from './map-stream.js';
import type { MapPlan } from './plan-map.js';

/** Rows read to count expected cache hits; past this the figure is scaled from a sample. */
const PEEK_ROWS = 100_000;

export async function explainMap(
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
