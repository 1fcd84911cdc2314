/** Statement parameters ($1, $2 …) from JS values to what DuckDB binds. */
import {
  blobValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBIntervalValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTimeTZValue,
  DuckDBTimeValue,
  DuckDBUUIDValue,
  type DuckDBValue,
} from '@duckdb/node-api';
import { RvbbitError } from '../../base/errors.js';

/** DuckDB's own values, bound as they are: exact where a JS value is not (microseconds, decimals). */
const DUCKDB_VALUE_CLASSES = [
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBIntervalValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTimeTZValue,
  DuckDBTimeValue,
  DuckDBUUIDValue,
];

export function toDuckValues(params: readonly unknown[] | undefined): DuckDBValue[] | undefined {
  if (!params || params.length === 0) return undefined;
  return params.map((p, i) => {
    if (p === null || p === undefined) return null;
    if (typeof p === 'string' || typeof p === 'number' || typeof p === 'boolean' || typeof p === 'bigint')
      return p;
    if (p instanceof Date) return new DuckDBTimestampValue(BigInt(p.getTime()) * 1000n);
    if (p instanceof Uint8Array) return blobValue(p);
    if (DUCKDB_VALUE_CLASSES.some((c) => p instanceof c)) return p as DuckDBValue;
    throw new RvbbitError('BAD_PARAMETER', `parameter $${i + 1}: unsupported value of type ${typeof p}`);
  });
}
