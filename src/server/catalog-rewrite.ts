/**
 * Rewrites of catalog SQL that Postgres clients send into SQL that runs on
 * DuckDB with the emulated catalog of `pg-catalog-views.ts`. Each rule names
 * what it is for.
 */
export function rewriteCatalogSql(sql: string): string {
  let s = sql;
  for (const [pattern, replacement] of RULES) s = s.replace(pattern, replacement);
  return s;
}

const RULES: readonly (readonly [RegExp, string])[] = [
  // psql \d: c.relname OPERATOR(pg_catalog.~) '^(products)$' COLLATE pg_catalog.default
  [/OPERATOR\(pg_catalog\.([~!*]+)\)/g, '$1'],
  [/\s+COLLATE\s+pg_catalog\.default/gi, ''],
  // DuckDB's own pg_table_is_visible (always true) wins over a TEMP macro of the same name.
  [/\b(?:pg_catalog\.)?pg_table_is_visible\s*\(/gi, 'rvbbit_pg_table_is_visible('],
  // Everything resolves to the emulated catalog (TEMP views and macros shadow DuckDB's).
  [/\bpg_catalog\.(?=["a-z_])/gi, ''],
  // pgJDBC getTables: d.classoid = 'pg_class'::regclass; psql: c.reloftype::regtype::text
  [/'[A-Za-z_.]+'::regclass\b/g, '0'],
  [/::(regclass|regtype|regproc|regnamespace|regrole)\b/g, ''],
  // pgJDBC type lookup: n.nspname = ANY(current_schemas(true))
  [/=\s*ANY\s*\(\s*current_schemas\s*\(\s*(true|false)\s*\)\s*\)/gi, "IN ('pg_catalog', current_schema())"],
  // Clients parse version() for "PostgreSQL <major>.<minor>" (pgJDBC, DBeaver, psycopg).
  [/\bversion\s*\(\s*\)/gi, "'PostgreSQL 15.0 (rvbbit, DuckDB inside)'"],
  // Case-insensitive regex match, which DuckDB spells as a function.
  [/(\b[\w.]+)\s*!~\*\s*('(?:[^']|'')*')/g, "NOT regexp_matches($1, $2, 'i')"],
  [/(\b[\w.]+)\s*~\*\s*('(?:[^']|'')*')/g, "regexp_matches($1, $2, 'i')"],
];
