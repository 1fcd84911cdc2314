/**
 * LLM_FILTER and a tuple MEANS through the Postgres server: psql (simple
 * protocol) and node-postgres (extended, with a parameter) get the rows the
 * library gets, typed BOOLEAN.
 */
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requires } from '../requires.js';
import { type ServerFixture, startServerFixture } from './helpers.js';
import { psql } from './py-client.js';

const psqlTest = requires(test, 'psql');

let f: ServerFixture;

test.before(async () => {
  f = await startServerFixture({}, {});
  await f.engine.query(
    `CREATE TABLE reviews AS SELECT * FROM (VALUES (1, 'the battery lasts two days', 'phone'),
       (2, 'the blade stays sharp', 'knife'), (3, 'battery died in a week', 'phone')) v(id, text, product)`,
  );
});
test.after(async () => {
  await f.close();
});

const SQL = `SELECT id, LLM_FILTER('talks about the phone battery', product, text) AS battery FROM reviews ORDER BY id`;

psqlTest('psql: LLM_FILTER over two columns', async () => {
  const lib = (await f.engine.query(SQL)).rows.map((r) => `${r.id}|${r.battery ? 't' : 'f'}`);
  const r = await psql(f.port, ['-At', '-c', SQL]);
  assert.is(r.code, 0, r.err);
  assert.equal(r.out.trim().split('\n'), lib);
  assert.equal(lib, ['1|t', '2|f', '3|t']);
});

test('node-postgres: a tuple MEANS with a parameter, BOOLEAN typed', async () => {
  const client = new pg.Client({ host: '127.0.0.1', port: f.port, user: 'u', database: 'rvbbit' });
  await client.connect();
  try {
    const r = await client.query(`SELECT id, (product, text) MEANS $1 AS battery FROM reviews ORDER BY id`, [
      'a phone battery',
    ]);
    assert.equal(
      r.rows.map((x) => [x.id, x.battery]),
      [
        [1, true],
        [2, false],
        [3, true],
      ],
    );
    assert.is(r.fields[1]!.dataTypeID, 16);
  } finally {
    await client.end();
  }
});

test.run();
