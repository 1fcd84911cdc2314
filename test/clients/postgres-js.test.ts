/**
 * postgres.js (porsager/postgres) against the server, as an application uses
 * it. postgres.js prepares every query and reads its rows by the statement's
 * Describe (Parse, Describe statement, Bind, Execute): the server's Describe
 * must name the columns Execute sends, for plain SQL with parameters, a MAP
 * and a semantic SELECT alike (issue 32: they came back as `[{}, {}]`).
 */
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rejection, type ServerFixture, startServerFixture } from '../server/helpers.js';

let f: ServerFixture;
let sql: postgres.Sql<{ bigint: bigint }>;

const MAP = "RVBBIT MAP 'traits/extract_brand.yaml' USING (SELECT product_name FROM products LIMIT 3)";
const MEANS = "SELECT id, product_name FROM products WHERE product_name MEANS 'coffee' ORDER BY id";

test.before(async () => {
  f = await startServerFixture();
  sql = postgres({
    host: '127.0.0.1',
    port: f.port,
    user: 'app',
    database: 'rvbbit',
    max: 1,
    onnotice: () => undefined,
    // int8 as bigint (postgres.js's default is a string).
    types: { bigint: postgres.BigInt },
  });
});
test.after(async () => {
  await sql.end({ timeout: 5 });
  await f.close();
});

/**
 * SAVEPOINT support is being added to the server apart from this test: until
 * it is, the test says so and fails under CI (it must not pass by not running).
 */
async function savepointsSupported(): Promise<boolean> {
  const ok = await sql
    .begin((tx) => tx`SAVEPOINT probe`)
    .then(() => true)
    .catch(() => false);
  if (ok) return true;
  const why = 'postgres-js savepoint: the server does not take SAVEPOINT yet';
  if (process.env.CI) throw new Error(why);
  console.warn(`  (waiting) ${why}`);
  return false;
}

/** The rows of a postgres.js result, without its extra properties (count, columns …). */
const plain = <T>(rows: readonly T[]): T[] => [...rows];

test('a table: created, filled with tagged-template parameters, read back exactly', async () => {
  await sql`CREATE TABLE people (id INT, name VARCHAR, score DOUBLE, born DATE)`;
  await sql`INSERT INTO people VALUES (${1}, ${'ann'}, ${1.5}, ${'1990-05-17'})`;
  const more = [
    { id: 2, name: 'bob', score: 2.25, born: '1985-01-02' },
    { id: 3, name: "o'neil", score: null, born: null },
  ];
  await sql`INSERT INTO people ${sql(more, 'id', 'name', 'score', 'born')}`;
  const rows = await sql`SELECT id, name, score, born FROM people WHERE id >= ${1} ORDER BY id`;
  assert.equal(plain(rows), [
    { id: 1, name: 'ann', score: 1.5, born: new Date('1990-05-17T00:00:00Z') },
    { id: 2, name: 'bob', score: 2.25, born: new Date('1985-01-02T00:00:00Z') },
    { id: 3, name: "o'neil", score: null, born: null },
  ]);
  assert.equal(
    rows.columns.map((c) => [c.name, c.type]),
    [
      ['id', 23],
      ['name', 25],
      ['score', 701],
      ['born', 1082],
    ],
  );
});

test('a parameterised SELECT returns its rows with their columns (issue 32: [{}, {}])', async () => {
  const rows = await sql`SELECT i FROM range(3) t(i) WHERE i >= ${1}`;
  assert.equal(plain(rows), [{ i: 1n }, { i: 2n }]);
  // A parameter DuckDB cannot type from the SQL is text, as Postgres takes it.
  assert.equal(plain(await sql`SELECT ${'x'} AS a, 2 AS b`), [{ a: 'x', b: 2 }]);
});

test('a MAP: Describe names its columns without calling the model; the rows come with them', async () => {
  const before = f.sim.stats().requests;
  const described = await sql.unsafe(MAP).describe();
  assert.equal(
    described.columns.map((c) => c.name),
    ['product_name', 'result', '_error'],
  );
  assert.is(f.sim.stats().requests, before, 'Describe called no model');
  // A tagged template is prepared (Parse, Describe, Bind, Execute): its rows are read by that Describe.
  const rows =
    await sql`RVBBIT MAP 'traits/extract_brand.yaml' USING (SELECT product_name FROM products LIMIT 3)`;
  // The same statement through the library (cached now); over the extended protocol `_error`
  // is always there, NULL on rows that did not fail.
  const expected = (await f.engine.query(MAP)).rows.map((r) => ({ ...r, _error: null }));
  assert.is(rows.length, 3);
  assert.equal(plain(rows), expected);
  assert.equal(
    rows.map((r) => typeof JSON.parse(r.result as string).brand),
    ['string', 'string', 'string'],
  );
  // With a parameter in its USING query, and typed output columns.
  const typed = await sql`RVBBIT MAP 'traits/extract_brand.yaml' AS (brand VARCHAR, confidence DOUBLE)
    USING (SELECT id, product_name FROM products WHERE id <= ${2} ORDER BY id)`;
  assert.equal(
    typed.columns.map((c) => [c.name, c.type]),
    [
      ['id', 20],
      ['product_name', 25],
      ['brand', 25],
      ['confidence', 701],
      ['_error', 25],
    ],
  );
  assert.equal(
    typed.map((r) => [r.id, r.brand, typeof r.confidence, r._error]),
    [
      [1n, 'IKEA', 'number', null],
      [2n, 'OXO', 'number', null],
    ],
  );
});

