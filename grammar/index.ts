/**
 * rvbbit/grammar: the RVBBIT dialect. Text → tokens → CST → AST, with errors
 * as data (code, line:col, caret). The module functions use the spec's
 * operator set; `createGrammar({ operators })` binds another.
 * @see ../docs/dialect.md
 */
import { createGrammar } from './grammar.js';

export type { AnnotationKey, ProxySpec, ProxyTargets, Strategy } from './annotation-node.js';
export { ANNOTATION_KEYS, EMBEDDING_PROXY, STRATEGIES } from './annotation-node.js';
export type * from './ast.js';
export type { Completion, CompletionKind } from './complete.js';
export { GrammarErrorCode, type ParseError, toRvbbitError } from './errors.js';
export { createGrammar, type Grammar, type GrammarOptions } from './grammar.js';
export { type HighlightToken, TOKEN_CATEGORIES, type TokenCategory } from './highlight/tokens.js';
export { HIGHLIGHT_KEYWORDS, isRvbbitWord, LITERAL_WORDS, RVBBIT_WORDS, SQL_RESERVED } from './keywords.js';
export {
  AGGREGATES,
  type AggregateDef,
  DEFAULT_OPERATORS,
  type OperatorDef,
  RELEVANCE_FUNCTION,
} from './operators.js';
export {
  DEFAULT_PAIR_SPLIT,
  formatPairSplit,
  type PairSplitSetting,
  pairSplitAnnotation,
} from './pair-split-spec.js';
export type { ParseResult } from './parse.js';
export {
  DEFAULT_PROXY_DELTA,
  formatProxy,
  isProxyError,
  PROXY_KEYS,
  type ProxyError,
  type ProxyPair,
  proxySpecOf,
  proxyTextPairs,
} from './proxy-spec.js';
export { mayBeAliased, type SelectItem, selectItems } from './select-items.js';
export { hasTopLevelLimit, matchParen, prefixLimit } from './sql-balance.js';
export { SqlTok, type SqlToken, scanSql } from './sql-scan.js';
export {
  parseSqlType,
  RETURNING_TYPES,
  type SqlTypeParse,
  type SqlTypeTree,
  sqlTypeText,
} from './sql-type.js';
export {
  MAP_KEYS,
  MAP_ONLY_KEYS,
  type OptionKey,
  optionDoc,
  RUN_KEYS,
  RUN_ONLY_KEYS,
  STATEMENT_OPTIONS,
  WITH_KEYS,
  withValues,
} from './statement-options.js';
export { stripSpans } from './strip-spans.js';
export { TYPE_NAMES, type TypeFamily, type TypeName, typeFamily } from './type-names.js';
export {
  DELIVERY_VALUES,
  type Delivery,
  MAX_BATCH,
  MAX_PARALLEL,
  MAX_SMALL_SIDE,
  ON_ERROR_VALUES,
  type OnError,
  parseDuration,
} from './with-options.js';

const defaults = createGrammar();

/** Parses RVBBIT SQL (any number of `;`-separated statements) into `{ statements, errors }`; never throws. */
export const parse = defaults.parse;
/** Canonical dialect text of an AST: `parse(format(ast))` equals `ast` without spans. */
export const format = defaults.format;
/** Completions at an offset: keywords, WITH keys and values, types, annotation keys, operator words. */
export const complete = defaults.complete;
/** Categorised tokens for syntax highlighting. */
export const tokens = defaults.tokens;
