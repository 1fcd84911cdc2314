import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rejection, type ServerFixture, startServerFixture } from './helpers.js';

let f: ServerFixture;
test.before(async () => {
  f = await startServerFixture();
});
test.after(async () => {
  await f.close();
});

test('a plain SELECT returns typed rows', async () => {
  const c = await f.client();
  const r = await c.query(
    "SELECT 1::INTEGER AS a, 'x' AS b, 2.5::DOUBLE AS c, true AS d, NULL::INTEGER AS e",
  );
  assert.equal(r.rows, [{ a: 1, b: 'x', c: 2.5, d: true, e: null }]);
  assert.equal(
    r.fields.map((x) => [x.name, x.dataTypeID]),
    [
      ['a', 23],
      ['b', 25],
      ['c', 701],
      ['d', 16],
      ['e', 23],
    ],
  );
  assert.is(r.command, 'SELECT');
  assert.is(r.rowCount, 1);
});

test('several statements in one simple query give one result each, with their tags', async () => {
  const c = await f.client();
  const results = (await c.query(
    'CREATE TABLE multi (x INTEGER); INSERT INTO multi VALUES (1), (2), (3); UPDATE multi SET x = x + 1 WHERE x > 1; DELETE FROM multi WHERE x = 4; SELECT x FROM multi ORDER BY x',
  )) as unknown as { command: string; rowCount: number | null; rows: unknown[] }[];
  assert.equal(
    results.map((r) => [r.command, r.rowCount]),
    [
      ['CREATE', null],
      ['INSERT', 3],
      ['UPDATE', 2],
      ['DELETE', 1],
      ['SELECT', 2],
    ],
  );
  assert.equal(results[4]!.rows, [{ x: 1 }, { x: 3 }]);
});

test('an empty query gets EmptyQueryResponse and the connection stays usable', async () => {
  const c = await f.client();
  const r = await c.query('');
  assert.is(r.rows.length, 0);
  assert.equal((await c.query('SELECT 2 AS two')).rows, [{ two: 2 }]);
});

test('an error stops the rest of a multi-statement query and rolls back its implicit transaction', async () => {
  const c = await f.client();
  await c.query('CREATE TABLE stop_here (x INTEGER)');
  const err = await rejection(
    c.query(
      'INSERT INTO stop_here VALUES (1); SELECT * FROM missing_table; INSERT INTO stop_here VALUES (2)',
    ),
  );
  assert.is(err.code, '42P01');
  // As in Postgres: the message was one transaction, so the first INSERT is gone too.
  assert.equal((await c.query('SELECT count(*)::INTEGER AS n FROM stop_here')).rows, [{ n: 0 }]);
});

test('transactions pass to DuckDB: ROLLBACK undoes, COMMIT keeps, a failed transaction needs ROLLBACK', async () => {
  const c = await f.client();
  await c.query('CREATE TABLE tx (x INTEGER)');
  await c.query('BEGIN');
  await c.query('INSERT INTO tx VALUES (1)');
  await c.query('ROLLBACK');
  await c.query('BEGIN; INSERT INTO tx VALUES (2); COMMIT');
  assert.equal((await c.query('SELECT x FROM tx')).rows, [{ x: 2 }]);
  await c.query('BEGIN');
  const err = await rejection(c.query('SELECT * FROM no_such_table'));
  assert.is(err.code, '42P01');
  const again = await rejection(c.query('SELECT 1'));
  assert.match(again.message, /aborted/i);
  await c.query('ROLLBACK');
  assert.equal((await c.query('SELECT 3 AS x')).rows, [{ x: 3 }]);
});

test('temp tables are per client session; tables are shared', async () => {
  const a = await f.client();
  const b = await f.client();
  await a.query('CREATE TEMP TABLE mine AS SELECT 1 AS x');
  await a.query('CREATE TABLE shared_t AS SELECT 7 AS x');
  assert.is((await a.query('SELECT x FROM mine')).rows[0].x, 1);
  const err = await rejection(b.query('SELECT x FROM mine'));
  assert.is(err.code, '42P01');
  assert.is((await b.query('SELECT x FROM shared_t')).rows[0].x, 7);
});

test.run();
