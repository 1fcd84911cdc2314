/**
 * What Postgres clients send that is not the user's SQL: session settings
 * (`SET extra_float_digits = 3`), `SHOW …`, and catalog queries from psql's
 * `\d`, pgJDBC's DatabaseMetaData and type lookups. Settings are acknowledged,
 * SHOW is answered from a table of server parameters, and catalog queries run
 * on DuckDB's own pg_catalog after the rewrites in `catalog-rewrite.ts`,
 * bypassing the RVBBIT grammar (their `~` is a regex, not semantic). A CREATE
 * TABLE with SERIAL columns runs as `serial-rewrite.ts` rewrites it.
 */

import { isRvbbitWord } from '../../grammar/keywords.js';
import type { QueryResult } from '../db/query-result.js';
import { quoteIdent, quoteString } from '../db/sql-text.js';
import { rewriteCatalogSql } from './catalog-rewrite.js';
import { rewriteSerialColumns } from './serial-rewrite.js';
import { classifyStatement } from './statement-class.js';
import { parsePgDuration } from './statement-timeout.js';
import { typeIntrospection } from './type-introspection.js';

const SERVER_VERSION = '15.0';

/** Values reported in ParameterStatus at startup and by SHOW. */
export function serverParameters(user: string, appName: string): Record<string, string> {
  return {
    server_version: `${SERVER_VERSION} (rvbbit)`,
    server_encoding: 'UTF8',
    client_encoding: 'UTF8',
    DateStyle: 'ISO, MDY',
    IntervalStyle: 'postgres',
    TimeZone: 'UTC',
    integer_datetimes: 'on',
    standard_conforming_strings: 'on',
    is_superuser: 'off',
    session_authorization: user,
    application_name: appName,
  };
}

/** What SHOW answers for read-only facts (the settings a client may SET have their defaults below). */
const SHOW_EXTRA: Readonly<Record<string, string>> = {
  transaction_isolation: 'repeatable read',
  'transaction isolation level': 'repeatable read',
  max_identifier_length: '63',
  server_version_num: '150000',
  lc_collate: 'C',
  lc_ctype: 'C',
  transaction_read_only: 'off',
};

type Special =
  | { readonly kind: 'command'; readonly tag: string }
  | { readonly kind: 'rows'; readonly result: QueryResult }
  | { readonly kind: 'sql'; readonly sql: string };

/**
 * Settings DuckDB does not have: SET on them (and `-c name=value` in the
 * startup packet's options, startup-options.ts) is acknowledged and
 * remembered for SHOW, which answers Postgres 15's default until then
 * (postgresql.org/docs/15/runtime-config-client.html; undefined where the
 * name is a statement's form, not a setting SHOW knows).
 */
const PG_ONLY_SETTINGS: ReadonlyMap<string, string | undefined> = new Map([
  ['extra_float_digits', '1'],
  ['application_name', ''],
  ['client_encoding', 'UTF8'],
  ['datestyle', 'ISO, MDY'],
  ['intervalstyle', 'postgres'],
  ['client_min_messages', 'notice'],
  ['statement_timeout', '0'],
  ['lock_timeout', '0'],
  ['idle_in_transaction_session_timeout', '0'],
  ['bytea_output', 'hex'],
  ['standard_conforming_strings', 'on'],
  ['session characteristics', undefined],
  ['search_path', '"$user", public'],
  ['lc_messages', 'C'],
  ['lc_monetary', 'C'],
  ['lc_numeric', 'C'],
  ['lc_time', 'C'],
  ['join_collapse_limit', '8'],
  ['jit', 'on'],
  ['default_transaction_isolation', 'repeatable read'],
  ['default_transaction_read_only', 'off'],
  ['transaction', undefined],
  ['row_security', 'on'],
  ['synchronize_seqscans', 'on'],
  ['quote_all_identifiers', 'off'],
  ['escape_string_warning', 'on'],
]);

