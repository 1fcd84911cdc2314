/**
 * `COPY (query) TO STDOUT` and `COPY table [(columns)] TO STDOUT` over the
 * wire (psql's `\copy … TO`, psycopg's copy_expert, pgJDBC's CopyManager):
 * CopyOutResponse, one CopyData per row, CopyDone, then `COPY n`. Plain SQL
 * streams from DuckDB batch by batch; an RVBBIT statement or a semantic
 * SELECT runs first and its rows are then sent. Text, CSV and binary formats,
 * as Postgres writes them: binary's header goes in the first row's CopyData
 * (psycopg 3 reads each CopyData as whole rows) and its trailer in one of its
 * own, or with the header when there are no rows. Without this, DuckDB itself ran
 * the COPY and wrote the rows to the server process's own stdout.
 * @see https://www.postgresql.org/docs/current/sql-copy.html
 * @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-COPY
 */

import { RvbbitError } from '../../base/errors.js';
import { withoutLeadingComments } from '../../grammar/sql-scan.js';
import { rowKeys } from '../db/query-result.js';
import { ArraySource, openStream, type RowSource, SEND_BATCH_ROWS } from './cursor-source.js';
import * as msg from './message-writer.js';
import type { ReplyBuffer } from './reply-buffer.js';
import type { StatementExecutor } from './statement-executor.js';
import { pgTypeOf } from './types/type-map.js';
import { encodeBinary, encodeValue } from './types/value-codec.js';

interface CopyOut {
  readonly query: string;
  readonly csv: boolean;
  /** Postgres' binary COPY format (COPY TO STDOUT only). */
  readonly binary: boolean;
  readonly header: boolean;
  readonly delimiter: string;
  readonly nullText: string;
}

const COPY_TO_STDOUT =
  /^\s*COPY\s+(\((?<query>[\s\S]*)\)|(?<table>[A-Za-z_"][\w."]*)\s*(?:\((?<cols>[^)]*)\))?)\s+TO\s+STDOUT\b(?<opts>[\s\S]*?);?\s*$/i;

/** The COPY … TO STDOUT in `sql`, or undefined when it is something else. Throws on COPY FROM STDIN. */
export function parseCopyOut(sql: string): CopyOut | undefined {
  const text = withoutLeadingComments(sql);
  const m = COPY_TO_STDOUT.exec(text);
  if (!m?.groups) return undefined;
  const { query, table, cols, opts = '' } = m.groups;
  return {
    query: query ?? `SELECT ${cols?.trim() ? cols : '*'} FROM ${table}`,
    ...copyOptions(opts, 'TO STDOUT'),
  };
}

/** A COPY's WITH (FORMAT …, HEADER, DELIMITER '…', NULL '…') or the legacy `CSV HEADER` form. */
export function copyOptions(opts: string, direction: string): Omit<CopyOut, 'query'> {
  const o = opts.toLowerCase();
  const format = /format\s+'?(\w+)'?/.exec(o)?.[1] ?? (/\bcsv\b/.test(o) ? 'csv' : 'text');
  const formats = ['text', 'csv', 'binary'];
  if (!formats.includes(format)) {
    throw new RvbbitError(
      'UNSUPPORTED_MESSAGE',
      `COPY ${direction} in format ${format} is not supported (${formats.join(', ')})`,
    );
  }
  const csv = format === 'csv';
  const delimiter = /delimiter\s+(?:as\s+)?'((?:[^']|'')+)'/i.exec(opts)?.[1]?.replaceAll("''", "'");
  const nullText = /\bnull\s+(?:as\s+)?'((?:[^']|'')*)'/i.exec(opts)?.[1]?.replaceAll("''", "'");
  return {
    csv,
    binary: format === 'binary',
    header: /\bheader\b(?!\s+(false|off|0)\b)/.test(o),
    delimiter: delimiter ?? (csv ? ',' : '\t'),
    nullText: nullText ?? (csv ? '' : '\\N'),
  };
}

