/**
 * One concurrency-and-rate gate for the whole process, shared by worker
 * threads through a SharedArrayBuffer:
 *
 *   const gate = new SharedGate({ maxConcurrency: 32, requestsPerSecond: 10 });
 *   new Worker(entry, { workerData: { gate: gate.buffer } });   // main thread
 *   const gate = SharedGate.fromBuffer(workerData.gate);   // in each worker
 *
 * Adaptive (AIMD): a 429 halves the allowed concurrency (at most once per
 * `decreaseHoldMs`, since the 429s of one burst arrive together), and every
 * `increaseEvery` successes add one back, up to the ceiling. Rate: attempts
 * start at least 1/rps apart, and never before a pause (Retry-After) ends,
 * except one probe per PAUSE_PROBE_MS once a pause has lasted that long: its
 * answer, if healthy, ends the pause for everyone (a provider that asked for
 * a minute, or 999999 s, and is well again in two is not waited out).
 * Waiters of one thread queue locally (FIFO); only one waits on the shared
 * word per thread, with Atomics.waitAsync.
 *
 * Paced (`paceByHeaders`, default on): a call to a model whose answers
 * announce a rate-limit budget (x-ratelimit-* headers, rate-headers.ts)
 * first reserves its expected tokens and one request on that budget, and
 * waits until the provider's refill covers them (gate-budget.ts), so a run
 * under a tokens-per-minute limit meets its limit without meeting 429s.
 */
import { threadId } from 'node:worker_threads';
import { RvbbitError } from '../../base/errors.js';
import { epochMs, epochUs } from '../runtime/epoch-clock.js';
import { BREAKER_BYTES, SharedBreaker } from './breaker.js';
import type { Gate, GateOutcome } from './gate.js';
import type { PaceTicket } from './gate-budget.js';
import {
  BUDGET_BYTES,
  BUDGET_COUNTING,
  BUDGET_PACED,
  BUDGET_SILENT,
  type BudgetReport,
  type BudgetSnapshot,
  SharedBudgets,
} from './gate-budget.js';
import { checkOptions, type SharedGateOptions } from './gate-options.js';
import { announcedBudget } from './rate-headers.js';
import { sleep } from './retry.js';

export type { SharedGateOptions } from './gate-options.js';

// Int32 words
const IN_FLIGHT = 0;
const LIMIT = 1;
const CEILING = 2;
const SUCCESSES = 3;
const INCREASE_EVERY = 4;
const VERSION = 5;
const MILLI_RPS = 6;
const HOLD_MS = 7;
const INT_WORDS = 8;
// BigInt64 words (µs since the epoch), after the Int32 words
const NEXT_START = 0;
const PAUSED_UNTIL = 1;
const LAST_DECREASE = 2;
/** During a pause: when the next probe may start (0: no pause). */
const PROBE_AT = 3;
const BIG_WORDS = 4;
// Int32 words after the BigInt64 words: slots held per thread (threadId % HOLDER_WORDS),
// so the slots of a worker that died can be reclaimed.
const HOLDER_WORDS = 128;
const GATE_BYTES = INT_WORDS * 4 + BIG_WORDS * 8 + HOLDER_WORDS * 4;
// The breaker's words follow (GATE_BYTES is a multiple of 8, as its BigInt64 words need), then the budgets'.
const BYTES = GATE_BYTES + BREAKER_BYTES + BUDGET_BYTES;

/** How often a call waiting for the provider's refill looks again at what is owed, ms. */
const PACE_STEP_MS = 250;

/**
 * A pause is honoured whole for this long; past it, one attempt per this
 * long goes as a probe, and a healthy answer to it ends the pause.
 */
export const PAUSE_PROBE_MS = 2_000;

