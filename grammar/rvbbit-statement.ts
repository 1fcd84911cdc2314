/**
 * Runs one RVBBIT statement through the Chevrotain lexer, parser and AST
 * builder, and turns their error arrays into coded errors. The grammar is
 * defined once, in Chevrotain: a hand-written lexer and LL(1) reader that
 * mirrored it (for parse speed) were dropped, because the editor's target
 * holds without them (diagnostics of a 200-line document after a keystroke:
 * p99 8.2 ms, 8.6 ms with them, target 20 ms; `npm run bench:lsp`).
 */
import type { IRecognitionException } from 'chevrotain';
import type { Annotation, Statement } from './ast.js';
import { astBuilder } from './ast-builder.js';
import type { Children } from './build-context.js';
import { didYouMean, meaning } from './did-you-mean.js';
import { GrammarErrorCode } from './errors.js';
import { rvbbitLexer } from './lexer.js';
import type { OperatorSet } from './operators.js';
import { rvbbitParser } from './parser.js';
import type { SemanticError } from './semantic-ops.js';
import type { LineIndex } from './span.js';
import type { SqlToken } from './sql-scan.js';
import { WITH_KEYS } from './statement-options.js';
import { TYPE_NAMES } from './type-names.js';
import { MAX_BATCH, MAX_PARALLEL } from './with-options.js';

/** Parses `[start, end)` of the input as an RVBBIT statement. */
export function parseRvbbitStatement(
  index: LineIndex,
  start: number,
  end: number,
  ops: OperatorSet,
  annotations: readonly Annotation[],
  sqlTokens: readonly SqlToken[],
): Statement | SemanticError[] {
  const lexed = rvbbitLexer.tokenize(index.text.slice(start, end));
  if (lexed.errors.length > 0) return [lexError(lexed.errors[0]!.offset, index, start)];
  rvbbitParser.input = lexed.tokens;
  const cst = rvbbitParser.statement();
  if (rvbbitParser.errors.length > 0) return [parseError(rvbbitParser.errors[0]!, start, end)];
  const errors: SemanticError[] = [];
  const stmt = astBuilder.statement(cst.children as Children, {
    base: start,
    start: 0,
    forRun: false,
    index,
    ops,
    annotations,
    errors,
    sqlTokens,
  });
  return errors.length > 0 ? errors : stmt;
}

function lexError(at: number, index: LineIndex, base: number): SemanticError {
  const offset = base + at;
  const ch = index.text.slice(offset, offset + 1);
  return { code: GrammarErrorCode.UNEXPECTED_CHAR, message: `unexpected character '${ch}'`, offset };
}

function parseError(e: IRecognitionException, base: number, end: number): SemanticError {
  const t = e.token;
  const eof = t.tokenType.name === 'EOF' || Number.isNaN(t.startOffset);
  const offset = eof ? end : base + t.startOffset;
  const rules = e.context.ruleStack;
  const rule = rules[rules.length - 1];
  const prev = (e as { previousToken?: { tokenType: { name: string } } }).previousToken?.tokenType.name;
  const found = e.message.replace(/^.* but found /, '');
  const C = GrammarErrorCode;
  let code: GrammarErrorCode = eof ? C.UNEXPECTED_END : C.UNEXPECTED_TOKEN;
  let message = e.message;
  if (rule === 'usingClause' && prev !== 'Using') {
    code = C.MISSING_USING;
    message = `expected USING ( query ) but found ${found}`;
  } else if (rule === 'usingClause') {
    message = `expected '(' and a query after USING but found ${found}`;
  } else if (rule === 'cascadeRef') {
    code = C.MISSING_CASCADE;
    message = `expected a cascade reference (a string such as 'traits/extract_brand.yaml') but found ${found}`;
  } else if (rule === 'mapModifier' && prev === 'Parallel') {
    code = C.BAD_PARALLEL;
    message = `PARALLEL needs an integer from 1 to ${MAX_PARALLEL} but found ${found}`;
  } else if (rule === 'mapModifier' && prev === 'Batch') {
    code = C.BAD_BATCH;
    message = `BATCH needs an integer from 1 to ${MAX_BATCH} but found ${found}`;
  } else if (rule === 'literal') {
    code = C.MISSING_WITH_VALUE;
    message = `expected a value (a string, number, TRUE, FALSE or NULL) but found ${found}`;
  } else if (rule === 'typeRef' && prev !== 'Comma' && prev !== 'NumberLiteral' && prev !== 'LParen') {
    code = C.UNKNOWN_TYPE;
    message = `expected a type (${TYPE_NAMES.join(', ')}) but found ${found}`;
  } else if (rule === 'withOption' && (prev === 'LParen' || prev === 'Comma')) {
    message = `expected a WITH option (${WITH_KEYS.join(', ')}) but found ${found}`;
  } else if (e.name === 'NotAllInputParsedException' && t.image === ')') {
    code = C.UNBALANCED_PAREN;
    message = "unbalanced parentheses: this ')' closes nothing";
  }
  if (t.tokenType.name === 'Identifier') message += meaning(didYouMean(t.image, keywordsExpected(e, rule)));
  return { code, message, offset };
}

/** Keywords that could stand where the parser stopped: those its message lists, and a MAP's or RUN's modifiers before the cascade. */
function keywordsExpected(e: IRecognitionException, rule: string | undefined): string[] {
  const listed = /^expected (.*) but found /.exec(e.message)?.[1] ?? '';
  const words = listed.split(/, | or /).filter((w) => /^[A-Z]+$/.test(w));
  return rule === 'cascadeRef' ? [...words, 'PARALLEL', 'DISTINCT', 'BATCH', 'ASYNC'] : words;
}
