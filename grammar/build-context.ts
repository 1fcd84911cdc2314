/**
 * What the AST builder carries per statement, and the small CST helpers its
 * visitor methods share (tokens, spans, identifiers, literals).
 */
import type { CstNode, IToken } from 'chevrotain';
import type * as A from './ast.js';
import type { GrammarErrorCode } from './errors.js';
import type { OperatorSet } from './operators.js';
import type { SemanticError } from './semantic-ops.js';
import type { LineIndex, Span } from './span.js';
import type { SqlToken } from './sql-scan.js';
import type { LiteralValue } from './with-options.js';

/** A CST node's children, keyed by rule or token name. */
export type Children = Record<string, (CstNode | IToken)[] | undefined>;

/**
 * Per-statement state; the visitor itself is built once. One object per
 * statement: `start` and `forRun` are set in place as the builder descends
 * (each is read only below where it is set), not copied per clause.
 */
export interface BuildContext {
  /** Offset of the statement in the whole input (tokens are relative to it). */
  base: number;
  /** Offset (relative to base) of the RVBBIT keyword of the statement being built. */
  start: number;
  /** Set while building a RUN's WITH clause (MAP-only keys are refused). */
  forRun: boolean;
  index: LineIndex;
  ops: OperatorSet;
  annotations: readonly A.Annotation[];
  errors: SemanticError[];
  /** The statement's scanned tokens (no comments), reused for the USING body instead of scanning again. */
  sqlTokens: readonly SqlToken[];
}

/** The tokens lying inside [start, end), found by binary search. */
export function tokensWithin(toks: readonly SqlToken[], start: number, end: number): readonly SqlToken[] {
  let lo = 0;
  let hi = toks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (toks[mid]!.start < start) lo = mid + 1;
    else hi = mid;
  }
  let last = lo;
  while (last < toks.length && toks[last]!.end <= end) last++;
  return toks.slice(lo, last);
}

export function tok(ch: Children, name: string, i = 0): IToken {
  return ch[name]![i] as IToken;
}

export function tokSpan(t: IToken, cx: BuildContext): Span {
  const s = cx.base + t.startOffset;
  return cx.index.span(s, s + t.image.length);
}

/**
 * Span from the first token's start to the last token's end. Spans are taken
 * from the tokens the builder already holds: walking a CST node's children
 * to find its extent cost a third of the builder's time.
 */
export function spanOfTokens(first: IToken, last: IToken, cx: BuildContext): Span {
  return cx.index.span(cx.base + first.startOffset, cx.base + last.startOffset + last.image.length);
}

/** A `literal` node's first token (its `-`, if any) and its value token. */
export function literalTokens(n: CstNode): { first: IToken; value: IToken } {
  const c = n.children as Children;
  const value = (c.StringLiteral ?? c.NumberLiteral ?? c.True ?? c.False ?? c.Null)![0] as IToken;
  return { first: c.Minus ? tok(c, 'Minus') : value, value };
}

export function fail(cx: BuildContext, code: GrammarErrorCode, message: string, offset: number): void {
  cx.errors.push({ code, message, offset });
}

export function identifier(t: IToken, cx: BuildContext): A.Identifier {
  const quoted = t.tokenType.name === 'QuotedIdentifier';
  return { kind: 'Identifier', name: quoted ? unquoteIdent(t.image) : t.image, quoted, span: tokSpan(t, cx) };
}

export const unquoteIdent = (s: string): string => s.slice(1, -1).replace(/""/g, '"');

export function unquote(image: string): string {
  if (image[0] === 'E' || image[0] === 'e')
    return image.slice(2, -1).replace(/''/g, "'").replace(/\\(.)/g, '$1');
  const inner = image.slice(1, -1);
  return inner.includes("''") ? inner.replace(/''/g, "'") : inner;
}

export function literalValue(n: CstNode): LiteralValue {
  const c = n.children as Children;
  if (c.StringLiteral) return unquote(tok(c, 'StringLiteral').image);
  if (c.NumberLiteral) return (c.Minus ? -1 : 1) * Number(tok(c, 'NumberLiteral').image);
  if (c.True) return true;
  if (c.False) return false;
  return null;
}
