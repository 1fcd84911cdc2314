/**
 * What the language server knows besides the open documents: the grammar and
 * operator catalog of its cascade roots (grammarForCascades, as the engine
 * builds them) and, with `--db`, the database's tables and columns. Both load
 * on first use, so `initialize` answers before any YAML is read.
 */
import { createGrammar, type Grammar } from '../../grammar/index.js';
import type { CascadeRoots } from '../plan/cascade-roots.js';
import type { CatalogGrammar } from '../plan/catalog-grammar.js';
import { type SqlDefinedFunction, withSqlFunctions } from '../plan/operator-catalog.js';
import { SqlFunctionFiles } from '../plan/sql-functions.js';
import { DbSchema, type StoredFunctionText } from './db-schema.js';

const RESOLVE_TTL_MS = 2000;

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
  /** Why the config or the catalog could not be read (a cascade with a bad operator word, say); shown once. */
  loadError: string | undefined;
  readonly db: DbSchema | undefined;
  private readonly resolved = new Map<string, { file: string | undefined; at: number }>();
  /** The --db file's SQL-defined functions, and their content hashes (a change rebuilds the catalog). */
  private dbFunctions: readonly StoredFunctionText[] = [];
  private dbFunctionsKey = '';
  private readonly sqlFunctionFiles = new SqlFunctionFiles();

  private constructor(
    readonly roots: CascadeRoots,
    private readonly load: (roots: CascadeRoots) => CatalogGrammar,
    db: string | undefined,
  ) {
    this.db = db ? new DbSchema(db) : undefined;
    // The cascade texts of the database's functions are written to a folder of their own: gone with the server.
    if (db) process.once('exit', () => this.sqlFunctionFiles.close());
  }

  /**
   * `workspace` is the editor's folder (else the working directory): it is a
   * cascade root, as the working directory is for the engine, and its
   * rvbbit.config.yaml gives `cascades` and `db` when the flags do not.
   */
  static async create(options: LspOptions, workspace = process.cwd()): Promise<LspContext> {
    const [{ grammarForCascades }, { cascadeRootsFor }, { readCliConfig }] = await Promise.all([
      import('../plan/catalog-grammar.js'),
      import('../plan/cascade-roots.js'),
      import('../config/cli-config.js'),
    ]);
    let config: { cascades?: readonly string[]; db?: string } = {};
    let configError: string | undefined;
    try {
      config = readCliConfig(workspace);
    } catch (err) {
      configError = (err as Error).message;
    }
    const db = options.db ?? (config.db === ':memory:' ? undefined : config.db);
    const ctx = new LspContext(
      cascadeRootsFor(options.cascades ?? config.cascades, workspace),
      grammarForCascades,
      db,
    );
    ctx.loadError = configError;
    return ctx;
  }

  /** A cascade file changed: the catalog (operator words) and resolved paths are read again on next use. */
  reload(): void {
    this.catalogGrammar = undefined;
    this.fallback = undefined;
    this.resolved.clear();
  }

  /**
   * Reads the --db file's semantic functions (when it changed): a function
   * created or dropped there since is in the catalog of the next request.
   */
  async syncDbFunctions(): Promise<void> {
    if (!this.db) return;
    const { functions } = await this.db.get();
    const key = functions.map((f) => f.contentHash).join(',');
    if (key === this.dbFunctionsKey) return;
    this.dbFunctionsKey = key;
    this.dbFunctions = functions;
    this.catalogGrammar = undefined;
    this.fallback = undefined;
  }

  /** The catalog, or undefined when it cannot be read (then the default grammar is used). */
  get catalog(): CatalogGrammar | undefined {
    if (this.catalogGrammar || this.fallback) return this.catalogGrammar;
    try {
      const files = this.load(this.roots);
      if (this.dbFunctions.length === 0) this.catalogGrammar = files;
      else {
        const defined: SqlDefinedFunction[] = [];
        for (const f of this.dbFunctions) {
          try {
            defined.push(this.sqlFunctionFiles.write(f.name, f.cascadeYaml, f.contentHash));
          } catch {
            // A stored function that no longer loads is left out, as the engine leaves it out.
          }
        }
        const catalog = withSqlFunctions(files.catalog, defined);
        this.catalogGrammar = { ...files, catalog, grammar: catalog.grammar };
      }
    } catch (err) {
      const why = `cascade catalog not loaded: ${(err as Error).message}`;
      this.loadError = this.loadError ? `${this.loadError}; ${why}` : why;
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

  /**
   * The cascade file `ref` names, or undefined (not found, or outside the
   * roots). Answers are kept for a few seconds: a document names the same
   * cascades on every keystroke, and a new file is seen soon enough.
   */
  resolveCascade(ref: string): string | undefined {
    const now = Date.now();
    const hit = this.resolved.get(ref);
    if (hit && now - hit.at < RESOLVE_TTL_MS) return hit.file;
    let file: string | undefined;
    try {
      file = this.catalog?.resolver.resolve(ref);
    } catch {
      file = undefined;
    }
    if (this.resolved.size > 10_000) this.resolved.clear();
    this.resolved.set(ref, { file, at: now });
    return file;
  }
}
