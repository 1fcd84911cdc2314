/**
 * What semantic execution uses of the engine beyond the statement context
 * (dispatch/statement-context.ts: database, cache, logs, pool), and no more:
 * semantic code never sees the whole EngineShared (jobs, resolver, the main
 * LLM client) and imports nothing from engine/.
 */

import type { SemanticShared } from '../../../dispatch/engine-shared.js';
import type { WorkerLlmConfig } from '../../../thread/chunk-protocol.js';
import type { DistributedPlan } from '../../../thread/chunk-runner.js';

export interface SemanticEngine {
  /** The provider as the workers reach it: default model and prices (estimates), the sync worker's config. */
  readonly llm: WorkerLlmConfig;
  /** Which endpoint answers ('simulator' or a host name), for EXPLAIN. */
  readonly provider: { readonly answeredBy: string };
  readonly semantic: SemanticShared;
  /** With a queue: EXPLAIN's lines for the distributed path. */
  readonly queue?: { readonly answeredBy: string; plan(parallel: number): Promise<DistributedPlan> };
}