type WaitAsync = (
  ta: Int32Array,
  index: number,
  value: number,
  timeout?: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

interface Waiter {
  resolve(): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export class SharedGate implements Gate {
  /** Pass this to worker threads; `SharedGate.fromBuffer` there. */
  readonly buffer: SharedArrayBuffer;
  private readonly i32: Int32Array;
  private readonly big: BigInt64Array;
  private readonly held: Int32Array;
  /** The endpoint's circuit breaker, shared like the gate. */
  readonly breaker: SharedBreaker;
  /** The budgets its answers announce, by model, shared like the gate. */
  private readonly budgets: SharedBudgets;
  private readonly me: number;
  private readonly queue: Waiter[] = [];
  private pumping = false;
  /** This thread's attempts sent as a pause's probe (by their ticket): a healthy answer to one ends the pause. */
  private readonly probes = new WeakSet<PaceTicket>();

  constructor(options: SharedGateOptions | SharedArrayBuffer) {
    if (options instanceof SharedArrayBuffer) {
      if (options.byteLength !== BYTES) {
        throw new RvbbitError('LLM_CONFIG', 'not a SharedGate buffer');
      }
      this.buffer = options;
    } else {
      checkOptions(options);
      this.buffer = new SharedArrayBuffer(BYTES);
    }
    this.i32 = new Int32Array(this.buffer, 0, INT_WORDS);
    this.big = new BigInt64Array(this.buffer, INT_WORDS * 4, BIG_WORDS);
    this.held = new Int32Array(this.buffer, INT_WORDS * 4 + BIG_WORDS * 8, HOLDER_WORDS);
    this.me = threadId % HOLDER_WORDS;
    const fresh = !(options instanceof SharedArrayBuffer);
    this.breaker = new SharedBreaker(this.buffer, GATE_BYTES, fresh ? (options.breaker ?? {}) : undefined);
    this.budgets = new SharedBudgets(
      this.buffer,
      GATE_BYTES + BREAKER_BYTES,
      fresh ? options.paceByHeaders !== false : undefined,
    );
    if (!(options instanceof SharedArrayBuffer)) {
      this.i32[LIMIT] = options.maxConcurrency;
      this.i32[CEILING] = options.maxConcurrency;
      this.i32[INCREASE_EVERY] = options.increaseEvery ?? 10;
      this.i32[MILLI_RPS] = Math.round((options.requestsPerSecond ?? 0) * 1000);
      this.i32[HOLD_MS] = options.decreaseHoldMs ?? 500;
    }
  }

  /** The same gate, seen from another thread. */
  static fromBuffer(buffer: SharedArrayBuffer): SharedGate {
    return new SharedGate(buffer);
  }

  /** Current state, for logs and tests. */
  snapshot(): { inFlight: number; limit: number; ceiling: number } {
    return {
      inFlight: Atomics.load(this.i32, IN_FLIGHT),
      limit: Atomics.load(this.i32, LIMIT),
      ceiling: Atomics.load(this.i32, CEILING),
    };
  }

  /** The budget a ticket's key draws on, as learned so far; undefined when no answer announced one. */
  budget(ticket: PaceTicket): BudgetSnapshot | undefined {
    return this.budgets.snapshot(ticket.key, epochMs());
  }

  acquire(signal?: AbortSignal, ticket?: PaceTicket): Promise<void> | undefined {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ticket !== undefined && this.budgets.enabled) {
      const slot = this.budgets.enter(ticket.key);
      const state = slot < 0 ? BUDGET_SILENT : this.budgets.state(slot);
      if (state === BUDGET_PACED) return this.paced(slot, ticket, signal, false);
      if (state === BUDGET_COUNTING) {
        // Not known yet: counted when sent, and paced if the budget became known while it waited for a slot.
        const go = () =>
          this.budgets.state(slot) === BUDGET_PACED
            ? this.paced(slot, ticket, signal, true)
            : this.sentUnknown(slot, ticket);
        const held = this.admit(signal, ticket);
        return held ? held.then(go) : go();
      }
    }
    return this.admit(signal, ticket);
  }

  /** A slot, after the breaker lets the attempt through. */
  private admit(signal?: AbortSignal, ticket?: PaceTicket): Promise<void> | undefined {
    // An open breaker holds new attempts back (and lets a probe through) before they take a slot.
    if (!this.breaker.isClosed())
      return this.breaker.admit(signal).then(() => this.acquireSlot(signal, ticket));
    return this.acquireSlot(signal, ticket);
  }

  private acquireSlot(signal?: AbortSignal, ticket?: PaceTicket): Promise<void> | undefined {
    // Fast path, no promise: nobody queued here, a slot free, no rate limit or pause.
    if (this.queue.length === 0 && this.tryTake()) {
      if (Atomics.load(this.i32, MILLI_RPS) === 0 && Atomics.load(this.big, PAUSED_UNTIL) === 0n)
        return undefined;
      return this.afterTake(signal, ticket);
    }
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        w.onAbort = () => {
          const i = this.queue.indexOf(w);
          if (i >= 0) this.queue.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.queue.push(w);
      void this.pump();
    }).then(() => this.afterTake(signal, ticket));
  }

  /**
   * A call on a budget the provider announced: reserves its tokens, waits
   * until the refill covers them, then takes a slot (`holding`: it holds one
   * already, kept when the bucket covers it now, else given back while it
   * waits). Aborted before it is sent, it gives its reservation back.
   */
  private paced(
    slot: number,
    ticket: PaceTicket,
    signal: AbortSignal | undefined,
    holding: boolean,
  ): Promise<void> | undefined {
    const reservation = this.budgets.reserve(slot, ticket.tokens(), epochMs());
    const send = (): undefined => {
      ticket.mark = this.budgets.sent(reservation);
      return undefined;
    };
    const giveBack = (err: unknown) => {
      this.budgets.cancel(reservation, epochMs());
      throw err;
    };
    if (reservation.waitMs <= 0 && holding) return send();
    if (reservation.waitMs <= 0) {
      // Covered now: as cheap as an unpaced call (no promise when a slot is free).
      const slotWait = this.admit(signal, ticket);
      return slotWait ? slotWait.then(send, giveBack) : send();
    }
    if (holding) this.giveBack();
    // The wait was reckoned from what was known then. Each answer since may tell that less is
    // owed (the first answers of a run disagree by the calls they arrived among): woken every
    // PACE_STEP_MS, a call goes once the whole queue's debt is paid, if that comes first.
    const due = epochMs() + reservation.waitMs;
    const wake = (): Promise<void> | undefined => {
      const now = epochMs();
      const left = Math.min(due - now, this.budgets.debtMs(slot, now));
      if (left > 0) return sleep(Math.min(left, PACE_STEP_MS), signal).then(wake, giveBack);
      const slotWait = this.admit(signal, ticket);
      return slotWait ? slotWait.then(send, giveBack) : send();
    };
    return wake();
  }

  private sentUnknown(slot: number, ticket: PaceTicket): undefined {
    ticket.mark = this.budgets.sentUnknown(slot, ticket.tokens());
    return undefined;
  }

  /** Every known budget since the last call, for a relay across processes (scale/rate-bucket.ts BudgetRelay). */
  drainBudgets(): BudgetReport[] {
    return this.budgets.drain();
  }

  /** A relay's answer: what `key`'s budget has left for all who share it, and how many do. */
  shareBudget(key: number, left: { tokens?: number; requests?: number }, sharers: number): void {
    this.budgets.shareOf(key, left, sharers, epochMs());
  }

  /** Holding a slot: waits for a rate slot, giving the slot back if that wait is aborted. */
  private async afterTake(signal: AbortSignal | undefined, ticket?: PaceTicket): Promise<void> {
    try {
      await this.rateSlot(signal, ticket);
    } catch (err) {
      this.giveBack();
      throw err;
    }
  }

  release(
    outcome: GateOutcome,
    status = 0,
    headers?: Readonly<Record<string, string>>,
    ticket?: PaceTicket,
  ): void {
    if (headers !== undefined && ticket !== undefined && this.budgets.enabled) {
      const budget = announcedBudget(headers);
      if (budget) this.budgets.learn(ticket.key, budget, epochMs(), ticket.mark);
      // An answer without the headers: this provider announces no budget for this model.
      else if (status >= 200 && status < 300) this.budgets.silence(ticket.key);
    }
    if (outcome === 'throttled') this.decrease();
    else if (outcome === 'ok') this.maybeIncrease();
    // A pause's probe answered: the provider is well again, whatever its Retry-After said.
    if (ticket !== undefined && this.probes.has(ticket)) {
      this.probes.delete(ticket);
      if (outcome === 'ok') this.endPause();
    }
    // Any HTTP answer below 500 (a 4xx too) shows the endpoint is up; a deadline or an abort says nothing.
    if (outcome === 'down') this.breaker.failed(status);
    else if (outcome !== 'failed' || status > 0) this.breaker.answered();
    this.giveBack();
  }

  pause(ms: number): void {
    const now = epochUs();
    const until = now + BigInt(Math.round(ms * 1000));
    for (;;) {
      const cur = Atomics.load(this.big, PAUSED_UNTIL);
      if (cur >= until) return;
      if (Atomics.compareExchange(this.big, PAUSED_UNTIL, cur, until) === cur) break;
    }
    // The first probe PAUSE_PROBE_MS into the pause (a pause already probed keeps its schedule).
    Atomics.compareExchange(this.big, PROBE_AT, 0n, now + BigInt(PAUSE_PROBE_MS * 1000));
  }

  /** Ends a pause at once (its probe was answered). */
  private endPause(): void {
    Atomics.store(this.big, PAUSED_UNTIL, 0n);
    Atomics.store(this.big, PROBE_AT, 0n);
    this.bump();
  }

  /**
   * Returns the slots a dead worker thread held (its `threadId`, e.g. from the
   * pool's exit event). Returns how many were reclaimed.
   */
  reclaim(deadThreadId: number): number {
    // An exited Worker reports threadId -1: no slot of its own to return.
    if (deadThreadId < 0) return 0;
    const n = Atomics.exchange(this.held, deadThreadId % HOLDER_WORDS, 0);
    if (n > 0) {
      Atomics.sub(this.i32, IN_FLIGHT, n);
      this.bump();
    }
    return n;
  }

  private giveBack(): void {
    Atomics.sub(this.held, this.me, 1);
    Atomics.sub(this.i32, IN_FLIGHT, 1);
    this.bump();
  }

  private bump(): void {
    Atomics.add(this.i32, VERSION, 1);
    Atomics.notify(this.i32, VERSION);
  }

  private tryTake(): boolean {
    for (;;) {
      const cur = Atomics.load(this.i32, IN_FLIGHT);
      if (cur >= Atomics.load(this.i32, LIMIT)) return false;
      if (Atomics.compareExchange(this.i32, IN_FLIGHT, cur, cur + 1) === cur) {
        Atomics.add(this.held, this.me, 1);
        return true;
      }
    }
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    // A pending Atomics.waitAsync does not keep the event loop alive; without this a
    // worker whose every call waits for a slot held by another thread would just exit.
    const keepAlive = setInterval(() => {}, 1 << 30);
    try {
      while (this.queue.length > 0) {
        const version = Atomics.load(this.i32, VERSION);
        if (this.tryTake()) {
          const w = this.queue.shift()!;
          if (w.onAbort) w.signal!.removeEventListener('abort', w.onAbort);
          w.resolve();
          continue;
        }
        // Woken by any release or limit change anywhere; the timeout is a safety net.
        const r = waitAsync(this.i32, VERSION, version, 200);
        if (r.async) await r.value;
      }
    } finally {
      clearInterval(keepAlive);
      this.pumping = false;
    }
  }

  private async rateSlot(signal?: AbortSignal, ticket?: PaceTicket): Promise<void> {
    const milli = Atomics.load(this.i32, MILLI_RPS);
    if (milli === 0 && Atomics.load(this.big, PAUSED_UNTIL) === 0n) return;
    await this.pauseOver(signal, ticket);
    if (milli === 0) return;
    const interval = BigInt(Math.round(1e9 / milli));
    let wait: bigint;
    for (;;) {
      const now = epochUs();
      const next = Atomics.load(this.big, NEXT_START);
      // BigInt: no Math.max.
      let start = now;
      if (next > start) start = next;
      if (Atomics.compareExchange(this.big, NEXT_START, next, start + interval) === next) {
        wait = start - now;
        break;
      }
    }
    if (wait > 0n) await sleep(Number(wait) / 1000, signal);
  }

  /**
   * Waits until no pause holds attempts back, or until this attempt may go as
   * the pause's probe (one per PAUSE_PROBE_MS, marked by its ticket).
   */
  private async pauseOver(signal?: AbortSignal, ticket?: PaceTicket): Promise<void> {
    for (;;) {
      const now = epochUs();
      const pausedUntil = Atomics.load(this.big, PAUSED_UNTIL);
      if (pausedUntil === 0n) return;
      if (pausedUntil <= now) {
        // A pause that has ended is cleared, so acquire() takes its fast path again.
        if (Atomics.compareExchange(this.big, PAUSED_UNTIL, pausedUntil, 0n) === pausedUntil)
          Atomics.store(this.big, PROBE_AT, 0n);
        return;
      }
      const probeAt = Atomics.load(this.big, PROBE_AT);
      const probeNext = now + BigInt(PAUSE_PROBE_MS * 1000);
      if (
        ticket !== undefined &&
        probeAt !== 0n &&
        probeAt <= now &&
        Atomics.compareExchange(this.big, PROBE_AT, probeAt, probeNext) === probeAt
      ) {
        this.probes.add(ticket);
        return;
      }
      // Looked at again when the pause ends or the next probe may go (it may have ended the pause).
      const probeWake = probeAt > now ? probeAt : probeNext;
      const wakeAt = probeWake < pausedUntil ? probeWake : pausedUntil;
      await sleep(Number(wakeAt - now) / 1000 + 1, signal);
    }
  }

  private decrease(): void {
    const hold = BigInt(Atomics.load(this.i32, HOLD_MS)) * 1000n;
    const now = epochUs();
    const last = Atomics.load(this.big, LAST_DECREASE);
    if (now - last < hold) return;
    if (Atomics.compareExchange(this.big, LAST_DECREASE, last, now) !== last) return;
    for (;;) {
      const lim = Atomics.load(this.i32, LIMIT);
      const next = Math.max(1, Math.floor(lim / 2));
      if (Atomics.compareExchange(this.i32, LIMIT, lim, next) === lim) break;
    }
    Atomics.store(this.i32, SUCCESSES, 0);
  }

  private maybeIncrease(): void {
    const lim = Atomics.load(this.i32, LIMIT);
    if (lim >= Atomics.load(this.i32, CEILING)) return;
    const n = Atomics.add(this.i32, SUCCESSES, 1) + 1;
    if (n < Atomics.load(this.i32, INCREASE_EVERY)) return;
    if (Atomics.compareExchange(this.i32, SUCCESSES, n, 0) !== n) return;
    if (Atomics.compareExchange(this.i32, LIMIT, lim, lim + 1) === lim) this.bump();
  }
}
