/**
 * Bind parameters, in Postgres' text or binary format, as values DuckDB binds
 * exactly: timestamps, dates, times and intervals as node-api's DuckDB values
 * (microseconds, never a JS Date), numeric as a DuckDBDecimalValue (never a
 * double), uuid as a DuckDBUUIDValue. A Postgres array becomes the text of a
 * DuckDB list ('[1, NULL, -3]'), which DuckDB casts to the list type the
 * statement wants. Text a reader here does not know is passed on as text for
 * DuckDB to cast, as Postgres hands an unknown literal to the type's input.
 */
import {
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBIntervalValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTimeTZValue,
  DuckDBTimeValue,
  DuckDBUUIDValue,
} from '@duckdb/node-api';
import { RvbbitError } from '../../../base/errors.js';
import { decodeUtf8 } from '../utf8.js';
import { ArraySyntaxError, type ArrayTree, parseArrayBinary, parseArrayText } from './array-codec.js';
import {
  DATE_INFINITY,
  PG_DATE_BEGIN,
  PG_DATE_END,
  PG_EPOCH_DAYS,
  PG_EPOCH_MICROS,
  PG_TIMESTAMP_BEGIN,
  PG_TIMESTAMP_END,
  parseDate,
  parseInterval,
  parseTime,
  parseTimestamp,
  TIMESTAMP_INFINITY,
} from './datetime-codec.js';
import { decimalText, decodeNumericBinary, parseDecimal } from './numeric-codec.js';
import { ELEMENT_OID, Oid } from './oids.js';

/** DuckDB's widest DECIMAL; a wider numeric goes as its text. */
const MAX_DECIMAL_WIDTH = 38;

/**
 * Parameter types whose binary form is read by its layout here; any other
 * binary parameter is read as UTF-8 text (so the caller checks it is UTF-8).
 */
export const BINARY_PARAM_OIDS: ReadonlySet<number> = new Set([
  0,
  Oid.bool,
  Oid.bytea,
  Oid.int2,
  Oid.int4,
  Oid.int8,
  Oid.oid,
  Oid.float4,
  Oid.float8,
  Oid.numeric,
  Oid.date,
  Oid.time,
  Oid.timetz,
  Oid.timestamp,
  Oid.timestamptz,
  Oid.interval,
  Oid.uuid,
  Oid.jsonb,
  ...Object.keys(ELEMENT_OID).map(Number),
]);

/** One Bind parameter as the value the engine binds. */
export function decodeParam(raw: Buffer | null, format: number, oid: number, index: number): unknown {
  if (raw === null) return null;
  try {
    if (ELEMENT_OID[oid] !== undefined) return arrayParam(raw, format, ELEMENT_OID[oid]!);
    return format === 0 ? decodeText(decodeUtf8(raw), oid) : decodeBinary(raw, oid);
  } catch (err) {
    if (err instanceof RvbbitError) throw err;
    const form = format === 0 ? 'text' : 'binary';
    const why = err instanceof ArraySyntaxError ? `: ${err.message}` : '';
    throw new RvbbitError(
      'BAD_PARAMETER',
      `parameter $${index + 1}: malformed ${form} value for type ${oid}${why}`,
    );
  }
}

