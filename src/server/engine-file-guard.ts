/**
 * Keeps server clients off the engine's own files (engine-files.ts), which
 * DuckDB itself lets every connection open once file access is closed, and
 * off the commands that write or detach the database for every session.
 *
 * Every statement a client session sends to DuckDB passes here first: the
 * guard sits on the session's DuckDB connection (guardConnection), so the
 * simple and extended protocols, cursors, COPY … TO STDOUT and the SQL the
 * engine builds around a client's text (a MAP's USING query) are all seen.
 *
 * The rules, on DuckDB's tokens (sql-tokens.ts):
 * - a string constant, a quoted name, a dotted name (`FROM x.csv` reads a
 *   file) or a name after TO/FROM that names an owned file, however spelled,
 *   is refused; the value of `SET VARIABLE` is exempt (DuckDB opens no file
 *   with it; a path read back with getvariable() is refused below);
 * - a table function that is not a computed-rows or catalog listing one
 *   (read_*, glob, parquet_*, sniff_csv, query, query_table, enable_profiling,
 *   and those of extensions), or a macro that hands its parameters to one,
 *   takes constants only: a path computed in the statement (getvariable(),
 *   `'/data/' || 'x'`, a parameter `$1`) cannot be checked, so it is
 *   refused; query()'s SQL text is checked as a statement of its own;
 * - CHECKPOINT, FORCE CHECKPOINT, IMPORT DATABASE, DETACH of a database the
 *   server started with, the settings that place or shape the database's
 *   files, and table functions the guard could not see through
 *   (json_execute_serialized_sql, the PEG parser switches) are refused.
 * Refusals are 42501 (insufficient_privilege), as DuckDB's own file refusals.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { RvbbitError } from '../../base/errors.js';
import { COMPUTED_TABLE_FUNCTIONS } from '../cascade/sql-data-guard.js';
import type { Engine } from '../engine/engine.js';
import { type EngineFiles, engineFileOf, Identities } from './engine-files.js';
import { type StringRun, scanSql, type Token } from './sql-tokens.js';

/** Table functions that compute rows or list the catalog: any argument, no file. */
const SAFE_TABLE_FUNCTIONS = new Set([
  ...COMPUTED_TABLE_FUNCTIONS,
  'test_all_types',
  'test_vector_types',
  'sql_auto_complete',
  'check_peg_parser',
]);
const isSafeTableFunction = (name: string) =>
  SAFE_TABLE_FUNCTIONS.has(name) || name.startsWith('duckdb_') || name.startsWith('pragma_');

const CHECKPOINT =
  "permission denied for CHECKPOINT: the server checkpoints its database itself (a forced checkpoint also aborts the other clients' transactions)";
