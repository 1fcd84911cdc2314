/**
 * Grammar errors: collected as data while parsing, shaped once here. The
 * `code` is the contract (tests, the engine and the wire server key on it).
 * @see ../docs/dialect.md §3
 */

import { GrammarErrorCode } from '../base/error-codes.js';
import { RvbbitError } from '../base/errors.js';
import type { LineIndex } from './span.js';

export { GrammarErrorCode };

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

/** The caret block of a ParseError for any coded error at `offset` of `index`'s text (CREATE SEMANTIC FUNCTION's checks). */
export function renderAt(index: LineIndex, code: string, message: string, offset: number): string {
  const { line, column } = index.position(Math.max(0, Math.min(offset, index.text.length)));
  return render(index, code, message, line, column);
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
