/**
 * WITH ( key = literal, … ): the keys, their value types, and their checks.
 * Values are typed here, at the edge, so the planner never re-validates.
 * @see ../docs/dialect.md §1 "WITH options"
 */
import type { Span } from './span.js';

/** Canonical order: `format()` writes options in this order. */
export const WITH_KEYS = [
  'as_table',
  'persist',
  'replace',
  'result_column',
  'infer_schema',
  'dedupe_by',
  'limit',
  'cache',
  'model',
  'on_error',
  'timeout',
  'budget_dollars',
  'budget_tokens',
  'retries',
  'max_tokens',
  'delivery',
] as const;
export type WithKey = (typeof WITH_KEYS)[number];

/** Keys that only make sense for MAP. */
export const MAP_ONLY_KEYS: ReadonlySet<WithKey> = new Set([
  'result_column',
  'infer_schema',
  'dedupe_by',
  'on_error',
]);
/** Keys that only make sense for RUN (its input table's lifetime). */
export const RUN_ONLY_KEYS: ReadonlySet<WithKey> = new Set(['persist', 'replace']);
export const RUN_KEYS: readonly WithKey[] = WITH_KEYS.filter((k) => !MAP_ONLY_KEYS.has(k));
export const MAP_KEYS: readonly WithKey[] = WITH_KEYS.filter((k) => !RUN_ONLY_KEYS.has(k));

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

export interface WithOptionValues {
  readonly as_table: string;
  /** RUN: the as_table input table outlives the session (otherwise it is TEMP). */
  readonly persist: boolean;
  /** RUN: an existing as_table is replaced (otherwise RUN_TABLE_EXISTS). */
  readonly replace: boolean;
  readonly result_column: string;
  /** MAP without AS: typed result columns from the cascade's output_schema (larsql's option). */
  readonly infer_schema: boolean;
  readonly dedupe_by: string;
  readonly limit: number;
  readonly cache: CacheSetting;
  readonly model: string;
  readonly on_error: OnError;
  readonly timeout: Duration;
  readonly budget_dollars: number;
  /** Tokens (in + out) the statement may spend; works for models without a price. */
  readonly budget_tokens: number;
  readonly retries: number;
  /** Tokens one answer may have (`max_tokens` of each call; the client lowers it to the model's cap and window). */
  readonly max_tokens: number;
  /** 'batch': the calls go through the provider's Batch API; 'sync' (the default): one call each. */
  readonly delivery: Delivery;
}

/** One option, its value typed by its key. */
export type WithOption = {
  readonly [K in WithKey]: {
    readonly kind: 'WithOption';
    readonly key: K;
    readonly value: WithOptionValues[K];
    readonly span: Span;
  };
}[WithKey];

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

const describe = (v: LiteralValue): string =>
  v === null ? 'NULL' : typeof v === 'string' ? `'${v}'` : String(v).toUpperCase();

function bad(key: WithKey, v: LiteralValue, want: string): { error: string } {
  return { error: `${key} must be ${want}, got ${describe(v)}` };
}

/**
 * Checks one value against its key; returns the typed value or an error text
 * naming the key and what it takes.
 */
export function checkOptionValue(key: WithKey, v: LiteralValue): { value: unknown } | { error: string } {
  switch (key) {
    case 'as_table':
    case 'result_column':
    case 'dedupe_by':
    case 'model':
      return typeof v === 'string' && v.trim() !== '' ? { value: v } : bad(key, v, 'a non-empty string');
    case 'persist':
    case 'replace':
    case 'infer_schema':
      return typeof v === 'boolean' ? { value: v } : bad(key, v, 'TRUE or FALSE');
    case 'limit':
      return typeof v === 'number' && Number.isInteger(v) && v >= 0
        ? { value: v }
        : bad(key, v, 'an integer ≥ 0');
    case 'retries':
      return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_RETRIES
        ? { value: v }
        : bad(key, v, `an integer from 0 to ${MAX_RETRIES}`);
    case 'budget_dollars':
      return typeof v === 'number' && v > 0 && Number.isFinite(v)
        ? { value: v }
        : bad(key, v, 'a number > 0');
    case 'budget_tokens':
      return typeof v === 'number' && Number.isSafeInteger(v) && v > 0
        ? { value: v }
        : bad(key, v, 'an integer > 0');
    case 'max_tokens':
      return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_ANSWER_TOKENS
        ? { value: v }
        : bad(key, v, `an integer from 1 to ${MAX_ANSWER_TOKENS}`);
    case 'on_error':
      return typeof v === 'string' && (ON_ERROR_VALUES as readonly string[]).includes(v)
        ? { value: v }
        : bad(key, v, `one of ${ON_ERROR_VALUES.map((x) => `'${x}'`).join(', ')}`);
    case 'delivery': {
      const d = typeof v === 'string' ? v.toLowerCase() : undefined;
      return d !== undefined && (DELIVERY_VALUES as readonly string[]).includes(d)
        ? { value: d }
        : bad(key, v, `one of ${DELIVERY_VALUES.map((x) => `'${x}'`).join(', ')}`);
    }
    case 'timeout': {
      const d = typeof v === 'string' ? parseDuration(v) : null;
      return d ? { value: d } : bad(key, v, "a duration such as '30s', '5m', '2h' or '1d'");
    }
    case 'cache': {
      if (typeof v === 'boolean') return { value: { enabled: v, ttl: null } };
      const d = typeof v === 'string' ? parseDuration(v) : null;
      return d
        ? { value: { enabled: true, ttl: d } }
        : bad(key, v, "TRUE, FALSE or a duration such as '60s' or '1d'");
    }
  }
}

/** The options of a WITH clause as one typed record (absent keys are missing). */
export function withValues(options: readonly WithOption[] | undefined): Partial<WithOptionValues> {
  const out: Record<string, unknown> = {};
  for (const o of options ?? []) out[o.key] = o.value;
  return out as Partial<WithOptionValues>;
}