/** Functions refused whatever their arguments, with the reason. */
const REFUSED_FUNCTIONS = new Map([
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
const PROTECTED_SETTINGS = new Set([
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

/** What the guard knows of the catalog: names to check, loaded once and after ATTACH/LOAD. */
interface Catalog {
  /** Table functions and macros whose arguments must be constants. */
  readonly pathTaking: ReadonlySet<string>;
  /** Macros and views that reach an owned file or a refused function, with the reason. */
  readonly refused: ReadonlyMap<string, string>;
}

/** Runs SQL with no parameters on the guarded connection, past the guard. */
type RawRun = (sql: string) => Promise<Record<string, unknown>[]>;

function refusal(message: string): RvbbitError {
  return new RvbbitError('DUCKDB_PERMISSION', message);
}

export class EngineFileGuard {
  private catalog: Promise<Catalog> | undefined;

  /**
   * `raw` runs the guard's own queries (the catalog, E'…' strings) on a
   * connection it does not guard, outside any client's transaction.
   */
  constructor(
    readonly files: EngineFiles,
    private readonly raw: RawRun,
  ) {}

  /** Throws 42501 if `sql` (one or more statements) would touch an owned file or run a refused command. */
  async check(sql: string, depth = 0): Promise<void> {
    if (depth > 4) throw refusal('permission denied: query() nested too deeply to be checked');
    const { tokens, runs } = scanSql(sql);
    const strict = this.checkStatements(tokens);
    const catalog = await this.loadCatalog();
    const nested: string[] = [];
    this.checkCalls(tokens, catalog, nested, strict);
    for (const t of tokens) {
      const why = isName(t) ? catalog.refused.get(t.value.toLowerCase()) : undefined;
      if (why !== undefined) throw refusal(`permission denied for ${t.value}: ${why}`);
    }
    await this.checkPaths(tokens, runs, strict);
    for (const text of nested) await this.check(text, depth + 1);
  }

  /** Forgets the catalog: ATTACH or LOAD may have added macros and views. */
  invalidate(): void {
    this.catalog = undefined;
  }

  /**
   * Statement heads: CHECKPOINT, IMPORT, DETACH, settings. Returns the tokens
   * of statements whose every string or name may be a path (COPY, ATTACH,
   * EXPORT, LOAD, INSTALL): DuckDB reads `COPY t TO foo` as ./foo.
   */
  private checkStatements(tokens: readonly Token[]): Set<Token> {
    const strict = new Set<Token>();
    const statements = splitStatements(tokens);
    statements.forEach((stmt, index) => {
      let k = 0;
      const word = (at: number) => {
        const t = stmt[at];
        return t?.kind === 'name' ? t.value.toUpperCase() : '';
      };
      // EXPLAIN ANALYZE runs the statement, PREPARE names it for EXECUTE: what follows is checked.
      for (;;) {
        if (word(k) === 'EXPLAIN') {
          k++;
          while (['ANALYZE', 'ANALYSE', 'VERBOSE'].includes(word(k))) k++;
          if (isOp(stmt[k], '(')) k = closing(stmt, k) + 1;
        } else if (word(k) === 'PREPARE') {
          k += 2;
          if (isOp(stmt[k], '(')) k = closing(stmt, k) + 1;
          if (word(k) === 'AS') k++;
        } else break;
      }
      const w0 = word(k);
      const w1 = word(k + 1);
      if (w0 === 'CHECKPOINT' || (w0 === 'FORCE' && w1 === 'CHECKPOINT')) throw refusal(CHECKPOINT);
      if (w0 === 'IMPORT' && w1 === 'DATABASE') {
        throw refusal(
          'permission denied for IMPORT DATABASE: it runs SQL read from files, which the server cannot check',
        );
      }
      if (w0 === 'DETACH') {
        let j = k + 1;
        if (word(j) === 'DATABASE') j++;
        if (word(j) === 'IF' && word(j + 1) === 'EXISTS') j += 2;
        const name = stmt[j];
        if (name && isName(name) && this.files.databases.has(name.value.toLowerCase())) {
          throw refusal(
            `permission denied to detach database "${name.value}": the server's own database, which every session uses`,
          );
        }
      }
      if (w0 === 'SET' || w0 === 'RESET' || w0 === 'PRAGMA') {
        let j = k + 1;
        if (['GLOBAL', 'SESSION', 'LOCAL'].includes(word(j))) j++;
        const t = stmt[j];
        const name = t && isName(t) ? t.value.toLowerCase() : '';
        if (name === 'force_checkpoint' || name === 'checkpoint') throw refusal(CHECKPOINT);
        if (PROTECTED_SETTINGS.has(name)) {
          throw new RvbbitError(
            'SETTING_NOT_ALLOWED',
            `permission denied to set parameter "${name}": it decides where the server writes files or how its database is stored`,
          );
        }
      }
      const loads =
        w0 === 'ATTACH' || w0 === 'LOAD' || w0 === 'INSTALL' || (w0 === 'FORCE' && w1 === 'INSTALL');
      if (loads) {
        // What it adds (an attached file's macros and views) is read again before they can be used.
        this.invalidate();
        if (statements.slice(index + 1).some((s) => s.length > 0)) {
          throw refusal(`permission denied: run ${w0} as a statement of its own, not followed by others`);
        }
      }
      if (loads || ['COPY', 'EXPORT', 'IMPORT'].includes(w0)) for (const t of stmt) strict.add(t);
    });
    return strict;
  }

  /** Calls of refused functions, and of path-taking ones with anything but constants (their arguments are paths). */
  private checkCalls(tokens: readonly Token[], catalog: Catalog, nested: string[], paths: Set<Token>): void {
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (!isName(t) || !isOp(tokens[i + 1], '(')) continue;
      const name = t.value.toLowerCase();
      if (notACall(tokens, i)) continue;
      const why = REFUSED_FUNCTIONS.get(name);
      if (why !== undefined)
        throw refusal(why === CHECKPOINT ? why : `permission denied for ${name}(): ${why}`);
      if (!catalog.pathTaking.has(name)) continue;
      const end = closing(tokens, i + 1);
      const args = tokens.slice(i + 2, end);
      if (!constantArguments(args)) {
        throw refusal(
          `permission denied for ${name}(): a server client passes it constants only (a file path computed in the statement cannot be checked against the server's own files)`,
        );
      }
      for (const a of args) paths.add(a);
      if (name === 'query') for (const a of args) if (a.kind === 'string') nested.push(a.value);
    }
  }

  /**
   * String constants and quoted, dotted or (in COPY) bare names, as paths.
   * Outside path positions (`strict`: a path-taking call's arguments, COPY,
   * ATTACH, EXPORT, LOAD) only a text with a `.` or `/` can name a file:
   * DuckDB reads `FROM 'x.csv'` as a file, `FROM 'x'` as a table.
   */
  private async checkPaths(tokens: readonly Token[], runs: readonly StringRun[], strict: ReadonlySet<Token>) {
    const identities = new Identities(this.files);
    const exempt = variableValues(tokens);
    const decoded = new Map<Token, string>();
    const stringValue = async (t: Extract<Token, { kind: 'string' }>): Promise<string> => {
      if (!t.escaped || !t.raw.includes('\\')) return t.value;
      const known = decoded.get(t);
      if (known !== undefined) return known;
      // Backslash escapes (E'\\x2f…') are decoded by DuckDB itself, exactly as the statement will be.
      const rows = await this.raw(`SELECT ${t.raw} AS v`);
      const v = String(rows[0]?.v ?? '');
      decoded.set(t, v);
      return v;
    };
    const check = (text: string, always: boolean) => {
      if (!always && !/[./]/.test(text)) return;
      const owned = engineFileOf(text, this.files, identities);
      if (owned !== undefined) {
        throw refusal(
          `permission denied for "${text}": it is one of the server's own files (its database, WAL, logs, answer log or temp files), which clients may not read or write`,
        );
      }
    };
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (exempt.has(t)) continue;
      const always = strict.has(t);
      if (t.kind === 'string') check(await stringValue(t), always);
      else if (t.kind === 'quoted') check(t.value, always);
      else if (t.kind === 'name' && always && !isOp(tokens[i + 1], '.')) check(t.value, true);
      // A dotted name is also a file name to DuckDB (`FROM x.csv` reads ./x.csv).
      if (isName(t) && !isOp(tokens[i - 1], '.') && isOp(tokens[i + 1], '.')) {
        let text = t.value;
        let j = i;
        while (isOp(tokens[j + 1], '.') && tokens[j + 2] && isName(tokens[j + 2]!)) {
          text += `.${(tokens[j + 2] as { value: string }).value}`;
          j += 2;
        }
        if (j > i) check(text, true);
      }
    }
    for (const run of runs) {
      if (run.parts.some((p) => exempt.has(p))) continue;
      const parts = await Promise.all(run.parts.map(stringValue));
      check(
        parts.join(''),
        run.parts.some((p) => strict.has(p)),
      );
    }
  }

  private loadCatalog(): Promise<Catalog> {
    this.catalog ??= readCatalog((sql) => this.raw(sql), this.files).catch((err: unknown) => {
      this.catalog = undefined;
      throw err;
    });
    return this.catalog;
  }
}

/**
 * Path-taking table functions, and the macros and views (the operator's, or
 * an attached file's) that call them with their parameters or reach an owned
 * file. A client's own macros and views were checked when it created them.
 */
async function readCatalog(raw: RawRun, files: EngineFiles): Promise<Catalog> {
  const pathTaking = new Set<string>();
  for (const r of await raw(
    `SELECT DISTINCT lower(function_name) AS name FROM duckdb_functions() WHERE function_type = 'table'`,
  )) {
    const name = String(r.name);
    if (!isSafeTableFunction(name)) pathTaking.add(name);
  }
  pathTaking.add('query');
  pathTaking.add('query_table');
  const macros = (
    await raw(
      `SELECT lower(function_name) AS name, macro_definition AS body FROM duckdb_functions()
       WHERE function_type IN ('macro', 'table_macro') AND NOT internal AND macro_definition IS NOT NULL`,
    )
  ).map((r) => ({ name: String(r.name), tokens: scanSql(String(r.body)).tokens }));
  const views = (
    await raw(`SELECT lower(view_name) AS name, sql FROM duckdb_views() WHERE NOT internal`)
  ).map((r) => ({ name: String(r.name), tokens: scanSql(String(r.sql)).tokens }));
  const refused = new Map<string, string>();
  // A macro calling a path-taking function with its parameters is path-taking itself (to a fixed point).
  for (let changed = true; changed; ) {
    changed = false;
    for (const m of macros) {
      if (pathTaking.has(m.name)) continue;
      if (callsWithComputedArguments(m.tokens, pathTaking)) {
        pathTaking.add(m.name);
        changed = true;
      }
    }
  }
  for (const m of macros) {
    const why = reachesRefused(m.tokens, files, pathTaking, false);
    if (why !== undefined) refused.set(m.name, why);
  }
  for (const v of views) {
    const why = reachesRefused(v.tokens, files, pathTaking, true);
    if (why !== undefined) refused.set(v.name, why);
  }
  return { pathTaking, refused };
}

/** Why a stored macro or view is refused, if it is: an owned file, a refused function, a computed path. */
function reachesRefused(
  tokens: readonly Token[],
  files: EngineFiles,
  pathTaking: ReadonlySet<string>,
  isView: boolean,
): string | undefined {
  for (const t of tokens) {
    if ((t.kind === 'string' || t.kind === 'quoted') && engineFileOf(t.value, files) !== undefined) {
      return "it reads one of the server's own files";
    }
  }
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (isName(t) && isOp(tokens[i + 1], '(') && REFUSED_FUNCTIONS.has(t.value.toLowerCase())) {
      return `it calls ${t.value.toLowerCase()}()`;
    }
  }
  // A view has no parameters: a computed path in it comes from the session (getvariable()).
  if (isView && callsWithComputedArguments(tokens, pathTaking)) {
    return 'it reads a file whose path is computed when it runs';
  }
  return undefined;
}

function callsWithComputedArguments(tokens: readonly Token[], pathTaking: ReadonlySet<string>): boolean {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!isName(t) || !isOp(tokens[i + 1], '(') || !pathTaking.has(t.value.toLowerCase())) continue;
    if (notACall(tokens, i)) continue;
    if (!constantArguments(tokens.slice(i + 2, closing(tokens, i + 1)))) return true;
  }
  return false;
}

