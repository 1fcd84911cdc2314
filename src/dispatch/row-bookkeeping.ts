/**
 * What happens around the pool for every row a statement dispatches: the
 * cache lookup before (a page at a time), and after each outcome the call
 * logs, the cache write, the progress counters and the cost. One place, for
 * MAP rows and operator tuples alike (row-dispatch.ts).
 */
import { confidenceVersion, rowCacheKey } from '../cache/cache-key.js';
import type { CacheWrite, ResultCache } from '../cache/result-cache.js';
import type { LoggedCall } from '../obs/call-rows.js';
import type { CallOrigin, LogWriter } from '../obs/log-writer.js';
import { loggedCall } from '../obs/log-writer.js';
import { type ChunkRow, cachedOutcome, type RowOutcome } from '../thread/chunk-protocol.js';
import { cacheOf, type DispatchTarget, modelOf } from './dispatch-spec.js';
import type { ProgressTracker } from './progress.js';

/** Cache-hit log rows are written in batches of this many (one INSERT each). */
const HIT_LOG_BATCH = 8192;

export class RowBookkeeping {
  costKnown = true;
  /**
   * Log and cache writes not settled yet, each removed as it settles: a statement's writes
   * (one per finished batch, ~50,000 at 1M rows) were kept to its end, 3–4 MB of the main
   * thread's heap at 1.5M rows, growing with the rows (issue 66, a heap snapshot's retainers).
   */
  private readonly pending = new Set<Promise<void>>();
  /** The writes tracked, and the most held at once (tests: bounded by those in flight, not by the rows). */
  readonly writes = { tracked: 0, mostHeld: 0 };
  /** Cache keys of rows in the pool, per target (indexes repeat across an operator's functions). */
  private readonly keysInPool = new Map<DispatchTarget, Map<number, string>>();
  private hits: { origin: CallOrigin; indexes: number[] } | undefined;
  private readonly deferredLogs: LoggedCall[] = [];
  private readonly deferredWrites: CacheWrite[] = [];

  constructor(
    private readonly cache: ResultCache,
    private readonly logs: LogWriter,
    private readonly progress: ProgressTracker,
  ) {}

  /**
   * Answers a page's cache hits through `finish` and returns the misses, each
   * with its key held until its outcome is recorded.
   */
  async serveFromCache(
    target: DispatchTarget,
    origin: CallOrigin,
    page: ChunkRow[],
    finish: (hits: RowOutcome[]) => Promise<void>,
  ): Promise<ChunkRow[]> {
    const keys = this.keysOf(target, page);
    // Bypassing the cache, keys still find the statement's identical rows in flight (row-dispatch.ts).
    const found = cacheOf(target) === false ? new Map<string, string>() : await this.cache.lookup(keys);
    const { hits, misses } = this.split(target, origin, page, keys, found);
    if (hits.length > 0) await finish(hits);
    return misses;
  }

  /** The blocking path's lookup (memory only): hits go to `out`, misses come back with their keys held. */
  peekCache(
    target: DispatchTarget,
    origin: CallOrigin,
    rows: readonly ChunkRow[],
    out: RowOutcome[],
  ): ChunkRow[] {
    if (cacheOf(target) === false) return [...rows];
    const keys = this.keysOf(target, rows);
    const { hits, misses } = this.split(target, origin, rows, keys, this.cache.peek(keys));
    this.progress.add(hits.length, 0, hits.length, 0);
    out.push(...hits);
    return misses;
  }

  /** The cache key of a row read and not finished yet. */
  keyOf(target: DispatchTarget, index: number): string {
    return this.keysInPool.get(target)!.get(index)!;
  }

  private keysOf(target: DispatchTarget, rows: readonly ChunkRow[]): string[] {
    // A proxy's answers hold a confidence: never served to a plain run, nor a plain answer to it.
    const version = target.spec.askConfidence
      ? confidenceVersion(target.cascade.contentHash)
      : target.cascade.contentHash;
    const model = modelOf(target);
    return rows.map((r) => rowCacheKey(version, model, r.inputs));
  }

  /** Rows into cache hits (as outcomes, logged) and misses (their keys held for the cache write). */
  private split(
    target: DispatchTarget,
    origin: CallOrigin,
    rows: readonly ChunkRow[],
    keys: readonly string[],
    found: ReadonlyMap<string, string>,
  ): { hits: RowOutcome[]; misses: ChunkRow[] } {
    const held = this.heldKeys(target);
    const hits: RowOutcome[] = [];
    const misses: ChunkRow[] = [];
    rows.forEach((row, i) => {
      const value = found.get(keys[i]!);
      if (value === undefined) {
        misses.push(row);
        held.set(row.index, keys[i]!);
      } else hits.push(cachedOutcome(row.index, JSON.parse(value)));
    });
    if (hits.length > 0) this.noteHits(origin, hits);
    return { hits, misses };
  }

