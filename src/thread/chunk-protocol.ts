/**
 * The typed protocol between the executor and the worker threads (STYLE §7):
 * every message carries its chunk index, and the worker answers with data,
 * never with a thrown error (an Error loses its custom properties crossing
 * a thread).
 */

import type { MessagePort } from 'node:worker_threads';
import type { CallSpec } from '../cascade/call-spec.js';

/**
 * How a worker thread makes its LLM client: the engine's provider settings,
 * whole (llm/client-options.ts), and what only a worker is lent: the
 * process gate's buffer and image access. The API key travels in memory
 * only, never logged.
 */
export interface WorkerLlmConfig extends ProviderSettings {
  readonly defaultModel: string;
  /** Process-wide gate shared by every worker (SharedGate's buffer). */
  readonly gateBuffer?: SharedArrayBuffer;
  /**
   * Image files the worker reads for IMAGE('path') markers (llm/image-files.ts
   * ImageFileAccess): the engine's image folders (real paths), the process's
   * bound on image bytes in flight (its buffer) and maxImageBytes. Absent (an
   * `rvbbit worker`, whose rows with files stay on the coordinator: the queue
   * runner keeps them): a row naming a file fails with IMAGE_NOT_FOUND.
   */
  readonly images?: ImageFileAccess;
}

export interface ChunkRow {
  /** Position of the row in the MAP input; results are reassembled by it. */
  readonly index: number;
  readonly inputs: Readonly<Record<string, unknown>>;
}

export interface ChunkTask {
  readonly chunkIndex: number;
  /**
   * What every call of the chunk needs, as its target's maker built it
   * (cascade/call-spec.ts): the cascade (a worker that already loaded its
   * hash runs it without touching the file: a stat per chunk was 4% of a
   * worker's time at latency 0), the statement's limits (PARALLEL, which the
   * queue makes that many tokens in Redis: scale/permit-keys.ts; the budgets
   * every run checks; the model, deadline and retries of each run), and what
   * the target asks of each run.
   */
  readonly spec: CallSpec;
  readonly rows: readonly ChunkRow[];
  /** Per-statement semaphore: PARALLEL permits shared by every worker. */
  readonly parallelBuffer: SharedArrayBuffer;
  /**
   * Permits this chunk attempt holds right now (Int32). If its worker dies the
   * pool hands them back, so a crash never shrinks PARALLEL for the rest.
   */
  readonly heldBuffer: SharedArrayBuffer;
  /** Per-statement abort flag: non-zero = stop, abort in-flight HTTP. */
  readonly abortBuffer: SharedArrayBuffer;
  /** Per-statement spend (nano-dollars and tokens, thread/budget.ts), added to by every worker. */
  readonly budgetBuffer?: SharedArrayBuffer;
  /**
   * The model of cells that name none, when not the worker's own default: a
   * queue worker runs the coordinator's, which its cache keys were made with.
   */
  readonly defaultModel?: string;
  /** Where the chunk's `sql_data` cells send their queries (thread/host-channel.ts); absent = no SQL host. */
  readonly hostPort?: MessagePort;
  /** The statement's query id (the queue runner counts chunks per statement for rvbbit.queries). */
  readonly queryId?: string;
}

export type { CallRecord } from '../cascade/run-types.js';

import type { ErrorCode } from '../../base/errors.js';
import { withoutSecrets } from '../../base/secrets.js';
import type { CallRecord, ImageFileAccess, ProviderSettings } from '../cascade/run-types.js';

/** What a row's run did: its session, the calls it made and their cost (null if unknown). */
export interface RunTrace {
  readonly sessionId: string;
  readonly calls: readonly CallRecord[];
  readonly cost: number | null;
  /** A batch's row after the first: answered by a model call logged on the first row. */
  readonly shared?: true;
}

/** A row's outcome: its answer, or a failure with a code. Built only by the helpers below. */
export type RowOutcome =
  | (RunTrace & { readonly index: number; readonly ok: true; readonly output: unknown })
  | (RunTrace & {
      readonly index: number;
      readonly ok: false;
      readonly errorCode: ErrorCode;
      readonly error: string;
    });

export type FailedOutcome = Extract<RowOutcome, { ok: false }>;

/** No run: no session, no calls, no cost. */
const NO_RUN: RunTrace = { sessionId: '', calls: [], cost: 0 };

/** The row's answer (the last cell's output, parsed JSON or text). */
export function okOutcome(index: number, output: unknown, run: RunTrace): RowOutcome {
  const out = {
    index,
    ok: true as const,
    output,
    sessionId: run.sessionId,
    calls: run.calls,
    cost: run.cost,
  };
  return run.shared ? { ...out, shared: true } : out;
}

/** A failed row: the run that failed, or none (budget spent, worker gone, cancelled before it started). */
export function failedOutcome(
  index: number,
  errorCode: ErrorCode,
  error: string,
  run: RunTrace = NO_RUN,
): FailedOutcome {
  // The error may quote a model's answer, and the answer a provider key.
  const text = withoutSecrets(error);
  return {
    index,
    ok: false,
    errorCode,
    error: text,
    sessionId: run.sessionId,
    calls: run.calls,
    cost: run.cost,
  };
}

/** The outcome of a row the result cache answered. */
export function cachedOutcome(index: number, output: unknown): RowOutcome {
  return okOutcome(index, output, NO_RUN);
}

export interface ChunkResult {
  readonly chunkIndex: number;
  readonly rows: readonly RowOutcome[];
}

/**
 * A ChunkResult as it crosses back from a pool worker: its JSON text (one
 * string to clone, not thousands of small objects), in an envelope the pool
 * empties once it has read it (see thread/cascade-pool.ts).
 */
export interface PackedChunkResult {
  json: string;
}
