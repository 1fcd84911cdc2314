/**
 * Pacing by the provider's announced budget: per (endpoint host, model), a
 * token bucket and a request bucket learned from the rate-limit headers of
 * its answers (rate-headers.ts), kept in shared memory so every worker
 * thread of a process draws on the same one (the SharedGate's buffer holds
 * it, shared-gate.ts).
 *
 * Each call reserves what the provider will count it for (gate-ticket.ts:
 * OpenAI counts a request when it arrives as "the maximum of max_tokens and
 * the estimated number of tokens based on the character count of your
 * request", rate limits guide, "Error mitigation") and one request, before
 * it is sent. A reservation the bucket cannot cover is scheduled: the
 * bucket goes into debt and the call waits until the refill has paid that
 * debt, so calls leave at the rate the provider refills and in the order
 * they asked, without polling. A call never sent (aborted while it waited)
 * gives its reservation back.
 *
 * What is left is what the latest answer announces, less what this process
 * sent after the call it answers (an answer tells what was left when its
 * request arrived, before the calls sent since) and what it has reserved and
 * not sent yet: so other processes' and other hosts' spending, and a count
 * of the provider's that differs from ours, are taken in with each answer,
 * and answers arriving out of order agree. The refill rate is what the reset
 * header implies, (limit − remaining) ÷ reset, once the reset is long
 * enough to read it at millisecond resolution; before that, limit per
 * minute (the "tokens per minute" and "requests per minute" limits the
 * headers report).
 *
 * A key whose answers carry no such headers is never paced. Up to
 * BUDGET_SLOTS keys per gate; more are not paced (a process rarely talks to
 * more than a few models of one endpoint).
 */
import type { AnnouncedBudget, AnnouncedLimit } from './rate-headers.js';

export const BUDGET_SLOTS = 16;

// Int32 words: a header, then three per slot.
const ENABLED = 0;
const HEAD_WORDS = 2;
const SLOT_KEY = 0;
const SLOT_LOCK = 1;
const SLOT_STATE = 2;
const SLOT_INTS = 3;

/**
 * A key's state: its calls are counted until its first answer says whether
 * the provider announces a budget (COUNTING: the answer to a call sent
 * before then must know what was sent after it); then PACED, or SILENT (an
 * answer without the headers: nothing more is done for it).
 */
export const BUDGET_COUNTING = 0;
export const BUDGET_PACED = 1;
export const BUDGET_SILENT = 2;
const INT_WORDS = HEAD_WORDS + BUDGET_SLOTS * SLOT_INTS;

// Float64 words per slot.
const TOKEN_LIMIT = 0;
/** Tokens per ms. */
const TOKEN_RATE = 1;
const TOKEN_AVAIL = 2;
/** Tokens of the calls sent here, ever: what a sent call's mark is taken on. */
const TOKENS_SENT = 3;
/** Tokens reserved by calls not sent yet (waiting for the refill or a slot): no answer counts them. */
const TOKENS_PENDING = 4;
const REQUEST_LIMIT = 5;
const REQUEST_RATE = 6;
const REQUEST_AVAIL = 7;
const REQUESTS_SENT = 8;
const REQUESTS_PENDING = 9;
/** Epoch ms of the last refill. */
const REFILLED_AT = 10;
/** Reserved here since the last relay report (drain), and the lowest `remaining` announced since. */
const TOKENS_SPENT = 11;
const REQUESTS_SPENT = 12;
const TOKENS_ANNOUNCED = 13;
const REQUESTS_ANNOUNCED = 14;
/** The part of the budget this process may use (1 alone; 1/n of n processes sharing it through a relay). */
const SHARE = 15;
/**
 * With a relay: this process's part of what the relay last said is left for
 * everyone, refilled at its part of the rate and spent by its reservations.
 * An answer's count never lifts the bucket above it: the answer knows
 * nothing of what the other hosts sent after its call.
 */
const TOKENS_RELAYED = 16;
const REQUESTS_RELAYED = 17;
const SLOT_FLOATS = 18;

/** Bytes the budgets take in a shared buffer (a multiple of 8). */
export const BUDGET_BYTES = Math.ceil((INT_WORDS * 4) / 8) * 8 + BUDGET_SLOTS * SLOT_FLOATS * 8;

/** A limit's reset shorter than this is too coarse (whole ms) to read a rate from. */
const RATE_FROM_RESET_MIN_MS = 1_000;
/** The headers' limits are per minute (TPM, RPM) when the reset gives no rate. */
const LIMIT_WINDOW_MS = 60_000;

