/**
 * Rows a cursor, a portal or a simple query hands out a few at a time. Plain
 * SQL streams out of DuckDB through the session statement's `stream` (chunks
 * computed as they are fetched, the statement logged in rvbbit.queries as any
 * other), its columns known from DuckDB's prepare before a row is read; a
 * MAP streams too (its rows computed as they are read, so a client that
 * does not read holds the MAP, not its rows), its columns the stream's own,
 * known once it opened. Anything else (RUN, semantic SELECTs, catalog
 * queries) runs to completion first and is paged.
 */

import { RvbbitError } from '../../base/errors.js';
import { type QueryResult, type ResultColumn, STREAM_BATCH_ROWS } from '../db/query-result.js';
import { toDuckValues } from '../engine/params.js';
import type { QueryOptions, Session, SessionStatement } from '../engine/session.js';
import { specialQuery } from './catalog-queries.js';
import { ensureCatalog } from './catalog-setup.js';
import { settingNamed } from './client-access.js';
import { type ParsedSql, parseOnce } from './parsed-sql.js';
import { classifyStatement } from './statement-class.js';

type Row = Record<string, unknown>;

/**
 * How a streamed statement runs for its client: what it tells the client as it runs (progress,
 * NOTICE messages), and whether the client's transaction block is open (the server knows).
 */
export type StreamRunOptions = Pick<QueryOptions, 'onProgress' | 'onNotice' | 'inTransactionBlock'>;

export interface RowSource {
  readonly columns: readonly ResultColumn[];
  /** True once every row was handed out. */
  readonly done: boolean;
  /** Up to `n` more rows (fewer only at the end). */
  fetch(n: number): Promise<Row[]>;
  /** Reads what is left into memory, freeing the session's DuckDB connection for another statement. */
  spill(): Promise<void>;
  close(): Promise<void>;
}

/** A result already in memory. */
export class ArraySource implements RowSource {
  private at = 0;
  readonly columns: readonly ResultColumn[];

  constructor(private readonly result: QueryResult) {
    this.columns = result.columns;
  }
  get done(): boolean {
    return this.at >= this.result.rows.length;
  }
  async fetch(n: number): Promise<Row[]> {
    const rows = this.result.rows.slice(this.at, this.at + n) as Row[];
    this.at += rows.length;
    return rows;
  }
  async spill(): Promise<void> {}
  async close(): Promise<void> {
    this.at = this.result.rows.length;
  }
}

/**
 * A plain SQL statement streamed from DuckDB. While it is open it holds the
 * session's connection (DuckDB ends an open stream when the connection runs
 * anything else), so another statement on the session first spills it.
 */
export class StreamSource implements RowSource {
  private buffer: Row[] = [];
  private ended = false;
  private readonly controller = new AbortController();
  private readonly batches: AsyncGenerator<Row[]>;
  private streamed: readonly ResultColumn[] = [];

  /** `columns`: known before it runs (DuckDB's prepare); else the stream's own, once open() read its first batch. */
  constructor(
    private readonly known: readonly ResultColumn[] | undefined,
    statement: SessionStatement,
    values: readonly unknown[] | undefined,
    how: StreamRunOptions = {},
  ) {
    // DuckDB's own values, which the server sends exactly (types/value-codec.ts).
    this.batches = statement.stream(values, {
      ...how,
      signal: this.controller.signal,
      exactValues: true,
      onColumns: (columns) => {
        this.streamed = columns;
      },
    });
  }

  get columns(): readonly ResultColumn[] {
    return this.known ?? this.streamed;
  }

  /** Starts the statement and reads its first batch: its columns are known after. */
  async open(signal?: AbortSignal): Promise<this> {
    await this.fetch(0, signal, 1);
    return this;
  }

  get done(): boolean {
    return this.ended && this.buffer.length === 0;
  }

