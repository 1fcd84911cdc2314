/**
 * The distributed ChunkRunner: a chunk of cache misses becomes a BullMQ job
 * that some `rvbbit worker` runs; its outcomes come back to the one row
 * dispatcher, which writes cache and logs here, on the coordinator.
 *
 * PARALLEL across hosts: a statement's PARALLEL is P tokens in Redis
 * (scale/permit-keys.ts), made when its first chunk comes here. Every cascade
 * run, on any worker (or here, for chunks that query this database), takes
 * one before it starts and gives it back when it ends, so runs in flight
 * everywhere never exceed P. Jobs do not hold permits: the dispatcher keeps a
 * window of them queued ahead (about 3 × PARALLEL rows), so a freed token
 * goes to a waiting row at once, not after a queue round trip, and a job's
 * slowest row holds only its own token. This coordinator refreshes each
 * running statement's tokens, moves back those of a worker that died, and
 * deletes them when the statement ends.
 */

import { errorMessage, RvbbitError } from '../../base/errors.js';
import { isBudgeted } from '../cascade/call-limits.js';
import type { CascadeHost } from '../cascade/host.js';
import { epochMs } from '../runtime/epoch-clock.js';
import { signalFor } from '../thread/abort-flag.js';
import { addSpend, budgetMessage, budgetSpent } from '../thread/budget.js';
import type { CascadePool } from '../thread/cascade-pool.js';
import type { ChunkResult, ChunkTask, RowOutcome } from '../thread/chunk-protocol.js';
import { failedOutcome } from '../thread/chunk-protocol.js';
import type { ChunkRunner, DistributedPlan } from '../thread/chunk-runner.js';
import { bufferId } from '../thread/shared-buffer-id.js';
import { CascadeTexts } from './cascade-texts.js';
import { JobTimings } from './job-timings.js';
import { leaseLost } from './queue-errors.js';
import { QueueLink } from './queue-link.js';
import type { QueueOptions } from './queue-options.js';
import { CHUNK_QUEUE, type ChunkJobResult, chunkJobId } from './queue-protocol.js';
import { parseRate, RateBucket } from './rate-bucket.js';
import { StatementPermits } from './statement-permits.js';

const CANCELLED = '(cancelled)';
/** Rows per job at most (a job's fixed cost, about 3 BullMQ scripts and 4 stream entries, is paid per this many rows). */
const MAX_ROWS_PER_JOB = 250;

interface StatementState {
  readonly id: string;
  readonly signal: AbortSignal;
}