function decodeBinary(raw: Buffer, oid: number): unknown {
  const exactly = (n: number) => {
    if (raw.length !== n) throw new RangeError(`expected ${n} bytes, got ${raw.length}`);
  };
  switch (oid) {
    case Oid.bool:
      exactly(1);
      return raw[0] !== 0;
    case Oid.int2:
      exactly(2);
      return raw.readInt16BE(0);
    case Oid.int4:
    case Oid.oid:
      exactly(4);
      return oid === Oid.oid ? raw.readUInt32BE(0) : raw.readInt32BE(0);
    case Oid.int8:
      exactly(8);
      return raw.readBigInt64BE(0);
    case Oid.float4:
      exactly(4);
      return raw.readFloatBE(0);
    case Oid.float8:
      exactly(8);
      return raw.readDoubleBE(0);
    case Oid.numeric:
      return numericParam(decodeNumericBinary(raw));
    case Oid.date: {
      exactly(4);
      const days = raw.readInt32BE(0);
      if (days === PG_DATE_END) return new DuckDBDateValue(DATE_INFINITY);
      if (days === PG_DATE_BEGIN) return new DuckDBDateValue(-DATE_INFINITY);
      return new DuckDBDateValue(days + PG_EPOCH_DAYS);
    }
    case Oid.time:
      exactly(8);
      return new DuckDBTimeValue(raw.readBigInt64BE(0));
    case Oid.timetz:
      exactly(12);
      // The zone comes as seconds west of UTC; DuckDB keeps seconds east.
      return DuckDBTimeTZValue.fromMicrosAndOffset(raw.readBigInt64BE(0), -raw.readInt32BE(8));
    case Oid.timestamp:
    case Oid.timestamptz: {
      exactly(8);
      const pg = raw.readBigInt64BE(0);
      const micros =
        pg === PG_TIMESTAMP_END
          ? TIMESTAMP_INFINITY
          : pg === PG_TIMESTAMP_BEGIN
            ? -TIMESTAMP_INFINITY
            : pg + PG_EPOCH_MICROS;
      return oid === Oid.timestamp ? new DuckDBTimestampValue(micros) : new DuckDBTimestampTZValue(micros);
    }
    case Oid.interval:
      exactly(16);
      return new DuckDBIntervalValue(raw.readInt32BE(12), raw.readInt32BE(8), raw.readBigInt64BE(0));
    case Oid.uuid:
      exactly(16);
      return DuckDBUUIDValue.fromUint128(BigInt(`0x${raw.toString('hex')}`));
    case Oid.bytea:
    case 0:
      return new Uint8Array(raw);
    case Oid.jsonb:
      // jsonb_send: a version byte (1), then the JSON text.
      if (raw[0] !== 1) throw new RangeError(`unsupported jsonb version ${raw[0]}`);
      return decodeUtf8(raw.subarray(1));
    default:
      return decodeUtf8(raw);
  }
}

function decodeText(text: string, oid: number): unknown {
  switch (oid) {
    case Oid.bool:
      return /^\s*(t|true|y|yes|on|1)\s*$/i.test(text);
    case Oid.int2:
    case Oid.int4:
    case Oid.float4:
    case Oid.float8:
    case Oid.oid: {
      const n = Number(text);
      return Number.isNaN(n) && text.trim() !== 'NaN' ? text : n;
    }
    case Oid.int8:
      return /^\s*[+-]?\d+\s*$/.test(text) ? BigInt(text.trim()) : text;
    case Oid.numeric:
      return numericParam(text);
    case Oid.bytea:
      return byteaFromText(text);
    case Oid.date: {
      const days = parseDate(text);
      return days === undefined ? text : new DuckDBDateValue(days);
    }
    case Oid.time: {
      const t = parseTime(text);
      return t === undefined ? text : new DuckDBTimeValue(t.micros);
    }
    case Oid.timetz: {
      const t = parseTime(text);
      return t === undefined ? text : DuckDBTimeTZValue.fromMicrosAndOffset(t.micros, t.offset ?? 0);
    }
    case Oid.timestamp:
    case Oid.timestamptz: {
      const micros = parseTimestamp(text, oid === Oid.timestamptz);
      if (micros === undefined) return text;
      return oid === Oid.timestamp ? new DuckDBTimestampValue(micros) : new DuckDBTimestampTZValue(micros);
    }
    case Oid.interval: {
      const i = parseInterval(text);
      return i === undefined ? text : new DuckDBIntervalValue(i.months, i.days, i.micros);
    }
    case Oid.uuid: {
      const hex = text
        .trim()
        .replace(/^\{|\}$/g, '')
        .replace(/-/g, '');
      return /^[0-9a-f]{32}$/i.test(hex) ? DuckDBUUIDValue.fromUint128(BigInt(`0x${hex}`)) : text;
    }
    default:
      return text;
  }
}

