/**
 * The semantic functions stored in a database (CREATE SEMANTIC FUNCTION,
 * sql-function-statements.ts), loaded into the operator catalog at engine
 * start. Apart from CREATE and DROP: those check a definition with its
 * templates (the template engines, liquidjs and @huggingface/jinja, and the
 * proxy's statistics), which a start that only loads stored functions never needs.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { errorMessage } from '../../base/errors.js';
import {
  catalogListing,
  definedWords,
  type OperatorCatalog,
  type SqlDefinedFunction,
  withSqlFunctions,
} from '../plan/operator-catalog.js';
import {
  ensureSqlFunctionTable,
  readSqlFunctions,
  type SqlFunctionFiles,
  writeFunctionListing,
} from '../plan/sql-functions.js';
import { registeredName } from '../statements/semantic/rewrite/semantic-rewrite.js';
import { isOperatorFunction } from '../statements/semantic/run/register-functions.js';
import { catalogHolders } from './catalog-words.js';

/**
 * The functions stored in this database, added to `catalog`; one that no
 * longer loads, or whose name or word DuckDB's catalog holds, is skipped
 * with `warn`.
 */
export async function loadSqlFunctions(
  con: DuckDBConnection,
  db: object,
  catalog: OperatorCatalog,
  files: SqlFunctionFiles,
  warn: (message: string) => void,
): Promise<OperatorCatalog> {
  await ensureSqlFunctionTable(con);
  const loaded: SqlDefinedFunction[] = [];
  for (const row of await readSqlFunctions(con)) {
    try {
      // Its file is written when a statement first runs it (most starts run few of them).
      loaded.push(files.place(row.name, row.cascadeYaml, row.contentHash));
    } catch (err) {
      warn(`${row.name}: ${errorMessage(err)}`);
    }
  }
  // One look at DuckDB's catalog for every stored function's words.
  const held = await catalogHolders(
    con,
    loaded.flatMap(definedWords),
    loaded.map((d) => registeredName(d.sql.name)),
    (n) => isOperatorFunction(db, n),
  );
  const defined = loaded.filter((d) => {
    const words = [...definedWords(d), registeredName(d.sql.name).toUpperCase()];
    const first = words.map((w) => held.get(w)).find((h) => h);
    if (first) warn(`${d.sql.name}: ${first.why}; DROP SEMANTIC FUNCTION ${d.sql.name} removes it`);
    return !first;
  });
  const out = withSqlFunctions(catalog, defined);
  for (const s of out.shadowed) warn(`${s.name}: an operator file overrides it (${s.why})`);
  await writeFunctionListing(con, catalogListing(out));
  return out;
}
