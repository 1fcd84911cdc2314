/**
 * RUN's input table against a database file: TEMP by default (never in the
 * file, gone with the session), kept with as_table + persist = true, a taken
 * as_table is RUN_TABLE_EXISTS at the option's line and column, and
 * replace = true replaces it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Fixture, startFixture } from './engine-fixture.js';

let dir: string;

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'rvbbit-run-table-'));
});
test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const open = (file: string): Promise<Fixture> => startFixture({}, { database: join(dir, file) });

const PRODUCTS =
  "CREATE TABLE products AS SELECT * FROM (VALUES ('Walkman', 'electronics'), ('iPhone', 'electronics'), ('Lego', 'toys')) v(name, category)";

/** Tables of the database file and TEMP tables of the engine's default session, by name. */
async function tables(f: Fixture): Promise<{ name: string; temporary: boolean }[]> {
  const r = await f.engine.query(
    `SELECT table_name AS name, temporary FROM duckdb_tables()
     WHERE table_name LIKE 'rvbbit_batch_%' OR table_name LIKE 'kept%' OR table_name LIKE 'scratch%'
     ORDER BY table_name`,
  );
  return r.rows as { name: string; temporary: boolean }[];
}

async function failure(
  p: Promise<unknown>,
): Promise<{ code?: string; message?: string; detail?: Record<string, unknown> }> {
  return p.then(
    () => assert.unreachable('expected an error'),
    (e: unknown) => e as { code?: string; message?: string; detail?: Record<string, unknown> },
  ) as Promise<{ code?: string; message?: string; detail?: Record<string, unknown> }>;
}

test('a RUN input table is TEMP: the cascade reads it, other sessions do not see it, the file never has it', async () => {
  let f = await open('temp.duckdb');
  try {
    await f.engine.query(PRODUCTS);
    const r = await f.engine.query(`RVBBIT RUN 'summarize_table' USING (SELECT * FROM products)`);
    const row = r.rows[0]!;
    assert.is(row.status, 'success', String(row.error));
    const table = String(row.table_created);
    assert.match(table, /^rvbbit_batch_[0-9a-f]{8}$/);
    // sql_data read the TEMP table through the session's connection.
    assert.equal(JSON.parse(String(row.outputs)).load.rows, [
      { category: 'electronics', n: 2 },
      { category: 'toys', n: 1 },
    ]);
    const named = await f.engine.query(
      `RVBBIT RUN 'summarize_table' USING (SELECT * FROM products WHERE category = 'toys') WITH (as_table = 'scratch_toys')`,
    );
    assert.is(named.rows[0]!.status, 'success');
    assert.equal(await tables(f), [
      { name: table, temporary: true },
      { name: 'scratch_toys', temporary: true },
    ]);
    assert.equal((await f.engine.query('SELECT count(*)::INTEGER AS n FROM scratch_toys')).rows, [{ n: 1 }]);
    const other = await f.engine.session();
    const err = await failure(other.query(`SELECT * FROM ${table}`));
    assert.match(String(err.message), /does not exist/);
    other.close();
  } finally {
    await f.close();
  }
  f = await open('temp.duckdb');
  try {
    assert.equal(await tables(f), []);
    assert.equal((await f.engine.query('SELECT count(*)::INTEGER AS n FROM products')).rows, [{ n: 3 }]);
  } finally {
    await f.close();
  }
});

test('as_table with persist = true is a table of the database: it is there after reopening', async () => {
  let f = await open('persist.duckdb');
  try {
    await f.engine.query(PRODUCTS);
    const r = await f.engine.query(
      `RVBBIT RUN 'summarize_table' USING (SELECT * FROM products WHERE category = 'electronics')
       WITH (as_table = 'kept_batch', persist = true)`,
    );
    assert.is(r.rows[0]!.status, 'success');
    assert.is(r.rows[0]!.table_created, 'kept_batch');
    assert.equal(await tables(f), [{ name: 'kept_batch', temporary: false }]);
  } finally {
    await f.close();
  }
  f = await open('persist.duckdb');
  try {
    assert.equal(await tables(f), [{ name: 'kept_batch', temporary: false }]);
    assert.equal((await f.engine.query('SELECT name FROM kept_batch ORDER BY name')).rows, [
      { name: 'Walkman' },
      { name: 'iPhone' },
    ]);
  } finally {
    await f.close();
  }
});

