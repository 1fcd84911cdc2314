/**
 * Runs operator calls: a list of input tuples through one cascade, cache
 * first, the misses on the worker pool (or, for the sync strategies, on the
 * blocking sync worker), with one statement-wide PARALLEL semaphore, every
 * call logged under a session id that names the operator's function. It is
 * MAP's machinery (ChunkTask → cascade-worker → RowOutcome) with tuples as rows.
 */
import { rowCacheKey } from '../cache/cache-key.js';
import type { CacheWrite, ResultCache } from '../cache/result-cache.js';
import type { Cascade } from '../cascade/index.js';
import { RvbbitError } from '../errors.js';
import type { CascadePool } from '../exec/cascade-pool.js';
import { chunkSizeFor } from '../exec/map-runner.js';
import { type Progress, ProgressTracker } from '../exec/progress.js';
import { type CallOrigin, type LoggedCall, type LogWriter, loggedCall } from '../obs/log-writer.js';
import { createAbortBuffer, raiseAbort } from '../thread/abort-flag.js';
import type { ChunkResult, ChunkTask, RowOutcome, WorkerLlmConfig } from '../thread/chunk-protocol.js';
import { createSemaphoreBuffer } from '../thread/shared-semaphore.js';

export interface CallRunnerOptions {
  readonly pool: CascadePool;
  readonly cache: ResultCache;
  readonly logs: LogWriter;
  readonly llm: WorkerLlmConfig;
  readonly queryId: string;
  readonly parallel: number;
  readonly model?: string;
  /** false: bypass the cache; a number: time to live (ms); undefined: never expires. */
  readonly cacheTtl: number | false | undefined;
  readonly signal?: AbortSignal;
  /** Blocking runner for the sync strategies (sequential, vectorized, union_all). */
  readonly runSync?: (task: ChunkTask) => ChunkResult;
  /** Progress over operator calls: total = tuples seen so far, done = tuples answered. */
  readonly onProgress?: (p: Progress) => void;
}

/** What a cascade is run as: its file, loaded form, and the function name its sessions carry. */
export interface CallTarget {
  readonly path: string;
  readonly cascade: Cascade;
  readonly name: string;
  readonly cacheable: boolean;
}

export class CallRunner {
  calls = 0;
  cacheHits = 0;
  cost: number | null = 0;
  private readonly parallelBuffer: SharedArrayBuffer;
  private readonly control = createAbortBuffer();
  private chunkIndex = 0;
  private readonly pending: Promise<void>[] = [];
  private readonly deferredWrites: CacheWrite[] = [];
  private readonly deferredLogs: LoggedCall[] = [];
  private readonly onAbort = () => raiseAbort(this.control);
  private readonly progress: ProgressTracker;

