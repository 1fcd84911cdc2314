/**
 * How many rows an in-memory log table keeps (issue 66). The in-memory
 * `rvbbit` database's blocks and its session index are not spilled by DuckDB
 * under memory_limit (a commit past it fails with "failed to pin block"), so
 * a log that kept every call grew with the work: ~75 bytes a call with the
 * index, 73 MB after a million calls (bench/logs-query.bench.ts). So each
 * table keeps its newest `maxRows` rows; older ones are deleted, oldest first
 * (rowid order: appends only ever go after the last row). A database file's
 * log is on disk and keeps every row.
 */
import type { ConnectionQueue } from '../db/connection-queue.js';

/** Rows each log table of an in-memory database keeps unless the engine is told another (EngineOptions.maxLogRows). */
export const DEFAULT_MAX_LOG_ROWS = 200_000;

export class LogRetention {
  /** Rows the table holds now (it starts empty: an in-memory database is new with its engine). */
  private held = 0;
  /**
   * Rows past `maxRows` a statement may log before its end trims them: a
   * trim per append would cost a DELETE per chunk of calls; an eighth of the
   * bound costs one per eighth, and the table holds at most 1.125 × maxRows.
   */
  private readonly slack: number;

  constructor(
    private readonly q: ConnectionQueue,
    /** `rvbbit.<table>`: the name resolves in the engine's and the private log database alike. */
    private readonly table: string,
    readonly maxRows: number,
  ) {
    this.slack = Math.ceil(maxRows / 8);
  }

  /** `rows` more were appended; trims once they pass the bound by the slack. `flush` makes them visible first. */
  async added(rows: number, flush: () => Promise<void>): Promise<void> {
    this.held += rows;
    if (this.held > this.maxRows + this.slack) await this.trim(flush);
  }

  /** At a statement's end: down to the bound exactly, so what a statement leaves is the newest `maxRows` rows. */
  async settle(flush: () => Promise<void>): Promise<void> {
    if (this.held > this.maxRows) await this.trim(flush);
  }

  private async trim(flush: () => Promise<void>): Promise<void> {
    await flush();
    const kept = this.maxRows;
    await this.q.run((con) =>
      con.run(
        // The newest rows by rowid, whatever gaps earlier deletes left: a top-N, not a sort of the table.
        `DELETE FROM ${this.table} WHERE rowid < (SELECT min(r) FROM (SELECT rowid AS r FROM ${this.table} ORDER BY rowid DESC LIMIT ${kept}))`,
      ),
    );
    this.held = kept;
  }
}
