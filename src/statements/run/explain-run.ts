/** EXPLAIN RVBBIT RUN: the one run of its cascade over the USING rows, and what it would cost. */
import type { DuckDBValue } from '@duckdb/node-api';
import type { ConnectionQueue } from '../../db/connection-queue.js';
import type { EngineShared } from '../../dispatch/engine-shared.js';
import { count, type ExplainReport, priced } from '../../dispatch/statement-explain.js';
import { structuredRefusals } from '../../obs/log-writer.js';
import { callsPerRun, modelsOf, tokensPerRun } from '../../plan/estimate.js';
import type { RunPlan } from './plan-run.js';

export async function explainRun(
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