  constructor(private readonly o: CallRunnerOptions) {
    this.progress = new ProgressTracker(0, o.onProgress);
    this.parallelBuffer = createSemaphoreBuffer(o.parallel);
    o.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Outputs of the cascade for every input, in order (cache first, misses on the pool). */
  async run(target: CallTarget, inputs: readonly Record<string, unknown>[]): Promise<unknown[]> {
    const out = new Array<unknown>(inputs.length);
    const keys = inputs.map((i) => rowCacheKey(target.cascade.contentHash, this.o.model, i));
    const useCache = target.cacheable && this.o.cacheTtl !== false;
    const found = useCache ? await this.o.cache.lookup(keys) : new Map<string, string>();
    const misses: number[] = [];
    inputs.forEach((_, i) => {
      const hit = found.get(keys[i]!);
      if (hit === undefined) misses.push(i);
      else out[i] = JSON.parse(hit);
    });
    this.progress.grow(inputs.length);
    this.noteHits(target, inputs.length - misses.length);
    const size = chunkSizeFor(this.o.parallel, this.o.pool.threads);
    const chunks: Promise<void>[] = [];
    for (let c = 0; c < misses.length; c += size) {
      const idx = misses.slice(c, c + size);
      const task = this.task(target, idx, inputs);
      chunks.push(
        this.o.pool.run(task).then((res) => {
          const writes = this.collect(target, res.rows, keys, out, useCache);
          this.reportDone(res.rows);
          this.pending.push(this.o.logs.calls(writes.logs));
          if (writes.cache.length > 0) this.pending.push(this.o.cache.store(writes.cache));
        }),
      );
    }
    await Promise.all(chunks);
    return out;
  }

  /** The same, blocking the main thread (inside a DuckDB function); cache writes and logs wait for `flush`. */
  runBlocking(target: CallTarget, inputs: readonly Record<string, unknown>[]): unknown[] {
    const out = new Array<unknown>(inputs.length);
    const keys = inputs.map((i) => rowCacheKey(target.cascade.contentHash, this.o.model, i));
    const useCache = target.cacheable && this.o.cacheTtl !== false;
    const found = useCache ? this.o.cache.peek(keys) : new Map<string, string>();
    const misses: number[] = [];
    inputs.forEach((_, i) => {
      const hit = found.get(keys[i]!);
      if (hit === undefined) misses.push(i);
      else out[i] = JSON.parse(hit);
    });
    this.progress.grow(inputs.length);
    this.noteHits(target, inputs.length - misses.length);
    if (misses.length > 0) {
      const res = this.o.runSync!(this.task(target, misses, inputs));
      const writes = this.collect(target, res.rows, keys, out, useCache);
      this.reportDone(res.rows);
      this.deferredLogs.push(...writes.logs);
      this.deferredWrites.push(...writes.cache);
    }
    return out;
  }

  /** Waits for logs and cache writes; releases the statement's workers. */
  async flush(): Promise<void> {
    this.o.signal?.removeEventListener('abort', this.onAbort);
    raiseAbort(this.control);
    this.pending.push(this.o.logs.calls(this.deferredLogs.splice(0)));
    if (this.deferredWrites.length > 0) this.pending.push(this.o.cache.store(this.deferredWrites.splice(0)));
    await Promise.allSettled(this.pending);
    await this.o.cache.publishStats().catch(() => undefined);
  }

  private task(
    target: CallTarget,
    idx: readonly number[],
    inputs: readonly Record<string, unknown>[],
  ): ChunkTask {
    return {
      chunkIndex: this.chunkIndex++,
      cascadePath: target.path,
      cascadeHash: target.cascade.contentHash,
      rows: idx.map((i) => ({ index: i, inputs: inputs[i]! })),
      llm: this.o.llm,
      parallelBuffer: this.parallelBuffer,
      heldBuffer: new SharedArrayBuffer(4),
      abortBuffer: this.control,
      modelOverride: this.o.model,
      sessionPrefix: `sql_fn_${target.name}_`,
    };
  }

  private reportDone(rows: readonly RowOutcome[]): void {
    let calls = 0;
    let dollars = 0;
    for (const o of rows) {
      calls += o.calls.length;
      dollars += o.cost ?? 0;
    }
    this.progress.add(rows.length, calls, 0, dollars);
  }

  private noteHits(target: CallTarget, hits: number): void {
    this.cacheHits += hits;
    if (hits === 0) return;
    this.progress.add(hits, 0, hits, 0);
    const now = Date.now();
    const rows: LoggedCall[] = [];
    for (let i = 0; i < hits; i++) rows.push(loggedCall(this.origin(target), null, null, now));
    this.pending.push(this.o.logs.calls(rows));
  }

  /** Outcomes → outputs; a failed call fails the statement (an operator has no error column). */
  private collect(
    target: CallTarget,
    rows: readonly RowOutcome[],
    keys: readonly string[],
    out: unknown[],
    useCache: boolean,
  ): { logs: LoggedCall[]; cache: CacheWrite[] } {
    const logs: LoggedCall[] = [];
    const cache: CacheWrite[] = [];
    let failed: RowOutcome | undefined;
    for (const o of rows) {
      this.calls += o.calls.length;
      this.cost = this.cost === null || o.cost === null ? null : this.cost + o.cost;
      for (const c of o.calls) logs.push(loggedCall(this.origin(target), o, c));
      if (!o.ok) {
        failed ??= o;
        continue;
      }
      out[o.index] = o.output;
      if (useCache && o.calls.length > 0) {
        cache.push({
          key: keys[o.index]!,
          cascadeId: target.cascade.cascadeId,
          value: JSON.stringify(o.output ?? null),
          ttlMs: this.o.cacheTtl === false ? undefined : this.o.cacheTtl,
        });
      }
    }
    if (failed) {
      this.pending.push(this.o.logs.calls(logs));
      throw new RvbbitError(
        'SEMANTIC_CALL_FAILED',
        `${target.name} failed: ${failed.errorCode}: ${failed.error}`,
        { function: target.name, cause: failed.errorCode },
      );
    }
    return { logs, cache };
  }

  private origin(target: CallTarget): CallOrigin {
    return {
      callerId: 'semantic',
      queryId: this.o.queryId,
      cascadeId: target.cascade.cascadeId,
      model: this.o.model,
    };
  }
}
