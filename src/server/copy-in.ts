/**
 * `COPY table [(columns)] FROM STDIN` over the wire (psql's `\copy … FROM`,
 * psycopg's copy_expert, pgJDBC's CopyManager): the server answers
 * CopyInResponse, the client streams CopyData and ends with CopyDone (rows
 * inserted, `COPY n`) or CopyFail (nothing inserted). Rows are inserted in
 * batches as they arrive, inside one transaction, so memory stays bounded by
 * a batch and a failure leaves the table as it was. CSV is parsed by
 * csv-parse (Postgres CSV: an unquoted empty field is NULL, a quoted one is
 * ''), the text format here (backslash escapes, `\N`).
 * @see https://www.postgresql.org/docs/current/sql-copy.html#SQL-COPY-FILE-FORMATS
 */

import type { DuckDBValue } from '@duckdb/node-api';
import { type CastingContext, type Parser, parse } from 'csv-parse';
import { duckdbError } from '../db/duckdb-error.js';
import { RvbbitError } from '../errors.js';
import { copyOptions } from './copy-out.js';
import { decodeTextField, splitTextLine } from './copy-text.js';
import { BodyReader } from './frame-reader.js';
import * as msg from './message-writer.js';
import { Frontend } from './protocol-codes.js';
import type { ReplyBuffer } from './reply-buffer.js';
import { errorFields } from './sqlstate.js';
import type { StatementExecutor } from './statement-executor.js';

export interface CopyIn {
  readonly table: string;
  readonly columns: string | undefined;
  readonly csv: boolean;
  readonly header: boolean;
  readonly delimiter: string;
  readonly nullText: string;
}

const COPY_FROM_STDIN =
  /^\s*COPY\s+(?<table>[A-Za-z_"][\w."]*)\s*(?:\((?<cols>[^)]*)\))?\s+FROM\s+STDIN\b(?<opts>[\s\S]*?);?\s*$/i;
/** Rows per INSERT: large enough to amortise a statement, small enough to bound memory. */
const BATCH_ROWS = 1000;

export function parseCopyIn(sql: string): CopyIn | undefined {
  const text = sql.replace(/^(\s*(--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/))*/g, '');
  const m = COPY_FROM_STDIN.exec(text);
  if (!m?.groups) return undefined;
  return {
    table: m.groups.table!,
    columns: m.groups.cols,
    ...copyOptions(m.groups.opts ?? '', 'FROM STDIN'),
  };
}

type Row = (string | null)[];

/** Receives one COPY FROM STDIN's data and inserts it. */
export class CopyInSink {
  private rows: Row[] = [];
  private inserted = 0;
  private line = 0;
  private rest = '';
  private csv: Parser | undefined;
  private parseError: Error | undefined;
  private ended = false;

  private constructor(
    private readonly copy: CopyIn,
    private readonly executor: StatementExecutor,
    readonly columnCount: number,
    private readonly ownTransaction: boolean,
  ) {
    if (copy.csv) {
      this.csv = parse({
        delimiter: copy.delimiter,
        from_line: copy.header ? 2 : 1,
        relax_column_count: true,
        cast: (value: string, ctx: CastingContext) =>
          !ctx.quoting && value === copy.nullText ? null : value,
      });
      this.csv.on('data', (r: Row) => this.rows.push(r));
      this.csv.on('error', (e: Error) => {
        this.parseError = e;
      });
    }
  }

  /** Checks the table, opens a transaction if none is, and is ready for data. */
  static async start(copy: CopyIn, executor: StatementExecutor): Promise<CopyInSink> {
    const { session } = executor.client;
    const cols = copy.columns?.trim() ? copy.columns : '*';
    const count = await session.q
      .run(async (con) => {
        const p = await con.prepare(`SELECT ${cols} FROM ${copy.table} LIMIT 0`);
        try {
          return p.columnCount;
        } finally {
          p.destroySync();
        }
      })
      .catch((err: unknown) => {
        throw duckdbError(err);
      });
    const own = executor.txStatus === 'I';
    if (own) await session.q.run((con) => con.run('BEGIN TRANSACTION'));
    return new CopyInSink(copy, executor, count, own);
  }

