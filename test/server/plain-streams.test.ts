/**
 * Plain SQL in a simple query streams (issue 66): its rows go out as DuckDB
 * gives them, so the server never holds a whole result (`SELECT * FROM
 * range(10000000000)` over psql), and a failure part-way is an ErrorResponse
 * after the rows that went out, as Postgres sends it, never a shorter,
 * successful result. DuckDB's streaming fetch ends the same way on an error
 * as at the end (@duckdb/node-api does not expose duckdb_result_error); the
 * engine tells them apart (db/query-result.ts CheckedResult, XX000
 * DUCKDB_STREAM_FAILED, its text unreadable). A failure before DuckDB's first
 * rows comes from DuckDB's first fetch with its own message. A cursor reads the same stream: its
 * FETCH fails (it ended after 290,816 of 600,000 rows, no error, before).
 * Real server, real DuckDB, node-postgres.
 */
import pg from 'pg';
import Cursor from 'pg-cursor';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SERVER_START_MS, within } from '../cli/helpers.js';
import { requires } from '../requires.js';
import { rejection, type ServerFixture, startServerFixture } from './helpers.js';
import { cancelClient } from './probe.js';
import { psql } from './py-client.js';

const psqlTest = requires(test, 'psql');

let f: ServerFixture;
test.before(async () => {
  f = await startServerFixture();
});
test.after(async () => {
  await f.close();
});

/** Runs `sql` as a simple query: the rows that arrived, then how it ended (its error, if any). */
async function rowsThenEnd(
  c: pg.Client,
  sql: string,
): Promise<{ rows: number; error?: { code?: string; message: string } }> {
  let rows = 0;
  const query = new pg.Query(sql);
  query.on('row', () => rows++);
  return new Promise((resolve) => {
    query.on('end', () => resolve({ rows }));
    query.on('error', (error: Error) => resolve({ rows, error }));
    c.query(query);
  });
}

test('a simple query that fails part-way: its rows so far, then an ErrorResponse (XX000), never a shorter result', async () => {
  const c = await f.client();
  const out = await rowsThenEnd(
    c,
    `SELECT CASE WHEN range < 1000000 THEN range ELSE error('boom at ' || range) END::BIGINT AS i FROM range(2000000)`,
  );
  assert.ok(out.error, `ended after ${out.rows} rows without an error`);
  assert.is(out.error.code, 'XX000');
  assert.match(out.error.message, /failed after \d+ rows/);
  // Streamed: rows went out before the failure, as Postgres sends them; fewer than the 1,000,000 before it.
  assert.ok(out.rows > 0 && out.rows <= 1000000, `${out.rows} rows`);
  assert.equal((await c.query('SELECT 1 AS x')).rows, [{ x: 1 }]);
});

/** Fails at row 500,000 and matches no row before it: no row goes out before the failure. */
const FAILS_BEFORE_A_ROW = `SELECT * FROM (SELECT CASE WHEN range < 500000 THEN range ELSE error('boom at ' || range) END::BIGINT AS i FROM range(2000000)) WHERE i < 0`;

test("a simple query that fails before any row went out says DuckDB's own message, no rows; in a block too, which it aborts", async () => {
  const c = await f.client();
  const out = await rowsThenEnd(c, FAILS_BEFORE_A_ROW);
  assert.is(out.rows, 0);
  assert.match(out.error?.message ?? '', /boom at 500000/);
  // Inside a block, the failure aborts it (25P02 next), as Postgres does.
  await c.query('BEGIN');
  const inBlock = await rowsThenEnd(c, FAILS_BEFORE_A_ROW);
  assert.match(inBlock.error?.message ?? '', /boom at 500000/);
  const next = await rowsThenEnd(c, 'SELECT 1 AS x');
  assert.is(next.error?.code, '25P02');
  await c.query('ROLLBACK');
  assert.equal((await c.query('SELECT 1 AS x')).rows, [{ x: 1 }]);
});

test('a simple query of ten billion rows: its first 100,000 arrive while DuckDB is still reading, and a cancel stops it (57014)', async () => {
  const c = await f.client();
  let rows = 0;
  let cancelled: Promise<void> | undefined;
  const query = new pg.Query('SELECT range AS i FROM range(10000000000)');
  query.on('row', () => {
    // Run whole, no row would come before all ten billion were held (the server would die first).
    if (++rows === 100000) cancelled = cancelClient(f.port, c);
  });
  const error = await within(
    SERVER_START_MS,
    new Promise<{ code?: string }>((resolve) => {
      query.on('end', () => resolve({ code: 'ended' }));
      query.on('error', (err: Error & { code?: string }) => resolve(err));
      c.query(query);
    }),
    'the first 100,000 rows and the cancel',
  );
  await cancelled;
  assert.is(error.code, '57014');
  assert.ok(rows >= 100000, `${rows} rows`);
  assert.equal((await c.query('SELECT 1 AS x')).rows, [{ x: 1 }]);
});

