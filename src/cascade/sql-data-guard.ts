/**
 * What a `sql_data` query may touch, checked on DuckDB's own parse tree.
 *
 * Why the parse tree and not the SQL text: `json_serialize_sql()` gives the
 * statement exactly as DuckDB will bind it (every function call with its name,
 * every table reference with its catalog, schema and name, every CTE), so
 * quoting, comments, casing, `main.nextval(…)` or a call hidden in a subquery,
 * a lambda or a named parameter cannot slip past it as they can past a regex.
 * It serializes only SELECT statements, which is all `sql_data` allows.
 *
 * The rules, applied to every node of the tree:
 * - table functions: an allow-list (ranges, unnest, JSON trees, catalog
 *   listings). Everything else is refused, so file readers (read_*, glob,
 *   parquet_*, sniff_csv), checkpoint, query/query_table,
 *   json_execute_serialized_sql, logging and profiling switches, secrets, and
 *   any table function an extension adds later are all out without a list of
 *   them having to be complete;
 * - scalar functions: refused when DuckDB marks them as having side effects
 *   (`duckdb_functions().has_side_effects`: nextval, currval, setseed,
 *   write_log, sleep_ms, …) apart from harmless ones (random, uuid, error, …),
 *   plus sequence and checkpoint names whatever the catalog says;
 * - a table name must be a CTE of the query or a table or view of the catalog:
 *   DuckDB otherwise treats it as a file path or URL (a replacement scan of
 *   `FROM '/etc/passwd'` or `FROM 'https://…'`).
 * Statements that are not queries (DDL, DML, COPY, ATTACH, SET, PRAGMA, CALL,
 * INSTALL, LOAD, EXPORT, transactions) never get here: inside the subquery
 * wrapper they do not parse (cascade/duckdb-host.ts).
 */
import type { DuckDBConnection } from '@duckdb/node-api';

/** Table functions that compute rows from their arguments: no file, no state (the server's file guard lets them be too). */
export const COMPUTED_TABLE_FUNCTIONS: readonly string[] = [
  'range',
  'generate_series',
  'unnest',
  'repeat',
  'repeat_row',
  'json_each',
  'json_tree',
  'summary',
  'icu_calendar_names',
  'pg_timezone_names',
];

/** Table functions a query may read from: computed rows and catalog listings, no files, no state. */
const ALLOWED_TABLE_FUNCTIONS = new Set([
  ...COMPUTED_TABLE_FUNCTIONS,
  'duckdb_tables',
  'duckdb_views',
  'duckdb_columns',
  'duckdb_schemas',
  'duckdb_types',
  'duckdb_constraints',
  'duckdb_indexes',
  'duckdb_functions',
  'duckdb_keywords',
  'pragma_table_info',
  'pragma_version',
]);

/** Scalar functions DuckDB marks as having side effects that change nothing outside the query. */
const HARMLESS_SIDE_EFFECTS = new Set([
  'random',
  'uuid',
  'uuidv4',
  'uuidv7',
  'gen_random_uuid',
  'error',
  'current_query',
  'current_query_id',
  'current_connection_id',
  'current_transaction_id',
]);

/** Refused whatever the catalog says (setval is PostgreSQL's; a future DuckDB may add it). */
const ALWAYS_REFUSED = [
  'nextval',
  'currval',
  'setval',
  'lastval',
  'checkpoint',
  'force_checkpoint',
  // Settings may hold credentials (s3_secret_access_key, …); duckdb_settings() is refused too.
  'current_setting',
];

/** What a query was refused for, in words a cascade author can act on. */
export class SqlDataRefusal extends Error {}

export interface Catalog {
  /** Function names refused anywhere in a query, with the reason. */
  readonly refusedFunctions: ReadonlyMap<string, string>;
}

