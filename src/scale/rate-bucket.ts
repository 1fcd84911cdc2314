/**
 * A request-rate limit that holds across hosts: a token bucket in Redis,
 * refilled by Redis's own clock (one clock for every host), taken by a Lua
 * script (atomic). The coordinator takes one token per cascade run before it
 * queues a job, so `--rate 600/min` bounds what every worker together starts
 * (and two coordinators naming the same key share it). A run is one request
 * for a single-cell cascade (MAP labels, every semantic operator); a cell's
 * retries are not counted.
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
