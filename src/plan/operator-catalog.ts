/**
 * The semantic operators an engine knows: the cascades with a top-level
 * `sql_function:` block in these folders, and in no others:
 *  1. the shipped `cascades/semantic/`;
 *  2. each configured cascade root (`--cascades`, the config file's
 *     `cascades:`, `createEngine({ cascadeRoots })`);
 *  3. `./cascades/` under the working directory, if it exists.
 * Each is searched two folder levels deep. The working directory itself is a
 * root for `MAP 'path'` and RUN only (cascade-roots.ts), so a folder holding
 * another project's YAML adds no operator and breaks none. A root's file
 * overrides a shipped function by `name` and may add new infix words; among
 * roots the first listed wins. The grammar is built from this catalog, so a
 * new word parses.
 *
 * At engine start only each file's `sql_function` is read (YAML and shape
 * checked, its words checked as the grammar would); the full cascade
 * (templates, output schemas compiled) loads when a statement first uses the
 * function, and a broken one fails that statement, naming its file and line.
 * A file that fails at start is skipped and kept in `broken` (the engine warns
 * once, naming file:line:col). When its YAML still says `sql_function.name` and
 * `operators`, it keeps that name and those words, with the precedence above,
 * so a statement using them fails with the file's error rather than running
 * another cascade or reading an unknown word; a file too broken to tell only warns.
 * @see ../../docs/cascades.md ("sql_function")
 */