test('a taken as_table is RUN_TABLE_EXISTS at the option; replace = true replaces it', async () => {
  const f = await open('replace.duckdb');
  try {
    await f.engine.query(PRODUCTS);
    await f.engine.query('CREATE TABLE kept_prices AS SELECT 1 AS old');
    const sql = (extra: string): string =>
      `RVBBIT RUN 'summarize_table'\nUSING (SELECT * FROM products)\nWITH (limit = 5,  as_table = 'kept_prices'${extra})`;
    for (const extra of ['', ', persist = true']) {
      const err = await failure(f.engine.query(sql(extra)));
      assert.is(err.code, 'RUN_TABLE_EXISTS');
      assert.is(
        err.message,
        "as_table 'kept_prices' (line 3, column 19): a table of that name already exists; WITH (replace = true) replaces it",
      );
      assert.equal(err.detail, { table: 'kept_prices', line: 3, column: 19 });
    }
    // Nothing was written and no model was called.
    assert.equal((await f.engine.query('SELECT * FROM kept_prices')).rows, [{ old: 1 }]);
    assert.is(f.sim.stats().requests, 0);

    const kept = await f.engine.query(sql(', persist = true, replace = true'));
    assert.is(kept.rows[0]!.status, 'success');
    assert.equal((await f.engine.query('SELECT count(*)::INTEGER AS n FROM kept_prices')).rows, [{ n: 3 }]);
    assert.equal(await tables(f), [{ name: 'kept_prices', temporary: false }]);

    // A TEMP as_table is taken for the rest of the session too, and replaced the same way.
    await f.engine.query(
      `RVBBIT RUN 'summarize_table' USING (SELECT * FROM products LIMIT 1) WITH (as_table = 'scratch')`,
    );
    const again = await failure(
      f.engine.query(
        `RVBBIT RUN 'summarize_table' USING (SELECT * FROM products) WITH (as_table = 'scratch')`,
      ),
    );
    assert.equal([again.code, again.detail], ['RUN_TABLE_EXISTS', { table: 'scratch', line: 1, column: 67 }]);
    await f.engine.query(
      `RVBBIT RUN 'summarize_table' USING (SELECT * FROM products) WITH (as_table = 'scratch', replace = true)`,
    );
    assert.equal((await f.engine.query('SELECT count(*)::INTEGER AS n FROM scratch')).rows, [{ n: 3 }]);
    assert.equal(await tables(f), [
      { name: 'kept_prices', temporary: false },
      { name: 'scratch', temporary: true },
    ]);
  } finally {
    await f.close();
  }
});

test('RUN ASYNC: closing its session right away keeps the TEMP input table until the job has read it', async () => {
  const f = await open('async.duckdb');
  try {
    f.sim.setOptions({ latencyMs: 300 });
    const session = await f.engine.session();
    const r = await session.query(`RVBBIT RUN ASYNC 'run_late_read' USING (SELECT range AS i FROM range(5))`);
    const id = String(r.rows[0]!.session_id);
    assert.is(r.rows[0]!.status, 'running');
    session.close();
    let job: Record<string, unknown> = { status: 'running' };
    for (let i = 0; i < 600 && job.status === 'running'; i++) {
      await new Promise((res) => setTimeout(res, 50));
      job = (
        await f.engine.query('SELECT status, outputs, error FROM rvbbit.jobs WHERE session_id = $1', [id])
      ).rows[0]!;
    }
    assert.is(job.status, 'success', String(job.error));
    assert.equal(JSON.parse(String(job.outputs)).load.rows, [{ n: 5 }]);
    assert.equal(await tables(f), []);
  } finally {
    await f.close();
  }
});

test.run();
