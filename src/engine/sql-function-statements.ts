/**
 * CREATE [OR REPLACE] SEMANTIC FUNCTION and DROP SEMANTIC FUNCTION: checked
 * (statements/semantic/functions/sql-function-definition.ts), stored in
 * rvbbit.semantic_functions (plan/sql-functions.ts), and the engine's
 * operator catalog replaced with one that has (or lacks) the function, so
 * the next statement of every session parses and runs with it. Each runs on
 * the engine's system connection, one at a time: two sessions creating
 * functions at once never build catalogs that miss each other's.
 *
 * A file's operator wins over SQL: CREATE refuses a name or word an operator
 * file (or rvbbit) has, and OR REPLACE replaces only a function defined in
 * SQL. DuckDB's catalog wins too: a name or word that is a DuckDB function,
 * macro, keyword or type is refused at CREATE (catalog-words.ts), and a
 * stored one that is (defined by an older rvbbit) is skipped at load with a
 * warning naming it; its row stays, so DROP SEMANTIC FUNCTION removes it.
 *
 * A CREATE or DROP costs the same however many functions exist: it writes
 * its own row of rvbbit.functions, not the listing (which rewrote every row
 * per CREATE: 1,371 CREATEs took 900 s), and the catalog keeps every other
 * function's definition as it was (operator-catalog.ts). A file added later that takes a stored function's name or word
 * shadows it at the next engine start (warned; the row stays, so removing
 * the file brings the function back). Loading the stored functions at start
 * is sql-function-load.ts.
 */
import { RvbbitError } from '../../base/errors.js';
import type { CreateSemanticFunctionStatement, DropSemanticFunctionStatement } from '../../grammar/index.js';
import type { ConnectionQueue } from '../db/connection-queue.js';
import type { EngineShared } from '../dispatch/engine-shared.js';
import {
  functionListing,
  type OperatorCatalog,
  type SqlDefinedFunction,
  takenNames,
  withSqlFunctions,
} from '../plan/operator-catalog.js';
import { deleteSqlFunction, writeFunctionListingRow, writeSqlFunction } from '../plan/sql-functions.js';
import {
  candidateWords,
  defineSqlFunction,
} from '../statements/semantic/functions/sql-function-definition.js';
import { registeredName } from '../statements/semantic/rewrite/semantic-rewrite.js';
import { isOperatorFunction, registerFunctions } from '../statements/semantic/run/register-functions.js';
import { catalogHolders } from './catalog-words.js';

/** The functions defined in SQL that the current catalog holds, as the catalog was built from them. */
function sqlDefined(catalog: OperatorCatalog): SqlDefinedFunction[] {
  const out: SqlDefinedFunction[] = [];
  for (const f of catalog.functions.values())
    if (f.source === 'sql') out.push({ file: f.cascadePath, sql: f.sql });
  return out;
}

/**
 * `session` is the connection of the session that creates: DuckDB's catalog
 * is read there, so its TEMP macros (a server client's Postgres catalog
 * macros, which the grammar must not take over either) count.
 */
export async function createSemanticFunction(
  stmt: CreateSemanticFunctionStatement,
  shared: EngineShared,
  session: ConnectionQueue,
  readOnly: boolean,
): Promise<void> {
  refuseIfReadOnly(readOnly, stmt);
  const db = shared.instance;
  const registered = (n: string) => isOperatorFunction(db, n);
  const words = candidateWords(stmt);
  const held = await session.run((con) =>
    catalogHolders(con, words, [registeredName(stmt.name.text)], registered),
  );
  await shared.system.run(async (con) => {
    const catalog = shared.semantic.catalog;
    const taken = { files: takenNames(catalog.fileClaims), sql: catalog.sqlWords, catalog: held };
    const def = defineSqlFunction(stmt, taken, positionIn(stmt));
    // A CASCADE's operator words are in its YAML, not among the statement's words looked up above.
    const unread = def.words.filter((w) => !words.some((c) => c.toUpperCase() === w));
    if (unread.length > 0) {
      const more = await catalogHolders(con, unread, [], registered);
      const first = unread.map((w) => more.get(w)).find((h) => h);
      if (first)
        throw new RvbbitError(first.code, `operator word ${first.why}`, {
          offset: stmt.body.span.start - stmt.span.start,
          ...positionIn(stmt)(stmt.body.span.start),
        });
    }
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
    const others = sqlDefined(catalog).filter((d) => d.sql.name !== def.name);
    const next = withSqlFunctions(catalog, [...others, written]);
    const fn = next.functions.get(def.name);
    await writeFunctionListingRow(con, def.name, fn && functionListing(fn));
    // On the system connection, outside any client's transaction (register-functions.ts).
    if (fn) registerFunctions(db, con, [fn]);
    shared.semantic.catalog = next;
  });
}

/**
 * Drops a function defined in SQL. Resolves false when `IF EXISTS` found none
 * to drop (the caller says so, as Postgres's NOTICE "… does not exist, skipping").
 */
export async function dropSemanticFunction(
  stmt: DropSemanticFunctionStatement,
  shared: EngineShared,
  readOnly: boolean,
): Promise<boolean> {
  refuseIfReadOnly(readOnly, stmt);
  return shared.system.run(async (con) => {
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
    if (!existed) return false;
    const next = withSqlFunctions(
      catalog,
      sqlDefined(catalog).filter((d) => d.sql.name !== name),
    );
    await writeFunctionListingRow(con, name, undefined);
    shared.semantic.catalog = next;
    return true;
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
