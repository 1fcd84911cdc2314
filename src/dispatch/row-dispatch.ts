/**
 * The one row dispatcher: every LLM row of a statement (MAP rows, BATCH
 * runs, operator tuples) goes through here. Cache first (a page at a time),
 * the misses in chunks to the pool within a bounded window, PARALLEL as an
 * exact bound across the whole statement (a shared semaphore the workers
 * take per run), the budget and cancellation shared the same way, per-run
 * timeout and retries carried in every task; every outcome goes to the sink,
 * the call logs and the cache. A statement's dispatches (one per operator
 * function, say) share all of that: one RowDispatch per statement.
 *
 * Single flight: a miss whose cache key already has a call in flight (this
 * statement's or, through the cache, any other's of the engine) waits for
 * that call's answer instead of making its own (cache/answer-flights.ts).
 */
import { RvbbitError } from '../../base/errors.js';
import { AnswerFlights, type Flight, type FlightAnswer } from '../cache/answer-flights.js';
import type { Recalled } from '../cache/result-cache.js';
import type { CallLimits } from '../cascade/call-limits.js';
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
import {
  type ChunkResult,
  type ChunkRow,
  type ChunkTask,
  type FailedOutcome,
  failedOutcome,
  okOutcome,
  type RowOutcome,
} from '../thread/chunk-protocol.js';
import { createSemaphoreBuffer } from '../thread/shared-semaphore.js';
import { ChangeSignal } from './change-signal.js';
import {
  cacheOf,
  chunkSizeFor,
  chunkWindowFor,
  type DispatchContext,
  type DispatchShape,
  type DispatchTarget,
  modelOf,
  type OutcomeSink,
} from './dispatch-spec.js';
import { LedFlights } from './led-flights.js';
import { ProgressTracker } from './progress.js';
import { RowBookkeeping } from './row-bookkeeping.js';
import { needsSqlHost, StatementHost } from './statement-host.js';

/**
 * Runs one chunk holds (prompts, for a packed target: a chunk holds that many
 * times its batch in tuples), as RowDispatch cuts a statement's rows: read by
 * the run and by its price (call-cost.ts tuplesCost's layout), which must cut
 * a target's tuples where the run does.
 */
export function dispatchChunkSize(
  limits: Pick<CallLimits, 'parallel' | 'delivery'>,
  pool: Pick<DispatchContext['pool'], 'threads' | 'chunkSizeFor'>,
  batch?: number,
): number {
  return limits.delivery === 'batch'
    ? BATCH_DELIVERY_ROWS
    : (batch ?? pool.chunkSizeFor?.(limits.parallel) ?? chunkSizeFor(limits.parallel, pool.threads));
}

export class RowDispatch {
  readonly progress: ProgressTracker;
  readonly chunkSize: number;
  /** Chunks the statement may have in the pool at once. */
  readonly window: number;
  /** The first error that is not a row's (the pool, the sink, the cache); it ends the statement. */
  fatal: unknown;
  firstFailure: FailedOutcome | undefined;
  failedRows = 0;
  private readonly control = createAbortBuffer();
  private readonly budgetBuffer = createBudgetBuffer();
  private readonly parallelBuffer: SharedArrayBuffer;
  private readonly books: RowBookkeeping;
  private readonly changes = new ChangeSignal();
  private readonly onAbort = () => this.halt();
  /**
   * Wakes the rows waiting on other calls when the statement stops. A set, not
   * a race with one promise: that promise would keep a reaction, and through it
   * the rows, of every wait the statement ever made.
   */
  private readonly onHalt = new Set<() => void>();
  /** A statement that bypasses the cache shares calls among its own rows only. */
  private readonly ownFlights = new AnswerFlights();
  private readonly led = new LedFlights();
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
  /** Groups of rows waiting on an identical row's call, and the rows in them (bounded like the window). */
  private following = 0;
  private rowsFollowing = 0;

