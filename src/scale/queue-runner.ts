/**
 * The distributed ChunkRunner: a chunk of cache misses becomes a BullMQ job
 * that some `rvbbit worker` runs; its outcomes come back to the one row
 * dispatcher, which writes cache and logs here, on the coordinator.
 *
 * PARALLEL across hosts: the coordinator owns the statement's semaphore (the
 * same SharedArrayBuffer its local workers would share). Before a job is
 * queued it takes one permit per cascade run in it, and gives them back when
 * the job's result returns (or the job is cancelled or lost), so rows queued
 * or running anywhere never exceed PARALLEL. A worker runs a job's rows under
 * a semaphore of exactly the job's permits, so nothing waits inside a worker
 * that the coordinator counted as free. Jobs take their permits one job at a
 * time, so two half-served jobs never hold each other's permits; chunk sizes
 * divide PARALLEL so the last permits are never stranded by a job too big for them.
 */
import type { CascadeHost } from '../cascade/host.js';
import { epochMs } from '../epoch-clock.js';
import { errorMessage, RvbbitError } from '../errors.js';
import type { CascadePool } from '../exec/cascade-pool.js';
import type { ChunkRunner } from '../exec/chunk-runner.js';
import { signalFor } from '../thread/abort-flag.js';
import { addSpend, budgetMessage, budgetSpent } from '../thread/budget.js';
import type { ChunkResult, ChunkTask, RowOutcome } from '../thread/chunk-protocol.js';
import { failedOutcome } from '../thread/chunk-protocol.js';
import { bufferId } from '../thread/shared-buffer-id.js';
import { SharedSemaphore } from '../thread/shared-semaphore.js';
import { CascadeTexts } from './cascade-texts.js';
import { JobTimings } from './job-timings.js';
import { QueueLink, type QueueOptions } from './queue-link.js';
import { CHUNK_QUEUE, type ChunkJobResult, chunkJobId } from './queue-protocol.js';
import { parseRate, RateBucket } from './rate-bucket.js';

const CANCELLED = '(cancelled)';
/** Rows per job at most. */
const MAX_ROWS_PER_JOB = 32;

/** EXPLAIN's lines for the distributed path. */
export interface DistributedPlan {
  readonly distributed: string;
  readonly workers: string;
  readonly rate?: string;
  readonly chunk_size: string;
}

interface StatementState {
  readonly id: string;
  readonly semaphore: SharedSemaphore;
  readonly signal: AbortSignal;
  /** Permit takes run one job at a time (see the file comment). */
  turn: Promise<unknown>;
}

export class QueueChunkRunner implements ChunkRunner {
  readonly threads = 1;
  readonly link: QueueLink;
  /** Chunks run by each worker, by query id (rvbbit.queries reads and drops them per statement). */
  private readonly chunksByQuery = new Map<string, Map<string, number>>();
  private readonly statements = new Map<string, StatementState>();
  private readonly texts = new CascadeTexts();
  private readonly rate: RateBucket | undefined;
  /** Each returned job's queue and run times (bench/scale.bench.ts). */
  readonly timings = new JobTimings();
  /** Statements' notice callbacks, by query id (see listen). */
  private readonly notices = new Map<string, (message: string) => void>();

  constructor(
    options: QueueOptions,
    /** The coordinator's default model: workers use it, so answers match the coordinator's cache keys. */
    private readonly defaultModel: string,
    /** For cascades that query the coordinator's database (`sql_data`): those chunks stay local. */
    private readonly localPool: () => CascadePool,
  ) {
    this.link = new QueueLink(options);
    this.rate =
      options.rate === undefined
        ? undefined
        : new RateBucket(parseRate(options.rate), options.rateKey ?? 'default');
  }

  /**
   * The largest divisor of PARALLEL up to MAX_ROWS_PER_JOB and a quarter of
   * PARALLEL: whole jobs use up every permit, and at least four jobs share
   * them, so the next job is queued while others still run (one job holding
   * every permit left the workers idle for each job's queue round trip).
   */
  chunkSizeFor(parallel: number): number {
    const most = Math.min(MAX_ROWS_PER_JOB, Math.ceil(parallel / 4));
    for (let size = most; size > 1; size--) {
      if (parallel % size === 0) return size;
    }
    return 1;
  }

  async run(task: ChunkTask, retryTask?: ChunkTask, host?: CascadeHost): Promise<ChunkResult> {
    if (host) return this.localPool().run(task, retryTask, host);
    await this.link.open();
    const state = this.stateOf(task);
    const permits = task.batchSize ? Math.ceil(task.rows.length / task.batchSize) : task.rows.length;
    const held = new Int32Array(1);
    const taken = state.turn.then(async () => {
      for (let i = 0; i < permits; i++) await state.semaphore.acquire(state.signal, held);
    });
    state.turn = taken.catch(() => undefined);
    try {
      try {
        await taken;
      } catch {
        return aborted(task, 'statement cancelled before this row started');
      }
      // As a local worker checks per run under its permit: spend that came back
      // while this job waited for permits stops it here (exact at one row per job).
      const spent = budgetSpent(task.budgetBuffer, task.budgetNanos, task.budgetTokens);
      if (spent) {
        const why = budgetMessage(spent);
        return {
          chunkIndex: task.chunkIndex,
          rows: task.rows.map((r) => failedOutcome(r.index, 'BUDGET_EXCEEDED', why)),
        };
      }
      if (this.rate) {
        try {
          await this.rate.take(() => this.link.client(), permits, state.signal);
        } catch (err) {
          if (state.signal.aborted) return aborted(task, 'statement cancelled before this row started');
          throw new RvbbitError(
            'QUEUE_UNAVAILABLE',
            `the rate limit's bucket on ${this.link.display}: ${errorMessage(err)}`,
          );
        }
      }
      const cascadeText = await this.texts.read(task.cascadePath);
      const jobId = chunkJobId(state.id, task.chunkIndex);
      const submittedAt = epochMs();
      const result = await this.link.submit(
        jobId,
        {
          statement: state.id,
          chunkIndex: task.chunkIndex,
          cascadeName: cascadeText.name,
          cascadeText: cascadeText.text,
          cascadeHash: task.cascadeHash,
          rows: task.rows,
          permits,
          modelOverride: task.modelOverride,
          defaultModel: this.defaultModel,
          timeoutMs: task.timeoutMs,
          retries: task.retries,
          sessionPrefix: task.sessionPrefix,
          batchSize: task.batchSize,
          ...(task.pack ? { pack: true } : {}),
          ...(task.askConfidence ? { askConfidence: true } : {}),
          ...(task.outputItems ? { outputItems: task.outputItems } : {}),
        },
        this.notices.get(task.queryId ?? ''),
      );
      this.timings.note(submittedAt, result.ran);
      return this.received(task, result);
    } finally {
      state.semaphore.release(held, held[0]!);
    }
  }

