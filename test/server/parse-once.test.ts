/**
 * The server parses each statement once (issue 35): the check of a message
 * of several statements, Describe, a streaming portal and the run all use
 * the one parse (src/server/parsed-sql.ts), and a named prepared statement
 * is parsed at its first use only, however often it runs. Counted by
 * wrapping the engine's grammar, which every parse goes through.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Grammar } from '../../grammar/index.js';
import { type ServerFixture, startServerFixture } from './helpers.js';

let f: ServerFixture;
const parsed: string[] = [];

test.before(async () => {
  f = await startServerFixture();
  const grammar = f.engine.grammar as { parse: Grammar['parse'] };
  const parse = grammar.parse.bind(grammar);
  grammar.parse = (sql) => {
    parsed.push(sql.trim());
    return parse(sql);
  };
});
test.after(async () => {
  await f.close();
});
test.before.each(() => {
  parsed.length = 0;
});

test('a message of three statements: each parsed once, by the check, and run from that parse', async () => {
  const c = await f.client();
  const results = (await c.query(
    'CREATE TEMP TABLE three AS SELECT 1 AS a; INSERT INTO three VALUES (2); SELECT a FROM three ORDER BY a',
  )) as unknown as { rows: unknown[] }[];
  assert.equal(results[2]!.rows, [{ a: 1 }, { a: 2 }]);
  assert.equal(parsed, [
    'CREATE TEMP TABLE three AS SELECT 1 AS a',
    'INSERT INTO three VALUES (2)',
    'SELECT a FROM three ORDER BY a',
  ]);
});

test('extended protocol, plain SQL: Describe and the streaming Execute share one parse', async () => {
  const c = await f.client();
  const r = await c.query({ text: 'SELECT $1::INTEGER + 1 AS x', values: [41] });
  assert.equal(r.rows, [{ x: 42 }]);
  assert.equal(r.fields[0]!.name, 'x');
  assert.equal(parsed, ['SELECT $1::INTEGER + 1 AS x']);
});

test('a named prepared statement with an operator, run twice: parsed once, same rows as the library', async () => {
  const sql = `SELECT CAST(p.id AS VARCHAR) AS pid, product_name MEANS 'coffee' AS coffee FROM products p ORDER BY p.id LIMIT 3`;
  const expected = (await f.engine.query(sql)).rows;
  assert.equal(expected, [
    { pid: '1', coffee: false },
    { pid: '2', coffee: true },
    { pid: '3', coffee: false },
  ]);
  parsed.length = 0;
  const c = await f.client();
  const first = await c.query({ name: 'coffee', text: sql });
  const second = await c.query({ name: 'coffee', text: sql });
  assert.equal(first.rows, expected);
  assert.equal(second.rows, expected);
  assert.equal(parsed, [sql]);
});

test('a named MAP with a parameter, run twice: Describe and both runs from one parse', async () => {
  const sql = `RVBBIT MAP 'traits/extract_brand.yaml' AS brand USING (SELECT product_name FROM products WHERE id <= $1 ORDER BY id)`;
  const c = await f.client();
  const first = await c.query({ name: 'brands', text: sql, values: [2] });
  const second = await c.query({ name: 'brands', text: sql, values: [3] });
  assert.equal(
    first.fields.map((x) => x.name),
    ['product_name', 'brand', '_error'],
  );
  assert.is(first.rows.length, 2);
  assert.is(second.rows.length, 3);
  assert.equal(second.rows.slice(0, 2), first.rows);
  assert.equal(parsed, [sql]);
});

test('a grammar error is found by the one parse and reported once, with its position', async () => {
  const c = await f.client();
  const err = await c
    .query({ text: "RVBBIT MAP 'x.yaml' AS USING (SELECT $1)", values: [1] })
    .catch((e) => e);
  assert.is(err.code, '42601');
  assert.ok(Number(err.position) > 0, `position ${err.position}`);
  assert.equal(parsed, ["RVBBIT MAP 'x.yaml' AS USING (SELECT $1)"]);
});

test.run();
