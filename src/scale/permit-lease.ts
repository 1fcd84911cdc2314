/**
 * PARALLEL across hosts, a process's side: the lease of one statement on one
 * process (an `rvbbit worker`, or the coordinator for chunks it keeps). Its
 * threads run the rows under a leased semaphore (thread/shared-semaphore.ts)
 * with no permits of its own: this loop, on the main thread, takes Redis
 * tokens (scale/permit-keys.ts) for the runs waiting and grants them.
 *
 * A released token goes to the next run waiting here, with no Redis round trip
 * (the thread hands it over: REUSE), while this process holds no more than its
 * target, its share of P by demand (permit-keys.ts: rows running or waiting
 * here, reported with every script); else it goes back to Redis, where the
 * holder below its target that waited longest gets it. So hosts split
 * PARALLEL evenly while all have work, one that runs dry leaves its tokens to
 * the others, and while demand holds still no token crosses Redis.
 * Spend goes to Redis with every token given back and at least every SYNC_MS;
 * the other hosts' spend is added to the threads' budget buffer, so a run's
 * budget check under its permit sees the statement's spend (within SYNC_MS;
 * exact at PARALLEL 1, where the one token carries it from host to host).
 */
import type { Redis } from 'ioredis';
import { createAbortBuffer, isAborted, raiseAbort } from '../thread/abort-flag.js';
import {
  CHANGED,
  createLeasedSemaphoreBuffer,
  RETURNED,
  REUSE,
  WAITING,
} from '../thread/shared-semaphore.js';
import { PermitHolder, type PermitReply } from './permit-keys.js';
import { SpendLedger } from './spend-ledger.js';

const AVAILABLE = 0;
/** A blocked BLMOVE gives up after this long and the loop looks again. */
const BLOCK_SECONDS = 0.5;
/** A wait on the cells times out after this long (a missed wake-up costs no more). */
const WAIT_MS = 50;
/** Spend and demand are reported, and the target read again, at least this often while runs go on. */
const SYNC_MS = 50;
/** Redis unreachable this long with rows waiting (by default): the rows fail (ABORTED) rather than wait for ever. */
export const REDIS_AWAY_MS = 5_000;

/** What a leaseholder borrows from its registry. */
export interface LeaseLinks {
  /** The process's plain client (no offline queue: fails at once while Redis is away). */
  readonly client: () => Redis;
  /** A connection to block on, and where to give it back. */
  readonly borrowBlocking: () => Promise<Redis>;
  readonly returnBlocking: (client: Redis) => void;
  /** How long Redis may be unreachable before the rows here stop (the coordinator's redisDownMs). */
  readonly awayMs: number;
}

export class PermitLease {
  /** The threads' semaphore for this statement (ChunkTask.parallelBuffer). */
  readonly buffer = createLeasedSemaphoreBuffer();
  private readonly spend = new SpendLedger();
  /** The threads' budget buffer (see SpendLedger). */
  readonly budget = this.spend.budget;
  /** Why the lease stopped its rows itself, if it did (not a cancel): its tokens gone from Redis, or Redis away. */
  lost: 'gone' | 'away' | undefined;
  /** Resolves when the lease has given everything back. */
  readonly ended: Promise<void>;
  private readonly cells = new Int32Array(this.buffer, 0, REUSE + 1);
  private readonly permits: PermitHolder;
  private users = 0;
  private kick: () => void = () => undefined;
  /** Tokens this process holds in Redis (granted, running, or released and not given back). */
  private held = 0;
  /** The most tokens this process should hold, from the last reply. */
  private target = 0;
  /** The demand sent with the last script: more than it now, and the target is out of date. */
  private reportedDemand = 0;
  private lastReply = 0;
  private blocking: Redis | undefined;
  private awaySince: number | undefined;
  private joined = false;
  private isGone = false;

