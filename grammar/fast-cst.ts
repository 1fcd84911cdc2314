/**
 * The fast path of parse(): a hand-written LL(1) reader of the grammar in
 * parser.ts that builds the CST Chevrotain's parser builds (same rule and
 * token keys, same tokens), for statements without a syntax error. On the
 * first token it does not expect it gives up (null) and the caller runs the
 * Chevrotain parser, which stays the definition of the grammar and the source
 * of every syntax error message. Chevrotain's general machinery (rule stacks,
 * lookahead functions, try/finally per rule) was a third of parse() for a
 * typical MAP. test/grammar/fast-cst.test.ts checks both agree.
 *
 * Each node's children are one object literal: fixed keys per rule, a key
 * that Chevrotain leaves out is undefined here (the AST builder reads both
 * alike). Objects grown key by key, or Chevrotain's null-prototype ones,
 * cost V8 a slow path per key.
 */
import { type CstNode, type IToken, type TokenType, tokenMatcher } from 'chevrotain';
import * as T from './tokens.js';

type Kids = (CstNode | IToken)[] | undefined;

/** Thrown (pre-built, no stack) at the first unexpected token; never escapes this module. */
const GIVE_UP = Object.freeze({ giveUp: true });

const node = (name: string, children: Record<string, Kids>): CstNode =>
  ({ name, children }) as unknown as CstNode;
