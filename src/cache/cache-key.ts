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
  if (keys.length > 1) keys.sort();
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
