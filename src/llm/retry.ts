/**
 * The retry layer: runs an attempt until it succeeds, fails for good, or the
 * attempt budget is spent. Waits are jittered exponential backoff, never less
 * than the server's Retry-After, and end at once when the caller aborts.
 */
import { RvbbitError } from '../errors.js';
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

export interface RetryPolicy {
  readonly attempts: number;
  readonly backoff: BackoffOptions;
  readonly signal?: AbortSignal;
  readonly onRetry?: (event: RetryEvent) => void;
}

/** "Equal jitter": half the exponential step fixed, half random. */
export function backoffDelay(attempt: number, b: BackoffOptions, random: () => number = Math.random): number {
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

/**
 * Runs `attempt(n)` until it returns. A RetryableFailure is retried after a
 * wait; anything else is thrown as is. Spent budget → LLM_RETRIES_EXHAUSTED.
 */
export async function withRetry<T>(attempt: (n: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (!(err instanceof RetryableFailure)) throw err;
      if (n >= policy.attempts) {
        throw new RvbbitError(
          LLM_ERROR.RETRIES_EXHAUSTED,
          `LLM call failed after ${n} attempt${n === 1 ? '' : 's'}: ${err.message}`,
          { status: err.status, attempts: n, lastCode: err.code },
        );
      }
      const cap = policy.backoff.maxRetryAfterMs ?? DEFAULT_BACKOFF.maxRetryAfterMs!;
      const floor = err.retryAfterMs === undefined ? 0 : Math.min(cap, err.retryAfterMs);
      const delayMs = Math.max(floor, backoffDelay(n, policy.backoff));
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