export class QueueChunkRunner implements ChunkRunner {
  readonly threads = 1;
  readonly link: QueueLink;
  /** Chunks run by each worker, by query id (rvbbit.queries reads and drops them per statement). */
  private readonly chunksByQuery = new Map<string, Map<string, number>>();
  private readonly statements = new Map<string, StatementState>();
  /** The statements' PARALLEL tokens in Redis. */
  private readonly permits: StatementPermits;
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
    /**
     * Whether a chunk must run here although it queries nothing: rows naming
     * a file of this engine's image folders (IMAGE('path')), which an `rvbbit
     * worker` on another host may not see, or see as other files. Inlining
     * them into the job instead would put every image's base64 in Redis and
     * in this process at once, the unbounded memory the image bound exists
     * to prevent; here they run under the statement's tokens like any row,
     * and within this process's bound on image bytes in flight.
     */
    private readonly stayHere: (task: ChunkTask) => boolean = () => false,
  ) {
    this.link = new QueueLink(options);
    this.permits = new StatementPermits(this.link);
    this.rate =
      options.rate === undefined
        ? undefined
        : new RateBucket(parseRate(options.rate), options.rateKey ?? 'default');
  }

  /**
   * The largest divisor of PARALLEL up to MAX_ROWS_PER_JOB and half of
   * PARALLEL: at least two jobs share the permits, so two workers both have
   * rows, and each Redis round trip of a job serves many rows (at P300, 150
   * rows a job cost the coordinator, workers and Redis together 10–20% less
   * CPU per row than 75, the coordinator and Redis a fifth less, in
   * bench/scale.bench.ts's CPU lines; wall time was the same).
   */
  chunkSizeFor(parallel: number): number {
    const most = Math.min(MAX_ROWS_PER_JOB, Math.ceil(parallel / 2));
    for (let size = most; size > 1; size--) {
      if (parallel % size === 0) return size;
    }
    return 1;
  }

  async run(task: ChunkTask, host?: CascadeHost): Promise<ChunkResult> {
    await this.link.open();
    const state = this.stateOf(task);
    if (!(await this.permits.open(state.id, task.spec.limits.parallel, task.budgetBuffer, state.signal))) {
      return aborted(task, 'statement cancelled before this row started');
    }
    if (host || this.stayHere(task)) return this.runHere(state, task, host);
    // A chunk already queued behind a spent budget fails whole; runs on the workers check per run.
    const spent = budgetSpent(task.budgetBuffer, task.spec.limits);
    if (spent) {
      const why = budgetMessage(spent);
      return {
        chunkIndex: task.chunkIndex,
        rows: task.rows.map((r) => failedOutcome(r.index, 'BUDGET_EXCEEDED', why)),
      };
    }
    const budgeted = isBudgeted(task.spec.limits);
    if (budgeted && task.budgetBuffer) await this.permits.pushOwnSpend(state.id, task.budgetBuffer);
    const { batchSize } = task.spec;
    const runs = batchSize ? Math.ceil(task.rows.length / batchSize) : task.rows.length;
    if (this.rate) {
      try {
        await this.rate.take(() => this.link.client(), runs, state.signal);
      } catch (err) {
        if (state.signal.aborted) return aborted(task, 'statement cancelled before this row started');
        throw new RvbbitError(
          'QUEUE_UNAVAILABLE',
          `the rate limit's bucket on ${this.link.display}: ${errorMessage(err)}`,
        );
      }
    }
    const cascadeText = await this.texts.read(task.spec.cascade.path);
    const jobId = chunkJobId(state.id, task.chunkIndex);
    const submittedAt = epochMs();
    const result = await this.link.submit(
      jobId,
      {
        statement: state.id,
        chunkIndex: task.chunkIndex,
        cascadeName: cascadeText.name,
        cascadeText: cascadeText.text,
        rows: task.rows,
        spec: task.spec,
        defaultModel: this.defaultModel,
      },
      this.notices.get(task.queryId ?? ''),
    );
    this.timings.note(submittedAt, result.ran);
    return this.received(state, task, result);
  }

  /** A chunk whose cells query this database (or that reads its image files): it runs on the local pool, its runs under the statement's tokens. */
  private async runHere(
    state: StatementState,
    task: ChunkTask,
    host: CascadeHost | undefined,
  ): Promise<ChunkResult> {
    const budgeted = isBudgeted(task.spec.limits);
    // The statement's own abort flag: tokens gone (a Redis restart) or Redis away stops its rows here too.
    const lease = this.permits.leases.use(state.id, budgeted, task.abortBuffer);
    try {
      const parallelBuffer = lease.buffer;
      const result = await this.localPool().run({ ...task, parallelBuffer }, host);
      // Its rows stopped for the lease (ABORTED), not for the statement: the statement fails whole.
      if (lease.lost) throw leaseLost(this.link.display, lease.lost, this.link.downMs);
      return result;
    } finally {
      lease.unuse();
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
    await this.permits.close();
    await this.link.close();
  }

  private received(state: StatementState, task: ChunkTask, result: ChunkJobResult): ChunkResult {
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
    this.permits.fromWorkers(state.id, { nanos: Math.round(cost * 1e9), tokens });
    return { chunkIndex: task.chunkIndex, rows };
  }

  private stateOf(task: ChunkTask): StatementState {
    const id = statementIdOf(task.abortBuffer) ?? `s${Math.random().toString(36).slice(2)}`;
    let state = this.statements.get(id);
    if (state) return state;
    const signal = signalFor(task.abortBuffer);
    state = { id, signal };
    // A chunk that comes after the statement ended: nothing is kept for it (run() stops it).
    if (signal.aborted) return state;
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
