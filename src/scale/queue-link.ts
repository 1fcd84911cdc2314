/**
 * The coordinator's link to the chunk queue: one BullMQ Queue (adds and
 * removes jobs), one QueueEvents (completions), one plain Redis client
 * (pings, the worker registry, cancel messages), and the jobs it waits on.
 * A completion settles its job's waiter once; a second completion of the same
 * job (a stalled job re-run while its first worker still finished) finds no
 * waiter and is ignored. A health check fails every waiter with a clear error
 * when Redis stays unreachable, or when no worker is alive to take the jobs.
 */
import type { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { RvbbitError } from '../../base/errors.js';
import { noWorker, redisLost, redisRestarted } from './queue-errors.js';
import type { QueueOptions } from './queue-options.js';
import { CANCEL_CHANNEL, CHUNK_QUEUE, type ChunkJob, type ChunkJobResult } from './queue-protocol.js';
import { bullmqConnection, isReady, openRedis, redisUrlForDisplay } from './redis-clients.js';
import { errText, retryFor, withTimeout } from './wait-helpers.js';
import { liveWorkers, recentStartErrors } from './worker-registry.js';

interface Waiter {
  readonly resolve: (result: ChunkJobResult) => void;
  readonly reject: (err: unknown) => void;
  readonly statement: string;
  /** The statement's notice callback, if it has one. */
  readonly notice?: (message: string) => void;
}

const CHECK_MS = 250;
const PING_TIMEOUT_MS = 1_000;
const CLOSE_MS = 1_000;

export class QueueLink {
  readonly url: string;
  /** Worker ids seen alive by this coordinator (EXPLAIN). */
  readonly workersSeen = new Set<string>();
  private queue: Queue | undefined;
  private events: QueueEvents | undefined;
  private control: Redis | undefined;
  /** The Queue's own connection (BullMQ leaves a given client open: closed here). */
  private queueConnection: Redis | undefined;
  private opening: Promise<void> | undefined;
  private readonly waiters = new Map<string, Waiter>();
  private timer: NodeJS.Timeout | undefined;
  private lastRedisOk = Date.now();
  /** The Redis server's run_id: a new one means it restarted (and, without persistence, lost the queue). */
  private runId: string | undefined;
  private noWorkerSince: number | undefined;
  private noticed = false;
  private checking = false;

  constructor(private readonly options: QueueOptions) {
    this.url = options.redis;
  }

  /** How long Redis may be unreachable before a statement fails (`redisDownMs`, 5 s by default). */
  get downMs(): number {
    return this.options.redisDownMs ?? 5_000;
  }

  get display(): string {
    return redisUrlForDisplay(this.url);
  }

  /** Connects once (queue, events, control); fails clearly when Redis is not there. */
  open(): Promise<void> {
    this.opening ??= this.connect().catch((err) => {
      this.opening = undefined;
      this.queueConnection?.disconnect();
      this.control?.disconnect();
      throw new RvbbitError(
        'QUEUE_UNAVAILABLE',
        `cannot reach the chunk queue's Redis at ${this.display}: ${errText(err)}`,
      );
    });
    return this.opening;
  }

  private async connect(): Promise<void> {
    const control = await openRedis(this.url);
    this.control = control;
    this.runId = /run_id:(\w+)/.exec(await control.info('server'))?.[1];
    const { Queue, QueueEvents } = await import('bullmq');
    this.queueConnection = bullmqConnection(this.url);
    this.queue = new Queue(CHUNK_QUEUE, { connection: this.queueConnection });
    // QueueEvents blocks (XREAD): BullMQ duplicates this client, owns the copy, and never connects this one.
    this.events = new QueueEvents(CHUNK_QUEUE, { connection: bullmqConnection(this.url) });
    // Connection trouble is the health check's to report: an 'error' event without a listener would throw.
    this.queue.on('error', () => undefined);
    this.events.on('error', () => undefined);
    this.events.on('completed', ({ jobId, returnvalue }) => this.settle(jobId, returnvalue));
    this.events.on('failed', ({ jobId, failedReason }) => {
      const w = this.waiters.get(jobId);
      if (!w) return;
      this.waiters.delete(jobId);
      w.reject(
        new RvbbitError('QUEUE_JOB_FAILED', `chunk job ${jobId} failed on the queue: ${failedReason}`),
      );
    });
    await Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]);
  }

  /** Queues one chunk and resolves with its result (the first completion of its job id). */
  async submit(jobId: string, job: ChunkJob, notice?: (message: string) => void): Promise<ChunkJobResult> {
    await this.open();
    // With nothing outstanding, a restart since the last job lost nothing: learn the new run_id
    // now, or the first health check would fail this statement as "restarted mid-statement".
    if (this.waiters.size === 0) await this.adoptRunId();
    const done = new Promise<ChunkJobResult>((resolve, reject) => {
      this.waiters.set(jobId, { resolve, reject, statement: job.statement, notice });
    });
    this.watch();
    void this.enqueue(jobId, job);
    // Awaited here, not returned: a rejection must find its handler at once.
    return await done;
  }

  /**
   * Adds the job, trying again while Redis is briefly away (BullMQ refuses
   * commands while it reconnects); the same job id makes a repeated add a
   * no-op. Not awaited by submit: with Redis gone an add may wait on a
   * reconnect for as long as it likes, and the health check settles first.
   */
  private async enqueue(jobId: string, job: ChunkJob): Promise<void> {
    try {
      const add = () => this.queue!.add('chunk', job, { jobId, removeOnComplete: true, removeOnFail: true });
      await retryFor(add, this.downMs, () => !this.waiters.has(jobId));
    } catch (err) {
      const w = this.waiters.get(jobId);
      if (!w) return;
      this.waiters.delete(jobId);
      w.reject(
        new RvbbitError('QUEUE_UNAVAILABLE', `could not queue a chunk on ${this.display}: ${errText(err)}`),
      );
    }
  }

  /**
   * Stops a statement: its queued jobs are removed, workers running its rows
   * are told to abort them (pub/sub), and its waiters settle now with `aborted`.
   */
  async cancel(statement: string, aborted: (jobId: string) => ChunkJobResult): Promise<void> {
    const ids = [...this.waiters].filter(([, w]) => w.statement === statement).map(([id]) => id);
    if (ids.length === 0) return;
    for (const id of ids) {
      const w = this.waiters.get(id)!;
      this.waiters.delete(id);
      w.resolve(aborted(id));
    }
    await this.control?.publish(CANCEL_CHANNEL, statement).catch(() => undefined);
    // A job a worker holds is locked and stays; the worker aborts its rows.
    await Promise.all(ids.map((id) => this.queue?.remove(id).catch(() => undefined)));
  }

  /** The plain Redis client (pings, registry, rate bucket); it reconnects by itself. */
  client(): Redis {
    if (!this.control) throw new RvbbitError('QUEUE_UNAVAILABLE', `not connected to ${this.display}`);
    return this.control;
  }

  /** Ids of the workers alive now (they are also remembered as seen). */
  async aliveWorkers(): Promise<string[]> {
    await this.open();
    const live = await liveWorkers(this.control!);
    for (const w of live) this.workersSeen.add(w.id);
    return live.map((w) => w.id).sort();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    // With Redis away, QueueEvents.close() waits for an 'end' its reconnecting client never emits.
    const closing = Promise.allSettled([this.events?.close(), this.queue?.close()]);
    await withTimeout(closing, CLOSE_MS).catch(() => undefined);
    this.queueConnection?.disconnect();
    this.control?.disconnect();
  }

  private settle(jobId: string, value: unknown): void {
    const w = this.waiters.get(jobId);
    if (!w) return; // a duplicate completion, or another coordinator's job
    this.waiters.delete(jobId);
    w.resolve((typeof value === 'string' ? JSON.parse(value) : value) as ChunkJobResult);
  }

  private async adoptRunId(): Promise<void> {
    try {
      const info = await withTimeout(this.client().info('server'), PING_TIMEOUT_MS);
      this.runId = /run_id:(\w+)/.exec(info)?.[1] ?? this.runId;
    } catch {
      // Unreachable now: enqueue waits for the reconnect (up to redisDownMs) and the health check decides.
    }
  }

  /** The health check runs while jobs are outstanding. */
  private watch(): void {
    if (this.timer) return;
    this.lastRedisOk = Date.now();
    this.timer = setInterval(() => void this.check(), CHECK_MS);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    if (this.waiters.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.noWorkerSince = undefined;
      this.noticed = false;
      return;
    }
    this.checking = true;
    try {
      await this.checkRedis();
      await this.checkWorkers();
    } finally {
      this.checking = false;
    }
  }

  private async checkRedis(): Promise<void> {
    try {
      // The client reconnects by itself; while it cannot, INFO fails at once (no offline queue).
      const info = await withTimeout(this.client().info('server'), PING_TIMEOUT_MS);
      this.lastRedisOk = Date.now();
      const runId = /run_id:(\w+)/.exec(info)?.[1];
      if (this.runId !== undefined && runId !== undefined && runId !== this.runId) {
        this.runId = runId;
        this.failAll(redisRestarted(this.display, this.waiters.size));
        return;
      }
      this.runId ??= runId;
    } catch (err) {
      const down = Date.now() - this.lastRedisOk;
      if (down < this.downMs) return;
      this.failAll(redisLost(this.display, down, err, this.waiters.size));
    }
  }

  private async checkWorkers(): Promise<void> {
    const control = this.control;
    if (!isReady(control)) return;
    const live = await liveWorkers(control).catch(() => undefined);
    if (live === undefined) return;
    for (const w of live) this.workersSeen.add(w.id);
    if (live.length > 0) {
      this.noWorkerSince = undefined;
      return;
    }
    const now = Date.now();
    this.noWorkerSince ??= now;
    const limit = this.options.noWorkerTimeoutMs ?? 60_000;
    if (!this.noticed) {
      this.noticed = true;
      this.notify(
        `rvbbit: waiting for an rvbbit worker on ${this.display} (none is alive); giving up in ${Math.round(limit / 1000)} s`,
      );
    }
    if (now - this.noWorkerSince < limit) return;
    const errors = await recentStartErrors(control).catch(() => []);
    this.failAll(noWorker(this.display, limit, errors));
  }

  /** To each waiting statement's own callback once, else to the engine's (or stderr). */
  private notify(message: string): void {
    const own = new Set<(m: string) => void>();
    let fallback = false;
    for (const w of this.waiters.values()) {
      if (w.notice) own.add(w.notice);
      else fallback = true;
    }
    for (const n of own) n(message);
    if (fallback || own.size === 0) {
      (this.options.onNotice ?? ((m: string) => process.stderr.write(`${m}\n`)))(message);
    }
  }

  private failAll(err: RvbbitError): void {
    const all = [...this.waiters.values()];
    this.waiters.clear();
    for (const w of all) w.reject(err);
  }
}
