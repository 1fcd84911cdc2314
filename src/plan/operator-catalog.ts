/**
 * The semantic operators an engine knows: every cascade with a `sql_function`
 * block, the shipped ones (`cascades/semantic/`) first, then the engine's
 * cascade roots, which override a shipped function by `name` and may add new
 * infix words. The grammar is built from this catalog, so a new word parses.
 *
 * At engine start only each file's `sql_function` is read (YAML and shape
 * checked); the full cascade (templates, output schemas compiled) loads when a
 * statement first uses the function, and a broken one fails that statement,
 * naming its file and line, not the engine.
 * @see ../../docs/cascades.md ("sql_function")
 */
import { readdirSync, readFileSync, realpathSync, type Stats, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  AGGREGATES,
  type AggregateDef,
  createGrammar,
  DEFAULT_OPERATORS,
  type Grammar,
  type OperatorDef,
} from '../../grammar/index.js';
import type { Cascade, SqlFunction } from '../cascade/cascade-types.js';
import { failWith, MAX_CASCADE_BYTES, readCascadeDocument } from '../cascade/read-cascade.js';
import { SIMILAR_TO } from '../embed/embed-sql.js';
import { RvbbitError } from '../errors.js';
import { packagePath } from '../package-files.js';

/** A cascade loaded on first use; `cascade` is there once load() has resolved. */
export class LazyCascade {
  private loaded: Cascade | undefined;

  constructor(readonly path: string) {}

  async load(): Promise<Cascade> {
    if (this.loaded) return this.loaded;
    const { loadCascade } = await import('../cascade/load-cascade.js');
    this.loaded = await loadCascade(this.path);
    return this.loaded;
  }

  get cascade(): Cascade {
    if (!this.loaded) throw new RvbbitError('ENGINE_ERROR', `${this.path} was used before it was loaded`);
    return this.loaded;
  }
}

export interface SemanticFunction {
  readonly name: string;
  readonly cascadePath: string;
  readonly sql: SqlFunction;
  /** The function's cascade: call load() on it before a statement runs (loadUsed does). */
  readonly lazy: LazyCascade;
}

export interface OperatorCatalog {
  /** By `sql_function.name` (semantic_means, llm_summarize …). */
  readonly functions: ReadonlyMap<string, SemanticFunction>;
  /** The small-side plan's cascade for `a ~ b` (one value against a list of candidates). */
  readonly candidates: LazyCascade;
  /** The shipped cascades' folder (the small-side plan applies to the shipped `~` only). */
  readonly shippedDir: string;
  readonly grammar: Grammar;
}

const SHIPPED = realpathSync(packagePath('cascades/semantic/'));
const CANDIDATES = join(SHIPPED, 'same_candidates.yaml');

/** Loads the catalog; a cascade whose operator word is a SQL keyword fails here, naming its file. */
export function loadOperatorCatalog(roots: readonly string[]): OperatorCatalog {
  const functions = new Map<string, SemanticFunction>();
  const owner = new Map<string, string>(); // function name → the root that set it
  const dirs = [SHIPPED, ...roots.map(real).filter((r): r is string => r !== null && r !== SHIPPED)];
  for (const dir of dirs) {
    for (const { file, text } of sqlFunctionFiles(dir)) {
      const sql = readSqlFunction(file, text);
      if (!sql) continue;
      // Shipped < roots; among roots the first listed wins, as in cascade resolution.
      const prev = owner.get(sql.name);
      if (prev !== undefined && prev !== SHIPPED) continue;
      owner.set(sql.name, dir);
      functions.set(sql.name, { name: sql.name, cascadePath: file, sql, lazy: new LazyCascade(file) });
    }
  }
  const grammar = createGrammar({ operators: operatorDefs(functions), calls: dimensionCalls(functions) });
  return { functions, candidates: new LazyCascade(CANDIDATES), shippedDir: SHIPPED, grammar };
}

/** A file's sql_function, read and checked without compiling the cascade; CascadeError names file and line. */
function readSqlFunction(file: string, text: string): SqlFunction | undefined {
  const { data, problems } = readCascadeDocument(text, file);
  if (problems.length > 0) failWith(problems);
  return data.sqlFunction;
}

/** `TOPICS(col, n)`: each dimension function is called by its name (built-in ones are already known). */
function dimensionCalls(functions: ReadonlyMap<string, SemanticFunction>): AggregateDef[] {
  const known = new Set(AGGREGATES.map((a) => a.functionName));
  return [...functions.values()]
    .filter((f) => f.sql.shape === 'dimension' && !known.has(f.name))
    .map((f) => ({
      name: f.name.toUpperCase(),
      functionName: f.name,
      minArgs: 1,
      maxArgs: f.sql.args.length,
      returns: f.sql.returns,
    }));
}

/** Operator words from the functions' forms; `ALIGNS` + `ALIGNS WITH` make one word with an optional WITH. */
function operatorDefs(functions: ReadonlyMap<string, SemanticFunction>): OperatorDef[] {
  const byWord = new Map<string, OperatorDef>();
  for (const d of DEFAULT_OPERATORS) byWord.set(d.word, d);
  // `a SIMILAR_TO b`: cosine of embeddings, no cascade (src/embed/embed-sql.ts rewrites it).
  byWord.set(SIMILAR_TO.word, SIMILAR_TO);
  for (const f of functions.values()) {
    for (const form of f.sql.operators) {
      const [word, extra, ...rest] = form.keywords as [string, string | undefined, ...string[]];
      if (rest.length > 0) {
        throw new RvbbitError(
          'E_BAD_OPERATOR',
          `${f.cascadePath}: operator '${form.text}' has ${form.keywords.length} words; an operator is one word, optionally followed by one more`,
        );
      }
      const prev = byWord.get(word);
      const optionalWord = extra ?? (prev?.functionName === f.name ? prev.optionalWord : undefined);
      byWord.set(word, { word, functionName: f.name, returns: f.sql.returns, optionalWord });
    }
  }
  return [...byWord.values()];
}

function real(path: string): string | null {
  try {
    return realpathSync(resolve(path));
  } catch {
    return null;
  }
}

/**
 * YAML files up to two levels under `dir` that declare a sql_function, with
 * their text. Files larger than a cascade may be are data, not cascades: skipped unread.
 */
function sqlFunctionFiles(dir: string): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const walk = (d: string, depth: number) => {
    let entries: string[];
    try {
      entries = readdirSync(d).sort();
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.startsWith('.') || entry === 'node_modules') continue;
      const full = join(d, entry);
      const info = statOf(full);
      if (/\.ya?ml$/.test(entry) && info?.isFile() && info.size <= MAX_CASCADE_BYTES) {
        const text = readFileSync(full, 'utf8');
        if (/^sql_function:/m.test(text)) out.push({ file: full, text });
      } else if (depth > 0 && info?.isDirectory()) walk(full, depth - 1);
    }
  };
  walk(dir, 2);
  return out;
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
