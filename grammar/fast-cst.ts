/**
 * The fast path of parse(): a hand-written LL(1) reader of the grammar in
 * parser.ts that builds the very CST Chevrotain's parser builds (same rule
 * and token keys, same tokens), for statements without a syntax error. On
 * the first token it does not expect it gives up (null) and the caller runs
 * the Chevrotain parser, which stays the definition of the grammar and the
 * source of every syntax error message. Chevrotain's general machinery (rule
 * stacks, lookahead functions, try/finally per rule) was a third of parse()
 * for a typical MAP. test/grammar/fast-cst.test.ts checks both agree.
 */
import { type CstNode, type IToken, type TokenType, tokenMatcher } from 'chevrotain';
import * as T from './tokens.js';

type Children = Record<string, (CstNode | IToken)[]>;

/** Thrown (pre-built, no stack) at the first unexpected token; never escapes this module. */
const GIVE_UP = Object.freeze({ giveUp: true });

/**
 * A CST node. Chevrotain makes `children` with a null prototype, which V8
 * keeps as a slow dictionary; a plain object is as good a map here (no rule
 * or token is named like an Object.prototype member) and several times faster.
 */
function cstNode(name: string): CstNode {
  return { name, children: {} as Children };
}

function add(node: CstNode, key: string, child: CstNode | IToken): void {
  const list = (node.children as Children)[key];
  if (list === undefined) (node.children as Children)[key] = [child];
  else list.push(child);
}

/** The statement's CST, or null when it has a syntax error (then Chevrotain's parser says which). */
export function fastStatementCst(tokens: readonly IToken[]): CstNode | null {
  const reader = new Reader(tokens);
  try {
    const cst = reader.statement();
    return reader.atEnd() ? cst : null;
  } catch (e) {
    if (e === GIVE_UP) return null;
    throw e;
  }
}

class Reader {
  private i = 0;

  constructor(private readonly tokens: readonly IToken[]) {}

  atEnd(): boolean {
    return this.i === this.tokens.length;
  }

  private next(type: TokenType): boolean {
    const t = this.tokens[this.i];
    return t !== undefined && tokenMatcher(t, type);
  }

  /** Consumes a token of `type` (or of its category) into `node` under the type's name, as CONSUME does. */
  private consume(node: CstNode, type: TokenType): void {
    if (!this.next(type)) throw GIVE_UP;
    add(node, type.name, this.tokens[this.i++]!);
  }

  private consumeIf(node: CstNode, type: TokenType): boolean {
    if (!this.next(type)) return false;
    add(node, type.name, this.tokens[this.i++]!);
    return true;
  }

  statement(): CstNode {
    const n = cstNode('statement');
    if (this.next(T.Rvbbit)) add(n, 'rvbbitStatement', this.rvbbitStatement());
    else if (this.next(T.Explain)) add(n, 'explainStatement', this.explainStatement());
    else if (this.next(T.Create)) add(n, 'createStatement', this.createStatement());
    else throw GIVE_UP;
    return n;
  }

  private rvbbitStatement(): CstNode {
    const n = cstNode('rvbbitStatement');
    this.consume(n, T.Rvbbit);
    if (this.next(T.MapKw)) add(n, 'mapBody', this.mapBody());
    else if (this.next(T.Run)) add(n, 'runBody', this.runBody());
    else throw GIVE_UP;
    return n;
  }

  private mapBody(): CstNode {
    const n = cstNode('mapBody');
    this.consume(n, T.MapKw);
    while (this.next(T.Parallel) || this.next(T.Distinct) || this.next(T.Batch)) {
      const m = cstNode('mapModifier');
      if (this.consumeIf(m, T.Parallel) || this.consumeIf(m, T.Batch)) this.consume(m, T.NumberLiteral);
      else this.consume(m, T.Distinct);
      add(n, 'mapModifier', m);
    }
    add(n, 'cascadeRef', this.single('cascadeRef', T.StringLiteral));
    if (this.next(T.As)) add(n, 'output', this.output());
    add(n, 'usingClause', this.usingClause());
    if (this.next(T.With)) add(n, 'withClause', this.withClause());
    return n;
  }

  private runBody(): CstNode {
    const n = cstNode('runBody');
    this.consume(n, T.Run);
    this.consumeIf(n, T.Async);
    add(n, 'cascadeRef', this.single('cascadeRef', T.StringLiteral));
    add(n, 'usingClause', this.usingClause());
    if (this.next(T.With)) add(n, 'withClause', this.withClause());
    return n;
  }

  private explainStatement(): CstNode {
    const n = cstNode('explainStatement');
    this.consume(n, T.Explain);
    if (this.consumeIf(n, T.LParen)) {
      this.consume(n, T.Format);
      if (!this.consumeIf(n, T.Text)) this.consume(n, T.Json);
      this.consume(n, T.RParen);
    }
    if (!this.next(T.Rvbbit)) throw GIVE_UP;
    add(n, 'rvbbitStatement', this.rvbbitStatement());
    return n;
  }

  private createStatement(): CstNode {
    const n = cstNode('createStatement');
    this.consume(n, T.Create);
    if (!this.consumeIf(n, T.Temp)) this.consumeIf(n, T.Temporary);
    this.consume(n, T.Table);
    const name = cstNode('qualifiedName');
    this.consume(name, T.Name);
    while (this.consumeIf(name, T.Dot)) this.consume(name, T.Name);
    add(n, 'qualifiedName', name);
    this.consume(n, T.As);
    this.consume(n, T.Rvbbit);
    if (!this.next(T.MapKw)) throw GIVE_UP;
    add(n, 'mapBody', this.mapBody());
    return n;
  }

  /** A rule that is one token. */
  private single(rule: string, type: TokenType): CstNode {
    const n = cstNode(rule);
    this.consume(n, type);
    return n;
  }

  private output(): CstNode {
    const n = cstNode('output');
    this.consume(n, T.As);
    if (this.consumeIf(n, T.LParen)) {
      do add(n, 'columnDef', this.columnDef());
      while (this.consumeIf(n, T.Comma));
      this.consume(n, T.RParen);
    } else this.consume(n, T.Name);
    return n;
  }

  private columnDef(): CstNode {
    const n = cstNode('columnDef');
    this.consume(n, T.Name);
    const type = cstNode('typeRef');
    this.consume(type, T.Name);
    if (this.consumeIf(type, T.LParen)) {
      this.consume(type, T.NumberLiteral);
      if (this.consumeIf(type, T.Comma)) this.consume(type, T.NumberLiteral);
      this.consume(type, T.RParen);
    }
    add(n, 'typeRef', type);
    return n;
  }

  private usingClause(): CstNode {
    const n = cstNode('usingClause');
    this.consume(n, T.Using);
    this.consume(n, T.SqlBlock);
    return n;
  }

  private withClause(): CstNode {
    const n = cstNode('withClause');
    this.consume(n, T.With);
    this.consume(n, T.LParen);
    do {
      const option = cstNode('withOption');
      this.consume(option, T.Name);
      this.consume(option, T.Equals);
      const literal = cstNode('literal');
      if (this.consumeIf(literal, T.Minus)) this.consume(literal, T.NumberLiteral);
      else if (
        !this.consumeIf(literal, T.StringLiteral) &&
        !this.consumeIf(literal, T.NumberLiteral) &&
        !this.consumeIf(literal, T.True) &&
        !this.consumeIf(literal, T.False)
      ) {
        this.consume(literal, T.Null);
      }
      add(option, 'literal', literal);
      add(n, 'withOption', option);
    } while (this.consumeIf(n, T.Comma));
    this.consume(n, T.RParen);
    return n;
  }
}