/** Sends the rows of `copy` as CopyData; returns how many were sent. */
export async function copyOut(
  copy: CopyOut,
  executor: StatementExecutor,
  replies: ReplyBuffer,
): Promise<number> {
  const { session, settings, params } = executor.client;
  const source: RowSource =
    (await openStream(session, copy.query, undefined, settings, params)) ??
    new ArraySource((await executor.run(copy.query, undefined)).result);
  try {
    const cols = source.columns;
    const keys = rowKeys(cols);
    replies.send(msg.copyOutResponse(cols.length, copy.binary ? 1 : 0));
    // Sent with the first binary CopyData, as Postgres does.
    let binaryHeader: Buffer | undefined = copy.binary ? BINARY_HEADER : undefined;
    if (!copy.binary && copy.header)
      replies.send(
        msg.copyData(
          Buffer.from(
            line(
              copy,
              cols.map((c) => c.name),
            ),
          ),
        ),
      );
    let sent = 0;
    while (!source.done) {
      const rows = await source.fetch(SEND_BATCH_ROWS);
      for (const row of rows) {
        if (copy.binary) {
          const fields = cols.map((c, j) => binaryField(row[keys[j]!], c.type, c.name));
          const tuple = binaryTuple(fields);
          replies.send(msg.copyData(binaryHeader ? Buffer.concat([binaryHeader, tuple]) : tuple));
          binaryHeader = undefined;
          continue;
        }
        const fields = cols.map((c, j) => encodeValue(row[keys[j]!], c.type, 0)?.toString('utf8') ?? null);
        replies.send(msg.copyData(Buffer.from(line(copy, fields), 'utf8')));
      }
      sent += rows.length;
      await replies.flushIfLarge();
      if (rows.length === 0) break;
    }
    if (copy.binary)
      replies.send(msg.copyData(Buffer.concat([binaryHeader ?? Buffer.alloc(0), BINARY_TRAILER])));
    replies.send(msg.copyDone());
    return sent;
  } finally {
    await source.close();
  }
}

function line(copy: CopyOut, fields: readonly (string | null)[]): string {
  const out = fields.map((f) => (copy.csv ? csvField(copy, f) : textField(copy, f)));
  return `${out.join(copy.delimiter)}\n`;
}

/** Text format: backslash escapes for the characters that would break a line or a field; NULL as \N. */
function textField(copy: CopyOut, f: string | null): string {
  if (f === null) return copy.nullText;
  let out = '';
  for (const ch of f) {
    if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (ch === copy.delimiter) out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

/** CSV: quoted when it holds the delimiter, a quote, a line break, or reads as NULL; NULL unquoted. */
function csvField(copy: CopyOut, f: string | null): string {
  if (f === null) return copy.nullText;
  const needs = f === copy.nullText || f.includes(copy.delimiter) || /["\r\n]/.test(f) || f.startsWith('\\.');
  return needs ? `"${f.replaceAll('"', '""')}"` : f;
}

/** PGCOPY signature, flags (no OIDs), no header extension. */
const BINARY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
/** A field count of -1. */
const BINARY_TRAILER = Buffer.from([0xff, 0xff]);

/** One value in Postgres' binary send format; a type with no binary form is refused, never sent as text. */
function binaryField(value: unknown, duckType: string, column: string): Buffer | null {
  if (value === null || value === undefined) return null;
  const b = encodeBinary(value, pgTypeOf(duckType).oid, duckType);
  if (!b) {
    throw new RvbbitError(
      'UNSUPPORTED_MESSAGE',
      `COPY TO STDOUT (FORMAT binary): column "${column}" of type ${duckType} has no binary form here; use csv or text`,
    );
  }
  return b;
}

function binaryTuple(fields: readonly (Buffer | null)[]): Buffer {
  const head = Buffer.alloc(2);
  head.writeInt16BE(fields.length);
  const parts: Buffer[] = [head];
  for (const f of fields) {
    const len = Buffer.alloc(4);
    len.writeInt32BE(f === null ? -1 : f.length);
    parts.push(len);
    if (f) parts.push(f);
  }
  return Buffer.concat(parts);
}
