/**
 * DuckDB types as Postgres types: OIDs for RowDescription and
 * ParameterDescription, result values in text or binary format, and
 * parameters decoded from either format into the JS values the engine binds.
 * @see https://www.postgresql.org/docs/current/datatype.html
 */
import { RvbbitError } from '../errors.js';
import { valueText } from '../output/value-text.js';

export const Oid = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  unknown: 705,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const;

export interface PgType {
  readonly oid: number;
  readonly len: number;
  readonly mod: number;
}

const FIXED: Readonly<Record<string, PgType>> = {
  BOOLEAN: { oid: Oid.bool, len: 1, mod: -1 },
  TINYINT: { oid: Oid.int2, len: 2, mod: -1 },
  SMALLINT: { oid: Oid.int2, len: 2, mod: -1 },
  UTINYINT: { oid: Oid.int2, len: 2, mod: -1 },
  INTEGER: { oid: Oid.int4, len: 4, mod: -1 },
  USMALLINT: { oid: Oid.int4, len: 4, mod: -1 },
  BIGINT: { oid: Oid.int8, len: 8, mod: -1 },
  UINTEGER: { oid: Oid.int8, len: 8, mod: -1 },
  UBIGINT: { oid: Oid.numeric, len: -1, mod: -1 },
  HUGEINT: { oid: Oid.numeric, len: -1, mod: -1 },
  UHUGEINT: { oid: Oid.numeric, len: -1, mod: -1 },
  FLOAT: { oid: Oid.float4, len: 4, mod: -1 },
  DOUBLE: { oid: Oid.float8, len: 8, mod: -1 },
  VARCHAR: { oid: Oid.text, len: -1, mod: -1 },
  BLOB: { oid: Oid.bytea, len: -1, mod: -1 },
  DATE: { oid: Oid.date, len: 4, mod: -1 },
  TIME: { oid: Oid.time, len: 8, mod: -1 },
  TIMESTAMP: { oid: Oid.timestamp, len: 8, mod: -1 },
  TIMESTAMP_S: { oid: Oid.timestamp, len: 8, mod: -1 },
  TIMESTAMP_MS: { oid: Oid.timestamp, len: 8, mod: -1 },
  TIMESTAMP_NS: { oid: Oid.timestamp, len: 8, mod: -1 },
  'TIMESTAMP WITH TIME ZONE': { oid: Oid.timestamptz, len: 8, mod: -1 },
  INTERVAL: { oid: Oid.interval, len: 16, mod: -1 },
  UUID: { oid: Oid.uuid, len: 16, mod: -1 },
  JSON: { oid: Oid.json, len: -1, mod: -1 },
};

/** The Postgres type a DuckDB column type is sent as; nested and other types go as text. */
export function pgTypeOf(duckType: string): PgType {
  const t = duckType.toUpperCase();
  const fixed = FIXED[t];
  if (fixed) return fixed;
  const dec = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t);
  if (dec) return { oid: Oid.numeric, len: -1, mod: ((Number(dec[1]) << 16) | Number(dec[2])) + 4 };
  return { oid: Oid.text, len: -1, mod: -1 };
}

/** A SQL CASE mapping a DuckDB type name (text) to its Postgres OID, for the emulated catalog. */
export function oidCaseSql(expr: string): string {
  const arms = Object.entries(FIXED).map(([name, t]) => `WHEN '${name}' THEN ${t.oid}`);
  return `CASE WHEN ${expr} LIKE 'DECIMAL(%' THEN ${Oid.numeric} ELSE CASE ${expr} ${arms.join(' ')} ELSE ${Oid.text} END END`;
}

