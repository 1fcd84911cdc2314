// parse()'s fast path must build exactly the CST of the Chevrotain parser for
// every statement without a syntax error, and give up (null) on every
// statement with one, so that the Chevrotain parser reports it as before.
import type { CstNode } from 'chevrotain';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fastStatementCst } from '../../grammar/fast-cst.js';
import { rvbbitParser } from '../../grammar/parser.js';
import { lexStatement } from '../../grammar/statement-lexer.js';
import { mulberry32 } from '../../src/sim/rng.js';
import { VALID } from './corpus.js';

const SHAPES = [
  "RVBBIT MAP 'x' USING (SELECT 1)",
  "RVBBIT MAP PARALLEL 2 DISTINCT BATCH 3 PARALLEL 4 'x' AS map USING (SELECT 1) WITH (limit = 1)",
  "RVBBIT MAP 'x' AS (a DECIMAL(10, 2), \"b c\" TEXT, d DECIMAL(3), e INT) USING (x) WITH (a = -1.5, b = TRUE, c = FALSE, d = NULL, e = 'e', f = 2)",
  "RVBBIT RUN ASYNC 'x' USING (y) WITH (as_table = 's.t', persist = true)",
  "RVBBIT RUN 'x' USING (y)",
  "EXPLAIN (FORMAT TEXT) RVBBIT RUN 'x' USING (y)",
  "EXPLAIN (FORMAT JSON) RVBBIT MAP 'x' USING (y)",
  "EXPLAIN RVBBIT MAP 'x' USING (y)",
  "CREATE TABLE a.b.c AS RVBBIT MAP DISTINCT 'x' USING (y)",
  "CREATE TEMP TABLE t AS RVBBIT MAP 'x' USING (y)",
  "CREATE TEMPORARY TABLE \"t\" AS RVBBIT MAP 'x' USING (y) WITH (cache = '1d')",
  "rvbbit map 'x' as temp using (y) with (with = 1)", // WITH is no Name
  "RVBBIT MAP 'x' USING (y) WITH ()",
  "RVBBIT MAP 'x' AS () USING (y)",
  "RVBBIT MAP 'x' USING (y) extra",
  'RVBBIT MAP PARALLEL DISTINCT',
  "EXPLAIN (FORMAT XML) RVBBIT MAP 'x' USING (y)",
  "CREATE TABLE t AS RVBBIT RUN 'x' USING (y)",
  "RVBBIT MAP 'x' AS (a DECIMAL(1,)) USING (y)",
  "RVBBIT MAP 'x' USING (y) WITH (a = - 'b')",
];

/**
 * A CST as plain data: prototypes aside (Chevrotain's `children` have none,
 * the fast path's are plain objects) and keys without children dropped (the
 * fast path keeps them, undefined); tokens by identity.
 */
function plain(node: unknown): unknown {
  if (node === null || typeof node !== 'object') return node;
  if ('image' in node) return node;
  const { name, children } = node as CstNode;
  const out: Record<string, unknown[]> = {};
  for (const key of Object.keys(children))
    if (children[key] !== undefined) out[key] = children[key].map(plain);
  return { name, children: out };
}

/** Both parsers on one statement: the fast CST equals Chevrotain's, or is null exactly when Chevrotain errs. */
function agree(text: string): 'ok' | 'error' | 'lex' {
  const lexed = lexStatement(text);
  if (lexed.errorOffset >= 0) return 'lex';
  rvbbitParser.input = lexed.tokens;
  const reference = rvbbitParser.statement();
  const failed = rvbbitParser.errors.length > 0;
  const fast = fastStatementCst(lexed.tokens);
  if (failed) assert.is(fast, null, `gives up where Chevrotain errs: ${JSON.stringify(text)}`);
  else assert.equal(plain(fast), plain(reference), `same CST: ${JSON.stringify(text)}`);
  return failed ? 'error' : 'ok';
}

test('every rule and alternative, and broken forms', () => {
  const outcomes = SHAPES.map(agree);
  assert.equal(outcomes, [...Array(11).fill('ok'), ...Array(9).fill('error')]);
});

test('the corpus and 20,000 token-level mutations of it', () => {
  const statements = VALID.flatMap((s) => s.split(';')).filter((s) => /^\s*(RVBBIT|EXPLAIN|CREATE)/i.test(s));
  const rnd = mulberry32(42);
  const counts = { ok: 0, error: 0, lex: 0 };
  for (let i = 0; i < 20_000; i++) {
    const base = statements[i % statements.length]!;
    const toks = lexStatement(base).tokens;
    const pick = () => toks[Math.floor(rnd() * toks.length)]!;
    const a = pick();
    const b = pick();
    const end = (t: typeof a) => t.startOffset + t.image.length;
    const mutated = [
      base.slice(0, a.startOffset) + base.slice(end(a)),
      `${base.slice(0, end(a))} ${b.image} ${base.slice(end(a))}`,
      base.slice(0, a.startOffset) + b.image + base.slice(end(a)),
      base,
    ][Math.floor(rnd() * 4)]!;
    counts[agree(mutated)]++;
  }
  assert.ok(counts.ok > 2000 && counts.error > 2000, JSON.stringify(counts));
});

test.run();
