/**
 * The endpoint's circuit breaker, kept in words of the SharedGate's buffer so
 * every worker thread of the process sees one state (a breaker per isolate,
 * as libraries such as cockatiel keep, would let each Piscina worker burn its
 * own retries against a dead provider).
 *
 *   closed ── `failures` outage failures in a row (connection refused/reset,
 *             5xx) spanning ≥ `openAfterMs` ──▶ open
 *   open   ── new attempts wait; one probe every `probeEveryMs` goes through;
 *             any answer (even a 429 or a 4xx) closes it again
 *   open for `downAfterMs` since the streak began ──▶ down: attempts fail at
 *             once with LLM_ENDPOINT_DOWN, except while a probe is out: an
 *             attempt that finds the probe slot due becomes the probe, and the
 *             others wait for its answer (for at most `downAfterMs`) instead of
 *             failing, so the first statement after the provider is back
 *             succeeds whole rather than losing every row but the probe's
 */

import { RvbbitError } from '../../base/errors.js';
import { epochUs } from '../runtime/epoch-clock.js';
import { LLM_ERROR } from './errors.js';
import { sleep } from './retry.js';

export interface BreakerOptions {
  /** Outage failures in a row before the breaker may open (default 5). */
  readonly failures?: number;
  /** …spanning at least this long, ms (default 1000): a burst of resets is not an outage. */
  readonly openAfterMs?: number;
  /**
   * Fail fast once the streak has lasted this long with no answer, ms (default 8000: with a
   * statement's start-up, a MAP against a dead endpoint ends within about 10 s).
   */
  readonly downAfterMs?: number;
  /** One probe per this many ms while open (default 1000). */
  readonly probeEveryMs?: number;
}

const BREAKER_DEFAULTS: Required<BreakerOptions> = {
  failures: 5,
  openAfterMs: 1000,
  downAfterMs: 8000,
  probeEveryMs: 1000,
};

// BigInt64 words (µs since the epoch)
const STREAK_START = 0;
const NEXT_PROBE = 1;
/** When the probe now out went (0: none out). */
const PROBE_SENT = 2;
const BIG_WORDS = 3;
// Int32 words
const OPEN = 0;
const STREAK = 1;
const FAILURES = 2;
const OPEN_AFTER_MS = 3;
const DOWN_AFTER_MS = 4;
const PROBE_MS = 5;
/** Last outage: 0 = no connection, else the HTTP status. */
const LAST_STATUS = 6;
const INT_WORDS = 8;

/** Bytes a breaker takes in a shared buffer (a multiple of 8). */
export const BREAKER_BYTES = BIG_WORDS * 8 + INT_WORDS * 4;

export class SharedBreaker {
  private readonly big: BigInt64Array;
  private readonly i32: Int32Array;

  /** A view of `buffer` at `offset`; `options` (main thread only) initialises it. */
  constructor(buffer: SharedArrayBuffer, offset: number, options?: BreakerOptions) {
    this.big = new BigInt64Array(buffer, offset, BIG_WORDS);
    this.i32 = new Int32Array(buffer, offset + BIG_WORDS * 8, INT_WORDS);
    if (options) {
      checkBreakerOptions(options);
      const o = { ...BREAKER_DEFAULTS, ...options };
      this.i32[FAILURES] = o.failures;
      this.i32[OPEN_AFTER_MS] = o.openAfterMs;
      this.i32[DOWN_AFTER_MS] = o.downAfterMs;
      this.i32[PROBE_MS] = o.probeEveryMs;
    }
  }

  /** Closed: attempts go straight through (one Int32 load, the hot path). */
  isClosed(): boolean {
    return Atomics.load(this.i32, OPEN) === 0;
  }

  /** Open for longer than `downAfterMs` since the streak began. */
  isDown(): boolean {
    if (this.isClosed()) return false;
    const start = Atomics.load(this.big, STREAK_START);
    return start !== 0n && epochUs() - start >= BigInt(Atomics.load(this.i32, DOWN_AFTER_MS)) * 1000n;
  }

