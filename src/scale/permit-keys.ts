/**
 * PARALLEL across hosts, Redis's side: a statement's PARALLEL is P tokens in
 * a Redis list. A process running the statement's rows (each `rvbbit worker`,
 * and the coordinator for chunks it keeps) moves tokens from the free list to
 * a held list of its own, atomically (Lua, or BLMOVE while none is free), runs
 * one cascade run per token it holds, and moves each token back as the run
 * ends, with the spend the run made. Tokens are only ever moved, never made,
 * so runs in flight everywhere ≤ tokens held ≤ P; a process that dies keeps
 * its held list, which the coordinator moves back once the worker registry
 * says it is gone.
 *
 * Each holder reports its demand (rows running or waiting there) with every
 * script, and every reply gives it its target: P water-filled over the
 * demands. It takes only up to its target and gives back what it holds over
 * it, so at steady state each host reuses its own tokens with no Redis round
 * trip, and tokens move only when demand shifts. Blocked BLMOVEs are served
 * oldest first: a token given back goes to the host that waited longest.
 *
 * The scripts touch the held lists named in the holders hash, keys not passed
 * in KEYS: fine on one Redis server (the queue's), not on a Redis Cluster.
 */
import type { Redis } from 'ioredis';

/** How long a statement's keys live without the coordinator refreshing them. */
export const STATEMENT_TTL_MS = 60_000;

export interface PermitKeys {
  /** The statement is running (its PARALLEL; expires unless refreshed). */
  readonly live: string;
  /** Tokens free to take. */
  readonly free: string;
  /** Spend reported with released tokens: n (nano-dollars), t (tokens). */
  readonly spend: string;
  /** Every process that may hold tokens: a hash of holder → its demand (rows running or waiting there). */
  readonly holders: string;
  /** What comes before a holder's id in its held list's key. */
  readonly heldPrefix: string;
}

export function permitKeys(statement: string): PermitKeys {
  const p = `rvbbit:permits:${statement}`;
  return {
    live: `${p}:live`,
    free: `${p}:free`,
    spend: `${p}:spend`,
    holders: `${p}:holders`,
    heldPrefix: `${p}:held:`,
  };
}

/** Spend as Redis keeps it: whole nano-dollars and tokens. */
export interface Spend {
  readonly nanos: number;
  readonly tokens: number;
}

/** What every holder's script answers: tokens moved, the statement's spend and this holder's target, or `gone` if it ended. */
export type PermitReply =
  | { readonly gone: true }
  | {
      readonly gone: false;
      /** Tokens moved by the script. */
      readonly count: number;
      readonly spend: Spend;
      /** The most tokens this holder should hold now (its water-filled share of P by demand). */
      readonly target: number;
    };

// Every holder script has KEYS: live, free, spend, held, holders; and ends with this reply.
const GONE = `if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end`;
// Notes holder ARGV[1]'s demand (rows) and computes its target: P water-filled over the demands, an even
// split rounded up (no token left unwanted) above it. Equal demands, equal targets (at P 1, 1 each).
const TARGET = `local function target(me, demand)
  demand = tonumber(demand)
  redis.call('HSET', KEYS[5], me, demand)
  local d = redis.call('HVALS', KEYS[5])
  for i = 1, #d do d[i] = tonumber(d[i]) end
  table.sort(d)
  local left = tonumber(redis.call('GET', KEYS[1])) or 0
  for i = 1, #d do
    local even = math.ceil(left / (#d - i + 1))
    if d[i] >= demand or d[i] > even then return math.min(demand, even) end
    left = left - d[i]
  end
  return demand
end`;
const REPORT = `local function report(k)
  if tonumber(k[1]) > 0 then redis.call('HINCRBY', KEYS[3], 'n', k[1]) end
  if tonumber(k[2]) > 0 then redis.call('HINCRBY', KEYS[3], 't', k[2]) end
end`;
const REPLY = `local s = redis.call('HMGET', KEYS[3], 'n', 't')
return {n, tonumber(s[1]) or 0, tonumber(s[2]) or 0, t}`;

