/**
 * How many rows an in-memory log table keeps (issue 66). The in-memory
 * `rvbbit` database's blocks and its session index are not spilled by DuckDB
 * under memory_limit (a commit past it fails with "failed to pin block"), so
 * a log that kept every call grew with the work: ~75 bytes a call with the
 * index, 73 MB after a million calls (bench/logs-query.bench.ts). So each
 * table keeps its newest `maxRows` rows (rowid order: appends only ever go
 * after the last row). A database file's log is on disk and keeps every row.
 *
 * Two ways to drop the oldest, because a DELETE frees little: DuckDB keeps a
 * deleted row's blocks and index nodes (700,000 calls logged, kept at
 * 100,000 by DELETEs: the table's blocks grew 2 → 9 MB, the index stayed at
 * its peak), and a DELETE of 25,000 rows from the indexed log cost ~2 s of
 * the system connection (DELETED_AT_MOST). Replacing the table by a copy of its newest rows
 * (and building its index again) frees all of the old one's memory, at the
 * price of copying `maxRows` rows: done when the rows to drop reach
 * `maxRows`, so a statement that logs a million calls replaces it every
 * `maxRows` calls, and holds at most 2 × maxRows. At a statement's end the
 * few rows past the bound are deleted instead (a copy per statement would
 * cost a small statement more than its own work), unless they are many
 * (DELETED_AT_MOST) or the rows so deleted since the last copy reach `maxRows`.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ConnectionQueue } from '../db/connection-queue.js';

/** Rows each log table of an in-memory database keeps unless the engine is told another (EngineOptions.maxLogRows). */
export const DEFAULT_MAX_LOG_ROWS = 200_000;

/**
 * Rows a statement's end deletes at most; past it the table is copied instead.
 * A DELETE from the indexed log costs ~75 µs a row (25,000 rows: 1.9 s; the
 * ~190,000 rows past the bound after a million calls: 67 s), a copy of
 * 200,000 rows with its index ~2 s, on the 2-core machine.
 */
const DELETED_AT_MOST = 4096;

export interface RetainedTable {
  /** `rvbbit.<table>`: the name resolves in the engine's and the private log database alike. */
  readonly table: string;
  /** An index to build again on the copy: its name and column. */
  readonly index?: { readonly name: string; readonly column: string };
  /**
   * Appends what its writer holds and closes the writer's appender, called
   * inside the connection's queue: an appender stays bound to the table it
   * opened on, so the copy would not see its later rows.
   */
  readonly closeWriter: () => void;
}

export class LogRetention {
  /** Rows the table holds now (it starts empty: an in-memory database is new with its engine). */
  private held = 0;
  /** Rows deleted since the table was last replaced by a copy. */
  private deleted = 0;

  constructor(
    private readonly q: ConnectionQueue,
    private readonly t: RetainedTable,
    readonly maxRows: number,
  ) {}

  /** `rows` more were appended: once the rows past the bound reach it, the table becomes a copy of its newest rows. */
  async added(rows: number): Promise<void> {
    this.held += rows;
    if (this.held - this.maxRows >= this.maxRows) await this.q.run((con) => this.replace(con));
  }

  /** At a statement's end: down to the bound exactly, so a statement leaves the newest `maxRows` rows. */
  async settle(): Promise<void> {
    const excess = this.held - this.maxRows;
    if (excess <= 0) return;
    await this.q.run(async (con) => {
      if (this.deleted + excess >= this.maxRows || excess > DELETED_AT_MOST) return this.replace(con);
      this.t.closeWriter();
      await con.run(`DELETE FROM ${this.t.table} WHERE rowid < (${this.oldestKept()})`);
      this.deleted += excess;
      this.held = this.maxRows;
    });
  }

  /** The rowid of the oldest row kept: the newest `maxRows` by rowid, whatever gaps earlier deletes left (a top-N, not a sort). */
  private oldestKept(): string {
    return `SELECT min(r) FROM (SELECT rowid AS r FROM ${this.t.table} ORDER BY rowid DESC LIMIT ${this.maxRows})`;
  }

  private async replace(con: DuckDBConnection): Promise<void> {
    this.t.closeWriter();
    const { table, index } = this.t;
    // One transaction: a reader sees the old table or the copy, never neither.
    await con.run('BEGIN TRANSACTION');
    try {
      await con.run(
        // No ORDER BY: DuckDB keeps a scan's insertion order in what it writes (preserve_insertion_order,
        // on unless a user turns it off), and sorting the kept rows took 54 MB at 200,000 of them, the
        // largest part of a 400,000-row MAP's DuckDB memory (bench/paths-breakdown.child.mjs).
        `CREATE OR REPLACE TABLE ${table} AS SELECT * FROM ${table} WHERE rowid >= (${this.oldestKept()})`,
      );
      if (index) await con.run(`CREATE INDEX ${index.name} ON ${table} (${index.column})`);
      await con.run('COMMIT');
    } catch (err) {
      await con.run('ROLLBACK');
      throw err;
    }
    this.held = this.maxRows;
    this.deleted = 0;
  }
}
