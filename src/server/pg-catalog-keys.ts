/**
 * The keys, indexes and sequences of the emulated catalog (pg_constraint,
 * pg_index, pg_sequence and what reads them), answered from DuckDB's own
 * duckdb_constraints(), duckdb_indexes() and duckdb_sequences(). pgJDBC's
 * getPrimaryKeys / getIndexInfo / getImportedKeys, SQLAlchemy's inspector and
 * psql's `\d` read them.
 *
 * - Constraints (PRIMARY KEY, UNIQUE, FOREIGN KEY, CHECK) keep DuckDB's names
 *   (`child_parent_id_id_fkey`: DuckDB names every constraint itself).
 * - A PRIMARY KEY or UNIQUE constraint is also an index, as in Postgres, with
 *   the constraint's name and OID; DuckDB's own indexes (CREATE INDEX) keep
 *   theirs. All are ART indexes in DuckDB, shown with Postgres's btree (both
 *   ordered trees; clients know btree).
 * - Postgres OIDs are 32-bit; constraints have none in DuckDB, so theirs are
 *   made above 2^32 from the table's OID and the constraint's place in it,
 *   where no DuckDB OID reaches.
 */

/** Postgres's quote_ident, without its reserved-word list: bare when lower-case and plain. */
const QUOTE_IDENT = `CREATE OR REPLACE TEMP MACRO rvbbit_quote_ident(s) AS
  CASE WHEN regexp_full_match(s, '[a-z_][a-z0-9_$]*') THEN s ELSE '"' || replace(s, '"', '""') || '"' END`;

/**
 * Constraints with their Postgres shape; helper views are named pg_… so the
 * emulated pg_class leaves them out (pg-catalog-views.ts RELATIONS).
 */
const KEYS = `CREATE OR REPLACE TEMP VIEW pg_rvbbit_keys AS
  SELECT (4294967296 + k.table_oid * 1000
           + row_number() OVER (PARTITION BY k.table_oid ORDER BY k.constraint_index))::BIGINT AS oid,
    k.constraint_name AS conname, k.schema_oid::BIGINT AS connamespace,
    CASE k.constraint_type WHEN 'PRIMARY KEY' THEN 'p' WHEN 'UNIQUE' THEN 'u' WHEN 'FOREIGN KEY' THEN 'f' ELSE 'c' END AS contype,
    k.table_oid::BIGINT AS conrelid, k.database_name, k.schema_name, k.table_name,
    k.constraint_column_names AS columns,
    list_transform(k.constraint_column_indexes, i -> (i + 1)::SMALLINT) AS conkey,
    k.referenced_table, k.referenced_column_names, k.expression
  FROM duckdb_constraints() k
  WHERE k.constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY', 'CHECK')`;

/** A foreign key's referenced table, its columns' numbers, and the unique index they match (conindid). */
const FOREIGN_KEYS = `CREATE OR REPLACE TEMP VIEW pg_rvbbit_fkeys AS
  SELECT f.oid, f.confrelid,
    list_transform(f.referenced_column_names, n -> coalesce(list_position(f.ref_columns, lower(n)), 0)::SMALLINT) AS confkey,
    coalesce((SELECT u.oid FROM pg_rvbbit_keys u WHERE u.conrelid = f.confrelid AND u.contype IN ('p', 'u')
       AND list_sort(list_transform(u.columns, c -> lower(c))) = list_sort(list_transform(f.referenced_column_names, c -> lower(c)))
       ORDER BY u.contype LIMIT 1), 0)::BIGINT AS conindid
  FROM (SELECT k.oid, k.referenced_column_names, t.table_oid::BIGINT AS confrelid,
          (SELECT list(lower(c.column_name) ORDER BY c.column_index) FROM duckdb_columns() c
            WHERE c.table_oid = t.table_oid) AS ref_columns
        FROM pg_rvbbit_keys k LEFT JOIN duckdb_tables() t ON t.database_name = k.database_name
          AND t.schema_name = k.schema_name AND t.table_name = k.referenced_table
        WHERE k.contype = 'f') f`;

