/** The options of the shared concurrency gate (shared-gate.ts), checked once. */
import { RvbbitError } from '../../base/errors.js';
import type { BreakerOptions } from './breaker.js';

export interface SharedGateOptions {
  /** Ceiling of concurrent attempts (≥ 1). */
  readonly maxConcurrency: number;
  /** Attempts started per second across the process; 0 or absent = no rate limit. */
  readonly requestsPerSecond?: number;
  /** Successes per +1 of allowed concurrency (default 10). */
  readonly increaseEvery?: number;
  /** Minimum time between two halvings, ms (default 500). */
  readonly decreaseHoldMs?: number;
  /** The endpoint's circuit breaker (breaker.ts). */
  readonly breaker?: BreakerOptions;
  /**
   * Pace calls by the budget the provider announces in its rate-limit
   * headers (gate-budget.ts); default true. Without such headers nothing is paced.
   */
  readonly paceByHeaders?: boolean;
}

export function checkOptions(o: SharedGateOptions): void {
  const fail = (key: string, want: string): never => {
    throw new RvbbitError('LLM_CONFIG', `options.${key} must be ${want}`, { key });
  };
  if (!Number.isInteger(o.maxConcurrency) || o.maxConcurrency < 1)
    fail('maxConcurrency', 'a positive integer');
  if (
    o.requestsPerSecond !== undefined &&
    !(o.requestsPerSecond >= 0 && Number.isFinite(o.requestsPerSecond))
  ) {
    fail('requestsPerSecond', 'a non-negative number');
  }
  if (o.increaseEvery !== undefined && !(Number.isInteger(o.increaseEvery) && o.increaseEvery >= 1)) {
    fail('increaseEvery', 'a positive integer');
  }
  if (o.decreaseHoldMs !== undefined && !(Number.isInteger(o.decreaseHoldMs) && o.decreaseHoldMs >= 0)) {
    fail('decreaseHoldMs', 'a non-negative integer');
  }
}
