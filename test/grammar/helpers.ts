// Shared by the grammar tests: parse and insist on success or on one error.
import * as assert from 'uvu/assert';
import type { ParseError, Statement } from '../../grammar/index.js';
import { parse, stripSpans } from '../../grammar/index.js';

/** Parses and fails the test on any error; returns the statements. */
export function ok(sql: string): readonly Statement[] {
  const r = parse(sql);
  assert.equal(
    r.errors.map((e) => e.rendered),
    [],
  );
  return r.statements;
}

/** Parses one statement without spans. */
export function one(sql: string): unknown {
  const s = ok(sql);
  assert.is(s.length, 1);
  return stripSpans(s[0]);
}

/** Parses and expects exactly one error (and no statements); returns it. */
export function err(sql: string): ParseError {
  const r = parse(sql);
  assert.is(r.statements.length, 0, 'no statement expected');
  assert.is(r.errors.length, 1, `one error expected, got ${r.errors.map((e) => e.code).join(', ')}`);
  return r.errors[0]!;
}

/** Empty semantic-call lists, for golden objects. */
export const NO_CALLS = { operators: [], relevance: [], joins: [], aggregates: [] } as const;

/** A stripped UsingClause golden. */
export const using = (sql: string, hasLimit = false) => ({ kind: 'UsingClause', sql, hasLimit, ...NO_CALLS });
