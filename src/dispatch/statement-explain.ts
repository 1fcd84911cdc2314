/**
 * What EXPLAIN says of a statement that runs a cascade over rows (RVBBIT MAP,
 * RVBBIT RUN): the report every such kind fills, and the figures each kind
 * computes the same way (input counts, dollars at the statement's delivery,
 * the provider's concurrency cap, the queue). Each kind's explain lives with
 * the kind; engine/explain.ts renders the report as JSON or rows.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import type { CallLimits } from '../cascade/call-limits.js';
import type { ConnectionQueue } from '../db/connection-queue.js';
import { readUserResult } from '../db/query-result.js';
import { type DeliveryReport, deliveryDollars, deliveryReport } from '../plan/estimate.js';
import type { EngineShared } from './engine-shared.js';

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

export function parallelCapped(parallel: number, shared: EngineShared): { parallel_capped?: string } {
  const cap = shared.provider.gate.snapshot().ceiling;
  return parallel > cap
    ? { parallel_capped: `${cap} (PARALLEL ${parallel} is above the provider's concurrency cap)` }
    : {};
}

/** Rows the SQL returns, counted by DuckDB. */
export async function count(
  q: ConnectionQueue,
  sql: string,
  params?: readonly DuckDBValue[],
): Promise<number> {
  const r = await q.run((con) =>
    readUserResult(con, `SELECT count(*)::DOUBLE AS n FROM (\n${sql}\n)`, params),
  );
  return Number(r.rows[0]!.n);
}

/**
 * The delivery line, tokens and dollars, in the report's order: dollars split
 * evenly across the models, at the delivery's price (null if any model has no
 * price: the run's own price table, aliases resolved), and with batch delivery
 * what it saves against one call each.
 */
export function priced(
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
export function queueOf(shared: EngineShared, limits: Pick<CallLimits, 'delivery'>): EngineShared['queue'] {
  return limits.delivery === 'batch' ? undefined : shared.queue;
}
