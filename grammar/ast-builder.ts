/**
 * CST → AST for RVBBIT statements. Value checks live here (ranges, duplicate
 * modifiers and keys, known types and WITH keys) so errors can name the
 * valid choices; they are collected, never thrown.
 */
import type { CstNode, IToken } from 'chevrotain';
import type * as A from './ast.js';
import { buildUsingClause, buildWithClause } from './build-clauses.js';
import {
  type BuildContext,
  type Children,
  fail,
  identifier,
  spanOfTokens,
  tok,
  tokSpan,
  unquote,
} from './build-context.js';
import { didYouMean, meaning } from './did-you-mean.js';
import { GrammarErrorCode } from './errors.js';
import { rvbbitParser } from './parser.js';
import { TYPE_NAMES } from './type-names.js';
import { MAX_BATCH, MAX_PARALLEL } from './with-options.js';

const BaseVisitor = rvbbitParser.getBaseCstVisitorConstructor<BuildContext, unknown>();

/**
 * The children of a rule's (only) node. The builder calls its methods
 * directly rather than through Chevrotain's visit(), which dispatches by
 * name on every node: direct calls are typed and cost less.
 */
const kids = (ch: Children, rule: string): Children => (ch[rule]![0] as CstNode).children as Children;

class AstBuilder extends BaseVisitor {
  constructor() {
    super();
    this.validateVisitor();
  }

  statement(ch: Children, cx: BuildContext): A.Statement {
    const stmt = ch.rvbbitStatement
      ? this.rvbbitStatement(kids(ch, 'rvbbitStatement'), cx)
      : ch.explainStatement
        ? this.explainStatement(kids(ch, 'explainStatement'), cx)
        : ch.createStatement
          ? this.createStatement(kids(ch, 'createStatement'), cx)
          : ch.insertStatement
            ? this.insertStatement(kids(ch, 'insertStatement'), cx)
            : this.copyStatement(kids(ch, 'copyStatement'), cx);
    // Set in place (the key already exists, so key order holds): copying the statement cost more.
    (stmt as { annotations: readonly A.Annotation[] }).annotations = cx.annotations;
    return stmt;
  }

  rvbbitStatement(ch: Children, cx: BuildContext): A.MapStatement | A.RunStatement {
    const start = tok(ch, 'Rvbbit').startOffset;
    cx.start = start;
    return ch.mapBody ? this.mapBody(kids(ch, 'mapBody'), cx) : this.runBody(kids(ch, 'runBody'), cx);
  }

  mapBody(ch: Children, cx: BuildContext): A.MapStatement {
    let parallel: A.ParallelModifier | null = null;
    let distinct: A.DistinctModifier | null = null;
    let batch: A.BatchModifier | null = null;
    for (const m of (ch.mapModifier ?? []) as CstNode[]) {
      const mc = m.children as Children;
      const kw = (mc.Parallel ?? mc.Distinct ?? mc.Batch)![0] as IToken;
      const word = kw.image.toUpperCase();
      const span = spanOfTokens(kw, mc.NumberLiteral ? tok(mc, 'NumberLiteral') : kw, cx);
      const seen = word === 'PARALLEL' ? parallel : word === 'DISTINCT' ? distinct : batch;
      if (seen) {
        fail(
          cx,
          GrammarErrorCode.DUPLICATE_MODIFIER,
          `${word} may appear only once (first at ${seen.span.line}:${seen.span.column})`,
          span.start,
        );
        continue;
      }
      if (word === 'DISTINCT') distinct = { kind: 'DistinctModifier', span };
      else {
        const numTok = tok(mc, 'NumberLiteral');
        const max = word === 'PARALLEL' ? MAX_PARALLEL : MAX_BATCH;
        const value = Number(numTok.image);
        if (!/^\d+$/.test(numTok.image) || value < 1 || value > max) {
          const code = word === 'PARALLEL' ? GrammarErrorCode.BAD_PARALLEL : GrammarErrorCode.BAD_BATCH;
          fail(
            cx,
            code,
            `${word} must be an integer from 1 to ${max}, got ${numTok.image}`,
            cx.base + numTok.startOffset,
          );
          continue;
        }
        if (word === 'PARALLEL') parallel = { kind: 'ParallelModifier', value, span };
        else batch = { kind: 'BatchModifier', value, span };
      }
    }
    const cascade = this.cascadeRef(kids(ch, 'cascadeRef'), cx);
    const output = ch.output ? this.output(kids(ch, 'output'), cx) : null;
    const using = this.usingClause(kids(ch, 'usingClause'), cx);
    cx.forRun = false;
    const withClause = ch.withClause ? this.withClause(kids(ch, 'withClause'), cx) : null;
    const resultColumn = withClause?.options.find((o) => o.key === 'result_column');
    if (resultColumn && output) {
      const message = 'result_column cannot be combined with AS (both name the result)';
      fail(cx, GrammarErrorCode.CONFLICTING_OPTION, message, resultColumn.span.start);
    }
    const inferSchema = withClause?.options.find((o) => o.key === 'infer_schema');
    if (inferSchema?.value === true && (output || resultColumn)) {
      const named = output ? 'AS' : 'result_column';
      const message = `infer_schema = TRUE cannot be combined with ${named} (both say what the result columns are)`;
      fail(cx, GrammarErrorCode.CONFLICTING_OPTION, message, inferSchema.span.start);
    }
    const end = (withClause ?? using).span.end;
    const span = cx.index.span(cx.base + cx.start, end);
    return {
      kind: 'MapStatement',
      annotations: [],
      parallel,
      distinct,
      batch,
      cascade,
      output,
      using,
      with: withClause,
      span,
    };
  }

