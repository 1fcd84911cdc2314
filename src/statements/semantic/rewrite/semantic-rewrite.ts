/**
 * The rewrite: every semantic construct of a statement becomes a call of a
 * registered DuckDB function, spliced by span, innermost first, so nested
 * operators (`LLM_SUMMARIZE(x) MEANS 'y'`) compose:
 *   a MEANS b                 → rvbbit_semantic_means(<stmt>, a, b)
 *   a NOT MEANS b, a !~ b     → (NOT rvbbit_semantic_means(<stmt>, a, b)), (NOT rvbbit_semantic_same(…))
 *   WHERE a ABOUT b           → (rvbbit_semantic_about(<stmt>, a, b) > 0.5)   (bare, in a predicate)
 *   ORDER BY a RELEVANCE TO b → rvbbit_semantic_about(<stmt>, a, b) DESC
 *   x SEMANTIC JOIN t ON …    → x JOIN t ON …   (the ~ inside is an operator like any other)
 *   LLM_SUMMARIZE(a)          → rvbbit_llm_summarize(<stmt>, list((a)::VARCHAR), NULL)
 *   TOPICS(a, 5)              → rvbbit_topics(<stmt>, (a)::VARCHAR, 5, NULL)   (a dimension: a label per row)
 *   LLM('p', a RETURNING INTEGER)
 *                             → json_transform_strict(rvbbit_llm(<stmt>, 'p', <a labelled>, '{"type":"integer"}'), '"INTEGER"')
 * `<stmt>` is the statement's token: the function finds the statement's state by it.
 */

import { RvbbitError } from '../../../../base/errors.js';
import {
  mayBeAliased,
  RELEVANCE_FUNCTION,
  type SqlStatement,
  SqlTok,
  type SqlToken,
  scanSql,
  selectItems,
} from '../../../../grammar/index.js';
import type { UserText } from '../../../db/duckdb-error.js';
import {
  type OperatorCatalog,
  operatorLoadError,
  type SemanticFunction,
} from '../../../plan/operator-catalog.js';
import { declaredTree, numberLiteral, type ReturningType, returningType } from './returning-type.js';

/** One place the rewrite put a function call, for EXPLAIN and error positions. */
export interface CallSite {
  readonly kind: 'operator' | 'relevance' | 'aggregate' | 'dimension';
  /** MEANS, ~, RELEVANCE TO, LLM_SUMMARIZE … */
  readonly word: string;
  readonly fn: SemanticFunction;
  readonly clause: string;
  readonly line: number;
  readonly column: number;
  /** A pair predicate (`~`, `LLM_FILTER('…', a, b)`, `(a, b) MEANS '…'`): a prefilter chooses its pairs. */
  readonly pair?: true;
  /** A function call's arguments written as string literals: their values and where (checked once its cascade loads). */
  readonly literals?: readonly StringArg[];
}

/** An argument written as a string literal: the arg it fills, its value, and where it is. */
export interface StringArg {
  readonly arg: string;
  readonly value: string;
  readonly line: number;
  readonly column: number;
}

export interface Rewritten {
  readonly sql: string;
  readonly sites: readonly CallSite[];
  /** How many pair predicates the statement has (see RewriteHooks.wrap): a prefilter applies to them. */
  readonly pairPredicates: number;
  /** How many relevance orders the statement has that a prefilter applies to (see RewriteHooks.rank). */
  readonly rankedOrders: number;
  /** What the user wrote, where it starts in their input, and where an offset of `sql` came from in it. */
  readonly user: UserText;
}

/** A stretch of the rewritten SQL: kept verbatim from the user's text, or a rewritten construct. */
interface Piece {
  readonly at: number;
  readonly from: number;
  readonly verbatim: boolean;
}

/** Text of a span of the statement, with every construct inside it already rewritten. */
export type SpanText = (s: number, e: number) => string;
type OperatorCall = SqlStatement['operators'][number];
type FunctionCall = SqlStatement['aggregates'][number];

