/** The one statement classifier (grammar/statement-kind.ts): leading words, queries, parsed kinds. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from '../../grammar/index.js';
import { classifyParsed, isQuery, leadingWords, writtenQuery } from '../../grammar/statement-kind.js';

test('leading words: past comments, blanks and opening parentheses, up to the first non-word', () => {
  assert.equal(leadingWords('  -- a\n/* b /* c */ d */ ( select 1)'), ['SELECT']);
  assert.equal(leadingWords('ROLLBACK /* x */ TO s1'), ['ROLLBACK', 'TO', 'S1']);
  assert.equal(leadingWords('CREATE OR REPLACE TEMP TABLE t AS SELECT 1'), [
    'CREATE',
    'OR',
    'REPLACE',
    'TEMP',
    'TABLE',
  ]);
  assert.equal(leadingWords('INSERT INTO "t" VALUES (1)'), ['INSERT', 'INTO']);
  assert.equal(leadingWords(''), []);
  assert.equal(leadingWords('SELECT 1', 1), ['SELECT']);
});

test('a query runs again without side effects: its first word, and no write word anywhere', () => {
  for (const q of [
    'SELECT 1',
    '((SELECT 1))',
    'WITH a AS (SELECT 1) SELECT * FROM a',
    'FROM t',
    'VALUES (1)',
    'TABLE t',
  ])
    assert.ok(isQuery(q), q);
  for (const w of [
    'WITH a AS (SELECT 1) INSERT INTO t SELECT * FROM a',
    'INSERT INTO t SELECT 1',
    'CREATE TABLE t AS SELECT 1',
    "COPY (SELECT 1) TO 'x.csv'",
    'SELECT1',
    'UPDATE t SET a = 1',
  ])
    assert.not.ok(isQuery(w), w);
  // A write word in a string, a quoted name or a comment writes nothing.
  assert.ok(isQuery(`SELECT 'insert into' AS "create" -- delete\n FROM t`));
});

test('parsed kinds: MAP, RUN, SQL, and EXPLAIN of each', () => {
  const kind = (sql: string) => classifyParsed(parse(sql).statements[0]!);
  assert.equal(kind(`RVBBIT MAP 'c.yaml' USING (SELECT 1)`), { kind: 'map', explain: false });
  assert.equal(kind(`CREATE TABLE t AS RVBBIT MAP 'c.yaml' USING (SELECT 1)`), {
    kind: 'map',
    explain: false,
  });
  assert.equal(kind(`RVBBIT RUN 'c.yaml' USING (SELECT 1)`), { kind: 'run', explain: false });
  assert.equal(kind(`EXPLAIN RVBBIT RUN 'c.yaml' USING (SELECT 1)`), { kind: 'run', explain: true });
  assert.equal(kind(`EXPLAIN SELECT 1`), { kind: 'sql', explain: true });
  assert.equal(kind(`SELECT 1`), { kind: 'sql', explain: false });
});

test('the query a write writes: CREATE TABLE … AS, INSERT … SELECT, COPY (…) TO; null for any other write', () => {
  const written = (text: string) => {
    const span = writtenQuery(text);
    return span && text.slice(span.start, span.end);
  };
  assert.is(written('CREATE TABLE out AS SELECT id, f(x) AS y FROM t;'), 'SELECT id, f(x) AS y FROM t');
  assert.is(written('-- c\nCREATE OR REPLACE TEMP TABLE t AS (SELECT 1)'), '(SELECT 1)');
  assert.is(
    written('CREATE TABLE t AS WITH a AS (SELECT 1) SELECT * FROM a'),
    'WITH a AS (SELECT 1) SELECT * FROM a',
  );
  assert.is(written('INSERT INTO t (a, b) SELECT 1, 2'), 'SELECT 1, 2');
  assert.is(written('INSERT OR REPLACE INTO main.t BY NAME SELECT 1 AS a'), 'SELECT 1 AS a');
  assert.is(
    written('INSERT INTO t SELECT a FROM x JOIN y ON x.a = y.a'),
    'SELECT a FROM x JOIN y ON x.a = y.a',
  );
  assert.is(written('INSERT INTO t VALUES (1)'), 'VALUES (1)');
  assert.is(
    written("COPY (SELECT id FROM d ORDER BY id) TO 'x.csv' (HEADER)"),
    'SELECT id FROM d ORDER BY id',
  );
  for (const other of [
    'CREATE VIEW v AS SELECT 1',
    'INSERT INTO t SELECT 1 ON CONFLICT DO NOTHING',
    'INSERT INTO t SELECT 1 RETURNING *',
    'INSERT INTO t DEFAULT VALUES',
    'INSERT INTO t (SELECT 1)',
    "COPY t TO 'x.csv'",
    'WITH d AS (SELECT 1) INSERT INTO t SELECT * FROM d',
    'UPDATE t SET a = 1',
    'DELETE FROM t',
    "CREATE TABLE t AS SELECT 'unterminated",
  ])
    assert.is(written(other), null, other);
});

test.run();
