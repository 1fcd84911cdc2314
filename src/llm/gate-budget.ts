/**
 * Pacing by the provider's announced budget: per (endpoint host, model), a
 * token bucket and a request bucket learned from the rate-limit headers of
 * its answers (rate-headers.ts), kept in shared memory so every worker
 * thread of a process draws on the same one (the SharedGate's buffer holds
 * it, shared-gate.ts).
 *
 * Each call reserves its expected tokens (its prompt as OpenAI counts it,
 * plus its max_tokens or, without one, the mean answer of that model so far)
 * and one request before it is sent. A reservation the bucket cannot cover
 * is scheduled: the bucket goes into debt and the call waits until the
 * refill has paid that debt, so calls leave at the rate the provider refills
 * and in the order they asked, without polling. OpenAI counts a request
 * against the limit when it arrives, from its prompt and max_tokens ("your
 * rate limit is calculated as the maximum of max_tokens and the estimated
 * number of tokens based on the character count of your request", rate
 * limits guide, "Error mitigation"): a call never sent costs nothing, and
 * the bucket is only ever spent by calls that are about to go.
 *
 * What the headers say wins over what this process counted when it is less
 * (other processes, other hosts, or a count of the provider's that differs
 * from ours spent it): the bucket is never more than `remaining` minus the
 * reservations still waiting here. It is never raised above its own count:
 * an answer generated before a call of ours arrived reports more than is
 * left, and trusting it sends calls into 429s. The refill rate is what the
 * reset header implies, (limit − remaining) ÷ reset, once the reset is long
 * enough to read it at millisecond resolution; before that, limit per minute
 * (the "tokens per minute" and "requests per minute" limits the headers
 * report).
 *
 * A key whose answers carry no such headers is never paced. Up to
 * BUDGET_SLOTS keys per gate; more are not paced (a process rarely talks to
 * more than a few models of one endpoint).
 */
import type { AnnouncedBudget, AnnouncedLimit } from './rate-headers.js';

export const BUDGET_SLOTS = 16;

// Int32 words: a header, then two per slot.
const ENABLED = 0;
const KNOWN = 1;
const HEAD_WORDS = 2;
const SLOT_KEY = 0;
const SLOT_LOCK = 1;
const SLOT_INTS = 2;
const INT_WORDS = HEAD_WORDS + BUDGET_SLOTS * SLOT_INTS;

// Float64 words per slot.
const TOKEN_LIMIT = 0;
/** Tokens per ms. */
const TOKEN_RATE = 1;
const TOKEN_AVAIL = 2;
/** Tokens reserved by calls still waiting to be sent: the provider has not counted them yet. */
const TOKEN_PENDING = 3;
const REQUEST_LIMIT = 4;
const REQUEST_RATE = 5;
const REQUEST_AVAIL = 6;
const REQUEST_PENDING = 7;
/** Epoch ms of the last refill. */
const REFILLED_AT = 8;
const OUTPUT_MEAN = 9;
const OUTPUT_SEEN = 10;
/** Reserved here since the last relay report (drain), and the lowest `remaining` announced since. */
const TOKENS_SPENT = 11;
const REQUESTS_SPENT = 12;
const TOKENS_ANNOUNCED = 13;
const REQUESTS_ANNOUNCED = 14;
/** The part of the refill this process may use (1 alone; 1/n of n processes sharing a budget through a relay). */
const SHARE = 15;
const SLOT_FLOATS = 16;

/** Bytes the budgets take in a shared buffer (a multiple of 8). */
export const BUDGET_BYTES = Math.ceil((INT_WORDS * 4) / 8) * 8 + BUDGET_SLOTS * SLOT_FLOATS * 8;

/** A limit's reset shorter than this is too coarse (whole ms) to read a rate from. */
const RATE_FROM_RESET_MIN_MS = 1_000;
/** The headers' limits are per minute (TPM, RPM) when the reset gives no rate. */
const LIMIT_WINDOW_MS = 60_000;
/** Answers seen before a key's mean answer length stops moving by 1/n and becomes a moving average. */
const OUTPUT_WINDOW = 64;

