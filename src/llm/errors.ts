/**
 * Error codes of the LLM client. Every rejection of `LlmClient.chat` is an
 * RvbbitError with one of these codes (or `LLM_HTTP_<status>` for a 4xx).
 */

import { LLM_ERROR, type LlmErrorCode } from '../../base/error-codes.js';
import { RvbbitError } from '../../base/errors.js';

export { LLM_ERROR, type LlmErrorCode };

export function llmError(
  code: LlmErrorCode,
  message: string,
  detail: Record<string, unknown> = {},
): RvbbitError {
  return new RvbbitError(code, message, detail);
}

/** A provider's text for an error message: one line, at most 300 characters (redact it first). */
export function excerpt(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 300 ? `${t.slice(0, 300)}…` : t;
}

/** A failure the retry layer may try again (429, 5xx, reset, deadline, malformed body). */
export class RetryableFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number | null,
    /** Milliseconds the server asked us to wait (Retry-After), if it did. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RetryableFailure';
  }
}

/** Replaces every occurrence of `secret` in a text (see base/secrets.ts for the forms matched). */
export { redact } from '../../base/secrets.js';
