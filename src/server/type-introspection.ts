/**
 * asyncpg's type introspection, answered. asyncpg decodes array columns and
 * encodes array parameters only for types its introspection query
 * (asyncpg/introspection.py: a recursive walk of pg_type, pg_range and
 * pg_attribute, which the emulated catalog cannot run) has told it about:
 * the answer lists every array type the server sends or takes, each with its
 * element type, so an INTEGER[] column reads as a list of ints.
 */
import type { QueryResult } from '../db/query-result.js';
import { ARRAY_OID, Oid } from './types/oids.js';
import { PG_TYPE_ROWS } from './types/pg-type-rows.js';

const COLUMNS = [
  ['oid', 'BIGINT'],
  ['ns', 'VARCHAR'],
  ['name', 'VARCHAR'],
  ['kind', 'VARCHAR'],
  ['basetype', 'BIGINT'],
  ['elemtype', 'BIGINT'],
  ['elemdelim', 'VARCHAR'],
  ['range_subtype', 'BIGINT'],
  ['attrtypoids', 'VARCHAR'],
  ['attrnames', 'VARCHAR'],
  ['depth', 'INTEGER'],
  ['basetype_name', 'VARCHAR'],
  ['elemtype_name', 'VARCHAR'],
  ['range_subtype_name', 'VARCHAR'],
] as const;

const typeName = new Map(PG_TYPE_ROWS.map(([oid, name]) => [oid, name]));

const ANSWER: QueryResult = {
  columns: COLUMNS.map(([name, type]) => ({ name, type })),
  rows: Object.entries(ARRAY_OID).map(([elem, oid]) => ({
    oid,
    ns: 'pg_catalog',
    name: typeName.get(oid) ?? `_${typeName.get(Number(elem))}`,
    kind: 'b',
    basetype: null,
    elemtype: Number(elem),
    elemdelim: ',',
    range_subtype: null,
    attrtypoids: null,
    attrnames: null,
    depth: 0,
    basetype_name: null,
    elemtype_name: typeName.get(Number(elem)) ?? null,
    range_subtype_name: null,
  })),
};

/** The answer to asyncpg's type introspection query; undefined for any other statement. */
export function typeIntrospection(sql: string): QueryResult | undefined {
  return /\btypeinfo_tree\b/.test(sql) && /\bpg_type\b/.test(sql) ? ANSWER : undefined;
}

/** The parameter types of the introspection query: the OIDs asked about, an oid[]. */
export const TYPE_INTROSPECTION_PARAMS: readonly number[] = [ARRAY_OID[Oid.oid]!];
