/**
 * `COPY table [(columns)] FROM STDIN` over the wire (psql's `\copy … FROM`,
 * psycopg's copy_expert, pgJDBC's CopyManager): the server answers
 * CopyInResponse, the client streams CopyData and ends with CopyDone (rows
 * inserted, `COPY n`) or CopyFail (nothing inserted). Rows are inserted in
 * batches as they arrive, inside one transaction, so memory stays bounded by
 * a batch (and a line by maxCopyLineBytes) and a failure leaves the table as
 * it was. CSV is parsed by csv-parse (Postgres CSV: an unquoted empty field
 * is NULL, a quoted one is ''), the text format here (backslash escapes,
 * `\N`). Lines are cut at the newline byte and decoded whole, so a character
 * split across two CopyData messages arrives intact, in time linear in the
 * data; bytes that are not UTF-8 fail the COPY (22021), as in Postgres.
 * @see https://www.postgresql.org/docs/current/sql-copy.html#SQL-COPY-FILE-FORMATS
 */

import { setImmediate as yieldToOthers } from 'node:timers/promises';
import type { DuckDBValue } from '@duckdb/node-api';
import { type CastingContext, CsvError, type Parser, parse } from 'csv-parse';
import { RvbbitError } from '../../base/errors.js';
import { withoutLeadingComments } from '../../grammar/sql-scan.js';
import { duckdbError } from '../db/duckdb-error.js';
import { BinaryCopyReader } from './copy-in-binary.js';
import { copyOptions } from './copy-out.js';
import { decodeTextField, splitTextLine } from './copy-text.js';
import { BodyReader } from './frame-reader.js';
import * as msg from './message-writer.js';
import { Frontend } from './protocol-codes.js';
import type { ReplyBuffer } from './reply-buffer.js';
import { errorFields } from './sqlstate.js';
import type { StatementExecutor } from './statement-executor.js';
import { firstInvalid, incompleteTail, invalidUtf8, isValidUtf8 } from './utf8.js';

interface CopyIn {
  readonly table: string;
  readonly columns: string | undefined;
  readonly csv: boolean;
  /** Postgres' binary COPY format (copy-in-binary.ts). */
  readonly binary: boolean;
  readonly header: boolean;
  readonly delimiter: string;
  readonly nullText: string;
}

const COPY_FROM_STDIN =
  /^\s*COPY\s+(?<table>[A-Za-z_"][\w."]*)\s*(?:\((?<cols>[^)]*)\))?\s+FROM\s+STDIN\b(?<opts>[\s\S]*?);?\s*$/i;
/** Rows per INSERT: large enough to amortise a statement, small enough to bound memory. */
const BATCH_ROWS = 1000;
/** And at most this much data per INSERT, whatever the rows' size. */
const BATCH_BYTES = 4 * 1024 * 1024;
/** CSV is fed to the parser this much at a time, other clients served in between. */
const CSV_SLICE_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

export function parseCopyIn(sql: string): CopyIn | undefined {
  const text = withoutLeadingComments(sql);
  const m = COPY_FROM_STDIN.exec(text);
  if (!m?.groups) return undefined;
  return {
    table: m.groups.table!,
    columns: m.groups.cols,
    ...copyOptions(m.groups.opts ?? '', 'FROM STDIN'),
  };
}

type Row = (string | null)[];

/**
 * What one client message did to the copy: it goes on ('copying'), it is
 * over ('done'), or the message is not the copy's (after the copy failed,
 * the connection handles it as any other).
 */
type CopyState = 'copying' | 'done' | 'not-copy';

/** Receives one COPY FROM STDIN's data and inserts it. */
export class CopyInSink {
  private rows: (Row | readonly DuckDBValue[])[] = [];
  private batchBytes = 0;
  private inserted = 0;
  /** Lines read so far: the number of the line being read is one more. */
  private line = 0;
  /** The start of a line whose newline has not come yet, and its size. */
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private csv: Parser | undefined;
  private parseError: Error | undefined;
  /** CSV: the bytes of a character cut by the end of the last CopyData, and the newlines before it. */
  private utf8Carry: Buffer = Buffer.alloc(0);
  private csvNewlines = 0;
  private ended = false;
  /** The copy failed and said so: later CopyData, CopyDone and CopyFail are dropped, as Postgres does. */
  private reported = false;

  private constructor(
    private readonly copy: CopyIn,
    private readonly executor: StatementExecutor,
    readonly columnCount: number,
    private readonly ownTransaction: boolean,
    private readonly binary?: BinaryCopyReader,
  ) {
    if (copy.csv) {
      this.csv = parse({
        delimiter: copy.delimiter,
        from_line: copy.header ? 2 : 1,
        relax_column_count: true,
        max_record_size: this.maxLine,
        cast: (value: string, ctx: CastingContext) =>
          !ctx.quoting && value === copy.nullText ? null : value,
        // Rows are taken here, as the parser reads them, not queued in the stream.
        on_record: (r: Row) => {
          this.rows.push(r);
          for (const v of r) this.batchBytes += v?.length ?? 0;
          return undefined;
        },
      });
      this.csv.on('error', (e: Error) => {
        this.parseError = e;
      });
      // Flowing with nothing to read, so the stream ends (and 'end' fires) once the input has.
      this.csv.resume();
    }
  }

