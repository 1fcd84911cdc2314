/**
 * Serialises every operation on one DuckDB connection. A connection runs one
 * statement at a time, and running a second statement silently ends an open
 * streaming result (it then yields 0 rows), so the engine never overlaps them.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

export class ConnectionQueue {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly con: DuckDBConnection) {}

  /**
   * Exclusive use of the connection until `release()` (a streaming result
   * must not be interrupted); operations queued meanwhile wait for it.
   */
  async lease(): Promise<{ readonly con: DuckDBConnection; release(): void }> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ready = this.tail.then(() => undefined);
    this.tail = ready.then(() => held);
    await ready;
    return { con: this.con, release };
  }

  /** Runs `op` after every operation queued before it. */
  run<T>(op: (con: DuckDBConnection) => Promise<T> | T): Promise<T> {
    const next = this.tail.then(() => op(this.con));
    this.tail = next.catch(() => undefined);
    return next;
  }
}
