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
 * insertable, and a PREPARE that writes the table names it itself.
 */

import { RvbbitError } from '../../base/errors.js';
import { splitStatements } from '../../grammar/split.js';
import { SqlTok, type SqlToken } from '../../grammar/sql-scan.js';
import { isQuery } from '../../grammar/statement-kind.js';
import { SQL_FUNCTIONS_TABLE } from '../plan/sql-functions.js';

/** The table's own name, without its schema: `semantic_functions`. */
const TABLE_NAME = SQL_FUNCTIONS_TABLE.slice(SQL_FUNCTIONS_TABLE.lastIndexOf('.') + 1);

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
 * query and names the semantic functions' table.
 */
export function refuseFunctionTableWrite(sql: string): void {
  for (const chunk of splitStatements(sql).chunks) {
    if (!chunk.tokens.some((t) => identifier(sql, t) === TABLE_NAME)) continue;
    if (isQuery(sql.slice(chunk.start, chunk.end))) continue;
    throw new RvbbitError(
      'SQLFN_READ_ONLY',
      `semantic functions are read-only on this server (rvbbit serve --read-only-functions): a statement that writes ${SQL_FUNCTIONS_TABLE}, or is not a plain query naming it, is refused`,
    );
  }
}
