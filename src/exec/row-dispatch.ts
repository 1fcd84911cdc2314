/**
 * The one row dispatcher: every LLM row of a statement (MAP rows, BATCH
 * runs, operator tuples) goes through here. Cache first (a page at a time),
 * the misses in chunks to the pool within a bounded window, PARALLEL as an
 * exact bound across the whole statement (a shared semaphore the workers
 * take per run), the budget and cancellation shared the same way, per-run
 * timeout and retries carried in every task; every outcome goes to the sink,
 * the call logs and the cache. A statement's dispatches (one per operator
 * function, say) share all of that: one RowDispatch per statement.
 */
import type { CallOrigin } from '../obs/log-writer.js';
import { createAbortBuffer, isAborted, raiseAbort } from '../thread/abort-flag.js';
import {
  addSpend,
  budgetFailure,
  budgetSpent,
  createBudgetBuffer,
  spentDollars,
  spentTokens,
} from '../thread/budget.js';
import type {
  ChunkResult,
  ChunkRow,
  ChunkTask,
  FailedOutcome,
  RowOutcome,
} from '../thread/chunk-protocol.js';
import { createSemaphoreBuffer } from '../thread/shared-semaphore.js';
import { ChangeSignal } from './change-signal.js';
import {
  chunkSizeFor,
  chunkWindowFor,
  type DispatchContext,
  type DispatchLimits,
  type DispatchTarget,
  type OutcomeSink,
} from './dispatch-spec.js';
import { ProgressTracker } from './progress.js';
import { RowBookkeeping } from './row-bookkeeping.js';
import { needsSqlHost, StatementHost } from './statement-host.js';

export class RowDispatch {
  readonly progress: ProgressTracker;
  readonly chunkSize: number;
  /** Chunks the statement may have in the pool at once. */
  readonly window: number;
  /** The most rows this statement ever had in the pool at once (tests check the window). */
  peakRowsInPool = 0;
  /** The first error that is not a row's (the pool, the sink, the cache); it ends the statement. */
  fatal: unknown;
  firstFailure: FailedOutcome | undefined;
  failedRows = 0;
  private readonly control = createAbortBuffer();
  private readonly budgetBuffer = createBudgetBuffer();
  private readonly budgetNanos: number | undefined;
  private readonly parallelBuffer: SharedArrayBuffer;
  private readonly books: RowBookkeeping;
  private readonly changes = new ChangeSignal();
  private readonly onAbort = () => raiseAbort(this.control);
  private chunkIndex = 0;
  private sqlHost: StatementHost | undefined;
  // Counters, not Sets of promises: a Set's table is rehashed as chunks come
  // and go, and a dropped table in V8's old generation can still point at the
  // promises, and through them at the chunks' rows, which young-generation GCs
  // then keep alive and promote (see ordered-rows.ts).
  /** Chunks given to the pool and not back yet. */
  private inflight = 0;
  private rowsInPool = 0;
  /** Outcomes back from the pool whose sink, logs and cache writes are still running. */
  private completing = 0;

  constructor(
    private readonly ctx: DispatchContext,
    private readonly limits: DispatchLimits,
  ) {
    const known = typeof limits.rowsTotal === 'number' ? limits.rowsTotal : undefined;
    const pending = limits.rowsTotal instanceof Promise ? limits.rowsTotal : undefined;
    this.progress = new ProgressTracker(known ?? 0, ctx.onProgress, pending);
    this.budgetNanos =
      limits.budgetDollars === undefined ? undefined : Math.round(limits.budgetDollars * 1e9);
    this.parallelBuffer = createSemaphoreBuffer(limits.parallel);
    this.chunkSize =
      limits.batch ??
      ctx.pool.chunkSizeFor?.(limits.parallel) ??
      chunkSizeFor(limits.parallel, ctx.pool.threads);
    // A batch chunk is one run; others hold chunkSize runs each.
    this.window = chunkWindowFor(limits.parallel, limits.batch ? 1 : this.chunkSize, ctx.pool.threads);
    this.books = new RowBookkeeping(ctx.cache, ctx.logs, this.progress);
    ctx.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (ctx.signal?.aborted) raiseAbort(this.control);
  }