const append = <C>(list: C[] | undefined, child: C): C[] => {
  if (list === undefined) return [child];
  list.push(child);
  return list;
};
const one = (child: CstNode | IToken | undefined): Kids => (child === undefined ? undefined : [child]);

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

  /** The next token, which must be of `type` (or of its category), as CONSUME. */
  private take(type: TokenType): IToken {
    if (!this.next(type)) throw GIVE_UP;
    return this.tokens[this.i++]!;
  }

  /** The next token if it is of `type`, as CONSUME inside OPTION. */
  private takeIf(type: TokenType): IToken | undefined {
    return this.next(type) ? this.tokens[this.i++] : undefined;
  }

  statement(): CstNode {
    const rvbbit = this.next(T.Rvbbit) ? this.rvbbitStatement() : undefined;
    const explain = rvbbit === undefined && this.next(T.Explain) ? this.explainStatement() : undefined;
    const create =
      rvbbit === undefined && explain === undefined && this.next(T.Create)
        ? this.createStatement()
        : undefined;
    if (!rvbbit && !explain && !create) throw GIVE_UP;
    return node('statement', {
      rvbbitStatement: one(rvbbit),
      explainStatement: one(explain),
      createStatement: one(create),
    });
  }

  private rvbbitStatement(): CstNode {
    const Rvbbit = [this.take(T.Rvbbit)];
    const map = this.next(T.MapKw) ? this.mapBody() : undefined;
    const run = map === undefined && this.next(T.Run) ? this.runBody() : undefined;
    if (!map && !run) throw GIVE_UP;
    return node('rvbbitStatement', { Rvbbit, mapBody: one(map), runBody: one(run) });
  }

  private mapBody(): CstNode {
    const mapKeyword = [this.take(T.MapKw)];
    let mapModifier: CstNode[] | undefined;
    for (let m = this.mapModifier(); m !== undefined; m = this.mapModifier())
      mapModifier = append(mapModifier, m);
    const cascadeRef = [this.cascadeRef()];
    const output = this.next(T.As) ? [this.output()] : undefined;
    const usingClause = [this.usingClause()];
    const withClause = this.next(T.With) ? [this.withClause()] : undefined;
    return node('mapBody', { Map: mapKeyword, mapModifier, cascadeRef, output, usingClause, withClause });
  }

  private mapModifier(): CstNode | undefined {
    const Parallel = this.takeIf(T.Parallel);
    const Distinct = Parallel ? undefined : this.takeIf(T.Distinct);
    const Batch = Parallel || Distinct ? undefined : this.takeIf(T.Batch);
    if (!Parallel && !Distinct && !Batch) return undefined;
    const NumberLiteral = Distinct ? undefined : [this.take(T.NumberLiteral)];
    return node('mapModifier', {
      Parallel: one(Parallel),
      Distinct: one(Distinct),
      Batch: one(Batch),
      NumberLiteral,
    });
  }

  private runBody(): CstNode {
    const Run = [this.take(T.Run)];
    const Async = one(this.takeIf(T.Async));
    const cascadeRef = [this.cascadeRef()];
    const usingClause = [this.usingClause()];
    const withClause = this.next(T.With) ? [this.withClause()] : undefined;
    return node('runBody', { Run, Async, cascadeRef, usingClause, withClause });
  }

  private explainStatement(): CstNode {
    const Explain = [this.take(T.Explain)];
    const LParen = one(this.takeIf(T.LParen));
    const Format = LParen ? [this.take(T.Format)] : undefined;
    const Text = LParen ? one(this.takeIf(T.Text)) : undefined;
    const Json = LParen && !Text ? [this.take(T.Json)] : undefined;
    const RParen = LParen ? [this.take(T.RParen)] : undefined;
    if (!this.next(T.Rvbbit)) throw GIVE_UP;
    const rvbbitStatement = [this.rvbbitStatement()];
    return node('explainStatement', { Explain, LParen, Format, Text, Json, RParen, rvbbitStatement });
  }

  private createStatement(): CstNode {
    const Create = [this.take(T.Create)];
    const Temp = one(this.takeIf(T.Temp));
    const Temporary = Temp ? undefined : one(this.takeIf(T.Temporary));
    const Table = [this.take(T.Table)];
    const qualifiedName = [this.qualifiedName()];
    const As = [this.take(T.As)];
    const Rvbbit = [this.take(T.Rvbbit)];
    if (!this.next(T.MapKw)) throw GIVE_UP;
    const mapBody = [this.mapBody()];
    return node('createStatement', { Create, Temp, Temporary, Table, qualifiedName, As, Rvbbit, mapBody });
  }

  private qualifiedName(): CstNode {
    const Name = [this.take(T.Name)];
    let Dot: IToken[] | undefined;
    for (let dot = this.takeIf(T.Dot); dot !== undefined; dot = this.takeIf(T.Dot)) {
      Dot = append(Dot, dot);
      Name.push(this.take(T.Name));
    }
    return node('qualifiedName', { Name, Dot });
  }

  private cascadeRef(): CstNode {
    return node('cascadeRef', { StringLiteral: [this.take(T.StringLiteral)] });
  }

  private output(): CstNode {
    const As = [this.take(T.As)];
    const LParen = one(this.takeIf(T.LParen));
    if (!LParen)
      return node('output', {
        As,
        LParen,
        columnDef: undefined,
        Comma: undefined,
        RParen: undefined,
        Name: [this.take(T.Name)],
      });
    const columnDef = [this.columnDef()];
    let Comma: IToken[] | undefined;
    for (let comma = this.takeIf(T.Comma); comma !== undefined; comma = this.takeIf(T.Comma)) {
      Comma = append(Comma, comma);
      columnDef.push(this.columnDef());
    }
    const RParen = [this.take(T.RParen)];
    return node('output', { As, LParen, columnDef, Comma, RParen, Name: undefined });
  }

  private columnDef(): CstNode {
    const Name = [this.take(T.Name)];
    return node('columnDef', { Name, typeRef: [this.typeRef()] });
  }

  private typeRef(): CstNode {
    const Name = [this.take(T.Name)];
    const LParen = one(this.takeIf(T.LParen));
    const NumberLiteral = LParen ? [this.take(T.NumberLiteral)] : undefined;
    const Comma = LParen ? one(this.takeIf(T.Comma)) : undefined;
    if (Comma) NumberLiteral!.push(this.take(T.NumberLiteral));
    const RParen = LParen ? [this.take(T.RParen)] : undefined;
    return node('typeRef', { Name, LParen, NumberLiteral, Comma, RParen });
  }

  private usingClause(): CstNode {
    const Using = [this.take(T.Using)];
    return node('usingClause', { Using, SqlBlock: [this.take(T.SqlBlock)] });
  }

  private withClause(): CstNode {
    const With = [this.take(T.With)];
    const LParen = [this.take(T.LParen)];
    const withOption = [this.withOption()];
    let Comma: IToken[] | undefined;
    for (let comma = this.takeIf(T.Comma); comma !== undefined; comma = this.takeIf(T.Comma)) {
      Comma = append(Comma, comma);
      withOption.push(this.withOption());
    }
    const RParen = [this.take(T.RParen)];
    return node('withClause', { With, LParen, withOption, Comma, RParen });
  }

  private withOption(): CstNode {
    const Name = [this.take(T.Name)];
    const Equals = [this.take(T.Equals)];
    return node('withOption', { Name, Equals, literal: [this.literal()] });
  }

  private literal(): CstNode {
    const StringLiteral = one(this.takeIf(T.StringLiteral));
    const Minus = StringLiteral ? undefined : one(this.takeIf(T.Minus));
    const NumberLiteral = StringLiteral
      ? undefined
      : Minus
        ? [this.take(T.NumberLiteral)]
        : one(this.takeIf(T.NumberLiteral));
    const settled = StringLiteral || NumberLiteral;
    const True = settled ? undefined : one(this.takeIf(T.True));
    const False = settled || True ? undefined : one(this.takeIf(T.False));
    const Null = settled || True || False ? undefined : [this.take(T.Null)];
    return node('literal', { StringLiteral, Minus, NumberLiteral, True, False, Null });
  }
}