/** DuckDB's SHOW of a list (`SHOW TABLES`), not of a setting. */
const DUCKDB_SHOW_LISTS = new Set(['tables', 'databases', 'schemas']);

/**
 * `SHOW ALL` as Postgres answers it (name, setting, description): the session's
 * own settings and the server's parameters first, then the rest of pg_settings.
 */
function showAllSql(settings: Map<string, string>, params: Record<string, string>): string {
  const own = new Map<string, string>();
  for (const [name, value] of PG_ONLY_SETTINGS) if (value !== undefined) own.set(name, value);
  for (const [name, value] of Object.entries(SHOW_EXTRA)) if (!name.includes(' ')) own.set(name, value);
  for (const [name, value] of Object.entries(params)) own.set(name.toLowerCase(), value);
  for (const [name, value] of settings) own.set(name, value);
  const rows = [...own].map(([name, value]) => `(${quoteString(name)}, ${quoteString(value)})`).join(', ');
  return `SELECT name, setting, description FROM (
      SELECT o.name, o.setting, coalesce(s.short_desc, '') AS description
        FROM (VALUES ${rows}) o(name, setting) LEFT JOIN pg_settings s ON lower(s.name) = o.name
      UNION ALL
      SELECT name, setting, coalesce(short_desc, '') FROM pg_settings
        WHERE lower(name) NOT IN (SELECT name FROM (VALUES ${rows}) o(name, setting)))
    ORDER BY lower(name)`;
}

/** A setting a client may SET here (a Postgres-only one, or a dotted custom name): it is remembered, not sent to DuckDB. */
export function isSessionSetting(name: string): boolean {
  return PG_ONLY_SETTINGS.has(name) || name.includes('.');
}

const CATALOG_HINT =
  /\b(pg_catalog|information_schema|pg_class|pg_namespace|pg_type|pg_attribute|pg_proc|pg_settings|pg_database|pg_roles|pg_user|pg_am|pg_index|pg_constraint|pg_description|pg_tables|pg_views|pg_extension|pg_enum|pg_range|pg_inherits|pg_stat_activity|pg_backend_pid|pg_total_relation_size|pg_relation_size|pg_get_keywords|pg_get_\w+|current_schema|format_type|pg_encoding_to_char|txid_current|has_\w+_privilege|obj_description|col_description|current_database|current_catalog|current_user|session_user|to_regtype|to_regclass)\b/i;

