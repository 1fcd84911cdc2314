import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { valueText } from '../../src/output/value-text.js';

test('scalars as DuckDB prints them', () => {
  assert.is(valueText(123n, 'BIGINT'), '123');
  assert.is(valueText(1, 'DOUBLE'), '1.0');
  assert.is(valueText(0.1, 'DOUBLE'), '0.1');
  assert.is(valueText(Number.NaN, 'DOUBLE'), 'nan');
  assert.is(valueText(12.3, 'DECIMAL(10,2)'), '12.30');
  assert.is(valueText(true, 'BOOLEAN'), 'true');
  assert.is(valueText(null, 'INTEGER'), null);
  assert.is(valueText(undefined, 'INTEGER'), null);
});

test('dates, timestamps and times', () => {
  assert.is(valueText(new Date(Date.UTC(2024, 0, 2)), 'DATE'), '2024-01-02');
  assert.is(valueText(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), 'TIMESTAMP'), '2024-01-02 03:04:05');
  assert.is(valueText(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 120)), 'TIMESTAMP'), '2024-01-02 03:04:05.12');
  assert.is(
    valueText(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), 'TIMESTAMP WITH TIME ZONE'),
    '2024-01-02 03:04:05+00',
  );
  assert.is(valueText(3723500000n, 'TIME'), '01:02:03.5');
});

test('nested values and intervals', () => {
  assert.is(valueText([1, 2, null], 'INTEGER[]'), '[1, 2, NULL]');
  assert.is(valueText(['a', 'b c'], 'VARCHAR[]'), '[a, b c]');
  assert.is(valueText({ a: 1, b: 'x y' }, 'STRUCT(a INTEGER, b VARCHAR)'), "{'a': 1, 'b': x y}");
  assert.is(valueText([{ key: 'k', value: 1 }], 'MAP(VARCHAR, INTEGER)'), '{k=1}');
  assert.is(
    valueText({ months: 14, days: 1, micros: 3600000000n }, 'INTERVAL'),
    '1 year 2 months 1 day 01:00:00',
  );
  assert.is(valueText({ months: 0, days: 3, micros: 0n }, 'INTERVAL'), '3 days');
});

test('strings inside nested values: quoted exactly where DuckDB`s cast quotes them', async () => {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    for (const s of [
      'a b',
      'x,y',
      "x'y",
      'x"y',
      '{x',
      'x]',
      'x:y',
      'x=y',
      'x(y',
      'x)y',
      ' x',
      'x ',
      'NULL',
      'null',
      '',
      'x\\y',
      'x;y',
      'a\nb',
    ]) {
      const lit = `'${s.replace(/'/g, "''")}'`;
      const r = await con.runAndReadAll(
        `SELECT [${lit}, NULL] AS l, [${lit}, NULL]::VARCHAR AS lt, {'k': ${lit}} AS st, {'k': ${lit}}::VARCHAR AS stt`,
      );
      const row = r.getRowObjectsJS()[0]!;
      assert.is(valueText(row.l, 'VARCHAR[]'), row.lt, JSON.stringify(s));
      assert.is(valueText(row.st, 'STRUCT(k VARCHAR)'), row.stt, JSON.stringify(s));
    }
  } finally {
    con.closeSync();
    db.closeSync();
  }
  assert.is(valueText(['x, y', null, 'NULL'], 'VARCHAR[]'), "['x, y', NULL, 'NULL']");
});

test('nested values of every leaf type print as DuckDB`s cast, from JS values and from node-api`s own objects', async () => {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    for (const e of [
      `{'a': 'it''s', 'b': [1.5, 2.5], 'c': DATE '2024-01-02'}`,
      `MAP {'k 1': 'v:1', 'k2': 'v'}`,
      `[[' a', 'b'], NULL, []]`,
      `{'it''s': 1, 'x y': NULL}`,
      `[{'a': 'x'}, {'a': 'y, z'}]`,
      `{'t': TIMESTAMP '2024-01-01 10:00:00', 'u': uuid '00000000-0000-0000-0000-000000000001'}`,
      `{'d': 1.50::DECIMAL(4,2), 'i': INTERVAL 90 MINUTE, 'b': true}`,
      `[TIME '10:00:00']::TIME[]`,
      `MAP {1: [2, 3]}`,
      `union_value(s := 'a, b')`,
    ]) {
      const r = await con.runAndReadAll(`SELECT ${e} AS v, (${e})::VARCHAR AS t`);
      const type = r.columnTypes()[0]!.toString();
      const exact = r.getRows()[0]![0];
      const js = r.getRowObjectsJS()[0]!.v;
      const duck = r.getRows()[0]![1] as string;
      assert.is(valueText(exact, type), duck, `node-api value of ${e}`);
      if (!type.startsWith('UNION') && !type.startsWith('TIME'))
        assert.is(valueText(js, type), duck, `JS value of ${e}`);
    }
  } finally {
    con.closeSync();
    db.closeSync();
  }
});

test('the pg style differs only where clients parse: booleans and bytea', () => {
  assert.is(valueText(true, 'BOOLEAN', 'pg'), 't');
  assert.is(valueText(false, 'BOOLEAN', 'pg'), 'f');
  assert.is(valueText(new Uint8Array([0, 0x61, 255]), 'BLOB', 'pg'), '\\x0061ff');
  assert.is(valueText(new Uint8Array([0, 0x61, 255]), 'BLOB'), '\\x00a\\xFF');
  assert.is(valueText(new Date(Date.UTC(2024, 0, 2)), 'DATE', 'pg'), '2024-01-02');
});

test.run();
