/**
 * Which Postgres type a DuckDB type goes out as, for RowDescription,
 * ParameterDescription and the emulated catalog. A DuckDB type with no exact
 * Postgres form (STRUCT, MAP, UNION, nested lists, TIMESTAMP_NS, TIME_NS,
 * BIT …) goes as text (OID 25) in DuckDB's own text, never as a type whose
 * values would come out different.
 * @see https://www.postgresql.org/docs/current/datatype.html
 */
import { ARRAY_OID, Oid } from './oids.js';

export interface PgType {
  readonly oid: number;
  readonly len: number;
  readonly mod: number;
  /** An array's element type. */
  readonly elem?: PgType;
}

const TEXT: PgType = { oid: Oid.text, len: -1, mod: -1 };
const NUMERIC: PgType = { oid: Oid.numeric, len: -1, mod: -1 };

const FIXED: Readonly<Record<string, PgType>> = {
  BOOLEAN: { oid: Oid.bool, len: 1, mod: -1 },
  TINYINT: { oid: Oid.int2, len: 2, mod: -1 },
  SMALLINT: { oid: Oid.int2, len: 2, mod: -1 },
  UTINYINT: { oid: Oid.int2, len: 2, mod: -1 },
  INTEGER: { oid: Oid.int4, len: 4, mod: -1 },
  USMALLINT: { oid: Oid.int4, len: 4, mod: -1 },
  BIGINT: { oid: Oid.int8, len: 8, mod: -1 },
  UINTEGER: { oid: Oid.int8, len: 8, mod: -1 },
  UBIGINT: NUMERIC,
  HUGEINT: NUMERIC,
  UHUGEINT: NUMERIC,
  BIGNUM: NUMERIC,
  VARINT: NUMERIC,
  FLOAT: { oid: Oid.float4, len: 4, mod: -1 },
  DOUBLE: { oid: Oid.float8, len: 8, mod: -1 },
  VARCHAR: TEXT,
  BLOB: { oid: Oid.bytea, len: -1, mod: -1 },
  DATE: { oid: Oid.date, len: 4, mod: -1 },
  TIME: { oid: Oid.time, len: 8, mod: -1 },
  'TIME WITH TIME ZONE': { oid: Oid.timetz, len: 12, mod: -1 },
  TIMESTAMP: { oid: Oid.timestamp, len: 8, mod: -1 },
  TIMESTAMP_S: { oid: Oid.timestamp, len: 8, mod: -1 },
  TIMESTAMP_MS: { oid: Oid.timestamp, len: 8, mod: -1 },
  'TIMESTAMP WITH TIME ZONE': { oid: Oid.timestamptz, len: 8, mod: -1 },
  INTERVAL: { oid: Oid.interval, len: 16, mod: -1 },
  UUID: { oid: Oid.uuid, len: 16, mod: -1 },
  JSON: { oid: Oid.json, len: -1, mod: -1 },
};

function scalarOf(t: string): PgType | undefined {
  const fixed = FIXED[t];
  if (fixed) return fixed;
  const dec = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t);
  if (dec) return { oid: Oid.numeric, len: -1, mod: ((Number(dec[1]) << 16) | Number(dec[2])) + 4 };
  return undefined;
}

/** A list or fixed-size array of a type with a Postgres array type; nested lists have none. */
function arrayOf(t: string): PgType | undefined {
  const m = /^(.*)\[\d*\]$/.exec(t);
  const elem = m ? scalarOf(m[1]!) : undefined;
  const oid = elem ? ARRAY_OID[elem.oid] : undefined;
  return elem && oid ? { oid, len: -1, mod: elem.mod, elem } : undefined;
}

const known = new Map<string, PgType>();

/** The Postgres type a DuckDB column type is sent as (text for one with no exact Postgres form). */
export function pgTypeOf(duckType: string): PgType {
  let t = known.get(duckType);
  if (!t) {
    const upper = duckType.trim().toUpperCase();
    t = scalarOf(upper) ?? arrayOf(upper) ?? TEXT;
    if (known.size < 10_000) known.set(duckType, t);
  }
  return t;
}

/** A SQL expression mapping a DuckDB type name (text, as duckdb_columns() has it) to its Postgres OID, for the emulated catalog. */
export function oidCaseSql(expr: string): string {
  const scalars = Object.entries(FIXED);
  const arms = scalars.map(([name, t]) => `WHEN '${name}' THEN ${t.oid}`);
  const arrayArms = scalars.flatMap(([name, t]) =>
    ARRAY_OID[t.oid] ? [`WHEN '${name}' THEN ${ARRAY_OID[t.oid]}`] : [],
  );
  const element = `regexp_replace(${expr}, '\\[\\d*\\]$', '')`;
  return `CASE WHEN ${expr} LIKE 'DECIMAL(%)' THEN ${Oid.numeric}
    WHEN regexp_matches(${expr}, '^DECIMAL\\(\\d+,\\s*\\d+\\)\\[\\d*\\]$') THEN ${ARRAY_OID[Oid.numeric]}
    WHEN regexp_matches(${expr}, '^[A-Z_ ]+\\[\\d*\\]$') THEN CASE ${element} ${arrayArms.join(' ')} ELSE ${Oid.text} END
    ELSE CASE ${expr} ${arms.join(' ')} ELSE ${Oid.text} END END`;
}