/** Lua: moves up to `want` tokens from list `from` to list `to`, in bulk (tokens are alike), adding to `n`. */
const moveUpTo = (from: string, to: string, want: string) => `local want = n + ${want}
while n < want do
  local got = redis.call('LPOP', ${from}, math.min(want - n, 1000))
  if not got then break end
  redis.call('RPUSH', ${to}, unpack(got))
  n = n + #got
end`;

// ARGV: holder, demand. A holder before it takes anything, so a crash from then on is reclaimable.
const JOIN = `${GONE}
${TARGET}
local t, n = target(ARGV[1], ARGV[2]), 0
${REPLY}`;

// ARGV: holder, demand, tokens wanted. Takes what is free, up to that and up to its target.
const TAKE = `${GONE}
${TARGET}
local t, n = target(ARGV[1], ARGV[2]), 0
${moveUpTo('KEYS[2]', 'KEYS[4]', "math.min(tonumber(ARGV[3]), t - redis.call('LLEN', KEYS[4]))")}
${REPLY}`;

// ARGV: holder, demand, tokens, nano-dollars, tokens spent. Spend first: whoever takes a token next
// sees it. Moves only tokens this holder has (a reclaimed holder moves none).
const RELEASE = `${GONE}
${REPORT}
report({ARGV[4], ARGV[5]})
local n = 0
${moveUpTo('KEYS[4]', 'KEYS[2]', 'tonumber(ARGV[3])')}
${TARGET}
local t = target(ARGV[1], ARGV[2])
${REPLY}`;

// ARGV: holder, demand, nano-dollars, tokens spent. Reports spend and demand; reads the statement's.
const SYNC = `${GONE}
${REPORT}
report({ARGV[3], ARGV[4]})
${TARGET}
local t, n = target(ARGV[1], ARGV[2]), 0
${REPLY}`;

// ARGV: holder, nano-dollars, tokens spent. Everything it holds goes back; it is no holder.
const RETURN_ALL = `local n = 0
if redis.call('EXISTS', KEYS[1]) == 1 then
  ${REPORT}
  report({ARGV[2], ARGV[3]})
  ${moveUpTo('KEYS[4]', 'KEYS[2]', 'math.huge')}
end
redis.call('DEL', KEYS[4])
redis.call('HDEL', KEYS[5], ARGV[1])
return n`;

// KEYS: live, free, spend, holders; ARGV: held prefix. Deletes the statement's every key.
const END = `for _, h in ipairs(redis.call('HKEYS', KEYS[4])) do redis.call('DEL', ARGV[1] .. h) end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return 1`;

// KEYS: live, free, spend, holders; ARGV: held prefix, P, ttl ms, nano-dollars, tokens spent so far.
const START = `${END.replace('return 1', '')}
local p, batch = tonumber(ARGV[2]), {}
for i = 1, p do
  batch[#batch + 1] = '1'
  if #batch == 1000 or i == p then redis.call('RPUSH', KEYS[2], unpack(batch)); batch = {} end
end
redis.call('HSET', KEYS[3], 'n', ARGV[4], 't', ARGV[5])
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return p`;

type Script = (...args: (string | number)[]) => Promise<unknown>;
const HOLDER_SCRIPTS = { JOIN, TAKE, RELEASE, SYNC, RETURN_ALL } as const;
const STATEMENT_SCRIPTS = { START, END } as const;
const defined = new WeakSet<Redis>();

/** Script `name` on `client` (ioredis sends EVALSHA, and the text once if Redis lost it). */
function script(client: Redis, name: keyof typeof HOLDER_SCRIPTS | keyof typeof STATEMENT_SCRIPTS): Script {
  if (!defined.has(client)) {
    for (const [n, lua] of Object.entries(HOLDER_SCRIPTS)) {
      client.defineCommand(`rvbbitPermit${n}`, { numberOfKeys: 5, lua });
    }
    for (const [n, lua] of Object.entries(STATEMENT_SCRIPTS)) {
      client.defineCommand(`rvbbitPermit${n}`, { numberOfKeys: 4, lua });
    }
    defined.add(client);
  }
  const fn = (client as unknown as Record<string, Script>)[`rvbbitPermit${name}`]!;
  return fn.bind(client);
}

