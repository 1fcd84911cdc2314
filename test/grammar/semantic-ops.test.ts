import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { OperatorCall, SqlStatement } from '../../grammar/index.js';
import { createGrammar, DEFAULT_OPERATORS, parse } from '../../grammar/index.js';
import { err, ok } from './helpers.js';

const sqlOf = (sql: string): SqlStatement => {
  const s = ok(sql)[0]!;
  if (s.kind !== 'SqlStatement') throw new Error(`expected SQL, got ${s.kind}`);
  return s;
};
/** Compact view of operator calls: `WORD(left|right) clause comparison`. */
const calls = (sql: string) =>
  sqlOf(sql).operators.map(
    (c) => `${c.functionName}(${c.left.text}|${c.right.text}) ${c.clause} ${c.comparison}`,
  );

test('spec example 5: ALIGNS in the select list, MEANS in WHERE (full golden with spans)', () => {
  const sql = "SELECT id, text ALIGNS 'SQL' AS score FROM tweets WHERE text MEANS 'db' LIMIT 10";
  const ops = sqlOf(sql).operators;
  assert.equal(ops[1], {
    kind: 'OperatorCall',
    operator: 'MEANS',
    functionName: 'semantic_means',
    returns: 'BOOLEAN',
    left: { kind: 'Operand', text: 'text', span: { start: 56, end: 60, line: 1, column: 57 } },
    right: { kind: 'Operand', text: "'db'", span: { start: 67, end: 71, line: 1, column: 68 } },
    operatorSpan: { start: 61, end: 66, line: 1, column: 62 },
    negated: false,
    clause: 'where',
    comparison: null,
    span: { start: 56, end: 71, line: 1, column: 57 },
  } satisfies OperatorCall);
  assert.equal(calls(sql), [
    "semantic_aligns(text|'SQL') select null",
    "semantic_means(text|'db') where null",
  ]);
});

test('splicing spans rewrites the SQL without re-parsing', () => {
  const sql = "SELECT * FROM t WHERE lower(title) MEANS 'eco' AND x > 1";
  const c = sqlOf(sql).operators[0]!;
  const out = `${sql.slice(0, c.span.start)}${c.functionName}(${c.left.text}, ${c.right.text})${sql.slice(c.span.end)}`;
  assert.is(out, "SELECT * FROM t WHERE semantic_means(lower(title), 'eco') AND x > 1");
});

test('operands are primary expressions: a || b MEANS x applies to b only', () => {
  assert.equal(calls("SELECT a || b MEANS 'x' FROM t"), ["semantic_means(b|'x') select null"]);
  assert.equal(calls("SELECT (a || b) MEANS 'x' FROM t"), ["semantic_means((a || b)|'x') select null"]);
});

test('operands: qualified columns, calls, casts, CAST(), parameters, literals', () => {
  assert.equal(
    calls(
      "SELECT t.a.b MATCHES ?, f(x, 'y') ABOUT $1, x::VARCHAR IMPLIES CAST(y AS TEXT), 'lit' CONTRADICTS 2.5, d::DECIMAL(10,2) ~ \"Q\".z FROM t",
    ),
    [
      'semantic_means(t.a.b|?) select null',
      "semantic_about(f(x, 'y')|$1) select null",
      'semantic_implies(x::VARCHAR|CAST(y AS TEXT)) select null',
      "semantic_contradicts('lit'|2.5) select null",
      'semantic_same(d::DECIMAL(10,2)|"Q".z) select null',
    ],
  );
});

test('ABOUT records the comparison that follows (or precedes) and its clause', () => {
  assert.equal(calls("SELECT * FROM t WHERE a ABOUT 'b' > 0.7 OR c ABOUT 'd'"), [
    "semantic_about(a|'b') where >",
    "semantic_about(c|'d') where null",
  ]);
  assert.equal(calls("SELECT 0.5 <= a ABOUT 'b' FROM t"), ["semantic_about(a|'b') select <="]);
  assert.equal(calls("SELECT g FROM t GROUP BY g HAVING max(x) ABOUT 'y'"), [
    "semantic_about(max(x)|'y') having null",
  ]);
  assert.equal(calls("SELECT * FROM a JOIN b ON a.x ABOUT b.y ORDER BY a.x ABOUT 'z'"), [
    'semantic_about(a.x|b.y) join_on null',
    "semantic_about(a.x|'z') order_by null",
  ]);
  assert.equal(calls("SELECT * FROM t WHERE id IN (SELECT id FROM u WHERE v ABOUT 'w')"), [
    "semantic_about(v|'w') where null",
  ]);
  assert.equal(calls("SELECT (SELECT a ABOUT 'q') FROM t"), ["semantic_about(a|'q') select null"]);
});

test('ALIGNS takes an optional WITH', () => {
  const ops = sqlOf("SELECT a ALIGNS WITH 'x', b ALIGNS 'y' FROM t").operators;
  assert.equal(
    ops.map((o) => [o.operator, o.right.text, o.operatorSpan.end - o.operatorSpan.start]),
    [
      ['ALIGNS', "'x'", 11],
      ['ALIGNS', "'y'", 6],
    ],
  );
});

