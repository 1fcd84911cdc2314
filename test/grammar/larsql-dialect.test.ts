/**
 * larsql's small dialect additions (issue 34), as the grammar reads them:
 * LARS for RVBBIT, `-- @ prompt: text`, WITH (infer_schema = …), `a NOT MEANS b`
 * and `a !~ b`, and VECTOR_SEARCH's three-argument form. What they do when
 * run: test/semantic/larsql-dialect.test.ts and test/engine/larsql-map.test.ts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  complete,
  createGrammar,
  DEFAULT_OPERATORS,
  format,
  parse,
  type SqlStatement,
  stripSpans,
  tokens,
} from '../../grammar/index.js';
import { buildOperatorSet } from '../../grammar/operators.js';
import { err, ok } from './helpers.js';

const sqlOf = (sql: string): SqlStatement => {
  const s = ok(sql)[0]!;
  if (s.kind !== 'SqlStatement') throw new Error(`expected SQL, got ${s.kind}`);
  return s;
};
const negations = (sql: string) =>
  sqlOf(sql).operators.map((o) => [o.operator, o.left.text, o.right.text, o.negated]);

// ── LARS ────────────────────────────────────────────────────────────────

test('LARS is RVBBIT in every statement that starts with it (same AST, any case)', () => {
  const pairs = [
    [
      "LARS MAP PARALLEL 4 DISTINCT 'x' AS (a VARCHAR) USING (SELECT 1) WITH (limit = 5)",
      "RVBBIT MAP PARALLEL 4 DISTINCT 'x' AS (a VARCHAR) USING (SELECT 1) WITH (limit = 5)",
    ],
    ["lars run async 'x' using (select 1)", "RVBBIT RUN ASYNC 'x' using (select 1)"],
    [
      "EXPLAIN (FORMAT JSON) Lars MAP 'x' USING (select 1)",
      "EXPLAIN (FORMAT JSON) RVBBIT MAP 'x' USING (select 1)",
    ],
    ["EXPLAIN LARS RUN 'x' USING (select 1)", "EXPLAIN RVBBIT RUN 'x' USING (select 1)"],
    [
      "CREATE TEMP TABLE t AS LARS MAP 'x' USING (select 1)",
      "CREATE TEMP TABLE t AS RVBBIT MAP 'x' USING (select 1)",
    ],
  ];
  for (const [lars, rvbbit] of pairs) {
    assert.equal(stripSpans(ok(lars!)[0]), stripSpans(ok(rvbbit!)[0]), lars);
  }
  // The canonical text says RVBBIT.
  assert.is(format(ok("lars map 'x' using (select 1)")), "RVBBIT MAP 'x'\nUSING (select 1);");
});

test('LARS takes what RVBBIT takes, and errors name RVBBIT’s next words', () => {
  const e = err('LARS EMBED docs.body USING (SELECT 1)');
  assert.equal(
    [e.code, e.message, e.line, e.column],
    ['E_UNEXPECTED_TOKEN', "expected MAP or RUN but found 'EMBED'", 1, 6],
  );
  // A column called lars is still a column everywhere else.
  assert.equal(stripSpans(ok('SELECT lars FROM t')[0]), {
    kind: 'SqlStatement',
    annotations: [],
    text: 'SELECT lars FROM t',
    operators: [],
    relevance: [],
    joins: [],
    aggregates: [],
  });
});

test('LARS: completion after it, a keyword to the highlighter, refused as an operator word', () => {
  assert.equal(
    complete('LARS ', 5).map((c) => c.label),
    ['MAP', 'RUN'],
  );
  assert.equal(
    complete("lars map 'x' USING (SELECT 1) WITH (infer", 40).map((c) => c.label),
    ['infer_schema'],
  );
  assert.equal(
    tokens("LARS MAP 'x'").map((t) => `${t.category}:${t.text}`),
    ['keyword:LARS', 'keyword:MAP', "string:'x'"],
  );
  assert.throws(
    () => buildOperatorSet([{ word: 'lars', functionName: 'f', returns: 'BOOLEAN' }]),
    (e: Error) => e.message === "operator 'lars': 'LARS' is an RVBBIT keyword",
  );
});

// ── -- @ prompt: ────────────────────────────────────────────────────────

test('-- @ prompt: text is the hint text (larsql’s explicit spelling of free text)', () => {
  const s = ok('-- @ prompt: judge the materials only\n-- @ and the price\nSELECT 1')[0]!;
  assert.equal(
    s.annotations.map((a) => [a.key, a.value]),
    [
      ['hint', 'judge the materials only'],
      ['hint', 'and the price'],
    ],
  );
});

test('-- @ prompt: a hint may say key: or be a key word; format keeps prompt: so it reads back', () => {
  const sql =
    '-- @ prompt: model: small-fast is fine\n-- @ prompt: parallel\n-- @ Prompt: plain words\nSELECT 1';
  const [s] = ok(sql);
  assert.equal(
    s!.annotations.map((a) => [a.key, a.value]),
    [
      ['hint', 'model: small-fast is fine'],
      ['hint', 'parallel'],
      ['hint', 'plain words'],
    ],
  );
  const text = format([s!]);
  assert.is(
    text,
    '-- @ prompt: model: small-fast is fine\n-- @ prompt: parallel\n-- @ plain words\nSELECT 1;',
  );
  assert.equal(stripSpans(ok(text)[0]), stripSpans(s));
});

test('-- @ prompt without text is an error at its place', () => {
  const [empty] = parse('SELECT 1;\n-- @ prompt:\nSELECT 2').errors;
  if (!empty) return assert.unreachable('an error');
  assert.equal(
    [empty.code, empty.message, empty.line, empty.column],
    ['E_BAD_ANNOTATION_VALUE', 'prompt needs the text to add to the prompts: -- @ prompt: …', 2, 13],
  );
  const bare = err('-- @ prompt\nSELECT 1');
  assert.equal(
    [bare.code, bare.message, bare.line, bare.column],
    ['E_BAD_ANNOTATION_VALUE', "annotation 'prompt' needs a value: -- @ prompt: …", 1, 6],
  );
});

// ── WITH (infer_schema = …) ─────────────────────────────────────────────

test('infer_schema: a MAP option, TRUE or FALSE, kept by format', () => {
  const [s] = ok("LARS MAP 'x' USING (select 1) WITH (infer_schema = true, limit = 3)");
  assert.is(s!.kind, 'MapStatement');
  if (s!.kind !== 'MapStatement') return;
  assert.equal(
    s.with!.options.map((o) => [o.key, o.value]),
    [
      ['infer_schema', true],
      ['limit', 3],
    ],
  );
  assert.is(format([s]), "RVBBIT MAP 'x'\nUSING (select 1)\nWITH (infer_schema = TRUE, limit = 3);");
  // FALSE is larsql's "the columns are written out" beside AS (…).
  ok("RVBBIT MAP 'x' AS (a INTEGER) USING (select 1) WITH (infer_schema = false)");
});

test('infer_schema: a value other than TRUE/FALSE, RUN, and TRUE beside AS or result_column are errors', () => {
  const value = err("RVBBIT MAP 'x' USING (select 1)\nWITH (infer_schema = 'yes')");
  assert.equal(
    [value.code, value.message, value.line, value.column],
    ['E_BAD_WITH_VALUE', "infer_schema must be TRUE or FALSE, got 'yes'", 2, 22],
  );
  const run = err("RVBBIT RUN 'x' USING (select 1) WITH (infer_schema = true)");
  assert.equal([run.code, run.line, run.column], ['E_WITH_KEY_NOT_ALLOWED', 1, 39]);
  assert.match(run.message, /^infer_schema applies to MAP only; valid keys for RUN: as_table, persist/);
  const typed = err("RVBBIT MAP 'x' AS (a INTEGER) USING (select 1) WITH (infer_schema = TRUE)");
  assert.equal(
    [typed.code, typed.message, typed.line, typed.column],
    [
      'E_CONFLICTING_OPTION',
      'infer_schema = TRUE cannot be combined with AS (both say what the result columns are)',
      1,
      54,
    ],
  );
  const named = err("RVBBIT MAP 'x' USING (select 1) WITH (result_column = 'r', infer_schema = TRUE)");
  assert.equal(
    [named.message, named.column],
    ['infer_schema = TRUE cannot be combined with result_column (both say what the result columns are)', 60],
  );
});

// ── NOT <operator>, !~ ──────────────────────────────────────────────────

test('a NOT MEANS b: the operator negated, its span from the left operand, NOT in the operator span', () => {
  const sql = "SELECT * FROM t WHERE text NOT MEANS 'databases' AND NOT b MEANS 'c'";
  const ops = sqlOf(sql).operators;
  assert.equal(
    ops.map((o) => [
      o.operator,
      o.negated,
      sql.slice(o.span.start, o.span.end),
      sql.slice(o.operatorSpan.start, o.operatorSpan.end),
    ]),
    [
      ['MEANS', true, "text NOT MEANS 'databases'", 'NOT MEANS'],
      ['MEANS', false, "b MEANS 'c'", 'MEANS'],
    ],
  );
  assert.equal(negations('SELECT a NOT IMPLIES b, c NOT CONTRADICTS d, e NOT MATCHES f, g NOT ~ h FROM t'), [
    ['IMPLIES', 'a', 'b', true],
    ['CONTRADICTS', 'c', 'd', true],
    ['MATCHES', 'e', 'f', true],
    ['~', 'g', 'h', true],
  ]);
  // NOT LIKE, NOT IN … are SQL's own; a NOT before an operand is SQL's NOT.
  assert.equal(negations("SELECT * FROM t WHERE a NOT LIKE 'x' AND b NOT IN (1) AND NOT c ~ d"), [
    ['~', 'c', 'd', false],
  ]);
});

test('NOT on an operator that does not return BOOLEAN is an error naming it, at the NOT', () => {
  const about = err("SELECT *\nFROM t WHERE body NOT ABOUT 'eco'");
  assert.equal(
    [about.code, about.message, about.line, about.column],
    [
      'E_NOT_BOOLEAN_OPERATOR',
      'NOT ABOUT: only an operator that returns BOOLEAN can be negated, and ABOUT returns DOUBLE (compare its score instead: a ABOUT b <= 0.5)',
      2,
      19,
    ],
  );
  const aligns = err("SELECT a NOT ALIGNS WITH 'x' FROM t");
  assert.equal([aligns.code, aligns.column], ['E_NOT_BOOLEAN_OPERATOR', 10]);
  assert.match(aligns.message, /^NOT ALIGNS: only an operator that returns BOOLEAN can be negated/);
  const missing = err('SELECT * FROM t WHERE a NOT MEANS');
  assert.equal(
    [missing.code, missing.message.split(' (')[0], missing.column],
    ['E_MISSING_OPERAND', 'NOT MEANS needs a right operand', 34],
  );
});

test('user-defined operators: NOT negates a BOOLEAN one, and names a VARCHAR one in its error', () => {
  const grammar = createGrammar({
    operators: [
      ...DEFAULT_OPERATORS,
      { word: 'RHYMES', functionName: 'rhymes', returns: 'BOOLEAN', optionalWord: 'WITH' },
      { word: 'TIDIED', functionName: 'tidy', returns: 'VARCHAR' },
    ],
  });
  const rhymes = grammar.parse("SELECT * FROM t WHERE a NOT RHYMES WITH 'cat'");
  assert.equal(rhymes.errors, []);
  const op = (rhymes.statements[0] as SqlStatement).operators[0]!;
  assert.equal([op.functionName, op.negated, op.right.text], ['rhymes', true, "'cat'"]);
  const tidied = grammar.parse("SELECT 1;\nSELECT a NOT TIDIED 'upper' FROM t");
  assert.equal(
    tidied.errors.map((e) => [e.code, e.message, e.line, e.column]),
    [
      [
        'E_NOT_BOOLEAN_OPERATOR',
        'NOT TIDIED: only an operator that returns BOOLEAN can be negated, and TIDIED returns VARCHAR',
        2,
        10,
      ],
    ],
  );
});

test('!~ is NOT ~ when the operator set has ~; without one it stays DuckDB’s regex operator', () => {
  const sql = "SELECT * FROM a JOIN b ON a.x !~ b.y WHERE 'abc' !~ 'b'";
  const ops = sqlOf(sql).operators;
  assert.equal(
    ops.map((o) => [
      o.functionName,
      o.left.text,
      o.right.text,
      o.negated,
      sql.slice(o.operatorSpan.start, o.operatorSpan.end),
      o.clause,
    ]),
    [
      ['semantic_same', 'a.x', 'b.y', true, '!~', 'join_on'],
      ['semantic_same', "'abc'", "'b'", true, '!~', 'where'],
    ],
  );
  const noTilde = createGrammar({ operators: DEFAULT_OPERATORS.filter((o) => o.word !== '~') });
  const plain = noTilde.parse("SELECT 'abc' !~ 'b', 'abc' ~ 'b'");
  assert.equal(plain.errors, []);
  assert.equal((plain.statements[0] as SqlStatement).operators, []);
  const missing = err('SELECT a !~ FROM t');
  assert.equal(
    [missing.code, missing.message.split(' (')[0], missing.column],
    ['E_MISSING_OPERAND', '!~ needs a right operand', 13],
  );
  // A `~` that returns something else cannot be negated by !~.
  const scored = createGrammar({ operators: [{ word: '~', functionName: 'same_score', returns: 'DOUBLE' }] });
  assert.equal(
    scored.parse('SELECT a !~ b').errors.map((e) => [e.code, e.message, e.column]),
    [
      [
        'E_NOT_BOOLEAN_OPERATOR',
        '!~: only an operator that returns BOOLEAN can be negated, and ~ returns DOUBLE (compare its score instead: a ~ b <= 0.5)',
        10,
      ],
    ],
  );
});

// ── VECTOR_SEARCH('query', table.column, k) ─────────────────────────────

test('VECTOR_SEARCH takes larsql’s three arguments as well as rvbbit’s four or five', () => {
  assert.equal(
    sqlOf("SELECT * FROM VECTOR_SEARCH('climate policy', articles.content, 10)").aggregates.map((a) => [
      a.name,
      a.args.map((x) => x.text),
    ]),
    [['VECTOR_SEARCH', ["'climate policy'", 'articles.content', '10']]],
  );
  const e = err("SELECT * FROM VECTOR_SEARCH('q', docs.body)");
  assert.equal(
    [e.code, e.message, e.line, e.column],
    ['E_BAD_AGGREGATE_ARGS', 'VECTOR_SEARCH takes 3 to 5 arguments, got 2', 1, 15],
  );
  assert.is(parse("SELECT * FROM VECTOR_SEARCH('q', docs, body, 3, 'm')").errors.length, 0);
});

test.run();
