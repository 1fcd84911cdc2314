/**
 * An in-memory database's call log as a ring of segment tables (issue 66):
 * `rvbbit.unified_logs` is a view over `rvbbit.unified_logs_ring.segment_0 … _{k-1}`, calls
 * are appended to one segment at a time, and when it has taken its share the
 * oldest segment is emptied and takes the next calls.
 *
 * Why not one table with its oldest rows deleted (what the log did before, and
 * what `rvbbit.queries` still does, log-retention.ts): a DuckDB checkpoint
 * vacuums a table's row groups, rewriting any run of them whose live rows fit
 * in fewer groups (RowGroupCollection::ScheduleVacuumTasks: up to 3 groups
 * merged, DuckDB 1.5). The log is checkpointed every COMPRESS_EVERY rows, which
 * seals those rows as a row group of their own, so every few turns three
 * 65,536-row groups, or a group cut by the delete, were rewritten: decompressed
 * and compressed again. Each such checkpoint lifted a million-row MAP's RSS by
 * 22–28 MB for about a second (`CHECKPOINT rvbbit` timed beside RSS every
 * 100 ms: +1–6 MB for the checkpoints before the first delete, +22–28 MB for
 * every one after), and the peaks, each a little higher as glibc kept what the
 * rewrites had taken, made the 1M run's peak 1.25–1.3× its 100k run's.
 *
 * A segment takes at most SEGMENT_ROWS rows (< DuckDB's 122,880-row group), so a
 * filled one is one row group: nothing to merge once compressed. A checkpoint at
 * each turn compresses the segment just filled (its commits, groups of their own
 * until then, merged uncompressed into one) and drops the emptied one's group
 * whole (DuckDB drops a group with no live rows without rewriting anything). The
 * newest `maxRows` exactly are kept by deleting the oldest live rows of the oldest
 * segments; a delete inside a one-group table is a delete mask, never a rewrite,
 * and its memory comes back when the segment is emptied whole.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { AppendTarget } from '../db/buffered-appender.js';
import type { ConnectionQueue } from '../db/connection-queue.js';

/** How the ring is cut for a bound of `maxRows`: rows a segment takes before the next, and how many segments. */
export interface CallLogSegments {
  readonly rows: number;
  readonly count: number;
}

/**
 * Rows a segment takes before the ring turns, at most: the rows held uncompressed, and what one
 * turn's checkpoint compresses at once. Measured on a million-row MAP (engine.stream,
 * bench/paths-breakdown.child.mjs stream 1000000, RSS every 100 ms): a turn every 50,000 rows
 * lifted RSS by 10–20 MB for about half a second at each checkpoint and peaked at 320 MB; every
 * 16,384, at 313–317 MB, its DuckDB at 38 MB against 57, and the run 103 s against 111.
 */
export const SEGMENT_ROWS = 16_384;

/**
 * A quarter of the bound a segment (at most SEGMENT_ROWS, under DuckDB's 122,880-row group, so
 * a filled segment is one row group), and one segment more than the bound needs: once the ring
 * has gone round, the segments other than the oldest hold the newest `maxRows`, so the cut at a
 * turn empties the oldest and the log never holds more than the bound plus a segment's rows and
 * one append's (the default 200,000: 14 segments of 16,384).
 */
export function callLogSegments(maxRows: number): CallLogSegments {
  const rows = Math.min(SEGMENT_ROWS, Math.ceil(maxRows / 4));
  return { rows, count: Math.ceil(maxRows / rows) + 1 };
}

/**
 * The schema of the `rvbbit` database the segments are in: not `main`, which server clients see as
 * schema `rvbbit` (server/pg-catalog-views.ts), so `\dt rvbbit.*` lists the engine's tables and
 * `\dv` the call log, never its segments.
 */
export const CALL_LOG_SCHEMA = 'unified_logs_ring';

/** Segment `i`'s table, schema-qualified, in the `rvbbit` database. */
export function callLogSegment(i: number): string {
  return `${CALL_LOG_SCHEMA}.${segmentTable(i)}`;
}

function segmentTable(i: number): string {
  return `segment_${i}`;
}

export interface RingWriter {
  /** The database the segments are in (`rvbbit`): what a checkpoint compresses. */
  readonly database: string;
  /**
   * Appends what its writer holds and closes the writer's appender, called inside the
   * connection's queue: the next append opens one on the segment taking calls then.
   */
  readonly closeWriter: () => void;
}

export class CallLogRing {
  readonly segments: CallLogSegments;
  /** The segment taking calls. */
  private current = 0;
  /** Rows appended since the last turn (counted by `added`; the turn counts the segment itself). */
  private sinceTurn = 0;
  /** A turn is queued on the connection: appends meanwhile queue no other. */
  private turnQueued = false;
  /** Rows in the log (exact after every cut; appends add to it). */
  private held = 0;
  /** Turns made, and checkpoints run (and refused) at them: tests read them. */
  readonly turns = { made: 0, checkpoints: 0, refused: 0 };