  /**
   * Checks the table, opens a transaction if none is, and is ready for data.
   * `transactionOpen`: the implicit block of the Query's earlier statements
   * is open, and this COPY commits or rolls it back with its own rows.
   */
  static async start(
    copy: CopyIn,
    executor: StatementExecutor,
    transactionOpen = false,
  ): Promise<CopyInSink> {
    const { session } = executor.client;
    const cols = copy.columns?.trim() ? copy.columns : '*';
    const { columns } = await session.connection
      .preparedShape(`SELECT ${cols} FROM ${copy.table} LIMIT 0`)
      .catch((err: unknown) => {
        throw duckdbError(err);
      });
    // Before the client sends a byte: a column binary data cannot fill is refused now.
    const { maxCopyLineBytes } = executor.client.limits;
    const binary = copy.binary ? new BinaryCopyReader(copy.table, columns, maxCopyLineBytes) : undefined;
    const own = transactionOpen || executor.txStatus === 'I';
    if (own && !transactionOpen) await session.connection.begin();
    else executor.wrote();
    return new CopyInSink(copy, executor, columns.length, own, binary);
  }

  private get maxLine(): number {
    return this.executor.client.limits.maxCopyLineBytes;
  }

  /** CopyInResponse's format: 1 for binary. */
  get format(): 0 | 1 {
    return this.binary ? 1 : 0;
  }

  /** One CopyData message. */
  async write(data: Buffer): Promise<void> {
    if (this.binary) await this.writeBinary(data);
    else if (this.csv) await this.writeCsv(data);
    else await this.writeText(data);
  }

  /** CopyDone: inserts what is left and commits; the number of rows. */
  async finish(): Promise<number> {
    if (this.binary) this.binary.end();
    else if (this.csv) {
      if (this.utf8Carry.length > 0) throw this.notUtf8(this.utf8Carry, 0, this.csvNewlines + 1);
      const done = new Promise<void>((resolve) => this.csv!.once('end', resolve));
      this.csv.end();
      await Promise.race([done, new Promise((r) => this.csv!.once('error', r))]);
      if (this.parseError) throw this.csvFailure(this.parseError);
    } else if (this.partialBytes > 0) this.textLine(this.takeLine(Buffer.alloc(0)));
    await this.flush();
    if (this.ownTransaction) await this.executor.client.session.connection.end(true);
    return this.inserted;
  }

  /** CopyFail or an error: nothing of this COPY stays. */
  async abort(): Promise<void> {
    this.rows = [];
    this.partial = [];
    if (this.ownTransaction) await this.executor.client.session.connection.end(false).catch(() => {});
    else this.executor.failBlock();
  }

  /** Text format: every whole line of `data` as a row; the rest waits for the next CopyData. */
  private async writeText(data: Buffer): Promise<void> {
    let from = 0;
    while (from < data.length) {
      const nl = data.indexOf(NEWLINE, from);
      if (nl < 0) {
        this.keepPartial(data.subarray(from));
        return;
      }
      this.textLine(this.takeLine(data.subarray(from, nl)));
      from = nl + 1;
      if (this.rows.length >= BATCH_ROWS || this.batchBytes >= BATCH_BYTES) await this.flush();
    }
  }

  private keepPartial(part: Buffer): void {
    this.partialBytes += part.length;
    if (this.partialBytes > this.maxLine) throw this.lineTooLong(this.line + 1);
    // A copy: the CopyData message it is cut from can go.
    this.partial.push(Buffer.from(part));
  }

  /** The line that `end` completes (the part before it arrived in earlier CopyData). */
  private takeLine(end: Buffer): Buffer {
    if (this.partialBytes + end.length > this.maxLine) throw this.lineTooLong(this.line + 1);
    if (this.partial.length === 0) return end;
    const line = Buffer.concat([...this.partial, end]);
    this.partial = [];
    this.partialBytes = 0;
    return line;
  }

  private textLine(bytes: Buffer): void {
    this.line++;
    if (this.ended) return;
    if (!isValidUtf8(bytes)) throw this.notUtf8(bytes, firstInvalid(bytes), this.line);
    const raw = bytes.toString('utf8');
    const l = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (l === '\\.') {
      this.ended = true;
      return;
    }
    if (this.copy.header && this.line === 1) return;
    this.rows.push(splitTextLine(l, this.copy.delimiter).map((f) => decodeTextField(f, this.copy.nullText)));
    this.batchBytes += bytes.length;
  }

  /** Binary format: the rows this CopyData completes, inserted a batch at a time. */
  private async writeBinary(data: Buffer): Promise<void> {
    const { rows, bytes } = this.binary!.push(data);
    this.batchBytes += bytes;
    for (const row of rows) {
      this.rows.push(row);
      if (this.rows.length >= BATCH_ROWS) await this.flush();
    }
    if (this.batchBytes >= BATCH_BYTES) await this.flush();
  }

