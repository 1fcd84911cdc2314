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

test('a grammar error is 42601 with the 1-based character position of the problem', async () => {
  const c = await f.client();
  const sql = "RVBBIT MAP PARALLEL 0 'traits/extract_brand.yaml' USING (SELECT 1)";
  const err = await rejection(c.query(sql));
  assert.is(err.code, '42601');
  assert.is(err.message, 'PARALLEL must be an integer from 1 to 1000, got 0');
  assert.is(err.position, String(sql.indexOf('0 ') + 1));
});

test('the position counts from the start of the whole query string, across statements', async () => {
  const c = await f.client();
  const sql = 'SELECT 1;\nSELECT * FROM no_table_here';
  const err = await rejection(c.query(sql));
  assert.is(err.code, '42P01');
  assert.is(err.message, 'Catalog Error: Table with name no_table_here does not exist!');
  assert.is(err.position, String(sql.indexOf('no_table_here') + 1));
});

test('a DuckDB syntax error is 42601 with its position', async () => {
  const c = await f.client();
  const err = await rejection(c.query('SELECT 1 + FROM'));
  assert.is(err.code, '42601');
  assert.is(err.message, 'Parser Error: syntax error at or near "FROM"');
  assert.is(err.position, '12');
});

test('a binder error is 42703, a conversion error 22000', async () => {
  const c = await f.client();
  assert.is((await rejection(c.query('SELECT nope FROM products'))).code, '42703');
  assert.is((await rejection(c.query("SELECT 'abc'::INTEGER"))).code, '22000');
});

test('a missing cascade file is an error naming the paths searched, and the session goes on', async () => {
  const c = await f.client();
  const err = await rejection(c.query("RVBBIT MAP 'no/such.yaml' USING (SELECT 1 AS x)"));
  assert.match(err.message, /no\/such/);
  assert.equal((await c.query('SELECT 1 AS ok')).rows, [{ ok: 1 }]);
});

test('a semantic SELECT either runs or fails cleanly with an ErrorResponse', async () => {
  const c = await f.client();
  try {
    const r = await c.query("SELECT 1 AS x WHERE 'a red apple' MEANS 'fruit'");
    assert.ok(Array.isArray(r.rows));
  } catch (err) {
    assert.is((err as { code: string }).code, '0A000');
  }
  assert.equal((await c.query('SELECT 1 AS ok')).rows, [{ ok: 1 }]);
});

test.run();