/** What a call draws on a budget, as the gate sees it (gate-ticket.ts makes one per attempt). */
export interface PaceTicket {
  /** The budget it draws on: its endpoint host and model (budgetKey). */
  readonly key: number;
  /** The tokens the provider counts it for when it arrives (gate-ticket.ts); computed on first need only. */
  tokens(): number;
  /** Set by the gate when the attempt is sent on a known budget: read back when its answer's headers arrive. */
  mark?: ReservationMark;
}

/** What this process had sent on a budget when a call was sent, that call included. */
export interface ReservationMark {
  readonly tokens: number;
  readonly requests: number;
}

/** What one call draws on a budget. */
export interface Reservation {
  readonly slot: number;
  readonly tokens: number;
  /** ms to wait before sending; 0 = now. */
  readonly waitMs: number;
}

/** FNV-1a of `host\nmodel`, never 0 (0 marks a free slot). */
export function budgetKey(host: string, model: string): number {
  let h = 0x811c9dc5;
  const text = `${host}\n${model}`;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0 || 1;
}

export class SharedBudgets {
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;

  /** `enabled` only when the region is new (a thread attaching to it reads the creator's choice). */
  constructor(buffer: SharedArrayBuffer, offset: number, enabled?: boolean) {
    this.i32 = new Int32Array(buffer, offset, INT_WORDS);
    this.f64 = new Float64Array(
      buffer,
      offset + Math.ceil((INT_WORDS * 4) / 8) * 8,
      BUDGET_SLOTS * SLOT_FLOATS,
    );
    if (enabled !== undefined) Atomics.store(this.i32, ENABLED, enabled ? 1 : 0);
  }

  get enabled(): boolean {
    return Atomics.load(this.i32, ENABLED) === 1;
  }

  /** The slot of a key seen so far, else -1. */
  slotOf(key: number): number {
    for (let s = 0; s < BUDGET_SLOTS; s++) {
      const k = Atomics.load(this.i32, HEAD_WORDS + s * SLOT_INTS + SLOT_KEY);
      if (k === key) return s;
      if (k === 0) return -1;
    }
    return -1;
  }

  /** The slot of a key, claimed the first time it is seen; -1 when every slot is taken. */
  enter(key: number): number {
    return this.claim(key);
  }

  /** BUDGET_COUNTING, BUDGET_PACED or BUDGET_SILENT. */
  state(slot: number): number {
    return Atomics.load(this.i32, HEAD_WORDS + slot * SLOT_INTS + SLOT_STATE);
  }

  /** An answer without the headers while still counting: the provider announces no budget for this key. */
  silence(key: number): void {
    const slot = this.slotOf(key);
    // A load first: this runs on every answer of a provider without the headers.
    if (slot >= 0 && this.state(slot) === BUDGET_COUNTING)
      Atomics.compareExchange(
        this.i32,
        HEAD_WORDS + slot * SLOT_INTS + SLOT_STATE,
        BUDGET_COUNTING,
        BUDGET_SILENT,
      );
  }

  /** A call sent while its key's budget is not known yet: counted, so the first answers know what came after them. */
  sentUnknown(slot: number, tokens: number): ReservationMark {
    return this.locked(slot, (f) => {
      f[TOKENS_SENT] = f[TOKENS_SENT]! + tokens;
      f[REQUESTS_SENT] = f[REQUESTS_SENT]! + 1;
      return { tokens: f[TOKENS_SENT]!, requests: f[REQUESTS_SENT]! };
    });
  }

  /**
   * Reserves `tokens` and one request on `slot`; the wait is how long the
   * refill takes to cover them (and the reservations before them).
   */
  reserve(slot: number, tokens: number, now: number): Reservation {
    return this.locked(slot, (f) => {
      this.refill(f, now);
      const want = Math.min(tokens, f[TOKEN_LIMIT]! > 0 ? f[TOKEN_LIMIT]! : tokens);
      const share = shareOf(f);
      const tokenWait = draw(f, TOKEN_LIMIT, f[TOKEN_RATE]! * share, TOKEN_AVAIL, want);
      const requestWait = draw(f, REQUEST_LIMIT, f[REQUEST_RATE]! * share, REQUEST_AVAIL, 1);
      f[TOKENS_RELAYED] = f[TOKENS_RELAYED]! - want;
      f[REQUESTS_RELAYED] = f[REQUESTS_RELAYED]! - 1;
      f[TOKENS_SPENT] = f[TOKENS_SPENT]! + want;
      f[REQUESTS_SPENT] = f[REQUESTS_SPENT]! + 1;
      f[TOKENS_PENDING] = f[TOKENS_PENDING]! + want;
      f[REQUESTS_PENDING] = f[REQUESTS_PENDING]! + 1;
      return { slot, tokens: want, waitMs: Math.max(tokenWait, requestWait) };
    });
  }