/** Constructs another module rewrites (embeddings: embed-rewrite.ts). */
export interface RewriteHooks {
  /** The SQL of an operator the hook owns (SIMILAR_TO), or undefined for a catalog operator. */
  operator?(op: OperatorCall): ((text: SpanText) => string) | undefined;
  /**
   * Wraps a pair predicate's SQL (the prefilter): `a ~ b`, a BOOLEAN operator
   * over a two-value tuple (`(a, b) MEANS '…'`), a BOOLEAN function over two
   * values (`LLM_FILTER('…', a, b)`). `pair` is the two values' SQL.
   */
  wrap?(pair: readonly [string, string], sql: string): string;
  /**
   * Wraps a relevance order's score (the prefilter): the first ORDER BY key,
   * descending, `a RELEVANCE TO q` or `ABOUT(a, q) DESC`. `pair` is [a, q]'s SQL.
   */
  rank?(pair: readonly [string, string], sql: string): string;
  /** The SQL of a function call the hook owns (EMBED, VECTOR_SEARCH), or undefined. */
  call?(a: FunctionCall): ((text: SpanText) => string) | undefined;
}

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly render: (text: (s: number, e: number) => string) => string;
}

/** The DuckDB name of a semantic function: prefixed so it never shadows a user's macro. */
export const registeredName = (fn: string): string => `rvbbit_${fn}`;

