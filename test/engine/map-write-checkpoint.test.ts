/**
 * A `CREATE TABLE … AS RVBBIT MAP` written straight into a database file's
 * table (map-stream-write.ts) leaves the database checkpointable while it
 * runs: its rows go to a pending table committed empty before the first call
 * (db/pending-tables.ts), its rows committed in one transaction and the table
 * renamed to the target in the next, so the appending transaction makes no
 * catalog change. With the
 * table created inside that transaction, DuckDB refused every checkpoint
 * meanwhile ("Cannot CHECKPOINT: there are other write transactions active"),
 * and the log rows each call commits stayed uncompressed in memory and in the
 * WAL (a million of them: docs/performance.md, issue 66). Another session sees
 * the log rows while the MAP runs and no target table until its commit; a
 * cancelled write leaves no pending table; one left by a crash is dropped when
 * an engine next opens the file. Real engine, real DuckDB, real simulator.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PENDING_PREFIX } from '../../src/db/pending-tables.js';
import { streamedWrites } from '../../src/statements/map/map-stream-write.js';
import { productsSql, startFixture } from './engine-fixture.js';

const N = 60;
/** PARALLEL 4 at 100 ms a call: ~1.5 s of calls. */
const CTAS = `CREATE TABLE out AS RVBBIT MAP PARALLEL 4 'label'
  USING (SELECT id, product_name AS text FROM (${productsSql(N)})) WITH (limit = 0, cache = false)`;

type Rows = readonly Record<string, unknown>[];
const plain = (rows: Rows) =>
  JSON.parse(JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? Number(v) : v)));

/** The tables named `out` and the pending tables, as another session sees them. */
const TABLES = `SELECT count(*) FILTER (WHERE table_name = 'out')::INT AS out,
    count(*) FILTER (WHERE starts_with(table_name, '${PENDING_PREFIX}'))::INT AS pending
  FROM duckdb_tables()`;

test('while a CTAS runs into a file, another session checkpoints the database and reads the log rows; the table appears at the commit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-ctas-checkpoint-'));
  const f = await startFixture({ latencyMs: 100 }, { database: join(dir, 'f.duckdb') });
  try {
    const before = { ...streamedWrites };
    const other = await f.engine.session();
    const running = f.engine.query(CTAS);
    let failed: unknown;
    running.catch((err: unknown) => {
      failed = err;
    });
    // Once a quarter of the calls are answered and their log rows committed (a file's log: within 250 ms).
    const logged = async () =>
      Number(
        (
          await other.query(
            `SELECT count(*)::INT AS n FROM rvbbit.unified_logs WHERE caller_id = 'map' AND NOT cache_hit`,
          )
        ).rows[0]!.n,
      );
    while ((await logged()) < N / 4) {
      if (failed) throw failed;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(f.sim.stats().requests < N, 'the MAP is still running');
    // The checkpoint DuckDB refused while the CTAS's transaction held a catalog change.
    await other.query('CHECKPOINT');
    assert.equal(plain((await other.query(TABLES)).rows), [{ out: 0, pending: 1 }]);
    const meta = await running;
    assert.equal(
      plain(meta.rows).map((r: Record<string, unknown>) => [r.status, r.row_count]),
      [['success', N]],
    );
    assert.is(streamedWrites.directRows, before.directRows + N);
    assert.is(f.sim.stats().requests, N);
    assert.equal(plain((await other.query(TABLES)).rows), [{ out: 1, pending: 0 }]);
    const stored = plain((await other.query('SELECT id FROM out')).rows).map((r: { id: number }) => r.id);
    assert.equal(
      stored,
      Array.from({ length: N }, (_, i) => i),
    );
    // No row failed: `_error` dropped in the commit that renames the table.
    const columns = await other.query(
      `SELECT column_name FROM duckdb_columns() WHERE table_name = 'out' ORDER BY column_index`,
    );
    assert.equal(
      columns.rows.map((r) => r.column_name),
      ['id', 'text', 'result'],
    );
  } finally {
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a cancelled CTAS leaves neither its table nor its pending table', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-ctas-cancel-'));
  const f = await startFixture({ latencyMs: 30 }, { database: join(dir, 'f.duckdb') });
  try {
    const controller = new AbortController();
    try {
      await f.engine.query(CTAS, undefined, {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.rowsDone >= 10) controller.abort();
        },
      });
      assert.unreachable('should be cancelled');
    } catch (err) {
      assert.is((err as { code?: string }).code, 'CANCELLED');
    }
    assert.ok(f.sim.stats().requests < N, `${f.sim.stats().requests} calls`);
    assert.equal(plain((await f.engine.query(TABLES)).rows), [{ out: 0, pending: 0 }]);
  } finally {
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a pending table a crash left is dropped when an engine opens the file; other tables stay', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-ctas-left-'));
  const db = join(dir, 'f.duckdb');
  try {
    const instance = await DuckDBInstance.create(db);
    const con = await instance.connect();
    await con.run(`CREATE TABLE ${PENDING_PREFIX}0a1b2c (id INTEGER, result VARCHAR, _error VARCHAR)`);
    await con.run(`CREATE SCHEMA s; CREATE TABLE s.${PENDING_PREFIX}3d4e5f (id INTEGER)`);
    await con.run(`CREATE TABLE kept AS SELECT 1 AS one`);
    con.closeSync();
    instance.closeSync();
    const f = await startFixture({}, { database: db });
    try {
      const left = await f.engine.query(
        `SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name <> 'rvbbit' ORDER BY ALL`,
      );
      assert.equal(plain(left.rows), [{ schema_name: 'main', table_name: 'kept' }]);
    } finally {
      await f.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
