/**
 * Cuts a query string into its statements without parsing it: one pass over
 * the characters that knows strings, quoted identifiers, comments and dollar
 * quotes (the grammar's own character rules, grammar/sql-chars.ts, in the
 * order grammar/sql-scan.ts applies them, so both cut at the same `;`). It
 * keeps nothing but the current statement's bounds, so a query of millions
 * of statements costs no more memory than its longest one; each statement is
 * parsed only when it runs. Parameters (`$1`, `?`, `$name`) are noted on the
 * way for Bind's count check.
 */
import { isAnnotation } from '../../grammar/annotations.js';
import {
  dollarTagEnd,
  isDigit,
  isWordPart,
  isWordStart,
  skipBlockComment,
  skipNumber,
  skipQuoted,
} from '../../grammar/sql-chars.js';

export interface SqlPiece {
  /** The statement with its leading `-- @` annotations, without the `;`. */
  readonly text: string;
  /** Offset of `text` in the query string (for an error's position). */
  readonly start: number;
  /** The highest `$n` in it (0: none). */
  readonly maxParam: number;
  /** It has `?` or `$name` parameters, which DuckDB numbers itself. */
  readonly otherParams: boolean;
  /** Only comments after the last statement, one of them an annotation (the grammar calls it dangling, an error). */
  readonly trailing?: true;
}

const SPACE = new Set([32, 10, 9, 13, 12, 11, 0xa0, 0xfeff]);

/** The statements of `sql` in order, each when it is reached. */
export function* sqlPieces(sql: string): Generator<SqlPiece> {
  const end = sql.length;
  let i = 0;
  // The current statement: its first token, its first annotation, the end of its last token.
  let first = -1;
  let annotation = -1;
  let last = -1;
  let maxParam = 0;
  let otherParams = false;
  let any = false;
  const piece = (): SqlPiece => {
    const start = annotation >= 0 && annotation < first ? annotation : first;
    return { text: sql.slice(start, last), start, maxParam, otherParams };
  };
  while (i < end) {
    const c = sql.charCodeAt(i);
    if (SPACE.has(c)) {
      i++;
      continue;
    }
    const s = i;
    const n = i + 1 < end ? sql.charCodeAt(i + 1) : -1;
    if (c === 45 && n === 45) {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? end : nl;
      // Comments before a statement's first token are where its annotations live.
      if (first < 0 && annotation < 0 && isAnnotation(sql.slice(s, i))) annotation = s;
      continue;
    }
    if (c === 47 && n === 42) {
      const e = skipBlockComment(sql, i, end);
      // Unterminated: the rest is one statement, and the grammar reports it when it runs.
      if (e >= 0) {
        i = e;
        continue;
      }
      i = end;
    } else if (c === 59) {
      i++;
      if (first >= 0) {
        yield piece();
        any = true;
        annotation = -1;
      }
      first = -1;
      last = -1;
      maxParam = 0;
      otherParams = false;
      continue;
    } else if (c === 39) i = orEnd(skipQuoted(sql, i, end, 39, false), end);
    else if ((c === 69 || c === 101) && n === 39) i = orEnd(skipQuoted(sql, i + 1, end, 39, true), end);
    else if (c === 34) i = orEnd(skipQuoted(sql, i, end, 34, false), end);
    else if (c === 36) {
      if (isDigit(n)) {
        i += 2;
        while (i < end && isDigit(sql.charCodeAt(i))) i++;
        maxParam = Math.max(maxParam, Number(sql.slice(s + 1, i)));
      } else {
        const tagEnd = dollarTagEnd(sql, i, end);
        if (tagEnd < 0) {
          i++;
          const named = i < end && isWordStart(sql.charCodeAt(i));
          while (named && i < end && isWordPart(sql.charCodeAt(i)) && sql.charCodeAt(i) !== 36) i++;
          if (named) otherParams = true;
        } else {
          const close = sql.indexOf(sql.slice(i, tagEnd), tagEnd);
          i = close < 0 ? end : close + (tagEnd - i);
        }
      }
    } else if (isWordStart(c)) {
      i++;
      while (i < end && isWordPart(sql.charCodeAt(i))) i++;
    } else if (isDigit(c) || (c === 46 && isDigit(n))) i = skipNumber(sql, i, end);
    else {
      if (c === 63) otherParams = true;
      i++;
    }
    if (first < 0) first = s;
    last = i;
  }
  if (first >= 0) yield piece();
  else if (annotation >= 0 && any) {
    yield { text: sql.slice(annotation), start: annotation, maxParam: 0, otherParams: false, trailing: true };
  }
}

function orEnd(e: number, end: number): number {
  return e < 0 ? end : e;
}
