/**
 * `CREATE [OR REPLACE] SEMANTIC FUNCTION` and `DROP SEMANTIC FUNCTION [IF
 * EXISTS]`: a semantic operator defined in SQL (docs/semantic-sql.md, "Your
 * own operators in SQL"). Read from the statement cutter's tokens (split.ts),
 * as passthrough SQL is, because the bodies are SQL strings of every kind
 * (`'…'` with `''`, `$$…$$`, `$tag$…$tag$`) that the scanner already reads.
 * Only the shape is read here; what the words mean (types, the template,
 * clashes with other operators) is checked when the statement runs
 * (src/plan/sql-function-definition.ts), with positions into this text.
 *
 *   CREATE [OR REPLACE] SEMANTIC FUNCTION name ( [arg type [, …]] ) RETURNS type
 *     [OPERATOR 'WORD'] [WITH ( key = value [, …] )] AS 'template'
 *   CREATE [OR REPLACE] SEMANTIC FUNCTION name CASCADE AS $$ cascade YAML $$
 *   DROP SEMANTIC FUNCTION [IF EXISTS] name
 */
import type { Annotation } from './annotation-node.js';
import { GrammarErrorCode } from './errors.js';
import type { SemanticError } from './semantic-ops.js';
import type { LineIndex, Span } from './span.js';
import { SqlTok, type SqlToken } from './sql-scan.js';

/** A piece of the statement's text: `text` as written (a string's content unquoted), where it starts. */
export interface SourceText {
  readonly text: string;
  readonly span: Span;
}

export interface SemanticFunctionArg {
  readonly name: SourceText;
  /** The type as written (`VARCHAR`, `DECIMAL(10, 2)`, `VARCHAR[]`). */
  readonly type: SourceText;
}

export interface WithValue {
  readonly key: SourceText;
  /** A string's content, a number, TRUE/FALSE, or NULL. */
  readonly value: string | number | boolean | null;
  readonly span: Span;
}

export interface CreateSemanticFunctionStatement {
  readonly kind: 'CreateSemanticFunctionStatement';
  readonly annotations: readonly Annotation[];
  readonly orReplace: boolean;
  /** Lower-cased unless written in double quotes. */
  readonly name: SourceText;
  /** null for the CASCADE form (the YAML's sql_function says its args). */
  readonly args: readonly SemanticFunctionArg[] | null;
  readonly returns: SourceText | null;
  readonly operator: SourceText | null;
  readonly options: readonly WithValue[];
  /** The prompt template, or the whole cascade's YAML (CASCADE): the string's content, its span the content's. */
  readonly body: SourceText;
  readonly cascade: boolean;
  /** The statement's exact source. */
  readonly text: string;
  readonly span: Span;
}

export interface DropSemanticFunctionStatement {
  readonly kind: 'DropSemanticFunctionStatement';
  readonly annotations: readonly Annotation[];
  readonly ifExists: boolean;
  readonly name: SourceText;
  /** The statement's exact source. */
  readonly text: string;
  readonly span: Span;
}

/** True when the tokens start `CREATE [OR REPLACE] SEMANTIC FUNCTION` or `DROP SEMANTIC FUNCTION`. */
export function isSemanticFunctionStatement(text: string, toks: readonly SqlToken[]): boolean {
  const w = (i: number) => {
    const t = toks[i];
    return t && t.type === SqlTok.Word ? text.slice(t.start, t.end).toUpperCase() : '';
  };
  if (w(0) === 'DROP') return w(1) === 'SEMANTIC' && w(2) === 'FUNCTION';
  if (w(0) !== 'CREATE') return false;
  const at = w(1) === 'OR' && w(2) === 'REPLACE' ? 3 : 1;
  return w(at) === 'SEMANTIC' && w(at + 1) === 'FUNCTION';
}

class Fail {
  constructor(readonly error: SemanticError) {}
}

