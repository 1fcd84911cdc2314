/**
 * tokens(): categorised tokens for syntax highlighting, over RVBBIT and
 * passthrough SQL alike (one hand scan, no parser), never throwing.
 */
import { isAnnotation } from '../annotations.js';
import { HIGHLIGHT_KEYWORDS } from '../keywords.js';
import type { OperatorSet } from '../operators.js';
import { LineIndex } from '../span.js';
import { SqlTok, scanSql } from '../sql-scan.js';

export const TOKEN_CATEGORIES = [
  'keyword',
  'operator',
  'string',
  'number',
  'identifier',
  'comment',
  'annotation',
  'punctuation',
] as const;
export type TokenCategory = (typeof TOKEN_CATEGORIES)[number];

export interface HighlightToken {
  readonly category: TokenCategory;
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly line: number;
  readonly column: number;
}

const WORD_OPS = new Set(['RELEVANCE', 'SEMANTIC']);

/** Every token of `sql` with its category; an unterminated string or comment runs to the end. */
export function highlightTokens(ops: OperatorSet, sql: unknown): HighlightToken[] {
  try {
    const text = typeof sql === 'string' ? sql : String(sql ?? '');
    const index = new LineIndex(text);
    return scanSql(text).tokens.map((t) => {
      const tokText = text.slice(t.start, t.end);
      const { line, column } = index.position(t.start);
      return {
        category: categorise(ops, t.type, tokText),
        text: tokText,
        start: t.start,
        end: t.end,
        line,
        column,
      };
    });
  } catch {
    return [];
  }
}

function categorise(ops: OperatorSet, type: number, text: string): TokenCategory {
  switch (type) {
    case SqlTok.Word: {
      const up = text.toUpperCase();
      if (ops.byWord.has(up) || WORD_OPS.has(up)) return 'operator';
      return HIGHLIGHT_KEYWORDS.has(up) ? 'keyword' : 'identifier';
    }
    case SqlTok.QuotedIdent:
    case SqlTok.Param:
      return 'identifier';
    case SqlTok.String:
      return 'string';
    case SqlTok.Number:
      return 'number';
    case SqlTok.Op:
      return 'operator';
    case SqlTok.LineComment:
      return isAnnotation(text) ? 'annotation' : 'comment';
    case SqlTok.BlockComment:
      return 'comment';
    default:
      return 'punctuation';
  }
}
