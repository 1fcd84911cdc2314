/**
 * `rvbbit serve` keeps each client's rows of rvbbit.queries, unified_logs and
 * jobs to itself (no SQL text, error or cost of another client), however the
 * client asks: directly, through query('…') with the name built at run time,
 * or through a view it made. `--shared-logs` shows every row to everyone.
 * With a database file the rows are kept in `<file>.rvbbit-logs.duckdb`.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';
import { start, waitFor } from './helpers.js';

async function serve(extra: string[]) {
  const run = start(['serve', '--port', '0', '--sim', ...extra]);
  await waitFor(run.out, /listening on postgresql:\/\/127\.0\.0\.1:\d+/);
  const port = Number(/:(\d+) /.exec(run.out())![1]);
  const connect = async (user: string) => {
    const c = new pg.Client({ host: '127.0.0.1', port, user, database: 'rvbbit' });
    await c.connect();
    return c;
  };
  return { run, connect };
}

const texts = async (c: pg.Client, sql: string) => (await c.query(sql)).rows.map((r) => String(r.text));

test('private by default: each client reads its own rows only, however it asks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-private-logs-'));
  const db = join(dir, 'served.duckdb');
  const { run, connect } = await serve(['--db', db]);
  const alice = await connect('alice');
  const bob = await connect('bob');
  try {
    await alice.query(`SELECT 'alice secret' AS s`);
    await alice.query(`SELECT 'a red sports car' MEANS 'car' AS m`);
    await bob.query(`SELECT 'bob secret' AS s`);

    const aliceSees = await texts(alice, `SELECT text FROM rvbbit.queries ORDER BY started_at`);
    assert.equal(aliceSees, [`SELECT 'alice secret' AS s`, `SELECT 'a red sports car' MEANS 'car' AS m`]);
    const aliceCalls = await alice.query(`SELECT count(*)::INT AS n FROM rvbbit.unified_logs`);
    assert.is(aliceCalls.rows[0].n, 1);

    const bobSees = await texts(bob, `SELECT text FROM rvbbit.queries ORDER BY started_at`);
    assert.equal(bobSees, [`SELECT 'bob secret' AS s`]);
    assert.is((await bob.query(`SELECT count(*)::INT AS n FROM rvbbit.unified_logs`)).rows[0].n, 0);
    // The name built at run time: query() with a computed text is refused outright (the file
    // guard takes constants only); with a constant one, and through a view: only bob's own rows.
    const computed = await bob
      .query(`SELECT text FROM query('SELECT text FROM rvbbit.' || 'quer' || 'ies')`)
      .then(
        () => undefined,
        (e: { code: string }) => e,
      );
    assert.is(computed?.code, '42501');
    const dynamic = await texts(bob, `SELECT text FROM query('SELECT text FROM rvbbit.queries')`);
    assert.ok(dynamic.length > 0);
    assert.not.ok(
      dynamic.some((t) => t.includes('alice')),
      dynamic.join('\n'),
    );
    await bob.query(`CREATE TEMP VIEW mine AS SELECT text FROM rvbbit.queries`);
    const viaView = await texts(bob, `SELECT text FROM mine`);
    assert.not.ok(
      viaView.some((t) => t.includes('alice')),
      viaView.join('\n'),
    );
    // No other table holds them.
    const tables = await bob.query(
      `SELECT string_agg(database_name || '.' || schema_name || '.' || table_name, ',') AS t FROM duckdb_tables()
       WHERE table_name IN ('queries', 'unified_logs', 'jobs')`,
    );
    assert.is(tables.rows[0].t, null);
  } finally {
    await Promise.all([alice.end(), bob.end()]);
    run.child.kill('SIGTERM');
    await run.done;
  }
  // The operator's copy: every client's rows, in the log file beside the database.
  const logFile = join(dir, 'served.rvbbit-logs.duckdb');
  assert.ok(existsSync(logFile));
  const operator = await createEngine({ database: logFile });
  try {
    const all = await operator.query(
      `SELECT text FROM rvbbit.queries WHERE text LIKE '%secret%' ORDER BY text`,
    );
    assert.equal(
      all.rows.map((r) => r.text),
      [`SELECT 'alice secret' AS s`, `SELECT 'bob secret' AS s`],
    );
  } finally {
    await operator.close();
  }
  // Opened again in-process (shared logs): log tables again, not the server's views.
  const local = await createEngine({ database: db });
  try {
    await local.query(`SELECT 'local' AS s`);
    const own = await local.query(`SELECT text FROM rvbbit.queries`);
    assert.equal(
      own.rows.map((r) => r.text),
      [`SELECT 'local' AS s`],
    );
  } finally {
    await local.close();
  }
});

test('--shared-logs: every client reads every row', async () => {
  const { run, connect } = await serve(['--shared-logs']);
  const alice = await connect('alice');
  const bob = await connect('bob');
  try {
    await alice.query(`SELECT 'alice secret' AS s`);
    const bobSees = await texts(bob, `SELECT text FROM rvbbit.queries WHERE text LIKE '%secret%'`);
    assert.equal(bobSees, [`SELECT 'alice secret' AS s`]);
  } finally {
    await Promise.all([alice.end(), bob.end()]);
    run.child.kill('SIGTERM');
    await run.done;
  }
});

test.run();
