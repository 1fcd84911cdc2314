/**
 * The semantic operators an engine knows: every cascade with a `sql_function`
 * block, the shipped ones (`cascades/semantic/`) first, then the engine's
 * cascade roots, which override a shipped function by `name` and may add new
 * infix words. The grammar is built from this catalog, so a new word parses.
 * @see ../../../shared/spec/cascades.md ("sql_function")
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createGrammar, DEFAULT_OPERATORS, type Grammar, type OperatorDef } from '../../grammar/index.js';
import { type Cascade, loadCascade, type SqlFunction } from '../cascade/index.js';
import { RvbbitError } from '../errors.js';
import { packagePath } from '../package-files.js';

export interface SemanticFunction {
  readonly name: string;
  readonly cascadePath: string;
  readonly cascade: Cascade;
  readonly sql: SqlFunction;
}

export interface OperatorCatalog {
  /** By `sql_function.name` (semantic_means, llm_summarize …). */
  readonly functions: ReadonlyMap<string, SemanticFunction>;
  /** The small-side plan's cascade for `a ~ b` (one value against a list of candidates). */
  readonly candidates: { readonly path: string; readonly cascade: Cascade };
  /** The shipped cascades' folder (the small-side plan applies to the shipped `~` only). */
  readonly shippedDir: string;
  readonly grammar: Grammar;
}

const SHIPPED = realpathSync(packagePath('cascades/semantic/'));
const CANDIDATES = join(SHIPPED, 'same_candidates.yaml');

/** Loads the catalog; a cascade whose operator word is a SQL keyword fails here, naming its file. */
export async function loadOperatorCatalog(roots: readonly string[]): Promise<OperatorCatalog> {
  const functions = new Map<string, SemanticFunction>();
  const owner = new Map<string, string>(); // function name → the root that set it
  const dirs = [SHIPPED, ...roots.map(real).filter((r): r is string => r !== null && r !== SHIPPED)];
  for (const dir of dirs) {
    for (const file of sqlFunctionFiles(dir)) {
      const cascade = await loadCascade(file);
      const sql = cascade.sqlFunction;
      if (!sql) continue;
      // Shipped < roots; among roots the first listed wins, as in cascade resolution.
      const prev = owner.get(sql.name);
      if (prev !== undefined && prev !== SHIPPED) continue;
      owner.set(sql.name, dir);
      functions.set(sql.name, { name: sql.name, cascadePath: file, cascade, sql });
    }
  }
  const grammar = createGrammar({ operators: operatorDefs(functions) });
  const candidates = { path: CANDIDATES, cascade: await loadCascade(CANDIDATES) };
  return { functions, candidates, shippedDir: SHIPPED, grammar };
}

/** Operator words from the functions' forms; `ALIGNS` + `ALIGNS WITH` make one word with an optional WITH. */
function operatorDefs(functions: ReadonlyMap<string, SemanticFunction>): OperatorDef[] {
  const byWord = new Map<string, OperatorDef>();
  for (const d of DEFAULT_OPERATORS) byWord.set(d.word, d);
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

/** YAML files up to two levels under `dir` that declare a sql_function (read cheaply before loading). */
function sqlFunctionFiles(dir: string): string[] {
  const out: string[] = [];
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
      if (/\.ya?ml$/.test(entry)) {
        if (/^sql_function:/m.test(readFileSync(full, 'utf8'))) out.push(full);
      } else if (depth > 0 && isDir(full)) walk(full, depth - 1);
    }
  };
  walk(dir, 2);
  return out;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
