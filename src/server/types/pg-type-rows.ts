/**
 * The rows of the emulated pg_type (pg-catalog-views.ts) and of asyncpg's
 * type introspection (type-introspection.ts): every type the server sends or
 * decodes, each array type after them. OIDs come from oids.ts.
 */
import { ARRAY_OID, Oid, REGPROC_ARRAY_OID } from './oids.js';

/** A pg_type row: [oid, name, len, category, array oid, element oid]. */
type PgTypeRow = readonly [number, string, number, string, number, number];

/** The base types: [oid, name, typlen, typcategory]. */
const BASE_TYPES: readonly (readonly [number, string, number, string])[] = [
  [Oid.bool, 'bool', 1, 'B'],
  [Oid.bytea, 'bytea', -1, 'U'],
  [Oid.char, 'char', 1, 'S'],
  [Oid.name, 'name', 64, 'S'],
  [Oid.int8, 'int8', 8, 'N'],
  [Oid.int2, 'int2', 2, 'N'],
  [Oid.int4, 'int4', 4, 'N'],
  [Oid.regproc, 'regproc', 4, 'N'],
  [Oid.text, 'text', -1, 'S'],
  [Oid.oid, 'oid', 4, 'N'],
  [Oid.json, 'json', -1, 'U'],
  [Oid.float4, 'float4', 4, 'N'],
  [Oid.float8, 'float8', 8, 'N'],
  [Oid.unknown, 'unknown', -2, 'X'],
  [Oid.bpchar, 'bpchar', -1, 'S'],
  [Oid.varchar, 'varchar', -1, 'S'],
  [Oid.date, 'date', 4, 'D'],
  [Oid.time, 'time', 8, 'D'],
  [Oid.timestamp, 'timestamp', 8, 'D'],
  [Oid.timestamptz, 'timestamptz', 8, 'D'],
  [Oid.interval, 'interval', 16, 'T'],
  [Oid.timetz, 'timetz', 12, 'D'],
  [Oid.numeric, 'numeric', -1, 'N'],
  [Oid.uuid, 'uuid', 16, 'U'],
  [Oid.jsonb, 'jsonb', -1, 'U'],
];

const arrayOid = (oid: number): number => ARRAY_OID[oid] ?? (oid === Oid.regproc ? REGPROC_ARRAY_OID : 0);

/** Postgres types the emulated pg_type lists: the base types, then their array types by OID. */
export const PG_TYPE_ROWS: readonly PgTypeRow[] = [
  ...BASE_TYPES.map(([oid, name, len, category]): PgTypeRow => [oid, name, len, category, arrayOid(oid), 0]),
  ...BASE_TYPES.filter(([oid]) => ARRAY_OID[oid] !== undefined)
    .map(([oid, name]): PgTypeRow => [ARRAY_OID[oid]!, `_${name}`, -1, 'A', 0, oid])
    .sort((a, b) => a[0] - b[0]),
];