test('a cursor over a query that fails part-way: FETCH fails (XX000, DUCKDB_STREAM_FAILED), never a shorter result', async () => {
  const c = await f.client();
  await c.query('BEGIN');
  await c.query(
    `DECLARE failing CURSOR FOR SELECT CASE WHEN range < 300000 THEN range ELSE error('boom at ' || range) END::BIGINT AS i FROM range(600000)`,
  );
  let fetched = 0;
  let error: { code?: string; message: string } | undefined;
  try {
    for (;;) {
      const page = await c.query('FETCH 50000 FROM failing');
      if (page.rows.length === 0) break;
      fetched += page.rows.length;
    }
  } catch (err) {
    error = err as { code?: string; message: string };
  }
  assert.ok(error, `the cursor ended after ${fetched} rows without an error`);
  assert.is(error!.code, 'XX000');
  assert.match(error!.message, /failed after \d+ rows/);
  assert.ok(fetched < 300000, `${fetched} rows`);
  await c.query('ROLLBACK');
  assert.equal((await c.query('SELECT 1 AS x')).rows, [{ x: 1 }]);
});

test('a part-way failure inside a block and inside a Query of several statements: caught, and the block rolls back', async () => {
  // The server tells the stream whether DuckDB holds a transaction (the client's block or the
  // Query's implicit one): inside, the stream checks the session's; outside, it opens its own.
  const c = await f.client();
  const failing = `SELECT CASE WHEN range < 1000000 THEN range ELSE error('boom') END::BIGINT AS i FROM range(2000000)`;
  await c.query('BEGIN');
  await c.query('CREATE TABLE in_block AS SELECT 1 AS x');
  const inBlock = await rowsThenEnd(c, failing);
  assert.match(inBlock.error?.message ?? '', /failed after \d+ rows/);
  assert.is((await rowsThenEnd(c, 'SELECT 1 AS x')).error?.code, '25P02');
  await c.query('ROLLBACK');
  // The implicit block of `CREATE …; SELECT …` rolls back at the SELECT's failure: no table.
  const implicit = await rowsThenEnd(c, `CREATE TABLE in_implicit AS SELECT 1 AS x; ${failing}`);
  assert.match(implicit.error?.message ?? '', /failed after \d+ rows/);
  const tables = await c.query(
    "SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name IN ('in_block', 'in_implicit')",
  );
  assert.equal(tables.rows, [{ n: 0 }]);
  // Outside a block, the stream's own transaction: a finished SELECT leaves none open.
  assert.equal((await c.query('SELECT 42 AS x')).rows, [{ x: 42 }]);
  await c.query('BEGIN');
  await c.query('COMMIT');
});

/** Fails at row 300,000 of 600,000: rows go out first, then the ErrorResponse. */
const FAILS_PART_WAY = `SELECT CASE WHEN range < 300000 THEN range ELSE error('boom at ' || range) END::BIGINT AS i FROM range(600000)`;

/**
 * Reads `sql` through pg-cursor (the extended protocol: Parse, Bind, then an Execute with a row
 * limit of `page` per read, PortalSuspended between) until it ends: the rows read, its error, and
 * the transaction status of every ReadyForQuery the client got meanwhile ('I', 'T' or 'E').
 */
async function cursorThenEnd(
  c: pg.Client,
  sql: string,
  page: number,
): Promise<{ rows: number; error?: { code?: string; message: string }; ready: string[] }> {
  const ready: string[] = [];
  const connection = (c as unknown as { connection: NodeJS.EventEmitter }).connection;
  const onReady = (m: { status: string }) => ready.push(m.status);
  connection.on('readyForQuery', onReady);
  const cursor = c.query(new Cursor(sql));
  let rows = 0;
  try {
    for (;;) {
      const got = await cursor.read(page);
      if (got.length === 0) break;
      rows += got.length;
    }
    await cursor.close();
    return { rows, ready };
  } catch (err) {
    // The ErrorResponse rejects the read; pg-cursor's Sync then ends the exchange.
    if (ready.length === 0) await new Promise((resolve) => connection.once('readyForQuery', resolve));
    return { rows, error: err as { code?: string; message: string }, ready };
  } finally {
    connection.off('readyForQuery', onReady);
  }
}