/** A client query that needs special handling, or undefined for the user's own SQL. */
export function specialQuery(
  sql: string,
  settings: Map<string, string>,
  params: Record<string, string>,
  backendPid?: number,
  cancelBackend?: (pid: number) => boolean,
): Special | undefined {
  const text = sql.trim().replace(/;\s*$/, '');
  const set =
    /^SET\s+(?:SESSION\s+|LOCAL\s+)?([A-Za-z_.]+(?:\s+CHARACTERISTICS)?)\s*(?:=|\bTO\b)?\s*(.*)$/is.exec(
      text,
    );
  if (set) {
    const name = set[1]!.toLowerCase();
    if (isSessionSetting(name)) {
      const value = set[2]!.trim().replace(/^'(.*)'$/, '$1');
      // A bad timeout fails its SET, as in Postgres, not the statements after it.
      if (name === 'statement_timeout' && !/^default$/i.test(value)) parsePgDuration(name, value);
      settings.set(name, value);
      return { kind: 'command', tag: 'SET' };
    }
    return undefined;
  }
  const show = /^SHOW\s+(.+)$/is.exec(text);
  if (show) {
    const name = show[1]!.trim().replace(/\s+/g, ' ');
    const key = name.toLowerCase();
    const value =
      settings.get(key) ??
      Object.entries(params).find(([k]) => k.toLowerCase() === key)?.[1] ??
      SHOW_EXTRA[key] ??
      PG_ONLY_SETTINGS.get(key);
    if (value !== undefined) {
      const column = key === 'transaction isolation level' ? 'transaction_isolation' : key;
      return {
        kind: 'rows',
        result: { columns: [{ name: column, type: 'VARCHAR' }], rows: [{ [column]: value }] },
      };
    }
    if (key === 'all') return { kind: 'sql', sql: showAllSql(settings, params) };
    // Any other setting pg_settings lists (DuckDB's included), or Postgres's 42704 (sqlstate.ts). Over
    // the Postgres wire SHOW is Postgres's: DuckDB's `SHOW tbl` (a table's columns) is `DESCRIBE tbl`;
    // its SHOW TABLES / DATABASES / SCHEMAS, which Postgres has not, go to DuckDB.
    if (/^[a-z_][a-z0-9_.$]*$/.test(key) && !DUCKDB_SHOW_LISTS.has(key)) {
      return { kind: 'sql', sql: `SELECT rvbbit_current_setting(${quoteString(key)}) AS ${quoteIdent(key)}` };
    }
    return undefined;
  }
  const types = typeIntrospection(text);
  if (types) return { kind: 'rows', result: types };
  if (/^(DISCARD|RESET|DEALLOCATE|UNLISTEN|LISTEN|CLOSE)\b/i.test(text)) {
    return { kind: 'command', tag: text.split(/\s+/)[0]!.toUpperCase() };
  }
  // psql \d: the publications a table is in (there are none; DuckDB cannot bind psql's query).
  if (/\bpg_catalog\.pg_publication\b/.test(text) && /^\s*SELECT\s+pubname\b/i.test(text)) {
    return {
      kind: 'rows',
      result: {
        columns: [
          { name: 'pubname', type: 'VARCHAR' },
          { name: '?column?', type: 'VARCHAR' },
          { name: '?column?', type: 'VARCHAR' },
        ],
        rows: [],
      },
    };
  }
  // psql \d of a table with foreign keys: its triggers (there are none; DuckDB cannot bind the query's
  // pg_partition_ancestors(…) WITH ORDINALITY).
  if (/^\s*SELECT\s+t\.tgname\b/i.test(text) && /\bpg_catalog\.pg_trigger\b/.test(text)) {
    return {
      kind: 'rows',
      result: {
        columns: [
          { name: 'tgname', type: 'VARCHAR' },
          { name: 'pg_get_triggerdef', type: 'VARCHAR' },
          { name: 'tgenabled', type: 'VARCHAR' },
          { name: 'tgisinternal', type: 'BOOLEAN' },
          { name: 'parent', type: 'VARCHAR' },
        ],
        rows: [],
      },
    };
  }
  const cancel = /^SELECT\s+(?:pg_catalog\.)?pg_cancel_backend\s*\(\s*(\d+)\s*\)\s*$/i.exec(text);
  if (cancel && cancelBackend) {
    // Like a CancelRequest for that connection (its running statement, if any, stops with 57014).
    const pid = Number(cancel[1]);
    const ok = Number.isSafeInteger(pid) && cancelBackend(pid);
    return {
      kind: 'rows',
      result: {
        columns: [{ name: 'pg_cancel_backend', type: 'BOOLEAN' }],
        rows: [{ pg_cancel_backend: ok }],
      },
    };
  }
  if (/^SELECT\s+pg_backend_pid\(\)\s*$/i.test(text) && backendPid !== undefined) {
    return {
      kind: 'rows',
      result: {
        columns: [{ name: 'pg_backend_pid', type: 'INTEGER' }],
        rows: [{ pg_backend_pid: backendPid }],
      },
    };
  }
  const serial = rewriteSerialColumns(text);
  if (serial) return { kind: 'sql', sql: serial };
  if (
    (CATALOG_HINT.test(text) || /\bversion\s*\(\s*\)/i.test(text)) &&
    !isRvbbitWord(classifyStatement(text).first)
  ) {
    return { kind: 'sql', sql: rewriteCatalogSql(text) };
  }
  return undefined;
}