export function rewriteSemantic(
  stmt: SqlStatement,
  catalog: OperatorCatalog,
  token: number,
  threshold: number,
  hooks?: RewriteHooks,
): Rewritten {
  const base = stmt.span.start;
  const sites: CallSite[] = [];
  const edits: Edit[] = [];
  let pairPredicates = 0;
  let rankedOrders = 0;
  const order = orderKeys(stmt);
  const rank = (pair: readonly [string, string], sql: string) => (hooks?.rank ? hooks.rank(pair, sql) : sql);
  const wrapPair = (pair: readonly [string, string], sql: string) =>
    hooks?.wrap ? hooks.wrap(pair, sql) : sql;
  const fnFor = (name: string, at: { line: number; column: number }, word: string): SemanticFunction => {
    const fn = catalog.functions.get(name);
    if (fn) return fn;
    // Its operator file was skipped at engine start: the statement fails with that file's error.
    const unloaded = catalog.unloaded.get(name);
    if (unloaded) throw operatorLoadError(unloaded, word);
    throw new RvbbitError('SEMANTIC_NO_FUNCTION', `${word}: no cascade defines sql_function '${name}'`, at);
  };
  const call = (fn: SemanticFunction, args: string[]) =>
    `${registeredName(fn.name)}(${token}, ${args.join(', ')})`;
  /** What the user wrote for a span (a label), one line. */
  const source = (span: { start: number; end: number }): string =>
    stmt.text
      .slice(span.start - base, span.end - base)
      .replace(/\s+/g, ' ')
      .trim();

  for (const op of stmt.operators) {
    // larsql's `a NOT MEANS b` and `a !~ b`: the operator's answer, negated in SQL (its calls are the same).
    const negate = (sql: string) => (op.negated ? `(NOT ${sql})` : sql);
    const own = hooks?.operator?.(op);
    if (own) {
      edits.push({ start: op.span.start, end: op.span.end, render: (text) => negate(own(text)) });
      continue;
    }
    const fn = fnFor(op.functionName, op.span, op.operator);
    const bare =
      op.comparison === null &&
      fn.sql.returns === 'DOUBLE' &&
      (op.clause === 'where' || op.clause === 'having' || op.clause === 'join_on');
    const sourceParts = tupleParts(source(op.left.span));
    const pair = op.operator === '~' || (fn.sql.returns === 'BOOLEAN' && sourceParts?.length === 2);
    if (pair) pairPredicates++;
    sites.push({
      kind: 'operator',
      word: op.operator,
      fn,
      clause: op.clause,
      ...pos(op.span),
      ...(pair ? { pair } : {}),
    });
    edits.push({
      start: op.span.start,
      end: op.span.end,
      render: (text) => {
        // `(a, b) MEANS '…'`: a tuple on the left reaches the cascade as its values, labelled.
        const left = text(op.left.span.start, op.left.span.end);
        const parts = tupleParts(left);
        const c = call(fn, [
          parts ? labelledInputs(parts, tupleParts(source(op.left.span)) ?? parts) : left,
          text(op.right.span.start, op.right.span.end),
        ]);
        const sql = bare ? `(${c} > ${threshold})` : c;
        if (!pair || (op.operator !== '~' && parts?.length !== 2)) return negate(sql);
        const right = text(op.right.span.start, op.right.span.end);
        return negate(wrapPair(op.operator === '~' ? [left, right] : (parts as [string, string]), sql));
      },
    });
  }
  for (const r of stmt.relevance) {
    const fn = fnFor(r.functionName, r.span, 'RELEVANCE TO');
    sites.push({ kind: 'relevance', word: 'RELEVANCE TO', fn, clause: 'order_by', ...pos(r.span) });
    const ranked = r.direction === 'DESC' && order.firstKey(r.span.start);
    if (ranked) rankedOrders++;
    edits.push({
      start: r.span.start,
      end: r.span.end,
      render: (text) => {
        const pair = [
          text(r.left.span.start, r.left.span.end),
          text(r.right.span.start, r.right.span.end),
        ] as const;
        const score = call(fn, [...pair]);
        return `${ranked ? rank(pair, score) : score} ${r.direction}`;
      },
    });
  }
  for (const a of stmt.aggregates) {
    const own = hooks?.call?.(a);
    if (own) {
      edits.push({ start: a.span.start, end: a.span.end, render: own });
      continue;
    }
    const fn = fnFor(a.functionName, a.span, a.name);
    // A dimension labels each row (a scalar call, grouped by DuckDB); an aggregate reads a group's list;
    // a scalar function called by name (`TIDY(x)`) is an operator by another spelling.
    const { shape } = fn.sql;
    // `LLM_FILTER('…', a, b)`: a BOOLEAN function over exactly two values is a pair predicate.
    const pairCall =
      shape === 'scalar' &&
      fn.sql.returns === 'BOOLEAN' &&
      fn.sql.returning === undefined &&
      fn.sql.args.at(-1)?.variadic === true &&
      a.args.length - (fn.sql.args.length - 1) === 2;
    if (pairCall) pairPredicates++;
    // `ORDER BY ABOUT(a, q) DESC`: the function form of a relevance order.
    const rankedCall =
      fn.name === RELEVANCE_FUNCTION &&
      a.args.length === 2 &&
      order.firstKey(a.span.start) &&
      order.descendingAfter(a.span.end);
    if (rankedCall) rankedOrders++;
    const literals = a.args.flatMap((x, i): StringArg[] => {
      const arg = fn.sql.args[i];
      const m = /^'((?:[^']|'')*)'$/s.exec(source(x.span));
      return arg && !arg.variadic && m
        ? [{ arg: arg.name, value: m[1]!.replace(/''/g, "'"), ...pos(x.span) }]
        : [];
    });
    sites.push({
      kind: shape === 'scalar' ? 'operator' : shape,
      word: a.name,
      fn,
      clause: shape === 'scalar' ? 'call' : 'select',
      ...pos(a.span),
      ...(pairCall ? { pair: true as const } : {}),
      ...(literals.length > 0 ? { literals } : {}),
    });
    edits.push({
      start: a.span.start,
      end: a.span.end,
      render: (text) => {
        const [first, ...rest] = a.args.map((x) => text(x.span.start, x.span.end));
        const head =
          shape === 'scalar'
            ? first!
            : shape === 'dimension'
              ? `(${first})::VARCHAR`
              : `list((${first})::VARCHAR)`;
        let args = [head, ...rest];
        const variadic = fn.sql.args.at(-1)?.variadic ? fn.sql.args.length - 1 : -1;
        const values = variadic >= 0 ? args.slice(variadic) : [];
        if (variadic >= 0 && args.length > variadic) {
          // The variadic tail: one labelled text (LLM_FILTER('…', r1.text, r2.text)).
          const labels = a.args.slice(variadic).map((x) => source(x.span));
          args = [...args.slice(0, variadic), labelledInputs(args.slice(variadic), labels)];
        }
        // An optional argument left out is NULL here; the function gives it its default (register-functions.ts).
        while (args.length < fn.sql.args.length) args.push('NULL');
        if (rankedCall) return rank([head!, rest[0]!], call(fn, args));
        if (fn.sql.returning === undefined)
          return pairCall ? wrapPair(values as [string, string], call(fn, args)) : call(fn, args);
        // A typed function (LLM … RETURNING type, LLM_SCORE): the chosen type's schema is its last
        // argument, and its JSON answer is read back as that type, so a wrong one fails, never NULLs.
        const type = chosenType(fn, a, (i) => source(a.args[i]!.span));
        return `json_transform_strict(${call(fn, [...args, sqlString(JSON.stringify(type.schema))])}, ${sqlString(JSON.stringify(type.structure))})`;
      },
    });
  }
  for (const j of stmt.joins)
    edits.push({ start: j.semanticSpan.start, end: j.semanticSpan.end, render: () => '' });
  edits.push(...columnNames(stmt, edits));

  edits.sort((x, y) => x.start - y.start || y.end - x.end);
  const src = stmt.text;
  // Text of [s, e) with every outermost edit inside replaced; edits render their operands the same way.
  // `pieces`, at the top level only, records where each stretch of the output came from.
  const text = (s: number, e: number, pieces?: Piece[]): string => {
    let out = '';
    let at = s;
    for (const ed of edits) {
      if (ed.start < at || ed.end > e || ed.start < s) continue;
      // A column name is added after a whole SELECT item: never inside a construct's operand.
      if (ed.start === ed.end && !pieces) continue;
      pieces?.push({ at: out.length, from: at - base, verbatim: true });
      out += src.slice(at - base, ed.start - base);
      pieces?.push({ at: out.length, from: ed.start - base, verbatim: false });
      out += ed.render(text);
      at = ed.end;
    }
    pieces?.push({ at: out.length, from: at - base, verbatim: true });
    return out + src.slice(at - base, e - base);
  };
  const pieces: Piece[] = [];
  const sql = text(base, base + src.length, pieces);
  const offsetOf = (o: number): number => {
    let p = pieces[0]!;
    for (const q of pieces) if (q.at <= o) p = q;
    return p.verbatim ? Math.min(p.from + (o - p.at), src.length) : p.from;
  };
  return {
    sql,
    sites,
    pairPredicates,
    rankedOrders,
    user: { text: src, line: stmt.span.line, column: stmt.span.column, offsetOf },
  };
}

