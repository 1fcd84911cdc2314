/**
 * What the coordinator and `rvbbit worker` processes agree on over Redis:
 * the BullMQ queue name, the job (a chunk of rows with its cascade's text, so
 * workers need no shared disk), the job's result (per-row outcomes, usage
 * included, and who ran it), and the plain Redis keys beside the queue:
 * liveness, startup errors, cancellation.
 */
import type { CallSpec } from '../cascade/call-spec.js';
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
  readonly rows: readonly ChunkRow[];
  /**
   * The chunk task's CallSpec as the coordinator has it (cascade/call-spec.ts):
   * its limits' budgets each run checks under its PARALLEL token
   * (scale/permit-lease.ts); its cascade's path is the coordinator's, which
   * the worker replaces with its own copy of `cascadeText`.
   */
  readonly spec: CallSpec;
  /** The coordinator's default model: its cache keys assume it. */
  readonly defaultModel: string;
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