  constructor(
    statement: string,
    holder: string,
    private readonly links: LeaseLinks,
    /** Whether the statement has a budget (a token from BLMOVE then waits for the spend). */
    private readonly budgeted: boolean,
    /** Called once the loop has decided to end: no new user may join this lease after it. */
    private readonly onEnding: () => void,
    /** A previous lease of the same statement here, still giving back: this one starts after it. */
    after: Promise<void> | undefined,
    /** This process's abort flag for the statement (cancel, or it is gone from Redis); the coordinator passes its own. */
    readonly abort: SharedArrayBuffer = createAbortBuffer(),
  ) {
    this.permits = new PermitHolder(statement, holder);
    this.ended = (after ?? Promise.resolve()).then(() => this.run());
  }

  use(): void {
    this.users++;
  }

  unuse(): void {
    this.users--;
    this.kick();
  }

  private async run(): Promise<void> {
    let pending: Promise<void> | undefined;
    try {
      for (;;) {
        const seen = Atomics.load(this.cells, CHANGED);
        try {
          if (!this.joined) {
            this.applied(await this.permits.join(this.links.client(), this.report()));
            this.joined = true;
          }
          await this.recycle();
          if (this.users <= 0 && !pending) break;
          const want = this.wanted();
          const stale = this.demand() > this.reportedDemand;
          if (want > 0 && !pending && !this.isGone && (this.held < this.target || stale)) {
            // Below target with runs still waiting: wait on Redis for the next token given back.
            if ((await this.take(want)) < want && this.held < this.target && !this.isGone) {
              pending = this.blockForOne().finally(() => {
                pending = undefined;
                this.kick();
              });
            }
          }
          if (Date.now() - this.lastReply >= SYNC_MS && !this.isGone) {
            this.applied(
              await this.permits.sync(this.links.client(), this.spend.unreported(), this.report()),
            );
          }
          this.awaySince = undefined;
        } catch {
          // Nothing runs here and Redis stays away: what is held there is the coordinator's to reclaim.
          if (this.away() && this.users <= 0 && !pending) break;
        }
        await this.changeOr(seen, pending);
        // Redis away: the cells change as rows finish, but nothing can go back faster than this.
        if (this.awaySince !== undefined) await new Promise((r) => setTimeout(r, WAIT_MS));
      }
    } finally {
      this.onEnding();
      await this.finish();
    }
  }

  /** Runs waiting for a token that none granted here covers. */
  private wanted(): number {
    return Atomics.load(this.cells, WAITING) - Atomics.load(this.cells, AVAILABLE);
  }

  /**
   * Rows running or waiting here: tokens held, less those granted and not yet
   * taken, released, or on their way back (`leaving`), plus the runs waiting.
   */
  private demand(leaving = 0): number {
    const idle = Atomics.load(this.cells, AVAILABLE) + Atomics.load(this.cells, RETURNED) + leaving;
    return Math.max(0, this.held - idle + Atomics.load(this.cells, WAITING));
  }

  /** The demand to send with a script, noted as sent. */
  private report(leaving = 0): number {
    this.reportedDemand = this.demand(leaving);
    return this.reportedDemand;
  }

  /** Released tokens: granted again to runs waiting here within the target, the rest given back. */
  private async recycle(): Promise<void> {
    const released = Atomics.exchange(this.cells, RETURNED, 0) + this.surplus();
    if (released === 0) return;
    const within = this.isGone ? 0 : this.target - (this.held - released);
    const keep = Math.max(0, Math.min(released, this.wanted(), within));
    if (keep > 0) this.grant(keep);
    if (released > keep) await this.giveBack(released - keep);
  }

  /** Tokens granted but no longer wanted (rows aborted while waiting): taken back from the threads. */
  private surplus(): number {
    for (;;) {
      const available = Atomics.load(this.cells, AVAILABLE);
      const extra = available - Math.max(0, Atomics.load(this.cells, WAITING));
      if (extra <= 0) return 0;
      if (Atomics.compareExchange(this.cells, AVAILABLE, available, available - extra) === available) {
        return extra;
      }
    }
  }

