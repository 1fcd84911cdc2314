/**
 * Runs one RVBBIT statement through the Chevrotain lexer, parser and AST
 * builder, and turns their error arrays into coded errors.
 */
import type { IRecognitionException } from 'chevrotain';
import type { Annotation, Statement } from './ast.js';
import { astBuilder } from './ast-builder.js';
import type { Children } from './build-context.js';
import { GrammarErrorCode } from './errors.js';
import { fastStatementCst } from './fast-cst.js';
import type { OperatorSet } from './operators.js';
import { rvbbitParser } from './parser.js';
import type { SemanticError } from './semantic-ops.js';
import type { LineIndex } from './span.js';
import type { SqlToken } from './sql-scan.js';
import { lexStatement } from './statement-lexer.js';
import { TYPE_NAMES } from './type-names.js';
import { MAX_BATCH, MAX_PARALLEL, WITH_KEYS } from './with-options.js';

/** Parses `[start, end)` of the input as an RVBBIT statement. */
export function parseRvbbitStatement(
  index: LineIndex,
  start: number,
  end: number,
  ops: OperatorSet,
  annotations: readonly Annotation[],
  sqlTokens: readonly SqlToken[],
): Statement | SemanticError[] {
  const lexed = lexStatement(index.text.slice(start, end));
  if (lexed.errorOffset >= 0) return [lexError(lexed.errorOffset, index, start)];
  let cst = fastStatementCst(lexed.tokens);
  if (cst === null) {
    // A syntax error (or a form the fast path does not know): Chevrotain's parser decides and says what.
    rvbbitParser.input = lexed.tokens;
    cst = rvbbitParser.statement();
    const errors = rvbbitParser.errors;
    if (errors.length > 0) return [parseError(errors[0]!, start, end)];
  }
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
  return { code, message, offset };
}