  /** How long until the refill pays every reservation made so far (0: the bucket covers them all now). */
  debtMs(slot: number, now: number): number {
    return this.locked(slot, (f) => {
      this.refill(f, now);
      const share = shareOf(f);
      const owed = (avail: number, rate: number) => (f[avail]! < 0 ? -f[avail]! / (f[rate]! * share) : 0);
      return Math.max(
        f[TOKEN_LIMIT]! > 0 ? owed(TOKEN_AVAIL, TOKEN_RATE) : 0,
        f[REQUEST_LIMIT]! > 0 ? owed(REQUEST_AVAIL, REQUEST_RATE) : 0,
      );
    });
  }

  /** A reservation's call goes now; its mark is what this process had sent, itself included. */
  sent(r: Reservation): ReservationMark {
    return this.locked(r.slot, (f) => {
      f[TOKENS_PENDING] = Math.max(0, f[TOKENS_PENDING]! - r.tokens);
      f[REQUESTS_PENDING] = Math.max(0, f[REQUESTS_PENDING]! - 1);
      f[TOKENS_SENT] = f[TOKENS_SENT]! + r.tokens;
      f[REQUESTS_SENT] = f[REQUESTS_SENT]! + 1;
      return { tokens: f[TOKENS_SENT]!, requests: f[REQUESTS_SENT]! };
    });
  }

  /** A reservation whose call was never sent (aborted while it waited): its tokens return. */
  cancel(r: Reservation, now: number): void {
    this.locked(r.slot, (f) => {
      this.refill(f, now);
      f[TOKEN_AVAIL] = Math.min(f[TOKEN_LIMIT]!, f[TOKEN_AVAIL]! + r.tokens);
      f[REQUEST_AVAIL] = Math.min(f[REQUEST_LIMIT]!, f[REQUEST_AVAIL]! + 1);
      f[TOKENS_RELAYED] = f[TOKENS_RELAYED]! + r.tokens;
      f[REQUESTS_RELAYED] = f[REQUESTS_RELAYED]! + 1;
      f[TOKENS_SPENT] = f[TOKENS_SPENT]! - r.tokens;
      f[REQUESTS_SPENT] = f[REQUESTS_SPENT]! - 1;
      f[TOKENS_PENDING] = Math.max(0, f[TOKENS_PENDING]! - r.tokens);
      f[REQUESTS_PENDING] = Math.max(0, f[REQUESTS_PENDING]! - 1);
    });
  }

  /**
   * An answer's headers: learns the key's limits (claiming a slot the first
   * time) and what is left of them. `mark`: the call they answer (none:
   * sent before this key was counted, so everything sent since came after
   * it). What they announce was left when that call arrived: the calls this
   * process sent after it, and those it has reserved and not sent, are taken
   * off it.
   */
  learn(key: number, budget: AnnouncedBudget, now: number, mark?: ReservationMark): void {
    const slot = this.claim(key);
    if (slot < 0) return;
    this.locked(slot, (f) => {
      this.refill(f, now);
      if (budget.tokens) {
        const since = f[TOKENS_SENT]! - (mark?.tokens ?? 0) + f[TOKENS_PENDING]!;
        adopt(f, TOKEN_LIMIT, TOKEN_RATE, TOKEN_AVAIL, since, budget.tokens);
        if (f[SHARE]! > 0) f[TOKEN_AVAIL] = Math.min(f[TOKEN_AVAIL]!, f[TOKENS_RELAYED]!);
        f[TOKENS_ANNOUNCED] = lowest(f[TOKENS_ANNOUNCED]!, budget.tokens.remaining);
      }
      if (budget.requests) {
        const since = f[REQUESTS_SENT]! - (mark?.requests ?? 0) + f[REQUESTS_PENDING]!;
        adopt(f, REQUEST_LIMIT, REQUEST_RATE, REQUEST_AVAIL, since, budget.requests);
        if (f[SHARE]! > 0) f[REQUEST_AVAIL] = Math.min(f[REQUEST_AVAIL]!, f[REQUESTS_RELAYED]!);
        f[REQUESTS_ANNOUNCED] = lowest(f[REQUESTS_ANNOUNCED]!, budget.requests.remaining);
      }
      f[REFILLED_AT] = now;
    });
    Atomics.store(this.i32, HEAD_WORDS + slot * SLOT_INTS + SLOT_STATE, BUDGET_PACED);
  }

