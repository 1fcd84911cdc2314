/**
 * A lease's spend bookkeeping (scale/permit-lease.ts): the threads' budget
 * buffer holds this process's runs' spend plus the other hosts' spend read
 * from Redis; the ledger tells the two apart, so each host sends only its own
 * spend, once, and adds the others' only once.
 */
import { addRaw, createBudgetBuffer, spentRaw } from '../thread/budget.js';
import type { Spend } from './permit-keys.js';

export class SpendLedger {
  /** The threads' budget buffer: this process's runs add to it, the lease adds the others'. */
  readonly budget = createBudgetBuffer();
  /** Spend of this process's runs already sent to Redis, and the others' already added here. */
  private reported: Spend = { nanos: 0, tokens: 0 };
  private others: Spend = { nanos: 0, tokens: 0 };

  /** This process's spend not yet sent, counted as sent (a failed send takes it back: unsent). */
  unreported(): Spend {
    const mine = spentRaw(this.budget);
    const delta = {
      nanos: Math.max(0, mine.nanos - this.others.nanos - this.reported.nanos),
      tokens: Math.max(0, mine.tokens - this.others.tokens - this.reported.tokens),
    };
    // Counted before the reply: spend read from Redis meanwhile must not count it as another's.
    this.reported = { nanos: this.reported.nanos + delta.nanos, tokens: this.reported.tokens + delta.tokens };
    return delta;
  }

  unsent(delta: Spend): void {
    this.reported = { nanos: this.reported.nanos - delta.nanos, tokens: this.reported.tokens - delta.tokens };
  }

  /** What the other hosts spent (the statement's total less this process's), added to the budget buffer. */
  addOthers(total: Spend): void {
    const nanos = Math.max(0, total.nanos - this.reported.nanos - this.others.nanos);
    const tokens = Math.max(0, total.tokens - this.reported.tokens - this.others.tokens);
    if (nanos === 0 && tokens === 0) return;
    addRaw(this.budget, nanos, tokens);
    this.others = { nanos: this.others.nanos + nanos, tokens: this.others.tokens + tokens };
  }
}
