/**
 * The server's one classification of a statement (statement-class.ts): its
 * leading words, RVBBIT or not, whether it sends rows, its transaction effect.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { skipSpaceAndComments } from '../../grammar/sql-scan.js';
import { completionOf } from '../../src/server/command-tag.js';
import { classifyStatement, readsOnly, sendsRows } from '../../src/server/statement-class.js';
import { isEmptyQuery } from '../../src/server/statement-shape.js';

test('leading comments, blanks and parentheses are skipped; block comments nest', () => {
  assert.equal(classifyStatement('  -- a\n/* b /* c */ d */ ( select 1)').words, ['SELECT']);
  assert.is(skipSpaceAndComments('/* open'), 0);
  assert.is(skipSpaceAndComments('-- only'), 7);
  assert.equal(classifyStatement('').words, []);
});

test('transaction effects: one list of end words', () => {
  const tx = (sql: string) => classifyStatement(sql).tx;
  assert.is(tx('BEGIN'), 'begin');
  assert.is(tx('start transaction'), 'begin');
  assert.is(tx('START'), 'none');
  for (const end of ['COMMIT', 'END', 'ROLLBACK', 'ABORT', '/* x */ rollback'])
    assert.is(tx(end), 'end', end);
  assert.is(tx('ROLLBACK TO s1'), 'none');
  assert.is(tx('ROLLBACK WORK TO SAVEPOINT s1'), 'none');
  assert.is(classifyStatement('ROLLBACK TRANSACTION TO s1').savepoint, 'ROLLBACK TO');
  assert.is(classifyStatement('release s1').savepoint, 'RELEASE');
  assert.ok(classifyStatement('END').endsBlock);
  assert.not.ok(classifyStatement('SELECT 1').endsBlock);
});

test('RVBBIT statements, as the grammar sorts them', () => {
  const rvbbit = (sql: string) => classifyStatement(sql).rvbbit;
  assert.ok(rvbbit("RVBBIT MAP 'x.yaml' USING (SELECT 1)"));
  assert.ok(rvbbit("-- note\nEXPLAIN RVBBIT MAP 'x.yaml' USING (SELECT 1)"));
  assert.ok(rvbbit("CREATE TEMP TABLE t AS RVBBIT MAP 'x.yaml' USING (SELECT 1)"));
  assert.not.ok(rvbbit("CREATE TABLE t AS SELECT 'AS RVBBIT' AS s"));
  assert.not.ok(rvbbit('SELECT 1'));
  // larsql's LARS is RVBBIT: a LARS MAP is dialect and sends rows, a query a cursor can stream.
  const lars = classifyStatement("lars map 'x.yaml' USING (SELECT 1)");
  assert.equal([lars.rvbbit, lars.query, lars.rows], [true, true, 'always']);
  assert.ok(rvbbit("EXPLAIN LARS RUN 'x.yaml' USING (SELECT 1)"));
  assert.ok(rvbbit("CREATE TABLE t AS LARS MAP 'x.yaml' USING (SELECT 1)"));
});

test('rows: always, never, or as the columns say', () => {
  const count = [{ name: 'Count', type: 'BIGINT' }];
  const cols = [{ name: 'a', type: 'INTEGER' }];
  assert.is(classifyStatement('SELECT 1').rows, 'always');
  assert.is(classifyStatement('INSERT INTO t VALUES (1) RETURNING a').rows, 'always');
  assert.is(classifyStatement("INSERT INTO t VALUES ('returning')").rows, 'never');
  assert.is(classifyStatement("CREATE TABLE t AS RVBBIT MAP 'x.yaml' USING (SELECT 1)").rows, 'always');
  assert.is(classifyStatement('CREATE TABLE t (a INT)').rows, 'never');
  const other = classifyStatement('SUMMARIZE_LIKE t');
  assert.is(other.rows, 'by-columns');
  assert.ok(sendsRows(other, cols));
  assert.not.ok(sendsRows(other, count, 1));
  assert.ok(sendsRows(other, count, 2));
});

test('readsOnly: only what provably changes nothing a ROLLBACK TO SAVEPOINT would undo', () => {
  const reads = (sql: string) => readsOnly(classifyStatement(sql), sql);
  for (const sql of [
    'SELECT 1',
    "select * from t where s = 'INSERT INTO x'",
    'WITH a AS (SELECT 1) SELECT * FROM a',
    'FROM t',
    'VALUES (1)',
    'SHOW TABLES',
    'DESCRIBE t',
    'FETCH 10 FROM c',
    "SELECT id FROM t WHERE body MEANS 'eco'",
  ]) {
    assert.ok(reads(sql), sql);
  }
  for (const sql of [
    'INSERT INTO t VALUES (1)',
    'UPDATE t SET a = 1',
    'DELETE FROM t RETURNING *',
    'WITH a AS (SELECT 1) INSERT INTO t SELECT * FROM a',
    'CREATE TABLE t AS SELECT 1',
    "COPY (SELECT 1) TO 'x.csv'",
    'SET search_path = main',
    'DECLARE c CURSOR FOR SELECT 1',
    'CLOSE c',
    'CALL pragma_version()',
    'EXPLAIN SELECT 1',
    "RVBBIT MAP 'x' USING (SELECT 1)",
  ]) {
    assert.not.ok(reads(sql), sql);
  }
});

test('an empty query: only blanks, comments and semicolons', () => {
  assert.ok(isEmptyQuery(''));
  assert.ok(isEmptyQuery(' -- x\n ; /* y /* z */ */ ;'));
  assert.not.ok(isEmptyQuery('/* never closed'));
  assert.not.ok(isEmptyQuery('; SELECT 1'));
});

test("command tags name the object after CREATE's modifiers (CREATE OR REPLACE SEMANTIC FUNCTION answered 'CREATE OR')", () => {
  const none = { columns: [], rows: [] } as unknown as Parameters<typeof completionOf>[1];
  const tag = (sql: string) => completionOf(sql, none).tag;
  assert.is(
    tag("CREATE OR REPLACE SEMANTIC FUNCTION f(t VARCHAR) RETURNS BOOLEAN AS 'x'"),
    'CREATE FUNCTION',
  );
  assert.is(tag("create semantic function f(t VARCHAR) RETURNS BOOLEAN AS 'x'"), 'CREATE FUNCTION');
  assert.is(tag('DROP SEMANTIC FUNCTION IF EXISTS f'), 'DROP FUNCTION');
  assert.is(tag('CREATE OR REPLACE TEMP MACRO m(a) AS a'), 'CREATE MACRO');
  assert.is(tag('CREATE UNIQUE INDEX i ON t(a)'), 'CREATE INDEX');
  assert.is(tag('CREATE OR REPLACE TABLE t (a INT)'), 'CREATE TABLE');
});

test.run();
