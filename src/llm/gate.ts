/**
 * The gate layer: every HTTP attempt holds a slot of a Gate while it runs,
 * and tells the gate how it went (a 429 makes an adaptive gate back off).
 */
import type { Send } from './http.js';

export type GateOutcome = 'ok' | 'throttled' | 'failed';

export interface Gate {
  /**
   * Takes a slot (concurrency and rate). Returns undefined when the slot was free
   * at once (no promise, no microtask), else a promise that resolves once it is
   * held, or rejects with the signal's reason on abort.
   */
  acquire(signal?: AbortSignal): Promise<void> | undefined;
  /** Returns a slot. */
  release(outcome: GateOutcome): void;
  /** Holds back new attempts for `ms` (a provider's Retry-After applies to everyone). */
  pause(ms: number): void;
}

export function withGate(send: Send, gate: Gate): Send {
  // Promise chains rather than async/await: this runs once per HTTP attempt, and
  // every avoided microtask shows at tens of thousands of calls per second.
  const run = (attempt: Parameters<Send>[0]) =>
    send(attempt).then(
      (reply) => {
        gate.release(reply.status === 429 ? 'throttled' : reply.status < 300 ? 'ok' : 'failed');
        return reply;
      },
      (err: unknown) => {
        gate.release('failed');
        throw err;
      },
    );
  return (attempt) => {
    const wait = gate.acquire(attempt.signal);
    return wait ? wait.then(() => run(attempt)) : run(attempt);
  };
}