  /**
   * Up to `n` rows, reading until `readAtLeast` are buffered (all `n` unless
   * told: 1 takes what the stream has ready); `signal` (the FETCH's cancel)
   * stops the stream.
   */
  async fetch(n: number, signal?: AbortSignal, readAtLeast = n): Promise<Row[]> {
    const onAbort = () => this.controller.abort();
    signal?.addEventListener('abort', onAbort);
    try {
      while (this.buffer.length < readAtLeast && !this.ended) {
        const next = await this.batches.next();
        if (next.done) this.ended = true;
        else this.buffer = this.buffer.length === 0 ? next.value : this.buffer.concat(next.value);
      }
    } catch (err) {
      this.ended = true;
      this.buffer = [];
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    const out = this.buffer.length <= n ? this.buffer : this.buffer.slice(0, n);
    this.buffer = this.buffer.length <= n ? [] : this.buffer.slice(n);
    return out;
  }

  async spill(): Promise<void> {
    while (!this.ended) {
      const next = await this.batches.next();
      if (next.done) this.ended = true;
      else this.buffer = this.buffer.concat(next.value);
    }
  }

  async close(): Promise<void> {
    this.buffer = [];
    if (!this.ended) {
      this.ended = true;
      await this.batches.return(undefined);
    }
  }
}

/** Rows per read when a whole result is sent in pieces (Execute without a row limit). */
export const SEND_BATCH_ROWS = STREAM_BATCH_ROWS;

/**
 * A StreamSource for `sql` if it is one plain SQL query that returns rows;
 * undefined for anything else (the caller runs it and pages the result).
 * `parsed`: its parse, when the caller keeps one (parsed-sql.ts).
 */
export async function openStream(
  session: Session,
  sql: string,
  values: readonly unknown[] | undefined,
  settings: Map<string, string>,
  params: Record<string, string>,
  parsed: ParsedSql = parseOnce(session, sql),
  /** Cancels a MAP's opening (its first rows are computed before its columns are known). */
  signal?: AbortSignal,
  /** Progress and notices, told to the client as a whole run's are; the transaction block's state. */
  how?: StreamRunOptions,
): Promise<StreamSource | undefined> {
  // A PRAGMA answers rows but sets a setting: it runs whole, through runStatement's check of
  // the settings every session shares (client-access.ts), never around it.
  if (!classifyStatement(sql).query || settingNamed(sql) !== undefined) return undefined;
  // Answered by the server itself (SHOW, pg_backend_pid(), pg_cancel_backend(n), a catalog rewrite): it runs
  // whole (runStatement). Asked on a copy of the settings and with a cancel that cancels nothing, so that
  // asking has no effect: the run does it.
  if (specialQuery(sql, new Map(settings), params, 0, () => false) !== undefined) return undefined;
  let statements: readonly SessionStatement[];
  try {
    statements = parsed();
  } catch {
    return undefined; // the run reports the error
  }
  const stmt = statements[0];
  if (statements.length !== 1 || !stmt) return undefined;
  // A plain query may name the emulated catalog's macros (quote_ident, array_upper …): made first.
  await ensureCatalog(session, sql, params);
  if (stmt.kind === 'MapStatement') {
    // A MAP that does not stream (DISTINCT, dedupe_by, as_table) arrives as one result, cut in batches.
    toDuckValues(values);
    return new StreamSource(undefined, stmt, values, how).open(signal);
  }
  if (!stmt.plainSql || stmt.annotated) return undefined;
  // Binding reports a bad parameter before any row is promised.
  toDuckValues(values);
  // Opened at once, as a MAP is: its columns are the stream's own, and an error before its first rows
  // (DuckDB's, with its message) comes before anything is sent. The caller reads its rows next anyway.
  return new StreamSource(undefined, stmt, values, how).open(signal);
}

export function cursorError(code: 'UNKNOWN_PORTAL', name: string): RvbbitError {
  return new RvbbitError(code, `cursor "${name}" does not exist`);
}
