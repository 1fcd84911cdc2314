/**
 * USING ( … ) and WITH ( … ): the two clauses that carry more than syntax.
 * USING keeps its query as exact text and records its top-level LIMIT and
 * semantic operators; WITH types and checks every option against its key.
 * @see ../docs/dialect.md §1 "WITH options"
 */
import type { CstNode } from 'chevrotain';
import type * as A from './ast.js';
import {
  type BuildContext,
  type Children,
  fail,
  literalTokens,
  literalValue,
  spanOfTokens,
  tok,
  tokensWithin,
  unquoteIdent,
} from './build-context.js';
import { didYouMean, meaning } from './did-you-mean.js';
import { GrammarErrorCode } from './errors.js';
import { findSemanticCalls, NO_CALLS } from './semantic-ops.js';
import type { Span } from './span.js';
import { hasTopLevelLimit } from './sql-balance.js';
import {
  checkWithValue,
  MAP_KEYS,
  MAP_ONLY_KEYS,
  RUN_KEYS,
  RUN_ONLY_KEYS,
  WITH_KEYS,
  type WithKey,
  type WithOption,
} from './statement-options.js';

/** Each WITH key's place in the canonical order (and whether a word is a key at all). */
const WITH_KEY_ORDER = new Map<string, number>(WITH_KEYS.map((k, i) => [k, i]));

/** USING ( sql ): the exact inner text, whether it has a top-level LIMIT, its operator calls. */
export function buildUsingClause(ch: Children, cx: BuildContext): A.UsingClause {
  const block = tok(ch, 'SqlBlock');
  const open = cx.base + block.startOffset;
  const end = open + block.image.length;
  const span = cx.index.span(cx.base + tok(ch, 'Using').startOffset, end);
  const closed = (block.payload as { closed: boolean }).closed;
  if (!closed)
    fail(
      cx,
      GrammarErrorCode.UNBALANCED_PAREN,
      "unbalanced parentheses in USING: this '(' is never closed",
      open,
    );
  const inner = [open + 1, closed ? end - 1 : end] as const;
  const sql = cx.index.text.slice(inner[0], inner[1]);
  const toks = tokensWithin(cx.sqlTokens, inner[0], inner[1]);
  if (closed && toks.length === 0)
    fail(cx, GrammarErrorCode.EMPTY_USING, 'USING ( ) needs a query', open + 1);
  const calls = toks.length && closed ? findSemanticCalls(cx.index.text, toks, cx.ops, cx.index) : NO_CALLS;
  if ('code' in calls) cx.errors.push(calls);
  const semantic = 'code' in calls ? NO_CALLS : calls;
  const hasLimit = hasTopLevelLimit(cx.index.text, toks);
  return {
    kind: 'UsingClause',
    sql,
    sqlSpan: cx.index.span(inner[0], inner[1]),
    hasLimit,
    ...semantic,
    span,
  };
}

/** WITH ( key = literal, … ): unknown, misplaced, duplicate and mistyped options are errors. */
export function buildWithClause(ch: Children, cx: BuildContext): A.WithClause {
  const options: WithOption[] = [];
  const seen = new Map<string, Span>();
  const valid = cx.forRun ? RUN_KEYS : MAP_KEYS;
  for (const o of (ch.withOption ?? []) as CstNode[]) {
    const oc = o.children as Children;
    const keyTok = tok(oc, 'Name');
    const key =
      keyTok.tokenType.name === 'QuotedIdentifier' ? unquoteIdent(keyTok.image) : keyTok.image.toLowerCase();
    const at = cx.base + keyTok.startOffset;
    const literal = oc.literal![0] as CstNode;
    const literalAt = literalTokens(literal);
    const span = spanOfTokens(keyTok, literalAt.value, cx);
    if (!WITH_KEY_ORDER.has(key)) {
      fail(
        cx,
        GrammarErrorCode.UNKNOWN_WITH_KEY,
        `unknown WITH option '${keyTok.image}'; valid keys: ${valid.join(', ')}${meaning(didYouMean(key, valid), "'")}`,
        at,
      );
      continue;
    }
    if (cx.forRun && MAP_ONLY_KEYS.has(key as WithKey)) {
      fail(
        cx,
        GrammarErrorCode.WITH_KEY_NOT_ALLOWED,
        `${key} applies to MAP only; valid keys for RUN: ${RUN_KEYS.join(', ')}`,
        at,
      );
      continue;
    }
    if (!cx.forRun && RUN_ONLY_KEYS.has(key as WithKey)) {
      fail(
        cx,
        GrammarErrorCode.WITH_KEY_NOT_ALLOWED,
        `${key} applies to RUN only; valid keys for MAP: ${MAP_KEYS.join(', ')}`,
        at,
      );
      continue;
    }
    const first = seen.get(key);
    if (first) {
      fail(
        cx,
        GrammarErrorCode.DUPLICATE_WITH_KEY,
        `WITH option ${key} is given twice (first at ${first.line}:${first.column})`,
        at,
      );
      continue;
    }
    seen.set(key, span);
    const lit = literalValue(literal);
    const checked = checkWithValue(key as WithKey, lit);
    if ('error' in checked) {
      fail(cx, GrammarErrorCode.BAD_WITH_VALUE, checked.error, cx.base + literalAt.first.startOffset);
      continue;
    }
    options.push({ kind: 'WithOption', key, value: checked.value, span } as WithOption);
  }
  if (cx.forRun && !seen.has('as_table')) {
    // persist and replace say what happens to a table the statement names.
    for (const o of options) {
      if (o.key === 'persist' || o.key === 'replace') {
        fail(
          cx,
          GrammarErrorCode.WITH_KEY_NOT_ALLOWED,
          `${o.key} needs as_table (it says what happens to the table RUN names)`,
          o.span.start,
        );
      }
    }
  }
  const asTable = options.find((o) => o.key === 'as_table');
  const persist = options.find((o) => o.key === 'persist');
  if (cx.forRun && asTable && String(asTable.value).includes('.') && persist?.value !== true) {
    fail(
      cx,
      GrammarErrorCode.BAD_WITH_VALUE,
      `as_table '${String(asTable.value)}' names a schema, but RUN's input table is TEMP (no schema) unless persist = true`,
      asTable.span.start,
    );
  }
  // Canonical key order, so the AST does not depend on how the options were written.
  options.sort((a, b) => WITH_KEY_ORDER.get(a.key)! - WITH_KEY_ORDER.get(b.key)!);
  return { kind: 'WithClause', options, span: spanOfTokens(tok(ch, 'With'), tok(ch, 'RParen'), cx) };
}