/** Parses one CREATE/DROP SEMANTIC FUNCTION statement (isSemanticFunctionStatement said it is one). */
export function parseSemanticFunction(
  index: LineIndex,
  toks: readonly SqlToken[],
  annotations: readonly Annotation[],
): CreateSemanticFunctionStatement | DropSemanticFunctionStatement | SemanticError[] {
  const text = index.text;
  const end = toks[toks.length - 1]!.end;
  let i = 0;
  const peek = () => toks[i];
  const wordAt = (t: SqlToken | undefined) =>
    t && t.type === SqlTok.Word ? text.slice(t.start, t.end).toUpperCase() : '';
  const found = (t: SqlToken | undefined) => (t ? `'${text.slice(t.start, t.end).slice(0, 40)}'` : 'the end');
  const fail = (what: string): never => {
    const t = peek();
    throw new Fail({
      code: t ? GrammarErrorCode.UNEXPECTED_TOKEN : GrammarErrorCode.UNEXPECTED_END,
      message: `expected ${what} but found ${found(t)}`,
      offset: t ? t.start : end,
    });
  };
  const isWord = (w: string) => wordAt(peek()) === w;
  const accept = (w: string) => {
    if (!isWord(w)) return false;
    i++;
    return true;
  };
  const expect = (w: string) => {
    if (!accept(w)) fail(w);
  };
  const source = (from: number, to: number): SourceText => ({
    text: text.slice(from, to),
    span: index.span(from, to),
  });
  const name = (what: string): SourceText => {
    const t = peek();
    if (t?.type === SqlTok.Word) {
      i++;
      return { text: text.slice(t.start, t.end).toLowerCase(), span: index.span(t.start, t.end) };
    }
    if (t?.type === SqlTok.QuotedIdent && text[t.start] === '"') {
      i++;
      return {
        text: text.slice(t.start + 1, t.end - 1).replace(/""/g, '"'),
        span: index.span(t.start, t.end),
      };
    }
    return fail(what);
  };
  const string = (what: string): SourceText => {
    const t = peek();
    if (t?.type !== SqlTok.String) return fail(what);
    i++;
    const raw = text.slice(t.start, t.end);
    if (raw.startsWith('$')) {
      const tag = raw.slice(0, raw.indexOf('$', 1) + 1);
      return source(t.start + tag.length, t.end - tag.length);
    }
    if (raw.startsWith("'")) {
      const inner = source(t.start + 1, t.end - 1);
      return { ...inner, text: inner.text.replace(/''/g, "'") };
    }
    return fail(`${what} (a '…' or $$…$$ string)`);
  };
  /** Tokens of a type up to a stop at depth 0 (`,` `)` in an arg list; OPERATOR, WITH, AS after RETURNS). */
  const typeUntil = (stop: (t: SqlToken) => boolean): SourceText => {
    const first = peek();
    let depth = 0;
    let last: SqlToken | undefined;
    for (let t = peek(); t; t = peek()) {
      if (depth === 0 && stop(t)) break;
      if (t.type === SqlTok.LParen || t.type === SqlTok.LBracket) depth++;
      if (t.type === SqlTok.RParen || t.type === SqlTok.RBracket) {
        if (depth === 0) break;
        depth--;
      }
      last = t;
      i++;
    }
    if (!first || !last) return fail('a type');
    return source(first.start, last.end);
  };
  try {
    const head = wordAt(peek());
    i++;
    if (head === 'DROP') {
      expect('SEMANTIC');
      expect('FUNCTION');
      let ifExists = false;
      if (accept('IF')) {
        expect('EXISTS');
        ifExists = true;
      }
      const fn = name('a function name');
      if (peek()) fail('the end of the statement');
      return {
        kind: 'DropSemanticFunctionStatement',
        annotations,
        ifExists,
        name: fn,
        text: text.slice(toks[0]!.start, end),
        span: index.span(toks[0]!.start, end),
      };
    }
    let orReplace = false;
    if (accept('OR')) {
      expect('REPLACE');
      orReplace = true;
    }
    expect('SEMANTIC');
    expect('FUNCTION');
    const fn = name('a function name');
    const base = { kind: 'CreateSemanticFunctionStatement' as const, annotations, orReplace, name: fn };
    if (accept('CASCADE')) {
      expect('AS');
      const body = string('the cascade YAML');
      if (peek()) fail('the end of the statement');
      return {
        ...base,
        args: null,
        returns: null,
        operator: null,
        options: [],
        body,
        cascade: true,
        text: text.slice(toks[0]!.start, end),
        span: index.span(toks[0]!.start, end),
      };
    }
    if (peek()?.type !== SqlTok.LParen) fail("'(' and the arguments, or CASCADE");
    i++;
    const args: SemanticFunctionArg[] = [];
    while (peek()?.type !== SqlTok.RParen) {
      if (args.length > 0) {
        if (peek()?.type !== SqlTok.Comma) fail("',' or ')'");
        i++;
      }
      const argName = name('an argument name');
      const type = typeUntil((t) => t.type === SqlTok.Comma);
      args.push({ name: argName, type });
    }
    i++;
    expect('RETURNS');
    const clause = (t: SqlToken) => ['OPERATOR', 'WITH', 'AS'].includes(wordAt(t));
    const returns = typeUntil(clause);
    let operator: SourceText | null = null;
    const options: WithValue[] = [];
    let sawWith = false;
    for (;;) {
      if (!operator && accept('OPERATOR')) operator = string('the operator word');
      else if (!sawWith && accept('WITH')) {
        sawWith = true;
        options.push(...withOptions());
      } else break;
    }
    if (!isWord('AS')) fail(operator ? (sawWith ? 'AS' : 'WITH or AS') : 'OPERATOR, WITH or AS');
    i++;
    const body = string('the prompt');
    if (peek()) fail('the end of the statement');
    return {
      ...base,
      args,
      returns,
      operator,
      options,
      body,
      cascade: false,
      text: text.slice(toks[0]!.start, end),
      span: index.span(toks[0]!.start, end),
    };
  } catch (err) {
    if (err instanceof Fail) return [err.error];
    throw err;
  }

  function withOptions(): WithValue[] {
    if (peek()?.type !== SqlTok.LParen) fail("'(' after WITH");
    i++;
    const out: WithValue[] = [];
    while (peek()?.type !== SqlTok.RParen) {
      if (out.length > 0) {
        if (peek()?.type !== SqlTok.Comma) fail("',' or ')'");
        i++;
      }
      const key = name('an option name (model, shape, description, cache, on_invalid)');
      const eq = peek();
      if (eq?.type !== SqlTok.Op || text.slice(eq.start, eq.end) !== '=') fail("'='");
      i++;
      const t = peek();
      let value: WithValue['value'];
      if (t?.type === SqlTok.String) value = string('a value').text;
      else if (t?.type === SqlTok.Number) {
        value = Number(text.slice(t.start, t.end));
        i++;
      } else if (['TRUE', 'FALSE', 'NULL'].includes(wordAt(t))) {
        value = wordAt(t) === 'NULL' ? null : wordAt(t) === 'TRUE';
        i++;
      } else return fail('a value (a string, number, TRUE, FALSE or NULL)');
      out.push({ key, value, span: index.span(key.span.start, toks[i - 1]!.end) });
    }
    i++;
    return out;
  }
}
