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

/** The breaker's error (it knows no host) with the endpoint named. */
export function namedDown(e: RvbbitError, host: string): RvbbitError {
  return llmError(LLM_ERROR.ENDPOINT_DOWN, `LLM endpoint ${host} is down: ${e.message}`, {
    ...e.detail,
    host,
  });
}

/** Anything thrown during a call → an RvbbitError with an LLM_ code. */
export function toLlmError(err: unknown, signal: AbortSignal | undefined): RvbbitError {
  if (signal?.aborted) {
    const reason = signal.reason as { name?: string } | undefined;
    if (reason?.name === 'TimeoutError')
      return llmError(LLM_ERROR.TIMEOUT, 'the LLM call timed out (caller deadline)');
    return llmError(LLM_ERROR.ABORTED, 'the LLM call was aborted');
  }
  // IMAGE_NOT_FOUND: an image file gone or changed since IMAGE() checked it (image-files.ts).
  if (err instanceof RvbbitError && (err.code.startsWith('LLM_') || err.code.startsWith('IMAGE_')))
    return err;
  // Never pass a foreign message through unredacted: it could carry anything.
  const code = (err as { code?: unknown })?.code;
  return llmError(LLM_ERROR.HTTP_ERROR, `LLM request failed${typeof code === 'string' ? ` (${code})` : ''}`);
}

/**
 * A failed call's error (the same code, message and detail) with what its
 * caller logs of the call: `attemptsSent`, the requests that went out (0 when
 * the client refused the call itself, over a limit it knows), and any
 * `providerWarning` of its model (header-bounds.ts).
 */
export class FailedCallError extends RvbbitError {
  constructor(
    e: RvbbitError,
    readonly attemptsSent: number,
    readonly providerWarning: string | undefined,
  ) {
    super(e.code, e.message, e.detail, { cause: e.cause });
  }
}
