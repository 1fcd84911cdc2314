/**
 * Error codes of the LLM client. Every rejection of `LlmClient.chat` is an
 * RvbbitError with one of these codes (or `LLM_HTTP_<status>` for a 4xx).
 */
import { RvbbitError } from '../errors.js';

export const LLM_ERROR = {
  /** The caller's signal aborted the call. */
  ABORTED: 'LLM_ABORTED',
  /** The caller's signal aborted with a TimeoutError (e.g. AbortSignal.timeout). */
  TIMEOUT: 'LLM_TIMEOUT',
  /** Every attempt failed with a retryable failure; detail: status, attempts, lastCode. */
  RETRIES_EXHAUSTED: 'LLM_RETRIES_EXHAUSTED',
  /** A status outside 2xx/4xx/5xx, or a 4xx without a specific code. */
  HTTP_ERROR: 'LLM_HTTP_ERROR',
  /** The body is not JSON, has no choices, or no text content. */
  BAD_RESPONSE: 'LLM_BAD_RESPONSE',
  /** A structured-output answer that is not valid JSON (e.g. truncated). */
  BAD_JSON: 'LLM_BAD_JSON',
  /** The response body is over the client's maxResponseBytes. */
  RESPONSE_TOO_LARGE: 'LLM_RESPONSE_TOO_LARGE',
  /** A connection could not be made or was reset (a retryable failure's lastCode). */
  CONNECTION: 'LLM_CONNECTION',
  /** The request given to chat() is invalid (no model, no messages). */
  BAD_REQUEST: 'LLM_BAD_REQUEST',
  /** Invalid client options or rvbbit.config.yaml. */
  CONFIG: 'LLM_CONFIG',
} as const;

export type LlmErrorCode = (typeof LLM_ERROR)[keyof typeof LLM_ERROR] | `LLM_HTTP_${number}`;

export function llmError(
  code: LlmErrorCode,
  message: string,
  detail: Record<string, unknown> = {},
): RvbbitError {
  return new RvbbitError(code, message, detail);
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

/** Replaces every occurrence of the secret in a text: keys never leave the client. */
export function redact(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4) return text;
  return text.split(secret).join('[redacted]');
}