import { readdirSync, readFileSync, realpathSync, type Stats, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { errorMessage, RvbbitError } from '../../base/errors.js';
import {
  AGGREGATES,
  type AggregateDef,
  createGrammar,
  DEFAULT_OPERATORS,
  type Grammar,
  type OperatorDef,
} from '../../grammar/index.js';
import type { Cascade, SqlFunction, SqlFunctionArg } from '../cascade/cascade-types.js';
import { MAX_CASCADE_BYTES } from '../cascade/read-cascade.js';
import { packagePath } from '../runtime/package-files.js';
import { type Declared, declaredBy, type OperatorFile, readOperatorFile, salvage } from './operator-file.js';
import { PREREAD_OPERATORS, textHash } from './preread-operators.js';
import type { FunctionListing } from './sql-functions.js';

/** A cascade loaded on first use; `cascade` is there once load() has resolved. */

/** `a SIMILAR_TO b`: cosine of embeddings, no cascade (statements/semantic/rewrite/embed-rewrite.ts rewrites it). */
export const SIMILAR_TO: OperatorDef = {
  word: 'SIMILAR_TO',
  functionName: 'embed_similarity',
  returns: 'DOUBLE',
};
export class LazyCascade {
  private loaded: Cascade | undefined;

  /** `writeFile`: puts the cascade's text at `path` first (a stored function's, written on first use). */
  constructor(
    readonly path: string,
    private writeFile?: () => void,
  ) {}

  async load(): Promise<Cascade> {
    if (this.loaded) return this.loaded;
    this.writeFile?.();
    this.writeFile = undefined;
    const { loadCascade } = await import('../cascade/load-cascade.js');
    this.loaded = await loadCascade(this.path);
    return this.loaded;
  }

  get cascade(): Cascade {
    if (!this.loaded) throw new RvbbitError('ENGINE_ERROR', `${this.path} was used before it was loaded`);
    return this.loaded;
  }
}

/** Where an operator comes from: rvbbit's own cascades, a cascade root's file, or CREATE SEMANTIC FUNCTION. */
export type OperatorSource = 'shipped' | 'file' | 'sql';

export interface SemanticFunction {
  readonly name: string;
  readonly cascadePath: string;
  /** Where it is defined (rvbbit.functions shows it; OR REPLACE replaces only a `sql` one). */
  readonly source: OperatorSource;
  readonly sql: SqlFunction;
  /** The function's cascade: call load() on it before a statement runs (loadUsed does). */
  readonly lazy: LazyCascade;
}

/**
 * The registered DuckDB function's parameters after the statement token: the
 * cascade's args, then for a typed function (`returning`) the JSON Schema of
 * the type the call chose, which reaches the cascade as that input.
 */
export function functionParams(sql: SqlFunction): readonly SqlFunctionArg[] {
  return sql.returning === undefined
    ? sql.args
    : [...sql.args, { name: sql.returning, type: 'VARCHAR', optional: false }];
}

/**
 * The SQL type the registered function returns: a typed function's answer
 * travels as JSON text and the rewrite reads it back as the chosen type
 * (json_transform_strict, semantic-rewrite.ts).
 */
export function registeredReturns(sql: SqlFunction): string {
  return sql.returning === undefined ? sql.returns : 'JSON';
}

/** An operator file skipped at start. */
export interface BrokenOperatorFile {
  readonly file: string;
  /** Why; the message starts with `file:line:col` when the problem has a place. */
  readonly error: RvbbitError;
  /** `sql_function.name`, when the YAML still says it: statements using it fail with `error`. */
  readonly functionName: string | undefined;
}

export interface OperatorCatalog {
  /** By `sql_function.name` (semantic_means, llm_summarize …). */
  readonly functions: ReadonlyMap<string, SemanticFunction>;
  /** Function names whose winning file did not load (its words still parse): use fails with its error. */
  readonly unloaded: ReadonlyMap<string, BrokenOperatorFile>;
  /** Every operator file skipped at start, in discovery order. */
  readonly broken: readonly BrokenOperatorFile[];
  /** `file:line:col: path: what` of files that loaded: keys ignored, operator forms skipped. */
  readonly warnings: readonly string[];
  /** The small-side plan's cascade for `a ~ b` (one value against a list of candidates). */
  readonly candidates: LazyCascade;
  /** The small-side plan's cascade for a condition over two values (LLM_FILTER's, a pair MEANS). */
  readonly conditionCandidates: LazyCascade;
  /** The block plan's cascade for any pair predicate: m × n values, each stated once, one answer per listed pair. */
  readonly pairBlocks: LazyCascade;
  /** Whether a pair condition compares one attribute of each side (pair-split.ts asks it once per condition). */
  readonly pairSplit: LazyCascade;
  /** The shipped cascades' folder (the small-side plan applies to the shipped `~` only). */
  readonly shippedDir: string;
  readonly grammar: Grammar;
  /** What the operator files declare (shipped first): withSqlFunctions() builds on them. */
  readonly fileClaims: readonly Claim[];
  /** Functions defined by CREATE SEMANTIC FUNCTION that a file's name or word overrides (the file wins), with why. */
  readonly shadowed: readonly { readonly name: string; readonly why: string }[];
  /** Each upper-cased name, call and operator word of a function defined in SQL → that function's name. */
  readonly sqlWords: ReadonlyMap<string, string>;
}

/**
 * A function defined by CREATE SEMANTIC FUNCTION: its cascade's `file` (sql-functions.ts),
 * written already or, with `writeFile`, when the function is first loaded to run.
 */
export interface SqlDefinedFunction {
  readonly file: string;
  readonly sql: SqlFunction;
  readonly writeFile?: () => void;
}

export type Claim = Declared & ({ readonly fn: SemanticFunction } | { readonly broken: BrokenOperatorFile });

const SHIPPED = realpathSync(packagePath('cascades/semantic/'));
const CANDIDATES = join(SHIPPED, 'same_candidates.yaml');
const CONDITION_CANDIDATES = join(SHIPPED, 'filter_candidates.yaml');
const PAIR_BLOCKS = join(SHIPPED, 'pair_block.yaml');
const PAIR_SPLIT = join(SHIPPED, 'pair_split.yaml');

/** Loads the catalog from the shipped operators and `roots` (operator roots: see the rule above). */
export function loadOperatorCatalog(roots: readonly string[]): OperatorCatalog {
  const claims = new Map<string, Claim>(); // function name → its file, shipped first
  const owner = new Map<string, string>(); // function name → the folder that set it
  const broken: BrokenOperatorFile[] = [];
  const warnings: string[] = [];
  for (const { dir, file } of operatorFiles(roots)) {
    const { claim, skipped, warnings: noted } = readClaim(file);
    if (skipped) broken.push(skipped);
    if (noted) warnings.push(...noted);
    if (!claim) continue;
    // Shipped < roots; among roots the first listed wins, as in cascade resolution.
    const prev = owner.get(claim.name);
    if (prev !== undefined && prev !== SHIPPED) continue;
    owner.set(claim.name, dir);
    claims.set(claim.name, claim);
  }
  const base = {
    broken,
    warnings,
    candidates: new LazyCascade(CANDIDATES),
    conditionCandidates: new LazyCascade(CONDITION_CANDIDATES),
    pairBlocks: new LazyCascade(PAIR_BLOCKS),
    pairSplit: new LazyCascade(PAIR_SPLIT),
    shippedDir: SHIPPED,
  };
  return build(base, [...claims.values()], []);
}

/**
 * The catalog with the functions CREATE SEMANTIC FUNCTION defined, over its
 * files' (the statement refuses a name or word a file has, so a clash
 * here means a file came later: the file wins, the SQL function is left out
 * and listed in `shadowed`).
 */
export function withSqlFunctions(
  catalog: OperatorCatalog,
  defined: readonly SqlDefinedFunction[],
): OperatorCatalog {
  return build(catalog, catalog.fileClaims, defined);
}

function build(
  base: Omit<OperatorCatalog, 'functions' | 'unloaded' | 'grammar' | 'fileClaims' | 'shadowed' | 'sqlWords'>,
  fileClaims: readonly Claim[],
  defined: readonly SqlDefinedFunction[],
): OperatorCatalog {
  const functions = new Map<string, SemanticFunction>();
  const unloaded = new Map<string, BrokenOperatorFile>();
  for (const c of fileClaims) {
    if ('fn' in c) functions.set(c.name, c.fn);
    else unloaded.set(c.name, c.broken);
  }
  const taken = takenNames(fileClaims);
  const shadowed: { name: string; why: string }[] = [];
  const sqlClaims: Claim[] = [];
  const sqlWords = new Map<string, string>();
  for (const d of defined) {
    const claim = sqlClaim(d);
    const clash = claimWords(claim).find((w) => taken.has(w));
    if (clash !== undefined) {
      shadowed.push({ name: claim.name, why: `${clash} is defined by ${taken.get(clash)}` });
      continue;
    }
    functions.set(claim.name, claim.fn);
    sqlClaims.push(claim);
    for (const w of claimWords(claim)) sqlWords.set(w, claim.name);
  }
  const all = [...fileClaims, ...sqlClaims];
  const grammar = createGrammar({ operators: operatorDefs(all), calls: functionCalls(all) });
  return { ...base, functions, unloaded, grammar, fileClaims, shadowed, sqlWords };
}

/** The upper-cased name, operator words and call names a function holds. */
function claimWords(claim: Declared): string[] {
  return [claim.name.toUpperCase(), ...claim.forms.map((f) => f[0]!), ...claim.calls.map((c) => c.name)];
}

/** The upper-cased name, operator words and call names a function defined in SQL holds. */
export function definedWords(d: SqlDefinedFunction): string[] {
  return claimWords(sqlClaim(d));
}

/**
 * Each SQL-defined function's claim, made once per definition (its
 * SqlFunction, read once from its file): a catalog rebuilt by a CREATE or
 * DROP of another function keeps this one's SemanticFunction, which DuckDB's
 * registered function runs (register-functions.ts) and whose cascade a
 * statement loaded, and does not declare it again.
 */
const sqlClaims = new WeakMap<SqlFunction, Claim & { readonly fn: SemanticFunction }>();

function sqlClaim(d: SqlDefinedFunction): Claim & { readonly fn: SemanticFunction } {
  let claim = sqlClaims.get(d.sql);
  if (claim === undefined || claim.fn.cascadePath !== d.file) {
    claim = {
      ...declaredBy(d.sql),
      fn: {
        name: d.sql.name,
        cascadePath: d.file,
        source: 'sql',
        sql: d.sql,
        lazy: new LazyCascade(d.file, d.writeFile),
      },
    };
    sqlClaims.set(d.sql, claim);
  }
  return claim;
}

/** Every name and word the operator files and the built-in words hold (upper-cased) → who holds it. */
export function takenNames(claims: readonly Claim[]): Map<string, string> {
  const taken = new Map<string, string>();
  for (const d of DEFAULT_OPERATORS) taken.set(d.word, `rvbbit (the ${d.word} operator)`);
  taken.set(SIMILAR_TO.word, 'rvbbit (the SIMILAR_TO operator)');
  for (const c of claims) {
    const who =
      'fn' in c && c.fn.source === 'shipped'
        ? `rvbbit's own ${c.name}`
        : `the file ${'fn' in c ? c.fn.cascadePath : c.broken.file}`;
    taken.set(c.name.toUpperCase(), who);
    for (const f of c.forms) taken.set(f[0]!, who);
    for (const call of c.calls) taken.set(call.name, who);
  }
  return taken;
}

/** The error of a statement that uses `word` (MEANS, LLM_SUMMARIZE …) of a file that did not load. */
export function operatorLoadError(broken: BrokenOperatorFile, word: string): RvbbitError {
  return new RvbbitError(broken.error.code, `${word}: ${broken.error.message}`, {
    ...broken.error.detail,
    word,
  });
}

/** A file's claim on its function name: the function, or what a file that does not load still declares. */
function readClaim(file: string): {
  claim?: Claim;
  skipped?: BrokenOperatorFile;
  warnings?: readonly string[];
} {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { skipped: { file, error: asError(file, err), functionName: undefined } };
  }
  if (!/^sql_function:/m.test(text)) return {};
  const source: OperatorSource = file.startsWith(SHIPPED) ? 'shipped' : 'file';
  try {
    const read = (source === 'shipped' && prereadOf(file, text)) || readOperatorFile(file, text);
    if (!read) return {};
    const { sql, warnings } = read;
    return {
      claim: {
        ...declaredBy(sql),
        fn: { name: sql.name, cascadePath: file, source, sql, lazy: new LazyCascade(file) },
      },
      warnings,
    };
  } catch (err) {
    const declared = salvage(text);
    const skipped = { file, error: asError(file, err), functionName: declared?.name };
    return { skipped, ...(declared ? { claim: { ...declared, broken: skipped } } : {}) };
  }
}