test('nested operators are all found and their spans nest', () => {
  const sql = "SELECT * FROM t WHERE (a MEANS (b MEANS 'c')) CONTRADICTS 'q'";
  const ops = sqlOf(sql).operators;
  assert.equal(
    ops.map((o) => sql.slice(o.span.start, o.span.end)),
    ["a MEANS (b MEANS 'c')", "b MEANS 'c'", "(a MEANS (b MEANS 'c')) CONTRADICTS 'q'"],
  );
  assert.ok(ops[0]!.span.start < ops[1]!.span.start && ops[1]!.span.end <= ops[0]!.span.end);
});

test('chained operators associate to the left', () => {
  assert.equal(calls('SELECT a MEANS b IMPLIES c FROM t'), [
    'semantic_means(a|b) select null',
    'semantic_implies(a MEANS b|c) select null',
  ]);
});

test('~ is semantic and !~ its negation (larsql); ~*, ~~ and !~~ stay regular DuckDB operators', () => {
  const ops = sqlOf('SELECT * FROM t WHERE a ~ b AND c ~* d AND e !~ f AND g ~~ h AND i !~~ j').operators;
  assert.equal(
    ops.map((o) => [o.functionName, o.left.text, o.right.text, o.negated]),
    [
      ['semantic_same', 'a', 'b', false],
      ['semantic_same', 'e', 'f', true],
    ],
  );
});

test('operator words used as plain names (no operand on either side) are identifiers', () => {
  assert.equal(calls('SELECT about, means, t.matches FROM t'), []);
  assert.equal(calls("SELECT 'x' AS about FROM t"), []);
});

test('missing operands are errors at the right position', () => {
  const left = err("SELECT * FROM t WHERE MEANS 'x'");
  assert.equal([left.code, left.offset], ['E_MISSING_OPERAND', 22]);
  assert.match(left.message, /MEANS needs a left operand/);
  const right = err('SELECT * FROM t WHERE text MEANS');
  assert.equal([right.code, right.offset, right.column], ['E_MISSING_OPERAND', 32, 33]);
  assert.is(err('SELECT * FROM t WHERE a ~ ').code, 'E_MISSING_OPERAND');
  assert.is(err('SELECT * FROM t WHERE a MEANS AND b').code, 'E_MISSING_OPERAND');
});

test('ORDER BY … RELEVANCE TO …, default DESC', () => {
  const s = sqlOf("SELECT * FROM t ORDER BY title RELEVANCE TO 'cheap laptops', id");
  assert.equal(
    s.relevance.map((r) => [r.functionName, r.left.text, r.right.text, r.direction, r.explicitDirection]),
    [['semantic_about', 'title', "'cheap laptops'", 'DESC', false]],
  );
  const asc = sqlOf('SELECT * FROM t ORDER BY lower(a) RELEVANCE TO $1 ASC').relevance[0]!;
  assert.equal([asc.direction, asc.explicitDirection, asc.span.end - asc.span.start], ['ASC', true, 28]);
  assert.is(err("SELECT * FROM t ORDER BY RELEVANCE TO 'x'").code, 'E_MISSING_OPERAND');
});

test('SEMANTIC JOIN (spec example 7)', () => {
  const sql = 'SELECT p.name, c.label FROM products p SEMANTIC JOIN categories c ON p.name ~ c.label';
  const s = sqlOf(sql);
  assert.equal(s.joins, [
    {
      kind: 'SemanticJoin',
      semanticSpan: { start: 39, end: 47, line: 1, column: 40 },
      span: { start: 39, end: 52, line: 1, column: 40 },
    },
  ]);
  assert.equal(calls(sql), ['semantic_same(p.name|c.label) join_on null']);
});

test('aggregates: LLM_SUMMARIZE, LLM_SENTIMENT, LLM_THEMES, LLM_CLASSIFY, LLM_AGG', () => {
  const s = sqlOf(
    "SELECT LLM_SUMMARIZE(review), llm_summarize(r, 'short, please'), LLM_SENTIMENT(r), LLM_THEMES(r, 5), LLM_CLASSIFY(r, 'a,b'), LLM_AGG(coalesce(r, ''), 'p') FROM t GROUP BY g",
  );
  assert.equal(
    s.aggregates.map((a) => `${a.functionName}:${a.args.map((x) => x.text).join('|')}`),
    [
      'llm_summarize:review',
      "llm_summarize:r|'short, please'",
      'llm_sentiment:r',
      'llm_themes:r|5',
      "llm_classify:r|'a,b'",
      "llm_agg:coalesce(r, '')|'p'",
    ],
  );
  assert.equal(s.aggregates[0]!.span, { start: 7, end: 28, line: 1, column: 8 });
});