/**
 * Arguments made of constants only: strings, numbers, TRUE/FALSE/NULL,
 * lists and structs of them, `name := value` / `name = value` options.
 */
function constantArguments(args: readonly Token[]): boolean {
  return args.every((t, i) => {
    if (t.kind === 'string' || t.kind === 'number') return true;
    if (t.kind === 'op') return [',', '[', ']', '{', '}', ':', ':=', '=', '-', '+'].includes(t.value);
    if (t.kind === 'name' && /^(TRUE|FALSE|NULL)$/i.test(t.value)) return true;
    // An option's or a struct field's name.
    const next = args[i + 1];
    return isName(t) && next?.kind === 'op' && [':=', '=', ':'].includes(next.value);
  });
}

/**
 * `name (` that is not a call: a table or index column list (`INSERT INTO
 * t (a)`, `CREATE TABLE t (a INT)`, `CREATE INDEX i ON t (a)`, `REFERENCES
 * t (a)`). `AS TABLE f(…)` (a table macro's body) stays a call.
 */
function notACall(tokens: readonly Token[], i: number): boolean {
  let s = i;
  while (isOp(tokens[s - 1], '.') && tokens[s - 2] && isName(tokens[s - 2]!)) s -= 2;
  const prev = tokens[s - 1];
  const word = (t: Token | undefined) => (t?.kind === 'name' ? t.value.toUpperCase() : '');
  const p = word(prev);
  if (p === 'INTO' || p === 'REFERENCES' || p === 'ON') return true;
  if (p === 'TABLE' && word(tokens[s - 2]) !== 'AS') return true;
  return p === 'EXISTS' && word(tokens[s - 2]) === 'NOT' && word(tokens[s - 3]) === 'IF';
}

