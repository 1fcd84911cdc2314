/**
 * Result-cache keys. A key covers what decides an answer: the cascade file's
 * content (edit it and every key changes), the model override, and the row's
 * inputs in a canonical JSON form (key order does not matter).
 */
import { hash } from 'node:crypto';

/** A scalar as JSON: a bigint as its decimal string, what JSON has no text for as null. */
function scalarJson(value: unknown): string {
  return typeof value === 'bigint' ? JSON.stringify(value.toString()) : (JSON.stringify(value) ?? 'null');
}

/** What JSON.stringify may escape in a string: `"`, `\\`, control characters, and lone surrogates (any surrogate is left to it). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
/** Under this many characters JSON.stringify's copy costs less than the scan. */
const QUOTE_WITHOUT_COPY_FROM = 64;

/**
 * A string as JSON. A long one with nothing to escape is quoted by concatenation, which V8 keeps
 * as a rope until the key's hash reads it: JSON.stringify would copy a 1 KB text once more, per row
 * (issue 66: 4.6 → 1.7 KB allocated a row on the main thread for a row of 1 KB, 25% less CPU).
 */
function stringJson(value: string): string {
  return value.length >= QUOTE_WITHOUT_COPY_FROM && !NEEDS_ESCAPE.test(value)
    ? `"${value}"`
    : JSON.stringify(value);
}

/** Object keys as JSON strings: a statement's rows repeat the same few names. */
const quotedKeys = new Map<string, string>();
const QUOTED_KEYS_KEPT = 1024;

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (quotedKeys.size < QUOTED_KEYS_KEPT) quotedKeys.set(key, quoted);
  }
  return quoted;
}

/**
 * The JSON text of `value` with every object's keys sorted. Built by
 * concatenation, without an array of parts per object (it runs once per
 * row for the cache key and single flight: ~45% less CPU than map/join for a
 * three-key row, the same text; issue 56). An array's hole stays empty text,
 * as `map().join()` left it, so keys made before are unchanged.
 */
export function canonicalJson(value: unknown): string {
  if (typeof value === 'string') return stringJson(value);
  if (value === null || typeof value !== 'object') return scalarJson(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      if (i in value) out += canonicalJson(value[i]);
    }
    return `${out}]`;
  }
  const keys = Object.keys(value);
  // Rows come with their columns in one order; sorting a sorted list still allocates its work array.
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) {
      keys.sort();
      break;
    }
  }
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (i > 0) out += ',';
    out += `${quotedKey(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`;
  }
  return `${out}}`;
}

/**
 * The cache version of a proxy's answers (a cascade asked for its confidence): never served to a
 * plain run of the cascade, nor a plain answer to the proxy. The dispatcher keys them so, and
 * EXPLAIN peeks them so.
 */
export function confidenceVersion(contentHash: string): string {
  return `${contentHash}+confidence`;
}

/** sha256 of `contentHash \0 model \0 canonical inputs`, hex (one-shot `hash`: one call per row, no Hash object). */
export function rowCacheKey(contentHash: string, model: string | undefined, inputs: unknown): string {
  return hash('sha256', `${contentHash}\u0000${model ?? ''}\u0000${canonicalJson(inputs)}`, 'hex');
}