test('aggregate arity is checked', () => {
  const e = err('SELECT LLM_CLASSIFY(a) FROM t');
  assert.equal([e.code, e.message], ['E_BAD_AGGREGATE_ARGS', 'LLM_CLASSIFY takes 2 arguments, got 1']);
  assert.is(err('SELECT LLM_SENTIMENT(a, b) FROM t').code, 'E_BAD_AGGREGATE_ARGS');
  assert.is(err('SELECT LLM_SUMMARIZE() FROM t').code, 'E_BAD_AGGREGATE_ARGS');
  assert.is(err('SELECT LLM_AGG(a, ) FROM t').code, 'E_BAD_AGGREGATE_ARGS');
});

test('operators inside a MAP USING query are recorded on the USING node', () => {
  const s = ok("RVBBIT MAP 'x' USING (SELECT * FROM t WHERE d MEANS 'eco')")[0]!;
  if (s.kind !== 'MapStatement') throw new Error('expected MAP');
  assert.equal(
    s.using.operators.map((o) => [o.functionName, o.left.text, o.right.text, o.clause, o.span.start]),
    [['semantic_means', 'd', "'eco'", 'where', 44]],
  );
});

test('a new operator word at run time via createGrammar({ operators })', () => {
  const g = createGrammar({
    operators: [
      ...DEFAULT_OPERATORS,
      { word: 'RHYMES', functionName: 'semantic_rhymes', returns: 'BOOLEAN' },
    ],
  });
  const s = g.parse("SELECT a RHYMES 'orange' FROM t").statements[0] as SqlStatement;
  assert.equal(
    s.operators.map((o) => [o.operator, o.functionName, o.returns, o.left.text, o.right.text]),
    [['RHYMES', 'semantic_rhymes', 'BOOLEAN', 'a', "'orange'"]],
  );
  assert.equal((parse("SELECT a RHYMES 'orange' FROM t").statements[0] as SqlStatement).operators, []);
  assert.equal(
    g.tokens('a RHYMES b').map((t) => t.category),
    ['identifier', 'operator', 'identifier'],
  );
});

test('a grammar without the default operators does not see them', () => {
  const g = createGrammar({ operators: [{ word: 'sounds_like', functionName: 'f', returns: 'BOOLEAN' }] });
  const s = g.parse("SELECT a MEANS b, a SOUNDS_LIKE 'x' FROM t").statements[0] as SqlStatement;
  assert.equal(
    s.operators.map((o) => o.operator),
    ['SOUNDS_LIKE'],
  );
});

test('operator words that collide with SQL or RVBBIT keywords are rejected', () => {
  const bad = (word: string) => {
    try {
      createGrammar({ operators: [{ word, functionName: 'f', returns: 'BOOLEAN' }] });
      return 'accepted';
    } catch (e) {
      return `${(e as { code: string }).code}: ${(e as Error).message}`;
    }
  };
  assert.is(bad('where'), "E_BAD_OPERATOR: operator 'where': 'WHERE' is a SQL keyword");
  assert.is(bad('AND'), "E_BAD_OPERATOR: operator 'AND': 'AND' is a SQL keyword");
  assert.is(bad('Map'), "E_BAD_OPERATOR: operator 'Map': 'MAP' is an RVBBIT keyword");
  assert.is(
    bad('two words'),
    "E_BAD_OPERATOR: operator 'two words': a word of letters, digits and _ (or ~) is required",
  );
  assert.throws(() =>
    createGrammar({
      operators: [
        { word: 'X1', functionName: 'f', returns: 'BOOLEAN' },
        { word: 'x1', functionName: 'g', returns: 'BOOLEAN' },
      ],
    }),
  );
});

// findSemanticCalls skips its token walk when no word has the shape (length,
// first letter) of a construct's first word; these pin what that must not skip.
test('the shape pre-check skips nothing: case, non-ASCII upper cases, ~, and user words of any length', () => {
  const ops = (g: { parse: typeof parse }, sql: string) =>
    (g.parse(sql).statements[0] as SqlStatement).operators.map((o) => o.operator);
  const plain = { parse };
  assert.equal(ops(plain, 'SELECT * FROM t WHERE a means b'), ['MEANS']);
  // 'ı'.toUpperCase() is 'I': the finder has always read this word as IMPLIES.
  assert.equal(ops(plain, 'SELECT * FROM t WHERE a ımplies b'), ['IMPLIES']);
  assert.equal(ops(plain, "SELECT * FROM t WHERE a ~ 'x'"), ['~']);
  assert.equal(ops(plain, 'SELECT MEANT, MEAN FROM t'), []);
  assert.equal(sqlOf('SELECT llm_summarize(x) FROM t').aggregates.length, 1);
  assert.equal(sqlOf('SELECT * FROM a SEMANTIC JOIN b ON a.x MEANS b.y').joins.length, 1);
  assert.equal(sqlOf('SELECT * FROM t ORDER BY x RELEVANCE TO $q').relevance.length, 1);
  // 'ﬆ'.toUpperCase() is 'ST': a 4-letter word that is the 5-letter operator BESTS.
  const g = createGrammar({
    operators: [...DEFAULT_OPERATORS, { word: 'BESTS', functionName: 'semantic_bests', returns: 'BOOLEAN' }],
  });
  assert.equal(ops(g, "SELECT a beﬆs 'b' FROM t"), ['BESTS']);
});

test.run();