  /** CSV: checked for UTF-8 across message boundaries, then parsed a slice at a time. */
  private async writeCsv(data: Buffer): Promise<void> {
    const joined = this.utf8Carry.length > 0 ? Buffer.concat([this.utf8Carry, data]) : data;
    const whole = joined.subarray(0, incompleteTail(joined));
    if (!isValidUtf8(whole)) {
      const at = firstInvalid(whole);
      throw this.notUtf8(whole, at, this.csvNewlines + newlinesIn(whole.subarray(0, at)) + 1);
    }
    this.utf8Carry = Buffer.from(joined.subarray(whole.length));
    this.csvNewlines += newlinesIn(whole);
    for (let from = 0; from < data.length; from += CSV_SLICE_BYTES) {
      this.csv!.write(data.subarray(from, from + CSV_SLICE_BYTES));
      // The parser reports errors on the next tick: let them (and other clients) in.
      await yieldToOthers();
      if (this.parseError) throw this.csvFailure(this.parseError);
      if (this.rows.length >= BATCH_ROWS || this.batchBytes >= BATCH_BYTES) await this.flush();
    }
  }

  private async flush(): Promise<void> {
    const rows = this.rows;
    this.rows = [];
    this.batchBytes = 0;
    if (rows.length === 0) return;
    const n = this.columnCount;
    rows.forEach((r, i) => {
      if (r.length !== n) {
        const at = this.inserted + i + 1 + (this.copy.header ? 1 : 0);
        throw this.badInput(
          r.length < n
            ? `missing data for column ${r.length + 1} on line ${at}`
            : `extra data after the last column on line ${at}`,
        );
      }
    });
    const tuple = `(${Array.from({ length: n }, () => '?').join(', ')})`;
    const cols = this.copy.columns?.trim() ? ` (${this.copy.columns})` : '';
    const sql = `INSERT INTO ${this.copy.table}${cols} VALUES ${rows.map(() => tuple).join(', ')}`;
    await this.executor.client.session.connection
      .run(sql, rows.flat() as DuckDBValue[])
      .catch((err: unknown) => {
        throw duckdbError(err);
      });
    this.inserted += rows.length;
  }

  /**
   * One client message during the copy. An error is answered at once
   * (ErrorResponse, ReadyForQuery), as Postgres does, not after the client
   * has sent the rest; the copy's later messages are then dropped. Flush and
   * Sync are ignored while copying, as Postgres does.
   */
  async message(type: string, body: Buffer, replies: ReplyBuffer): Promise<CopyState> {
    const copyMessage =
      type === Frontend.CopyData || type === Frontend.CopyDone || type === Frontend.CopyFail;
    if (this.reported) return copyMessage ? 'copying' : 'not-copy';
    if (type === Frontend.Flush || type === Frontend.Sync) return 'copying';
    if (type === Frontend.CopyData) {
      try {
        await this.write(body);
        return 'copying';
      } catch (err) {
        await this.fail(err, replies);
        return 'copying';
      }
    }
    if (type === Frontend.CopyDone) {
      try {
        const n = await this.finish();
        replies.send(msg.commandComplete(`COPY ${n}`));
        replies.send(msg.readyForQuery(this.executor.txStatus));
        await replies.flush();
      } catch (err) {
        await this.fail(err, replies);
      }
      return 'done';
    }
    if (type === Frontend.CopyFail) {
      const why = new BodyReader(body).cstring();
      await this.fail(new RvbbitError('COPY_FAILED', `COPY from stdin failed: ${why}`), replies);
      return 'done';
    }
    await this.fail(
      new RvbbitError('PROTOCOL_VIOLATION', `unexpected message type '${type}' during COPY from stdin`),
      replies,
    );
    return 'done';
  }

  private async fail(err: unknown, replies: ReplyBuffer): Promise<void> {
    this.reported = true;
    await this.abort();
    replies.send(msg.errorResponse(errorFields(err)));
    replies.send(msg.readyForQuery(this.executor.txStatus));
    await replies.flush();
  }

  private badInput(message: string): RvbbitError {
    return new RvbbitError('COPY_BAD_DATA', `COPY ${this.copy.table} FROM STDIN: ${message}`);
  }

  private lineTooLong(line: number): RvbbitError {
    return new RvbbitError(
      'COPY_LINE_TOO_LONG',
      `COPY ${this.copy.table} FROM STDIN: line ${line} is longer than the limit of ${this.maxLine} bytes`,
    );
  }

  private notUtf8(bytes: Buffer, at: number, line: number): RvbbitError {
    return invalidUtf8(bytes, at, ` (COPY ${this.copy.table} FROM STDIN, line ${line})`);
  }

  private csvFailure(err: Error): RvbbitError {
    if (err instanceof CsvError && err.code === 'CSV_MAX_RECORD_SIZE') {
      const line = (err as CsvError & { lines?: number }).lines ?? this.csvNewlines + 1;
      return this.lineTooLong(line);
    }
    return this.badInput(err.message);
  }
}

function newlinesIn(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(NEWLINE); i >= 0; i = bytes.indexOf(NEWLINE, i + 1)) n++;
  return n;
}