  /** The provider answered: the streak ends and an open breaker closes. */
  answered(): void {
    if (Atomics.load(this.i32, STREAK) === 0 && this.isClosed()) return;
    Atomics.store(this.i32, STREAK, 0);
    Atomics.store(this.big, STREAK_START, 0n);
    Atomics.store(this.big, PROBE_SENT, 0n);
    Atomics.store(this.i32, OPEN, 0);
  }

  /** An outage failure: no connection (status 0) or a 5xx. */
  failed(status: number): void {
    Atomics.store(this.i32, LAST_STATUS, status);
    // Whether or not it was the probe's, a failure ends the wait for one: waiters fail fast again.
    Atomics.store(this.big, PROBE_SENT, 0n);
    const n = Atomics.add(this.i32, STREAK, 1) + 1;
    const now = epochUs();
    if (n === 1) Atomics.compareExchange(this.big, STREAK_START, 0n, now);
    if (!this.isClosed() || n < Atomics.load(this.i32, FAILURES)) return;
    const start = Atomics.load(this.big, STREAK_START);
    if (start === 0n || now - start < BigInt(Atomics.load(this.i32, OPEN_AFTER_MS)) * 1000n) return;
    if (Atomics.compareExchange(this.i32, OPEN, 0, 1) === 0) {
      Atomics.store(this.big, NEXT_PROBE, now + BigInt(Atomics.load(this.i32, PROBE_MS)) * 1000n);
    }
  }

  /**
   * Waits until an attempt may go: at once when closed; while open, until the
   * breaker closes or this attempt wins the next probe slot. Rejects with
   * LLM_ENDPOINT_DOWN (no host: the client adds it) once the endpoint is down
   * and no probe is due, or with the signal's reason on abort.
   */
  async admit(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (this.isClosed()) return;
      const now = epochUs();
      const next = Atomics.load(this.big, NEXT_PROBE);
      const every = BigInt(Atomics.load(this.i32, PROBE_MS)) * 1000n;
      if (now >= next && Atomics.compareExchange(this.big, NEXT_PROBE, next, now + every) === next) {
        Atomics.store(this.big, PROBE_SENT, now);
        return;
      }
      if (this.isDown() && !this.probeOut(now)) throw this.downError();
      // Polled: a woken waiter would find the state changed by another thread anyway.
      const waitMs = Math.min(200, Math.max(10, Number(next - now) / 1000));
      await sleep(waitMs * (0.75 + Math.random() * 0.5), signal);
    }
  }

  /** A probe went out less than `downAfterMs` ago and has had no answer yet. */
  private probeOut(now: bigint): boolean {
    const sent = Atomics.load(this.big, PROBE_SENT);
    return sent !== 0n && now - sent < BigInt(Atomics.load(this.i32, DOWN_AFTER_MS)) * 1000n;
  }

  /** How long the current streak of failures has lasted, in ms (0 when none). */
  streakMs(): number {
    const start = Atomics.load(this.big, STREAK_START);
    return start === 0n ? 0 : Number(epochUs() - start) / 1000;
  }

  /** LLM_ENDPOINT_DOWN, saying how long and how the endpoint has failed; the client names the host. */
  downError(): RvbbitError {
    const status = Atomics.load(this.i32, LAST_STATUS);
    const last = status === 0 ? 'no connection' : `HTTP ${status}`;
    const seconds = Math.round(this.streakMs() / 100) / 10;
    return new RvbbitError(
      LLM_ERROR.ENDPOINT_DOWN,
      `every call failed for ${seconds} s (last: ${last}); remaining calls fail fast`,
      { lastStatus: status === 0 ? null : status, downForMs: Math.round(this.streakMs()) },
    );
  }
}

function checkBreakerOptions(o: BreakerOptions): void {
  for (const [key, min] of [
    ['failures', 1],
    ['openAfterMs', 0],
    ['downAfterMs', 1],
    ['probeEveryMs', 1],
  ] as const) {
    const v = o[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= min && v < 2 ** 31)) {
      throw new RvbbitError(LLM_ERROR.CONFIG, `options.breaker.${key} must be an integer ≥ ${min}`, {
        key: `breaker.${key}`,
      });
    }
  }
}
