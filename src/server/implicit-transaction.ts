/**
 * A simple Query of several statements runs as one transaction, as in
 * Postgres: statements outside a transaction block run in an implicit block
 * that commits at the end of the message and rolls back at its first error
 * (`INSERT …; INSERT bad` leaves nothing). A BEGIN in the message turns the
 * implicit block into a regular one (the statements before it included); a
 * COMMIT or ROLLBACK ends whichever block is open, with Postgres' warning
 * when it was the implicit one, and the statements after it get a new
 * implicit block.
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-MULTI-STATEMENT
 */
import type { StatementClass } from './statement-class.js';
import type { StatementExecutor } from './statement-executor.js';

export class ImplicitTransaction {
  /** DuckDB has a transaction open for the implicit block. */
  private open = false;

  constructor(private readonly executor: StatementExecutor) {}

  /**
   * Before a statement: opens an implicit block if none is open. A BEGIN
   * while one is open turns it into the client's block: true then, and the
   * statement is done (its CommandComplete is the caller's to send).
   */
  async before(cls: StatementClass): Promise<boolean> {
    if (cls.tx === 'begin' && this.open) {
      this.setOpen(false);
      this.executor.adoptTransaction();
      return true;
    }
    if (cls.tx === 'none' && !this.open && this.executor.txStatus === 'I') {
      await this.executor.client.session.connection.begin();
      this.setOpen(true);
    }
    return false;
  }

  /** After a statement succeeded: a COMMIT or ROLLBACK of the implicit block closed it. */
  after(cls: StatementClass): void {
    if (!this.open || cls.tx !== 'end') return;
    this.setOpen(false);
    this.executor.warnNoTransaction();
  }

  private setOpen(open: boolean): void {
    this.open = open;
    this.executor.implicitBlock = open;
  }

  /** Hands the open block to a COPY FROM STDIN, which commits it with its rows (true if there was one). */
  handOver(): boolean {
    const was = this.open;
    this.setOpen(false);
    return was;
  }

  /** At the end of the message (commit) or at its first error (roll back). */
  async end(commit: boolean): Promise<void> {
    if (!this.open) return;
    this.setOpen(false);
    await this.executor.client.session.connection.end(commit);
  }
}