test('an extended-protocol portal (Execute with a row limit) failing part-way inside BEGIN: XX000 after its pages, the block aborted (25P02), ROLLBACK undoes it, the connection goes on', async () => {
  const c = await f.client();
  await c.query('BEGIN');
  await c.query('CREATE TABLE portal_block AS SELECT 1 AS x');
  const out = await cursorThenEnd(c, FAILS_PART_WAY, 50000);
  assert.is(out.error?.code, 'XX000', `ended after ${out.rows} rows: ${out.error?.message}`);
  assert.match(out.error!.message, /failed after \d+ rows/);
  // Whole pages went out before the failure (PortalSuspended between), fewer than the 300,000 rows before it.
  assert.ok(out.rows > 0 && out.rows % 50000 === 0 && out.rows < 300000, `${out.rows} rows`);
  // The exchange ends at the client's Sync with the block failed, as Postgres ends it.
  assert.equal(out.ready, ['E']);
  const next = await rejection(c.query('SELECT 1 AS x'));
  assert.is(next.code, '25P02');
  // Through the extended protocol too (a parameter makes node-postgres Parse/Bind/Execute).
  assert.is((await rejection(c.query('SELECT $1::INT AS x', [1]))).code, '25P02');
  await c.query('ROLLBACK');
  const tables = await c.query(
    "SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'portal_block'",
  );
  assert.equal(tables.rows, [{ n: 0 }]);
  assert.equal((await c.query('SELECT $1::INT AS x', [7])).rows, [{ x: 7 }]);
  // A new block works: nothing of the failed one is left open.
  await c.query('BEGIN');
  assert.equal((await c.query('SELECT 1 AS x')).rows, [{ x: 1 }]);
  await c.query('COMMIT');
});

test('an extended-protocol portal failing part-way outside a block: XX000, its implicit transaction ends at Sync (I), the next statements run', async () => {
  const c = await f.client();
  const out = await cursorThenEnd(c, FAILS_PART_WAY, 50000);
  assert.is(out.error?.code, 'XX000', `ended after ${out.rows} rows: ${out.error?.message}`);
  assert.match(out.error!.message, /failed after \d+ rows/);
  assert.ok(out.rows > 0 && out.rows % 50000 === 0 && out.rows < 300000, `${out.rows} rows`);
  assert.equal(out.ready, ['I']);
  assert.equal((await c.query('SELECT 1 AS x')).rows, [{ x: 1 }]);
  assert.equal((await c.query('SELECT $1::INT AS x', [2])).rows, [{ x: 2 }]);
  // No transaction was left open: BEGIN starts one (DuckDB refuses a BEGIN inside one).
  await c.query('BEGIN');
  await c.query('CREATE TABLE after_portal AS SELECT 1 AS x');
  await c.query('COMMIT');
  assert.equal((await c.query('SELECT x FROM after_portal')).rows, [{ x: 1 }]);
  // The same portal read whole afterwards, on the same connection: all its pages, in order.
  const whole = await cursorThenEnd(c, 'SELECT range AS i FROM range(120000)', 50000);
  assert.equal(whole, { rows: 120000, ready: ['I'] });
});

psqlTest(
  'psql: a plain SELECT that fails part-way prints the error, no rows, exit 1, and the next command runs',
  async () => {
    // psql without FETCH_COUNT keeps a result's rows until it completes (libpq's PQexec), so a
    // failure part-way must reach it as an error: it then prints none of the rows, as against Postgres.
    const r = await psql(f.port, ['-At', '-v', 'ON_ERROR_STOP=1', '-c', FAILS_PART_WAY]);
    assert.is(r.code, 1, r.err);
    assert.is(r.out, '');
    assert.match(r.err, /^ERROR: {2}.*failed after \d+ rows/m);
    // Without ON_ERROR_STOP, psql goes on to the next command on the same connection.
    const next = await psql(f.port, ['-At', '-c', FAILS_PART_WAY, '-c', 'SELECT 41 + 1']);
    assert.is(next.out, '42\n');
    assert.match(next.err, /failed after \d+ rows/);
  },
);

psqlTest(
  'psql with FETCH_COUNT: the rows before the failure are printed, then the error, exit 1',
  async () => {
    // FETCH_COUNT makes psql read through a cursor (DECLARE … FETCH 1000): it prints each page as it comes.
    const r = await psql(f.port, [
      '-At',
      '-v',
      'ON_ERROR_STOP=1',
      '-v',
      'FETCH_COUNT=1000',
      '-c',
      FAILS_PART_WAY,
    ]);
    assert.is(r.code, 1, r.err);
    const printed = r.out === '' ? [] : r.out.trimEnd().split('\n');
    // Whole pages of the rows DuckDB gave before it failed (290,000 here), in order from 0,
    // fewer than the 300,000 rows before the failure.
    assert.ok(
      printed.length >= 1000 && printed.length % 1000 === 0 && printed.length < 300000,
      `${printed.length} rows printed`,
    );
    assert.equal(printed.slice(0, 3), ['0', '1', '2']);
    assert.is(printed.at(-1), String(printed.length - 1));
    assert.match(r.err, /failed after \d+ rows/);
  },
);

test.run();