/** The tokens of `SET VARIABLE name = value` values: no file is opened by that name. */
function variableValues(tokens: readonly Token[]): Set<Token> {
  const out = new Set<Token>();
  for (const stmt of splitStatements(tokens)) {
    const words = stmt.slice(0, 3).map((t) => (t.kind === 'name' ? t.value.toUpperCase() : ''));
    const at = words[0] === 'SET' ? (words[1] === 'VARIABLE' ? 2 : words[2] === 'VARIABLE' ? 3 : -1) : -1;
    if (at < 0) continue;
    // Only a plain constant is exempt; anything computed is checked as usual.
    const value = stmt.slice(at + 2);
    if (value.every((t) => t.kind === 'string')) for (const t of value) out.add(t);
  }
  return out;
}

function splitStatements(tokens: readonly Token[]): Token[][] {
  const out: Token[][] = [[]];
  for (const t of tokens) {
    if (isOp(t, ';')) out.push([]);
    else out[out.length - 1]!.push(t);
  }
  return out;
}

/** The index of the bracket closing the one at `open` (the end if none). */
function closing(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'op') continue;
    if (t.value === '(' || t.value === '[' || t.value === '{') depth++;
    else if (t.value === ')' || t.value === ']' || t.value === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return tokens.length;
}

const isName = (t: Token): t is Extract<Token, { kind: 'name' | 'quoted' }> =>
  t.kind === 'name' || t.kind === 'quoted';