/** What a call draws on a budget, as the gate sees it (gate-ticket.ts makes one per attempt). */
export interface PaceTicket {
  /** The budget it draws on: its endpoint host and model (budgetKey). */
  readonly key: number;
  /** The request's max_tokens, when it sets one. */
  readonly maxTokens: number | undefined;
  /** Its prompt's tokens as the provider counts them; computed on first need, once. */
  promptTokens(): number | Promise<number>;
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

  /** The slot of a key whose budget is known (headers seen), else -1. Cheap when none is. */
  slotOf(key: number): number {
    if (Atomics.load(this.i32, KNOWN) === 0) return -1;
    for (let s = 0; s < BUDGET_SLOTS; s++) {
      const k = Atomics.load(this.i32, HEAD_WORDS + s * SLOT_INTS + SLOT_KEY);
      if (k === key) return s;
      if (k === 0) return -1;
    }
    return -1;
  }

  /** The tokens a call without max_tokens is expected to answer with (the mean so far; 0 before any). */
  expectedOutput(slot: number): number {
    return this.f64[slot * SLOT_FLOATS + OUTPUT_MEAN]!;
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
      f[TOKENS_SPENT] = f[TOKENS_SPENT]! + want;
      f[REQUESTS_SPENT] = f[REQUESTS_SPENT]! + 1;
      const waitMs = Math.max(tokenWait, requestWait);
      if (waitMs > 0) {
        f[TOKEN_PENDING] = f[TOKEN_PENDING]! + want;
        f[REQUEST_PENDING] = f[REQUEST_PENDING]! + 1;
      }
      return { slot, tokens: want, waitMs };
    });
  }

  /** A scheduled reservation's wait is over: the call goes, and the provider will count it. */
  sent(r: Reservation): void {
    if (r.waitMs <= 0) return;
    this.locked(r.slot, (f) => {
      f[TOKEN_PENDING] = Math.max(0, f[TOKEN_PENDING]! - r.tokens);
      f[REQUEST_PENDING] = Math.max(0, f[REQUEST_PENDING]! - 1);
    });
  }

  /**
   * A reservation whose call was never sent (aborted while it waited): its
   * tokens return. `waiting`: its wait was not over (`sent` not called).
   */
  cancel(r: Reservation, now: number, waiting: boolean): void {
    this.locked(r.slot, (f) => {
      this.refill(f, now);
      f[TOKEN_AVAIL] = Math.min(f[TOKEN_LIMIT]!, f[TOKEN_AVAIL]! + r.tokens);
      f[REQUEST_AVAIL] = Math.min(f[REQUEST_LIMIT]!, f[REQUEST_AVAIL]! + 1);
      f[TOKENS_SPENT] = f[TOKENS_SPENT]! - r.tokens;
      f[REQUESTS_SPENT] = f[REQUESTS_SPENT]! - 1;
      if (waiting && r.waitMs > 0) {
        f[TOKEN_PENDING] = Math.max(0, f[TOKEN_PENDING]! - r.tokens);
        f[REQUEST_PENDING] = Math.max(0, f[REQUEST_PENDING]! - 1);
      }
    });
  }

  /** An answer's headers: learns the key's limits (claiming a slot the first time) and lowers its buckets to them. */
  learn(key: number, budget: AnnouncedBudget, now: number): void {
    const slot = this.claim(key);
    if (slot < 0) return;
    this.locked(slot, (f) => {
      this.refill(f, now);
      if (budget.tokens) {
        adopt(f, TOKEN_LIMIT, TOKEN_RATE, TOKEN_AVAIL, TOKEN_PENDING, budget.tokens);
        f[TOKENS_ANNOUNCED] = lowest(f[TOKENS_ANNOUNCED]!, budget.tokens.remaining);
      }
      if (budget.requests) {
        adopt(f, REQUEST_LIMIT, REQUEST_RATE, REQUEST_AVAIL, REQUEST_PENDING, budget.requests);
        f[REQUESTS_ANNOUNCED] = lowest(f[REQUESTS_ANNOUNCED]!, budget.requests.remaining);
      }
      f[REFILLED_AT] = now;
    });
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
    if (slot < 0) return;
    const share = 1 / Math.max(1, sharers);
    this.locked(slot, (f) => {
      this.refill(f, now);
      f[SHARE] = share;
      if (left.tokens !== undefined && f[TOKEN_LIMIT]! > 0)
        f[TOKEN_AVAIL] = Math.min(f[TOKEN_AVAIL]!, left.tokens * share - f[TOKEN_PENDING]!);
      if (left.requests !== undefined && f[REQUEST_LIMIT]! > 0)
        f[REQUEST_AVAIL] = Math.min(f[REQUEST_AVAIL]!, left.requests * share - f[REQUEST_PENDING]!);
    });
  }

  /** An answer's output tokens: the mean a call without max_tokens is expected to use. */
  answered(slot: number, tokensOut: number): void {
    if (!(tokensOut >= 0)) return;
    this.locked(slot, (f) => {
      const seen = Math.min(OUTPUT_WINDOW, f[OUTPUT_SEEN]! + 1);
      f[OUTPUT_SEEN] = seen;
      f[OUTPUT_MEAN] = f[OUTPUT_MEAN]! + (tokensOut - f[OUTPUT_MEAN]!) / seen;
    });
  }

  /** A key's buckets, for tests and logs; undefined when its budget is not known. */
  snapshot(key: number, now: number): BudgetSnapshot | undefined {
    const slot = this.slotOf(key);
    if (slot < 0) return undefined;
    return this.locked(slot, (f) => {
      this.refill(f, now);
      return {
        tokenLimit: f[TOKEN_LIMIT]!,
        tokensPerMinute: f[TOKEN_RATE]! * LIMIT_WINDOW_MS,
        tokensAvailable: f[TOKEN_AVAIL]!,
        requestLimit: f[REQUEST_LIMIT]!,
        requestsAvailable: f[REQUEST_AVAIL]!,
        expectedOutput: f[OUTPUT_MEAN]!,
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
        if (was === 0) {
          Atomics.add(this.i32, KNOWN, 1);
          return s;
        }
        if (was === key) return s;
      }
    }
    return -1;
  }

  private refill(f: Float64Array, now: number): void {
    const at = f[REFILLED_AT]!;
    const dt = (at === 0 ? 0 : Math.max(0, now - at)) * shareOf(f);
    if (f[TOKEN_LIMIT]! > 0)
      f[TOKEN_AVAIL] = Math.min(f[TOKEN_LIMIT]!, f[TOKEN_AVAIL]! + dt * f[TOKEN_RATE]!);
    if (f[REQUEST_LIMIT]! > 0)
      f[REQUEST_AVAIL] = Math.min(f[REQUEST_LIMIT]!, f[REQUEST_AVAIL]! + dt * f[REQUEST_RATE]!);
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
  readonly expectedOutput: number;
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

/** One announced limit into a bucket: its size and refill rate, and never more in it than the provider says is left. */
function adopt(
  f: Float64Array,
  limit: number,
  rate: number,
  avail: number,
  pending: number,
  announced: AnnouncedLimit,
): void {
  const first = !(f[limit]! > 0);
  f[limit] = announced.limit;
  const used = announced.limit - announced.remaining;
  const reset = announced.resetMs;
  if (reset !== undefined && reset >= RATE_FROM_RESET_MIN_MS && used > 0) f[rate] = used / reset;
  else if (!(f[rate]! > 0)) f[rate] = announced.limit / LIMIT_WINDOW_MS;
  const left = announced.remaining - f[pending]!;
  f[avail] = first ? left : Math.min(f[avail]!, left);
}
