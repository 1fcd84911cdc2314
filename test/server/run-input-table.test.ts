/**
 * RUN's input table through the real server and node-postgres: a TEMP table
 * of the client's own session (another client does not see it), and a taken
 * as_table is SQLSTATE 42P07 with the position of the as_table option.
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

test("a RUN's input table belongs to its client's session; a taken as_table is 42P07 at the option", async () => {
  const a = await f.client();
  const b = await f.client();
  const run = await a.query(
    "RVBBIT RUN 'traits/analyze_batch.yaml' USING (SELECT * FROM products WHERE category = 'electronics')",
  );
  const row = run.rows[0] as {
    status: string;
    table_created: string;
    outputs: { load: { rows: unknown[] } };
  };
  assert.is(row.status, 'success');
  assert.match(row.table_created, /^rvbbit_batch_[0-9a-f]{8}$/);
  assert.is(row.outputs.load.rows.length, 1);
  const mine = await a.query(`SELECT count(*)::INTEGER AS n FROM ${row.table_created}`);
  assert.ok((mine.rows[0] as { n: number }).n > 0);
  const theirs = await rejection(b.query(`SELECT count(*) FROM ${row.table_created}`));
  assert.is(theirs.code, '42P01');

  const sql =
    "RVBBIT RUN 'traits/analyze_batch.yaml'\nUSING (SELECT * FROM products)\nWITH (as_table = 'batch_a')";
  await a.query(sql);
  const err = await rejection(a.query(sql));
  assert.is(err.code, '42P07');
  assert.is(
    err.message,
    "as_table 'batch_a' (line 3, column 7): a table of that name already exists; WITH (replace = true) replaces it",
  );
  assert.is(err.position, String(sql.indexOf('as_table') + 1));
  // The other client's session has no batch_a, so its RUN may take the name.
  const other = await b.query(sql);
  assert.is((other.rows[0] as { status: string }).status, 'success');
  const replaced = await a.query(sql.replace("'batch_a'", "'batch_a', replace = true"));
  assert.is((replaced.rows[0] as { status: string }).status, 'success');
});

test.run();
