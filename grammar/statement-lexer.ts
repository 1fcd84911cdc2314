/**
 * The lexer parse() uses for RVBBIT statements: a hand-written loop over
 * char codes that yields exactly the tokens of the Chevrotain lexer in
 * lexer.ts (which stays the declarative definition, and what complete() and
 * the differential test use). Chevrotain tries each candidate regex in turn;
 * this reads every word once and looks keywords up, 5–10× faster, which
 * matters because an editor re-parses on every keystroke.
 * test/grammar/statement-lexer.test.ts checks the two agree token for token.
 */
import type { IToken, TokenType } from 'chevrotain';
import { matchParen } from './sql-balance.js';
import { blockCommentEnd } from './sql-chars.js';
import * as T from './tokens.js';

export interface LexedStatement {
  readonly tokens: IToken[];
  /** Offset of the first character no token matches, or -1. */
  readonly errorOffset: number;
}

/** Keyword (and type) tokens by their upper-case word. */
const KEYWORDS = new Map<string, TokenType>(T.keywordTokens.map((t) => [t.LABEL!, t]));
const LONGEST_KEYWORD = Math.max(...[...KEYWORDS.keys()].map((k) => k.length));

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

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAsciiLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
/** `[A-Za-z_\u0080-\uffff]`: what starts an Identifier. */
const isWordStart = (c: number): boolean => isAsciiLetter(c) || c === 95 || c >= 0x80;
/** `[A-Za-z0-9_$\u0080-\uffff]`: what continues one. */
const isWordPart = (c: number): boolean => isWordStart(c) || isDigit(c) || c === 36;
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

/** End of `(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?` at `i`, or -1. */
function numberEnd(text: string, i: number): number {
  let j = i;
  while (isDigit(text.charCodeAt(j))) j++;
  if (j > i) {
    if (text.charCodeAt(j) === 46) for (j++; isDigit(text.charCodeAt(j)); ) j++;
  } else {
    if (text.charCodeAt(j) !== 46 || !isDigit(text.charCodeAt(j + 1))) return -1;
    for (j++; isDigit(text.charCodeAt(j)); ) j++;
  }
  const e = text.charCodeAt(j);
  if (e === 69 || e === 101) {
    let k = j + 1;
    const sign = text.charCodeAt(k);
    if (sign === 43 || sign === 45) k++;
    if (isDigit(text.charCodeAt(k))) {
      while (isDigit(text.charCodeAt(k))) k++;
      j = k;
    }
  }
  return j;
}

/** Keyword when the whole word is one (ASCII only, as the case-insensitive keyword regexes match), else Identifier. */
function wordType(text: string, start: number, end: number): TokenType {
  if (end - start > LONGEST_KEYWORD) return T.Identifier;
  for (let i = start; i < end; i++) if (text.charCodeAt(i) >= 0x80) return T.Identifier;
  return KEYWORDS.get(text.slice(start, end).toUpperCase()) ?? T.Identifier;
}

// A module function, not a closure per call: tsx (tests, benches) wraps every closure it creates in a naming helper.
function pushToken(tokens: IToken[], text: string, type: TokenType, start: number, end: number): IToken {
  const t = {
    image: text.slice(start, end),
    startOffset: start,
    tokenTypeIdx: type.tokenTypeIdx!,
    tokenType: type,
  };
  tokens.push(t);
  return t;
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
      pushToken(tokens, text, T.StringLiteral, i, end);
      i = end;
    } else if (isWordStart(c)) {
      let end = i + 1;
      while (end < text.length && isWordPart(text.charCodeAt(end))) end++;
      pushToken(tokens, text, wordType(text, i, end), i, end);
      i = end;
    } else if (c === 34) {
      const end = quotedEnd(text, i, 34);
      if (end < 0) return { tokens, errorOffset: i };
      pushToken(tokens, text, T.QuotedIdentifier, i, end);
      i = end;
    } else if (isDigit(c) || (c === 46 && isDigit(n))) {
      const end = numberEnd(text, i);
      pushToken(tokens, text, T.NumberLiteral, i, end);
      i = end;
    } else if (c === 40 && tokens[tokens.length - 1]?.tokenType === T.Using) {
      const close = matchParen(text, i);
      const end = close < 0 ? text.length : close;
      pushToken(tokens, text, T.SqlBlock, i, end).payload = { closed: close >= 0 };
      i = end;
    } else {
      const type = PUNCTUATION.get(c);
      if (!type) return { tokens, errorOffset: i };
      pushToken(tokens, text, type, i, i + 1);
      i++;
    }
  }
  return { tokens, errorOffset: -1 };
}
