/**
 * `COPY table FROM STDIN (FORMAT binary)`: Postgres' binary COPY format in
 * (psycopg 3's binary `copy.write_row`, pgJDBC's CopyManager with binary
 * data). The PGCOPY header, then per row a field count and each field as a
 * length (-1: NULL) and its type's binary send format, then a field count of
 * -1. CopyData messages may cut it anywhere: rows are decoded as each one
 * completes, and bytes are joined only once a row's whole length is in.
 *
 * Fields are read by the table column's type, for the types the server also
 * sends in binary (integers, floats, numeric, text, bytea, bool, date,
 * timestamp, uuid); a table with another column type is refused before any
 * data. Integers and floats are taken in any width a client sends (psycopg
 * picks int2/int4/int8 by the value); values keep their full precision
 * (numeric as its digits, timestamps in microseconds).
 * @see https://www.postgresql.org/docs/current/sql-copy.html#SQL-COPY-BINARY-FORMAT
 */
import {
  blobValue,
  DuckDBDateValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBValue,
} from '@duckdb/node-api';
import { RvbbitError } from '../../base/errors.js';
import { decodeNumericBinary } from './types/numeric-codec.js';
import { Oid } from './types/oids.js';
import { pgTypeOf } from './types/type-map.js';
import { decodeUtf8 } from './utf8.js';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Signature, flags, header extension length. */
const HEADER_BYTES = SIGNATURE.length + 8;
/** Flags bit 16: every row carries an OID (WITH OIDS, gone since Postgres 12). */
const FLAG_OIDS = 1 << 16;
/** Days and microseconds from 1970-01-01 (DuckDB's epoch) to 2000-01-01 (Postgres'). */
const PG_EPOCH_DAYS = 10_957;
const PG_EPOCH_MICROS = 946_684_800_000_000n;

type Kind =
  | 'bool'
  | 'int'
  | 'float'
  | 'numeric'
  | 'text'
  | 'bytea'
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | 'uuid';

/** How a column of this DuckDB type is read from binary, or undefined when it cannot be. */
function kindOf(duckType: string): Kind | undefined {
  const t = duckType.toUpperCase();
  if (t === 'VARCHAR' || t === 'JSON') return 'text';
  switch (pgTypeOf(duckType).oid) {
    case Oid.bool:
      return 'bool';
    case Oid.int2:
    case Oid.int4:
    case Oid.int8:
      return 'int';
    case Oid.float4:
    case Oid.float8:
      return 'float';
    case Oid.numeric:
      return 'numeric';
    case Oid.bytea:
      return 'bytea';
    case Oid.date:
      return 'date';
    case Oid.timestamp:
      return 'timestamp';
    case Oid.timestamptz:
      return 'timestamptz';
    case Oid.uuid:
      return 'uuid';
    default:
      return undefined;
  }
}

interface BinaryColumn {
  readonly name: string;
  readonly type: string;
}

/** Reads one binary COPY's rows, CopyData by CopyData. */
export class BinaryCopyReader {
  private readonly kinds: Kind[];
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes that must be buffered before parsing can go on. */
  private need = HEADER_BYTES;
  private headerSeen = false;
  private trailerSeen = false;
  private row = 0;

  /** Throws (0A000) if a column has a type this reader cannot decode. */
  constructor(
    private readonly table: string,
    private readonly columns: readonly BinaryColumn[],
    private readonly maxRowBytes: number,
  ) {
    this.kinds = columns.map((c) => {
      const kind = kindOf(c.type);
      if (!kind) {
        throw new RvbbitError(
          'UNSUPPORTED_MESSAGE',
          `COPY ${table} FROM STDIN (FORMAT binary): column "${c.name}" of type ${c.type} has no binary form here; use csv or text`,
        );
      }
      return kind;
    });
  }

  /** The rows `data` completes, with their size in bytes, values ready to bind. */
  push(data: Buffer): { rows: DuckDBValue[][]; bytes: number } {
    if (this.trailerSeen && data.length > 0) throw this.bad('received copy data after EOF marker');
    this.chunks.push(data);
    this.buffered += data.length;
    if (this.buffered < this.need) return { rows: [], bytes: 0 };
    const buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const rows: DuckDBValue[][] = [];
    let at = 0;
    if (!this.headerSeen) {
      at = this.header(buf);
      if (at < 0) {
        this.keep(buf, 0);
        return { rows, bytes: 0 };
      }
    }
    const start = at;
    for (;;) {
      const end = this.rowEnd(buf, at);
      if (end < 0) break;
      if (this.trailerSeen) {
        if (end < buf.length) throw this.bad('received copy data after EOF marker');
        at = end;
        break;
      }
      rows.push(this.decodeRow(buf, at));
      at = end;
    }
    this.keep(buf, at);
    return { rows, bytes: at - start };
  }

  /** CopyDone: the data must have ended at a row's end (the trailer may be left out, as Postgres allows). */
  end(): void {
    if (!this.headerSeen) throw this.bad('COPY file signature not recognized');
    if (this.buffered > 0) throw this.bad('unexpected EOF in COPY data');
  }