/** A shipped file's read from the build, when its text is still what was read (preread-operators.ts). */
function prereadOf(file: string, text: string): OperatorFile | undefined {
  const preread = PREREAD_OPERATORS.get(relative(SHIPPED, file));
  if (preread === undefined || preread.sha256 !== textHash(text)) return undefined;
  return preread.read ?? undefined;
}

function asError(file: string, err: unknown): RvbbitError {
  return err instanceof RvbbitError
    ? err
    : new RvbbitError('CASCADE_YAML', `${file}: ${errorMessage(err)}`, { file });
}

/** Every function's calls; a name two functions claim goes to the first (shipped, then roots in order). */
function functionCalls(claims: Iterable<Claim>): AggregateDef[] {
  const byName = new Map<string, AggregateDef>();
  for (const c of claims) for (const call of c.calls) if (!byName.has(call.name)) byName.set(call.name, call);
  return [...byName.values()];
}

/** Operator words from the functions' forms; `ALIGNS` + `ALIGNS WITH` make one word with an optional WITH. */
function operatorDefs(claims: Iterable<Claim>): OperatorDef[] {
  const byWord = new Map<string, OperatorDef>();
  for (const d of DEFAULT_OPERATORS) byWord.set(d.word, d);
  byWord.set(SIMILAR_TO.word, SIMILAR_TO);
  for (const c of claims) {
    for (const [word, extra] of c.forms as [string, string | undefined][]) {
      const prev = byWord.get(word);
      const optionalWord = extra ?? (prev?.functionName === c.name ? prev.optionalWord : undefined);
      byWord.set(word, { word, functionName: c.name, returns: c.returns, optionalWord });
    }
  }
  return [...byWord.values()];
}

