/**
 * Same-named columns keep their own values on the wire: DataRows are built
 * by position, through psql, psycopg2 and node-postgres, over the simple and
 * the extended protocol, streamed portals and cursors included.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requires } from '../requires.js';
import { type ServerFixture, startServerFixture } from './helpers.js';
import { psql, psycopg2 } from './py-client.js';

const psqlTest = requires(test, 'psql');
const psycopg2Test = requires(test, 'psycopg2');

let f: ServerFixture;
const JOIN = 'SELECT p.id, c.id FROM p JOIN c ON c.pid = p.id ORDER BY c.id';

test.before(async () => {
  f = await startServerFixture();
  await f.engine.query('CREATE TABLE p AS SELECT * FROM (VALUES (1), (2)) t(id)');
  await f.engine.query('CREATE TABLE c AS SELECT * FROM (VALUES (10, 1), (20, 2), (30, 2)) t(id, pid)');
});
test.after(async () => {
  await f.close();
});

test('node-postgres: simple and extended protocol, by position', async () => {
  const c = await f.client();
  const simple = await c.query({ text: 'SELECT 1 AS a, 2 AS a', rowMode: 'array' });
  assert.equal(
    simple.fields.map((x) => x.name),
    ['a', 'a'],
  );
  assert.equal(simple.rows, [[1, 2]]);
  const extended = await c.query({ text: 'SELECT $1::INTEGER AS a, 2 AS a', values: [1], rowMode: 'array' });
  assert.equal(extended.rows, [[1, 2]]);
  const join = await c.query({ text: JOIN, values: [], rowMode: 'array' });
  assert.equal(join.rows, [
    [1, 10],
    [2, 20],
    [2, 30],
  ]);
  assert.equal((await c.query({ text: JOIN, rowMode: 'array' })).rows, join.rows);
});

psqlTest('psql: both values of SELECT 1 AS a, 2 AS a and of a join', async () => {
  const r = await psql(f.port, ['-A', '-F', ',', '-c', 'SELECT 1 AS a, 2 AS a', '-c', JOIN]);
  assert.is(r.err, '');
  assert.equal(r.out.split('\n'), ['a,a', '1,2', '(1 row)', 'id,id', '1,10', '2,20', '2,30', '(3 rows)', '']);
});

psycopg2Test('psycopg2: both values, plain cursor and named (server-side) cursor', async () => {
  const r = await psycopg2(
    f.port,
    [
      'cur = conn.cursor()',
      "cur.execute('SELECT 1 AS a, 2 AS a')",
      'print(json.dumps([[d.name for d in cur.description], cur.fetchall()]))',
      `cur.execute(${JSON.stringify(JOIN)})`,
      'print(json.dumps(cur.fetchall()))',
      "named = conn.cursor('dup')",
      `named.execute(${JSON.stringify(JOIN)})`,
      'print(json.dumps(named.fetchall()))',
    ].join('\n'),
  );
  assert.is(r.err, '');
  assert.equal(
    r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
    [
      [['a', 'a'], [[1, 2]]],
      [
        [1, 10],
        [2, 20],
        [2, 30],
      ],
      [
        [1, 10],
        [2, 20],
        [2, 30],
      ],
    ],
  );
});

test.run();
