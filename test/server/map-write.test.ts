/**
 * `INSERT INTO t RVBBIT MAP …` and `COPY (RVBBIT MAP …) TO 'file'` over the
 * wire (issue 66): node-postgres sees Postgres' command tags (`INSERT 0 n`,
 * `COPY n`) in the simple and the extended protocol, and psql prints them;
 * a missing table is 42P01 before the first call and the connection goes on;
 * inside BEGIN … ROLLBACK the rows go with the block. Real server, real
 * DuckDB, real simulator; the file goes to a folder the server opens.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requires } from '../requires.js';
import { rejection, type ServerFixture, startServerFixture } from './helpers.js';
import { psql } from './py-client.js';

const N = 20;
const MAP = `RVBBIT MAP PARALLEL 4 'traits/extract_brand.yaml' AS (brand VARCHAR)
  USING (SELECT range::INT AS id, 'Brand' || range || ' phone' AS product_name FROM range(${N}))
  WITH (cache = false, limit = 0)`;

let f: ServerFixture;
let dir = '';
test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rvbbit-map-write-wire-'));
  f = await startServerFixture({ allowFiles: [dir] });
  await f.engine.query('CREATE TABLE brands (id INT, product_name VARCHAR, brand VARCHAR)');
});
test.after(async () => {
  await f.close();
  rmSync(dir, { recursive: true, force: true });
});

test('node-postgres: INSERT … RVBBIT MAP answers INSERT 0 n, in the simple and the extended protocol', async () => {
  const c = await f.client();
  await c.query('DELETE FROM brands');
  f.sim.resetStats();
  const simple = await c.query(`INSERT INTO brands ${MAP}`);
  assert.is(simple.command, 'INSERT');
  assert.is(simple.rowCount, N);
  assert.equal(simple.rows, []);
  assert.is(f.sim.stats().requests, N);
  // With a parameter: Parse, Bind, Describe (no rows), Execute.
  const extended = await c.query({
    text: `INSERT INTO brands RVBBIT MAP 'traits/extract_brand.yaml' AS (brand VARCHAR)
      USING (SELECT $1::INT AS id, 'Brand9 phone' AS product_name) WITH (cache = false)`,
    values: [99],
  });
  assert.is(extended.command, 'INSERT');
  assert.is(extended.rowCount, 1);
  const rows = await c.query('SELECT id, brand FROM brands');
  assert.is(rows.rows.length, N + 1);
  assert.equal(rows.rows[0], { id: 0, brand: 'Brand0' });
  assert.equal(rows.rows[N], { id: 99, brand: 'Brand9' });
});

test('node-postgres: COPY (RVBBIT MAP …) TO a parquet file answers COPY n; the file holds the rows in order', async () => {
  const c = await f.client();
  const file = join(dir, 'brands.parquet');
  const r = await c.query(`COPY (${MAP}) TO '${file}' (FORMAT parquet)`);
  assert.is(r.command, 'COPY');
  assert.is(r.rowCount, N);
  const back = await c.query(`SELECT id, brand FROM read_parquet('${file}')`);
  assert.equal(
    back.rows.map((row: { id: number }) => row.id),
    Array.from({ length: N }, (_, i) => i),
  );
  assert.equal(back.rows[N - 1], { id: N - 1, brand: `Brand${N - 1}` });
});

test('a missing table is 42P01 before the first call, naming it and where; the connection goes on', async () => {
  const c = await f.client();
  f.sim.resetStats();
  const err = await rejection(c.query(`INSERT INTO nowhere ${MAP}`));
  assert.is(err.code, '42P01');
  assert.match(
    err.message,
    /^INSERT INTO nowhere \(line 1, column 13\): Catalog Error: Table with name nowhere does not exist/,
  );
  assert.is(f.sim.stats().requests, 0);
  assert.equal((await c.query('SELECT 1 AS x')).rows, [{ x: 1 }]);
});

test('inside BEGIN … ROLLBACK the inserted rows go with the block', async () => {
  const c = await f.client();
  await c.query('DELETE FROM brands');
  await c.query('BEGIN');
  const r = await c.query(`INSERT INTO brands ${MAP}`);
  assert.is(r.rowCount, N);
  assert.equal((await c.query('SELECT count(*)::INT AS n FROM brands')).rows, [{ n: N }]);
  await c.query('ROLLBACK');
  assert.equal((await c.query('SELECT count(*)::INT AS n FROM brands')).rows, [{ n: 0 }]);
});

requires(test, 'psql')('psql prints INSERT 0 n and COPY n', async () => {
  const file = join(dir, 'psql.csv');
  const r = await psql(
    f.port,
    ['-c', `INSERT INTO brands ${MAP}`, '-c', `COPY (${MAP}) TO '${file}' (HEADER)`],
    undefined,
    'rvbbit',
  );
  assert.is(r.code, 0, r.err);
  assert.is(r.out, `INSERT 0 ${N}\nCOPY ${N}\n`);
});

test.run();
