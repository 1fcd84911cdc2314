/**
 * `rvbbit worker`'s body: a BullMQ Worker on the chunk queue whose processor
 * runs each job's rows on this process's own Piscina pool, with this
 * process's own provider (its API key and base URL), and returns per-row
 * outcomes with their usage. It beats a heartbeat, listens for cancelled
 * statements (their rows are aborted at once), and on close() stops taking
 * jobs and finishes the ones it holds.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { isBudgeted } from '../cascade/call-limits.js';
import { epochMs } from '../runtime/epoch-clock.js';
import { raiseAbort } from '../thread/abort-flag.js';
import type { CascadePool } from '../thread/cascade-pool.js';
import { type ChunkTask, failedOutcome } from '../thread/chunk-protocol.js';
import { sha256Hex } from './hash.js';
import { PermitLeases } from './permit-leases.js';
import {
  CANCEL_CHANNEL,
  CHUNK_QUEUE,
  type ChunkJob,
  type ChunkJobResult,
  HEARTBEAT_MS,
  type WorkerInfo,
} from './queue-protocol.js';
import { BudgetRelay, type RelayedBudgets } from './rate-bucket.js';
import { bullmqConnection, isReady, openRedis } from './redis-clients.js';
import { withTimeout } from './wait-helpers.js';
import { beat, leave } from './worker-registry.js';

export interface QueueWorkerOptions {
  readonly redis: string;
  /** Jobs this process runs at once. */
  readonly concurrency: number;
  /** Where received cascade files are written. */
  readonly cascadeDir: string;
  readonly pool: CascadePool;
  /** Which endpoint this worker's calls go to ('simulator' or a host). */
  readonly answeredBy: string;
  /** How long a job this worker holds stays locked without renewal; a dead worker's jobs re-run after it. */
  readonly lockMs: number;
  /**
   * The provider's announced budgets as this process's gate learns them
   * (its SharedGate): shared with every worker through Redis (rate-bucket.ts BudgetRelay).
   */
  readonly budgets?: RelayedBudgets;
}

/** Cancelled statements remembered, so a job of one taken late still stops. */
const CANCELS_KEPT = 1_000;
/** How long close() waits for BullMQ when Redis is away. */
const CLOSE_AWAY_MS = 1_000;

export class QueueWorker {
  readonly id = `${hostname()}:${process.pid}`;
  private worker: Worker | undefined;
  private subscriber: Redis | undefined;
  private control: Redis | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private info: WorkerInfo | undefined;
  /** Each running statement's PARALLEL tokens, leased from Redis (scale/permit-lease.ts). */
  private readonly leases: PermitLeases;
  private readonly cancelled = new Set<string>();
  private readonly written = new Map<string, Promise<string>>();
  private relay: BudgetRelay | undefined;

  constructor(private readonly options: QueueWorkerOptions) {
    this.leases = new PermitLeases(
      this.id,
      () => this.control!,
      () => openRedis(options.redis),
    );
  }

  async start(): Promise<void> {
    const { redis, concurrency, lockMs } = this.options;
    await this.connectPlain();
    const { Worker } = await import('bullmq');
    this.worker = new Worker(CHUNK_QUEUE, (job: Job) => this.process(job.data as ChunkJob), {
      // A Worker blocks (BZPOPMIN): BullMQ duplicates this client, owns the copies, and never connects this one.
      connection: bullmqConnection(redis),
      concurrency,
      lockDuration: lockMs,
      stalledInterval: Math.max(500, Math.round(lockMs / 2)),
      maxStalledCount: 3,
      // Taking jobs starts after the first heartbeat: a coordinator reclaims the tokens of a
      // holder the registry does not list as alive (scale/permit-keys.ts).
      autorun: false,
    });
    // Each failed reconnect (every second while Redis is away) repeats the error: say it once.
    let lastError = '';
    this.worker.on('error', (err) => {
      if (err.message !== lastError) process.stderr.write(`rvbbit worker: queue error: ${err.message}\n`);
      lastError = err.message;
    });
    // Redis back (the plain client reconnected): a later outage is told again.
    this.control?.on('ready', () => {
      lastError = '';
    });
    await this.worker.waitUntilReady();
    this.info = {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      concurrency,
      threads: this.options.pool.threads,
      answeredBy: this.options.answeredBy,
      startedAt: Date.now(),
    };
    await beat(this.control!, this.info);
    this.heartbeat = setInterval(() => void this.tick(), HEARTBEAT_MS);
    if (this.options.budgets) {
      this.relay = new BudgetRelay(this.options.budgets, () => this.control!, this.id);
      this.relay.start();
    }
    void this.worker.run().catch((err: unknown) => {
      process.stderr.write(
        `rvbbit worker: stopped taking jobs: ${err instanceof Error ? err.message : String(err)}\n`,
      );
    });
  }

