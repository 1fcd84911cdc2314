/**
 * What the engine-file guard knows of DuckDB's catalog: which table functions
 * and macros take paths, and which stored macros and views reach an owned
 * file or a refused function. Read once, and again after ATTACH or LOAD.
 */
import { type EngineFiles, engineFileOf } from './engine-files.js';
import { isSafeTableFunction, REFUSED_FUNCTIONS } from './file-guard-rules.js';
import { closing, constantArguments, isName, isOp, notACall } from './sql-token-shapes.js';
import { readDuckdbSql, type Token } from './sql-tokens.js';

/** What the guard knows of the catalog: names to check, loaded once and after ATTACH/LOAD. */
export interface Catalog {
  /** Table functions and macros whose arguments must be constants. */
  readonly pathTaking: ReadonlySet<string>;
  /** Macros and views that reach an owned file or a refused function, with the reason. */
  readonly refused: ReadonlyMap<string, string>;
}

/** Runs SQL with no parameters on the guarded connection, past the guard. */
export type RawRun = (sql: string) => Promise<Record<string, unknown>[]>;

/**
 * Path-taking table functions, and the macros and views (the operator's, or
 * an attached file's) that call them with their parameters or reach an owned
 * file. A client's own macros and views were checked when it created them.
 */
export async function readCatalog(raw: RawRun, files: EngineFiles): Promise<Catalog> {
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
  ).map((r) => ({ name: String(r.name), tokens: readDuckdbSql(String(r.body)).tokens }));
  const views = (
    await raw(`SELECT lower(view_name) AS name, sql FROM duckdb_views() WHERE NOT internal`)
  ).map((r) => ({ name: String(r.name), tokens: readDuckdbSql(String(r.sql)).tokens }));
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
