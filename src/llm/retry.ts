/**
 * The retry layer: runs an attempt until it succeeds, fails for good, or its
 * budget is spent. Retries are bounded by time for what a provider does to
 * everyone, by count for what may be this request's own fault:
 *
 * - a 429 is waited out (Retry-After, else backoff) until the call's deadline;
 * - an outage (no connection, a 5xx) likewise, unless the caller set an
 *   explicit attempt count (`retries`), which then caps it; the breaker
 *   (breaker.ts) ends it sooner when every call fails;
 * - anything else retryable (the attempt's own deadline, a malformed body)
 *   is capped by the attempt count (default 3).
 *
 * Waits are jittered exponential backoff, never less than the server's
 * Retry-After, and end at once when the caller aborts.
 */
import { RvbbitError } from '../../base/errors.js';
import { LLM_ERROR, RetryableFailure } from './errors.js';

export interface BackoffOptions {
  /** First wait (ms), doubled per retry. Default 250. */
  readonly baseMs: number;
  /** Longest backoff wait (ms). Default 20000. */
  readonly maxMs: number;
  /** Longest Retry-After honoured (ms); longer ones are cut to this. Default 60000. */
  readonly maxRetryAfterMs?: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 20_000, maxRetryAfterMs: 60_000 };

export interface RetryEvent {
  /** The attempt that failed (1-based). */
  readonly attempt: number;
  readonly code: string;
  readonly status: number | null;
  /** The wait before the next attempt. */
  readonly delayMs: number;
  readonly retryAfterMs?: number;
}

/** How long a call keeps waiting out rate limits and outages, ms (default 5 min). */
export const DEFAULT_DEADLINE_MS = 300_000;

export interface RetryPolicy {
  /** Cap on attempts for failures retried by count. */
  readonly attempts: number;
  /** The caller chose `attempts`: it caps outage failures too (429s are still waited out). */
  readonly explicitAttempts?: boolean;
  /** Time from the call's start after which no retry starts, ms (default DEFAULT_DEADLINE_MS). */
  readonly deadlineMs?: number;
  /** When the call started (performance.now()); default: when withRetry was called. */
  readonly startedAt?: number;
  /** The endpoint is down (its breaker says): an outage failure is not retried but becomes this error. */
  readonly endpointDown?: () => Error | undefined;
  /** The endpoint's breaker is open: an outage failure retries without a backoff wait (the breaker paces it). */
  readonly breakerOpen?: () => boolean;
  readonly backoff: BackoffOptions;
  readonly signal?: AbortSignal;
  readonly onRetry?: (event: RetryEvent) => void;
}

/** "Equal jitter": half the exponential step fixed, half random. */
function backoffDelay(attempt: number, b: BackoffOptions, random: () => number = Math.random): number {
  const step = Math.min(b.maxMs, b.baseMs * 2 ** Math.max(0, attempt - 1));
  return step / 2 + random() * (step / 2);
}

/** Retry-After as ms: delta-seconds or an HTTP-date. Undefined when absent or unreadable. */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now: number = Date.now(),
): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Math.max(0, Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A 429: the provider's rate limit, waited out by time. */
function isRateLimit(err: RetryableFailure): boolean {
  return err.status === 429;
}

/** No connection or a 5xx: the provider is failing, not this request. */
function isOutage(err: RetryableFailure): boolean {
  return err.code === LLM_ERROR.CONNECTION || (err.status !== null && err.status >= 500);
}

/**
 * Runs `attempt(n)` until it returns. A RetryableFailure is retried after a
 * wait; anything else is thrown as is. Spent budget → LLM_RETRIES_EXHAUSTED.
 */
export async function withRetry<T>(attempt: (n: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
  const startedAt = policy.startedAt ?? performance.now();
  const deadlineMs = policy.deadlineMs ?? DEFAULT_DEADLINE_MS;
  // Attempts that count against `attempts` (429s never do; outages only when the count is explicit).
  let counted = 0;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (!(err instanceof RetryableFailure)) throw err;
      const outage = isOutage(err);
      if (outage) {
        const down = policy.endpointDown?.();
        if (down) throw down;
      }
      const byTime = isRateLimit(err) || (outage && !policy.explicitAttempts);
      if (!byTime) counted++;
      const exhausted = (why: string) =>
        new RvbbitError(LLM_ERROR.RETRIES_EXHAUSTED, `LLM call failed after ${why}: ${err.message}`, {
          status: err.status,
          attempts: n,
          lastCode: err.code,
        });
      if (counted >= policy.attempts) throw exhausted(`${n} attempt${n === 1 ? '' : 's'}`);
      const cap = policy.backoff.maxRetryAfterMs ?? DEFAULT_BACKOFF.maxRetryAfterMs!;
      const floor = err.retryAfterMs === undefined ? 0 : Math.min(cap, err.retryAfterMs);
      // While the breaker is open the next attempt waits for its probe slot, not for a backoff
      // step: a row asleep for seconds would notice neither the endpoint's return nor its end.
      const paced = outage && policy.breakerOpen?.() === true;
      const delayMs = paced ? 0 : Math.max(floor, backoffDelay(n, policy.backoff));
      const elapsed = performance.now() - startedAt;
      if (elapsed + delayMs > deadlineMs) {
        throw exhausted(`${n} attempts over ${Math.round(elapsed / 100) / 10} s (deadline ${deadlineMs} ms)`);
      }
      policy.onRetry?.({
        attempt: n,
        code: err.code,
        status: err.status,
        delayMs,
        ...(err.retryAfterMs === undefined ? {} : { retryAfterMs: err.retryAfterMs }),
      });
      await sleep(delayMs, policy.signal);
    }
  }
}
