/**
 * What a provider's headers may make the client wait, bounded: a rate-limit
 * reset (`x-ratelimit-reset-*`, rate-headers.ts) or a `Retry-After` longer
 * than the call deadline is read as the deadline. One answer announcing "0
 * tokens left, full again in 999999 s" would otherwise make the pacing gate
 * (gate-budget.ts) refill at 1/999999000 of its limit per ms, and no call to
 * that model would leave for days, whoever sent it; with the bound the
 * bucket is full again within the deadline, and the first answer after that
 * says what is really left (a healthy one lifts the stall at once).
 *
 * A layer over Send, below the gate (which reads the headers) and the retry
 * layer (which reads Retry-After): both see the bounded values only.
 */

import { parseResetDuration, RATE_LIMIT_HEADERS } from './rate-headers.js';
import { parseRetryAfter } from './retry.js';
import type { Send } from './send.js';

/** The headers that say how long to wait, and how each is read as ms. */
const WAIT_HEADERS: readonly (readonly [string, (value: string) => number | undefined])[] = [
  ['retry-after', (v) => parseRetryAfter(v)],
  ...RATE_LIMIT_HEADERS.filter((h) => h.startsWith('x-ratelimit-reset-')).map(
    (h) => [h, parseResetDuration] as const,
  ),
];

/** A header whose wait was cut to the bound. */
export interface BoundedHeader {
  readonly model: string;
  readonly header: string;
  /** The value as the provider sent it (a duration or a date: never a secret). */
  readonly value: string;
  readonly boundMs: number;
}

/**
 * `send` with every wait header of its answers held to `longestWaitMs`
 * (sent on as bare seconds, which both readers take); `onBounded` hears of
 * each header cut, with the attempt's model.
 */
export function withBoundedWaits(
  send: Send,
  longestWaitMs: number,
  onBounded: (bounded: BoundedHeader) => void,
): Send {
  return (attempt) =>
    send(attempt).then((reply) => {
      let headers: Record<string, string> | undefined;
      for (const [name, read] of WAIT_HEADERS) {
        const value = reply.headers[name];
        if (value === undefined) continue;
        const ms = read(value);
        if (ms === undefined || ms <= longestWaitMs) continue;
        headers ??= { ...reply.headers };
        headers[name] = String(longestWaitMs / 1000);
        onBounded({
          model: attempt.model ?? '',
          header: name,
          value: value.slice(0, 64),
          boundMs: longestWaitMs,
        });
      }
      return headers ? { ...reply, headers } : reply;
    });
}

/** What the log says of a header cut to the bound (once per model and header). */
export function boundedHeaderWarning(b: BoundedHeader, host: string): string {
  return `${host} sent ${b.header}: ${b.value} for ${b.model}, past the call deadline: read as ${b.boundMs / 1000} s (llm.limits.deadline_ms)`;
}
