/**
 * The values statement options take: durations, word lists, ranges. Which
 * keys there are and how each value is checked is statement-options.ts's
 * table; values are typed at the edge, so the planner never re-validates.
 * @see ../docs/dialect.md §1 "WITH options"
 */

/** How semantic operators run inside DuckDB (`-- @ strategy:`). */
export const STRATEGIES = ['batch', 'sequential', 'union_all', 'vectorized'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export const ON_ERROR_VALUES = ['null', 'fail', 'keep'] as const;
export type OnError = (typeof ON_ERROR_VALUES)[number];
/**
 * How a statement's calls reach the provider (`WITH (delivery = …)`, `-- @ delivery:`):
 * 'sync', the default, one call each; 'batch', the provider's Batch API.
 */
export const DELIVERY_VALUES = ['batch', 'sync'] as const;
export type Delivery = (typeof DELIVERY_VALUES)[number];
export const MAX_RETRIES = 20;

/** The largest max_tokens taken (above every published output cap; the client lowers it to the model's own). */
export const MAX_ANSWER_TOKENS = 1_000_000;
/** PARALLEL n, `-- @ parallel: n` and every engine default take 1..MAX_PARALLEL. */
export const MAX_PARALLEL = 1000;
/** BATCH n takes 1..MAX_BATCH rows per run. */
export const MAX_BATCH = 256;
/**
 * `-- @ small_side: n` and the engine's smallSideLimit take 0..MAX_SMALL_SIDE:
 * the small-side plan lists that many candidates in one prompt at most, and
 * 1024 values of a few dozen tokens each stay well inside a 128k-token
 * context window (gpt-4o's, in gpt-tokenizer's model specs) with room for the answer.
 */
export const MAX_SMALL_SIDE = 1024;
/** A prefilter keeps this many candidates per left value at most (past it, pruning saves little). */
export const MAX_PREFILTER = 1000;

/** A duration as written (`'30m'`) and in milliseconds. */
export interface Duration {
  readonly text: string;
  readonly ms: number;
}
/** cache = true | false | '<duration>' (true with a time-to-live). */
export interface CacheSetting {
  readonly enabled: boolean;
  readonly ttl: Duration | null;
}

/** A literal as the grammar read it. */
export type LiteralValue = string | number | boolean | null;

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `'60s'`, `'30m'`, `'2h'`, `'1d'`, `'500ms'`, `'1.5h'` → Duration; anything else → null. */
export function parseDuration(text: string): Duration | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/i.exec(text);
  if (!m) return null;
  const ms = Math.round(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
  return ms > 0 ? { text, ms } : null;
}