  private grant(count: number): void {
    Atomics.add(this.cells, AVAILABLE, count);
    Atomics.notify(this.cells, AVAILABLE, count);
  }

  private async take(want: number): Promise<number> {
    const r = await this.permits.take(this.links.client(), want, this.report());
    if (!this.applied(r)) return 0;
    this.held += r.count;
    this.allowReuse();
    if (r.count > 0) this.grant(r.count);
    return r.count;
  }

  /** Gives back `count` tokens with this process's spend since the last time. */
  private async giveBack(count: number): Promise<void> {
    const delta = this.spend.unreported();
    try {
      this.applied(await this.permits.release(this.links.client(), count, delta, this.report(count)));
      this.held -= count;
      this.allowReuse();
    } catch (err) {
      this.spend.unsent(delta);
      Atomics.add(this.cells, RETURNED, count); // given back on the next turn
      throw err;
    }
  }

  /** One token, waiting for it on a connection of its own. */
  private async blockForOne(): Promise<void> {
    try {
      this.blocking ??= await this.links.borrowBlocking();
      if (!(await this.permits.block(this.blocking, BLOCK_SECONDS))) return;
    } catch {
      this.blocking?.disconnect();
      this.blocking = undefined;
      this.away();
      // The loop looks again at once: not faster than this while Redis is away.
      await new Promise((r) => setTimeout(r, WAIT_MS));
      return;
    }
    this.held++;
    this.allowReuse();
    if (this.budgeted) {
      const delta = this.spend.unreported();
      await this.permits
        .sync(this.links.client(), delta, this.report())
        .then((r) => this.applied(r))
        .catch(() => this.spend.unsent(delta));
    }
    this.grant(1);
  }

  /** Notes the statement's spend and this process's target from a reply; false if the statement is gone. */
  private applied(r: PermitReply): r is PermitReply & { gone: false } {
    if (r.gone) {
      this.gone();
      return false;
    }
    this.lastReply = Date.now();
    this.target = r.target;
    this.allowReuse();
    this.spend.addOthers(r.spend);
    return true;
  }

  /** The threads may hand a released token to their next row while this process is within its target. */
  private allowReuse(): void {
    Atomics.store(this.cells, REUSE, !this.isGone && this.held <= this.target ? 1 : 0);
  }

  /** The coordinator ended the statement (or Redis lost it): rows still waiting here stop. */
  private gone(): void {
    this.isGone = true;
    this.allowReuse();
    if (!isAborted(this.abort)) this.lost ??= 'gone';
    raiseAbort(this.abort);
  }

  /** Notes Redis unreachable; true (and the rows here stopped) once it has been for links.awayMs. */
  private away(): boolean {
    this.awaySince ??= Date.now();
    if (Date.now() - this.awaySince < this.links.awayMs) return false;
    if (!isAborted(this.abort)) this.lost ??= 'away';
    raiseAbort(this.abort);
    return true;
  }

  private async changeOr(seen: number, pending: Promise<void> | undefined): Promise<void> {
    const kicked = new Promise<void>((resolve) => {
      this.kick = resolve;
    });
    const changed = Atomics.waitAsync(this.cells, CHANGED, seen, WAIT_MS);
    if (!changed.async) return; // changed since `seen`: look again now
    const waits: Promise<unknown>[] = [kicked, changed.value];
    if (pending) waits.push(pending);
    await Promise.race(waits);
  }

  /** Nothing runs here any more: every token goes back, with the last spend, and this process is no holder. */
  private async finish(): Promise<void> {
    if (this.blocking) this.links.returnBlocking(this.blocking);
    try {
      await this.permits.returnAll(this.links.client(), this.spend.unreported());
    } catch {
      // Redis is away: the coordinator reclaims a holder that is gone, and a restarted Redis has no tokens.
    }
  }
}
