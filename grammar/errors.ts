/**
 * Grammar errors: collected as data while parsing, shaped once here. The
 * `code` is the contract (tests, the engine and the wire server key on it).
 * @see ../docs/dialect.md §3
 */
import { RvbbitError } from '../src/errors.js';
import type { LineIndex } from './span.js';

export const GrammarErrorCode = {
  EMPTY: 'E_EMPTY',
  UNEXPECTED_TOKEN: 'E_UNEXPECTED_TOKEN',
  UNEXPECTED_END: 'E_UNEXPECTED_END',
  UNEXPECTED_CHAR: 'E_UNEXPECTED_CHAR',
  MISSING_USING: 'E_MISSING_USING',
  MISSING_CASCADE: 'E_MISSING_CASCADE',
  EMPTY_USING: 'E_EMPTY_USING',
  UNBALANCED_PAREN: 'E_UNBALANCED_PAREN',
  UNTERMINATED_STRING: 'E_UNTERMINATED_STRING',
  UNTERMINATED_IDENTIFIER: 'E_UNTERMINATED_IDENTIFIER',
  UNTERMINATED_COMMENT: 'E_UNTERMINATED_COMMENT',
  BAD_PARALLEL: 'E_BAD_PARALLEL',
  BAD_BATCH: 'E_BAD_BATCH',
  DUPLICATE_MODIFIER: 'E_DUPLICATE_MODIFIER',
  UNKNOWN_TYPE: 'E_UNKNOWN_TYPE',
  BAD_TYPE_ARGS: 'E_BAD_TYPE_ARGS',
  DUPLICATE_COLUMN: 'E_DUPLICATE_COLUMN',
  UNKNOWN_WITH_KEY: 'E_UNKNOWN_WITH_KEY',
  WITH_KEY_NOT_ALLOWED: 'E_WITH_KEY_NOT_ALLOWED',
  DUPLICATE_WITH_KEY: 'E_DUPLICATE_WITH_KEY',
  MISSING_WITH_VALUE: 'E_MISSING_WITH_VALUE',
  BAD_WITH_VALUE: 'E_BAD_WITH_VALUE',
  CONFLICTING_OPTION: 'E_CONFLICTING_OPTION',
  UNKNOWN_ANNOTATION: 'E_UNKNOWN_ANNOTATION',
  BAD_ANNOTATION_VALUE: 'E_BAD_ANNOTATION_VALUE',
  DUPLICATE_ANNOTATION: 'E_DUPLICATE_ANNOTATION',
  DANGLING_ANNOTATION: 'E_DANGLING_ANNOTATION',
  MISSING_OPERAND: 'E_MISSING_OPERAND',
  BAD_AGGREGATE_ARGS: 'E_BAD_AGGREGATE_ARGS',
  INTERNAL: 'E_INTERNAL',
} as const;
export type GrammarErrorCode = (typeof GrammarErrorCode)[keyof typeof GrammarErrorCode];

/** One error: what was expected, what was found, and where. */
export interface ParseError {
  readonly code: GrammarErrorCode;
  readonly message: string;
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  /** `error[CODE]: message`, `--> line:col`, the source line and a caret. */
  readonly rendered: string;
}

const MAX_SHOWN = 100;

/** Builds a ParseError at `offset`, rendering the source line with a caret. */
export function makeError(
  index: LineIndex,
  code: GrammarErrorCode,
  message: string,
  offset: number,
): ParseError {
  const at = Math.max(0, Math.min(offset, index.text.length));
  const { line, column } = index.position(at);
  return { code, message, offset: at, line, column, rendered: render(index, code, message, line, column) };
}

function render(index: LineIndex, code: string, message: string, line: number, column: number): string {
  let src = index.lineText(line);
  let col = column;
  // Long lines (a 1 MB one-line query) are cut to a window around the caret.
  if (src.length > MAX_SHOWN) {
    const from = Math.max(0, col - 1 - MAX_SHOWN / 2);
    const cut = src.slice(from, from + MAX_SHOWN);
    src = (from > 0 ? '…' : '') + cut + (from + MAX_SHOWN < src.length ? '…' : '');
    col = col - from + (from > 0 ? 1 : 0);
  }
  src = src.replace(/\t/g, ' ');
  const gutter = String(line);
  const pad = ' '.repeat(gutter.length);
  return [
    `error[${code}]: ${message}`,
    `${pad}--> ${line}:${column}`,
    `${pad} |`,
    `${gutter} | ${src}`,
    `${pad} | ${' '.repeat(Math.max(0, col - 1))}^`,
  ].join('\n');
}

/** The engine-wide error shape for one grammar error. */
export function toRvbbitError(err: ParseError): RvbbitError {
  return new RvbbitError(err.code, err.message, {
    line: err.line,
    column: err.column,
    offset: err.offset,
    rendered: err.rendered,
  });
}

/** A user-facing description of a token for "found …" messages. */
export function describeFound(text: string | null): string {
  if (text === null || text === '') return 'end of input';
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return `'${shown}'`;
}