  mapModifier(): void {}

  runBody(ch: Children, cx: BuildContext): A.RunStatement {
    const cascade = this.cascadeRef(kids(ch, 'cascadeRef'), cx);
    const using = this.usingClause(kids(ch, 'usingClause'), cx);
    cx.forRun = true;
    const withClause = ch.withClause ? this.withClause(kids(ch, 'withClause'), cx) : null;
    const span = cx.index.span(cx.base + cx.start, (withClause ?? using).span.end);
    return {
      kind: 'RunStatement',
      annotations: [],
      async: ch.Async !== undefined,
      cascade,
      using,
      with: withClause,
      span,
    };
  }

  explainStatement(ch: Children, cx: BuildContext): A.ExplainStatement {
    const target = this.rvbbitStatement(kids(ch, 'rvbbitStatement'), cx);
    const format = ch.Text ? 'TEXT' : ch.Json ? 'JSON' : null;
    const span = cx.index.span(cx.base + tok(ch, 'Explain').startOffset, target.span.end);
    return { kind: 'ExplainStatement', annotations: [], format, target, span };
  }

  createStatement(ch: Children, cx: BuildContext): A.CreateTableAsStatement {
    const table = this.qualifiedName(kids(ch, 'qualifiedName'), cx);
    const start = tok(ch, 'Rvbbit').startOffset;
    cx.start = start;
    const map = this.mapBody(kids(ch, 'mapBody'), cx);
    const span = cx.index.span(cx.base + tok(ch, 'Create').startOffset, map.span.end);
    const temporary = ch.Temp !== undefined || ch.Temporary !== undefined;
    refuseAsTable(map, 'CREATE TABLE … AS (the table is already named)', cx);
    return { kind: 'CreateTableAsStatement', annotations: [], temporary, table, map, span };
  }

  insertStatement(ch: Children, cx: BuildContext): A.InsertMapStatement {
    const table = this.qualifiedName(kids(ch, 'qualifiedName'), cx);
    cx.start = tok(ch, 'Rvbbit').startOffset;
    const map = this.mapBody(kids(ch, 'mapBody'), cx);
    const span = cx.index.span(cx.base + tok(ch, 'Insert').startOffset, map.span.end);
    const columns = ch.LParen ? ((ch.Name ?? []) as IToken[]).map((t) => identifier(t, cx)) : null;
    const seen = new Set<string>();
    for (const c of columns ?? []) {
      const key = c.name.toLowerCase();
      if (seen.has(key))
        fail(cx, GrammarErrorCode.DUPLICATE_COLUMN, `column ${c.name} is named twice`, c.span.start);
      seen.add(key);
    }
    refuseAsTable(map, 'INSERT INTO (the table is already named)', cx);
    return { kind: 'InsertMapStatement', annotations: [], table, columns, map, span };
  }

  copyStatement(ch: Children, cx: BuildContext): A.CopyMapStatement {
    cx.start = tok(ch, 'Rvbbit').startOffset;
    const map = this.mapBody(kids(ch, 'mapBody'), cx);
    const file = tok(ch, 'StringLiteral');
    const path = unquote(file.image);
    if (path.trim() === '')
      fail(cx, GrammarErrorCode.UNEXPECTED_TOKEN, 'COPY … TO needs a file name', cx.base + file.startOffset);
    const block = ch.CopyOptions ? tok(ch, 'CopyOptions') : undefined;
    if (block && !(block.payload as { closed: boolean }).closed)
      fail(
        cx,
        GrammarErrorCode.UNBALANCED_PAREN,
        "unbalanced parentheses in COPY's options: this '(' is never closed",
        cx.base + block.startOffset,
      );
    const last = block ?? file;
    const span = spanOfTokens(tok(ch, 'Copy'), last, cx);
    refuseAsTable(map, 'COPY … TO (the rows go to a file)', cx);
    return {
      kind: 'CopyMapStatement',
      annotations: [],
      map,
      path,
      pathSpan: tokSpan(file, cx),
      options: block?.image ?? null,
      span,
    };
  }

