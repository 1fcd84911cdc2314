/**
 * The coordinator's part of PARALLEL across hosts (scale/permit-keys.ts):
 * each statement's P tokens are made in Redis before its first job is queued,
 * kept alive while it runs, moved back from workers the registry no longer
 * lists as alive, and deleted when it ends. Spend made here (embedding calls,
 * chunks run here) is added to the statement's spend in Redis, so the
 * workers' budget checks count it; the coordinator's chunks that stay here
 * take tokens like any worker's, through a lease of its own.
 */
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { errorMessage, RvbbitError } from '../../base/errors.js';
import { spentRaw } from '../thread/budget.js';
import { type Spend, statementPermits } from './permit-keys.js';
import { PermitLeases } from './permit-leases.js';
import type { QueueLink } from './queue-link.js';
import { openRedis } from './redis-clients.js';
import { retryFor } from './wait-helpers.js';
import { liveWorkers } from './worker-registry.js';

/** How often running statements are refreshed and dead workers' tokens reclaimed. */
const TICK_MS = 1_000;

interface Statement {
  readonly ready: Promise<void>;
  /** Spend the workers' results brought back (their runs reported it to Redis themselves). */
  fromWorkers: Spend;
  /** Spend of this process already added to Redis. */
  pushed: Spend;
}

export class StatementPermits {
  /** This coordinator as a token holder (never reclaimed by itself). */
  readonly holder = `coordinator:${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  readonly leases: PermitLeases;
  private readonly statements = new Map<string, Statement>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(private readonly link: QueueLink) {
    this.leases = new PermitLeases(
      this.holder,
      () => link.client(),
      () => openRedis(link.url),
      link.downMs,
    );
  }

  /**
   * Makes statement `id`'s tokens on its first chunk (every chunk awaits
   * them); they are deleted when `signal` aborts (the statement ended or was
   * cancelled). False once it has.
   */
  async open(
    id: string,
    parallel: number,
    budgetBuffer: SharedArrayBuffer | undefined,
    signal: AbortSignal,
  ): Promise<boolean> {
    if (signal.aborted) return false;
    let s = this.statements.get(id);
    if (!s) {
      const spent = budgetBuffer ? spentRaw(budgetBuffer) : { nanos: 0, tokens: 0 };
      // Redis just back: the client reconnects for a moment (refusing commands); wait for it as a job's add does.
      const start = () => statementPermits.start(this.client(), id, parallel, spent);
      const ready = retryFor(start, this.link.downMs, () => signal.aborted).catch((err) => {
        throw new RvbbitError(
          'QUEUE_UNAVAILABLE',
          `could not make the statement's PARALLEL tokens on ${this.link.display}: ${errorMessage(err)}`,
        );
      });
      s = { ready, fromWorkers: { nanos: 0, tokens: 0 }, pushed: spent };
      this.statements.set(id, s);
      signal.addEventListener('abort', () => this.end(id), { once: true });
      this.timer ??= setInterval(() => void this.tick(), TICK_MS).unref();
    }
    await s.ready;
    return !signal.aborted;
  }

  /** A job's spend, counted on the coordinator's budget buffer (the worker told Redis already). */
  fromWorkers(id: string, spent: Spend): void {
    const s = this.statements.get(id);
    if (s) s.fromWorkers = add(s.fromWorkers, spent);
  }

  /** Adds to Redis what this process spent for the statement since the last call. */
  async pushOwnSpend(id: string, budgetBuffer: SharedArrayBuffer): Promise<void> {
    const s = this.statements.get(id);
    if (!s) return;
    const total = spentRaw(budgetBuffer);
    const own = {
      nanos: total.nanos - s.fromWorkers.nanos - s.pushed.nanos,
      tokens: total.tokens - s.fromWorkers.tokens - s.pushed.tokens,
    };
    // Results round their dollars apart from the runs that reported them: a few nano-dollars of drift is noise.
    const delta = { nanos: own.nanos > 1_000 ? own.nanos : 0, tokens: Math.max(0, own.tokens) };
    if (delta.nanos === 0 && delta.tokens === 0) return;
    s.pushed = add(s.pushed, delta);
    await statementPermits.addSpend(this.client(), id, delta);
  }

  /** The statement is over: its tokens are deleted (workers still waiting on them stop). */
  private end(id: string): void {
    const s = this.statements.get(id);
    if (!s) return;
    this.statements.delete(id);
    if (this.statements.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    // After the start: a start still running would make them again.
    void s.ready.then(() => statementPermits.end(this.client(), id)).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.leases.close();
  }

  private client(): Redis {
    return this.link.client();
  }

  /** Keeps running statements alive; gives back what workers that died held. */
  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const client = this.client();
      const alive = new Set((await liveWorkers(client)).map((w) => w.id));
      for (const id of this.statements.keys()) {
        await statementPermits.refresh(client, id);
        await statementPermits.reclaim(client, id, (h) => h === this.holder || alive.has(h));
      }
    } catch {
      // Redis is away: the queue link's health check fails the statements if it stays away.
    } finally {
      this.ticking = false;
    }
  }
}

function add(a: Spend, b: Spend): Spend {
  return { nanos: a.nanos + b.nanos, tokens: a.tokens + b.tokens };
}