  /**
   * Caches the finished rows' answers (in memory at once: the caller may let
   * identical rows waiting on them go) and lets go of their keys. `blocking`
   * (the sync strategies, inside a DuckDB function) defers the writes to flush().
   */
  cacheAnswers(target: DispatchTarget, outcomes: readonly RowOutcome[], blocking = false): Promise<void> {
    const held = this.keysInPool.get(target);
    const writes: CacheWrite[] = [];
    const cache = cacheOf(target);
    for (const o of outcomes) {
      const key = held?.get(o.index);
      held?.delete(o.index);
      if (key !== undefined && cache !== false && answeredByModel(o)) {
        writes.push({
          key,
          cascadeId: target.cascade.cascadeId,
          value: JSON.stringify(o.output ?? null),
          ttlMs: cache,
          sessionId: o.sessionId,
        });
      }
    }
    if (blocking) {
      this.deferredWrites.push(...writes);
      return Promise.resolve();
    }
    return this.cache.store(writes);
  }

  /** Logs and progress for finished rows; `blocking` defers the logs to flush(). */
  record(origin: CallOrigin, outcomes: readonly RowOutcome[], hits: number, blocking = false): void {
    const logged: LoggedCall[] = [];
    let calls = 0;
    let dollars = 0;
    let unpriced = false;
    for (const o of outcomes) {
      // A call counts once it was sent: one the client refused itself is logged, not counted.
      for (const c of o.calls) if (c.sent !== false) calls++;
      if (o.cost === null) {
        this.costKnown = false;
        if (o.calls.length > 0) unpriced = true;
      } else dollars += o.cost;
      for (const c of o.calls) logged.push(loggedCall(origin, o, c));
    }
    this.progress.add(outcomes.length, calls, hits, dollars, unpriced);
    if (blocking) this.deferredLogs.push(...logged);
    else if (logged.length > 0) this.track(this.logs.calls(logged));
  }

  /**
   * One log row per row answered by an identical call of its time: a cache hit
   * (no call, no cost) whose `answered_by` is 'shared' and whose session is the call's.
   */
  logShared(
    origin: CallOrigin,
    rows: readonly { readonly index: number; readonly sessionId: string }[],
  ): void {
    if (rows.length === 0) return;
    const at = Date.now();
    this.track(
      this.logs.calls(rows.map((row) => ({ ...loggedCall(origin, row, null, at), answered_by: 'shared' }))),
    );
  }

  /**
   * Writes what is still waiting: hit logs, deferred logs and cache writes, then notes the cache
   * stats. Appended, not committed: a statement that reads the log or the cache's tables commits
   * them first (engine/system-tables.ts says why).
   */
  async flush(): Promise<void> {
    this.logHits();
    if (this.deferredLogs.length > 0) this.track(this.logs.calls(this.deferredLogs.splice(0)));
    if (this.deferredWrites.length > 0) this.track(this.cache.store(this.deferredWrites.splice(0)));
    await Promise.all(this.pending);
    this.cache.noteStats();
  }

  /** Holds a write until it settles; flush() waits for those not settled (a failed write fails no statement, as before). */
  private track(write: Promise<void>): void {
    const settled = write.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(settled);
    this.writes.tracked++;
    this.writes.mostHeld = Math.max(this.writes.mostHeld, this.pending.size);
    void settled.then(() => this.pending.delete(settled));
  }

  private heldKeys(target: DispatchTarget): Map<number, string> {
    let held = this.keysInPool.get(target);
    if (!held) {
      held = new Map();
      this.keysInPool.set(target, held);
    }
    return held;
  }

  /** Cache hits are logged in batches as the run goes (the INSERT runs while pages are served). */
  private noteHits(origin: CallOrigin, hits: readonly RowOutcome[]): void {
    if (this.hits && this.hits.origin !== origin) this.logHits();
    this.hits ??= { origin, indexes: [] };
    for (const h of hits) this.hits.indexes.push(h.index);
    if (this.hits.indexes.length >= HIT_LOG_BATCH) this.logHits();
  }

  private logHits(): void {
    if (!this.hits || this.hits.indexes.length === 0) return;
    this.track(this.logs.cacheHits(this.hits.origin, this.hits.indexes));
    this.hits = undefined;
  }
}

/**
 * Whether the answer is one the cache keeps: a model's (a tool-only run reads
 * data that may change); a batch's later rows were answered by the call
 * logged on its first row.
 */
export function answeredByModel(o: RowOutcome): o is Extract<RowOutcome, { ok: true }> {
  return o.ok && (o.calls.length > 0 || o.shared === true);
}
