/**
 * Which Postgres type a DuckDB type goes out as: OIDs for RowDescription,
 * ParameterDescription and the emulated catalog. A DuckDB type with no exact
 * Postgres form (STRUCT, MAP, UNION, nested lists, TIMESTAMP_NS, TIME_NS,
 * BIT …) goes as text (OID 25) in DuckDB's own text, never as a type whose
 * values would come out different.
 * @see https://www.postgresql.org/docs/current/datatype.html
 */

export const Oid = {
  bool: 16,
  bytea: 17,
  char: 18,
  name: 19,
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
  timetz: 1266,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const;

/** Each element type's array type (pg_type.typarray). */
export const ARRAY_OID: Readonly<Record<number, number>> = {
  [Oid.bool]: 1000,
  [Oid.bytea]: 1001,
  [Oid.char]: 1002,
  [Oid.name]: 1003,
  [Oid.int2]: 1005,
  [Oid.int4]: 1007,
  [Oid.text]: 1009,
  [Oid.bpchar]: 1014,
  [Oid.varchar]: 1015,
  [Oid.int8]: 1016,
  [Oid.float4]: 1021,
  [Oid.float8]: 1022,
  [Oid.oid]: 1028,
  [Oid.date]: 1182,
  [Oid.time]: 1183,
  [Oid.timestamp]: 1115,
  [Oid.timestamptz]: 1185,
  [Oid.interval]: 1187,
  [Oid.timetz]: 1270,
  [Oid.numeric]: 1231,
  [Oid.uuid]: 2951,
  [Oid.json]: 199,
  [Oid.jsonb]: 3807,
};

/** Each array type's element type (pg_type.typelem). */
export const ELEMENT_OID: Readonly<Record<number, number>> = Object.fromEntries(
  Object.entries(ARRAY_OID).map(([elem, arr]) => [arr, Number(elem)]),
);

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
  [1266, 'timetz', 12, 'D', 1270, 0],
  [1700, 'numeric', -1, 'N', 1231, 0],
  [2950, 'uuid', 16, 'U', 2951, 0],
  [3802, 'jsonb', -1, 'U', 3807, 0],
  [199, '_json', -1, 'A', 0, 114],
  [1000, '_bool', -1, 'A', 0, 16],
  [1001, '_bytea', -1, 'A', 0, 17],
  [1002, '_char', -1, 'A', 0, 18],
  [1003, '_name', -1, 'A', 0, 19],
  [1005, '_int2', -1, 'A', 0, 21],
  [1007, '_int4', -1, 'A', 0, 23],
  [1009, '_text', -1, 'A', 0, 25],
  [1014, '_bpchar', -1, 'A', 0, 1042],
  [1015, '_varchar', -1, 'A', 0, 1043],
  [1016, '_int8', -1, 'A', 0, 20],
  [1021, '_float4', -1, 'A', 0, 700],
  [1022, '_float8', -1, 'A', 0, 701],
  [1028, '_oid', -1, 'A', 0, 26],
  [1115, '_timestamp', -1, 'A', 0, 1114],
  [1182, '_date', -1, 'A', 0, 1082],
  [1183, '_time', -1, 'A', 0, 1083],
  [1185, '_timestamptz', -1, 'A', 0, 1184],
  [1187, '_interval', -1, 'A', 0, 1186],
  [1231, '_numeric', -1, 'A', 0, 1700],
  [1270, '_timetz', -1, 'A', 0, 1266],
  [2951, '_uuid', -1, 'A', 0, 2950],
  [3807, '_jsonb', -1, 'A', 0, 3802],
];