  /**
   * The plain connections (heartbeat, cancel messages). Like BullMQ's own,
   * they reconnect by themselves, and the subscriber subscribes again, so a
   * worker outlives a Redis restart.
   */
  private async connectPlain(): Promise<void> {
    this.control = await openRedis(this.options.redis);
    const subscriber = await openRedis(this.options.redis).catch((err) => {
      this.control?.disconnect();
      throw err;
    });
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, statement: string) => this.cancel(statement));
    await subscriber.subscribe(CANCEL_CHANNEL);
  }

  private async tick(): Promise<void> {
    try {
      if (isReady(this.control)) await beat(this.control, this.info!);
    } catch {
      // Redis is away: the next tick tries again.
    }
  }

  /** Stops taking jobs, finishes the ones held, leaves the registry. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.relay?.stop();
    if (isReady(this.control)) await this.worker?.close();
    else {
      // Redis is away: held jobs cannot report back anyway, and BullMQ's close would wait for its
      // reconnecting clients' 'end', which never comes.
      await withTimeout(this.worker?.close(true) ?? Promise.resolve(), CLOSE_AWAY_MS).catch(() => undefined);
    }
    // Every token goes back before the worker leaves the registry (gone, its tokens would be reclaimed).
    await this.leases.close();
    if (isReady(this.control)) await leave(this.control, this.id).catch(() => undefined);
    this.subscriber?.disconnect();
    this.control?.disconnect();
    await this.options.pool.close();
  }

  private async process(job: ChunkJob): Promise<ChunkJobResult> {
    if (this.cancelled.has(job.statement)) {
      const rows = job.rows.map((r) => failedOutcome(r.index, 'ABORTED', 'statement cancelled'));
      return { chunkIndex: job.chunkIndex, worker: this.id, rows };
    }
    const budgeted = isBudgeted(job.spec.limits);
    const lease = this.leases.use(job.statement, budgeted);
    try {
      const task: ChunkTask = {
        chunkIndex: job.chunkIndex,
        // The same spec, its cascade read from this worker's copy of the text.
        spec: { ...job.spec, cascade: { ...job.spec.cascade, path: await this.cascadeFile(job) } },
        rows: job.rows,
        // Each run takes one of the statement's tokens from Redis, across every worker.
        parallelBuffer: lease.buffer,
        heldBuffer: new SharedArrayBuffer(4),
        abortBuffer: lease.abort,
        ...(budgeted ? { budgetBuffer: lease.budget } : {}),
        defaultModel: job.defaultModel,
      };
      const startedAt = epochMs();
      const result = await this.options.pool.run(task);
      return { chunkIndex: job.chunkIndex, worker: this.id, rows: result.rows, ran: [startedAt, epochMs()] };
    } finally {
      lease.unuse();
    }
  }

  private cancel(statement: string): void {
    if (this.cancelled.size >= CANCELS_KEPT) this.cancelled.clear();
    this.cancelled.add(statement);
    const lease = this.leases.get(statement);
    if (lease) raiseAbort(lease.abort);
  }

  /** The job's cascade text as a file (one per content), which the pool's threads load and keep. */
  private cascadeFile(job: ChunkJob): Promise<string> {
    const hash = sha256Hex(job.cascadeText);
    let path = this.written.get(hash);
    if (!path) {
      const dir = join(this.options.cascadeDir, hash.slice(0, 16));
      const file = join(dir, job.cascadeName.replace(/[^\w.-]/g, '_') || 'cascade.yaml');
      path = mkdir(dir, { recursive: true })
        .then(() => writeFile(file, job.cascadeText))
        .then(() => file);
      path.catch(() => this.written.delete(hash));
      this.written.set(hash, path);
    }
    return path;
  }
}
