/**
 * What the row dispatcher (row-dispatch.ts) is given: what the engine lends
 * it, the statement's limits, what rows run through and where outcomes go;
 * and how it cuts rows into chunks and how many chunks it keeps in the pool,
 * sized from PARALLEL and the worker threads, never from N.
 */
import type { DuckDBInstance } from '@duckdb/node-api';
import type { ResultCache } from '../cache/result-cache.js';
import type { Cascade } from '../cascade/cascade-types.js';
import type { CallOrigin, LogWriter } from '../obs/log-writer.js';
import type { RowOutcome } from '../thread/chunk-protocol.js';
import type { ChunkRunner } from '../thread/chunk-runner.js';
import type { Progress } from './progress.js';

/** What the engine lends a statement's dispatcher. */
export interface DispatchContext {
  /** The local pool, or the distributed queue (chunk-runner.ts). */
  readonly pool: ChunkRunner;
  readonly cache: ResultCache;
  readonly logs: LogWriter;
  readonly queryId: string;
  /** The database the workers' `sql_data` cells read (statement-host.ts); without it they fail. */
  readonly instance?: DuckDBInstance;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
}

/** The statement-wide limits. */
export interface DispatchLimits {
  readonly parallel: number;
  /** No run starts once the statement has spent this much. */
  readonly budgetDollars?: number;
  /** No run starts once the statement has spent this many tokens (in + out). */
  readonly budgetTokens?: number;
  /**
   * Rows per chunk (a BATCH n statement sends one batch per chunk, and then
   * PARALLEL and the window count batch runs); default chunkSizeFor().
   */
  readonly batch?: number;
  /** Input size if known, or a promise of it (progress waits for it); undefined for a stream. */
  readonly rowsTotal?: number | Promise<number>;
}

/** What one dispatch runs its rows through. */
export interface DispatchTarget {
  readonly cascadePath: string;
  readonly cascade: Cascade;
  readonly model?: string;
  /** false = bypass the cache; a number = TTL in ms; undefined = no expiry. */
  readonly cache: false | number | undefined;
  readonly timeoutMs?: number;
  readonly retries?: number;
  /** Session ids of the runs start with this ('udf', 'sql_fn_semantic_means_'). */
  readonly sessionPrefix: string;
  /** `caller_id` of the call logs. */
  readonly callerId: CallOrigin['callerId'];
  /** A failed row stops the statement (on_error = 'fail'; an operator, which has no error column). */
  readonly stopOnFailure: boolean;
  /** A row failed with this code is not a failure that stops the statement (an operator's on_invalid = 'null'). */
  readonly toleratedCode?: string;
  /** An operator's `-- @ batch: n` (n ≥ 2): up to n rows packed into one prompt (cascade/packed-prompt.ts). */
  readonly pack?: number;
  /** A proxy model's run (cascade/confidence.ts): its answers are cached apart from plain ones. */
  readonly askConfidence?: boolean;
  /** Each run answers a list of exactly this many items (cascade/batch-schema.ts). */
  readonly outputItems?: number;
}

/** Where outcomes go; called for every finished row, in completion order. */
export interface OutcomeSink {
  accept(outcomes: readonly RowOutcome[]): Promise<void> | void;
}

/** Rows per chunk: enough chunks that every worker has several, never more than 32 rows. */
export function chunkSizeFor(parallel: number, threads: number): number {
  return Math.max(1, Math.min(32, Math.ceil(parallel / (threads * 4))));
}

/**
 * Chunks in flight. A chunk returns only when all its rows are done, so rows
 * dispatched must exceed PARALLEL by a margin, or the pipeline drains while
 * half-finished chunks wait for their last rows (measured: 1.14× ideal at
 * exactly 2 × PARALLEL queued). Memory stays bounded by this, not by N.
 */
export function chunkWindowFor(parallel: number, chunkSize: number, threads: number): number {
  return Math.ceil((3 * parallel) / chunkSize) + threads * 2;
}