test('a MEANS filter returns its rows with their columns', async () => {
  const rows =
    await sql`SELECT id, product_name FROM products WHERE product_name MEANS ${'coffee'} ORDER BY id`;
  const expected = (await f.engine.query(MEANS)).rows.map((r) => ({
    id: BigInt(r.id as number),
    product_name: r.product_name,
  }));
  assert.ok(rows.length > 0);
  assert.equal(plain(rows), expected);
  assert.ok(rows.every((r) => /coffee/i.test(String(r.product_name))));
});

test('sql.begin: a throw rolls back, a return commits', async () => {
  await sql`CREATE TABLE ledger (n INT)`;
  const err = await rejection(
    sql.begin(async (tx) => {
      await tx`INSERT INTO ledger VALUES (${1})`;
      throw new Error('undo');
    }),
  );
  assert.is(err.message, 'undo');
  assert.equal(plain(await sql`SELECT count(*)::INT AS n FROM ledger`), [{ n: 0 }]);
  await sql.begin(async (tx) => {
    await tx`INSERT INTO ledger VALUES (${1})`;
    await tx`INSERT INTO ledger VALUES (${2})`;
  });
  assert.equal(plain(await sql`SELECT n FROM ledger ORDER BY n`), [{ n: 1 }, { n: 2 }]);
});

test('sql.savepoint: a released savepoint commits with its transaction; a failed one never half-commits', async () => {
  if (!(await savepointsSupported())) return;
  await sql`CREATE TABLE saved (n INT)`;
  await sql.begin(async (tx) => {
    await tx`INSERT INTO saved VALUES (${1})`;
    await tx.savepoint(async (sp) => {
      await sp`INSERT INTO saved VALUES (${2})`;
    });
    await tx`INSERT INTO saved VALUES (${3})`;
  });
  assert.equal(plain(await sql`SELECT n FROM saved ORDER BY n`), [{ n: 1 }, { n: 2 }, { n: 3 }]);
  let inner = '';
  const outcome = await sql
    .begin(async (tx) => {
      await tx`INSERT INTO saved VALUES (${10})`;
      await tx
        .savepoint(async (sp) => {
          await sp`INSERT INTO saved VALUES (${20})`;
          throw new Error('inner');
        })
        .catch((err: Error) => {
          inner = err.message;
        });
      await tx`INSERT INTO saved VALUES (${30})`;
    })
    .then(
      () => 'committed',
      () => 'rolled back',
    );
  const after = plain(await sql`SELECT n FROM saved WHERE n >= 10 ORDER BY n`);
  if (outcome === 'committed') {
    // Postgres' semantics: the savepoint's work alone is undone.
    assert.is(inner, 'inner');
    assert.equal(after, [{ n: 10 }, { n: 30 }]);
  } else {
    // DuckDB has no savepoints: ROLLBACK TO is refused, saying so, and the transaction ends undone.
    assert.match(inner, /savepoint/i);
    assert.equal(after, []);
  }
});

test('cursor: rows come 4 at a time, in order', async () => {
  const batches: number[][] = [];
  await sql`SELECT i::INT AS i FROM range(10) t(i) ORDER BY i`.cursor(4, (rows) => {
    batches.push(rows.map((r) => r.i as number));
  });
  assert.equal(batches, [
    [0, 1, 2, 3],
    [4, 5, 6, 7],
    [8, 9],
  ]);
});

test('forEach: every row, one at a time', async () => {
  const seen: number[] = [];
  const done = await sql`SELECT i::INT AS i FROM range(5) t(i) ORDER BY i`.forEach((row) => {
    seen.push(row.i as number);
  });
  assert.equal(seen, [0, 1, 2, 3, 4]);
  assert.is(done.count, 5);
});

test('COPY both ways: writable() fills a table, readable() streams it back', async () => {
  await sql`CREATE TABLE copied (id INT, name VARCHAR)`;
  const input = Readable.from(['1\tann\n2\t', 'bob\n3\t\\N\n']);
  await pipeline(input, await sql`COPY copied FROM STDIN`.writable());
  assert.equal(plain(await sql`SELECT id, name FROM copied ORDER BY id`), [
    { id: 1, name: 'ann' },
    { id: 2, name: 'bob' },
    { id: 3, name: null },
  ]);
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      done();
    },
  });
  await pipeline(await sql`COPY (SELECT * FROM copied ORDER BY id) TO STDOUT`.readable(), sink);
  assert.is(Buffer.concat(chunks).toString(), '1\tann\n2\tbob\n3\t\\N\n');
  // The connection goes on after both (postgres.js sends CopyFail after CopyDone: ignored).
  assert.equal(plain(await sql`SELECT count(*)::INT AS n FROM copied`), [{ n: 3 }]);
});

test('a bad statement fails with its SQLSTATE; the connection is usable after it', async () => {
  const err = await rejection<postgres.PostgresError>(sql`SELEC 1`);
  assert.is(err.code, '42601');
  const missing = await rejection<postgres.PostgresError>(sql`SELECT * FROM no_such_table WHERE id = ${1}`);
  assert.is(missing.code, '42P01');
  assert.equal(plain(await sql`SELECT 1 AS one`), [{ one: 1 }]);
});

test.run();