function reply(answer: unknown): PermitReply {
  const r = answer as number[];
  if (r[0] === -1) return { gone: true };
  return {
    gone: false,
    count: r[0]!,
    spend: { nanos: r[1]!, tokens: r[2]! },
    target: r[3]!,
  };
}

/** One holder's view of a statement's tokens. */
export class PermitHolder {
  readonly keys: PermitKeys;
  readonly held: string;

  constructor(
    readonly statement: string,
    readonly holder: string,
  ) {
    this.keys = permitKeys(statement);
    this.held = this.keys.heldPrefix + holder;
  }

  private async run(
    client: Redis,
    name: keyof typeof HOLDER_SCRIPTS,
    ...args: (string | number)[]
  ): Promise<unknown> {
    const k = this.keys;
    return script(client, name)(k.live, k.free, k.spend, this.held, k.holders, ...args);
  }

  /**
   * Registers as a holder before taking anything (so a crash is always
   * reclaimable). Every call below reports `demand`, the rows running or
   * waiting here, and answers with this holder's target.
   */
  async join(client: Redis, demand = 0): Promise<PermitReply> {
    return reply(await this.run(client, 'JOIN', this.holder, demand));
  }

  /** Takes up to `want` free tokens, and never past this holder's target. */
  async take(client: Redis, want: number, demand = want): Promise<PermitReply> {
    return reply(await this.run(client, 'TAKE', this.holder, demand, want));
  }

  async release(client: Redis, count: number, spent: Spend, demand = 0): Promise<PermitReply> {
    return reply(await this.run(client, 'RELEASE', this.holder, demand, count, spent.nanos, spent.tokens));
  }

  /** Reports this holder's spend and demand; reads the statement's spend and this holder's target. */
  async sync(client: Redis, spent: Spend, demand = 0): Promise<PermitReply> {
    return reply(await this.run(client, 'SYNC', this.holder, demand, spent.nanos, spent.tokens));
  }

  /** Waits up to `seconds` for a token (a connection of its own: it blocks). */
  async block(blocking: Redis, seconds: number): Promise<boolean> {
    return (await blocking.blmove(this.keys.free, this.held, 'LEFT', 'RIGHT', seconds)) !== null;
  }

  /** Gives back every token this holder has, with its last spend, and leaves the holders. */
  async returnAll(client: Redis, spent: Spend = { nanos: 0, tokens: 0 }): Promise<number> {
    return Number(await this.run(client, 'RETURN_ALL', this.holder, spent.nanos, spent.tokens));
  }
}

/** The coordinator's side: a statement's tokens made, kept alive, reclaimed from the dead, deleted. */
export const statementPermits = {
  async start(client: Redis, statement: string, parallel: number, spent: Spend): Promise<void> {
    const k = permitKeys(statement);
    await script(client, 'START')(
      k.live,
      k.free,
      k.spend,
      k.holders,
      k.heldPrefix,
      parallel,
      STATEMENT_TTL_MS,
      spent.nanos,
      spent.tokens,
    );
  },

  /** Extends the statement's life; false if its keys were gone (expired, or Redis lost them). */
  async refresh(client: Redis, statement: string): Promise<boolean> {
    return (await client.pexpire(permitKeys(statement).live, STATEMENT_TTL_MS)) === 1;
  },

  /** Spend made here (not by a worker run) that the workers' budget checks must see. */
  async addSpend(client: Redis, statement: string, spent: Spend): Promise<void> {
    const m = client.multi();
    if (spent.nanos > 0) m.hincrby(permitKeys(statement).spend, 'n', spent.nanos);
    if (spent.tokens > 0) m.hincrby(permitKeys(statement).spend, 't', spent.tokens);
    await m.exec();
  },

  /** Moves back the tokens of holders that are not alive (`alive` says who is). */
  async reclaim(client: Redis, statement: string, alive: (holder: string) => boolean): Promise<number> {
    const holders = await client.hkeys(permitKeys(statement).holders);
    let moved = 0;
    for (const h of holders) {
      if (!alive(h)) moved += await new PermitHolder(statement, h).returnAll(client);
    }
    return moved;
  },

  async end(client: Redis, statement: string): Promise<void> {
    const k = permitKeys(statement);
    await script(client, 'END')(k.live, k.free, k.spend, k.holders, k.heldPrefix);
  },
};