/** Postgres types the emulated pg_type lists: [oid, name, len, category, array oid, element oid]. */
export const PG_TYPE_ROWS: readonly (readonly [number, string, number, string, number, number])[] = [
  [16, 'bool', 1, 'B', 1000, 0],
  [17, 'bytea', -1, 'U', 1001, 0],
  [18, 'char', 1, 'S', 1002, 0],
  [19, 'name', 64, 'S', 1003, 0],
  [20, 'int8', 8, 'N', 1016, 0],
  [21, 'int2', 2, 'N', 1005, 0],
  [23, 'int4', 4, 'N', 1007, 0],
  [24, 'regproc', 4, 'N', 1008, 0],
  [25, 'text', -1, 'S', 1009, 0],
  [26, 'oid', 4, 'N', 1028, 0],
  [114, 'json', -1, 'U', 199, 0],
  [700, 'float4', 4, 'N', 1021, 0],
  [701, 'float8', 8, 'N', 1022, 0],
  [705, 'unknown', -2, 'X', 0, 0],
  [1042, 'bpchar', -1, 'S', 1014, 0],
  [1043, 'varchar', -1, 'S', 1015, 0],
  [1082, 'date', 4, 'D', 1182, 0],
  [1083, 'time', 8, 'D', 1183, 0],
  [1114, 'timestamp', 8, 'D', 1115, 0],
  [1184, 'timestamptz', 8, 'D', 1185, 0],
  [1186, 'interval', 16, 'T', 1187, 0],
  [1700, 'numeric', -1, 'N', 1231, 0],
  [2950, 'uuid', 16, 'U', 2951, 0],
  [3802, 'jsonb', -1, 'U', 3807, 0],
  [1000, '_bool', -1, 'A', 0, 16],
  [1005, '_int2', -1, 'A', 0, 21],
  [1007, '_int4', -1, 'A', 0, 23],
  [1009, '_text', -1, 'A', 0, 25],
  [1016, '_int8', -1, 'A', 0, 20],
  [1015, '_varchar', -1, 'A', 0, 1043],
  [1021, '_float4', -1, 'A', 0, 700],
  [1022, '_float8', -1, 'A', 0, 701],
];

const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const PG_EPOCH_DAYS = PG_EPOCH_MS / 86_400_000;

/** One result value in the requested format (0 text, 1 binary). */
export function encodeValue(value: unknown, duckType: string, format: number): Buffer | null {
  if (value === null || value === undefined) return null;
  if (format === 1) {
    const bin = encodeBinary(value, pgTypeOf(duckType).oid, duckType);
    if (bin) return bin;
  }
  return Buffer.from(valueText(value, duckType, 'pg') ?? '', 'utf8');
}

export function encodeBinary(value: unknown, oid: number, duckType: string): Buffer | undefined {
  const num = typeof value === 'bigint' ? Number(value) : value;
  switch (oid) {
    case Oid.bool:
      return Buffer.from([value ? 1 : 0]);
    case Oid.int2: {
      const b = Buffer.alloc(2);
      b.writeInt16BE(Number(num));
      return b;
    }
    case Oid.int4: {
      const b = Buffer.alloc(4);
      b.writeInt32BE(Number(num));
      return b;
    }
    case Oid.int8: {
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(BigInt(value as bigint | number));
      return b;
    }
    case Oid.float4: {
      const b = Buffer.alloc(4);
      b.writeFloatBE(Number(num));
      return b;
    }
    case Oid.float8: {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(Number(num));
      return b;
    }
    case Oid.text:
    case Oid.json:
    case Oid.varchar:
      return typeof value === 'string' ? Buffer.from(value, 'utf8') : undefined;
    case Oid.bytea:
      return value instanceof Uint8Array ? Buffer.from(value) : undefined;
    case Oid.date: {
      if (!(value instanceof Date)) return undefined;
      const b = Buffer.alloc(4);
      b.writeInt32BE(Math.round(value.getTime() / 86_400_000) - PG_EPOCH_DAYS);
      return b;
    }
    case Oid.timestamp:
    case Oid.timestamptz: {
      if (!(value instanceof Date)) return undefined;
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(BigInt(value.getTime() - PG_EPOCH_MS) * 1000n);
      return b;
    }
    case Oid.uuid:
      return typeof value === 'string' ? Buffer.from(value.replace(/-/g, ''), 'hex') : undefined;
    case Oid.numeric:
      return encodeNumericBinary(valueText(value, duckType) ?? '0');
    default:
      return undefined;
  }
}

