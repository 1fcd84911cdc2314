/**
 * createGrammar(): parse, format, complete and tokens bound to one operator
 * set. The Chevrotain lexer and parser do not depend on the set (operators
 * live in SQL text, read by the hand scanner), so all grammars share them.
 */
import type * as A from './ast.js';
import { type Completion, completeAt } from './complete.js';
import { format } from './format.js';
import { type HighlightToken, highlightTokens } from './highlight/tokens.js';
import { type AggregateDef, buildOperatorSet, DEFAULT_OPERATORS, type OperatorDef } from './operators.js';
import { type ParseResult, parseWith } from './parse.js';

export interface GrammarOptions {
  /** The full operator set (default: the spec's). Add one: `[...DEFAULT_OPERATORS, { word, functionName, returns }]`. */
  readonly operators?: readonly OperatorDef[];
  /** Function calls the engine rewrites besides the built-in ones (a catalog's dimensions, `TOPICS(col, n)`). */
  readonly calls?: readonly AggregateDef[];
}

export interface Grammar {
  /** Parses a script; never throws. */
  parse(sql: string): ParseResult;
  /** Canonical text of statements (or a parse result). */
  format(ast: A.Statement | readonly A.Statement[] | ParseResult): string;
  /** What may come next at `offset`. */
  complete(sql: string, offset: number): Completion[];
  /** Highlighting tokens. */
  tokens(sql: string): HighlightToken[];
  readonly operators: readonly OperatorDef[];
  /** Every function call the engine rewrites, built in and the catalog's, by upper-case name. */
  readonly calls: ReadonlyMap<string, AggregateDef>;
}

/** Builds a grammar for an operator set; throws RvbbitError E_BAD_OPERATOR on a bad definition. */
export function createGrammar(options: GrammarOptions = {}): Grammar {
  const ops = buildOperatorSet(options.operators ?? DEFAULT_OPERATORS, options.calls);
  return {
    parse: (sql) => parseWith(ops, sql),
    format,
    complete: (sql, offset) => completeAt(ops, sql, offset),
    tokens: (sql) => highlightTokens(ops, sql),
    operators: ops.defs,
    calls: ops.aggregates,
  };
}
