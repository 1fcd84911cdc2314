/**
 * The reorder buffer of a streaming MAP. Input rows are admitted in order as
 * the USING query yields them (their JS values, which the output repeats);
 * outcomes arrive in any order; the consumer takes the longest finished prefix.
 * `room()` holds the reader back while too many rows are admitted but not yet
 * taken, so memory is bounded by that limit, not by N, even when one slow row
 * holds up the prefix or the consumer stops pulling.
 */
import { ChangeSignal } from '../../dispatch/change-signal.js';
import type { OutcomeCells } from './map-output.js';

/** A class, not a literal, for the reason given at InputRow (map-batch-input.ts). */
export class FinishedRow {
  constructor(
    readonly values: readonly unknown[],
    readonly cells: OutcomeCells,
  ) {}
}

export class OrderedRows {
  /**
   * Row i's values and outcome are in slot `i & mask` of two ring buffers,
   * cleared as the row is taken. Rings, not Maps: a Map rehashes its table as
   * rows come and go, and a dropped table in V8's old generation still points
   * at rows, which young-generation GCs then keep alive and promote until a
   * full GC. A ring grows only while more rows wait than it holds, and empties
   * the array it drops. Measured with `--no-opt` (the code as it runs before
   * V8 optimises it), 100k-row streams at 1 KB: main heap 100–120 MB in every
   * run before, 63–69 MB in five runs of six with the counters of map-rows.ts.
   */
  private values: (readonly unknown[] | undefined)[] = new Array(1024).fill(undefined);
  private cells: (OutcomeCells | undefined)[] = new Array(1024).fill(undefined);
  private mask = 1023;
  private admitted = 0;
  /** Rows below this index have outcomes. */
  private finished = 0;
  /** Rows below this index went to the consumer. */
  private taken = 0;
  private ended = false;
  private halted = false;
  private failure: { readonly error: unknown } | undefined;
  private readonly changes = new ChangeSignal();

  /** Stores a page of input rows; returns the index of its first row. */
  admit(rows: readonly (readonly unknown[])[]): number {
    const first = this.admitted;
    if (this.admitted + rows.length - this.taken > this.mask + 1)
      this.grow(this.admitted + rows.length - this.taken);
    for (const row of rows) this.values[this.admitted++ & this.mask] = row;
    return first;
  }

  accept(index: number, cells: OutcomeCells): void {
    this.cells[index & this.mask] = cells;
    while (this.finished < this.admitted && this.cells[this.finished & this.mask] !== undefined)
      this.finished++;
    this.changes.notify();
  }

  /** Room for `needed` waiting rows: the next power of two, rows moved, the old arrays emptied. */
  private grow(needed: number): void {
    let size = (this.mask + 1) * 2;
    while (size < needed) size *= 2;
    const values: (readonly unknown[] | undefined)[] = new Array(size).fill(undefined);
    const cells: (OutcomeCells | undefined)[] = new Array(size).fill(undefined);
    for (let i = this.taken; i < this.admitted; i++) {
      values[i & (size - 1)] = this.values[i & this.mask];
      cells[i & (size - 1)] = this.cells[i & this.mask];
    }
    this.values.fill(undefined);
    this.cells.fill(undefined);
    this.values = values;
    this.cells = cells;
    this.mask = size - 1;
  }

  /** Resolves false when reading should stop instead (the MAP ended or `signal` fired). */
  async room(limit: number, signal: AbortSignal): Promise<boolean> {
    const wake = () => this.changes.notify();
    signal.addEventListener('abort', wake, { once: true });
    try {
      while (this.admitted - this.taken >= limit && !this.done() && !signal.aborted)
        await this.changes.wait();
      return !this.done() && !signal.aborted;
    } finally {
      signal.removeEventListener('abort', wake);
    }
  }

  /**
   * Resolves true once rows can be taken with takeReady() (or the end or a
   * failure is reached); false: wait again. It carries no rows on purpose: a
   * promise that waited through two young GCs is in V8's old generation, and
   * one resolved with rows keeps them alive after they went out, until a full GC.
   */
  async ready(): Promise<boolean> {
    if (this.failure || (!this.halted && this.finished > this.taken) || this.ended) return true;
    await this.changes.wait();
    return false;
  }

  /** Up to `max` finished rows in input order; null once every row was taken. */
  takeReady(max: number): FinishedRow[] | null {
    if (this.failure) throw this.failure.error;
    if (!this.halted && this.finished > this.taken) return this.splice(max);
    return null;
  }

  /** Every admitted row has its outcome: what is left can be taken, then null. */
  end(): void {
    this.ended = true;
    this.changes.notify();
  }

  /** The MAP failed: the next takeReady throws `error`. */
  fail(error: unknown): void {
    this.failure ??= { error };
    this.changes.notify();
  }

  /** No more rows go out (on_error = 'fail' saw a failure); ready() waits for fail(). */
  halt(): void {
    this.halted = true;
    this.changes.notify();
  }

  private done(): boolean {
    return this.ended || this.halted || this.failure !== undefined;
  }

  private splice(max: number): FinishedRow[] {
    const end = Math.min(this.finished, this.taken + max);
    const out: FinishedRow[] = [];
    for (let i = this.taken; i < end; i++) {
      const slot = i & this.mask;
      out.push(new FinishedRow(this.values[slot]!, this.cells[slot]!));
      this.values[slot] = undefined;
      this.cells[slot] = undefined;
    }
    this.taken = end;
    this.changes.notify();
    return out;
  }
}