  /** Spend made outside the pool (embedding calls) that the statement's budgets count. */
  addSpend(dollars: number, tokens: number): void {
    addSpend(this.budgetBuffer, dollars, tokens);
  }
  /** What the budgets count so far: runs on the pool and addSpend. */
  spent(): { readonly dollars: number; readonly tokens: number } {
    return { dollars: spentDollars(this.budgetBuffer), tokens: spentTokens(this.budgetBuffer) };
  }

  /** Dollars spent so far; null once any run's cost was unknown. */
  cost(): number | null {
    return this.books.costKnown ? this.progress.dollars : null;
  }

  /** True once the statement must start nothing new (cancelled, failed, or a row failed that stops it). */
  stopped(): boolean {
    return this.fatal !== undefined || isAborted(this.control) || this.ctx.signal?.aborted === true;
  }

  /**
   * Runs `pages` of rows through `target`: each page's cache hits answered at
   * once, its misses dispatched chunk by chunk, waiting while the window is
   * full. Resolves when every row read has an outcome in the sink (rows not
   * started after a stop get none; the caller reports the stop).
   */
  async run(target: DispatchTarget, pages: AsyncIterable<ChunkRow[]>, sink: OutcomeSink): Promise<number> {
    const origin = originOf(target, this.ctx.queryId);
    let rowsRead = 0;
    for await (const page of pages) {
      rowsRead += page.length;
      if (this.limits.rowsTotal === undefined) this.progress.grow(page.length);
      if (this.stopped()) break;
      // The cache answers a whole page at once: per-chunk lookups, appends and
      // log writes made a fully cached re-run wait on the queues 60 times as often.
      const misses = await this.books.serveFromCache(target, origin, page, (hits) =>
        this.finish(target, origin, sink, hits, hits.length),
      );
      // A packed chunk holds as many prompts as a plain chunk holds runs.
      const size = target.pack ? target.pack * this.chunkSize : this.chunkSize;
      for (let start = 0; start < misses.length; start += size) {
        const chunk = misses.slice(start, start + size);
        if (this.stopped()) break;
        await this.send(target, origin, sink, chunk);
      }
      // Emptied once dispatched: the promise that delivered the page may sit in
      // V8's old generation, and through it a full page would outlive its rows.
      page.length = 0;
      if (this.stopped()) break;
    }
    await this.drained();
    return rowsRead;
  }

  /** One chunk to the runner (or failed at once if the budget is spent), then waits while the window is full. */
  private async send(target: DispatchTarget, origin: CallOrigin, sink: OutcomeSink, chunk: ChunkRow[]) {
    const spent = budgetSpent(this.budgetBuffer, this.budgetNanos, this.limits.budgetTokens);
    if (spent) {
      await this.finish(target, origin, sink, chunk.map(budgetFailure(spent)), 0);
      return;
    }
    this.dispatch(target, origin, sink, chunk);
    while (this.inflight >= this.window || this.completing >= this.window) await this.changes.wait();
  }

  /**
   * The sync strategies' path: `rows` through `target` on a blocking runner
   * (the main thread waits inside a DuckDB function). Same task, same
   * bookkeeping; the cache is peeked synchronously, logs and writes wait for close().
   */
  runBlocking(
    target: DispatchTarget,
    rows: readonly ChunkRow[],
    runSync: (task: ChunkTask) => ChunkResult,
  ): RowOutcome[] {
    const origin = originOf(target, this.ctx.queryId);
    this.progress.grow(rows.length);
    const out: RowOutcome[] = [];
    const misses = this.books.peekCache(target, origin, rows, out);
    if (misses.length > 0) {
      const result = runSync(this.task(target, misses));
      void this.books.record(target, origin, result.rows, 0, true);
      this.noteFailures(target, result.rows);
      out.push(...result.rows);
    }
    return out;
  }