  qualifiedName(ch: Children, cx: BuildContext): A.Identifier[] {
    return ((ch.Name ?? []) as IToken[]).map((t) => identifier(t, cx));
  }

  cascadeRef(ch: Children, cx: BuildContext): A.CascadeRef {
    const t = tok(ch, 'StringLiteral');
    const value = unquote(t.image);
    if (value.trim() === '')
      fail(cx, GrammarErrorCode.MISSING_CASCADE, 'the cascade reference is empty', cx.base + t.startOffset);
    return { kind: 'CascadeRef', value, span: tokSpan(t, cx) };
  }

  output(ch: Children, cx: BuildContext): A.ResultColumn | A.TypedColumns {
    const span = cx.index.span(cx.base + tok(ch, 'As').startOffset, 0);
    if (ch.Name) {
      const name = identifier(ch.Name[0] as IToken, cx);
      return { kind: 'ResultColumn', name, span: { ...span, end: name.span.end } };
    }
    const columns = ((ch.columnDef ?? []) as CstNode[]).map((c) =>
      this.columnDef(c.children as Children, cx),
    );
    const seen = new Set<string>();
    for (const c of columns) {
      const key = c.name.name.toLowerCase();
      if (seen.has(key))
        fail(cx, GrammarErrorCode.DUPLICATE_COLUMN, `column ${c.name.name} is defined twice`, c.span.start);
      seen.add(key);
    }
    return {
      kind: 'TypedColumns',
      columns,
      span: { ...span, end: cx.base + tok(ch, 'RParen').startOffset + 1 },
    };
  }

  columnDef(ch: Children, cx: BuildContext): A.ColumnDef {
    const name = identifier(tok(ch, 'Name'), cx);
    const type = this.typeRef(kids(ch, 'typeRef'), cx);
    return { kind: 'ColumnDef', name, type, span: cx.index.span(name.span.start, type.span.end) };
  }

  typeRef(ch: Children, cx: BuildContext): A.TypeRef {
    const t = tok(ch, 'Name');
    const name = t.image.toUpperCase();
    const nums = (ch.NumberLiteral ?? []) as IToken[];
    const last = ch.RParen ? tok(ch, 'RParen') : t;
    const span = cx.index.span(cx.base + t.startOffset, cx.base + last.startOffset + last.image.length);
    if (t.tokenType.name === 'QuotedIdentifier' || !(TYPE_NAMES as readonly string[]).includes(name)) {
      fail(
        cx,
        GrammarErrorCode.UNKNOWN_TYPE,
        `unknown type ${t.image}; valid types: ${TYPE_NAMES.join(', ')}${meaning(didYouMean(t.image, TYPE_NAMES))}`,
        span.start,
      );
    } else if (nums.length > 0 && name !== 'DECIMAL') {
      fail(
        cx,
        GrammarErrorCode.BAD_TYPE_ARGS,
        `${name} takes no arguments (only DECIMAL(p, s) does)`,
        span.start,
      );
    }
    const [p, s] = nums.map((n) => Number(n.image));
    if (
      p !== undefined &&
      (!Number.isInteger(p) || p < 1 || p > 38 || (s !== undefined && (!Number.isInteger(s) || s > p)))
    ) {
      fail(cx, GrammarErrorCode.BAD_TYPE_ARGS, 'DECIMAL(p, s) needs 1 ≤ p ≤ 38 and 0 ≤ s ≤ p', span.start);
    }
    return { kind: 'TypeRef', name, precision: p ?? null, scale: s ?? null, span };
  }

  usingClause(ch: Children, cx: BuildContext): A.UsingClause {
    return buildUsingClause(ch, cx);
  }

  withClause(ch: Children, cx: BuildContext): A.WithClause {
    return buildWithClause(ch, cx);
  }

  withOption(): void {}
  literal(): void {}
}

/** `WITH (as_table = …)` names a table the statement around the MAP already says where its rows go. */
function refuseAsTable(map: A.MapStatement, why: string, cx: BuildContext): void {
  if (map.with?.options.some((o) => o.key === 'as_table'))
    fail(cx, GrammarErrorCode.CONFLICTING_OPTION, `as_table cannot be used with ${why}`, map.with.span.start);
}

/** The shared builder (validated once against the parser's rules). */
export const astBuilder = new AstBuilder();