  /** The offset after the header, or -1 while it is incomplete. */
  private header(buf: Buffer): number {
    if (buf.length < HEADER_BYTES) return -1;
    if (!buf.subarray(0, SIGNATURE.length).equals(SIGNATURE))
      throw this.bad('COPY file signature not recognized');
    const flags = buf.readInt32BE(SIGNATURE.length);
    if (flags & FLAG_OIDS) throw this.bad('invalid COPY file header (WITH OIDS)');
    const extension = buf.readInt32BE(SIGNATURE.length + 4);
    if (extension < 0) throw this.bad('invalid COPY file header (missing length)');
    if (buf.length < HEADER_BYTES + extension) {
      this.need = HEADER_BYTES + extension;
      return -1;
    }
    this.headerSeen = true;
    return HEADER_BYTES + extension;
  }

  /**
   * The end of the row (or trailer) starting at `at`, or -1 while it is
   * incomplete (then `need` says how much must be buffered). Checks its shape.
   */
  private rowEnd(buf: Buffer, at: number): number {
    const missing = (bytes: number) => {
      if (bytes - at > this.maxRowBytes) {
        throw new RvbbitError(
          'COPY_LINE_TOO_LONG',
          `COPY ${this.table} FROM STDIN: row ${this.row + 1} is longer than the limit of ${this.maxRowBytes} bytes`,
        );
      }
      this.need = bytes - at;
      return -1;
    };
    if (buf.length < at + 2) return missing(at + 2);
    const fields = buf.readInt16BE(at);
    if (fields === -1) {
      this.trailerSeen = true;
      return at + 2;
    }
    if (fields !== this.columns.length) {
      throw this.bad(`row field count is ${fields}, expected ${this.columns.length}`, this.row + 1);
    }
    let end = at + 2;
    for (let i = 0; i < fields; i++) {
      if (buf.length < end + 4) return missing(end + 4);
      const len = buf.readInt32BE(end);
      if (len < -1) throw this.bad('invalid field size', this.row + 1, this.columns[i]!.name);
      end += 4 + Math.max(len, 0);
      if (buf.length < end) return missing(end);
    }
    return end;
  }

  private decodeRow(buf: Buffer, at: number): DuckDBValue[] {
    this.row++;
    const values: DuckDBValue[] = [];
    let p = at + 2;
    for (const [i, kind] of this.kinds.entries()) {
      const len = buf.readInt32BE(p);
      p += 4;
      if (len < 0) {
        values.push(null);
        continue;
      }
      values.push(this.decode(kind, buf.subarray(p, p + len), i));
      p += len;
    }
    return values;
  }

  private decode(kind: Kind, b: Buffer, column: number): DuckDBValue {
    const wrong = () =>
      this.bad(`incorrect binary data format (${b.length} bytes)`, this.row, this.columns[column]!.name);
    switch (kind) {
      case 'bool':
        if (b.length !== 1) throw wrong();
        return b[0] !== 0;
      case 'int':
        if (b.length === 2) return b.readInt16BE(0);
        if (b.length === 4) return b.readInt32BE(0);
        if (b.length === 8) return b.readBigInt64BE(0);
        throw wrong();
      case 'float':
        if (b.length === 4) return b.readFloatBE(0);
        if (b.length === 8) return b.readDoubleBE(0);
        throw wrong();
      case 'numeric':
        if (b.length < 8) throw wrong();
        // Its digits as text: DuckDB casts them to the column's DECIMAL exactly.
        return decodeNumericBinary(b);
      case 'text':
        return decodeUtf8(b, ` (COPY ${this.table} FROM STDIN, row ${this.row})`);
      case 'bytea':
        return blobValue(new Uint8Array(b));
      case 'date':
        if (b.length !== 4) throw wrong();
        return new DuckDBDateValue(b.readInt32BE(0) + PG_EPOCH_DAYS);
      case 'timestamp':
        if (b.length !== 8) throw wrong();
        return new DuckDBTimestampValue(b.readBigInt64BE(0) + PG_EPOCH_MICROS);
      case 'timestamptz':
        if (b.length !== 8) throw wrong();
        return new DuckDBTimestampTZValue(b.readBigInt64BE(0) + PG_EPOCH_MICROS);
      case 'uuid': {
        if (b.length !== 16) throw wrong();
        const h = b.toString('hex');
        return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
      }
    }
  }

  /** Keeps the bytes from `at` on (a copy: the messages they came in can go). */
  private keep(buf: Buffer, at: number): void {
    const rest = buf.subarray(at);
    this.chunks = rest.length > 0 ? [Buffer.from(rest)] : [];
    this.buffered = rest.length;
  }

  private bad(message: string, row?: number, column?: string): RvbbitError {
    const where = row === undefined ? '' : `, row ${row}${column === undefined ? '' : `, column ${column}`}`;
    return new RvbbitError('COPY_BAD_DATA', `COPY ${this.table} FROM STDIN${where}: ${message}`);
  }
}