  /** Ends the statement's dispatching: releases its waiting workers, writes what is left of logs and cache. */
  async close(): Promise<void> {
    this.ctx.signal?.removeEventListener('abort', this.onAbort);
    raiseAbort(this.control); // releases the workers' waiters for this statement
    await this.drained();
    await this.books.flush();
    await this.sqlHost?.close();
  }

  private task(target: DispatchTarget, rows: ChunkRow[]): ChunkTask {
    return {
      chunkIndex: this.chunkIndex++,
      cascadePath: target.cascadePath,
      cascadeHash: target.cascade.contentHash,
      rows,
      parallelBuffer: this.parallelBuffer,
      parallel: this.limits.parallel,
      heldBuffer: new SharedArrayBuffer(4),
      abortBuffer: this.control,
      budgetBuffer: this.budgetBuffer,
      budgetNanos: this.budgetNanos,
      budgetTokens: this.limits.budgetTokens,
      modelOverride: target.model,
      timeoutMs: target.timeoutMs,
      retries: target.retries,
      sessionPrefix: target.sessionPrefix,
      batchSize: target.pack ?? this.limits.batch,
      pack: target.pack !== undefined,
      askConfidence: target.askConfidence,
      outputItems: target.outputItems,
      crashOnChunk: this.ctx.crash?.chunk,
      queryId: this.ctx.queryId,
    };
  }

  private dispatch(target: DispatchTarget, origin: CallOrigin, sink: OutcomeSink, rows: ChunkRow[]): void {
    const task = this.task(target, rows);
    const retry = this.ctx.crash?.twice ? task : { ...task, crashOnChunk: undefined };
    const sent = rows.length;
    this.inflight++;
    this.rowsInPool += sent;
    this.peakRowsInPool = Math.max(this.peakRowsInPool, this.rowsInPool);
    // The window slot frees as soon as the pool hands the chunk back: the sink's append may
    // wait on the connection queue (behind the next input page), and holding dispatch for
    // that let the worker run dry (measured: idle ~15% of a latency-0 MAP).
    this.ctx.pool
      .run(task, retry, this.hostFor(target))
      .then(
        (result) => {
          // Emptied once back: the async frames that held the task may sit dead
          // in V8's old generation (a slow chunk), and must not keep its rows.
          rows.length = 0;
          this.completing++;
          this.finish(target, origin, sink, result.rows, 0)
            .catch((err) => this.fail(err))
            .finally(() => {
              this.completing--;
              this.changes.notify();
            });
        },
        (err) => this.fail(err),
      )
      .finally(() => {
        this.inflight--;
        this.rowsInPool -= sent;
        this.changes.notify();
      });
  }

  private async finish(
    target: DispatchTarget,
    origin: CallOrigin,
    sink: OutcomeSink,
    outcomes: readonly RowOutcome[],
    hits: number,
  ): Promise<void> {
    await sink.accept(outcomes);
    await this.books.record(target, origin, outcomes, hits);
    this.noteFailures(target, outcomes);
  }

  private noteFailures(target: DispatchTarget, outcomes: readonly RowOutcome[]): void {
    for (const o of outcomes) {
      if (o.ok) continue;
      this.failedRows++;
      if (o.errorCode !== target.toleratedCode) this.firstFailure ??= o;
    }
    if (this.firstFailure && target.stopOnFailure) raiseAbort(this.control);
  }

  /** The statement's SQL host, for a cascade that queries one (made on first need). */
  private hostFor(target: DispatchTarget): StatementHost | undefined {
    if (!this.ctx.instance || !needsSqlHost(target.cascade)) return undefined;
    this.sqlHost ??= new StatementHost(this.ctx.instance);
    return this.sqlHost;
  }

  private fail(err: unknown): void {
    this.fatal ??= err;
    raiseAbort(this.control);
  }

  private async drained(): Promise<void> {
    while (this.inflight > 0 || this.completing > 0) await this.changes.wait();
  }
}

function originOf(target: DispatchTarget, queryId: string): CallOrigin {
  return { callerId: target.callerId, queryId, cascadeId: target.cascade.cascadeId, model: target.model };
}
