/**
 * Postgres type OIDs (pg_type.oid) that the server sends, decodes or lists
 * in its emulated catalog, and each element type's array type: the one
 * place an OID is written as a number.
 * @see https://github.com/postgres/postgres/blob/master/src/include/catalog/pg_type.dat
 */

export const Oid = {
  bool: 16,
  bytea: 17,
  char: 18,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  regproc: 24,
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

/** regproc's array type: pg_type lists it, though no value of it is ever sent or decoded. */
export const REGPROC_ARRAY_OID = 1008;