async function loadCatalog(con: DuckDBConnection): Promise<Catalog> {
  const read = await con.runAndReadAll(
    `SELECT DISTINCT function_name AS name, function_type AS type, has_side_effects AS side
     FROM duckdb_functions()
     WHERE function_type = 'table' OR (function_type = 'scalar' AND has_side_effects)`,
  );
  const refused = new Map<string, string>();
  for (const row of read.getRowObjectsJS()) {
    const name = String(row['name']).toLowerCase();
    if (row['type'] === 'table' && !ALLOWED_TABLE_FUNCTIONS.has(name)) refused.set(name, why(name, true));
    if (row['type'] === 'scalar' && !HARMLESS_SIDE_EFFECTS.has(name)) refused.set(name, why(name, false));
  }
  for (const name of ALWAYS_REFUSED) refused.set(name, why(name, false));
  return { refusedFunctions: refused };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface TableRef {
  readonly catalog: string;
  readonly schema: string;
  readonly name: string;
}

/**
 * What one host (one statement: a MAP, a RUN) has learnt from the catalog, so
 * a MAP whose rows all look up the same table asks once, not once per row.
 * Not kept longer: an extension loaded, or a table dropped, in between
 * statements is seen by the next one.
 */
export interface GuardMemo {
  catalog?: Promise<Catalog>;
  /** Table names already found in the catalog. */
  readonly knownTables: Set<string>;
}

/** Throws SqlDataRefusal naming the first thing `sql` may not touch; `sql` must be one SELECT. */
export async function checkSqlDataQuery(
  con: DuckDBConnection,
  sql: string,
  memo: GuardMemo = { knownTables: new Set() },
): Promise<void> {
  const read = await con.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR) AS tree', [sql]);
  const tree = JSON.parse(String(read.getRowObjectsJS()[0]!['tree'])) as Json;
  if (!isObject(tree) || tree['error'] !== false) {
    const message = isObject(tree) ? String(tree['error_message'] ?? 'not a query') : 'not a query';
    throw new SqlDataRefusal(message);
  }
  memo.catalog ??= loadCatalog(con).catch((err: unknown) => {
    memo.catalog = undefined;
    throw err;
  });
  const catalog = await memo.catalog;
  const { knownTables } = memo;
  /** Table names that are neither a CTE in scope where they are used. */
  const tables: TableRef[] = [];
  const visit = (node: Json, underTableFunction: boolean, ctes: ReadonlySet<string>): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item, false, ctes);
      return;
    }
    if (!isObject(node)) return;
    if (typeof node['function_name'] === 'string') {
      const name = node['function_name'].toLowerCase();
      const refused =
        catalog.refusedFunctions.get(name) ??
        (underTableFunction && !ALLOWED_TABLE_FUNCTIONS.has(name) ? why(name, true) : undefined);
      if (refused) throw new SqlDataRefusal(`${name}() ${refused}`);
    }
    if (node['type'] === 'BASE_TABLE' && typeof node['table_name'] === 'string') {
      const t = {
        catalog: String(node['catalog_name'] ?? ''),
        schema: String(node['schema_name'] ?? ''),
        name: node['table_name'],
      };
      if (t.catalog !== '' || t.schema !== '' || !ctes.has(t.name.toLowerCase())) tables.push(t);
    }
    // A CTE is visible in the query node that defines it and below (its own
    // body included, for WITH RECURSIVE), not in sibling or outer queries:
    // `FROM (WITH "x.csv" AS (…) …), "x.csv"` must still check the second name.
    let inScope = ctes;
    const cteMap = node['cte_map'];
    if (isObject(cteMap) && Array.isArray(cteMap['map']) && cteMap['map'].length > 0) {
      const names = new Set(ctes);
      for (const entry of cteMap['map']) {
        if (isObject(entry) && typeof entry['key'] === 'string') names.add(entry['key'].toLowerCase());
      }
      inScope = names;
    }
    const tableFunction = node['type'] === 'TABLE_FUNCTION';
    for (const [key, value] of Object.entries(node))
      visit(value, tableFunction && key === 'function', inScope);
  };
  visit(tree, false, new Set());
  for (const t of tables) {
    const key = JSON.stringify([t.catalog, t.schema, t.name].map((p) => p.toLowerCase()));
    if (knownTables.has(key)) continue;
    if (!(await inCatalog(con, t))) {
      throw new SqlDataRefusal(
        `${JSON.stringify(t.name)} is not a table or view of the database (reading a file or URL by name is refused)`,
      );
    }
    knownTables.add(key);
  }
}

function why(name: string, tableFunction: boolean): string {
  if (['nextval', 'currval', 'setval', 'lastval'].includes(name)) return 'uses a sequence';
  if (name.includes('checkpoint')) return 'writes the database file';
  if (name === 'current_setting') return 'reads settings, which may hold credentials';
  if (/^(read_|glob$|parquet_|sniff_csv$|.*_scan$)/.test(name)) return 'reads files';
  return tableFunction
    ? 'is not a permitted table function (only tables, views and computed rows)'
    : 'has side effects';
}

/** A table or view the binder will find; a two-part name may be catalog.table or schema.table. */
async function inCatalog(con: DuckDBConnection, t: TableRef): Promise<boolean> {
  const read = await con.runAndReadAll(
    `SELECT count(*)::INTEGER AS n FROM (
       SELECT database_name AS db, schema_name AS sch, table_name AS name FROM duckdb_tables()
       UNION ALL SELECT database_name, schema_name, view_name FROM duckdb_views()
     ) WHERE lower(name) = lower($1)
       AND ($3 = '' OR lower(db) = lower($3))
       AND ($2 = '' OR lower(sch) = lower($2) OR ($3 = '' AND lower(db) = lower($2)))`,
    [t.name, t.schema, t.catalog],
  );
  return Number(read.getRowObjectsJS()[0]!['n']) > 0;
}

function isObject(v: Json): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
