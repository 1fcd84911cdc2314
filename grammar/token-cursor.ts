/**
 * Walks scanned SQL tokens outwards from a position to find primary
 * expressions (a column, literal, parameter, call, cast or parenthesised
 * expression): the operands of the semantic operators.
 */
import { LITERAL_WORDS, SQL_RESERVED } from './keywords.js';
import type { OperatorSet } from './operators.js';
import { SqlTok, type SqlToken } from './sql-scan.js';

const TYPED_LITERAL = new Set(['DATE', 'TIME', 'TIMESTAMP', 'INTERVAL']);

export class TokenCursor {
  /** For each bracket token, the index of its partner (-1 when unmatched). */
  protected readonly pair: Int32Array;

  constructor(
    protected readonly text: string,
    protected readonly toks: readonly SqlToken[],
    protected readonly ops: OperatorSet,
  ) {
    this.pair = pairBrackets(toks);
  }

  /** First token index of the primary expression ending at token `j`, or -1. */
  protected primaryBack(j: number): number {
    const t = this.toks[j];
    if (!t) return -1;
    let s = -1;
    if (t.type === SqlTok.RParen) {
      s = this.pair[j]!;
      if (s < 0) return -1;
      const fn = this.toks[s - 1];
      if (fn && (fn.type === SqlTok.QuotedIdent || (fn.type === SqlTok.Word && this.isNameWord(s - 1, true))))
        s = this.chainBack(s - 1);
    } else if (t.type === SqlTok.RBracket) {
      const open = this.pair[j]!;
      s = open < 0 ? -1 : this.primaryBack(open - 1);
    } else if (t.type === SqlTok.Word) {
      if (!this.isNameWord(j, false)) return -1;
      s = this.chainBack(j);
    } else if (t.type === SqlTok.QuotedIdent) s = this.chainBack(j);
    else if (t.type === SqlTok.String) s = TYPED_LITERAL.has(this.wordAt(j - 1)) ? j - 1 : j;
    else if (t.type === SqlTok.Number || t.type === SqlTok.Param) s = j;
    if (s > 1 && this.tokText(this.toks[s - 1]!) === '::') {
      const p = this.primaryBack(s - 2);
      if (p >= 0) s = p;
    }
    return s;
  }

  /** Last token index of the primary expression starting at token `i`, or -1. */
  protected primaryFwd(i: number): number {
    const t = this.toks[i];
    if (!t) return -1;
    let e = -1;
    if (t.type === SqlTok.LParen) e = this.pair[i]!;
    else if (t.type === SqlTok.Word) {
      const up = this.wordAt(i);
      if (up === 'CAST' && this.isType(i + 1, SqlTok.LParen)) e = this.pair[i + 1]!;
      else if (TYPED_LITERAL.has(up) && this.isType(i + 1, SqlTok.String)) e = i + 1;
      else if (this.isNameWord(i, false)) e = this.chainFwd(i);
    } else if (t.type === SqlTok.QuotedIdent) e = this.chainFwd(i);
    else if (t.type === SqlTok.String || t.type === SqlTok.Number || t.type === SqlTok.Param) e = i;
    else if (t.type === SqlTok.Op && /^[-+]$/.test(this.tokText(t)) && this.isType(i + 1, SqlTok.Number))
      e = i + 1;
    while (e >= 0) {
      if (
        this.isType(e + 1, SqlTok.Op) &&
        this.tokText(this.toks[e + 1]!) === '::' &&
        this.isType(e + 2, SqlTok.Word)
      ) {
        e += 2;
        if (this.isType(e + 1, SqlTok.LParen)) e = this.pair[e + 1]!;
        while (e >= 0 && this.isType(e + 1, SqlTok.LBracket) && this.isType(e + 2, SqlTok.RBracket)) e += 2;
      } else if (this.isType(e + 1, SqlTok.LBracket)) e = this.pair[e + 1]!;
      else break;
    }
    return e;
  }

  /** Extends a name back over `a.b.` qualifiers. */
  protected chainBack(j: number): number {
    let s = j;
    while (
      this.isType(s - 1, SqlTok.Dot) &&
      (this.isType(s - 2, SqlTok.Word) || this.isType(s - 2, SqlTok.QuotedIdent))
    )
      s -= 2;
    return s;
  }

  /** Extends a name forward over `.b.c` and a call's `( … )`. */
  protected chainFwd(i: number): number {
    let e = i;
    while (
      this.isType(e + 1, SqlTok.Dot) &&
      (this.isType(e + 2, SqlTok.Word) || this.isType(e + 2, SqlTok.QuotedIdent))
    )
      e += 2;
    if (this.isType(e + 1, SqlTok.LParen)) e = this.pair[e + 1]!;
    return e;
  }

  /** A word usable as a column or function name (not a keyword or operator word). */
  protected isNameWord(j: number, asFunction: boolean): boolean {
    const up = this.wordAt(j);
    if (LITERAL_WORDS.has(up)) return !asFunction;
    if (asFunction && (up === 'CAST' || up === 'COALESCE')) return true;
    return !SQL_RESERVED.has(up) && !this.ops.byWord.has(up);
  }

  protected isType(j: number, type: number): boolean {
    return this.toks[j]?.type === type;
  }

  protected wordAt(j: number): string {
    const t = this.toks[j];
    return t?.type === SqlTok.Word ? this.text.slice(t.start, t.end).toUpperCase() : '';
  }

  protected tokText(t: SqlToken): string {
    return this.text.slice(t.start, t.end);
  }
}

/** For each bracket token, the index of its partner (-1 when unmatched or not a bracket). */
export function pairBrackets(toks: readonly SqlToken[]): Int32Array {
  const pair = new Int32Array(toks.length).fill(-1);
  const stack: number[] = [];
  for (let j = 0; j < toks.length; j++) {
    const type = toks[j]!.type;
    if (type === SqlTok.LParen || type === SqlTok.LBracket) stack.push(j);
    else if (type === SqlTok.RParen || type === SqlTok.RBracket) {
      const open = stack.pop();
      if (open !== undefined) {
        pair[open] = j;
        pair[j] = open;
      }
    }
  }
  return pair;
}
