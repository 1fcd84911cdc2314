/**
 * Under `readOnlyFunctions` (`rvbbit serve --read-only-functions`) the
 * table the engine loads its semantic functions from at start
 * (rvbbit.semantic_functions, plan/sql-functions.ts) is read-only too: a row
 * inserted or altered there would become a function at the next start,
 * past both the flag and CREATE SEMANTIC FUNCTION's checks.
 *
 * The rule is a conservative token check: a statement that is not a pure
 * query (isQuery, the one classifier) and names `semantic_functions` as an
 * identifier anywhere (bare or quoted, any case, with or without schema or
 * catalog) is refused. Naming it is enough because DuckDB has no dynamic
 * SQL that writes: its query() table function parses one SELECT only
 * (checked on DuckDB 1.5: `SELECT * FROM query('INSERT INTO t VALUES (1)')`
 * fails with "Expected a single SELECT statement"), views are not
 * insertable, a table cannot be moved into a schema (DuckDB refuses ALTER …
 * SET SCHEMA) and a PREPARE that writes the table names it itself.
 * Two statements replace the table without naming it, so they are refused
 * by their leading words: DROP SCHEMA of its schema (CASCADE drops it) and
 * COPY FROM DATABASE, which copies another database's rvbbit schema, its
 * semantic_functions included, into one that has none (both checked on
 * DuckDB 1.5).
 */

import { RvbbitError } from '../../base/errors.js';
import { splitStatements } from '../../grammar/split.js';
import { SqlTok, type SqlToken } from '../../grammar/sql-scan.js';
import { isQuery, leadingWords } from '../../grammar/statement-kind.js';
import { SQL_FUNCTIONS_TABLE } from '../plan/sql-functions.js';

const DOT = SQL_FUNCTIONS_TABLE.lastIndexOf('.');
/** The table's own name, without its schema: `semantic_functions`. */
const TABLE_NAME = SQL_FUNCTIONS_TABLE.slice(DOT + 1);
/** Its schema: `rvbbit`. */
const SCHEMA_NAME = SQL_FUNCTIONS_TABLE.slice(0, DOT);

/** A word or quoted name token's identifier, as DuckDB matches it (case-insensitively, quoted or not). */
function identifier(text: string, t: SqlToken): string | undefined {
  const raw = text.slice(t.start, t.end);
  if (t.type === SqlTok.Word) return raw.toLowerCase();
  if (t.type === SqlTok.QuotedIdent && raw.length >= 2 && raw.endsWith('"')) {
    return raw.slice(1, -1).replaceAll('""', '"').toLowerCase();
  }
  return undefined;
}

/**
 * Throws SQLFN_READ_ONLY (42501) if any statement of `sql` is not a pure
 * query and names the semantic functions' table, drops its schema, or is a
 * COPY FROM DATABASE.
 */
export function refuseFunctionTableWrite(sql: string): void {
  for (const chunk of splitStatements(sql).chunks) {
    const text = sql.slice(chunk.start, chunk.end);
    const names = (name: string) => chunk.tokens.some((t) => identifier(sql, t) === name);
    // Leading words, so `EXPLAIN ANALYZE DROP SCHEMA …` and `PREPARE p AS COPY FROM DATABASE …` count.
    const head = ` ${leadingWords(text, 7).join(' ')} `;
    const replaces =
      head.includes(' COPY FROM DATABASE ') || (head.includes(' DROP SCHEMA ') && names(SCHEMA_NAME));
    if (!replaces && (!names(TABLE_NAME) || isQuery(text))) continue;
    throw new RvbbitError(
      'SQLFN_READ_ONLY',
      `semantic functions are read-only on this server (rvbbit serve --read-only-functions): a statement that writes ${SQL_FUNCTIONS_TABLE}, or is not a plain query naming it, is refused`,
    );
  }
}

/** Leading words of a statement that drops, alters or replaces an object (under EXPLAIN [ANALYZE] or PREPARE p AS too). */
const CHANGES_OBJECTS =
  /^ (EXPLAIN (ANALYZE )?|PREPARE \S+ AS )?(DROP|ALTER|TRUNCATE|COMMENT ON|CREATE OR REPLACE) /;

/**
 * Throws ENGINE_SCHEMA (42501) if a statement of `sql` drops, alters,
 * truncates or replaces an object of the engine's schema (`rvbbit`): the
 * schema itself (DROP SCHEMA rvbbit CASCADE made every later CREATE
 * SEMANTIC FUNCTION fail for every client), its tables (semantic_functions,
 * the logs, the cache) and views. Whatever the session's policy: the schema
 * is the engine's, which writes it on its own connection. The rule is a
 * token check, as above: such a statement naming `rvbbit` as an identifier
 * anywhere is refused; one naming no schema is refused when `searchesEngineSchema`
 * says the session's schema or search_path is rvbbit (`USE rvbbit`), where an
 * unqualified name is the engine's object.
 */
export async function refuseEngineSchemaChange(
  sql: string,
  searchesEngineSchema: () => Promise<boolean>,
): Promise<void> {
  for (const chunk of splitStatements(sql).chunks) {
    const text = sql.slice(chunk.start, chunk.end);
    const head = ` ${leadingWords(text, 7).join(' ')} `;
    if (!CHANGES_OBJECTS.test(head)) continue;
    const names = chunk.tokens.some((t) => identifier(sql, t) === SCHEMA_NAME);
    if (!names && !(await searchesEngineSchema())) continue;
    throw new RvbbitError(
      'ENGINE_SCHEMA',
      `the ${SCHEMA_NAME} schema is the engine's: a statement that drops, alters, truncates or replaces it or one of its objects is refused (its tables may be read)`,
    );
  }
}
