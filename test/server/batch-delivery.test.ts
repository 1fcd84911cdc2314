/**
 * `delivery = 'batch'` through the Postgres server: a MAP with WITH
 * (delivery = 'batch') over psql (simple protocol) and an operator with
 * `-- @ delivery: batch` over node-postgres (extended, a parameter) each go
 * as one provider batch, no synchronous call, with the rows a sync run gives.
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
  f = await startServerFixture({}, { batchCompletionMs: 50 });
  await f.engine.query(
    `CREATE TABLE items AS SELECT range AS id, 'Brand' || range || ' phone' AS product_name FROM range(20)`,
  );
});
test.after(async () => {
  await f.close();
});

psqlTest('psql: a MAP WITH (delivery = batch) is one batch and the sync rows', async () => {
  const map = (delivery: string) =>
    `RVBBIT MAP 'traits/extract_brand.yaml' AS (brand VARCHAR) USING (SELECT id, product_name FROM items) WITH (cache = false, delivery = '${delivery}')`;
  const sync = await psql(f.port, ['-At', '-c', map('sync')]);
  assert.is(sync.code, 0, sync.err);
  f.sim.resetStats();
  const batch = await psql(f.port, ['-At', '-c', map('batch')]);
  assert.is(batch.code, 0, batch.err);
  assert.is(batch.out, sync.out);
  assert.is(batch.out.trim().split('\n').length, 20);
  const s = f.sim.stats();
  assert.equal([s.batchesCreated, s.batchLines, s.requests], [1, 20, 0]);
});

test('node-postgres: an operator with -- @ delivery: batch and a parameter', async () => {
  const client = new pg.Client({ host: '127.0.0.1', port: f.port, user: 'u', database: 'rvbbit' });
  await client.connect();
  try {
    const sql = `-- @ cache: false\n-- @ delivery: batch\nSELECT id FROM items WHERE product_name MEANS $1 ORDER BY id`;
    f.sim.resetStats();
    const r = await client.query(sql, ['a phone']);
    const s = f.sim.stats();
    assert.equal([s.batchesCreated, s.requests], [1, 0]);
    const sync = await client.query(sql.replace('-- @ delivery: batch', '-- @ delivery: sync'), ['a phone']);
    assert.equal(r.rows, sync.rows);
  } finally {
    await client.end();
  }
});

test.run();
