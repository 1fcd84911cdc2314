/**
 * Rate limits that hold across hosts, kept in Redis and taken by Lua scripts
 * (atomic) on Redis's own clock (one clock for every host).
 *
 * RateBucket: a request-rate limit, a token bucket. The coordinator takes
 * one token per cascade run before it queues a job, so `--rate 600/min`
 * bounds what every worker together starts (and two coordinators naming the
 * same key share it). A run is one request for a single-cell cascade (MAP
 * labels, every semantic operator); a cell's retries are not counted.
 *
 * BudgetRelay: the budget the provider announces in its rate-limit headers
 * (llm/gate-budget.ts), shared by every worker that spends it.
 */

import type { Redis } from 'ioredis';
import { RvbbitError } from '../../base/errors.js';

const UNITS_MS: Record<string, number> = { s: 1_000, sec: 1_000, min: 60_000, m: 60_000, h: 3_600_000 };

export interface Rate {
  readonly count: number;
  readonly perMs: number;
  /** As given ('600/min'). */
  readonly text: string;
}

/** '600/min', '10/s', '5000/h' → a Rate; throws ENGINE_OPTION otherwise. */
export function parseRate(text: string): Rate {
  const m = /^\s*(\d+(?:\.\d+)?)\s*\/\s*([a-z]+)\s*$/i.exec(text);
  const perMs = m ? UNITS_MS[m[2]!.toLowerCase()] : undefined;
  const count = m ? Number(m[1]) : 0;
  if (!m || perMs === undefined || !(count > 0)) {
    throw new RvbbitError(
      'ENGINE_OPTION',
      `a rate is a count per s, min or h, like '600/min'; got '${text}'`,
    );
  }
  return { count, perMs, text: text.trim() };
}

// KEYS[1] the bucket; ARGV: tokens per ms, capacity, tokens wanted.
// Returns 0 when taken, else the ms to wait before asking again.
const TAKE = `
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or capacity
local at = tonumber(b[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= want then tokens = tokens - want else wait = math.ceil((want - tokens) / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate) + 60000)
return wait
`;

export class RateBucket {
  private readonly perMs: number;
  /** A second's worth of tokens (at least one): the largest burst. */
  readonly capacity: number;

  constructor(
    readonly rate: Rate,
    private readonly key: string,
  ) {
    this.perMs = rate.count / rate.perMs;
    this.capacity = Math.max(1, Math.floor(this.perMs * 1_000));
  }

  /** Waits until `n` tokens are taken (a few at a time, so a big job cannot starve), or `signal` aborts. */
  async take(client: () => Redis, n: number, signal?: AbortSignal): Promise<void> {
    let left = n;
    while (left > 0) {
      if (signal?.aborted) throw signal.reason;
      const ask = Math.min(left, this.capacity);
      const wait = Number(
        await client().eval(TAKE, 1, `rvbbit:rate:${this.key}`, this.perMs, this.capacity, ask),
      );
      if (wait === 0) left -= ask;
      else await new Promise((r) => setTimeout(r, Math.min(wait, 1_000)));
    }
  }
}

/** One dimension (tokens or requests) of a process's announced budget since its last report (llm/gate-budget.ts). */
export interface RelayedDimension {
  readonly limit: number;
  /** The whole budget's refill per ms. */
  readonly perMs: number;
  /** What this process reserved since its last report. */
  readonly spent: number;
  /** The lowest `remaining` the provider announced since; -1 when none. */
  readonly announced: number;
}

/** A process's budgets, learned from its provider's rate-limit headers (llm/shared-gate.ts SharedGate). */
export interface RelayedBudgets {
  drainBudgets(): readonly {
    readonly key: number;
    readonly tokens: RelayedDimension;
    readonly requests: RelayedDimension;
  }[];
  shareBudget(key: number, left: { tokens?: number; requests?: number }, sharers: number): void;
}

// KEYS[1] the budget dimension, KEYS[2] the processes sharing it (a sorted set by last report);
// ARGV: limit, refill per ms, spent, announced (-1: none), this process's id, how long a silent process still counts (ms).
// Returns {what is left (text: Lua numbers come back as integers), processes sharing}.
const SHARE = `
local limit = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local spent = tonumber(ARGV[3])
local announced = tonumber(ARGV[4])
local ttl = tonumber(ARGV[6])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'left', 'at')
local left = tonumber(b[1])
local at = tonumber(b[2]) or now
if left == nil then left = limit end
left = math.min(limit, left + math.max(0, now - at) * rate) - spent
-- Announced before or after this round's reservations: counting them off it too never sends a call into a 429.
if announced >= 0 and announced - spent < left then left = announced - spent end
redis.call('HSET', KEYS[1], 'left', tostring(left), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(limit / rate) + 60000)
redis.call('ZADD', KEYS[2], now, ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - ttl)
redis.call('PEXPIRE', KEYS[2], ttl * 2)
return {tostring(left), redis.call('ZCARD', KEYS[2])}
`;

/** How often a process reports its budgets to Redis and learns its share, ms. */
export const BUDGET_RELAY_MS = 100;

/**
 * The provider's announced budget shared across hosts: every process that
 * relays (an `rvbbit worker`) reports, each BUDGET_RELAY_MS, what it
 * reserved and the lowest `remaining` its answers announced, into one bucket
 * per budget in Redis (refilled by Redis's clock at the provider's rate);
 * and learns back what is left for everyone and how many processes share
 * it. Each then refills at its share of the rate and holds at most its share
 * of what is left (llm/gate-budget.ts shareOf), so n hosts together spend
 * the provider's rate, not n times it. Redis away: each host paces alone by
 * its own answers' headers until it is back.
 */
export class BudgetRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly budgets: RelayedBudgets,
    private readonly client: () => Redis,
    /** This process (host:pid). */
    private readonly id: string,
    /** Processes relaying under the same name share budgets (one provider account). */
    private readonly name = 'default',
    private readonly everyMs = BUDGET_RELAY_MS,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      this.running ??= this.relay()
        .catch(() => {
          // Redis away: the reservations of this round are not shared; each host paces by its own headers.
        })
        .finally(() => {
          this.running = undefined;
        });
    }, this.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One report of every budget, and the shares learned back. */
  async relay(): Promise<void> {
    for (const report of this.budgets.drainBudgets()) {
      const left: { tokens?: number; requests?: number } = {};
      let sharers = 1;
      for (const dim of ['tokens', 'requests'] as const) {
        const d = report[dim];
        if (!(d.limit > 0 && d.perMs > 0)) continue;
        const base = `rvbbit:budget:${this.name}:${report.key}:${dim}`;
        const [text, n] = (await this.client().eval(
          SHARE,
          2,
          base,
          `${base}:sharers`,
          d.limit,
          d.perMs,
          d.spent,
          d.announced,
          this.id,
          this.everyMs * 3,
        )) as [string, number];
        left[dim] = Number(text);
        sharers = Math.max(sharers, Number(n));
      }
      this.budgets.shareBudget(report.key, left, sharers);
    }
  }
}
