/**
 * The typed protocol between the executor and the worker threads (STYLE §7):
 * every message carries its chunk index, and the worker answers with data,
 * never with a thrown error (an Error loses its custom properties crossing
 * a thread).
 */

import type { MessagePort } from 'node:worker_threads';
import type { CallLimits } from '../cascade/call-limits.js';

/** How a worker reaches the LLM; the API key travels in memory only, never logged. */
export interface WorkerLlmConfig {
  readonly baseUrl: string;
  readonly apiKey?: string;
  /** Azure OpenAI's api-version (llm/client-options.ts azureApiVersion). */
  readonly azureApiVersion?: string;
  readonly defaultModel: string;
  /** Process-wide gate shared by every worker (SharedGate's buffer). */
  readonly gateBuffer?: SharedArrayBuffer;
  /** Prices by model (dollars per 1M tokens; cached input and batch discount included). */
  readonly prices?: PriceTable;
  readonly aliases?: Readonly<Record<string, string>>;
  /** Attempts per LLM call unless a statement says (WITH retries). */
  readonly retries?: number;
  /** Deadline of one HTTP attempt, ms. */
  readonly timeoutMs?: number;
  /** How long a call keeps waiting out 429s and outages, ms. */
  readonly deadlineMs?: number;
  /** Backoff between attempts (tests shorten it). */
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
  /**
   * Image files the worker reads for IMAGE('path') markers (llm/image-files.ts
   * ImageFileAccess): the engine's image folders (real paths), the process's
   * bound on image bytes in flight (its buffer) and maxImageBytes. Absent (an
   * `rvbbit worker`, whose rows with files stay on the coordinator: the queue
   * runner keeps them): a row naming a file fails with IMAGE_NOT_FOUND.
   */
  readonly images?: {
    readonly folders: readonly string[];
    readonly inFlight: SharedArrayBuffer;
    readonly maxBytes: number;
  };
}

export interface ChunkRow {
  /** Position of the row in the MAP input; results are reassembled by it. */
  readonly index: number;
  readonly inputs: Readonly<Record<string, unknown>>;
}

export interface ChunkTask {
  readonly chunkIndex: number;
  readonly cascadePath: string;
  /**
   * Content hash of the cascade the plan resolved (its cache keys use it).
   * A worker that already loaded that version runs it without touching the
   * file: a stat per chunk was 4% of a worker's time at latency 0.
   */
  readonly cascadeHash?: string;
  readonly rows: readonly ChunkRow[];
  /**
   * The statement's limits as the planner made them (cascade/call-limits.ts):
   * PARALLEL (the queue makes that many tokens in Redis: scale/permit-keys.ts),
   * the budgets every run checks, the model, deadline and retries of each run.
   */
  readonly limits: CallLimits;
  /** This target's own model over the statement's (a proxy model's runs). */
  readonly model?: string;
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
  readonly sessionPrefix: string;
  /** Where the chunk's `sql_data` cells send their queries (thread/host-channel.ts); absent = no SQL host. */
  readonly hostPort?: MessagePort;
  /** BATCH n: rows go to one run as `input.rows`; absent = one row per run. */
  readonly batchSize?: number;
  /**
   * With batchSize: the cascade is a one-tuple operator, packed n to a prompt
   * (cascade/packed-prompt.ts) instead of reading `input.rows`; one row runs unpacked.
   */
  readonly pack?: boolean;
  /** A proxy model's run: answers carry a `confidence` (cascade/confidence.ts). */
  readonly askConfidence?: boolean;
  /** The run's answer is a list of exactly this many items (a dimension's discovery: n labels). */
  readonly outputItems?: number;
  /** The statement's query id (the queue runner counts chunks per statement for rvbbit.queries). */
  readonly queryId?: string;
}

export type { CallRecord } from '../cascade/run-types.js';

import type { ErrorCode } from '../../base/errors.js';
import { withoutSecrets } from '../../base/secrets.js';
import type { CallRecord, PriceTable } from '../cascade/run-types.js';

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
