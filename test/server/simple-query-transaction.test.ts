/**
 * A simple Query of several statements is one implicit transaction, by
 * Postgres' rules ("Multiple Statements in a Simple Query"): it commits at
 * the end and rolls back at the first error; a BEGIN inside makes it a
 * regular block (the statements before included); a COMMIT or ROLLBACK ends
 * the block that is open and the statements after it get a new implicit one.
 * A grammar error anywhere runs nothing.
 */
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

async function values(c: Awaited<ReturnType<ServerFixture['client']>>, table: string): Promise<number[]> {
  return (await c.query(`SELECT x FROM ${table} ORDER BY x`)).rows.map((r) => r.x);
}

test('INSERT …; INSERT bad: both are rolled back; a message that succeeds commits', async () => {
  const c = await f.client();
  await c.query('CREATE TABLE itx (x INT PRIMARY KEY)');
  const err = await rejection(c.query('INSERT INTO itx VALUES (1); INSERT INTO itx VALUES (1)'));
  assert.is(err.code, '23000');
  assert.equal(await values(c, 'itx'), []);
  await c.query('INSERT INTO itx VALUES (1); INSERT INTO itx VALUES (2)');
  assert.equal(await values(c, 'itx'), [1, 2]);
  // A later statement sees the earlier ones' rows (one transaction, not a batch).
  const r = (await c.query('INSERT INTO itx VALUES (3); SELECT count(*)::INT AS n FROM itx')) as unknown as {
    rows: { n: number }[];
  }[];
  assert.equal(r[1]!.rows, [{ n: 3 }]);
});

test('BEGIN; INSERT; COMMIT; INSERT; error: the first INSERT stays, the second is rolled back', async () => {
  const c = await f.client();
  await c.query('CREATE TABLE itx2 (x INT)');
  const err = await rejection(
    c.query(
      'BEGIN; INSERT INTO itx2 VALUES (1); COMMIT; INSERT INTO itx2 VALUES (2); SELECT * FROM no_such_table',
    ),
  );
  assert.is(err.code, '42P01');
  assert.equal(await values(c, 'itx2'), [1]);
});

test('a BEGIN takes the statements before it into its block; the session stays in it', async () => {
  const c = await f.client();
  await c.query('CREATE TABLE itx3 (x INT)');
  await c.query('INSERT INTO itx3 VALUES (1); BEGIN; INSERT INTO itx3 VALUES (2)');
  // Still in the block (ReadyForQuery said T): ROLLBACK undoes both.
  await c.query('ROLLBACK');
  assert.equal(await values(c, 'itx3'), []);
  await c.query('INSERT INTO itx3 VALUES (1); BEGIN; INSERT INTO itx3 VALUES (2); COMMIT');
  assert.equal(await values(c, 'itx3'), [1, 2]);
});

test('COMMIT in the implicit block commits it with a warning; the statements after it are a block of their own', async () => {
  const c = await f.client();
  await c.query('CREATE TABLE itx4 (x INT)');
  const notices: string[] = [];
  c.on('notice', (n) => notices.push(`${n.severity} ${n.code} ${n.message}`));
  const err = await rejection(
    c.query('INSERT INTO itx4 VALUES (1); COMMIT; INSERT INTO itx4 VALUES (2); SELECT * FROM no_such_table'),
  );
  assert.is(err.code, '42P01');
  assert.equal(await values(c, 'itx4'), [1]);
  assert.equal(notices, ['WARNING 25P01 there is no transaction in progress']);
});

test('COMMIT or ROLLBACK with no transaction open succeeds with a warning, as in Postgres', async () => {
  const c = await f.client();
  const notices: string[] = [];
  c.on('notice', (n) => notices.push(`${n.severity} ${n.code} ${n.message}`));
  assert.is((await c.query('COMMIT')).command, 'COMMIT');
  assert.is((await c.query('ROLLBACK')).command, 'ROLLBACK');
  assert.equal(notices, [
    'WARNING 25P01 there is no transaction in progress',
    'WARNING 25P01 there is no transaction in progress',
  ]);
  // Through the extended protocol too (a parameterless query goes simple in node-postgres: force Parse).
  assert.is((await c.query({ text: 'COMMIT', values: [] as never[], name: 'c1' })).command, 'COMMIT');
});

test('BEGIN; error; ROLLBACK in one message leaves the session in the failed block, as Postgres does', async () => {
  const c = await f.client();
  const err = await rejection(c.query('BEGIN; SELECT * FROM no_such_table; ROLLBACK'));
  assert.is(err.code, '42P01');
  const aborted = await rejection(c.query('SELECT 1'));
  assert.is(aborted.code, '25P02');
  await c.query('ROLLBACK');
  assert.equal((await c.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
});

test('a grammar error in a later statement runs none of the message', async () => {
  const c = await f.client();
  await c.query('CREATE TABLE itx5 (x INT)');
  const sql =
    "INSERT INTO itx5 VALUES (1); RVBBIT MAP PARALLEL 0 'traits/extract_brand.yaml' USING (SELECT 1)";
  const err = await rejection(c.query(sql));
  assert.is(err.code, '42601');
  assert.is(err.position, String(sql.indexOf('0 ') + 1));
  assert.equal(await values(c, 'itx5'), []);
});

test('statements before a COPY FROM STDIN commit or roll back with its rows', async () => {
  const { from: copyFrom } = await import('pg-copy-streams');
  const c = await f.client();
  await c.query('CREATE TABLE itx6 (x INT)');
  const copy = async (rows: string) => {
    const stream = c.query(copyFrom('INSERT INTO itx6 VALUES (0); COPY itx6 FROM STDIN'));
    await new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
      stream.end(rows);
    });
  };
  await copy('1\n2\n');
  assert.equal(await values(c, 'itx6'), [0, 1, 2]);
  await rejection(copy('3\nnot a number\n'));
  assert.equal(await values(c, 'itx6'), [0, 1, 2]);
});

test.run();