/** A numeric as a DuckDB DECIMAL of its own width and scale; as text when DuckDB has none that wide (or for NaN). */
function numericParam(text: string): unknown {
  const d = parseDecimal(text);
  if (!d) return text.trim();
  const width = Math.max((d.unscaled < 0n ? -d.unscaled : d.unscaled).toString().length, d.scale, 1);
  if (width > MAX_DECIMAL_WIDTH) return decimalText(d.unscaled, d.scale);
  return new DuckDBDecimalValue(d.unscaled, width, d.scale);
}

/** bytea's text input: hex ('\x00ff') or the escape format ('a\\000b', '\\\\' for a backslash). */
function byteaFromText(text: string): Uint8Array {
  if (text.startsWith('\\x')) {
    const hex = text.slice(2).replace(/\s+/g, '');
    if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new RangeError('invalid hexadecimal data');
    return new Uint8Array(Buffer.from(hex, 'hex'));
  }
  const out: number[] = [];
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0x5c) {
      out.push(bytes[i]!);
      continue;
    }
    if (bytes[i + 1] === 0x5c) {
      out.push(0x5c);
      i++;
      continue;
    }
    const oct = bytes.subarray(i + 1, i + 4).toString('latin1');
    if (!/^[0-3][0-7]{2}$/.test(oct)) throw new RangeError('invalid input syntax for type bytea');
    out.push(Number.parseInt(oct, 8));
    i += 3;
  }
  return new Uint8Array(out);
}

/** A Postgres array (text or binary) as the text of a DuckDB list of its decoded elements. */
function arrayParam(raw: Buffer, format: number, elementOid: number): string {
  if (format === 0) return arrayTextAsDuckDBList(decodeUtf8(raw), elementOid);
  const { elementOid: sent, tree } = parseArrayBinary(raw);
  // The elements' own type, as array_recv reads them (a client may send int8 elements for int4[]).
  const oid = sent || elementOid;
  return listLiteral(tree, (b) => decodeBinary(b, oid), oid);
}

/** A Postgres array's text ('{1,NULL}') as the text of a DuckDB list ('[1, NULL]'); throws ArraySyntaxError. */
export function arrayTextAsDuckDBList(text: string, elementOid: number): string {
  return listLiteral(parseArrayText(text), (t) => decodeText(t, elementOid), elementOid);
}

function listLiteral<T>(tree: ArrayTree<T>, decode: (v: T) => unknown, elementOid: number): string {
  const items = tree.map((item) => {
    if (Array.isArray(item)) return listLiteral(item, decode, elementOid);
    if (item === null) return elementOid === Oid.json || elementOid === Oid.jsonb ? 'null' : 'NULL';
    return listItem(decode(item), elementOid);
  });
  return `[${items.join(', ')}]`;
}

/** A string in a DuckDB list's text: double-quoted, backslash and quote escaped. */
const quoted = (s: string): string => `"${s.replace(/["\\]/g, '\\$&')}"`;

/** One decoded element as DuckDB's list text reads it back to the same value. */
function listItem(v: unknown, elementOid: number): string {
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof DuckDBDecimalValue) return decimalText(v.value, v.scale);
  // A JSON[] cast parses the list as JSON: elements go as their JSON.
  if (typeof v === 'string') return elementOid === Oid.json || elementOid === Oid.jsonb ? v : quoted(v);
  // Every byte escaped: DuckDB's BLOB text reads \xHH and nothing else specially.
  if (v instanceof Uint8Array)
    return quoted([...v].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join(''));
  if (v instanceof DuckDBIntervalValue)
    return quoted(`${v.months} months ${v.days} days ${v.micros} microseconds`);
  if (v instanceof DuckDBDateValue && Math.abs(v.days) >= DATE_INFINITY)
    return quoted(v.days > 0 ? 'infinity' : '-infinity');
  return quoted(String(v));
}
