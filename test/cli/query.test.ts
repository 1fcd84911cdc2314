import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CASCADES, PRODUCTS, rvbbit } from './helpers.js';

const TYPED =
  "SELECT 1::INTEGER AS i, 2::BIGINT AS b, 1.0::DOUBLE AS d, 12.3::DECIMAL(10,2) AS n, NULL::INTEGER AS z, DATE '2024-01-02' AS day, TIMESTAMP '2024-01-02 03:04:05' AS ts, [1, 2] AS l, {'a': 1, 'b': 'x'} AS s, 'a,b' AS t";

test('table: aligned, values as DuckDB prints them, NULL shown', async () => {
  const r = await rvbbit(['query', TYPED]);
  assert.is(r.err, '');
  assert.is(r.code, 0);
  assert.is(
    r.out,
    [
      '┌───┬───┬─────┬───────┬──────┬────────────┬─────────────────────┬────────┬──────────────────┬─────┐',
      '│ i │ b │   d │     n │    z │ day        │ ts                  │ l      │ s                │ t   │',
      '├───┼───┼─────┼───────┼──────┼────────────┼─────────────────────┼────────┼──────────────────┼─────┤',
      "│ 1 │ 2 │ 1.0 │ 12.30 │ NULL │ 2024-01-02 │ 2024-01-02 03:04:05 │ [1, 2] │ {'a': 1, 'b': x} │ a,b │",
      '└───┴───┴─────┴───────┴──────┴────────────┴─────────────────────┴────────┴──────────────────┴─────┘',
      '(1 row)',
      '',
    ].join('\n'),
  );
});

test('csv: NULL is empty, fields with commas are quoted', async () => {
  const r = await rvbbit(['query', '--format', 'csv', TYPED]);
  assert.is(
    r.out,
    'i,b,d,n,z,day,ts,l,s,t\n1,2,1.0,12.30,,2024-01-02,2024-01-02 03:04:05,"[1, 2]","{\'a\': 1, \'b\': x}","a,b"\n',
  );
});

test('json and ndjson keep numbers and nesting; BIGINT without n', async () => {
  const json = await rvbbit(['query', '--format', 'json', TYPED]);
  assert.equal(JSON.parse(json.out), [
    {
      i: 1,
      b: 2,
      d: 1,
      n: 12.3,
      z: null,
      day: '2024-01-02',
      ts: '2024-01-02 03:04:05',
      l: [1, 2],
      s: { a: 1, b: 'x' },
      t: 'a,b',
    },
  ]);
  const nd = await rvbbit(['query', '--format', 'ndjson', 'SELECT range AS i FROM range(3)']);
  assert.is(nd.out, '{"i":0}\n{"i":1}\n{"i":2}\n');
});

test('-f file.sql runs every statement, printing each result and command tags', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-cli-'));
  const file = join(dir, 'q.sql');
  writeFileSync(
    file,
    'CREATE TABLE t (x INTEGER);\nINSERT INTO t VALUES (1), (2);\nSELECT sum(x)::INTEGER AS total FROM t;\n',
  );
  const r = await rvbbit(['query', '-f', file, '--format', 'csv']);
  assert.is(r.code, 0);
  assert.is(r.out, 'total\n3\n');
  const t = await rvbbit(['query', '-f', file]);
  assert.match(t.out, /^CREATE TABLE\nINSERT 0 2\n┌/);
});

test('a MAP over the example products with --cascades', async () => {
  const r = await rvbbit([
    'query',
    '--cascades',
    CASCADES,
    '--format',
    'csv',
    `CREATE TABLE products AS SELECT * FROM '${PRODUCTS}';
     RVBBIT MAP PARALLEL 5 'traits/extract_brand.yaml' AS (brand VARCHAR, confidence DOUBLE)
     USING (SELECT id, product_name FROM products ORDER BY id LIMIT 3)`,
  ]);
  // Only the MAP's cost line (the example cascade's small-fast has no price on the simulator).
  assert.match(
    r.err,
    /^cost: 3 calls, 0 cache hits, \d+ tokens in, \d+ tokens out, \$ unknown, \d+\.\d ms\n$/,
  );
  // CSV prints as rows come, its header first: a MAP's `_error` column is there, empty for a row that did not fail.
  // The confidences are the simulator's draws, seeded by the messages (0.377, 0.642, 0.07 while the cell restated
  // its schema in a system message, before issue 67).
  assert.is(
    r.out,
    // The confidence is the simulator world's number for (question, text) since issue 68, the same for every model;
    // 0.512, 0.577, 0.995 before (seeded by the model and the messages).
    'id,product_name,brand,confidence,_error\n1,IKEA MALM Dresser 6-drawer,IKEA,0.388,\n2,OXO Pour-Over Coffee Maker - Graphite,OXO,0.257,\n3,Ninja Creami Ice Cream Maker,Ninja,0.178,\n',
  );
});

test('--db keeps tables in a file between runs', async () => {
  const db = join(mkdtempSync(join(tmpdir(), 'rvbbit-db-')), 'x.duckdb');
  await rvbbit(['query', '--db', db, 'CREATE TABLE kept AS SELECT 42 AS answer']);
  const r = await rvbbit(['query', '--db', db, '--format', 'csv', 'SELECT answer FROM kept']);
  assert.is(r.out, 'answer\n42\n');
});

test('a bad --format is refused with the valid choices (bad usage: exit 2)', async () => {
  const r = await rvbbit(['query', '--format', 'xml', 'SELECT 1']);
  assert.is(r.code, 2);
  assert.match(r.err, /--format must be one of table, csv, json, ndjson/);
});

test('a streamed query that fails part-way: the rows so far, then the error and exit 1, never a shorter result that ends well', async () => {
  for (const format of ['csv', 'ndjson']) {
    const r = await rvbbit([
      'query',
      '--format',
      format,
      `SELECT CASE WHEN range < 300000 THEN range ELSE error('boom at ' || range) END::BIGINT AS i FROM range(600000)`,
    ]);
    assert.is(r.code, 1, `${format}: exit ${r.code}`);
    assert.match(r.err, /DUCKDB_STREAM_FAILED|failed after \d+ rows/);
    // The rows printed before the failure are rows of the query, in order, fewer than the 300,000 before it.
    const lines = r.out.split('\n').filter((l) => l !== '');
    const rows =
      format === 'csv' ? lines.slice(1) : lines.map((l) => String((JSON.parse(l) as { i: number }).i));
    assert.ok(rows.length < 300000, `${format}: ${rows.length} rows`);
    assert.equal(rows.slice(0, 3), ['0', '1', '2']);
  }
});

test.run();