  /** Sends statement `queryId`'s queue notices to `notice` until the returned function is called. */
  listen(queryId: string, notice: ((message: string) => void) | undefined): () => void {
    if (!notice) return () => undefined;
    this.notices.set(queryId, notice);
    return () => this.notices.delete(queryId);
  }

  /** Who answers this engine's rows: the workers, each with its own provider. */
  get answeredBy(): string {
    return `rvbbit workers via ${this.link.display}`;
  }

  /** Chunks each worker ran for statement `queryId`; read once, when its rvbbit.queries row is written. */
  chunksRan(queryId: string): Record<string, number> {
    const counts = this.chunksByQuery.get(queryId);
    this.chunksByQuery.delete(queryId);
    return Object.fromEntries(counts ?? []);
  }

  /**
   * EXPLAIN's lines for a statement at PARALLEL `parallel`: where its chunks
   * would go, who is there to take them, and how big they are.
   */
  async plan(parallel: number, batch?: number): Promise<DistributedPlan> {
    let workers: string;
    try {
      const alive = await this.link.aliveWorkers();
      workers = alive.length === 0 ? 'none alive' : `${alive.length} alive (${alive.join(', ')})`;
    } catch (err) {
      workers = `unknown: ${err instanceof Error ? err.message : String(err)}`;
    }
    return {
      distributed: `chunk jobs on BullMQ queue '${CHUNK_QUEUE}' at ${this.link.display}; cache, logs and cascade roots stay here`,
      workers,
      ...(this.rate
        ? { rate: `${this.rate.rate.text} cascade runs across every worker (a Redis token bucket)` }
        : {}),
      chunk_size: batch
        ? `${batch} rows (one BATCH run per job)`
        : `${this.chunkSizeFor(parallel)} rows per job`,
    };
  }

  async close(): Promise<void> {
    await this.link.close();
  }

  private received(task: ChunkTask, result: ChunkJobResult): ChunkResult {
    if (result.worker === CANCELLED) return { chunkIndex: task.chunkIndex, rows: [] };
    const query = task.queryId ?? '';
    const counts = this.chunksByQuery.get(query) ?? new Map<string, number>();
    this.chunksByQuery.set(query, counts);
    counts.set(result.worker, (counts.get(result.worker) ?? 0) + 1);
    let cost = 0;
    let tokens = 0;
    const rows = result.rows.map((row): RowOutcome => {
      cost += row.cost ?? 0;
      for (const c of row.calls) tokens += (c.tokens_in ?? 0) + (c.tokens_out ?? 0);
      // answered_by names the worker and, after it, the endpoint that worker used.
      const calls = row.calls.map((c) => ({ ...c, answered_by: `${result.worker}/${c.answered_by ?? '?'}` }));
      return { ...row, calls };
    });
    // The statement's budget lives here: the workers' spend is added as it comes back.
    if (task.budgetBuffer) addSpend(task.budgetBuffer, cost, tokens);
    return { chunkIndex: task.chunkIndex, rows };
  }

  private stateOf(task: ChunkTask): StatementState {
    const id = statementIdOf(task.abortBuffer) ?? `s${Math.random().toString(36).slice(2)}`;
    let state = this.statements.get(id);
    if (state) return state;
    const signal = signalFor(task.abortBuffer);
    state = { id, semaphore: SharedSemaphore.of(task.parallelBuffer), signal, turn: Promise.resolve() };
    this.statements.set(id, state);
    // The dispatcher raises the flag when the statement ends or is cancelled:
    // what is still queued or running for it is cancelled on the workers.
    signal.addEventListener(
      'abort',
      () => {
        this.statements.delete(id);
        void this.link.cancel(id, (jobId) => abortedJob(jobId));
      },
      { once: true },
    );
    return state;
  }
}

/** The dispatcher's id, from its abort buffer (BullMQ job ids may not hold ':'). */
function statementIdOf(abortBuffer: SharedArrayBuffer): string | undefined {
  return bufferId(abortBuffer, 1)?.replace(':', '_');
}

function aborted(task: ChunkTask, why: string): ChunkResult {
  return { chunkIndex: task.chunkIndex, rows: task.rows.map((r) => failedOutcome(r.index, 'ABORTED', why)) };
}

/** A cancelled job's result: its rows are not reported (the dispatcher is stopping; it reports the stop). */
function abortedJob(jobId: string): ChunkJobResult {
  return { chunkIndex: Number(jobId.slice(jobId.lastIndexOf('-') + 1)), worker: CANCELLED, rows: [] };
}
