/**
 * Which words DuckDB's catalog already holds, for CREATE SEMANTIC FUNCTION
 * and for the functions stored in the database that the engine loads at
 * start: a semantic function's name, call name or operator word may not be
 * a DuckDB function or macro (the grammar would rewrite `coalesce(…)` or
 * `image('x')` to a model call), a keyword (`RANGE` as an infix word made
 * `FROM range(5)` fail with "RANGE needs a left operand"; `EXCLUDE`,
 * `REPLACE`, `FILTER`, `OVER` are followed by `(` in DuckDB's own syntax)
 * or a type name (`DATE '2024-01-01'`, `x::date`). Read from DuckDB itself
 * (its functions, duckdb_keywords(), duckdb_types()), so the check
 * follows the DuckDB the engine runs, the functions rvbbit registers in it
 * (IMAGE, DOCUMENT_TEXT …) and the macros of the connection that asks (a
 * server client's Postgres catalog macros, its own TEMP macros).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { errorMessage } from '../../base/errors.js';

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
 * must not be one of rvbbit's own (`without_secrets` would be
 * `rvbbit_without_secrets`). `registered` says which DuckDB functions are the
 * operators' own: a function dropped and defined again finds its old
 * registration, which holds nothing.
 */
export async function catalogHolders(
  con: DuckDBConnection,
  words: readonly string[],
  duckdbNames: readonly string[],
  registered: (duckdbName: string) => boolean,
): Promise<Map<string, CatalogHolder>> {
  const out = new Map<string, CatalogHolder>();
  const wanted = [...new Set(words.map((w) => w.toLowerCase()))];
  const reserved = await con.runAndReadAll(
    `WITH w AS (SELECT unnest($1::JSON::VARCHAR[]) AS word)
     SELECT lower(keyword_name) AS word, 'a SQL keyword (' || keyword_category || ')' AS what
       FROM duckdb_keywords() WHERE lower(keyword_name) IN (SELECT word FROM w)
     UNION ALL
     SELECT DISTINCT lower(type_name), 'a DuckDB type name'
       FROM duckdb_types() WHERE lower(type_name) IN (SELECT word FROM w)`,
    [JSON.stringify(wanted)],
  );
  for (const row of reserved.getRowObjectsJS()) {
    const up = String(row['word']).toUpperCase();
    if (!out.has(up)) out.set(up, { code: 'SQLFN_RESERVED', why: `${up} is ${String(row['what'])}` });
  }
  const own = [...new Set(duckdbNames.map((n) => n.toLowerCase()))].filter((n) => !registered(n));
  const functions = await functionsNamed(con, [...wanted, ...own]);
  for (const w of wanted) {
    const up = w.toUpperCase();
    const what = functions.get(w);
    if (what && !out.has(up)) out.set(up, { code: 'SQLFN_EXISTS', why: `${up} is ${what}` });
    if (w.startsWith(RVBBIT_PREFIX) && !out.has(up))
      out.set(up, {
        code: 'SQLFN_RESERVED',
        why: `${up} starts with ${RVBBIT_PREFIX.toUpperCase()}, which names rvbbit's own functions`,
      });
  }
  for (const n of own) {
    const what = functions.get(n);
    if (what && !out.has(n.toUpperCase()))
      out.set(n.toUpperCase(), {
        code: 'SQLFN_EXISTS',
        why: `its DuckDB function ${n} would take the place of ${what}`,
      });
  }
  return out;
}

/** Above this many names, one scan of duckdb_functions() is cheaper than a probe each. */
const PROBES_AT_MOST = 16;

/**
 * Which of `names` (lower-cased) DuckDB has a function or macro of, as
 * words for an error. A few (a CREATE's) are probed one by one: a prepare
 * of `SELECT "name"()` fails with "Scalar Function with name … does not
 * exist" only when there is none (a table function, macro or aggregate
 * fails otherwise or binds), at about a millisecond each. A scan of
 * duckdb_functions() builds every function's row (50–85 ms on DuckDB 1.5,
 * growing with each operator registered), so it is used only for many
 * names at once (the stored functions at engine start).
 */
async function functionsNamed(con: DuckDBConnection, names: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (names.length === 0) return out;
  if (names.length > PROBES_AT_MOST) {
    const reader = await con.runAndReadAll(
      `SELECT DISTINCT lower(function_name) AS name, function_type AS kind, internal
       FROM duckdb_functions() WHERE lower(function_name) IN (SELECT unnest($1::JSON::VARCHAR[]))`,
      [JSON.stringify(names)],
    );
    for (const row of reader.getRowObjectsJS()) {
      const name = String(row['name']);
      const kind = String(row['kind']);
      // Worded as the probe words it, whichever way the name was found.
      if (!out.has(name) || kind === 'table')
        out.set(name, kind.endsWith('macro') ? 'a macro' : kind === 'table' ? TABLE_FUNCTION : FUNCTION);
    }
    return out;
  }
  for (const name of names) {
    const what = await probe(con, name);
    if (what) out.set(name, what);
  }
  return out;
}

/** What DuckDB says `name` is when called as a scalar function, or undefined when it has no function of the name. */
async function probe(con: DuckDBConnection, name: string): Promise<string | undefined> {
  try {
    (await con.prepare(`SELECT "${name.replaceAll('"', '""')}"()`)).destroySync();
  } catch (err) {
    const message = errorMessage(err);
    if (/Scalar Function with name .* does not exist/.test(message)) return undefined;
    if (/is a table function/.test(message)) return TABLE_FUNCTION;
    if (/^Binder Error: Macro /.test(message)) return 'a macro';
  }
  return FUNCTION;
}

const FUNCTION = "a function in DuckDB's catalog";
const TABLE_FUNCTION = "a table function in DuckDB's catalog";
