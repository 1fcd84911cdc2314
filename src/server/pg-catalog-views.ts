/**
 * An emulated Postgres catalog, created per client session as TEMP views and
 * macros that shadow DuckDB's own pg_catalog (whose OIDs are DuckDB type ids,
 * not Postgres ones, and which lacks columns psql and pgJDBC read). Catalog
 * queries have their `pg_catalog.` qualifiers removed (`catalog-rewrite.ts`)
 * so they resolve here. Tables and columns come from duckdb_tables(),
 * duckdb_views() and duckdb_columns(); types use the OIDs of `types/oids.ts`.
 */
import { OWN_LOG_TABLE_PREFIX } from '../obs/private-logs.js';
import { KEY_CATALOG_SETUP } from './pg-catalog-keys.js';
import { Oid } from './types/oids.js';
import { PG_TYPE_ROWS } from './types/pg-type-rows.js';
import { oidCaseSql } from './types/type-map.js';

/** version(): clients parse "PostgreSQL <major>.<minor>" from it (pgJDBC, DBeaver, psycopg). */
const PG_VERSION_STRING = 'PostgreSQL 15.0 (rvbbit, DuckDB inside)';

/** A SQL string literal. */
const literal = (v: string): string => `'${v.replaceAll("'", "''")}'`;

/** Per-session values behind current_database(), current_user, session_user and pg_backend_pid(). */
export function identitySetup(database: string, user: string, pid: number): string[] {
  return [
    `SET VARIABLE rvbbit_database = ${literal(database)}`,
    `SET VARIABLE rvbbit_user = ${literal(user)}`,
    `SET VARIABLE rvbbit_pid = ${Math.trunc(pid)}::INTEGER`,
  ];
}

const typeValues = PG_TYPE_ROWS.map(
  ([oid, name, len, cat, arr, elem]) => `(${oid}, '${name}', ${len}, '${cat}', ${arr}, ${elem})`,
).join(', ');

const NAMESPACES = `
  SELECT 11::BIGINT AS oid, 'pg_catalog' AS nspname
  UNION ALL SELECT 13::BIGINT, 'information_schema'
  UNION ALL SELECT oid::BIGINT, CASE WHEN database_name = 'temp' THEN 'pg_temp_1' ELSE schema_name END
    FROM duckdb_schemas() WHERE database_name NOT IN ('system')
      AND database_name = CASE WHEN database_name = 'temp' THEN 'temp' ELSE current_database() END
  -- An in-memory engine keeps its tables in the attached database rvbbit (obs/schema.ts): schema rvbbit to clients.
  UNION ALL SELECT oid::BIGINT, 'rvbbit' FROM duckdb_schemas()
    WHERE database_name = 'rvbbit' AND schema_name = 'main' AND current_database() <> 'rvbbit'`;

const RELATIONS = `
  SELECT table_oid::BIGINT AS oid, table_name AS relname, schema_oid::BIGINT AS relnamespace, 'r' AS relkind,
         temporary, column_count::INTEGER AS relnatts, estimated_size::FLOAT AS reltuples
    FROM duckdb_tables() WHERE NOT internal
      AND NOT (temporary AND starts_with(table_name, '${OWN_LOG_TABLE_PREFIX}'))
  UNION ALL
  SELECT view_oid::BIGINT, view_name, schema_oid::BIGINT, 'v', temporary, column_count::INTEGER, 0::FLOAT
    FROM duckdb_views() WHERE NOT internal AND NOT (temporary AND view_name LIKE 'pg\\_%' ESCAPE '\\')
  UNION ALL
  SELECT oid, relname, relnamespace, 'i', database_name = 'temp', len(indkey)::INTEGER, 0::FLOAT FROM pg_rvbbit_indexes
  UNION ALL
  SELECT sequence_oid::BIGINT, sequence_name, schema_oid::BIGINT, 'S', temporary, 3, 1::FLOAT FROM duckdb_sequences()`;

