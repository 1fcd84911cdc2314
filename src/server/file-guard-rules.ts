/**
 * What the engine-file guard (engine-file-guard.ts) refuses by name: the
 * table functions that take no file, the functions refused whatever their
 * arguments, and the settings that place or shape the database's files.
 */
import { COMPUTED_TABLE_FUNCTIONS } from '../cascade/sql-data-guard.js';

/** Table functions that compute rows or list the catalog: any argument, no file. */
const SAFE_TABLE_FUNCTIONS = new Set([
  ...COMPUTED_TABLE_FUNCTIONS,
  'test_all_types',
  'test_vector_types',
  'sql_auto_complete',
  'check_peg_parser',
]);
export const isSafeTableFunction = (name: string) =>
  SAFE_TABLE_FUNCTIONS.has(name) || name.startsWith('duckdb_') || name.startsWith('pragma_');

export const CHECKPOINT =
  "permission denied for CHECKPOINT: the server checkpoints its database itself (a forced checkpoint also aborts the other clients' transactions)";
/** Functions refused whatever their arguments, with the reason. */
export const REFUSED_FUNCTIONS = new Map([
  ['checkpoint', CHECKPOINT],
  ['force_checkpoint', CHECKPOINT],
  ['json_execute_serialized_sql', 'it runs a serialized plan, which the server cannot check'],
  ['enable_logging', "it changes DuckDB's logging for every session (and writes log files)"],
  ['disable_logging', "it changes DuckDB's logging for every session"],
  ['truncate_duckdb_logs', "it changes DuckDB's logging for every session"],
  ['enable_peg_parser', 'it changes how the server parses SQL'],
  ['disable_peg_parser', 'it changes how the server parses SQL'],
  ['arrow_scan', 'it reads raw memory addresses'],
  ['arrow_scan_dumb', 'it reads raw memory addresses'],
]);

/**
 * Settings that decide where the server writes files or how its database is
 * stored. Most are shared by every session (client-access.ts refuses those
 * too); the first three are a session's own yet write a file named by the client.
 */
export const PROTECTED_SETTINGS = new Set([
  'profile_output',
  'profiling_output',
  'http_logging_output',
  'log_query_path',
  'temp_directory',
  'max_temp_directory_size',
  'temp_file_encryption',
  'wal_autocheckpoint',
  'checkpoint_threshold',
  'wal_autocheckpoint_entries',
  'auto_checkpoint_skip_wal_threshold',
  'debug_checkpoint_abort',
  'debug_skip_checkpoint_on_commit',
  'storage_compatibility_version',
  'default_block_size',
  'access_mode',
  'enable_external_access',
  'allowed_directories',
  'allowed_paths',
  'disabled_filesystems',
  'file_search_path',
  'home_directory',
  'secret_directory',
  'extension_directory',
  'extension_directories',
  'enable_logging',
  'logging_storage',
  'logging_mode',
]);
