/**
 * LLM_SCORE and LLM(… RETURNING type) through the Postgres server: psql
 * (simple protocol) and node-postgres (simple, and extended with a parameter)
 * get the library's values with the column's Postgres type: an INTEGER score
 * as int4, a BOOLEAN as bool, a STRUCT as text (OID 25) in DuckDB's own text
 * of it; a bad bound or an unknown type is an ErrorResponse with its SQLSTATE
 * and position.
 */
import type pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requires } from '../requires.js';
import { ROOT, rejection, type ServerFixture, startServerFixture } from './helpers.js';
import { psql } from './py-client.js';

const psqlTest = requires(test, 'psql');

const DATA = `${ROOT}examples/data`;
const INT4 = 23;
const INT8 = 20;
const BOOL = 16;
const TEXT = 25;

let f: ServerFixture;

test.before(async () => {
  // The table is read through the server's file guard: open the folder it is in.
  f = await startServerFixture({ allowFiles: [DATA] });
  await f.engine.query(`CREATE TABLE reviews AS SELECT * FROM read_csv('${DATA}/reviews.csv')`);
});
test.after(async () => {
  await f.close();
});

/** Every value as the text the server sent (no parsing by node-postgres). */
const RAW = { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig;

const SCORE = `SELECT id, LLM_SCORE(review, 'how positive the review is', 1, 5) AS s FROM reviews WHERE id <= 8 ORDER BY id`;

test('an INTEGER score: int4 with the library values, through node-postgres (simple, extended) and psql', async () => {
  const lib = await f.engine.query(SCORE);
  assert.equal(
    lib.columns.map((c) => c.type),
    ['BIGINT', 'INTEGER'],
  );
  const scores = lib.rows.map((r) => r.s as number);
  assert.is(scores.length, 8);
  assert.ok(
    scores.every((s) => Number.isInteger(s) && s >= 1 && s <= 5),
    String(scores),
  );
  const expected = scores.map((s, i) => ({ id: String(i + 1), s }));
  const c = await f.client();
  // Simple protocol (no parameters).
  const simple = await c.query(SCORE);
  assert.equal(
    simple.fields.map((x) => [x.name, x.dataTypeID]),
    [
      ['id', INT8],
      ['s', INT4],
    ],
  );
  assert.equal(simple.rows, expected);
  // Extended protocol: a parameter, the columns described before the rows.
  const extended = await c.query(SCORE.replace('id <= 8', 'id <= $1'), [8]);
  assert.equal(
    extended.fields.map((x) => x.dataTypeID),
    [INT8, INT4],
  );
  assert.equal(extended.rows, expected);
  // The text on the wire: bare integers.
  const raw = await c.query({ text: SCORE, rowMode: 'array', types: RAW });
  assert.equal(
    raw.rows,
    scores.map((s, i) => [String(i + 1), String(s)]),
  );
  // Binary format: int4 as four bytes, parsed back to the same numbers.
  const bc = await f.client({ binary: true } as never);
  const binary = await bc.query(SCORE.replace('id <= 8', 'id <= $1'), [8]);
  assert.equal(
    binary.fields.map((x) => x.format),
    ['binary', 'binary'],
  );
  assert.equal(
    binary.rows.map((r) => r.s),
    scores,
  );
  if (!psqlTest.available()) return;
  const p = await psql(f.port, ['-At', '-c', SCORE]);
  assert.is(p.code, 0, p.err);
  assert.equal(
    p.out.trim().split('\n'),
    scores.map((s, i) => `${i + 1}|${s}`),
  );
});

const STRUCT = `SELECT id, v, v::VARCHAR AS t FROM (
  SELECT id, LLM('The aspect discussed', review RETURNING STRUCT(aspect VARCHAR, liked BOOLEAN)) AS v
  FROM reviews WHERE id <= 3) ORDER BY id`;

test("a STRUCT: text (OID 25) in DuckDB's own text of it (its ::VARCHAR), in text and binary format and through psql", async () => {
  const lib = await f.engine.query(STRUCT);
  assert.equal(
    lib.columns.map((c) => c.type),
    ['BIGINT', 'STRUCT("aspect" VARCHAR, "liked" BOOLEAN)', 'VARCHAR'],
  );
  const values = lib.rows.map((r) => r.v as { aspect: string; liked: boolean });
  assert.is(values.length, 3);
  for (const v of values) {
    assert.equal(Object.keys(v), ['aspect', 'liked']);
    assert.type(v.aspect, 'string');
    assert.type(v.liked, 'boolean');
  }
  // Field names quoted, the string bare, the boolean true/false (DuckDB's text, not Postgres' t/f).
  const texts = values.map((v) => `{'aspect': ${v.aspect}, 'liked': ${v.liked}}`);
  assert.equal(
    lib.rows.map((r) => r.t),
    texts,
  );
  const c = await f.client();
  const r = await c.query(STRUCT);
  assert.equal(
    r.fields.map((x) => [x.name, x.dataTypeID]),
    [
      ['id', INT8],
      ['v', TEXT],
      ['t', TEXT],
    ],
  );
  assert.equal(
    r.rows,
    texts.map((t, i) => ({ id: String(i + 1), v: t, t })),
  );
  const bc = await f.client({ binary: true } as never);
  const binary = await bc.query(STRUCT.replace('id <= 3', 'id <= $1'), [3]);
  assert.equal(
    binary.fields.map((x) => [x.dataTypeID, x.format]),
    [
      [INT8, 'binary'],
      [TEXT, 'binary'],
      [TEXT, 'binary'],
    ],
  );
  assert.equal(
    binary.rows.map((x) => x.v),
    texts,
  );
  if (!psqlTest.available()) return;
  const p = await psql(f.port, ['-At', '-c', STRUCT]);
  assert.is(p.code, 0, p.err);
  assert.equal(
    p.out.trim().split('\n'),
    texts.map((t, i) => `${i + 1}|${t}|${t}`),
  );
});

const NESTED = `SELECT s, s::VARCHAR AS st, m, m::VARCHAR AS mt, l, l::VARCHAR AS lt FROM (SELECT
  {'a': 'x, y', 'b': 'plain', 'it''s': TIMESTAMP '2024-01-01 10:00:00', 'd': DATE '2024-01-02'} AS s,
  MAP {'k 1': 'v:1', 'k2': 'NULL'} AS m, [[' a', 'b c'], NULL] AS l)`;

test("nested values from plain SQL print as DuckDB's ::VARCHAR too (one renderer with the semantic path)", async () => {
  const c = await f.client();
  const r = await c.query({ text: NESTED, rowMode: 'array' });
  const [s, st, m, mt, l, lt] = r.rows[0] as string[];
  assert.is(st, `{'a': 'x, y', 'b': plain, 'it\\'s': '2024-01-01 10:00:00', 'd': 2024-01-02}`);
  assert.is(s, st);
  assert.is(mt, `{k 1='v:1', k2='NULL'}`);
  assert.is(m, mt);
  assert.is(lt, `[[' a', b c], NULL]`);
  assert.is(l, lt);
  const bc = await f.client({ binary: true } as never);
  const binary = await bc.query({
    text: NESTED.replace("'plain'", '$1::VARCHAR'),
    values: ['plain'],
    rowMode: 'array',
  });
  assert.equal(binary.rows[0], [st, st, mt, mt, lt, lt]);
  if (!psqlTest.available()) return;
  const p = await psql(f.port, ['-At', '-c', NESTED]);
  assert.is(p.code, 0, p.err);
  assert.is(p.out.trim(), [st, st, mt, mt, lt, lt].join('|'));
});

test('an unaliased semantic column is named as written, through node-postgres and psql', async () => {
  const sql = `SELECT id, LLM_SCORE(review, 'how positive', 1, 5), review MEANS 'liked it' FROM reviews WHERE id <= 2 ORDER BY id`;
  const c = await f.client();
  const r = await c.query(sql);
  assert.equal(
    r.fields.map((x) => [x.name, x.dataTypeID]),
    [
      ['id', INT8],
      [`LLM_SCORE(review, 'how positive', 1, 5)`, INT4],
      [`review MEANS 'liked it'`, BOOL],
    ],
  );
  if (!psqlTest.available()) return;
  const p = await psql(f.port, ['-A', '-c', sql]);
  assert.is(p.code, 0, p.err);
  assert.is(p.out.split('\n')[0], `id|LLM_SCORE(review, 'how positive', 1, 5)|review MEANS 'liked it'`);
});

const LIKED = `SELECT id FROM reviews WHERE id <= 40 AND LLM('The reviewer liked the film', review RETURNING BOOLEAN) ORDER BY id`;

test('a BOOLEAN filter: the same ids through the library, psql and node-postgres; the value itself is bool', async () => {
  const ids = (await f.engine.query(LIKED)).rows.map((r) => Number(r.id));
  // Some reviews liked, some not: the filter keeps a part of the 40.
  assert.ok(ids.length > 0 && ids.length < 40, String(ids));
  const c = await f.client();
  const simple = await c.query(LIKED);
  assert.equal(
    simple.fields.map((x) => x.dataTypeID),
    [INT8],
  );
  assert.equal(
    simple.rows.map((r) => Number(r.id)),
    ids,
  );
  const extended = await c.query(LIKED.replace('id <= 40', 'id <= $1'), [40]);
  assert.equal(
    extended.rows.map((r) => Number(r.id)),
    ids,
  );
  // As a column: bool, true exactly on the ids the filter kept.
  const column = await c.query(
    `SELECT id, LLM('The reviewer liked the film', review RETURNING BOOLEAN) AS liked FROM reviews WHERE id <= 40 ORDER BY id`,
  );
  assert.equal(column.fields[1]!.dataTypeID, BOOL);
  assert.equal(
    column.rows.filter((r) => r.liked === true).map((r) => Number(r.id)),
    ids,
  );
  assert.ok(column.rows.every((r) => typeof r.liked === 'boolean'));
  if (!psqlTest.available()) return;
  const p = await psql(f.port, ['-At', '-c', LIKED]);
  assert.is(p.code, 0, p.err);
  assert.equal(p.out.trim().split('\n').map(Number), ids);
});

test('errors: a bound that is not a literal is 22023, an unknown type 42601, each at its position; the session goes on', async () => {
  const c = await f.client();
  const bound = await rejection(c.query(`SELECT LLM_SCORE(review, 'r', stars, 5) FROM reviews`));
  assert.is(bound.code, '22023');
  assert.is(
    bound.message,
    "LLM_SCORE: low must be a number literal (the bounds are part of the answer's schema), got stars",
  );
  assert.is(bound.position, '31');
  assert.is(bound.detail, 'rvbbit code SEMANTIC_BAD_RETURNING');
  // Extended protocol: the same error, from Parse.
  const boundExt = await rejection(
    c.query(`SELECT LLM_SCORE(review, 'r', stars, 5) FROM reviews WHERE id <= $1`, [3]),
  );
  assert.is(boundExt.code, '22023');
  assert.is(boundExt.position, '31');
  assert.is(boundExt.detail, 'rvbbit code SEMANTIC_BAD_RETURNING');
  const type = await rejection(c.query(`SELECT LLM('x', review RETURNING MAP) FROM reviews`));
  assert.is(type.code, '42601');
  assert.match(type.message, /^LLM: RETURNING MAP: unknown type MAP: RETURNING takes BOOLEAN, /);
  assert.is(type.position, '34');
  assert.is(type.detail, 'rvbbit code E_BAD_AGGREGATE_ARGS');
  assert.equal((await c.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
  if (!psqlTest.available()) return;
  const p = await psql(f.port, ['-At', '-c', `SELECT LLM_SCORE(review, 'r', stars, 5) FROM reviews`]);
  assert.is(p.code, 1);
  assert.is(p.out, '');
  assert.equal(p.err.split('\n').slice(0, 4), [
    "ERROR:  LLM_SCORE: low must be a number literal (the bounds are part of the answer's schema), got stars",
    "LINE 1: SELECT LLM_SCORE(review, 'r', stars, 5) FROM reviews",
    `${' '.repeat(38)}^`,
    'DETAIL:  rvbbit code SEMANTIC_BAD_RETURNING',
  ]);
});

const SENTIMENT = `SELECT id, LLM('The sentiment', review RETURNING ENUM('positive', 'negative', 'neutral')) AS s
FROM reviews ORDER BY id`;

test('RETURNING ENUM: text (OID 25) with the library rows through node-postgres and psql, every one of 300 a label', async () => {
  const lib = await f.engine.query(SENTIMENT);
  assert.equal(
    lib.columns.map((c) => c.type),
    ['BIGINT', "ENUM('positive', 'negative', 'neutral')"],
  );
  const labels = lib.rows.map((r) => String(r.s));
  assert.is(labels.length, 300);
  assert.equal(
    ['positive', 'negative', 'neutral'].map((l) => labels.filter((x) => x === l).length),
    // Polarity sentence by sentence since issue 68 (one rule for labels and pair conditions); 204, 68, 28 before.
    [149, 124, 27],
  );
  assert.equal(labels.slice(17, 21), ['positive', 'positive', 'neutral', 'neutral']);
  const c = await f.client();
  const r = await c.query(SENTIMENT);
  assert.equal(
    r.fields.map((x) => [x.name, x.dataTypeID]),
    [
      ['id', INT8],
      ['s', TEXT],
    ],
  );
  assert.equal(
    r.rows.map((x) => x.s),
    labels,
  );
  if (!psqlTest.available()) return;
  const p = await psql(f.port, ['-At', '-c', SENTIMENT]);
  assert.is(p.code, 0, p.err);
  assert.equal(
    p.out.trim().split('\n'),
    labels.map((l, i) => `${i + 1}|${l}`),
  );
});

test('RETURNING ENUM with a label twice: 42601 at the label, through node-postgres and psql', async () => {
  const sql = `SELECT LLM('x', review RETURNING ENUM('a', 'b', 'a')) FROM reviews`;
  const c = await f.client();
  const e = await rejection(c.query(sql));
  assert.is(e.code, '42601');
  assert.is(e.message, "LLM: RETURNING ENUM('a', 'b', 'a'): ENUM label 'a' is listed twice");
  assert.is(e.position, '49');
  assert.is(e.detail, 'rvbbit code E_BAD_AGGREGATE_ARGS');
  if (!psqlTest.available()) return;
  const p = await psql(f.port, ['-At', '-c', sql]);
  assert.is(p.code, 1);
  assert.is(p.out, '');
  assert.equal(p.err.split('\n').slice(0, 4), [
    "ERROR:  LLM: RETURNING ENUM('a', 'b', 'a'): ENUM label 'a' is listed twice",
    // psql cuts the line a little past the position.
    "LINE 1: SELECT LLM('x', review RETURNING ENUM('a', 'b', 'a')) FROM r...",
    `${' '.repeat(56)}^`,
    'DETAIL:  rvbbit code E_BAD_AGGREGATE_ARGS',
  ]);
});

test.run();
