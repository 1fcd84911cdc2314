/**
 * SQL types of a `sql_function` as DuckDB types (the registered function's
 * signature, so DuckDB itself refuses an operand the cascade cannot take), and
 * a cascade's answer as a value of the declared return type.
 */
import {
  BIGINT,
  BOOLEAN,
  DATE,
  DOUBLE,
  DuckDBListValue,
  type DuckDBType,
  type DuckDBValue,
  INTEGER,
  LIST,
  TIME,
  TIMESTAMP,
  VARCHAR,
} from '@duckdb/node-api';
import { DUCK_NAME_OF, type DuckName, typeFamily } from '../../../../grammar/type-names.js';
import { oneKeyValue } from '../../../cascade/answer-parse.js';

/**
 * Each DuckDB result type of the dialect (grammar/type-names.ts says which a
 * family is) as node-api's type; JSON is registered as the VARCHAR it is.
 */
const NODE_TYPE_OF: Readonly<Record<DuckName, DuckDBType>> = {
  BOOLEAN,
  INTEGER,
  BIGINT,
  DOUBLE,
  VARCHAR,
  DATE,
  TIME,
  TIMESTAMP,
  JSON: VARCHAR,
};

/** `VARCHAR`, `DECIMAL(10,2)`, `VARCHAR[]` → a DuckDB type (DECIMAL is read as DOUBLE). */
export function duckType(name: string): DuckDBType {
  if (name.endsWith('[]')) return LIST(duckType(name.slice(0, -2)));
  const family = typeFamily(name);
  if (!family) throw new Error(`no DuckDB type for ${name}`);
  return NODE_TYPE_OF[DUCK_NAME_OF[family]];
}

/** A DuckDB value as plain JSON-able data for cascade inputs (lists → arrays, bigint kept for keys). */
export function inputValue(v: DuckDBValue): unknown {
  if (v instanceof DuckDBListValue) return v.items.map(inputValue).filter((x) => x !== null);
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  return String(v);
}

/**
 * The SQL value of a cascade's output: a one-key object gives its value (as
 * MAP's clean extraction does), then it is read as the declared type. An
 * answer that cannot be read is an error, never a silent NULL.
 */
export function outputValue(output: unknown, returns: string): string | number | boolean | null {
  const v = oneKeyValue(output);
  if (v === null || v === undefined) return null;
  switch (duckType(returns)) {
    case BOOLEAN: {
      if (typeof v === 'boolean') return v;
      const s = String(v).trim().toLowerCase();
      if (/^(true|yes|1)\b/.test(s)) return true;
      if (/^(false|no|0)\b/.test(s)) return false;
      throw new Error(`expected a boolean answer, got ${JSON.stringify(v).slice(0, 80)}`);
    }
    case DOUBLE:
    case INTEGER:
    case BIGINT: {
      const n = typeof v === 'number' ? v : Number(String(v).trim());
      if (!Number.isFinite(n)) throw new Error(`expected a number, got ${JSON.stringify(v).slice(0, 80)}`);
      return n;
    }
    default:
      return typeof v === 'string' && returns !== 'JSON' ? v : JSON.stringify(v);
  }
}
