/**
 * The server's budget for client messages it holds: every connection
 * reserves a message's length when its header arrives and gives it back once
 * the message has been handled. A message that does not fit is refused
 * (FATAL 53200, that client closed), so many clients sending large messages
 * at once cost the server a bounded amount of memory instead of all of it.
 */
import { RvbbitError } from '../../base/errors.js';

export class InputBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  /** Bytes reserved now, over every connection. */
  get reserved(): number {
    return this.used;
  }

  /** Reserves `bytes`, or throws SERVER_OUT_OF_MEMORY when they would go past the limit. */
  reserve(bytes: number): void {
    if (this.used + bytes > this.limit) {
      throw new RvbbitError(
        'SERVER_OUT_OF_MEMORY',
        `out of memory: a message of ${bytes} bytes would take the client messages this server holds (${this.used} bytes) past its limit of ${this.limit} bytes`,
      );
    }
    this.used += bytes;
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}

/** One budget per server: its connections share the host object they are given. */
const budgets = new WeakMap<object, InputBudget>();

export function inputBudgetOf(host: object, limit: number): InputBudget {
  let budget = budgets.get(host);
  if (!budget) {
    budget = new InputBudget(limit);
    budgets.set(host, budget);
  }
  return budget;
}
