/**
 * What the coordinator and `rvbbit worker` processes agree on over Redis:
 * the BullMQ queue name, the job (a chunk of rows with its cascade's text, so
 * workers need no shared disk), the job's result (per-row outcomes, usage
 * included, and who ran it), and the plain Redis keys beside the queue:
 * liveness, startup errors, cancellation.
 */
import type { CallLimits } from '../cascade/call-limits.js';
import type { ChunkRow, RowOutcome } from '../thread/chunk-protocol.js';

/** The BullMQ queue every worker consumes. */
export const CHUNK_QUEUE = 'rvbbit-chunks';
/** Sorted set: worker id → time of its last heartbeat (ms). */
export const WORKERS_KEY = 'rvbbit:workers';
/** Hash: worker id → WorkerInfo JSON. */
export const WORKER_INFO_KEY = 'rvbbit:worker-info';
/** List of WorkerStartError JSON, newest first, trimmed. */
export const WORKER_ERRORS_KEY = 'rvbbit:worker-errors';
/** Pub/sub channel: a statement id whose rows must stop. */
export const CANCEL_CHANNEL = 'rvbbit:cancel';

/** A worker that sent no heartbeat for this long is gone. */
export const WORKER_STALE_MS = 5_000;
export const HEARTBEAT_MS = 1_000;

export interface WorkerInfo {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly concurrency: number;
  readonly threads: number;
  readonly answeredBy: string;
  readonly startedAt: number;
}

export interface WorkerStartError {
  readonly id: string;
  readonly host: string;
  readonly error: string;
  readonly at: number;
}

/** One chunk of cache misses: a BullMQ job's data. */
export interface ChunkJob {
  /** The coordinator's statement (dispatcher) id: cancellation names it. */
  readonly statement: string;
  readonly chunkIndex: number;
  /** The cascade file's name (for messages) and text; workers load the text, never a path. */
  readonly cascadeName: string;
  readonly cascadeText: string;
  /** Content hash the plan resolved (the coordinator's cache keys use it). */
  readonly cascadeHash?: string;
  readonly rows: readonly ChunkRow[];
  /**
   * The statement's limits as planned (cascade/call-limits.ts); its budgets
   * each run checks under its PARALLEL token (scale/permit-lease.ts).
   */
  readonly limits: CallLimits;
  /** The target's own model over the statement's (a proxy's). */
  readonly model?: string;
  /** The coordinator's default model: its cache keys assume it. */
  readonly defaultModel: string;
  readonly sessionPrefix: string;
  readonly batchSize?: number;
  /** The operator-run options of the task (thread/chunk-protocol.ts), passed through as they are. */
  readonly pack?: boolean;
  readonly askConfidence?: boolean;
  readonly outputItems?: number;
}

/** A job's return value. */
export interface ChunkJobResult {
  readonly chunkIndex: number;
  /** `host:pid` of the worker that ran it. */
  readonly worker: string;
  readonly rows: readonly RowOutcome[];
  /** When the worker began and finished the job's rows (epochMs(), src/runtime/epoch-clock.ts); a worker before this field omits it. */
  readonly ran?: readonly [number, number];
}

/** The BullMQ job id of a statement's chunk: one id per chunk, so a chunk is never queued twice. */
export function chunkJobId(statement: string, chunkIndex: number): string {
  return `${statement}-${chunkIndex}`;
}
