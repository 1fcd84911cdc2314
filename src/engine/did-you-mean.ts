/**
 * DuckDB's errors about a word it does not know, with the dialect's words in
 * the suggestion: DuckDB suggests from its own catalog only ("Scalar Function
 * with name llm_fitler does not exist! Did you mean "filter"?"), and reads an
 * operator word it does not know as an alias (`'a' MEANZ 'car'`: a syntax
 * error at `'car'`). The semantic functions and operators are the grammar's,
 * the built-in ones and the catalog's (a user's `sql_function` too).
 */
import { RvbbitError } from '../../base/errors.js';
import { didYouMean, wordDistance } from '../../grammar/did-you-mean.js';
import type { Grammar } from '../../grammar/index.js';
import { SQL_RESERVED } from '../../grammar/keywords.js';

const UNKNOWN_FUNCTION = /Function with name "?([A-Za-z_][A-Za-z0-9_]*)"? does not exist!/;
const DUCKDB_SUGGESTION = /^Did you mean "(?:[A-Za-z_][A-Za-z0-9_]*\.)?([^"]+)"\?$/m;
const CARET = /^LINE \d+: (.*)\n( *)\^/m;

/** `e` with the nearest semantic function or operator word suggested, when one is nearer than DuckDB's own suggestion. */
export function withDialectSuggestion(e: RvbbitError, grammar: Grammar): RvbbitError {
  if (e.code === 'DUCKDB_CATALOG') return functionSuggestion(e, grammar);
  if (e.code === 'DUCKDB_PARSER') return operatorSuggestion(e, grammar);
  return e;
}

function functionSuggestion(e: RvbbitError, grammar: Grammar): RvbbitError {
  const name = UNKNOWN_FUNCTION.exec(e.message)?.[1];
  const ours = name === undefined ? undefined : didYouMean(name, grammar.calls.keys());
  if (name === undefined || ours === undefined) return e;
  const theirs = DUCKDB_SUGGESTION.exec(e.message);
  const line = `Did you mean "${ours}"?`;
  if (theirs) {
    if (wordDistance(name, theirs[1]!) < wordDistance(name, ours)) return e;
    return rebuilt(e, e.message.replace(theirs[0], line));
  }
  const [first, ...rest] = e.message.split('\n');
  return rebuilt(e, [first, line, ...rest].join('\n'));
}

/**
 * A syntax error at a word close to an operator word (`WHERE x MEANZ 'car'`),
 * or right after one (`SELECT x MEANZ 'car'`, where DuckDB read the word as
 * an alias): the word was meant as the operator.
 */
function operatorSuggestion(e: RvbbitError, grammar: Grammar): RvbbitError {
  const near = /syntax error at or near "([^"\n]*)"/.exec(e.message)?.[1];
  if (near === undefined) return e;
  const words = grammar.operators.map((o) => o.word).filter((w) => w !== '~');
  const caret = CARET.exec(e.message);
  const prefix = caret ? caret[0].indexOf(caret[1]!) : 0; // "LINE n: "
  const before = caret ? caret[1]!.slice(0, caret[2]!.length - prefix).trimEnd() : '';
  const previous = /(?:^|[^A-Za-z0-9_$"'])([A-Za-z_][A-Za-z0-9_]*)$/.exec(before)?.[1];
  for (const word of [near, previous]) {
    if (word === undefined || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(word)) continue;
    if (SQL_RESERVED.has(word.toUpperCase())) continue;
    const ours = didYouMean(word, words);
    if (ours === undefined) continue;
    const [first, ...rest] = e.message.split('\n');
    return rebuilt(
      e,
      [first, `Did you mean "${ours}"? ${word} is not a semantic operator`, ...rest].join('\n'),
    );
  }
  return e;
}

const rebuilt = (e: RvbbitError, message: string): RvbbitError =>
  new RvbbitError(e.code, message, { ...e.detail }, { cause: e.cause ?? e });