/**
 * `AS "<what the user wrote>"` after every SELECT item that holds a rewritten
 * construct and has no alias: the column is named `LLM_SCORE(review, 'r', 1, 5)`,
 * as written, not after the call DuckDB runs (which carries the statement's
 * token, so it would change from run to run).
 */
function columnNames(stmt: SqlStatement, constructs: readonly Edit[]): Edit[] {
  const base = stmt.span.start;
  const names: Edit[] = [];
  for (const item of selectItems(stmt.text)) {
    const [start, end] = [item.start + base, item.end + base];
    const inside = constructs.filter((ed) => ed.start >= start && ed.end <= end && ed.end > ed.start);
    if (inside.length === 0) continue;
    const after = Math.max(...inside.map((ed) => ed.end)) - base;
    if (mayBeAliased(stmt.text, item, after)) continue;
    // The item's tokens as written, comments dropped and any run of space made one.
    let name = '';
    item.tokens.forEach((t, i) => {
      if (i > 0 && t.start > item.tokens[i - 1]!.end) name += ' ';
      name += stmt.text.slice(t.start, t.end);
    });
    const alias = ` AS "${name.replace(/"/g, '""')}"`;
    names.push({ start: end, end, render: () => alias });
  }
  return names;
}

const sqlString = (t: string): string => `'${t.replace(/'/g, "''")}'`;

/**
 * The type a typed function's call returns: what RETURNING says, else the
 * cascade's `returns`; with a `range`, the bounds written in the call (number
 * literals) become the schema's minimum and maximum, and an INTEGER answer
 * becomes DOUBLE when a bound is not a whole number (LLM_SCORE(t, 'r', 0, 1.5)).
 */
export function chosenType(
  fn: SemanticFunction,
  a: FunctionCall,
  written: (arg: number) => string,
): ReturningType {
  let tree = a.returning?.type ?? declaredTree(fn.sql.returns);
  const { range } = fn.sql;
  if (!range) return returningType(tree);
  const [lo, hi] = range.map((name) => {
    const i = fn.sql.args.findIndex((x) => x.name === name);
    const text = i < a.args.length ? written(i) : '';
    const n = numberLiteral(text);
    if (!n) {
      const at = a.args[i]?.span ?? a.span;
      throw new RvbbitError(
        'SEMANTIC_BAD_RETURNING',
        `${a.name}: ${name} must be a number literal (the bounds are part of the answer's schema), got ${text === '' ? 'nothing' : text}`,
        { line: at.line, column: at.column },
      );
    }
    return n;
  }) as [{ value: number; integer: boolean }, { value: number; integer: boolean }];
  if (lo.value >= hi.value) {
    throw new RvbbitError(
      'SEMANTIC_BAD_RETURNING',
      `${a.name}: ${range[0]} (${lo.value}) must be below ${range[1]} (${hi.value})`,
      { line: a.span.line, column: a.span.column },
    );
  }
  if (!a.returning && tree.kind === 'scalar' && tree.family === 'integer' && !(lo.integer && hi.integer))
    tree = { kind: 'scalar', family: 'double' };
  try {
    return returningType(tree, { min: lo.value, max: hi.value });
  } catch (err) {
    if (err instanceof RvbbitError) throw new RvbbitError(err.code, `${a.name}: ${err.message}`, pos(a.span));
    throw err;
  }
}

