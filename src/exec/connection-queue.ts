/**
 * Serialises every operation on one DuckDB connection. A connection runs one
 * statement at a time, and running a second statement silently ends an open
 * streaming result (it then yields 0 rows), so the engine never overlaps them.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

export class ConnectionQueue {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly con: DuckDBConnection) {}

  /** Runs `op` after every operation queued before it. */
  run<T>(op: (con: DuckDBConnection) => Promise<T> | T): Promise<T> {
    const next = this.tail.then(() => op(this.con));
    this.tail = next.catch(() => undefined);
    return next;
  }
}