  /**
   * What a relay across processes (scale/rate-bucket.ts BudgetRelay) needs
   * of every known budget since it last asked: limits and rates, what this
   * process reserved, the lowest `remaining` announced (-1: none). The
   * counters start again from zero.
   */
  drain(): BudgetReport[] {
    const reports: BudgetReport[] = [];
    for (let slot = 0; slot < BUDGET_SLOTS; slot++) {
      const key = Atomics.load(this.i32, HEAD_WORDS + slot * SLOT_INTS + SLOT_KEY);
      if (key === 0) break;
      if (this.state(slot) !== BUDGET_PACED) continue;
      reports.push(
        this.locked(slot, (f) => {
          const report: BudgetReport = {
            key,
            tokens: {
              limit: f[TOKEN_LIMIT]!,
              perMs: f[TOKEN_RATE]!,
              spent: f[TOKENS_SPENT]!,
              announced: f[TOKENS_ANNOUNCED]! > 0 ? f[TOKENS_ANNOUNCED]! - 1 : -1,
            },
            requests: {
              limit: f[REQUEST_LIMIT]!,
              perMs: f[REQUEST_RATE]!,
              spent: f[REQUESTS_SPENT]!,
              announced: f[REQUESTS_ANNOUNCED]! > 0 ? f[REQUESTS_ANNOUNCED]! - 1 : -1,
            },
          };
          f[TOKENS_SPENT] = 0;
          f[REQUESTS_SPENT] = 0;
          f[TOKENS_ANNOUNCED] = 0;
          f[REQUESTS_ANNOUNCED] = 0;
          return report;
        }),
      );
    }
    return reports;
  }

  /**
   * A relay's answer for `key`: what the budget has left for every process
   * sharing it, and how many share it. This process refills at its part of
   * the rate, and holds no more than its part of what is left.
   */
  shareOf(key: number, left: { tokens?: number; requests?: number }, sharers: number, now: number): void {
    const slot = this.slotOf(key);
    if (slot < 0 || this.state(slot) !== BUDGET_PACED) return;
    const share = 1 / Math.max(1, sharers);
    this.locked(slot, (f) => {
      this.refill(f, now);
      f[SHARE] = share;
      // What was reserved here since the report the relay answers is not in what it says is left.
      if (left.tokens !== undefined && f[TOKEN_LIMIT]! > 0) {
        f[TOKENS_RELAYED] = left.tokens * share - f[TOKENS_SPENT]!;
        f[TOKEN_AVAIL] = Math.min(f[TOKEN_AVAIL]!, f[TOKENS_RELAYED]!);
      }
      if (left.requests !== undefined && f[REQUEST_LIMIT]! > 0) {
        f[REQUESTS_RELAYED] = left.requests * share - f[REQUESTS_SPENT]!;
        f[REQUEST_AVAIL] = Math.min(f[REQUEST_AVAIL]!, f[REQUESTS_RELAYED]!);
      }
    });
  }

  /** A key's buckets, for tests and logs; undefined when its budget is not known. */
  snapshot(key: number, now: number): BudgetSnapshot | undefined {
    const slot = this.slotOf(key);
    if (slot < 0 || this.state(slot) !== BUDGET_PACED) return undefined;
    return this.locked(slot, (f) => {
      this.refill(f, now);
      return {
        tokenLimit: f[TOKEN_LIMIT]!,
        tokensPerMinute: f[TOKEN_RATE]! * LIMIT_WINDOW_MS,
        tokensAvailable: f[TOKEN_AVAIL]!,
        requestLimit: f[REQUEST_LIMIT]!,
        requestsAvailable: f[REQUEST_AVAIL]!,
      };
    });
  }

