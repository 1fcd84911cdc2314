/**
 * The part of the engine that semantic execution uses, and no more: semantic
 * code never sees the whole EngineShared (jobs, resolver, the main LLM client)
 * and imports nothing from engine/.
 */
import type { DuckDBInstance } from '@duckdb/node-api';
import type { ResultCache } from '../cache/result-cache.js';
import type { LogWriter } from '../obs/log-writer.js';
import type { WorkerLlmConfig } from '../thread/chunk-protocol.js';
import type { ChunkRunner, DistributedPlan } from '../thread/chunk-runner.js';
import type { SemanticShared } from './semantic-shared.js';

export interface SemanticEngine {
  readonly instance: DuckDBInstance;
  readonly cache: ResultCache;
  readonly logs: LogWriter;
  readonly llm: WorkerLlmConfig;
  /** Which endpoint answers ('simulator' or a host name), for EXPLAIN. */
  readonly provider: { readonly answeredBy: string };
  readonly semantic: SemanticShared;
  pool(): ChunkRunner;
  /** With a queue: EXPLAIN's lines for the distributed path. */
  readonly queue?: { readonly answeredBy: string; plan(parallel: number): Promise<DistributedPlan> };
}
