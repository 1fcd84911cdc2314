/**
 * What a statement looks like to a client before and after it runs: the
 * RowDescription fields of a result, and Describe-statement's parameter
 * types from DuckDB's prepare, without running it (its columns:
 * result-columns.ts).
 */

import { skipSpaceAndComments } from '../../grammar/sql-scan.js';
import type { QueryResult } from '../db/query-result.js';
import type { Session } from '../engine/session.js';
import { specialQuery } from './catalog-queries.js';
import { ensureCatalog } from './catalog-setup.js';
import type * as msg from './message-writer.js';
import type { ParsedSql } from './parsed-sql.js';
import type { StatementClass } from './statement-class.js';
import { TYPE_INTROSPECTION_PARAMS, typeIntrospection } from './type-introspection.js';
import { Oid } from './types/oids.js';
import { pgTypeOf } from './types/type-map.js';

export interface PreparedStatement {
  readonly sql: string;
  readonly paramOids: readonly number[];
  /** Its classification, made once at Parse (statement-class.ts). */
  readonly cls: StatementClass;
  /** The engine's parse of it, made when first needed and kept (parsed-sql.ts). */
  readonly parsed: ParsedSql;
}

/** Only whitespace, comments and semicolons. */
export function isEmptyQuery(sql: string): boolean {
  let i = skipSpaceAndComments(sql);
  while (sql.charCodeAt(i) === 59) i = skipSpaceAndComments(sql, i + 1);
  return i >= sql.length;
}

export function formatAt(formats: readonly number[], i: number): number {
  if (formats.length === 0) return 0;
  if (formats.length === 1) return formats[0]!;
  return formats[i] ?? 0;
}

export function fieldsOf(result: QueryResult, formats: readonly number[]): msg.FieldDescription[] {
  return result.columns.map((c, i) => {
    const t = pgTypeOf(c.type);
    return { name: c.name, typeOid: t.oid, typeLen: t.len, typeMod: t.mod, format: formatAt(formats, i) };
  });
}

/**
 * Parameter types of a statement without running it (DuckDB's prepare);
 * RVBBIT statements say text. Its columns: result-columns.ts.
 */
export async function describeStatement(
  session: Session,
  statement: PreparedStatement,
  settings: Map<string, string>,
  params: Record<string, string>,
  pid?: number,
): Promise<{ paramOids: number[] }> {
  const count = Math.max(
    statement.paramOids.length,
    ...[...statement.sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])),
    0,
  );
  // asyncpg's type introspection takes an oid[] (type-introspection.ts); what DuckDB cannot prepare is text.
  const known = typeIntrospection(statement.sql) ? TYPE_INTROSPECTION_PARAMS : [];
  const fallback = Array.from({ length: count }, (_, i) => statement.paramOids[i] || known[i] || Oid.text);
  const special = specialQuery(statement.sql, new Map(settings), params, pid);
  if (special?.kind === 'command' || special?.kind === 'rows') return { paramOids: fallback };
  // The dialect's statements are not DuckDB's to prepare; one without parameters has no types to tell.
  if (statement.cls.rvbbit || !/[$?]/.test(statement.sql)) {
    return { paramOids: fallback };
  }
  const sql = special?.kind === 'sql' ? special.sql : statement.sql;
  try {
    await ensureCatalog(session, sql, params, pid);
    const { paramTypes } = await session.connection.preparedShape(sql);
    // One DuckDB cannot type (`SELECT $1`) is text, as Postgres takes an unknown.
    const paramOids = paramTypes.map((t, i) => {
      if (statement.paramOids[i]) return statement.paramOids[i]!;
      return t === undefined || t === 'ANY' || t === 'UNKNOWN' ? Oid.text : pgTypeOf(t).oid;
    });
    return { paramOids };
  } catch {
    return { paramOids: fallback };
  }
}
