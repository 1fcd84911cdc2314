/**
 * The reorder buffer of a streaming MAP. Input rows are admitted in order as
 * the USING query yields them (their JS values, which the output repeats);
 * outcomes arrive in any order; the consumer takes the longest finished prefix.
 * `room()` holds the reader back while too many rows are admitted but not yet
 * taken, so memory is bounded by that limit, not by N, even when one slow row
 * holds up the prefix or the consumer stops pulling.
 */
import type { OutcomeCells } from './map-output.js';

export interface FinishedRow {
  readonly values: readonly unknown[];
  readonly cells: OutcomeCells;
}

export class OrderedRows {
  private readonly values = new Map<number, readonly unknown[]>();
  private readonly cells = new Map<number, OutcomeCells>();
  private admitted = 0;
  /** Rows below this index have outcomes. */
  private finished = 0;
  /** Rows below this index went to the consumer. */
  private taken = 0;
  private ended = false;
  private halted = false;
  private failure: { readonly error: unknown } | undefined;
  private waiters: (() => void)[] = [];

  /** Stores a page of input rows; returns the index of its first row. */
  admit(rows: readonly (readonly unknown[])[]): number {
    const first = this.admitted;
    for (const row of rows) this.values.set(this.admitted++, row);
    return first;
  }

  accept(index: number, cells: OutcomeCells): void {
    this.cells.set(index, cells);
    while (this.cells.has(this.finished)) this.finished++;
    this.notify();
  }

  /** Resolves false when reading should stop instead (the MAP ended or `signal` fired). */
  async room(limit: number, signal: AbortSignal): Promise<boolean> {
    const wake = () => this.notify();
    signal.addEventListener('abort', wake, { once: true });
    try {
      while (this.admitted - this.taken >= limit && !this.done() && !signal.aborted) await this.change();
      return !this.done() && !signal.aborted;
    } finally {
      signal.removeEventListener('abort', wake);
    }
  }

  /** Up to `max` finished rows in input order; null once every row was taken. */
  async take(max: number): Promise<FinishedRow[] | null> {
    for (;;) {
      if (this.failure) throw this.failure.error;
      if (!this.halted && this.finished > this.taken) return this.splice(max);
      if (this.ended) return null;
      await this.change();
    }
  }

  /** Every admitted row has its outcome: what is left can be taken, then null. */
  end(): void {
    this.ended = true;
    this.notify();
  }

  /** The MAP failed: the next take throws `error`. */
  fail(error: unknown): void {
    this.failure ??= { error };
    this.notify();
  }

  /** No more rows go out (on_error = 'fail' saw a failure); take waits for fail(). */
  halt(): void {
    this.halted = true;
    this.notify();
  }

  private done(): boolean {
    return this.ended || this.halted || this.failure !== undefined;
  }

  private splice(max: number): FinishedRow[] {
    const end = Math.min(this.finished, this.taken + max);
    const out: FinishedRow[] = [];
    for (let i = this.taken; i < end; i++) {
      out.push({ values: this.values.get(i)!, cells: this.cells.get(i)! });
      this.values.delete(i);
      this.cells.delete(i);
    }
    this.taken = end;
    this.notify();
    return out;
  }

  private change(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
