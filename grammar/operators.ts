/**
 * Semantic operator definitions. The word set is data, not grammar: the
 * engine builds its grammar from the operator catalog (src/plan/operator-catalog.ts),
 * where a cascade's `{{ a }} WORD {{ b }}` adds a word. DEFAULT_OPERATORS are
 * the shipped cascades' words, for `rvbbit/grammar` used on its own;
 * test/grammar/operator-words.test.ts keeps the two equal.
 * @see ../docs/dialect.md §2
 */
import { RvbbitError } from '../base/errors.js';
import { DIALECT_WORDS, LITERAL_WORDS, SQL_RESERVED } from './keywords.js';

export interface OperatorDef {
  /** The infix word (case-insensitive), or `~`. */
  readonly word: string;
  /** The DuckDB function the planner rewrites it to: `a WORD b` → fn(a, b). */
  readonly functionName: string;
  /** SQL type of the result, e.g. BOOLEAN or DOUBLE. */
  readonly returns: string;
  /** A word that may follow the operator word and belongs to it (`ALIGNS [WITH]`). */
  readonly optionalWord?: string;
}

export const DEFAULT_OPERATORS: readonly OperatorDef[] = [
  { word: 'MEANS', functionName: 'semantic_means', returns: 'BOOLEAN' },
  { word: 'MATCHES', functionName: 'semantic_means', returns: 'BOOLEAN' },
  { word: 'ABOUT', functionName: 'semantic_about', returns: 'DOUBLE' },
  { word: 'ALIGNS', functionName: 'semantic_aligns', returns: 'DOUBLE', optionalWord: 'WITH' },
  { word: 'IMPLIES', functionName: 'semantic_implies', returns: 'BOOLEAN' },
  { word: 'CONTRADICTS', functionName: 'semantic_contradicts', returns: 'BOOLEAN' },
  { word: '~', functionName: 'semantic_same', returns: 'BOOLEAN' },
];

/** `ORDER BY a RELEVANCE TO b` is ranked by this function (the ABOUT score). */
export const RELEVANCE_FUNCTION = 'semantic_about';

export interface AggregateDef {
  readonly name: string;
  readonly functionName: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly returns: string;
  /** The caller may choose the result type: `NAME(… RETURNING type)` (a cascade's `sql_function.returning`). */
  readonly returning?: boolean;
}

export const AGGREGATES: readonly AggregateDef[] = [
  { name: 'LLM_SUMMARIZE', functionName: 'llm_summarize', minArgs: 1, maxArgs: 2, returns: 'VARCHAR' },
  { name: 'LLM_SENTIMENT', functionName: 'llm_sentiment', minArgs: 1, maxArgs: 1, returns: 'VARCHAR' },
  { name: 'LLM_THEMES', functionName: 'llm_themes', minArgs: 1, maxArgs: 2, returns: 'JSON' },
  { name: 'LLM_CLASSIFY', functionName: 'llm_classify', minArgs: 2, maxArgs: 2, returns: 'VARCHAR' },
  { name: 'LLM_AGG', functionName: 'llm_agg', minArgs: 2, maxArgs: 2, returns: 'VARCHAR' },
  // Dimensions (a label per row, for GROUP BY): TOPICS(col, n [, sample]) discovers n labels, SENTIMENT(col) has three.
  { name: 'TOPICS', functionName: 'topics', minArgs: 2, maxArgs: 3, returns: 'VARCHAR' },
  { name: 'SENTIMENT', functionName: 'sentiment', minArgs: 1, maxArgs: 1, returns: 'VARCHAR' },
  // Not aggregates, and no cascade behind them: function calls the engine rewrites (src/statements/semantic/rewrite/embed-rewrite.ts).
  { name: 'EMBED', functionName: 'embed', minArgs: 1, maxArgs: 2, returns: 'FLOAT[]' },
  // (q, table, column, k [, 'model']), or larsql's (q, table.column, k): src/statements/semantic/rewrite/embed-rewrite.ts tells them apart.
  { name: 'VECTOR_SEARCH', functionName: 'vector_search', minArgs: 3, maxArgs: 5, returns: 'TABLE' },
];

/** A checked operator set, keyed by upper-case word. */
export interface OperatorSet {
  readonly defs: readonly OperatorDef[];
  readonly byWord: ReadonlyMap<string, OperatorDef>;
  readonly aggregates: ReadonlyMap<string, AggregateDef>;
  /** Longest word of interest: longer words are never upper-cased in the hot loop. */
  readonly maxWordLength: number;
}

const WORD = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Validates definitions once (config time: this throws, parse never does). */
export function buildOperatorSet(
  defs: readonly OperatorDef[],
  calls: readonly AggregateDef[] = [],
): OperatorSet {
  const byWord = new Map<string, OperatorDef>();
  for (const d of defs) {
    const up = d.word.toUpperCase();
    const fail = (why: string): never => {
      throw new RvbbitError('E_BAD_OPERATOR', `operator '${d.word}': ${why}`, { word: d.word });
    };
    if (up !== '~' && !WORD.test(d.word)) fail('a word of letters, digits and _ (or ~) is required');
    if (SQL_RESERVED.has(up) || LITERAL_WORDS.has(up)) fail(`'${up}' is a SQL keyword`);
    if (DIALECT_WORDS.has(up)) fail(`'${up}' is an RVBBIT keyword`);
    if (byWord.has(up)) fail('defined twice');
    if (!WORD.test(d.functionName)) fail(`function name '${d.functionName}' is not an identifier`);
    byWord.set(up, { ...d, word: up, optionalWord: d.optionalWord?.toUpperCase() });
  }
  const aggregates = new Map(AGGREGATES.map((a) => [a.name, a]));
  for (const c of calls) {
    const up = c.name.toUpperCase();
    if (!WORD.test(c.name) || SQL_RESERVED.has(up) || DIALECT_WORDS.has(up)) {
      throw new RvbbitError('E_BAD_OPERATOR', `function '${c.name}': not a usable function name`, {
        word: c.name,
      });
    }
    aggregates.set(up, { ...c, name: up });
  }
  const maxWordLength = Math.max(13, ...[...byWord.keys(), ...aggregates.keys()].map((w) => w.length));
  return { defs: [...byWord.values()], byWord, aggregates, maxWordLength };
}
