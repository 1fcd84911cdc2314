/**
 * How an engine reaches its chunk queue (EngineOptions.queue), apart from the
 * link that opens it (queue-link.ts): the engine's public options name this
 * type, and a module of its own keeps ioredis's and BullMQ's types out of the
 * package's declarations, so a user's `tsc` never reads them.
 */
export interface QueueOptions {
  /** redis://host:port of the chunk queue. */
  readonly redis: string;
  /** A statement fails once no live worker was seen for this long while it had jobs queued (default 60 s). */
  readonly noWorkerTimeoutMs?: number;
  /** A statement fails once Redis was unreachable for this long (default 5 s). */
  readonly redisDownMs?: number;
  /**
   * Where progress notices go (waiting for a worker) when the waiting
   * statement has no notice callback of its own (QueryOptions.onNotice: the
   * CLI's stderr, a server client's NOTICE); default stderr.
   */
  readonly onNotice?: (message: string) => void;
  /** Cascade runs started per unit of time across every worker, e.g. '600/min' (scale/rate-bucket.ts). */
  readonly rate?: string;
  /** The rate's bucket: coordinators naming the same key share one limit (default 'default'). */
  readonly rateKey?: string;
}