const isOp = (t: Token | undefined, value: string) => t?.kind === 'op' && t.value === value;

const guarded = new WeakSet<DuckDBConnection>();

/** Statements after which the catalog may hold new macros and views. */
const LOADS = /^\s*(ATTACH|LOAD|INSTALL|FORCE\s+INSTALL)\b/i;

/**
 * Puts the guard in front of every way `con` takes SQL: `run` without
 * values (sent as is), `extractStatements` (`run` with values, `stream`,
 * `start`) and `prepare`.
 */
export function guardConnection(con: DuckDBConnection, guard: EngineFileGuard): void {
  if (guarded.has(con)) return;
  guarded.add(con);
  const run = con.run.bind(con);
  const extract = con.extractStatements.bind(con);
  const prepare = con.prepare.bind(con);
  con.run = async (sql, values, types) => {
    if (values === undefined) await guard.check(sql);
    try {
      return await run(sql, values, types);
    } finally {
      // Read the catalog again once an ATTACH is done, not only before it.
      if (LOADS.test(sql)) guard.invalidate();
    }
  };
  con.extractStatements = async (sql) => {
    await guard.check(sql);
    return extract(sql);
  };
  con.prepare = async (sql) => {
    await guard.check(sql);
    return prepare(sql);
  };
}

const guards = new WeakMap<Engine, Promise<EngineFileGuard>>();

/**
 * The guard of `engine`'s files, one per engine (a second server on it shares
 * it); the server puts it in front of each client session's connection
 * (guardConnection). Its own queries run on the engine's system connection.
 */
export function engineFileGuard(engine: Engine, files: EngineFiles): Promise<EngineFileGuard> {
  let guard = guards.get(engine);
  if (!guard) {
    guard = makeGuard(engine, files);
    guards.set(engine, guard);
  }
  return guard;
}

async function makeGuard(engine: Engine, files: EngineFiles): Promise<EngineFileGuard> {
  const system = engine.shared.system;
  const guard = new EngineFileGuard(files, (sql) =>
    system.run(async (con) => (await con.runAndReadAll(sql)).getRowObjectsJS()),
  );
  // The catalog, read once now rather than on a client's first statement.
  await guard.check('SELECT 1');
  return guard;
}
