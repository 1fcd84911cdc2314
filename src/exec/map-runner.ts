/**
 * The LLM part of a MAP, whatever the rows come from and go to: pages of
 * input rows → chunks → cache → pool → outcomes handed to a sink, in any
 * order. PARALLEL is an exact global bound (a shared semaphore), memory is
 * bounded by the chunks in flight, and every row read gets exactly one
 * outcome: a value or an error. The batch path (map-executor.ts) reads a temp
 * table and appends to another; the streaming path (map-stream.ts) reads the
 * USING query as DuckDB produces it and reorders outcomes for the consumer.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import { rowCacheKey } from '../cache/cache-key.js';
import type { ResultCache } from '../cache/result-cache.js';
import type { ConnectionQueue } from '../db/connection-queue.js';
import { RvbbitError } from '../errors.js';
import { type CallOrigin, type LoggedCall, type LogWriter, loggedCall } from '../obs/log-writer.js';
import type { MapPlan } from '../plan/map-plan.js';
import { createAbortBuffer, raiseAbort } from '../thread/abort-flag.js';
import { budgetExhausted, createBudgetBuffer } from '../thread/budget.js';
import type { ChunkTask, RowOutcome, WorkerLlmConfig } from '../thread/chunk-protocol.js';
import { createSemaphoreBuffer } from '../thread/shared-semaphore.js';
import type { CascadePool } from './cascade-pool.js';
import { ChangeSignal } from './change-signal.js';
import type { InputRow } from './map-input.js';
import { type Progress, ProgressTracker } from './progress.js';

export interface MapContext {
  readonly pool: CascadePool;
  /** The session's connection: the batch path's tables; a stream holds its lease instead. */
  readonly q: ConnectionQueue;
  readonly cache: ResultCache;
  readonly logs: LogWriter;
  readonly llm: WorkerLlmConfig;
  readonly queryId: string;
  /** `$n` parameters of the statement; they bind inside the USING query. */
  readonly params?: readonly DuckDBValue[];
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
  /** Test hook: the worker running this chunk dies (twice if `twice`). */
  readonly crash?: { readonly chunk: number; readonly twice: boolean };
}

/** Where outcomes go; called once per finished row, in completion order. */
export interface OutcomeSink {
  accept(outcomes: readonly RowOutcome[]): Promise<void> | void;
}