/** Catalogs clients read that are always empty here: name and typed columns. */
const EMPTY_TABLES: readonly (readonly [string, readonly string[]])[] = [
  [
    'pg_policy',
    [
      '0::BIGINT AS oid',
      "''::VARCHAR AS polname",
      '0::BIGINT AS polrelid',
      "''::VARCHAR AS polcmd",
      'true AS polpermissive',
      '[]::BIGINT[] AS polroles',
      "''::VARCHAR AS polqual",
      "''::VARCHAR AS polwithcheck",
    ],
  ],
  [
    'pg_statistic_ext',
    [
      '0::BIGINT AS oid',
      "''::VARCHAR AS stxname",
      '0::BIGINT AS stxrelid',
      '0::BIGINT AS stxnamespace',
      "''::VARCHAR AS stxkeys",
      '[]::VARCHAR[] AS stxkind',
      '-1::INTEGER AS stxstattarget',
    ],
  ],
  [
    'pg_publication',
    [
      '0::BIGINT AS oid',
      "''::VARCHAR AS pubname",
      'false AS puballtables',
      'true AS pubinsert',
      'true AS pubupdate',
      'true AS pubdelete',
      'true AS pubtruncate',
      'false AS pubviaroot',
    ],
  ],
  [
    'pg_publication_rel',
    [
      '0::BIGINT AS oid',
      '0::BIGINT AS prpubid',
      '0::BIGINT AS prrelid',
      "''::VARCHAR AS prqual",
      "''::VARCHAR AS prattrs",
    ],
  ],
  ['pg_publication_namespace', ['0::BIGINT AS oid', '0::BIGINT AS pnpubid', '0::BIGINT AS pnnspid']],
  [
    'pg_trigger',
    [
      '0::BIGINT AS oid',
      '0::BIGINT AS tgrelid',
      "''::VARCHAR AS tgname",
      '0::BIGINT AS tgparentid',
      'false AS tgisinternal',
      "'O' AS tgenabled",
      '0::BIGINT AS tgconstraint',
    ],
  ],
  [
    'pg_rewrite',
    [
      '0::BIGINT AS oid',
      "''::VARCHAR AS rulename",
      '0::BIGINT AS ev_class',
      "''::VARCHAR AS ev_type",
      "'O' AS ev_enabled",
    ],
  ],
  ['pg_collation', ['0::BIGINT AS oid', "''::VARCHAR AS collname", '11::BIGINT AS collnamespace']],
  // SQLAlchemy's get_indexes asks for the non-default operator classes; every index here has the default.
  [
    'pg_opclass',
    [
      '0::BIGINT AS oid',
      '403::BIGINT AS opcmethod',
      "''::VARCHAR AS opcname",
      '11::BIGINT AS opcnamespace',
      '10::BIGINT AS opcowner',
      '0::BIGINT AS opcfamily',
      '0::BIGINT AS opcintype',
      'true AS opcdefault',
      '0::BIGINT AS opckeytype',
    ],
  ],
  ['pg_tablespace', ['0::BIGINT AS oid', "''::VARCHAR AS spcname", '10::BIGINT AS spcowner']],
  ['pg_foreign_table', ['0::BIGINT AS ftrelid', '0::BIGINT AS ftserver', "''::VARCHAR AS ftoptions"]],
  ['pg_partitioned_table', ['0::BIGINT AS partrelid', "''::VARCHAR AS partstrat"]],
  [
    'pg_depend',
    [
      '0::BIGINT AS classid',
      '0::BIGINT AS objid',
      '0::INTEGER AS objsubid',
      '0::BIGINT AS refclassid',
      '0::BIGINT AS refobjid',
      '0::INTEGER AS refobjsubid',
      "''::VARCHAR AS deptype",
    ],
  ],
  [
    'pg_extension',
    [
      '0::BIGINT AS oid',
      "''::VARCHAR AS extname",
      '10::BIGINT AS extowner',
      '11::BIGINT AS extnamespace',
      "''::VARCHAR AS extversion",
    ],
  ],
];