  /** One CopyData message. */
  async write(data: Buffer): Promise<void> {
    if (this.csv) this.csv.write(data);
    else this.textLines(data.toString('utf8'));
    if (this.parseError) throw this.badInput(this.parseError.message);
    if (this.rows.length >= BATCH_ROWS) await this.flush();
  }

  /** CopyDone: inserts what is left and commits; the number of rows. */
  async finish(): Promise<number> {
    if (this.csv) {
      const done = new Promise<void>((resolve) => this.csv!.once('end', resolve));
      this.csv.end();
      await Promise.race([done, new Promise((r) => this.csv!.once('error', r))]);
      if (this.parseError) throw this.badInput(this.parseError.message);
    } else if (this.rest !== '') this.textLine(this.rest);
    await this.flush();
    if (this.ownTransaction) await this.executor.client.session.q.run((con) => con.run('COMMIT'));
    return this.inserted;
  }

  /** CopyFail or an error: nothing of this COPY stays. */
  async abort(): Promise<void> {
    if (this.ownTransaction)
      await this.executor.client.session.q.run((con) => con.run('ROLLBACK')).catch(() => {});
    else this.executor.failBlock();
  }

  private textLines(chunk: string): void {
    const lines = (this.rest + chunk).split('\n');
    this.rest = lines.pop()!;
    for (const l of lines) this.textLine(l);
  }

  private textLine(raw: string): void {
    const l = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    this.line++;
    if (this.ended || l === '\\.') {
      this.ended = true;
      return;
    }
    if (this.copy.header && this.line === 1) return;
    this.rows.push(splitTextLine(l, this.copy.delimiter).map((f) => decodeTextField(f, this.copy.nullText)));
  }

  private async flush(): Promise<void> {
    const rows = this.rows;
    this.rows = [];
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
    await this.executor.client.session.q
      .run((con) => con.run(sql, rows.flat() as DuckDBValue[]))
      .catch((err: unknown) => {
        throw duckdbError(err);
      });
    this.inserted += rows.length;
  }

  /** The first error of this copy; later CopyData is discarded until CopyDone or CopyFail. */
  failed: unknown;

  /**
   * One client message during the copy; true once it is over (its reply and
   * ReadyForQuery queued). Flush and Sync are ignored, as Postgres does.
   */
  async message(type: string, body: Buffer, replies: ReplyBuffer): Promise<boolean> {
    if (type === Frontend.Flush || type === Frontend.Sync) return false;
    if (type === Frontend.CopyData) {
      if (this.failed === undefined) await this.write(body).catch((err: unknown) => this.fail(err));
      return false;
    }
    if (type === Frontend.CopyDone && this.failed === undefined) {
      const n = await this.finish().catch(async (err: unknown) => {
        await this.fail(err);
        return -1;
      });
      if (n >= 0) replies.send(msg.commandComplete(`COPY ${n}`));
    } else if (type === Frontend.CopyFail) {
      const why = new BodyReader(body).cstring();
      if (this.failed === undefined)
        await this.fail(new RvbbitError('COPY_FAILED', `COPY from stdin failed: ${why}`));
    } else if (type !== Frontend.CopyDone) {
      await this.fail(
        new RvbbitError('PROTOCOL_VIOLATION', `unexpected message type '${type}' during COPY from stdin`),
      );
    }
    if (this.failed !== undefined) replies.send(msg.errorResponse(errorFields(this.failed)));
    replies.send(msg.readyForQuery(this.executor.txStatus));
    await replies.flush();
    return true;
  }

  private async fail(err: unknown): Promise<void> {
    this.failed ??= err;
    await this.abort();
  }

  private badInput(message: string): RvbbitError {
    return new RvbbitError('COPY_BAD_DATA', `COPY ${this.copy.table} FROM STDIN: ${message}`);
  }
}
