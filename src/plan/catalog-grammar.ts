/**
 * The one way a tool gets the grammar the engine parses with. The engine,
 * `rvbbit parse`, `rvbbit explain`, the REPL and the language server all call
 * grammarForCascades(), so a user's own operator word (`a RHYMES b` from a
 * cascade in a `--cascades` folder) parses in each of them or in none.
 */
import type { Grammar } from '../../grammar/index.js';
import { CascadeResolver } from './cascade-resolver.js';
import { asCascadeRoots, type CascadeRoots } from './cascade-roots.js';
import { loadOperatorCatalog, type OperatorCatalog } from './operator-catalog.js';

/** The catalog, its grammar and the resolver for one list of cascade roots. */
export interface CatalogGrammar {
  readonly grammar: Grammar;
  readonly catalog: OperatorCatalog;
  /** Resolves `MAP 'path'` in the same roots (and lists them, real paths, for completion). */
  readonly resolver: CascadeResolver;
}

/**
 * Reads every `sql_function` under the operator roots. A broken operator file
 * throws (naming file:line:col), as tools that check want (`rvbbit parse`, the
 * language server); with `skipBroken` it is left in `catalog.broken` (the
 * engine warns and fails only the statements that use it).
 */
export function grammarForCascades(
  roots: readonly string[] | CascadeRoots,
  options: { readonly skipBroken?: boolean } = {},
): CatalogGrammar {
  const { paths, operators } = asCascadeRoots(roots);
  const catalog = loadOperatorCatalog(operators);
  const broken = catalog.broken[0];
  if (broken && !options.skipBroken) throw broken.error;
  return { grammar: catalog.grammar, catalog, resolver: new CascadeResolver(paths) };
}