/** Statements that set up the emulated catalog on a fresh connection. */
export const CATALOG_SETUP: readonly string[] = [
  // Before pg_class, which lists the indexes and reads the keys.
  ...KEY_CATALOG_SETUP,
  `CREATE OR REPLACE TEMP VIEW pg_namespace AS SELECT oid, nspname, 10::BIGINT AS nspowner, NULL::VARCHAR AS nspacl FROM (${NAMESPACES})`,
  `CREATE OR REPLACE TEMP VIEW pg_class AS SELECT oid, relname, relnamespace, relkind, 10::BIGINT AS relowner,
     CASE relkind WHEN 'i' THEN 403 ELSE 0 END::BIGINT AS relam,
     (SELECT count(*) FROM pg_rvbbit_keys rvbbit_k WHERE rvbbit_k.conrelid = r.oid AND rvbbit_k.contype = 'c')::INTEGER AS relchecks,
     relkind = 'r' AND r.oid IN (SELECT rvbbit_i.indrelid FROM pg_rvbbit_indexes rvbbit_i) AS relhasindex, false AS relhasrules,
     -- Postgres enforces foreign keys with triggers, so psql's \\d looks for them (both ends) only where this is true.
     relkind = 'r' AND r.oid IN (SELECT rvbbit_f.conrelid FROM pg_constraint rvbbit_f WHERE rvbbit_f.contype = 'f'
       UNION ALL SELECT rvbbit_f.confrelid FROM pg_constraint rvbbit_f WHERE rvbbit_f.contype = 'f') AS relhastriggers,
     false AS relrowsecurity, false AS relforcerowsecurity, false AS relispartition, 0::BIGINT AS reltablespace,
     0::BIGINT AS reloftype, CASE WHEN temporary THEN 't' ELSE 'p' END AS relpersistence, 'd' AS relreplident,
     0::BIGINT AS reltoastrelid, relnatts, reltuples, 0::INTEGER AS relpages, false AS relhassubclass,
     NULL::VARCHAR AS reloptions, NULL::VARCHAR AS relacl, NULL::VARCHAR AS relpartbound, 0::BIGINT AS reltype,
     false AS relisshared, 0::BIGINT AS relfilenode
     FROM (${RELATIONS}) r`,
  `CREATE OR REPLACE TEMP VIEW pg_type AS SELECT oid::BIGINT AS oid, typname, 11::BIGINT AS typnamespace, len::SMALLINT AS typlen,
     CASE WHEN cat = 'A' THEN 'b' ELSE 'b' END AS typtype, cat AS typcategory, arr::BIGINT AS typarray, elem::BIGINT AS typelem,
     0::BIGINT AS typrelid, 0::BIGINT AS typbasetype, -1::INTEGER AS typtypmod, false AS typnotnull, ',' AS typdelim,
     10::BIGINT AS typowner, len > 0 AS typbyval, true AS typisdefined, 0::BIGINT AS typcollation, NULL::VARCHAR AS typdefault,
     typname || 'in' AS typinput, typname || 'out' AS typoutput, 'i' AS typalign, 0::INTEGER AS typndims
     FROM (VALUES ${typeValues}) t(oid, typname, len, cat, arr, elem)`,
  `CREATE OR REPLACE TEMP VIEW pg_attribute AS SELECT table_oid::BIGINT AS attrelid, column_name AS attname,
     ${oidCaseSql('data_type')}::BIGINT AS atttypid, (column_index)::SMALLINT AS attnum,
     CASE WHEN data_type LIKE 'DECIMAL(%' THEN ((numeric_precision << 16) | numeric_scale) + 4 ELSE -1 END::INTEGER AS atttypmod,
     -1::SMALLINT AS attlen, NOT is_nullable AS attnotnull, column_default IS NOT NULL AS atthasdef, false AS attisdropped,
     '' AS attidentity, '' AS attgenerated, 0::BIGINT AS attcollation, 0::INTEGER AS attndims, -1::INTEGER AS attstattarget,
     true AS attislocal, 0::INTEGER AS attinhcount, NULL::VARCHAR AS attacl, NULL::VARCHAR AS attoptions,
     NULL::VARCHAR AS attfdwoptions, false AS atthasmissing, 'p' AS attstorage, NULL::VARCHAR AS attcompression
     FROM (SELECT table_oid, column_name, data_type, column_index, numeric_precision, numeric_scale, is_nullable, column_default
           FROM duckdb_columns() WHERE NOT internal
           UNION ALL
           -- An index's columns, as Postgres lists them (psql's \\d of an index): the table column's, or expr.
           SELECT k.oid, CASE WHEN k.attnum = 0 THEN 'expr' ELSE c.column_name END, coalesce(c.data_type, 'VARCHAR'),
             k.ord, c.numeric_precision, c.numeric_scale, coalesce(c.is_nullable, true), NULL
           FROM (SELECT oid, indrelid, unnest(indkey) AS attnum, generate_subscripts(indkey, 1) AS ord FROM pg_rvbbit_indexes) k
           LEFT JOIN duckdb_columns() c ON c.table_oid = k.indrelid AND c.column_index = k.attnum)`,
  `CREATE OR REPLACE TEMP VIEW pg_attrdef AS SELECT table_oid::BIGINT * 1000 + column_index AS oid, table_oid::BIGINT AS adrelid,
     column_index::SMALLINT AS adnum, column_default AS adbin FROM duckdb_columns() WHERE NOT internal AND column_default IS NOT NULL`,
  `CREATE OR REPLACE TEMP VIEW pg_description AS SELECT 0::BIGINT AS objoid, 0::BIGINT AS classoid, 0::INTEGER AS objsubid, ''::VARCHAR AS description WHERE false`,
  `CREATE OR REPLACE TEMP VIEW pg_inherits AS SELECT 0::BIGINT AS inhrelid, 0::BIGINT AS inhparent, 0::INTEGER AS inhseqno, false AS inhdetachpending WHERE false`,
  ...EMPTY_TABLES.map(
    ([name, cols]) => `CREATE OR REPLACE TEMP VIEW ${name} AS SELECT ${cols.join(', ')} WHERE false`,
  ),
  `CREATE OR REPLACE TEMP VIEW pg_am AS SELECT 2::BIGINT AS oid, 'heap' AS amname, 't' AS amtype
     UNION ALL SELECT 403::BIGINT, 'btree', 'i'`,
  // What a client asks about itself (catalog-rewrite.ts maps current_user & co. here): set per session by identitySetup.
  `CREATE OR REPLACE TEMP MACRO rvbbit_pg_current_database() AS getvariable('rvbbit_database')`,
  `CREATE OR REPLACE TEMP MACRO rvbbit_pg_current_user() AS getvariable('rvbbit_user')`,
  `CREATE OR REPLACE TEMP MACRO rvbbit_pg_session_user() AS getvariable('rvbbit_user')`,
  `CREATE OR REPLACE TEMP MACRO rvbbit_pg_backend_pid() AS getvariable('rvbbit_pid')`,
  `CREATE OR REPLACE TEMP MACRO rvbbit_pg_version() AS '${PG_VERSION_STRING}'`,
  `CREATE OR REPLACE TEMP MACRO rvbbit_pg_current_schema() AS current_schema()`,
  `CREATE OR REPLACE TEMP VIEW pg_database AS SELECT 1::BIGINT AS oid, rvbbit_pg_current_database() AS datname, 10::BIGINT AS datdba,
     6 AS encoding, 'C' AS datcollate, 'C' AS datctype, NULL::VARCHAR AS daticulocale, 'c' AS datlocprovider,
     false AS datistemplate, true AS datallowconn, -1 AS datconnlimit, NULL::VARCHAR[] AS datacl, 1663::BIGINT AS dattablespace`,
  // The owner of everything is rvbbit (oid 10); a client that logged in as someone else is a role of its own.
  `CREATE OR REPLACE TEMP VIEW pg_roles AS SELECT * FROM (
     SELECT 10::BIGINT AS oid, 'rvbbit' AS rolname, true AS rolsuper
     UNION ALL SELECT 16384::BIGINT, rvbbit_pg_session_user(), false WHERE rvbbit_pg_session_user() <> 'rvbbit')
     CROSS JOIN (SELECT true AS rolinherit, true AS rolcreaterole, true AS rolcreatedb, true AS rolcanlogin,
       -1 AS rolconnlimit, NULL::TIMESTAMP AS rolvaliduntil, false AS rolreplication, false AS rolbypassrls,
       NULL::VARCHAR AS rolpassword, NULL::VARCHAR[] AS rolconfig)`,
  `CREATE OR REPLACE TEMP VIEW pg_auth_members AS SELECT 0::BIGINT AS oid, 0::BIGINT AS roleid, 0::BIGINT AS member,
     0::BIGINT AS grantor, false AS admin_option WHERE false`,
  // psql \df: the functions a user created, macros and semantic functions (their operator files' and
  // CREATE SEMANTIC FUNCTION's, rvbbit.functions: the engine rewrites their calls, so DuckDB does not list
  // them) in schema main; the shipped semantic functions (LLM_SUMMARIZE, semantic_means behind MEANS, …)
  // in schema rvbbit, beside rvbbit.functions, so a plain \df shows them with their signatures, as a
  // new user expects; DuckDB's own built-ins are pg_catalog's, as Postgres's built-ins are.
  `CREATE OR REPLACE TEMP VIEW pg_proc AS SELECT * FROM (SELECT function_oid::BIGINT AS oid, function_name AS proname,
     (SELECT oid FROM pg_namespace rvbbit_n WHERE rvbbit_n.nspname = CASE WHEN f.database_name = 'temp' THEN 'pg_temp_1' ELSE f.schema_name END LIMIT 1) AS pronamespace,
     10::BIGINT AS proowner, CASE WHEN function_type = 'aggregate' THEN 'a' ELSE 'f' END AS prokind,
     function_type = 'aggregate' AS proisagg, false AS proretset, len(parameters)::SMALLINT AS pronargs,
     coalesce(return_type, 'ANY') AS rvbbit_result, array_to_string(parameters, ', ') AS rvbbit_arguments,
     0::BIGINT AS prorettype, 'v' AS provolatile, 'u' AS proparallel, false AS prosecdef, false AS proleakproof,
     NULL::VARCHAR AS prosrc, 0::BIGINT AS prolang
     FROM duckdb_functions() f WHERE NOT internal AND function_name NOT LIKE 'rvbbit_%' ESCAPE ''
       AND function_name NOT LIKE 'pg_%' ESCAPE '' AND function_name NOT IN ('obj_description', 'col_description',
       'shobj_description', 'format_type', 'array_upper', 'array_lower', 'current_schemas', '_pg_expandarray', 'quote_ident', 'to_regtype', 'to_regclass')
     UNION ALL
     -- Oids past DuckDB's own (which count up from 0), stable per name. Arguments are counted at the top
     -- level: a STRUCT's fields (two levels of parentheses) are not arguments.
     SELECT 3000000000 + (hash(name) % 1000000000)::BIGINT, name,
       (SELECT oid FROM pg_namespace rvbbit_n
         WHERE rvbbit_n.nspname = CASE WHEN source IN ('sql', 'file') THEN 'main' ELSE 'rvbbit' END LIMIT 1),
       10::BIGINT, CASE WHEN shape = 'aggregate' THEN 'a' ELSE 'f' END, shape = 'aggregate', false,
       CASE WHEN args = '' THEN 0 ELSE len(string_split(regexp_replace(regexp_replace(args, '\\([^()]*\\)', '', 'g'), '\\([^()]*\\)', '', 'g'), ',')) END::SMALLINT,
       returns, args, 0::BIGINT, 'v', 'u', false, false, NULL::VARCHAR, 0::BIGINT
     FROM rvbbit.functions)`,
  `CREATE OR REPLACE TEMP MACRO pg_get_function_result(o) AS (SELECT rvbbit_p.rvbbit_result FROM pg_proc rvbbit_p WHERE rvbbit_p.oid = o)`,
  `CREATE OR REPLACE TEMP MACRO pg_get_function_arguments(o) AS (SELECT rvbbit_p.rvbbit_arguments FROM pg_proc rvbbit_p WHERE rvbbit_p.oid = o)`,
  `CREATE OR REPLACE TEMP MACRO pg_function_is_visible(o) AS true`,
  // psql \dt+: DuckDB keeps no per-table byte count, so Size is left empty rather than invented.
  `CREATE OR REPLACE TEMP MACRO pg_table_size(o) AS NULL::BIGINT`,
  `CREATE OR REPLACE TEMP MACRO pg_size_pretty(b) AS CASE WHEN b IS NULL THEN NULL WHEN b < 10240 THEN b || ' bytes'
     WHEN b < 10485760 THEN round(b / 1024) || ' kB' WHEN b < 10737418240 THEN round(b / 1048576) || ' MB'
     ELSE round(b / 1073741824) || ' GB' END`,
  `CREATE OR REPLACE TEMP MACRO pg_get_userbyid(id) AS 'rvbbit'`,
  // Macro bodies are expanded inline: inner aliases must not capture the caller's (psql uses c and n).
  `CREATE OR REPLACE TEMP MACRO rvbbit_pg_table_is_visible(id) AS (SELECT count(*) > 0 FROM pg_class rvbbit_c
     JOIN pg_namespace rvbbit_n ON rvbbit_c.relnamespace = rvbbit_n.oid
     WHERE rvbbit_c.oid = id AND rvbbit_n.nspname IN ('main', 'pg_temp_1'))`,
  `CREATE OR REPLACE TEMP MACRO pg_type_is_visible(id) AS true`,
  `CREATE OR REPLACE TEMP MACRO pg_collation_is_visible(id) AS true`,
  // psycopg 3's TypeInfo.fetch (SQLAlchemy's psycopg dialect asks for hstore at connect): the OID, or NULL.
  `CREATE OR REPLACE TEMP MACRO to_regtype(rvbbit_name) AS (SELECT rvbbit_t.oid FROM pg_type rvbbit_t
     WHERE rvbbit_t.typname = lower(regexp_replace(replace(rvbbit_name, '"', ''), '^pg_catalog\\.', '')) LIMIT 1)`,
  `CREATE OR REPLACE TEMP MACRO to_regclass(rvbbit_name) AS (SELECT rvbbit_c.oid FROM pg_class rvbbit_c
     JOIN pg_namespace rvbbit_n ON rvbbit_n.oid = rvbbit_c.relnamespace
     WHERE lower(replace(rvbbit_name, '"', '')) IN (lower(rvbbit_c.relname), lower(rvbbit_n.nspname || '.' || rvbbit_c.relname))
     ORDER BY rvbbit_n.nspname = 'pg_temp_1' DESC, rvbbit_n.nspname = 'main' DESC LIMIT 1)`,
  // psql's \d "Referenced by": tables are not partitioned here, so a table's only ancestor is itself.
  `CREATE OR REPLACE TEMP MACRO pg_partition_ancestors(o) AS o::BIGINT`,
  // What oid::regclass shows where a client selects it (catalog-rewrite.ts): the name, qualified outside the search path.
  `CREATE OR REPLACE TEMP MACRO rvbbit_regclass_name(o) AS coalesce((SELECT CASE WHEN rvbbit_n.nspname IN ('main', 'pg_temp_1', 'pg_catalog')
       THEN '' ELSE rvbbit_quote_ident(rvbbit_n.nspname) || '.' END || rvbbit_quote_ident(rvbbit_c.relname)
     FROM pg_class rvbbit_c JOIN pg_namespace rvbbit_n ON rvbbit_n.oid = rvbbit_c.relnamespace
     WHERE rvbbit_c.oid = o::BIGINT), o::VARCHAR)`,
  `CREATE OR REPLACE TEMP MACRO pg_get_expr(e, r, p := false) AS e`,
  `CREATE OR REPLACE TEMP MACRO obj_description(o, c := '') AS NULL::VARCHAR`,
  `CREATE OR REPLACE TEMP MACRO col_description(o, n) AS NULL::VARCHAR`,
  `CREATE OR REPLACE TEMP MACRO shobj_description(o, c) AS NULL::VARCHAR`,
  `CREATE OR REPLACE TEMP MACRO pg_encoding_to_char(e) AS 'UTF8'`,
  `CREATE OR REPLACE TEMP MACRO pg_get_statisticsobjdef_columns(o) AS ''`,
  `CREATE OR REPLACE TEMP MACRO pg_get_triggerdef(o, p := false) AS ''`,
  `CREATE OR REPLACE TEMP MACRO pg_get_viewdef(o, p := false) AS (SELECT sql FROM duckdb_views() WHERE view_oid = o)`,
  `CREATE OR REPLACE TEMP MACRO pg_get_partkeydef(o) AS NULL::VARCHAR`,
  `CREATE OR REPLACE TEMP MACRO array_upper(a, d) AS len(a)`,
  `CREATE OR REPLACE TEMP MACRO pg_total_relation_size(o) AS 0::BIGINT`,
  `CREATE OR REPLACE TEMP MACRO pg_relation_size(o, f := 'main') AS 0::BIGINT`,
  `CREATE OR REPLACE TEMP MACRO pg_get_keywords() AS TABLE SELECT keyword_name AS word, 'U' AS catcode, keyword_category AS catdesc FROM duckdb_keywords()`,
  `CREATE OR REPLACE TEMP MACRO array_lower(a, d) AS 1`,
  `CREATE OR REPLACE TEMP MACRO pg_relation_is_publishable(o) AS false`,
  `CREATE OR REPLACE TEMP MACRO current_schemas(b) AS ['pg_catalog', current_schema()]`,
  `CREATE OR REPLACE TEMP MACRO format_type(t, m) AS (SELECT CASE
     WHEN t = ${Oid.numeric} AND m > 4 THEN 'numeric(' || ((m - 4) >> 16) || ',' || ((m - 4) & 65535) || ')'
     WHEN t = ${Oid.timestamp} THEN 'timestamp without time zone' WHEN t = ${Oid.timestamptz} THEN 'timestamp with time zone'
     WHEN t = ${Oid.varchar} THEN 'character varying' WHEN t = ${Oid.float8} THEN 'double precision' WHEN t = ${Oid.float4} THEN 'real'
     WHEN t = ${Oid.int4} THEN 'integer' WHEN t = ${Oid.int8} THEN 'bigint' WHEN t = ${Oid.int2} THEN 'smallint' WHEN t = ${Oid.bool} THEN 'boolean'
     WHEN t = ${Oid.time} THEN 'time without time zone'
     ELSE coalesce((SELECT rvbbit_t.typname FROM pg_type rvbbit_t WHERE rvbbit_t.oid = t), '???') END)`,
];
