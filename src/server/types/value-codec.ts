/**
 * Result values in Postgres' text and binary formats, exactly: a column's
 * values arrive as DuckDB's own (node-api DuckDBValue: microsecond
 * timestamps, DuckDBDecimalValue, DuckDBListValue …, what plain SQL gives
 * the server) or as JS values (what MAP and semantic statements and the
 * emulated catalog give), and each goes out as the Postgres type type-map.ts
 * gives its column. Every type sent has a binary form (text's is its UTF-8),
 * so a column asked for in binary never goes as text.
 * @see https://www.postgresql.org/docs/current/protocol-overview.html#PROTOCOL-FORMAT-CODES
 */
import {
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTimeValue,
} from '@duckdb/node-api';
import { RvbbitError } from '../../../base/errors.js';
import { valueText } from '../../output/value-text.js';
import { arrayBinary, arrayText } from './array-codec.js';
import {
  DATE_INFINITY,
  dateText,
  type IntervalParts,
  intervalText,
  MICROS_PER_DAY,
  PG_DATE_BEGIN,
  PG_DATE_END,
  PG_EPOCH_DAYS,
  PG_EPOCH_MICROS,
  PG_TIMESTAMP_BEGIN,
  PG_TIMESTAMP_END,
  parseDate,
  parseTimestamp,
  TIMESTAMP_INFINITY,
  timestampText,
  timeText,
  zoneText,
} from './datetime-codec.js';
import { decimalText, encodeNumericBinary, floatText } from './numeric-codec.js';
import { Oid } from './oids.js';
import { type PgType, pgTypeOf } from './type-map.js';

interface ValueCodec {
  text(value: unknown): string;
  binary(value: unknown): Buffer;
}

/** A value that does not fit the type its column was described as (a bug, never sent as something else). */
function mismatch(value: unknown, what: string): never {
  const shown = typeof value === 'object' && value !== null ? value.constructor.name : typeof value;
  throw new RvbbitError('INTERNAL', `cannot send a ${shown} value as ${what}`);
}

// ---- Reading a value, in either form ----

function asNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof DuckDBDecimalValue) return v.toDouble();
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return mismatch(v, 'a number');
}

function asBigInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return BigInt(v.trim());
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return mismatch(v, 'an integer');
}

/** Decimal text; a JS number (a DECIMAL through a JS path) with the column's scale. */
function numericText(v: unknown, scale: number | undefined): string {
  if (v instanceof DuckDBDecimalValue) return decimalText(v.value, v.scale);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
    if (scale !== undefined) return v.toFixed(scale);
    return Number.isInteger(v) && Math.abs(v) < 1e21 ? v.toFixed(0) : String(v);
  }
  if (typeof v === 'string') return v;
  return mismatch(v, 'numeric');
}

function asBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof DuckDBBlobValue) return v.bytes;
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  return mismatch(v, 'bytea');
}

/** Days since 1970. */
function asDays(v: unknown): number {
  if (v instanceof DuckDBDateValue) return v.days;
  if (v instanceof Date) return Math.floor(v.getTime() / 86_400_000);
  if (typeof v === 'string') {
    const days = parseDate(v);
    if (days !== undefined) return days;
  }
  return mismatch(v, 'a date');
}

/** Microseconds since 1970. */
function asMicros(v: unknown): bigint {
  if (v instanceof DuckDBTimestampValue || v instanceof DuckDBTimestampTZValue) return v.micros;
  if (v instanceof DuckDBTimestampMillisecondsValue) return v.millis * 1000n;
  if (v instanceof DuckDBTimestampSecondsValue) return v.seconds * 1_000_000n;
  if (v instanceof Date) return BigInt(v.getTime()) * 1000n;
  if (v instanceof DuckDBDateValue) return BigInt(v.days) * MICROS_PER_DAY;
  if (typeof v === 'string') {
    const micros = parseTimestamp(v, true);
    if (micros !== undefined) return micros;
  }
  return mismatch(v, 'a timestamp');
}

