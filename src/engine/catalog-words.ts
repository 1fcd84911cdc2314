/**
 * Which words DuckDB's catalog already holds, for CREATE SEMANTIC FUNCTION
 * and for the functions stored in the database that the engine loads at
 * start: a semantic function's name, call name or operator word may not be
 * a DuckDB function or macro (the grammar would rewrite `coalesce(…)` or
 * `image('x')` to a model call), a keyword (`RANGE` as an infix word made
 * `FROM range(5)` fail with "RANGE needs a left operand"; `EXCLUDE`,
 * `REPLACE`, `FILTER`, `OVER` are followed by `(` in DuckDB's own syntax)
 * or a type name (`DATE '2024-01-01'`, `x::date`). Read from DuckDB itself
 * (duckdb_functions(), duckdb_keywords(), duckdb_types()), so the check
 * follows the DuckDB the engine runs, the functions rvbbit registers in it
 * (IMAGE, DOCUMENT_TEXT …) and the macros of the connection that asks (a
 * server client's Postgres catalog macros, its own TEMP macros).
 */
import type { DuckDBConnection } from '@duckdb/node-api';

/** Why a word is taken, and the error code that says so. */
export interface CatalogHolder {
  readonly code: 'SQLFN_EXISTS' | 'SQLFN_RESERVED';
  readonly why: string;
}

/**
 * rvbbit's own DuckDB names start with this (its operators' registered
 * functions, EMBED's, its Postgres catalog macros): none is a semantic
 * function's name, so a client's cannot take the place of one.
 */
export const RVBBIT_PREFIX = 'rvbbit_';

/**
 * The holders of each of `words` (a semantic function's name, calls and
 * operator words, any case) in DuckDB's catalog as `con` sees it, by
 * upper-cased word; and of `duckdbNames`, the DuckDB functions semantic
 * functions are registered as (`rvbbit_<name>`, register-functions.ts), which
 * must not be one of rvbbit's own (`embed` would be `rvbbit_embed`).
 * `registered` says which DuckDB functions are the operators' own: a
 * function dropped and defined again finds its old registration, which
 * holds nothing.
 */
export async function catalogHolders(
  con: DuckDBConnection,
  words: readonly string[],
  duckdbNames: readonly string[],
  registered: (duckdbName: string) => boolean,
): Promise<Map<string, CatalogHolder>> {
  const out = new Map<string, CatalogHolder>();
  const wanted = [...new Set(words.map((w) => w.toLowerCase()))];
  const own = new Set(duckdbNames.map((n) => n.toLowerCase()));
  const reader = await con.runAndReadAll(
    `WITH w AS (SELECT unnest($1::JSON::VARCHAR[]) AS word)
     SELECT lower(keyword_name) AS word, 'keyword' AS kind, keyword_category AS detail, false AS internal
       FROM duckdb_keywords() WHERE lower(keyword_name) IN (SELECT word FROM w)
     UNION ALL
     SELECT DISTINCT lower(type_name), 'type', NULL, true
       FROM duckdb_types() WHERE lower(type_name) IN (SELECT word FROM w)
     UNION ALL
     SELECT DISTINCT lower(function_name), function_type, NULL, internal
       FROM duckdb_functions()
       WHERE lower(function_name) IN (SELECT word FROM w) OR lower(function_name) IN (SELECT unnest($2::JSON::VARCHAR[]))`,
    [JSON.stringify(wanted), JSON.stringify([...own])],
  );
  for (const row of reader.getRowObjectsJS()) {
    const word = String(row['word']);
    const kind = String(row['kind']);
    const what =
      kind === 'keyword'
        ? `a SQL keyword (${String(row['detail'])})`
        : kind === 'type'
          ? 'a DuckDB type name'
          : kind.endsWith('macro')
            ? `a ${kind.replace('_', ' ')} ${row['internal'] === true ? "in DuckDB's catalog" : 'of this database'}`
            : `a ${kind} function in DuckDB's catalog`;
    const code = kind === 'keyword' || kind === 'type' ? 'SQLFN_RESERVED' : 'SQLFN_EXISTS';
    if (own.has(word) && !wanted.includes(word)) {
      if (!registered(word) && !out.has(word.toUpperCase()))
        out.set(word.toUpperCase(), {
          code,
          why: `its DuckDB function ${word} would take the place of ${what}`,
        });
      continue;
    }
    const up = word.toUpperCase();
    if (!out.has(up)) out.set(up, { code, why: `${up} is ${what}` });
  }
  for (const w of wanted) {
    if (w.startsWith(RVBBIT_PREFIX) && !out.has(w.toUpperCase()))
      out.set(w.toUpperCase(), {
        code: 'SQLFN_RESERVED',
        why: `${w.toUpperCase()} starts with ${RVBBIT_PREFIX.toUpperCase()}, which names rvbbit's own functions`,
      });
  }
  return out;
}