/**
 * Every index: those of PRIMARY KEY and UNIQUE constraints, then DuckDB's
 * (whose key is a list of column names and expression texts; an expression
 * is attnum 0, as in Postgres). `columns`: each key as pg_get_indexdef shows it.
 */
const INDEXES = `CREATE OR REPLACE TEMP VIEW pg_rvbbit_indexes AS
  SELECT k.oid, k.conname AS relname, k.connamespace AS relnamespace, k.conrelid AS indrelid,
    true AS indisunique, k.contype = 'p' AS indisprimary, k.conkey AS indkey,
    list_transform(k.columns, c -> rvbbit_quote_ident(c)) AS columns, NULL::VARCHAR[] AS expressions,
    k.database_name, k.schema_name, k.table_name
  FROM pg_rvbbit_keys k WHERE k.contype IN ('p', 'u')
  UNION ALL
  SELECT i.index_oid::BIGINT, i.index_name, i.schema_oid::BIGINT, i.table_oid::BIGINT, i.is_unique, i.is_primary,
    list_transform(i.keys, e -> coalesce(list_position(i.table_columns, lower(rvbbit_unquote_ident(e))), 0)::SMALLINT),
    list_transform(i.keys, e -> CASE WHEN list_position(i.table_columns, lower(rvbbit_unquote_ident(e))) > 0
      THEN rvbbit_quote_ident(rvbbit_unquote_ident(e)) ELSE regexp_replace(e, '^\\((.*)\\)$', '\\1') END),
    list_filter(i.keys, e -> coalesce(list_position(i.table_columns, lower(rvbbit_unquote_ident(e))), 0) = 0),
    i.database_name, i.schema_name, i.table_name
  FROM (SELECT d.*, d.expressions::VARCHAR[] AS keys,
          (SELECT list(lower(c.column_name) ORDER BY c.column_index) FROM duckdb_columns() c
            WHERE c.table_oid = d.table_oid) AS table_columns
        FROM duckdb_indexes() d) i`;

