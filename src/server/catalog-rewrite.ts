/**
 * Rewrites of catalog SQL that Postgres clients send into SQL that runs on
 * DuckDB with the emulated catalog of `pg-catalog-views.ts`. Each rule names
 * what it is for.
 */
import { type QueryResult, rowKeys } from '../db/query-result.js';

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
  // pgJDBC getPrimaryKeys / getIndexInfo: the one information_schema function clients call (pg-catalog-keys.ts).
  [/\binformation_schema\._pg_expandarray\s*\(/gi, '_pg_expandarray('],
  // pg_index's int2vector / oidvector columns are text (pg-catalog-keys.ts): made lists where a client
  // unnests or subscripts one. Their subscripts start at 0 (SQLAlchemy adds 1 to generate_subscripts; pgJDBC
  // reads I_INDOPTION[ORDINAL_POSITION - 1]); DuckDB's lists start at 1.
  [
    /\bgenerate_subscripts\s*\(\s*((?:[\w"]+\.)*ind(?:key|class|option|collation))\s*,\s*([^()]+?)\s*\)/gi,
    '(generate_subscripts(rvbbit_int_vector($1), $2) - 1)',
  ],
  [
    /\bunnest\s*\(\s*((?:[\w"]+\.)*ind(?:key|class|option|collation))\s*\)/gi,
    'unnest(rvbbit_int_vector($1))',
  ],
  [/\b((?:\w+\.)?I_INDOPTION)\[/gi, 'rvbbit_int_vector($1)[1 + '],
  // Everything resolves to the emulated catalog (TEMP views and macros shadow DuckDB's).
  [/\bpg_catalog\.(?=["a-z_])/gi, ''],
  // pgJDBC getTables: d.classoid = 'pg_class'::regclass; psql: c.reloftype::regtype::text
  // psql: '16385'::pg_catalog.regclass is that OID.
  [/'(\d+)'::regclass\b/g, '$1'],
  [/'[A-Za-z_.]+'::regclass\b/g, '0'],
  // psql's \d "Referenced by": conrelid::regclass AS ontable is shown, so it is the table's name.
  [/(\b[\w.]+)::regclass(?=\s+AS\s)/gi, 'rvbbit_regclass_name($1)'],
  [/::(regclass|regtype|regproc|regnamespace|regrole)\b/g, ''],
  // SQLAlchemy: CAST(CAST(attrelid AS REGCLASS) AS TEXT); DuckDB has no such types (an OID stays an OID).
  [/\bAS\s+(regclass|regtype|regproc|regnamespace|regrole)\b/gi, 'AS VARCHAR'],
  // SQLAlchemy binds the name (DuckDB's current_setting takes only a constant) and asks for Postgres's settings.
  [/\bcurrent_setting\s*\(/gi, 'rvbbit_current_setting('],
  // SQLAlchemy's get_columns builds identity and collation options with it (DuckDB's json extension spells it json_object).
  [/\bjson_build_object\s*\(/gi, 'json_object('],
  // pgJDBC type lookup: n.nspname = ANY(current_schemas(true))
  [/=\s*ANY\s*\(\s*current_schemas\s*\(\s*(true|false)\s*\)\s*\)/gi, "IN ('pg_catalog', current_schema())"],
  // What a client asks about itself: the session's values (pg-catalog-views.ts identitySetup), not
  // DuckDB's ('memory', 'duckdb'); renameIdentityColumns gives the columns their Postgres names.
  [/\bversion\s*\(\s*\)/gi, 'rvbbit_pg_version()'],
  [/\bcurrent_database\s*\(\s*\)/gi, 'rvbbit_pg_current_database()'],
  [/\bcurrent_catalog\b(?!\s*\()/gi, 'rvbbit_pg_current_database()'],
  [/\bpg_backend_pid\s*\(\s*\)/gi, 'rvbbit_pg_backend_pid()'],
  [/\bcurrent_schema\s*\(\s*\)/gi, 'rvbbit_pg_current_schema()'],
  // psql \du: the roles a role is a member of; there are none (and DuckDB's list text is [], not {}).
  [/ARRAY\(SELECT b\.rolname\s+FROM pg_auth_members m[\s\S]*?WHERE m\.member = r\.oid\)/g, "'{}'"],
  [/(?<![\w.'"])(current_user|session_user)\b(?!\s*\()/gi, 'rvbbit_pg_$1()'],
  // Case-insensitive regex match, which DuckDB spells as a function.
  [/(\b[\w.]+)\s*!~\*\s*('(?:[^']|'')*')/g, "NOT regexp_matches($1, $2, 'i')"],
  [/(\b[\w.]+)\s*~\*\s*('(?:[^']|'')*')/g, "regexp_matches($1, $2, 'i')"],
  // Postgres's ~ finds a match anywhere; DuckDB's ~ must match the whole string (psql \dn: !~ '^pg_').
  [/(\b[\w.]+)\s*!~\s*('(?:[^']|'')*')/g, 'NOT regexp_matches($1, $2)'],
  [/(\b[\w.]+)\s*~\s*('(?:[^']|'')*')/g, 'regexp_matches($1, $2)'],
];

/** Identity functions as rewritten above, by the column name DuckDB gives them. */
const IDENTITY_COLUMNS: Readonly<Record<string, string>> = {
  'rvbbit_pg_version()': 'version',
  'rvbbit_pg_current_database()': 'current_database',
  'rvbbit_pg_backend_pid()': 'pg_backend_pid',
  'rvbbit_pg_current_user()': 'current_user',
  'rvbbit_pg_session_user()': 'session_user',
  'rvbbit_pg_current_schema()': 'current_schema',
};

/** Postgres's name for a column DuckDB named after a rewritten call, or undefined. */
function postgresName(name: string): string | undefined {
  return (
    IDENTITY_COLUMNS[name] ?? (name.startsWith('rvbbit_current_setting(') ? 'current_setting' : undefined)
  );
}

/** Postgres's column names for the rewritten identity functions (`SELECT current_user` → current_user). */
export function renameIdentityColumns(result: QueryResult): QueryResult {
  if (!result.columns.some((c) => postgresName(c.name))) return result;
  const columns = result.columns.map((c) => ({ ...c, name: postgresName(c.name) ?? c.name }));
  const from = rowKeys(result.columns);
  const to = rowKeys(columns);
  const rows = result.rows.map((row) => Object.fromEntries(to.map((k, i) => [k, row[from[i]!]])));
  return { columns, rows };
}
