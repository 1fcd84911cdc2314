/**
 * The lexer parse() uses for RVBBIT statements: a hand-written loop over
 * char codes that yields exactly the tokens of the Chevrotain lexer in
 * lexer.ts (which stays the declarative definition, and what complete() and
 * the differential test use). Chevrotain tries each candidate regex in turn;
 * this reads every word once and compares it with the keywords of its length
 * and first letter: about twice as fast, which matters because an editor
 * re-parses on every keystroke. Words and numbers are read by the same
 * character classes as the SQL scanner (sql-chars.ts), which are the ones of
 * the Identifier and NumberLiteral patterns.
 * test/grammar/statement-lexer.test.ts checks the two agree token for token.
 */
import type { IToken, TokenType } from 'chevrotain';
import { matchParen } from './sql-balance.js';
import { blockCommentEnd, isDigit, isWordPart, isWordStart, skipNumber } from './sql-chars.js';
import * as T from './tokens.js';

export interface LexedStatement {
  readonly tokens: IToken[];
  /** Offset of the first character no token matches, or -1. */
  readonly errorOffset: number;
}

/**
 * Keyword (and type) tokens by length and first letter, so a word is
 * compared with the few keywords of its shape, in place: no slice, no
 * upper-casing, no string hashing per word.
 */
const KEYWORDS_BY_SHAPE: { lower: string; type: TokenType }[][] = [];
const shapeOf = (length: number, firstLower: number): number => length * 128 + firstLower;
for (const type of T.keywordTokens) {
  const lower = type.LABEL!.toLowerCase();
  const shape = shapeOf(lower.length, lower.charCodeAt(0));
  const bucket = KEYWORDS_BY_SHAPE[shape] ?? [];
  bucket.push({ lower, type });
  KEYWORDS_BY_SHAPE[shape] = bucket;
}

/** One-character punctuation by char code. */
const PUNCTUATION = new Map<number, TokenType>([
  [40, T.LParen],
  [41, T.RParen],
  [44, T.Comma],
  [61, T.Equals],
  [46, T.Dot],
  [45, T.Minus],
  [59, T.Semicolon],
]);

/** WhiteSpace's class: space, \t \n \v \f \r, NBSP, BOM. */
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0xfeff;

/**
 * End of `/q(?:[^q]|qq)*q/` (q a quote char) starting at `i`, or -1. The
 * regex backtracks when no closing quote follows: it then ends at the first
 * quote of the last doubled pair, if there is one.
 */
function quotedEnd(text: string, i: number, quote: number): number {
  let lastPair = -1;
  let j = i + 1;
  while (j < text.length) {
    if (text.charCodeAt(j) !== quote) j++;
    else if (text.charCodeAt(j + 1) === quote) {
      lastPair = j;
      j += 2;
    } else return j + 1;
  }
  return lastPair < 0 ? -1 : lastPair + 1;
}

/**
 * Keyword when the whole word `[start, end)` is one, else Identifier. `| 32`
 * lower-cases an ASCII letter and maps no other code unit onto one, so, like
 * the case-insensitive keyword regexes, only ASCII letters match.
 */
function wordType(text: string, start: number, end: number): TokenType {
  const first = text.charCodeAt(start) | 32;
  if (first >= 128) return T.Identifier;
  const candidates = KEYWORDS_BY_SHAPE[shapeOf(end - start, first)];
  if (candidates === undefined) return T.Identifier;
  next: for (const k of candidates) {
    for (let j = 1; j < end - start; j++) {
      if ((text.charCodeAt(start + j) | 32) !== k.lower.charCodeAt(j)) continue next;
    }
    return k.type;
  }
  return T.Identifier;
}

/**
 * A token as Chevrotain's offset-only lexer makes it. Every token has a
 * `payload` key (undefined but for SqlBlock) so all share one shape.
 */
// A module function, not a closure per call: tsx (tests, benches) wraps every closure it creates in a naming helper.
function pushToken(tokens: IToken[], image: string, start: number, type: TokenType, payload?: unknown): void {
  tokens.push({ image, startOffset: start, tokenTypeIdx: type.tokenTypeIdx!, tokenType: type, payload });
}

/** Tokens of one RVBBIT statement; stops at the first character nothing matches. */
export function lexStatement(text: string): LexedStatement {
  const tokens: IToken[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    const n = text.charCodeAt(i + 1);
    if (isSpace(c)) {
      for (i++; isSpace(text.charCodeAt(i)); ) i++;
    } else if (c === 45 && n === 45) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    } else if (c === 47) {
      const end = n === 42 ? blockCommentEnd(text, i) : -1;
      if (end < 0) return { tokens, errorOffset: i };
      i = end;
    } else if (c === 39 || ((c === 69 || c === 101) && n === 39 && quotedEnd(text, i + 1, 39) > 0)) {
      const end = quotedEnd(text, c === 39 ? i : i + 1, 39);
      if (end < 0) return { tokens, errorOffset: i };
      pushToken(tokens, text.slice(i, end), i, T.StringLiteral);
      i = end;
    } else if (isWordStart(c)) {
      let end = i + 1;
      while (end < text.length && isWordPart(text.charCodeAt(end))) end++;
      pushToken(tokens, text.slice(i, end), i, wordType(text, i, end));
      i = end;
    } else if (c === 34) {
      const end = quotedEnd(text, i, 34);
      if (end < 0) return { tokens, errorOffset: i };
      pushToken(tokens, text.slice(i, end), i, T.QuotedIdentifier);
      i = end;
    } else if (isDigit(c) || (c === 46 && isDigit(n))) {
      const end = skipNumber(text, i, text.length);
      pushToken(tokens, text.slice(i, end), i, T.NumberLiteral);
      i = end;
    } else if (c === 40 && tokens[tokens.length - 1]?.tokenType === T.Using) {
      const close = matchParen(text, i);
      const end = close < 0 ? text.length : close;
      pushToken(tokens, text.slice(i, end), i, T.SqlBlock, { closed: close >= 0 });
      i = end;
    } else {
      const type = PUNCTUATION.get(c);
      if (!type) return { tokens, errorOffset: i };
      pushToken(tokens, text.charAt(i), i, type);
      i++;
    }
  }
  return { tokens, errorOffset: -1 };
}