export const KEY_CATALOG_SETUP: readonly string[] = [
  QUOTE_IDENT,
  `CREATE OR REPLACE TEMP MACRO quote_ident(s) AS rvbbit_quote_ident(s)`,
  `CREATE OR REPLACE TEMP MACRO rvbbit_unquote_ident(s) AS
     CASE WHEN s LIKE '"%"' THEN replace(s[2:-2], '""', '"') ELSE s END`,
  KEYS,
  FOREIGN_KEYS,
  INDEXES,
  `CREATE OR REPLACE TEMP VIEW pg_constraint AS SELECT k.oid, k.conname, k.connamespace, k.contype,
     false AS condeferrable, false AS condeferred, true AS convalidated, k.conrelid, 0::BIGINT AS contypid,
     CASE WHEN k.contype IN ('p', 'u') THEN k.oid ELSE coalesce(f.conindid, 0) END AS conindid,
     0::BIGINT AS conparentid, coalesce(f.confrelid, 0) AS confrelid,
     CASE WHEN k.contype = 'f' THEN 'a' ELSE ' ' END AS confupdtype,
     CASE WHEN k.contype = 'f' THEN 'a' ELSE ' ' END AS confdeltype,
     CASE WHEN k.contype = 'f' THEN 's' ELSE ' ' END AS confmatchtype,
     true AS conislocal, 0::INTEGER AS coninhcount, false AS connoinherit,
     k.conkey, f.confkey, NULL::BIGINT[] AS conpfeqop, NULL::BIGINT[] AS conppeqop, NULL::BIGINT[] AS conffeqop,
     NULL::SMALLINT[] AS confdelsetcols, NULL::BIGINT[] AS conexclop, k.expression AS conbin
     FROM pg_rvbbit_keys k LEFT JOIN pg_rvbbit_fkeys f ON f.oid = k.oid`,
  // int2vector and oidvector columns are text ('1 2'), as Postgres sends them and clients parse them (SQLAlchemy).
  `CREATE OR REPLACE TEMP VIEW pg_index AS SELECT x.oid AS indexrelid, x.indrelid,
     len(x.indkey)::SMALLINT AS indnatts, len(x.indkey)::SMALLINT AS indnkeyatts, x.indisunique,
     false AS indnullsnotdistinct, x.indisprimary, false AS indisexclusion, true AS indimmediate,
     false AS indisclustered, true AS indisvalid, false AS indcheckxmin, true AS indisready, true AS indislive,
     false AS indisreplident, array_to_string(x.indkey, ' ') AS indkey,
     array_to_string(list_transform(x.indkey, k -> 0), ' ') AS indcollation,
     array_to_string(list_transform(x.indkey, k -> 0), ' ') AS indclass,
     array_to_string(list_transform(x.indkey, k -> 0), ' ') AS indoption,
     CASE WHEN len(x.expressions) > 0 THEN array_to_string(x.expressions, ', ') END AS indexprs,
     NULL::VARCHAR AS indpred
     FROM pg_rvbbit_indexes x`,
  // A vector column's text as a list; catalog-rewrite.ts puts it where clients subscript or unnest one.
  `CREATE OR REPLACE TEMP MACRO rvbbit_int_vector(v) AS
     list_transform(list_filter(regexp_split_to_array(trim(v::VARCHAR, '[]{} '), '[ ,]+'), e -> e <> ''), e -> e::BIGINT)`,
  `CREATE OR REPLACE TEMP VIEW pg_sequence AS SELECT sequence_oid::BIGINT AS seqrelid, 20::BIGINT AS seqtypid,
     start_value AS seqstart, increment_by AS seqincrement, max_value AS seqmax, min_value AS seqmin,
     1::BIGINT AS seqcache, cycle AS seqcycle
     FROM duckdb_sequences()`,
  // information_schema._pg_expandarray (pgJDBC getPrimaryKeys, getIndexInfo): a row (x, n) per element, n from 1.
  `CREATE OR REPLACE TEMP MACRO _pg_expandarray(a) AS
     unnest(list_transform(range(1, len(rvbbit_int_vector(a)) + 1), i -> {'x': rvbbit_int_vector(a)[i], 'n': i::INTEGER}))`,
  // pg_settings: the Postgres settings clients read (pgJDBC getImportedKeys: max_index_keys), then DuckDB's.
  `CREATE OR REPLACE TEMP VIEW pg_settings AS SELECT name, setting, NULL::VARCHAR AS unit, category, short_desc,
     NULL::VARCHAR AS extra_desc, context, vartype, 'default' AS source, NULL::VARCHAR AS min_val, NULL::VARCHAR AS max_val,
     NULL::VARCHAR[] AS enumvals, setting AS boot_val, setting AS reset_val, NULL::VARCHAR AS sourcefile,
     NULL::INTEGER AS sourceline, false AS pending_restart
     FROM (SELECT *, 'Preset Options' AS category, 'internal' AS context FROM (VALUES
         ('max_index_keys', '32', 'integer', 'Shows the maximum number of index keys.'),
         ('max_identifier_length', '63', 'integer', 'Shows the maximum identifier length.'),
         ('max_function_args', '100', 'integer', 'Shows the maximum number of function arguments.'),
         ('block_size', '8192', 'integer', 'Shows the size of a disk block.'),
         ('integer_datetimes', 'on', 'bool', 'Shows whether datetimes are integer based.'),
         ('server_version', '15.0', 'string', 'Shows the server version.'),
         ('server_version_num', '150000', 'integer', 'Shows the server version as an integer.'),
         ('server_encoding', 'UTF8', 'string', 'Shows the server (database) character set encoding.'),
         ('default_table_access_method', 'heap', 'string', 'Sets the default table access method for new tables.'))
         v(name, setting, vartype, short_desc)
       UNION ALL
       SELECT name, value, input_type, description, 'DuckDB', 'user' FROM duckdb_settings()
         WHERE name NOT IN ('max_index_keys', 'max_identifier_length', 'max_function_args', 'block_size',
           'integer_datetimes', 'server_version', 'server_version_num', 'server_encoding',
           'default_table_access_method'))`,
  // current_setting() in catalog queries (catalog-rewrite.ts): a name that is not a constant (SQLAlchemy
  // binds it), and the Postgres settings above; missing_ok as in Postgres.
  `CREATE OR REPLACE TEMP MACRO rvbbit_current_setting(rvbbit_name, rvbbit_missing_ok := false) AS coalesce(
     (SELECT rvbbit_s.setting FROM pg_settings rvbbit_s WHERE lower(rvbbit_s.name) = lower(rvbbit_name) LIMIT 1),
     CASE WHEN rvbbit_missing_ok THEN NULL
       ELSE error('unrecognized configuration parameter "' || rvbbit_name || '"') END)`,
  // A full index definition for column 0, else that key column (pgJDBC getIndexInfo reads them one by one).
  `CREATE OR REPLACE TEMP MACRO pg_get_indexdef(o, c := 0, p := false) AS (SELECT CASE WHEN coalesce(c, 0) = 0
       THEN 'CREATE ' || CASE WHEN x.indisunique THEN 'UNIQUE ' ELSE '' END || 'INDEX ' || rvbbit_quote_ident(x.relname)
         || ' ON ' || rvbbit_quote_ident(CASE WHEN x.database_name = 'temp' THEN 'pg_temp_1' ELSE x.schema_name END)
         || '.' || rvbbit_quote_ident(x.table_name) || ' USING btree (' || array_to_string(x.columns, ', ') || ')'
       ELSE x.columns[c] END
     FROM pg_rvbbit_indexes x WHERE x.oid = o)`,
  `CREATE OR REPLACE TEMP MACRO pg_get_constraintdef(o, p := false) AS (SELECT CASE k.contype
       WHEN 'p' THEN 'PRIMARY KEY (' || array_to_string(list_transform(k.columns, c -> rvbbit_quote_ident(c)), ', ') || ')'
       WHEN 'u' THEN 'UNIQUE (' || array_to_string(list_transform(k.columns, c -> rvbbit_quote_ident(c)), ', ') || ')'
       WHEN 'f' THEN 'FOREIGN KEY (' || array_to_string(list_transform(k.columns, c -> rvbbit_quote_ident(c)), ', ')
         || ') REFERENCES ' || rvbbit_quote_ident(k.referenced_table) || '('
         || array_to_string(list_transform(k.referenced_column_names, c -> rvbbit_quote_ident(c)), ', ') || ')'
       ELSE 'CHECK (' || k.expression || ')' END
     FROM pg_rvbbit_keys k WHERE k.oid = o)`,
  // The sequence behind a SERIAL column (serial-rewrite.ts): its default is nextval('<sequence>').
  // The table comes as a name (maybe qualified or quoted) or, from SQLAlchemy's attrelid::regclass::text, an OID.
  `CREATE OR REPLACE TEMP MACRO pg_get_serial_sequence(rvbbit_table, rvbbit_column) AS (
     SELECT CASE WHEN contains(s.seq, '.') THEN s.seq
       ELSE rvbbit_quote_ident(CASE WHEN s.database_name = 'temp' THEN 'pg_temp_1' ELSE s.schema_name END) || '.' || s.seq END
     FROM (SELECT c.database_name, c.schema_name, regexp_extract(c.column_default, '^nextval\\(''(.*)''\\)$', 1) AS seq
           FROM duckdb_columns() c
           WHERE (c.table_oid::VARCHAR = rvbbit_table::VARCHAR
                  OR lower(c.table_name) = lower(replace(rvbbit_table::VARCHAR, '"', ''))
                  OR lower(CASE WHEN c.database_name = 'temp' THEN 'pg_temp_1' ELSE c.schema_name END || '.' || c.table_name)
                     = lower(replace(rvbbit_table::VARCHAR, '"', '')))
             AND lower(c.column_name) = lower(replace(rvbbit_column, '"', ''))
             AND c.column_default LIKE 'nextval(%'
           ORDER BY c.database_name = 'temp' DESC
           LIMIT 1) s)`,
];
