/**
 * What the row dispatcher (row-dispatch.ts) is given besides the statement's
 * limits (cascade/call-limits.ts): what the engine lends it, how rows are
 * cut, what they run through (a target and its CallSpec) and where outcomes go;
 * and how it cuts rows into chunks and how many chunks it keeps in the pool,
 * sized from PARALLEL and the worker threads, never from N.
 */
import type { CallLimits } from '../cascade/call-limits.js';
import { type CallSpec, modelOverride } from '../cascade/call-spec.js';
import type { Cascade } from '../cascade/cascade-types.js';
import type { CallOrigin } from '../obs/log-writer.js';
import type { RowOutcome } from '../thread/chunk-protocol.js';
import type { StatementContext } from './statement-context.js';

/**
 * The dispatcher's part of the statement context: what running rows needs (no
 * connection, no parameters). Without `instance`, `sql_data` cells fail.
 */
export type DispatchContext = Pick<
  StatementContext,
  'queryId' | 'pool' | 'cache' | 'logs' | 'signal' | 'onProgress' | 'onNotice'
> &
  Partial<Pick<StatementContext, 'instance'>>;

/** How a statement's rows are cut, beside its limits (the CallLimits the planner made). */
export interface DispatchShape {
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
  /** What every call of its rows needs (cascade/call-spec.ts), put in each chunk task whole. */
  readonly spec: CallSpec;
  /** The cascade `spec` names, as the plan loaded it. */
  readonly cascade: Cascade;
  /** false: its answers are never cached (an operator declared `cache: false`), whatever the statement says. */
  readonly cacheable: boolean;
  /** `caller_id` of the call logs. */
  readonly callerId: CallOrigin['callerId'];
  /** A failed row stops the statement (on_error = 'fail'; an operator, which has no error column). */
  readonly stopOnFailure: boolean;
  /**
   * A row failed with one of these codes is not a failure that stops the
   * statement (an operator's on_invalid = 'null'; a tuple over the model's
   * limits, which its caller answers another way).
   */
  readonly toleratedCodes?: readonly string[];
}

/** The model a target's calls name: its own (a proxy's), else the statement's. */
export function modelOf(target: DispatchTarget): string | undefined {
  return modelOverride(target.spec);
}

/** How a target's answers are cached: as the statement says, unless the target is never cached. */
export function cacheOf(target: DispatchTarget): CallLimits['cache'] {
  return target.cacheable ? target.spec.limits.cache : false;
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
