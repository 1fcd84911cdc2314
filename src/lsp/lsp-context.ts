/**
 * What the language server knows besides the open documents: the grammar and
 * operator catalog of its cascade roots (grammarForCascades, as the engine
 * builds them) and, with `--db`, the database's tables and columns. Both load
 * on first use, so `initialize` answers before any YAML is read.
 */
import { createGrammar, type Grammar } from '../../grammar/index.js';
import type { CatalogGrammar } from '../plan/catalog-grammar.js';
import { DbSchema } from './db-schema.js';

export interface LspOptions {
  /** `--cascades` folders (the working directory and the shipped cascades follow, as for the engine). */
  readonly cascades?: readonly string[];
  /** `--db`: a DuckDB file, opened read-only for table and column names. */
  readonly db?: string;
  /** Quiet time after a change before diagnostics run (one parse per burst of changes). */
  readonly debounceMs?: number;
}

export class LspContext {
  private catalogGrammar: CatalogGrammar | undefined;
  private fallback: Grammar | undefined;
  /** Why the catalog could not be read (a cascade with a bad operator word, say); shown once. */
  loadError: string | undefined;
  readonly db: DbSchema | undefined;

  private constructor(
    readonly roots: readonly string[],
    private readonly load: (roots: readonly string[]) => CatalogGrammar,
    db: string | undefined,
  ) {
    this.db = db ? new DbSchema(db) : undefined;
  }

  static async create(options: LspOptions): Promise<LspContext> {
    const [{ grammarForCascades }, { cascadeRootsFor }] = await Promise.all([
      import('../plan/catalog-grammar.js'),
      import('../plan/cascade-roots.js'),
    ]);
    return new LspContext(cascadeRootsFor(options.cascades), grammarForCascades, options.db);
  }

  /** The catalog, or undefined when it cannot be read (then the default grammar is used). */
  get catalog(): CatalogGrammar | undefined {
    if (this.catalogGrammar || this.fallback) return this.catalogGrammar;
    try {
      this.catalogGrammar = this.load(this.roots);
    } catch (err) {
      this.loadError = (err as Error).message;
      this.fallback = createGrammar();
    }
    return this.catalogGrammar;
  }

  get grammar(): Grammar {
    return this.catalog?.grammar ?? this.fallback!;
  }

  /** The resolver's roots: real paths of the roots that exist. */
  get realRoots(): readonly string[] {
    return this.catalog?.resolver.roots ?? [];
  }

  /** The cascade file `ref` names, or undefined (not found, or outside the roots). */
  resolveCascade(ref: string): string | undefined {
    try {
      return this.catalog?.resolver.resolve(ref);
    } catch {
      return undefined;
    }
  }
}