/** Microseconds into the day: JS gives a bigint, DuckDB a DuckDBTimeValue. */
function asTimeMicros(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (v instanceof DuckDBTimeValue) return v.micros;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return mismatch(v, 'a time');
}

/** TIME WITH TIME ZONE: micros into the day and the offset in seconds east of UTC (JS and DuckDB alike). */
function asTimeTz(v: unknown): { micros: bigint; offset: number } {
  const t = v as { micros?: unknown; offset?: unknown };
  if (typeof t === 'object' && t !== null && typeof t.micros === 'bigint' && typeof t.offset === 'number') {
    return { micros: t.micros, offset: t.offset };
  }
  return mismatch(v, 'a time with time zone');
}

function asInterval(v: unknown): IntervalParts {
  const t = v as Partial<IntervalParts>;
  if (typeof t === 'object' && t !== null && typeof t.micros === 'bigint') {
    return { months: Number(t.months ?? 0), days: Number(t.days ?? 0), micros: t.micros };
  }
  return mismatch(v, 'an interval');
}

function uuidText(v: unknown): string {
  if (typeof v === 'string') return v.toLowerCase();
  if (typeof v === 'object' && v !== null && 'hugeint' in v) return String(v);
  return mismatch(v, 'a uuid');
}

/** A list's items: JS arrays, or DuckDB's list and fixed-size array values. */
function itemsOf(v: unknown): readonly unknown[] {
  if (Array.isArray(v)) return v;
  if (v instanceof DuckDBListValue || v instanceof DuckDBArrayValue) return v.items;
  return mismatch(v, 'an array');
}

/** A value of a type with no exact Postgres form, as text: DuckDB's text of it. */
function fallbackText(v: unknown, duckType: string): string {
  if (typeof v === 'string') return v;
  return valueText(v, duckType, 'pg') ?? '';
}

// ---- Binary writers ----

function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}
function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}
function int64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
}

function timestampBinary(micros: bigint): Buffer {
  if (micros >= TIMESTAMP_INFINITY) return int64(PG_TIMESTAMP_END);
  if (micros <= -TIMESTAMP_INFINITY) return int64(PG_TIMESTAMP_BEGIN);
  return int64(micros - PG_EPOCH_MICROS);
}

function dateBinary(days: number): Buffer {
  if (days >= DATE_INFINITY) return int32(PG_DATE_END);
  if (days <= -DATE_INFINITY) return int32(PG_DATE_BEGIN);
  return int32(days - PG_EPOCH_DAYS);
}

/** Text whose binary form is its UTF-8 (text, json, and everything sent as text). */
function textual(text: (v: unknown) => string): ValueCodec {
  return { text, binary: (v) => Buffer.from(text(v), 'utf8') };
}

