/**
 * DuckDB types as Postgres types: OIDs for RowDescription and
 * ParameterDescription (pg-oids.ts), result values in text or binary format
 * (pg-value-codec.ts), and Bind parameters decoded from either format into
 * values DuckDB binds exactly (pg-param-codec.ts).
 * @see https://www.postgresql.org/docs/current/datatype.html
 */
import { pgTypeOf } from './pg-oids.js';
import { codecOf } from './pg-value-codec.js';

export { decodeNumericBinary, encodeNumericBinary } from './pg-numeric-codec.js';
export { ARRAY_OID, ELEMENT_OID, Oid, oidCaseSql, PG_TYPE_ROWS, type PgType, pgTypeOf } from './pg-oids.js';
export { BINARY_PARAM_OIDS, decodeParam } from './pg-param-codec.js';
export { encodeText, encodeValue } from './pg-value-codec.js';

/**
 * A value in Postgres' binary format for `oid` (binary COPY); undefined for
 * SQL NULL or when `oid` is not the type its DuckDB column goes out as.
 */
export function encodeBinary(value: unknown, oid: number, duckType: string): Buffer | undefined {
  if (value === null || value === undefined || oid !== pgTypeOf(duckType).oid) return undefined;
  return codecOf(duckType).binary(value);
}
