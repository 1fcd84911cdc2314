/**
 * How many rows an in-memory log table keeps (issue 66). This is now
 * `rvbbit.queries`' mechanism (a row per statement); the call log, a row per call, is
 * a ring of tables (call-log-ring.ts), because this one's checkpoints rewrote its
 * compressed row groups at every few rounds of a million-call run. What follows was
 * measured on the call log when it used this mechanism. The in-memory
 * `rvbbit` database's blocks are not spilled by DuckDB under memory_limit (a
 * commit past it fails with "failed to pin block"), so a log that kept every
 * call grew with the work: ~75 bytes a call with its index, 73 MB after a
 * million calls (bench/logs-query.bench.ts). So each table keeps its newest
 * `maxRows` rows (rowid order: appends only ever go after the last row).
 *
 * The `COMPRESS` database compresses a table's rows only when it checkpoints
 * (~30 bytes a log row against ~240–600 as appended), and a checkpoint is
 * also when the blocks of deleted rows are given back (DuckDB vacuums row
 * groups whose rows were deleted). So every `COMPRESS_EVERY` rows appended (or
 * `maxRows`, if fewer) the rows past the bound are deleted and the log's
 * database is checkpointed: a table holds at most `maxRows` + `COMPRESS_EVERY`
 * rows and never twice its bound (and what its writer has not appended yet),
 * of which at most `COMPRESS_EVERY` uncompressed.
 *
 * Measured (bench/paths-breakdown.child.mjs stream 1000000): keeping the bound
 * by replacing the table with a copy of its newest rows, as this did before,
 * held up to 2 × 200,000 rows uncompressed between copies (~97 MB of DuckDB's
 * memory) and each copy took ~120 MB while it ran (a transaction's new rows
 * are uncompressed), ~6 MB after. DELETE was not an option then because the
 * log had a session index: a DELETE from it cost ~75 µs a row and its blocks
 * and index nodes were never given back. The in-memory log has no index now
 * (schema.ts): a lookup by session scans at most the bound's rows, compressed
 * (131,072 rows: 4–7 ms), and a DELETE of 65,536 rows plus the checkpoint
 * costs ~110–180 ms of CPU and leaves the table at its compressed size.
 *
 * At a statement's end the rows past the bound are deleted (a few, at most
 * `COMPRESS_EVERY`), without a checkpoint: one costs a small statement more
 * than its own work; the next checkpoint gives their blocks back.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ConnectionQueue } from '../db/connection-queue.js';

/** Rows each log table of an in-memory database keeps unless the engine is told another (EngineOptions.maxLogRows). */
export const DEFAULT_MAX_LOG_ROWS = 200_000;

/**
 * Rows appended between two checkpoints of the log's database (and deletes of
 * the rows past the bound), chosen by measure: fewer a turn is more
 * checkpoints, each a transient of its own; more a turn is more rows held
 * uncompressed. A 600,000-row MAP peaked at 355 MB checkpointing
 * every 32,768 rows, 325 MB every 65,536 and 357 MB every 131,072 (its
 * DuckDB at 84, 57 and 52 MB; the call log committing every 8,192 rows).
 */
export const COMPRESS_EVERY = 65_536;

export interface RetainedTable {
  /** `rvbbit.<table>`: the name resolves in the engine's and the private log database alike. */
  readonly table: string;
  /** The database the table is in (`rvbbit`): what a checkpoint compresses. */
  readonly database: string;
  /**
   * Appends what its writer holds and closes the writer's appender, called
   * inside the connection's queue: the newest rows are counted among what is
   * kept only once they are in the table.
   */
  readonly closeWriter: () => void;
}

export class LogRetention {
  /** Rows the table holds now (it starts empty: an in-memory database is new with its engine). */
  private held = 0;
  /** Rows appended since the last checkpoint. */
  private sinceCheckpoint = 0;
  /** Checkpoints run (and refused) so far: tests read them. */
  readonly checkpoints = { run: 0, refused: 0 };

  constructor(
    private readonly q: ConnectionQueue,
    private readonly t: RetainedTable,
    readonly maxRows: number,
  ) {}

  /**
   * `rows` more were appended: every COMPRESS_EVERY of them (every `maxRows` under a smaller
   * bound, so a table never holds twice its bound), the table is cut to the bound and compressed.
   */
  async added(rows: number): Promise<void> {
    this.held += rows;
    this.sinceCheckpoint += rows;
    if (this.sinceCheckpoint < Math.min(COMPRESS_EVERY, this.maxRows)) return;
    await this.q.run(async (con) => {
      await this.cut(con);
      await this.checkpoint(con);
    });
  }

  /** At a statement's end: down to the bound exactly, so a statement leaves the newest `maxRows` rows. */
  async settle(): Promise<void> {
    if (this.held <= this.maxRows) return;
    await this.q.run((con) => this.cut(con));
  }

  /** Deletes the rows older than the newest `maxRows` (by rowid: a top-N, not a sort). */
  private async cut(con: DuckDBConnection): Promise<void> {
    if (this.held <= this.maxRows) return;
    this.t.closeWriter();
    const { table } = this.t;
    await con.run(
      `DELETE FROM ${table} WHERE rowid < (SELECT min(r) FROM (SELECT rowid AS r FROM ${table} ORDER BY rowid DESC LIMIT ${this.maxRows}))`,
    );
    this.held = this.maxRows;
  }

  /**
   * Checkpoints the log's database: compresses the rows appended since the last one and gives
   * back the blocks of deleted rows. DuckDB refuses while another connection has uncommitted
   * writes to that database (a user's open transaction that wrote to the log): the rows stay as
   * they are and the next turn tries again.
   */
  private async checkpoint(con: DuckDBConnection): Promise<void> {
    this.sinceCheckpoint = 0;
    this.t.closeWriter();
    try {
      await con.run(`CHECKPOINT ${this.t.database}`);
      this.checkpoints.run++;
    } catch {
      this.checkpoints.refused++;
    }
  }
}