/** Postgres binary numeric: base-10000 digits with weight, sign and display scale. */
function encodeNumericBinary(text: string): Buffer {
  const neg = text.startsWith('-');
  const [intPart = '0', fracPart = ''] = (neg ? text.slice(1) : text).split('.');
  const intPadded = intPart.padStart(Math.ceil(intPart.length / 4) * 4, '0');
  const fracPadded = fracPart.padEnd(Math.ceil(fracPart.length / 4) * 4, '0');
  const digits: number[] = [];
  for (let i = 0; i < intPadded.length; i += 4) digits.push(Number(intPadded.slice(i, i + 4)));
  const intGroups = digits.length;
  for (let i = 0; i < fracPadded.length; i += 4) digits.push(Number(fracPadded.slice(i, i + 4)));
  let weight = intGroups - 1;
  while (digits.length > 0 && digits[0] === 0) {
    digits.shift();
    weight--;
  }
  while (digits.length > 0 && digits[digits.length - 1] === 0) digits.pop();
  const b = Buffer.alloc(8 + digits.length * 2);
  b.writeInt16BE(digits.length, 0);
  b.writeInt16BE(digits.length === 0 ? 0 : weight, 2);
  b.writeUInt16BE(neg ? 0x4000 : 0, 4);
  b.writeInt16BE(fracPart.length, 6);
  for (const [i, d] of digits.entries()) b.writeInt16BE(d, 8 + i * 2);
  return b;
}

function decodeNumericBinary(b: Buffer): string {
  const n = b.readInt16BE(0);
  const weight = b.readInt16BE(2);
  const sign = b.readUInt16BE(4);
  const dscale = b.readInt16BE(6);
  if (sign === 0xc000) return 'NaN';
  let intPart = '';
  let frac = '';
  for (let i = 0; i < n; i++) {
    const d = String(b.readInt16BE(8 + i * 2)).padStart(4, '0');
    if (i <= weight) intPart += d;
    else frac += d;
  }
  for (let i = n; i <= weight; i++) intPart += '0000';
  if (weight < -1) frac = '0000'.repeat(-weight - 1) + frac;
  intPart = intPart.replace(/^0+/, '') || '0';
  frac = frac.padEnd(dscale, '0').slice(0, dscale);
  return `${sign === 0x4000 ? '-' : ''}${intPart}${frac ? `.${frac}` : ''}`;
}

/** One Bind parameter as the JS value the engine binds. */
export function decodeParam(raw: Buffer | null, format: number, oid: number, index: number): unknown {
  if (raw === null) return null;
  if (format === 0) return decodeText(raw.toString('utf8'), oid);
  try {
    switch (oid) {
      case Oid.bool:
        return raw[0] !== 0;
      case Oid.int2:
        return raw.readInt16BE(0);
      case Oid.int4:
      case Oid.oid:
        return raw.readInt32BE(0);
      case Oid.int8:
        return raw.readBigInt64BE(0);
      case Oid.float4:
        return raw.readFloatBE(0);
      case Oid.float8:
        return raw.readDoubleBE(0);
      case Oid.numeric:
        return Number(decodeNumericBinary(raw));
      case Oid.date:
        return new Date((raw.readInt32BE(0) + PG_EPOCH_DAYS) * 86_400_000);
      case Oid.timestamp:
      case Oid.timestamptz:
        return new Date(PG_EPOCH_MS + Number(raw.readBigInt64BE(0) / 1000n));
      case Oid.bytea:
      case 0:
        return new Uint8Array(raw);
      case Oid.jsonb:
        return raw.subarray(1).toString('utf8');
      case Oid.uuid: {
        const h = raw.toString('hex');
        return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
      }
      default:
        return raw.toString('utf8');
    }
  } catch {
    throw new RvbbitError('BAD_PARAMETER', `parameter $${index + 1}: malformed binary value for type ${oid}`);
  }
}

function decodeText(text: string, oid: number): unknown {
  switch (oid) {
    case Oid.bool:
      return /^(t|true|y|yes|on|1)$/i.test(text.trim());
    case Oid.int2:
    case Oid.int4:
    case Oid.float4:
    case Oid.float8:
    case Oid.numeric:
    case Oid.oid: {
      const n = Number(text);
      return Number.isNaN(n) && text.trim() !== 'NaN' ? text : n;
    }
    case Oid.int8:
      return /^\s*-?\d+\s*$/.test(text) ? BigInt(text.trim()) : text;
    case Oid.bytea:
      return text.startsWith('\\x') ? new Uint8Array(Buffer.from(text.slice(2), 'hex')) : text;
    default:
      return text;
  }
}