/**
 * Values as one text for a cascade, each on its own line labelled with the
 * expression it came from: `<input name="r1.text">…</input>`. A NULL value
 * makes the whole text NULL, so the call answers NULL without a model, as
 * every operator does for a NULL operand.
 */
export function labelledInputs(exprs: readonly string[], labels: readonly string[]): string {
  const lit = (t: string) => `'${t.replace(/'/g, "''")}'`;
  return `(${exprs
    .map((e, i) => {
      const name = (labels[i] ?? `input ${i + 1}`).replace(/"/g, "'");
      return `${lit(`<input name="${name}">`)} || (${e})::VARCHAR || ${lit('</input>')}`;
    })
    .join(` || chr(10) || `)})`;
}

/**
 * The two labelled values of a text labelledInputs made from two values, or
 * undefined when it is not one (another count, or a value holding the markup
 * between the two, which would make the split ambiguous).
 */
export function labelledPair(
  text: string,
): readonly [{ label: string; value: string }, { label: string; value: string }] | undefined {
  const head = /^<input name="([^"]*)">/.exec(text);
  if (!head || !text.endsWith('</input>')) return undefined;
  const between = /<\/input>\n<input name="([^"]*)">/g;
  const seps = [...text.matchAll(between)];
  if (seps.length !== 1) return undefined;
  const sep = seps[0]!;
  return [
    { label: head[1]!, value: text.slice(head[0].length, sep.index) },
    { label: sep[1]!, value: text.slice(sep.index! + sep[0].length, -'</input>'.length) },
  ];
}

/**
 * The parts of a parenthesised tuple `(a, b, …)` split at its top-level
 * commas, or undefined when the text is not one (a plain expression, or
 * one value in parentheses).
 */
export function tupleParts(text: string): string[] | undefined {
  const t = text.trim();
  if (!t.startsWith('(') || !t.endsWith(')')) return undefined;
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let from = 1;
  for (let i = 1; i < t.length - 1; i++) {
    const ch = t[i]!;
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') {
      // `(a) || (b)`: the first parenthesis closes before the end: not one tuple.
      if (depth-- === 0) return undefined;
    } else if (ch === ',' && depth === 0) {
      parts.push(t.slice(from, i).trim());
      from = i + 1;
    }
  }
  if (parts.length === 0) return undefined;
  parts.push(t.slice(from, -1).trim());
  return parts.every((p) => p !== '') ? parts : undefined;
}

/**
 * Where a relevance order may be (RewriteHooks.rank): whether an expression
 * is the first key of an ORDER BY (of any query level), and whether DESC
 * follows one. The statement is scanned once, on first use.
 */
function orderKeys(stmt: SqlStatement): {
  firstKey(start: number): boolean;
  descendingAfter(end: number): boolean;
} {
  let toks: SqlToken[] | undefined;
  const tokens = () =>
    (toks ??= scanSql(stmt.text).tokens.filter(
      (t) => t.type !== SqlTok.LineComment && t.type !== SqlTok.BlockComment,
    ));
  const base = stmt.span.start;
  const word = (t: SqlToken | undefined) => (t ? stmt.text.slice(t.start, t.end).toUpperCase() : '');
  return {
    firstKey(start) {
      const ts = tokens();
      const at = ts.findIndex((t) => t.start === start - base);
      return at >= 2 && word(ts[at - 1]) === 'BY' && word(ts[at - 2]) === 'ORDER';
    },
    descendingAfter(end) {
      return word(tokens().find((t) => t.start >= end - base)) === 'DESC';
    },
  };
}

function pos(span: { line: number; column: number }): { line: number; column: number } {
  return { line: span.line, column: span.column };
}