/** The codec of one Postgres scalar type; `duckType` is the column's (for DECIMAL scale and fallback text). */
function scalarCodec(pg: PgType, duckType: string): ValueCodec {
  switch (pg.oid) {
    case Oid.bool:
      return { text: (v) => (v ? 't' : 'f'), binary: (v) => Buffer.from([v ? 1 : 0]) };
    case Oid.int2:
      return { text: (v) => asBigInt(v).toString(), binary: (v) => int16(Number(asBigInt(v))) };
    case Oid.int4:
      return { text: (v) => asBigInt(v).toString(), binary: (v) => int32(Number(asBigInt(v))) };
    case Oid.int8:
      return { text: (v) => asBigInt(v).toString(), binary: (v) => int64(asBigInt(v)) };
    case Oid.float4:
      return {
        text: (v) => floatText(Math.fround(asNumber(v)), true),
        binary: (v) => {
          const b = Buffer.alloc(4);
          b.writeFloatBE(asNumber(v));
          return b;
        },
      };
    case Oid.float8:
      return {
        text: (v) => floatText(asNumber(v), false),
        binary: (v) => {
          const b = Buffer.alloc(8);
          b.writeDoubleBE(asNumber(v));
          return b;
        },
      };
    case Oid.numeric: {
      const scale = pg.mod >= 4 ? (pg.mod - 4) & 0xffff : undefined;
      return {
        text: (v) => numericText(v, scale),
        binary: (v) => encodeNumericBinary(numericText(v, scale)),
      };
    }
    case Oid.bytea:
      return {
        text: (v) => `\\x${Buffer.from(asBytes(v)).toString('hex')}`,
        binary: (v) => Buffer.from(asBytes(v)),
      };
    case Oid.date:
      return { text: (v) => dateText(asDays(v)), binary: (v) => dateBinary(asDays(v)) };
    case Oid.time:
      return { text: (v) => timeText(asTimeMicros(v)), binary: (v) => int64(asTimeMicros(v)) };
    case Oid.timetz:
      return {
        text: (v) => {
          const t = asTimeTz(v);
          return `${timeText(t.micros)}${zoneText(t.offset)}`;
        },
        // The zone goes as seconds west of UTC.
        binary: (v) => {
          const t = asTimeTz(v);
          return Buffer.concat([int64(t.micros), int32(-t.offset)]);
        },
      };
    case Oid.timestamp:
      return { text: (v) => timestampText(asMicros(v), false), binary: (v) => timestampBinary(asMicros(v)) };
    case Oid.timestamptz:
      return { text: (v) => timestampText(asMicros(v), true), binary: (v) => timestampBinary(asMicros(v)) };
    case Oid.interval:
      return {
        text: (v) => intervalText(asInterval(v)),
        binary: (v) => {
          const i = asInterval(v);
          return Buffer.concat([int64(i.micros), int32(i.days), int32(i.months)]);
        },
      };
    case Oid.uuid:
      return {
        text: uuidText,
        binary: (v) => {
          const hex = uuidText(v).replace(/-/g, '');
          if (!/^[0-9a-f]{32}$/.test(hex)) mismatch(v, 'a uuid');
          return Buffer.from(hex, 'hex');
        },
      };
    case Oid.json:
    case Oid.text:
      return textual((v) => fallbackText(v, duckType));
    default:
      return mismatch(pg.oid, `type ${pg.oid}`);
  }
}

function arrayCodec(elem: PgType, duckType: string): ValueCodec {
  const element = scalarCodec(elem, duckType.replace(/\[\d*\]$/, ''));
  return {
    text: (v) => arrayText(itemsOf(v), element.text),
    binary: (v) => arrayBinary(itemsOf(v), elem.oid, element.binary),
  };
}

const codecs = new Map<string, ValueCodec>();

/** The codec of a DuckDB column type, for the Postgres type pgTypeOf gives it. */
function codecOf(duckType: string): ValueCodec {
  let codec = codecs.get(duckType);
  if (!codec) {
    const pg = pgTypeOf(duckType);
    codec = pg.elem ? arrayCodec(pg.elem, duckType) : scalarCodec(pg, duckType);
    if (codecs.size < 10_000) codecs.set(duckType, codec);
  }
  return codec;
}

/** One result value in the requested format (0 text, 1 binary); null for SQL NULL. */
export function encodeValue(value: unknown, duckType: string, format: number): Buffer | null {
  if (value === null || value === undefined) return null;
  const codec = codecOf(duckType);
  return format === 1 ? codec.binary(value) : Buffer.from(codec.text(value), 'utf8');
}

/** A value's Postgres text, as a text-format DataRow carries it; null for SQL NULL. */
export function encodeText(value: unknown, duckType: string): string | null {
  if (value === null || value === undefined) return null;
  return codecOf(duckType).text(value);
}

/**
 * A value in Postgres' binary format for `oid` (binary COPY); undefined for
 * SQL NULL or when `oid` is not the type its DuckDB column goes out as.
 */
export function encodeBinary(value: unknown, oid: number, duckType: string): Buffer | undefined {
  if (value === null || value === undefined || oid !== pgTypeOf(duckType).oid) return undefined;
  return codecOf(duckType).binary(value);
}
