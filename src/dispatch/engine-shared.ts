/**
 * What every session of one engine shares: its DuckDB database, cache, logs,
 * cascade roots, provider, worker pool (or queue) and semantic operators.
 * Made once by Engine.create (engine.ts); the statement modules of this
 * folder take it from here, so none of them imports the engine itself.
 */
import type { DuckDBInstance } from '@duckdb/node-api';
import type { ResultCache } from '../cache/result-cache.js';
import type { CallLimits } from '../cascade/call-limits.js';
import type { ConnectionQueue } from '../db/connection-queue.js';
import type { LlmWorkBound } from '../db/llm-work-bound.js';
import type { BatchDelivering } from '../llm/client.js';
import type { ResolvedProvider } from '../llm/client-options.js';
import type { LlmClient } from '../llm/types.js';
import type { LogWriter } from '../obs/log-writer.js';
import type { LogDatabase } from '../obs/private-logs.js';
import type { CascadeResolver } from '../plan/cascade-resolver.js';
import type { OperatorCatalog } from '../plan/operator-catalog.js';
import type { PlanDefaults } from '../plan/plan-limits.js';
import type { SqlFunctionFiles } from '../plan/sql-functions.js';
import type { QueueChunkRunner } from '../scale/queue-runner.js';
import type { ChunkResult, ChunkTask, WorkerLlmConfig } from '../thread/chunk-protocol.js';
import type { ChunkRunner } from '../thread/chunk-runner.js';

export interface EngineShared {
  readonly instance: DuckDBInstance;
  readonly system: ConnectionQueue;
  readonly cache: ResultCache;
  readonly logs: LogWriter;
  /** Where log rows live: the engine's database, or a private one (obs/private-logs.ts). */
  readonly logDb: LogDatabase;
  readonly resolver: CascadeResolver;
  /** Every cascade root as a real path, longest first: what errors shown to server clients leave out. */
  readonly shownRoots: readonly string[];
  readonly provider: ResolvedProvider;
  /** Every LLM client's settings; `baseUrl` is '' until startProvider() has started the built-in simulator. */
  readonly llm: WorkerLlmConfig;
  /** Whether `llm.baseUrl` is set: a configured provider's always; the built-in simulator's once started. */
  readonly llmReady: boolean;
  /**
   * Starts what LLM calls need and plain SQL never does (the built-in
   * simulator's thread), once: every statement that is not plain SQL awaits
   * it before it is planned (plan-executors.ts planOf).
   */
  startProvider(): Promise<void>;
  readonly defaults: PlanDefaults;
  /** Semantic operators: catalog, grammar, sync worker. */
  readonly semantic: SemanticShared;
  /** Where the cascades of functions defined by CREATE SEMANTIC FUNCTION are written to run (plan/sql-functions.ts). */
  readonly sqlFunctionFiles: SqlFunctionFiles;
  /** DuckDB's lower memory bound while a statement with LLM work runs (db/llm-work-bound.ts). */
  readonly llmWork: LlmWorkBound;
  /** RUN ASYNC jobs still running, by session id. */
  readonly jobs: Map<string, { readonly controller: AbortController; readonly done: Promise<void> }>;
  /**
   * Where a statement's chunks run: the local pool, or the queue when one is
   * configured, except for a statement whose limits say `delivery: 'batch'`,
   * which always runs on the local pool (engine.ts, runner()).
   */
  pool(limits?: Pick<CallLimits, 'delivery'>): ChunkRunner;
  /** The queue runner, when the engine has a queue. */
  readonly queue: QueueChunkRunner | undefined;
  /**
   * The main thread's LLM client (RUN); workers have their own. Made, and its
   * HTTP stack (undici) loaded, on first use: plain SQL never needs it.
   */
  mainLlm(): Promise<LlmClient & BatchDelivering>;
  closeMainLlm(): Promise<void>;
}

/**
 * What the engine keeps for semantic SQL (made by statements/semantic/run/semantic-shared.ts):
 * the operator catalog (and the grammar built from it) and the sync strategies' blocking worker, started on first use.
 */
export interface SemanticShared {
  /**
   * Replaced whole (never changed in place) when CREATE or DROP SEMANTIC
   * FUNCTION changes the operators: every session reads it at its next
   * statement, and a statement keeps the one it was planned with.
   */
  catalog: OperatorCatalog;
  /** The blocking runner of sequential / vectorized / union_all. */
  syncRunner(llm: WorkerLlmConfig): Promise<{ readonly runner: (task: ChunkTask) => ChunkResult }>;
  /**
   * Context windows a run learned, by model id: the window a refusal stated
   * (the provider's context-length 400, then the workers' clients refusing
   * unsent). The workers' clients keep theirs; this copy is EXPLAIN's, so
   * its count of an aggregate's reduction after a learned limit is the run's.
   * The latest 256 models (call-runner.ts MAX_LEARNED_WINDOWS): clients name models.
   */
  readonly learnedWindows: Map<string, number>;
  close(): Promise<void>;
}
