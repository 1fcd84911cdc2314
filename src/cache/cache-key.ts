/**
 * Result-cache keys. A key covers what decides an answer: the cascade file's
 * content (edit it and every key changes), the model override, and the row's
 * inputs in a canonical JSON form (key order does not matter).
 */
import { hash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'bigint' ? JSON.stringify(value.toString()) : (JSON.stringify(value) ?? 'null');
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

/** sha256 of `contentHash \0 model \0 canonical inputs`, hex (one-shot `hash`: one call per row, no Hash object). */
export function rowCacheKey(contentHash: string, model: string | undefined, inputs: unknown): string {
  return hash('sha256', `${contentHash}\u0000${model ?? ''}\u0000${canonicalJson(inputs)}`, 'hex');
}
