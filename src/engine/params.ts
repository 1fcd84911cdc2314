/** Statement parameters ($1, $2 …) from JS values to what DuckDB binds. */
import { blobValue, DuckDBTimestampValue, type DuckDBValue } from '@duckdb/node-api';
import { RvbbitError } from '../errors.js';

export function toDuckValues(params: readonly unknown[] | undefined): DuckDBValue[] | undefined {
  if (!params || params.length === 0) return undefined;
  return params.map((p, i) => {
    if (p === null || p === undefined) return null;
    if (typeof p === 'string' || typeof p === 'number' || typeof p === 'boolean' || typeof p === 'bigint')
      return p;
    if (p instanceof Date) return new DuckDBTimestampValue(BigInt(p.getTime()) * 1000n);
    if (p instanceof Uint8Array) return blobValue(p);
    throw new RvbbitError('BAD_PARAMETER', `parameter $${i + 1}: unsupported value of type ${typeof p}`);
  });
}
