/**
 * The one way a tool gets the grammar the engine parses with. The engine,
 * `rvbbit parse`, `rvbbit explain`, the REPL and the language server all call
 * grammarForCascades(), so a user's own operator word (`a RHYMES b` from a
 * cascade in a `--cascades` folder) parses in each of them or in none.
 */
import type { Grammar } from '../../grammar/index.js';
import { CascadeResolver } from './cascade-resolver.js';
import { loadOperatorCatalog, type OperatorCatalog } from './operator-catalog.js';

/** The catalog, its grammar and the resolver for one list of cascade roots. */
export interface CatalogGrammar {
  readonly grammar: Grammar;
  readonly catalog: OperatorCatalog;
  /** Resolves `MAP 'path'` in the same roots (and lists them, real paths, for completion). */
  readonly resolver: CascadeResolver;
}

/** Reads every `sql_function` under the roots; throws (naming the file) on a bad operator word. */
export function grammarForCascades(roots: readonly string[]): CatalogGrammar {
  const catalog = loadOperatorCatalog(roots);
  return { grammar: catalog.grammar, catalog, resolver: new CascadeResolver(roots) };
}