  constructor(
    private readonly ctx: DispatchContext,
    /** The statement's limits as planned: carried into every chunk task unchanged. */
    private readonly limits: CallLimits,
    private readonly shape: DispatchShape = {},
  ) {
    const { rowsTotal, batch } = shape;
    const known = typeof rowsTotal === 'number' ? rowsTotal : undefined;
    const pending = rowsTotal instanceof Promise ? rowsTotal : undefined;
    this.progress = new ProgressTracker(known ?? 0, ctx.onProgress, pending);
    this.parallelBuffer = createSemaphoreBuffer(limits.parallel);
    this.chunkSize = dispatchChunkSize(limits, ctx.pool, batch);
    // A batch chunk is one run; others hold chunkSize runs each.
    this.window = chunkWindowFor(limits.parallel, batch ? 1 : this.chunkSize, ctx.pool.threads);
    this.books = new RowBookkeeping(ctx.cache, ctx.logs, this.progress);
    ctx.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (ctx.signal?.aborted) this.halt();
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

  /** The log and cache writes its bookkeeping tracked, and the most held at once (tests). */
  get writes(): { readonly tracked: number; readonly mostHeld: number } {
    return this.books.writes;
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
    this.checkLimits(target);
    const origin = originOf(target, this.ctx.queryId);
    let rowsRead = 0;
    const held: ChunkRow[] | undefined = this.limits.delivery === 'batch' ? [] : undefined;
    for await (const page of pages) {
      rowsRead += page.length;
      if (this.shape.rowsTotal === undefined) this.progress.grow(page.length);
      if (this.stopped()) break;
      // The cache answers a whole page at once: per-chunk lookups, appends and
      // log writes made a fully cached re-run wait on the queues 60 times as often.
      const misses = await this.books.serveFromCache(target, origin, page, (hits) =>
        this.finish(target, origin, sink, hits, hits.length),
      );
      if (held) {
        // Batch delivery: the misses of every page make one chunk, one round of batch lines.
        held.push(...misses);
        if (held.length >= this.chunkSize) await this.sendAll(target, origin, sink, held.splice(0));
      } else await this.sendAll(target, origin, sink, misses);
      // Emptied once dispatched: the promise that delivered the page may sit in
      // V8's old generation, and through it a full page would outlive its rows.
      page.length = 0;
      if (this.stopped()) break;
    }
    if (held && held.length > 0 && !this.stopped()) await this.sendAll(target, origin, sink, held);
    await this.drained();
    return rowsRead;
  }

  /** Cache misses to the runner chunk by chunk, until the statement stops. */
  private async sendAll(target: DispatchTarget, origin: CallOrigin, sink: OutcomeSink, misses: ChunkRow[]) {
    // A packed chunk holds as many prompts as a plain chunk holds runs.
    const { pack, batchSize } = target.spec;
    const size = pack && batchSize ? batchSize * this.chunkSize : this.chunkSize;
    for (let start = 0; start < misses.length; start += size) {
      if (this.stopped()) break;
      await this.send(target, origin, sink, misses.slice(start, start + size));
    }
  }

  /**
   * One chunk: failed at once if the budget is spent; else each row joins the
   * call in flight for its key, or finds the answer that landed in the cache
   * meanwhile, or leads a new call, and the leaders go to the runner. Then
   * waits while the window is full.
   */
  private async send(target: DispatchTarget, origin: CallOrigin, sink: OutcomeSink, chunk: ChunkRow[]) {
    const spent = budgetSpent(this.budgetBuffer, this.limits);
    if (spent) {
      await this.finish(target, origin, sink, chunk.map(budgetFailure(spent)), 0);
      return;
    }
    const flights = cacheOf(target) === false ? this.ownFlights : this.ctx.cache.flights;
    const leading = this.led.of(target);
    const leaders: ChunkRow[] = [];
    const followers = new Map<Flight, ChunkRow[]>();
    const landed: ChunkRow[] = [];
    const landedAnswers: Recalled[] = [];
    for (const row of chunk) {
      const key = this.books.keyOf(target, row.index);
      const flight = flights.find(key);
      if (flight) {
        const rows = followers.get(flight);
        if (rows) rows.push(row);
        else followers.set(flight, [row]);
        continue;
      }
      // A call may have landed while this row's lookup read the table: its answer is in memory then.
      const recalled = cacheOf(target) === false ? undefined : this.ctx.cache.recall(key);
      if (recalled === undefined) {
        leaders.push(row);
        leading.set(row.index, flights.lead(key, this));
      } else {
        landed.push(row);
        landedAnswers.push(recalled);
      }
    }
    for (const [flight, rows] of followers) this.follow(target, origin, sink, flight, rows);
    if (leaders.length > 0) {
      try {
        this.dispatch(target, origin, sink, leaders);
      } catch (err) {
        this.led.abandon(target, leaders);
        throw err;
      }
    }
    if (landed.length > 0) {
      // Logged as shared, naming the run that made the answer, as the rows that waited on its flight are.
      const answers = landed.map((row, i) => ({
        index: row.index,
        sessionId: landedAnswers[i]!.sessionId,
        output: JSON.parse(landedAnswers[i]!.value),
      }));
      await this.finishShared(target, origin, sink, answers);
    }
    while (
      this.inflight >= this.window ||
      this.completing >= this.window ||
      this.rowsFollowing >= Math.max(FOLLOWING_ROWS, this.window * this.chunkSize)
    ) {
      await this.changes.wait();
    }
  }

  /**
   * `rows` wait for `flight`'s answer. They take it when it is theirs to take
   * (their own statement's call, or a model's answer); an answer that is not
   * (another statement's failure, or its call never made) sends them on again.
   */
  private follow(
    target: DispatchTarget,
    origin: CallOrigin,
    sink: OutcomeSink,
    flight: Flight,
    rows: ChunkRow[],
  ): void {
    this.rowsFollowing += rows.length;
    let waiting = true;
    const stopWaiting = () => {
      if (!waiting) return;
      waiting = false;
      this.rowsFollowing -= rows.length;
      this.changes.notify();
    };
    const followed = async () => {
      const answer = await this.answerOf(flight);
      stopWaiting();
      if (answer === HALTED || this.stopped()) return;
      const own = flight.owner === this;
      if (answer?.ok && (own || answer.cacheable)) {
        const answers = rows.map((row) => ({
          index: row.index,
          sessionId: answer.sessionId,
          output: answer.output,
        }));
        await this.finishShared(target, origin, sink, answers);
      } else if (answer && !answer.ok && own) {
        // The statement's own call for this input failed: identical rows fail the same way, uncharged.
        const failed = rows.map((row) => failedOutcome(row.index, answer.errorCode, answer.error));
        await this.finish(target, origin, sink, failed, 0);
      } else {
        await this.sendAll(target, origin, sink, rows);
      }
    };
    this.following++;
    followed()
      .catch((err) => this.fail(err))
      .finally(() => {
        stopWaiting();
        this.following--;
        this.changes.notify();
      });
  }

  /** `flight`'s answer, or HALTED as soon as the statement stops. */
  private answerOf(flight: Flight): Promise<FlightAnswer | undefined | typeof HALTED> {
    if (this.stopped()) return Promise.resolve(HALTED);
    return new Promise((resolve) => {
      const halted = () => resolve(HALTED);
      this.onHalt.add(halted);
      void flight.wait().then((answer) => {
        this.onHalt.delete(halted);
        resolve(answer);
      });
    });
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
    this.checkLimits(target);
    const origin = originOf(target, this.ctx.queryId);
    this.progress.grow(rows.length);
    const out: RowOutcome[] = [];
    const misses = this.books.peekCache(target, origin, rows, out);
    if (misses.length > 0) {
      const result = runSync(this.task(target, misses));
      void this.books.cacheAnswers(target, result.rows, true);
      this.books.record(origin, result.rows, 0, true);
      this.noteFailures(target, result.rows);
      out.push(...result.rows);
    }
    return out;
  }

  /** Ends the statement's dispatching: releases its waiting workers, writes what is left of logs and cache. */
  async close(): Promise<void> {
    this.ctx.signal?.removeEventListener('abort', this.onAbort);
    this.halt(); // releases the workers' waiters for this statement
    await this.drained();
    await this.books.flush();
    await this.sqlHost?.close();
  }

  /**
   * A target's spec carries the statement's limits, the dispatcher's own: what
   * the dispatcher enforces (PARALLEL, budgets) and what the workers and the
   * queue read of the spec are one object, never two that could disagree.
   */
  private checkLimits(target: DispatchTarget): void {
    if (target.spec.limits !== this.limits) {
      throw new RvbbitError('ENGINE_ERROR', "a dispatch target's spec does not carry its statement's limits");
    }
  }

  private task(target: DispatchTarget, rows: ChunkRow[]): ChunkTask {
    return {
      chunkIndex: this.chunkIndex++,
      spec: target.spec,
      rows,
      parallelBuffer: this.parallelBuffer,
      heldBuffer: new SharedArrayBuffer(4),
      abortBuffer: this.control,
      budgetBuffer: this.budgetBuffer,
      queryId: this.ctx.queryId,
    };
  }

  private dispatch(target: DispatchTarget, origin: CallOrigin, sink: OutcomeSink, rows: ChunkRow[]): void {
    const task = this.task(target, rows);
    const sent = rows.length;
    this.inflight++;
    this.rowsInPool += sent;
    // The window slot frees as soon as the pool hands the chunk back: the sink's append may
    // wait on the connection queue (behind the next input page), and holding dispatch for
    // that let the worker run dry (measured: idle ~15% of a latency-0 MAP).
    this.ctx.pool
      .run(task, this.hostFor(target))
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
        (err) => {
          this.led.abandon(target, rows);
          this.fail(err);
        },
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
    // Answers go to the cache first (memory, and the answer log), so the rows
    // waiting on them are let go only once a later lookup would find them too.
    let cached: Promise<void>;
    try {
      cached = this.books.cacheAnswers(target, outcomes);
    } finally {
      this.led.land(target, outcomes);
    }
    try {
      await sink.accept(outcomes);
      this.books.record(origin, outcomes, hits);
    } finally {
      await cached;
    }
    this.noteFailures(target, outcomes);
  }

  /** Rows answered by an identical row's call (or its answer just cached): no call, no cost, a 'shared' log row. */
  private async finishShared(
    target: DispatchTarget,
    origin: CallOrigin,
    sink: OutcomeSink,
    answers: readonly { readonly index: number; readonly sessionId: string; readonly output: unknown }[],
  ): Promise<void> {
    const outcomes = answers.map((a) => okOutcome(a.index, a.output, { sessionId: '', calls: [], cost: 0 }));
    this.books.logShared(origin, answers);
    await this.finish(target, origin, sink, outcomes, outcomes.length);
  }

  private noteFailures(target: DispatchTarget, outcomes: readonly RowOutcome[]): void {
    for (const o of outcomes) {
      if (o.ok) continue;
      this.failedRows++;
      if (!target.toleratedCodes?.includes(o.errorCode)) this.firstFailure ??= o;
    }
    if (this.firstFailure && target.stopOnFailure) this.halt();
  }

  /** The statement's SQL host, for a cascade that queries one (made on first need). */
  private hostFor(target: DispatchTarget): StatementHost | undefined {
    if (!this.ctx.instance) return undefined;
    if (!needsSqlHost(target.cascade) && this.limits.delivery !== 'batch') return undefined;
    this.sqlHost ??= new StatementHost(this.ctx.instance, this.ctx.queryId);
    return this.sqlHost;
  }

  private fail(err: unknown): void {
    this.fatal ??= err;
    this.halt();
  }

  /** Stops the statement: its workers abort their runs, its rows waiting on other statements' calls stop waiting. */
  private halt(): void {
    raiseAbort(this.control);
    for (const wake of this.onHalt) wake();
    this.onHalt.clear();
  }

  private async drained(): Promise<void> {
    while (this.inflight > 0 || this.completing > 0 || this.following > 0) await this.changes.wait();
  }
}

const HALTED = Symbol('halted');

/**
 * Rows of a statement that may wait on identical rows' calls at once, unless
 * its window holds more: about one input page (2,048 rows), so memory stays
 * bounded by pages, and a page of one repeated input still makes one call.
 */
const FOLLOWING_ROWS = 2048;

function originOf(target: DispatchTarget, queryId: string): CallOrigin {
  const model = modelOf(target);
  return { callerId: target.callerId, queryId, cascadeId: target.cascade.cascadeId, model };
}

/**
 * Rows per chunk under `delivery: batch`: one chunk is one worker's batch
 * session, whose rounds are the batches, so the chunk holds as many rows as
 * a batch takes lines (OpenAI: 50,000 requests per batch).
 */
export const BATCH_DELIVERY_ROWS = 50_000;
