/**
 * The provider's model list (`GET /models`): what it says of each model's
 * context window and output cap, for a model no configuration or refusal has
 * told the client about. Read at most once per client, and only for a long
 * prompt (LISTING_THRESHOLD_TOKENS): most prompts fit every window.
 */
import type { Pool } from 'undici';
import type { ModelLimits, ModelLimitsBook } from './model-limits.js';

/**
 * A prompt of at most this many tokens fits every chat model's window in
 * use (4,096: the smallest, old local models'), so the provider's model list
 * is read only for a longer one whose model has no known window.
 */
export const LISTING_THRESHOLD_TOKENS = 4096;

/** Limits a `GET /models` entry reports (vLLM, OpenRouter), if any. */
export function listedLimits(entry: unknown): ModelLimits | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const e = entry as Record<string, unknown>;
  const positive = (v: unknown) =>
    typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined;
  const window = positive(e['max_model_len']) ?? positive(e['context_length']);
  const top = e['top_provider'] as Record<string, unknown> | undefined;
  const cap = positive(top?.['max_completion_tokens']);
  if (window === undefined && cap === undefined) return undefined;
  return { ...(window ? { contextWindow: window } : {}), ...(cap ? { maxOutputTokens: cap } : {}) };
}

/**
 * Reads `path` (the provider's model list) and notes every entry's listed
 * limits in `book`. Never rejects: a provider without a list (or a broken
 * one) just has no listed limits.
 */
export function readListedLimits(
  pool: Pool,
  path: string,
  headers: Record<string, string>,
  book: ModelLimitsBook,
): Promise<void> {
  return pool
    .request({ method: 'GET', path, headers, headersTimeout: 10_000, bodyTimeout: 10_000 })
    .then(async (res) => {
      const text = await res.body.text();
      if (res.statusCode !== 200) return;
      const data = (JSON.parse(text) as { data?: unknown }).data;
      if (!Array.isArray(data)) return;
      for (const entry of data) {
        const id = (entry as { id?: unknown })?.id;
        const listed = listedLimits(entry);
        if (typeof id === 'string' && listed) book.noteListed(id, listed);
      }
    })
    .catch(() => {});
}
