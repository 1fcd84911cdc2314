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

import { basename } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { RvbbitError } from '../../base/errors.js';
import type { Engine } from '../engine/engine.js';
import { refuseFunctionTableWrite } from '../engine/function-table-guard.js';
import {
  candidates,
  type EngineFiles,
  engineFileOf,
  folderOfEngineFiles,
  Identities,
  isGlobPattern,
} from './engine-files.js';
import { type Catalog, type RawRun, readCatalog } from './file-guard-catalog.js';
import { CHECKPOINT, PROTECTED_SETTINGS, REFUSED_FUNCTIONS } from './file-guard-rules.js';
import { closing, constantArguments, isName, isOp, notACall, variableValues } from './sql-token-shapes.js';
import { readDuckdbSql, type StringRun, type Token } from './sql-tokens.js';

/** The most files a glob pattern may match for the guard to list and check them all. */
const MAX_GLOB_FILES = 100_000;

const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;

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
    const { tokens, statements, runs } = readDuckdbSql(sql);
    const { strict, writes } = this.checkStatements(statements);
    const catalog = await this.loadCatalog();
    const nested: string[] = [];
    this.checkCalls(tokens, catalog, nested, strict);
    for (const t of tokens) {
      const why = isName(t) ? catalog.refused.get(t.value.toLowerCase()) : undefined;
      if (why !== undefined) throw refusal(`permission denied for ${t.value}: ${why}`);
    }
    await this.checkPaths(tokens, statements, runs, strict, writes);
    for (const text of nested) await this.check(text, depth + 1);
  }

  /** Forgets the catalog: ATTACH or LOAD may have added macros and views. */
  invalidate(): void {
    this.catalog = undefined;
  }

  /**
   * Statement heads: CHECKPOINT, IMPORT, DETACH, settings. Returns the tokens
   * of statements whose every string or name may be a path (`strict`: COPY,
   * ATTACH, EXPORT, LOAD, INSTALL; DuckDB reads `COPY t TO foo` as ./foo),
   * and of those that may write a folder (`writes`: COPY, EXPORT).
   */
  private checkStatements(statements: readonly (readonly Token[])[]): {
    strict: Set<Token>;
    writes: Set<Token>;
  } {
    const strict = new Set<Token>();
    const writes = new Set<Token>();
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
      if (w0 === 'COPY' || w0 === 'EXPORT') for (const t of stmt) writes.add(t);
    });
    return { strict, writes };
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
   * In COPY and EXPORT (`writes`) the folder that holds the engine's files,
   * or one above it, is refused too; a glob pattern is listed by DuckDB
   * itself and each file it matches checked (a hard link has no name in
   * common with its file).
   */
  private async checkPaths(
    tokens: readonly Token[],
    statements: readonly (readonly Token[])[],
    runs: readonly StringRun[],
    strict: ReadonlySet<Token>,
    writes: ReadonlySet<Token>,
  ) {
    const identities = new Identities(this.files);
    const exempt = variableValues(statements);
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
    const patterns: string[] = [];
    const check = (text: string, always: boolean, written = false) => {
      if (!always && !/[./]/.test(text)) return;
      const owned = engineFileOf(text, this.files, identities);
      if (owned !== undefined) {
        throw refusal(
          `permission denied for "${text}": it is one of the server's own files (its database, WAL, logs, answer log or temp files), which clients may not read or write`,
        );
      }
      const holder = written ? folderOfEngineFiles(text, this.files) : undefined;
      if (holder !== undefined) {
        throw refusal(
          `permission denied for "${text}": it holds the server's own files (${basename(holder)}), which a write to the folder could replace or delete`,
        );
      }
      if (isGlobPattern(text)) patterns.push(text);
    };
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (exempt.has(t)) continue;
      const always = strict.has(t);
      const written = writes.has(t);
      if (t.kind === 'string') check(await stringValue(t), always, written);
      else if (t.kind === 'quoted') check(t.value, always, written);
      else if (t.kind === 'name' && always && !isOp(tokens[i + 1], '.')) check(t.value, true, written);
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
        run.parts.some((p) => writes.has(p)),
      );
    }
    for (const pattern of patterns) await this.checkGlob(pattern, identities);
  }

  /** Each file DuckDB's glob() lists for `pattern`, checked as a path the client wrote. */
  private async checkGlob(pattern: string, identities: Identities): Promise<void> {
    for (const abs of candidates(pattern, this.files)) {
      let rows: readonly Record<string, unknown>[];
      try {
        rows = await this.raw(`SELECT file FROM glob(${sqlString(abs)}) LIMIT ${MAX_GLOB_FILES + 1}`);
      } catch {
        // A folder DuckDB will not list for this server's clients either (files closed), or no match.
        continue;
      }
      if (rows.length > MAX_GLOB_FILES) {
        throw refusal(
          `permission denied for "${pattern}": it matches over ${MAX_GLOB_FILES} files, too many to check against the server's own files; name fewer`,
        );
      }
      for (const row of rows) {
        const file = String(row.file);
        if (engineFileOf(file, this.files, identities) !== undefined) {
          throw refusal(
            `permission denied for "${pattern}": it matches ${basename(file)}, one of the server's own files (its database, WAL, logs, answer log or temp files), which clients may not read or write`,
          );
        }
      }
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

const guarded = new WeakSet<DuckDBConnection>();

/** Statements after which the catalog may hold new macros and views. */
const LOADS = /^\s*(ATTACH|LOAD|INSTALL|FORCE\s+INSTALL)\b/i;

/**
 * Puts the guard in front of every way `con` takes SQL: `run` without
 * values (sent as is), `extractStatements` (`run` with values, `stream`,
 * `start`) and `prepare`. With `readOnlyFunctions`, a statement that may
 * write rvbbit.semantic_functions is refused there too: the session refuses
 * its statements already (function-table-guard.ts), and this catches the
 * SQL the server runs on its own, a COPY … FROM STDIN's INSERT batches.
 */
export function guardConnection(
  con: DuckDBConnection,
  guard: EngineFileGuard,
  readOnlyFunctions = false,
): void {
  if (guarded.has(con)) return;
  guarded.add(con);
  const run = con.run.bind(con);
  const extract = con.extractStatements.bind(con);
  const prepare = con.prepare.bind(con);
  const check = async (sql: string) => {
    if (readOnlyFunctions) refuseFunctionTableWrite(sql);
    await guard.check(sql);
  };
  con.run = async (sql, values, types) => {
    if (values === undefined) await check(sql);
    try {
      return await run(sql, values, types);
    } finally {
      // Read the catalog again once an ATTACH is done, not only before it.
      if (LOADS.test(sql)) guard.invalidate();
    }
  };
  con.extractStatements = async (sql) => {
    await check(sql);
    return extract(sql);
  };
  con.prepare = async (sql) => {
    await check(sql);
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
  const guard = new EngineFileGuard(files, (sql) => engine.readSystem(sql));
  // The catalog, read once now rather than on a client's first statement.
  await guard.check('SELECT 1');
  return guard;
}