  constructor(
    private readonly q: ConnectionQueue,
    private readonly w: RingWriter,
    readonly maxRows: number,
  ) {
    this.segments = callLogSegments(maxRows);
  }

  /** The table calls are appended to now, schema-qualified, in the `rvbbit` database. */
  get table(): string {
    return callLogSegment(this.current);
  }

  /** The same for an appender: its schema and table. */
  get appendTo(): ReturnType<AppendTarget> {
    return { schema: CALL_LOG_SCHEMA, table: segmentTable(this.current) };
  }

  /**
   * What to read a statement's calls from, given the turns made before its first call was
   * appended: the segments taking calls since then (one, mostly), or the whole view once the ring
   * has gone round. The view over every segment costs a query 2.5 ms at 5 segments and 3.6 ms at
   * 14 where one segment costs 1 ms (DuckDB 1.5, 16,000 rows), and every statement reads its own
   * calls' totals when it ends (LogWriter.spentBy).
   */
  callsSince(turn: number): string {
    const { count } = this.segments;
    const k = this.turns.made - turn;
    if (k < 0 || k >= count - 1) return 'rvbbit.unified_logs';
    const tables = Array.from(
      { length: k + 1 },
      (_, i) => `rvbbit.${callLogSegment((this.current - k + i + count) % count)}`,
    );
    return tables.length === 1
      ? tables[0]!
      : `(${tables.map((t) => `SELECT * FROM ${t}`).join(' UNION ALL ')})`;
  }

  /** `rows` more were appended to the current segment: once it has taken its share, the ring turns. */
  async added(rows: number): Promise<void> {
    this.held += rows;
    this.sinceTurn += rows;
    if (this.sinceTurn < this.segments.rows || this.turnQueued) return;
    this.turnQueued = true;
    await this.q.run((con) => this.turn(con));
  }

  /** At a statement's end: down to the bound exactly, so a statement leaves the newest `maxRows` rows. */
  async settle(): Promise<void> {
    if (this.held <= this.maxRows) return;
    await this.q.run((con) => this.cut(con));
  }

  /**
   * Keeps the newest `maxRows`, then moves the appends to the oldest segment if the cut emptied it,
   * and checkpoints. Counted rather than trusted: rows appended while a turn waits in the queue went
   * to the segment then current, so a segment may hold more or fewer than its share. The oldest
   * segment still holding rows of the newest `maxRows` means the others hold fewer than the bound:
   * the current one takes calls until they do, and no kept row is ever dropped by a turn.
   */
  private async turn(con: DuckDBConnection): Promise<void> {
    this.turnQueued = false;
    const live = await this.cut(con);
    const { count, rows } = this.segments;
    this.sinceTurn = live[count - 1]!;
    if (this.sinceTurn < rows || live[0]! > 0) return;
    this.current = (this.current + 1) % count;
    this.sinceTurn = 0;
    this.turns.made++;
    try {
      // Compresses the segment just filled, and drops the emptied one's group whole.
      await con.run(`CHECKPOINT ${this.w.database}`);
      this.turns.checkpoints++;
    } catch {
      // DuckDB refuses while another connection has uncommitted writes to the log's database
      // (a user's open transaction that wrote to it): the rows stay as they are until the next turn.
      this.turns.refused++;
    }
  }

  /**
   * Deletes the oldest live rows past the newest `maxRows`, oldest segment first, and returns each
   * segment's live rows after it, oldest first (the last is the current segment).
   */
  private async cut(con: DuckDBConnection): Promise<number[]> {
    this.w.closeWriter();
    const { count } = this.segments;
    // Oldest first: the segment after the current one, round to the current.
    const order = Array.from({ length: count }, (_, k) => callLogSegment((this.current + 1 + k) % count));
    const r = await con.runAndReadAll(
      `SELECT ${order.map((t) => `(SELECT count(*) FROM rvbbit.${t})::DOUBLE`).join(', ')}`,
    );
    const live = (r.getRows()[0] as number[]).map(Number);
    let excess = live.reduce((a, b) => a + b, 0) - this.maxRows;
    for (let k = 0; k < count && excess > 0; k++) {
      const n = Math.min(live[k]!, excess);
      if (n === 0) continue;
      // A segment's live rows are its newest (appends at the end, deletes from the front).
      const t = `rvbbit.${order[k]}`;
      await con.run(
        n === live[k]
          ? `DELETE FROM ${t}`
          : `DELETE FROM ${t} WHERE rowid < (SELECT min(rowid) FROM ${t}) + ${n}`,
      );
      live[k]! -= n;
      excess -= n;
    }
    this.held = live.reduce((a, b) => a + b, 0);
    return live;
  }
}
