/**
 * The gate layer: every HTTP attempt holds a slot of a Gate while it runs,
 * and tells the gate how it went (a 429 makes an adaptive gate back off;
 * the rate-limit headers of any answer tell a pacing gate the provider's
 * budget, gate-budget.ts).
 */
import { LLM_ERROR, RetryableFailure } from './errors.js';
import type { PaceTicket } from './gate-budget.js';
import type { Send } from './send.js';

/**
 * How an attempt went: answered (`ok`), rate-limited (`throttled`), the
 * provider unreachable or failing (`down`: no connection, or a 5xx), or
 * anything else (`failed`: a 4xx, its deadline, an abort).
 */
export type GateOutcome = 'ok' | 'throttled' | 'failed' | 'down';

export interface Gate {
  /**
   * Takes a slot (concurrency and rate). Returns undefined when the slot was free
   * at once (no promise, no microtask), else a promise that resolves once it is
   * held, or rejects with the signal's reason on abort.
   */
  acquire(signal?: AbortSignal, ticket?: PaceTicket): Promise<void> | undefined;
  /**
   * Returns a slot; `status` is the HTTP status of a `down` outcome (0 = no
   * connection); `headers` are the answer's, when there was one.
   */
  release(
    outcome: GateOutcome,
    status?: number,
    headers?: Readonly<Record<string, string>>,
    ticket?: PaceTicket,
  ): void;
  /** Holds back new attempts for `ms` (a provider's Retry-After applies to everyone). */
  pause(ms: number): void;
}

export function withGate(send: Send, gate: Gate): Send {
  // Promise chains rather than async/await: this runs once per HTTP attempt, and
  // every avoided microtask shows at tens of thousands of calls per second.
  const run = (attempt: Parameters<Send>[0]) =>
    send(attempt).then(
      (reply) => {
        const s = reply.status;
        const outcome = s === 429 ? 'throttled' : s < 300 ? 'ok' : s >= 500 ? 'down' : 'failed';
        gate.release(outcome, s, reply.headers, attempt.pace);
        return reply;
      },
      (err: unknown) => {
        const noConnection = err instanceof RetryableFailure && err.code === LLM_ERROR.CONNECTION;
        gate.release(noConnection ? 'down' : 'failed', 0);
        throw err;
      },
    );
  return (attempt) => {
    const wait = gate.acquire(attempt.signal, attempt.pace);
    return wait ? wait.then(() => run(attempt)) : run(attempt);
  };
}