/** YAML files up to two levels under each folder (shipped first), each once. Files larger than a cascade may be are data: skipped. */
function operatorFiles(roots: readonly string[]): { dir: string; file: string }[] {
  const dirs = [SHIPPED, ...roots.map(real).filter((r): r is string => r !== null && r !== SHIPPED)];
  const seen = new Set<string>();
  const out: { dir: string; file: string }[] = [];
  const walk = (dir: string, d: string, depth: number) => {
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
        // A root inside another (./cascades holding the shipped semantic/) lists a file once.
        const file = real(full) ?? full;
        if (!seen.has(file)) out.push({ dir, file: full });
        seen.add(file);
      } else if (depth > 0 && info?.isDirectory()) walk(dir, full, depth - 1);
    }
  };
  for (const dir of dirs) walk(dir, dir, 2);
  return out;
}

function real(path: string): string | null {
  try {
    return realpathSync(resolve(path));
  } catch {
    return null;
  }
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The shipped conditions over labelled values that take the small-side plan
 * (`LLM_FILTER('cond', x, y)`, `(x, y) MEANS 'cond'`): the arg holding the
 * condition and the one holding the values.
 */
const PAIR_CONDITIONS: Readonly<Record<string, { condition: string; values: string }>> = {
  llm_filter: { condition: 'prompt', values: 'inputs' },
  semantic_means: { condition: 'criterion', values: 'text' },
};

/** How a function's pairs may be asked as candidates (small-side.ts), with the cascade that asks them; undefined: never. */
export function pairPlanOf(
  fn: SemanticFunction,
  catalog: OperatorCatalog,
):
  | { kind: 'same'; cascade: LazyCascade }
  | { kind: 'condition'; cascade: LazyCascade; condition: string; values: string }
  | undefined {
  if (fn === sameFunction(catalog)) return { kind: 'same', cascade: catalog.candidates };
  const args = PAIR_CONDITIONS[fn.name];
  if (!args || !fn.cascadePath.startsWith(catalog.shippedDir)) return undefined;
  return { kind: 'condition', cascade: catalog.conditionCandidates, ...args };
}

/** The `~` function, if the shipped cascade backs it (an override runs pairwise: its semantics are its own). */
export function sameFunction(catalog: OperatorCatalog): SemanticFunction | undefined {
  const fn = [...catalog.functions.values()].find((f) => f.sql.operators.some((o) => o.keywords[0] === '~'));
  return fn?.cascadePath.startsWith(catalog.shippedDir) ? fn : undefined;
}

/** Every operator of the catalog as rvbbit.functions lists it, by name (SIMILAR_TO too: it has no cascade). */
export function catalogListing(catalog: OperatorCatalog): FunctionListing[] {
  const rows: FunctionListing[] = [...catalog.functions.values()].map(functionListing);
  rows.push({
    name: SIMILAR_TO.functionName,
    source: 'builtin',
    shape: 'scalar',
    args: 'a VARCHAR, b VARCHAR',
    returns: SIMILAR_TO.returns,
    operators: [`a ${SIMILAR_TO.word} b`],
    calls: [],
    file: null,
    description: 'cosine similarity of the two values’ embeddings',
  });
  return rows.sort((a, b) => a.name.localeCompare(b.name));
}

/** One operator's row of rvbbit.functions. */
export function functionListing(fn: SemanticFunction): FunctionListing {
  const d = declaredBy(fn.sql);
  return {
    name: fn.name,
    source: fn.source,
    shape: fn.sql.shape,
    args: fn.sql.args.map((a) => `${a.name} ${a.type}${a.optional ? ' (optional)' : ''}`).join(', '),
    returns: fn.sql.returning === undefined ? fn.sql.returns : `${fn.sql.returns} (or RETURNING type)`,
    operators: fn.sql.operators.map((o) => `${o.left} ${o.keywords.join(' ')} ${o.right}`),
    calls: [...d.calls.map((c) => c.name), ...builtInCalls(fn.name)],
    file: fn.source === 'sql' ? null : fn.cascadePath,
    description: fn.sql.description ?? null,
  };
}

/** rvbbit's own call names of a shipped function (LLM_SUMMARIZE → llm_summarize), which declaredBy leaves to the grammar. */
function builtInCalls(functionName: string): string[] {
  return AGGREGATES.filter((a) => a.functionName === functionName).map((a) => a.name);
}
