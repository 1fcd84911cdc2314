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

test('parameterised queries bind $1 … with the types the client declares', async () => {
  const c = await f.client();
  const r = await c.query(
    'SELECT id, product_name FROM products WHERE category = $1 AND price > $2 ORDER BY id LIMIT 2',
    ['home', 50],
  );
  assert.equal(r.rows, [
    { id: '1', product_name: 'IKEA MALM Dresser 6-drawer' },
    { id: '11', product_name: 'IKEA LACK Side Table' },
  ]);
  assert.is(r.fields[0]!.dataTypeID, 20);
});

test('a named prepared statement runs again with new parameters', async () => {
  const c = await f.client();
  const q = (v: number) => ({
    name: 'by_id',
    text: 'SELECT product_name FROM products WHERE id = $1',
    values: [v],
  });
  assert.equal((await c.query(q(2))).rows, [{ product_name: 'OXO Pour-Over Coffee Maker - Graphite' }]);
  assert.equal((await c.query(q(3))).rows, [{ product_name: 'Ninja Creami Ice Cream Maker' }]);
});

test('types round trip in text format', async () => {
  const c = await f.client();
  const when = new Date(Date.UTC(2024, 1, 29, 12, 34, 56, 789));
  const r = await c.query(
    `SELECT $1::SMALLINT AS i2, $2::INTEGER AS i4, $3::BIGINT AS i8, $4::REAL AS f4, $5::DOUBLE AS f8,
            $6::DECIMAL(10,2) AS num, $7::BOOLEAN AS b, $8::VARCHAR AS t, $9::DATE AS d, $10::TIMESTAMP AS ts,
            $11::JSON AS j, $12::BLOB AS bytes, NULL::INTEGER AS n`,
    [
      7,
      -42,
      '9007199254740993',
      1.5,
      Math.PI,
      '12.30',
      true,
      'héllo, wörld',
      '2024-02-29',
      when,
      '{"a": [1, 2]}',
      Buffer.from([0, 1, 255]),
    ],
  );
  const row = r.rows[0];
  assert.ok(Buffer.from([0, 1, 255]).equals(row.bytes));
  assert.equal(
    { ...row, d: row.d.toISOString(), ts: row.ts.toISOString(), bytes: 'checked' },
    {
      i2: 7,
      i4: -42,
      i8: '9007199254740993',
      f4: 1.5,
      f8: Math.PI,
      num: '12.30',
      b: true,
      t: 'héllo, wörld',
      d: new Date(2024, 1, 29).toISOString(),
      ts: new Date(2024, 1, 29, 12, 34, 56, 789).toISOString(),
      // JSON columns go as json (OID 114), which node-postgres parses.
      j: { a: [1, 2] },
      bytes: 'checked',
      n: null,
    },
  );
  assert.equal(
    r.fields.map((x) => x.dataTypeID),
    [21, 23, 20, 700, 701, 1700, 16, 25, 1082, 1114, 114, 17, 23],
  );
});

test('binary result format encodes ints, floats, bool, text, date, timestamp and numeric', async () => {
  const c = await f.client({ binary: true } as never);
  const r = await c.query(
    "SELECT 5::INTEGER AS i4, 6::BIGINT AS i8, 0.25::DOUBLE AS f8, false AS b, 'x' AS t, DATE '2024-01-02' AS d, TIMESTAMP '2024-01-02 03:04:05' AS ts, 12.30::DECIMAL(10,2) AS num",
  );
  const row = r.rows[0];
  assert.is(row.i4, 5);
  assert.is(row.i8, '6');
  assert.is(row.f8, 0.25);
  assert.is(row.b, false);
  assert.is(row.t, 'x');
  assert.is(row.d.getTime(), new Date(2024, 0, 2).getTime());
  assert.is(row.ts.getTime(), new Date(2024, 0, 2, 3, 4, 5).getTime());
  assert.is(row.num, '12.30');
});

test('a MAP runs through the extended protocol (Parse, Bind, Describe, Execute)', async () => {
  const c = await f.client();
  const r = await c.query({
    name: 'map_two',
    text: "RVBBIT MAP 'traits/extract_brand.yaml' AS (brand VARCHAR) USING (SELECT id, product_name FROM products WHERE id <= 2 ORDER BY id)",
  });
  // Describe names `_error` before the MAP runs, so it is there (NULL) though no row failed.
  assert.equal(r.rows, [
    { id: '1', product_name: 'IKEA MALM Dresser 6-drawer', brand: 'IKEA', _error: null },
    { id: '2', product_name: 'OXO Pour-Over Coffee Maker - Graphite', brand: 'OXO', _error: null },
  ]);
});

test('an error in the extended protocol is reported once and the connection recovers at Sync', async () => {
  const c = await f.client();
  const err = await rejection(c.query('SELECT * FROM products WHERE nope = $1', [1]));
  assert.is(err.code, '42703');
  assert.equal((await c.query('SELECT $1::INTEGER AS x', [5])).rows, [{ x: 5 }]);
});

test.run();
