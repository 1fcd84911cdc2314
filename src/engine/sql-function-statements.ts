/**
 * CREATE [OR REPLACE] SEMANTIC FUNCTION and DROP SEMANTIC FUNCTION: checked
 * (statements/semantic/sql-function-definition.ts), stored in
 * rvbbit.semantic_functions (plan/sql-functions.ts), and the engine's
 * operator catalog replaced with one that has (or lacks) the function, so
 * the next statement of every session parses and runs with it. Each runs on
 * the engine's system connection, one at a time: two sessions creating
 * functions at once never build catalogs that miss each other's.
 *
 * A file's operator wins over SQL: CREATE refuses a name or word an operator
 * file (or rvbbit) has, and OR REPLACE replaces only a function defined in
 * SQL. A file added later that takes a stored function's name or word
 * shadows it at the next engine start (warned; the row stays, so removing
 * the file brings the function back).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { errorMessage, RvbbitError } from '../../base/errors.js';
import type { CreateSemanticFunctionStatement, DropSemanticFunctionStatement } from '../../grammar/index.js';
import type { EngineShared } from '../dispatch/engine-shared.js';
import {
  catalogListing,
  type OperatorCatalog,
  type SqlDefinedFunction,
  takenNames,
  withSqlFunctions,
} from '../plan/operator-catalog.js';
import {
  deleteSqlFunction,
  ensureSqlFunctionTable,
  readSqlFunctions,
  type SqlFunctionFiles,
  writeFunctionListing,
  writeSqlFunction,
} from '../plan/sql-functions.js';
import { registerFunctions } from '../statements/semantic/register-functions.js';
import { defineSqlFunction, wordsOf } from '../statements/semantic/sql-function-definition.js';

/** The functions stored in this database, added to `catalog`; one that no longer loads is skipped with `warn`. */
export async function loadSqlFunctions(
  con: DuckDBConnection,
  catalog: OperatorCatalog,
  files: SqlFunctionFiles,
  warn: (message: string) => void,
): Promise<OperatorCatalog> {
  await ensureSqlFunctionTable(con);
  const defined: SqlDefinedFunction[] = [];
  for (const row of await readSqlFunctions(con)) {
    try {
      defined.push(files.write(row.name, row.cascadeYaml, row.contentHash));
    } catch (err) {
      warn(`${row.name}: ${errorMessage(err)}`);
    }
  }
  const out = withSqlFunctions(catalog, defined);
  for (const s of out.shadowed) warn(`${s.name}: an operator file overrides it (${s.why})`);
  await writeFunctionListing(con, catalogListing(out));
  return out;
}

/** The functions defined in SQL that the current catalog holds, as the catalog was built from them. */
function sqlDefined(catalog: OperatorCatalog): SqlDefinedFunction[] {
  return [...catalog.functions.values()]
    .filter((f) => f.source === 'sql')
    .map((f) => ({ file: f.cascadePath, sql: f.sql }));
}

export async function createSemanticFunction(
  stmt: CreateSemanticFunctionStatement,
  shared: EngineShared,
  readOnly: boolean,
): Promise<void> {
  refuseIfReadOnly(readOnly, stmt);
  await shared.system.run(async (con) => {
    const catalog = shared.semantic.catalog;
    const mine = sqlDefined(catalog);
    const taken = {
      files: takenNames(catalog.fileClaims),
      sql: new Map(mine.map((d) => [d.sql.name, wordsOf(d.sql)])),
    };
    const def = defineSqlFunction(stmt, taken, positionIn(stmt));
    await writeSqlFunction(con, {
      name: def.name,
      args: def.args,
      returns: def.returns,
      operator: def.operator,
      shape: def.shape,
      options: JSON.stringify(def.options),
      cascadeYaml: def.cascadeYaml,
      contentHash: def.contentHash,
      definition: def.definition,
    });
    const written = shared.sqlFunctionFiles.write(def.name, def.cascadeYaml, def.contentHash);
    const others = mine.filter((d) => d.sql.name !== def.name);
    const next = withSqlFunctions(catalog, [...others, written]);
    await writeFunctionListing(con, catalogListing(next));
    // On the system connection, outside any client's transaction (register-functions.ts).
    const fn = next.functions.get(def.name);
    if (fn) registerFunctions(shared.instance, con, [fn]);
    shared.semantic.catalog = next;
  });
}

export async function dropSemanticFunction(
  stmt: DropSemanticFunctionStatement,
  shared: EngineShared,
  readOnly: boolean,
): Promise<void> {
  refuseIfReadOnly(readOnly, stmt);
  await shared.system.run(async (con) => {
    const name = stmt.name.text;
    const catalog = shared.semantic.catalog;
    const fn = catalog.functions.get(name);
    const where = {
      offset: stmt.name.span.start - stmt.span.start,
      ...positionIn(stmt)(stmt.name.span.start),
    };
    if (fn && fn.source !== 'sql')
      throw new RvbbitError(
        'SQLFN_NOT_FOUND',
        `${name} is defined by the file ${fn.cascadePath}, not by CREATE SEMANTIC FUNCTION: remove the file to drop it`,
        where,
      );
    const existed = await deleteSqlFunction(con, name);
    if (!existed && !stmt.ifExists)
      throw new RvbbitError('SQLFN_NOT_FOUND', `semantic function ${name} does not exist`, where);
    const next = withSqlFunctions(
      catalog,
      sqlDefined(catalog).filter((d) => d.sql.name !== name),
    );
    await writeFunctionListing(con, catalogListing(next));
    shared.semantic.catalog = next;
  });
}

function refuseIfReadOnly(
  readOnly: boolean,
  stmt: { readonly span: { readonly line: number; readonly column: number } },
): void {
  if (!readOnly) return;
  throw new RvbbitError(
    'SQLFN_READ_ONLY',
    'semantic functions are read-only on this server (rvbbit serve --read-only-functions): CREATE and DROP SEMANTIC FUNCTION are refused',
    { offset: 0, line: stmt.span.line, column: stmt.span.column },
  );
}

/** Line and column in the input of an offset inside the statement. */
function positionIn(stmt: {
  readonly text: string;
  readonly span: { readonly start: number; readonly line: number; readonly column: number };
}): (offset: number) => { line: number; column: number } {
  return (offset) => {
    const before = stmt.text.slice(0, Math.max(0, offset - stmt.span.start));
    const lines = before.split('\n');
    return lines.length === 1
      ? { line: stmt.span.line, column: stmt.span.column + before.length }
      : { line: stmt.span.line + lines.length - 1, column: lines.at(-1)!.length + 1 };
  };
}
