/**
 * The Postgres value codecs on their own: the text forms clients send that
 * the client tests do not reach (ISO 8601 intervals, '@ … ago', zones, BC),
 * Postgres array text, and the literal rewrites' edges (comments, E'' strings,
 * CAST … AS, nested arrays).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArraySyntaxError, parseArrayText } from '../../src/server/types/array-codec.js';
import {
  intervalText,
  parseInterval,
  parseTimestamp,
  timestampText,
} from '../../src/server/types/datetime-codec.js';
import { floatText } from '../../src/server/types/numeric-codec.js';
import { Oid } from '../../src/server/types/oids.js';
import { decodeParam } from '../../src/server/types/param-codec.js';
import { pgLiteralsForDuckDB } from '../../src/server/types/pg-literals.js';

const text = (s: string, oid: number) => decodeParam(Buffer.from(s), 0, oid, 0);

test('interval text in the forms clients send', () => {
  const cases: [string, [number, number, bigint]][] = [
    ['1 year 2 mons 3 days 04:05:06.789', [14, 3, 14_706_789_000n]],
    ['-1 years -2 mons +3 days -04:05:06', [-14, 3, -14_706_000_000n]],
    ['1 day 0:00:00.000003', [0, 1, 3n]],
    ['3723.000004 seconds', [0, 0, 3_723_000_004n]],
    ['@ 1 day 2 hours ago', [0, -1, -7_200_000_000n]],
    ['2 weeks 5 mins', [0, 14, 300_000_000n]],
    ['P1Y2M3DT4H5M6.5S', [14, 3, 14_706_500_000n]],
    ['-P1D', [0, -1, 0n]],
  ];
  for (const [s, [months, days, micros]] of cases) {
    assert.equal(parseInterval(s), { months, days, micros }, s);
  }
  assert.is(parseInterval('1.5 days'), undefined); // DuckDB casts what this does not read
  assert.is(
    intervalText({ months: -14, days: 3, micros: -1_000_000n }),
    '-1 years -2 mons +3 days -00:00:01',
  );
});

test('timestamp text: T or space, zones applied only for timestamptz, BC, infinity', () => {
  const at = (s: string, tz: boolean) => parseTimestamp(s, tz);
  assert.is(at('2024-02-29T12:34:56.1234567', false), 1_709_210_096_123_457n);
  assert.is(at('2024-02-29 12:34:56+05:30', true), 1_709_190_296_000_000n);
  assert.is(at('2024-02-29 12:34:56+05:30', false), 1_709_210_096_000_000n);
  assert.is(timestampText(at('0044-03-15 10:00:00.5 BC', false)!, false), '0044-03-15 10:00:00.5 BC');
  assert.is(timestampText(at('infinity', true)!, true), 'infinity');
  assert.is(at('2024-02-29 noon', false), undefined);
});

test('floats print as Postgres 15 prints them', () => {
  const f8: [number, string][] = [
    [1, '1'],
    [1e15, '1e+15'],
    [123456789012345, '123456789012345'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [-1.5e-300, '-1.5e-300'],
    [-0, '-0'],
  ];
  for (const [n, s] of f8) assert.is(floatText(n, false), s);
  assert.is(floatText(Math.fround(0.1), true), '0.1');
  assert.is(floatText(Math.fround(123456), true), '123456');
  assert.is(floatText(Math.fround(1234567), true), '1.234567e+06');
});

test('Postgres array text: quoting, escapes, NULL, dimensions, bounds', () => {
  assert.equal(parseArrayText('{1, NULL ,"NULL","a\\"b",  x y  ,{}}'), ['1', null, 'NULL', 'a"b', 'x y', []]);
  assert.equal(parseArrayText('[0:1]={{1,2},{3,4}}'), [
    ['1', '2'],
    ['3', '4'],
  ]);
  assert.throws(
    () => parseArrayText('{1,2'),
    (e: unknown) => e instanceof ArraySyntaxError,
  );
  assert.throws(
    () => parseArrayText('{1,}'),
    (e: unknown) => e instanceof ArraySyntaxError,
  );
  assert.is(text('{"a,b",NULL,"x\\\\y"}', 1009), '["a,b", NULL, "x\\\\y"]');
  assert.is(text('{{1,2},{3,NULL}}', 1007), '[[1, 2], [3, NULL]]');
  assert.is(text('{"\\\\x00ff"}', 1001), '["\\\\x00\\\\xff"]');
});

test('numeric, uuid and bytea text parameters bind exactly', () => {
  assert.is(String(text('12345678901234567.1234', Oid.numeric)), '12345678901234567.1234');
  assert.is(String(text('1E+3', Oid.numeric)), '1000');
  assert.is(text('1' + '0'.repeat(40), Oid.numeric), `1${'0'.repeat(40)}`);
  assert.is(
    String(text('{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}', Oid.uuid)),
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  );
  assert.equal([...(text('a\\\\b\\001', Oid.bytea) as Uint8Array)], [0x61, 0x5c, 0x62, 0x01]);
});

test('literals rewritten for DuckDB; comments, strings, quoted names and DuckDB spellings left alone', () => {
  const same = [
    "SELECT '\\x41'::BLOB",
    "SELECT 'it''s'::text",
    "SELECT '[1, 2]'::int[]",
    "-- '\\x00'::bytea\nSELECT 1",
    'SELECT "\'\\x00\'::bytea" FROM t',
    "SELECT $$ '\\x00'::bytea $$",
    "SELECT '1.5'::numeric(10,2)",
  ];
  for (const sql of same) assert.is(pgLiteralsForDuckDB(sql), sql);
  assert.is(pgLiteralsForDuckDB("SELECT '\\x0001ff'::bytea"), "SELECT '\\x00\\x01\\xff'::bytea");
  assert.is(pgLiteralsForDuckDB("SELECT E'\\\\x41'::bytea, bytea '\\x42'"), "SELECT 'A'::bytea, bytea 'B'");
  assert.is(pgLiteralsForDuckDB("SELECT CAST('{1,NULL}' AS int2[])"), "SELECT CAST('[1, NULL]' AS int2[])");
  assert.is(
    pgLiteralsForDuckDB("SELECT '{{1,2},{3,4}}'::integer[]"),
    "SELECT '[[1, 2], [3, 4]]'::integer[][]",
  );
  assert.is(pgLiteralsForDuckDB("SELECT '1.23456'::numeric"), "SELECT '1.23456'::DECIMAL(6,5)");
  assert.is(
    pgLiteralsForDuckDB("SELECT '{1.5,-0.001}'::numeric[]"),
    "SELECT '[1.5, -0.001]'::DECIMAL(4,3)[]",
  );
  assert.is(
    pgLiteralsForDuckDB(`SELECT '{"a b","it's"}'::text[]`.replace("it's", "it''s")),
    `SELECT '["a b", "it''s"]'::text[]`,
  );
});

test.run();