  private claim(key: number): number {
    for (let s = 0; s < BUDGET_SLOTS; s++) {
      const at = HEAD_WORDS + s * SLOT_INTS + SLOT_KEY;
      const k = Atomics.load(this.i32, at);
      if (k === key) return s;
      if (k === 0) {
        const was = Atomics.compareExchange(this.i32, at, 0, key);
        if (was === 0 || was === key) return s;
      }
    }
    return -1;
  }

  private refill(f: Float64Array, now: number): void {
    const at = f[REFILLED_AT]!;
    const dt = (at === 0 ? 0 : Math.max(0, now - at)) * shareOf(f);
    if (f[TOKEN_LIMIT]! > 0) {
      f[TOKEN_AVAIL] = Math.min(f[TOKEN_LIMIT]!, f[TOKEN_AVAIL]! + dt * f[TOKEN_RATE]!);
      f[TOKENS_RELAYED] = Math.min(f[TOKEN_LIMIT]!, f[TOKENS_RELAYED]! + dt * f[TOKEN_RATE]!);
    }
    if (f[REQUEST_LIMIT]! > 0) {
      f[REQUEST_AVAIL] = Math.min(f[REQUEST_LIMIT]!, f[REQUEST_AVAIL]! + dt * f[REQUEST_RATE]!);
      f[REQUESTS_RELAYED] = Math.min(f[REQUEST_LIMIT]!, f[REQUESTS_RELAYED]! + dt * f[REQUEST_RATE]!);
    }
    f[REFILLED_AT] = now;
  }

  /**
   * Runs `fn` on a slot's words under its lock. The sections are a few
   * arithmetic steps with no await, so a spin is shorter than any wait.
   */
  private locked<T>(slot: number, fn: (f: Float64Array) => T): T {
    const lock = HEAD_WORDS + slot * SLOT_INTS + SLOT_LOCK;
    while (Atomics.compareExchange(this.i32, lock, 0, 1) !== 0) {}
    try {
      return fn(this.f64.subarray(slot * SLOT_FLOATS, (slot + 1) * SLOT_FLOATS));
    } finally {
      Atomics.store(this.i32, lock, 0);
    }
  }
}

export interface BudgetSnapshot {
  readonly tokenLimit: number;
  readonly tokensPerMinute: number;
  readonly tokensAvailable: number;
  readonly requestLimit: number;
  readonly requestsAvailable: number;
}

/** One budget dimension as a relay sees it (drain). */
export interface BudgetDimension {
  readonly limit: number;
  /** Refill per ms, the whole budget's (not this process's share). */
  readonly perMs: number;
  /** Reserved by this process since the last report. */
  readonly spent: number;
  /** The lowest `remaining` announced since the last report; -1 when none was. */
  readonly announced: number;
}

export interface BudgetReport {
  readonly key: number;
  readonly tokens: BudgetDimension;
  readonly requests: BudgetDimension;
}

/** This process's part of the refill; 1 unless a relay said the budget is shared (0 in a fresh slot reads as 1). */
function shareOf(f: Float64Array): number {
  const share = f[SHARE]!;
  return share > 0 ? share : 1;
}

/** The lower of a stored announcement (0: none; else remaining + 1) and a new `remaining`, stored as remaining + 1. */
function lowest(stored: number, remaining: number): number {
  return stored > 0 ? Math.min(stored, remaining + 1) : remaining + 1;
}

/** Takes `want` from one bucket (into debt if need be); the ms until a refill at `perMs` covers it. 0 for a bucket not known. */
function draw(f: Float64Array, limit: number, perMs: number, avail: number, want: number): number {
  if (!(f[limit]! > 0)) return 0;
  const left = f[avail]! - want;
  f[avail] = left;
  return left >= 0 ? 0 : -left / perMs;
}

/**
 * One announced limit into a bucket: its size and refill rate, and what is
 * left of it for this process (its share, less what it sent or reserved
 * that the announcement does not count).
 */
function adopt(
  f: Float64Array,
  limit: number,
  rate: number,
  avail: number,
  /** Sent or reserved here and not in the announcement. */
  since: number,
  announced: AnnouncedLimit,
): void {
  f[limit] = announced.limit;
  const used = announced.limit - announced.remaining;
  const reset = announced.resetMs;
  if (reset !== undefined && reset >= RATE_FROM_RESET_MIN_MS && used > 0) f[rate] = used / reset;
  else if (!(f[rate]! > 0)) f[rate] = announced.limit / LIMIT_WINDOW_MS;
  f[avail] = announced.remaining * shareOf(f) - since;
}