export interface MapRowsRun {
  readonly rowsIn: number;
  readonly calls: number;
  readonly cacheHits: number;
  readonly cost: number | null;
  readonly failedRows: number;
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

/** Rows one MAP may have dispatched whose outcomes have not come back yet. */
export function rowsInFlightFor(plan: MapPlan, threads: number): number {
  const chunkSize = plan.batch ?? chunkSizeFor(plan.parallel, threads);
  return chunkWindowFor(plan.parallel, plan.batch ? 1 : chunkSize, threads) * chunkSize;
}

/**
 * Runs every row of `pages` through the cascade. `rowsTotal` is the input
 * size: known up front, or a promise of it (the input is still being read:
 * progress events wait for it), or undefined for a stream, which learns it
 * page by page (progress events then count the rows read so far).
 */
export async function runMapRows(
  plan: MapPlan,
  ctx: MapContext,
  pages: AsyncIterable<InputRow[]>,
  sink: OutcomeSink,
  rowsTotal?: number | Promise<number>,
): Promise<MapRowsRun> {
  const control = createAbortBuffer();
  const budgetBuffer = createBudgetBuffer();
  const budgetNanos = plan.budgetDollars === undefined ? undefined : Math.round(plan.budgetDollars * 1e9);
  const parallelBuffer = createSemaphoreBuffer(plan.parallel);
  const onAbort = () => raiseAbort(control);
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  if (ctx.signal?.aborted) raiseAbort(control);

  const known = typeof rowsTotal === 'number' ? rowsTotal : undefined;
  const progress = new ProgressTracker(
    known ?? 0,
    ctx.onProgress,
    rowsTotal instanceof Promise ? rowsTotal : undefined,
  );
  // With BATCH n a chunk is one batch, and PARALLEL counts batch runs.
  const chunkSize = plan.batch ?? chunkSizeFor(plan.parallel, ctx.pool.threads);
  // A batch chunk is one run; others hold chunkSize runs each.
  const window = chunkWindowFor(plan.parallel, plan.batch ? 1 : chunkSize, ctx.pool.threads);
  const origin: CallOrigin = {
    callerId: 'map',
    queryId: ctx.queryId,
    cascadeId: plan.cascade.cascadeId,
    model: plan.model,
  };
  // Counters, not Sets of promises: a Set's table is rehashed as chunks come
  // and go, and a dropped table in V8's old generation can still point at the
  // promises, and through them at the chunks' rows, which young-generation GCs
  // then keep alive and promote (see ordered-rows.ts).
  /** Chunks given to the pool and not back yet. */
  let inflight = 0;
  /** Outcomes back from the pool whose append, logs and cache writes are still running. */
  let completing = 0;
  const changes = new ChangeSignal();
  const drained = async () => {
    while (inflight > 0 || completing > 0) await changes.wait();
  };
  const pendingLogs: Promise<void>[] = [];
  /** Rows answered by the cache, logged together (see LogWriter.cacheHits). */
  let hitRows: number[] = [];
  const logHits = () => {
    if (hitRows.length === 0) return;
    pendingLogs.push(ctx.logs.cacheHits(origin, hitRows));
    hitRows = [];
  };
  let rowsRead = 0;
  let failedRows = 0;
  let firstFailure: RowOutcome | undefined;
  let fatal: unknown;
  let chunkIndex = 0;
  let costKnown = true;
  // Cache keys need the inputs again when a row finishes; keep them only while
  // in flight, and only if the cache is on (held, they outlive V8's nursery).
  const inputsByIndex = new Map<number, Readonly<Record<string, unknown>>>();

  const complete = async (outcomes: readonly RowOutcome[], hits: number): Promise<void> => {
    await sink.accept(outcomes);
    const logged: LoggedCall[] = [];
    const writes = [];
    let calls = 0;
    let dollars = 0;
    for (const o of outcomes) {
      calls += o.calls.length;
      if (o.cost === null) costKnown = false;
      else dollars += o.cost;
      if (!o.ok) {
        failedRows++;
        firstFailure ??= o;
      }
      for (const c of o.calls) logged.push(loggedCall(origin, o, c));
      if (o.ok && plan.cache !== false && o.calls.length > 0) {
        writes.push({
          key: rowCacheKey(plan.cascade.contentHash, plan.model, inputsByIndex.get(o.index)),
          cascadeId: plan.cascade.cascadeId,
          value: JSON.stringify(o.output ?? null),
          ttlMs: plan.cache,
        });
      }
    }
    pendingLogs.push(ctx.logs.calls(logged));
    if (writes.length > 0) await ctx.cache.store(writes);
    progress.add(outcomes.length, calls, hits, dollars);
    if (firstFailure && plan.onError === 'fail') raiseAbort(control);
  };

  const dispatch = (rows: InputRow[]): void => {
    const task: ChunkTask = {
      chunkIndex: chunkIndex++,
      cascadePath: plan.cascadePath,
      cascadeHash: plan.cascade.contentHash,
      rows,
      llm: ctx.llm,
      parallelBuffer,
      heldBuffer: new SharedArrayBuffer(4),
      abortBuffer: control,
      budgetBuffer,
      budgetNanos,
      modelOverride: plan.model,
      timeoutMs: plan.timeoutMs,
      retries: plan.retries,
      sessionPrefix: 'udf',
      batchSize: plan.batch,
      crashOnChunk: ctx.crash?.chunk,
    };
    const retry = ctx.crash?.twice ? task : { ...task, crashOnChunk: undefined };
    const fail = (err: unknown) => {
      fatal ??= err;
      raiseAbort(control);
    };
    // The window slot frees as soon as the pool hands the chunk back: appending
    // its outcomes waits on the connection queue (behind the next input page),
    // and holding dispatch for that let the worker run dry (measured: idle
    // ~15% of a latency-0 MAP).
    // Only the indexes: the chunk's rows are emptied as soon as it is back (below).
    const indexes = plan.cache !== false ? rows.map((r) => r.index) : undefined;
    inflight++;
    ctx.pool
      .run(task, retry)
      .then((result) => {
        // Emptied once back: the async frames that held the task may sit dead
        // in V8's old generation (a slow chunk), and must not keep its rows.
        rows.length = 0;
        completing++;
        complete(result.rows, 0)
          .then(() => {
            if (indexes) for (const i of indexes) inputsByIndex.delete(i);
          })
          .catch(fail)
          .finally(() => {
            completing--;
            changes.notify();
          });
      }, fail)
      .finally(() => {
        inflight--;
        changes.notify();
      });
  };

  const stopped = () =>
    fatal !== undefined || ctx.signal?.aborted || (firstFailure && plan.onError === 'fail');

  try {
    for await (const page of pages) {
      rowsRead += page.length;
      if (rowsTotal === undefined) progress.grow(page.length);
      if (stopped()) break;
      // The cache answers a whole page at once: per-chunk lookups, appends and
      // log writes made a fully cached re-run wait on the queues 60 times as often.
      const misses = await serveFromCache(plan, ctx, page, complete, hitRows);
      // Logged in batches as the run goes: the INSERT runs on the system connection
      // while pages are served, instead of all at the end.
      if (hitRows.length >= 8192) logHits();
      for (let start = 0; start < misses.length; start += chunkSize) {
        const chunk = misses.slice(start, start + chunkSize);
        if (stopped()) break;
        if (budgetExhausted(budgetBuffer, budgetNanos)) {
          await complete(chunk.map(budgetFailure), 0);
          continue;
        }
        if (plan.cache !== false) for (const r of chunk) inputsByIndex.set(r.index, r.inputs);
        dispatch(chunk);
        while (inflight >= window || completing >= window) await changes.wait();
      }
      // Emptied once dispatched: the promise that delivered the page may sit in
      // V8's old generation, and through it a full page would outlive its rows.
      page.length = 0;
      if (stopped()) break;
    }
    await drained();
  } finally {
    ctx.signal?.removeEventListener('abort', onAbort);
    raiseAbort(control); // releases the workers' waiters for this statement
    // If reading the input failed, chunks still out finish (aborted) before the statement ends.
    await drained();
    logHits();
    await Promise.allSettled(pendingLogs);
    await ctx.logs.flush().catch(() => undefined);
    await ctx.cache.publishStats().catch(() => undefined);
  }
  if (fatal !== undefined) throw fatal;
  if (ctx.signal?.aborted) {
    throw new RvbbitError(
      'CANCELLED',
      known === undefined
        ? `statement cancelled after ${progress.rowsDone} of the ${rowsRead} rows read`
        : `statement cancelled after ${progress.rowsDone} of ${known} rows`,
    );
  }
  if (firstFailure && plan.onError === 'fail') {
    throw new RvbbitError(
      'MAP_ROW_FAILED',
      `row ${firstFailure.index} failed (on_error = 'fail'): ${firstFailure.errorCode}: ${firstFailure.error}`,
      { row: firstFailure.index, cause: firstFailure.errorCode },
    );
  }
  return {
    rowsIn: known ?? rowsRead,
    calls: progress.calls,
    cacheHits: progress.cacheHits,
    cost: costKnown ? progress.dollars : null,
    failedRows,
  };
}

async function serveFromCache(
  plan: MapPlan,
  ctx: MapContext,
  chunk: InputRow[],
  complete: (outcomes: readonly RowOutcome[], hits: number) => Promise<void>,
  hitRows: number[],
): Promise<InputRow[]> {
  if (plan.cache === false) return chunk;
  const keys = chunk.map((r) => rowCacheKey(plan.cascade.contentHash, plan.model, r.inputs));
  const found = await ctx.cache.lookup(keys);
  if (found.size === 0) return chunk;
  const hits: RowOutcome[] = [];
  const misses: InputRow[] = [];
  chunk.forEach((row, i) => {
    const value = found.get(keys[i]!);
    if (value === undefined) misses.push(row);
    else {
      hits.push({ index: row.index, ok: true, sessionId: '', output: JSON.parse(value), calls: [], cost: 0 });
      hitRows.push(row.index);
    }
  });
  await complete(hits, hits.length);
  return misses;
}

function budgetFailure(row: InputRow): RowOutcome {
  return {
    index: row.index,
    ok: false,
    sessionId: '',
    errorCode: 'BUDGET_EXCEEDED',
    error: 'budget_dollars was spent before this row started',
    calls: [],
    cost: 0,
  };
}
