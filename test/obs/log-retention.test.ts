/**
 * An in-memory database's call log keeps its newest `maxLogRows` rows
 * (issue 66): DuckDB does not spill the in-memory `rvbbit` database, so a log
 * of every call grew with the work (73 MB after a million calls). Real engine,
 * real simulator over HTTP: the calls the simulator counts are logged, and
 * the log holds the bound's worth of the newest, found by session as before.
 */

import { DuckDBInstance } from '@duckdb/node-api';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConnectionQueue } from '../../src/db/connection-queue.js';
import { createEngine } from '../../src/index.js';
import { CallLogRing, callLogSegment, callLogSegments, SEGMENT_ROWS } from '../../src/obs/call-log-ring.js';
import { COMPRESS_EVERY, LogRetention } from '../../src/obs/log-retention.js';
import { loggedCall } from '../../src/obs/log-writer.js';
import { ensureRvbbitSchema } from '../../src/obs/schema.js';
import { productsSql, startFixture } from '../engine/engine-fixture.js';

const count = async (
  run: (sql: string) => Promise<{ readonly rows: readonly Record<string, unknown>[] }>,
  sql: string,
) => Number((await run(sql)).rows[0]!.n);

test('a MAP of 1,000 calls under maxLogRows 400: the log keeps the newest 400; the next run is all there, found by session', async () => {
  const f = await startFixture({}, { maxLogRows: 400 });
  try {
    const map = (n: number) =>
      `RVBBIT MAP PARALLEL 32 'label' USING (SELECT id, product_name AS text FROM (${productsSql(n)})) WITH (cache = false)`;
    await f.engine.query(map(1000));
    assert.is(f.sim.stats().requests, 1000);
    const q = (sql: string) => f.engine.query(sql);
    assert.is(await count(q, 'SELECT count(*) AS n FROM rvbbit.unified_logs'), 400);
    // Which 400 (the last logged) is checked in append order by the ring's own test below: a view
    // over the ring has no rowid, and 32 calls in flight log in no fixed row order.
    await f.engine.query(map(300));
    assert.is(f.sim.stats().requests, 1300);
    assert.is(await count(q, 'SELECT count(*) AS n FROM rvbbit.unified_logs'), 400);
    const last = (
      await q(`SELECT query_id FROM rvbbit.queries WHERE kind = 'map' ORDER BY started_at DESC LIMIT 1`)
    ).rows[0]!.query_id as string;
    // Its totals read from the segments written since its first call (CallLogRing.callsSince): all 300.
    assert.is(await count(q, `SELECT calls AS n FROM rvbbit.queries WHERE query_id = '${last}'`), 300);
    // Every call of the last statement is still logged, and one of its runs is found by its session.
    assert.is(
      await count(q, `SELECT count(*) AS n FROM rvbbit.unified_logs WHERE query_id = '${last}'`),
      300,
    );
    const session = (
      await q(`SELECT session_id FROM rvbbit.unified_logs WHERE query_id = '${last}' AND row_index = 150`)
    ).rows[0]!.session_id as string;
    assert.equal(
      (
        await q(
          `SELECT count(*)::INTEGER AS n, min(row_index)::INTEGER AS i FROM rvbbit.unified_logs WHERE session_id = '${session}'`,
        )
      ).rows,
      [{ n: 1, i: 150 }],
    );
  } finally {
    await f.close();
  }
});

for (const logs of ['shared', 'private'] as const) {
  test(`rvbbit.queries keeps its newest maxLogRows statements (${logs} logs)`, async () => {
    const engine = await createEngine({ maxLogRows: 3, logs });
    try {
      for (let i = 1; i <= 5; i++) await engine.query(`SELECT ${i} AS n`);
      assert.equal((await engine.query('SELECT text FROM rvbbit.queries ORDER BY text')).rows, [
        { text: 'SELECT 3 AS n' },
        { text: 'SELECT 4 AS n' },
        { text: 'SELECT 5 AS n' },
      ]);
    } finally {
      await engine.close();
    }
  });
}

test('within one long statement the log never holds 2 × the bound (20,000 calls, bound 1,000): the ring turns and keeps its newest rows', async () => {
  const engine = await createEngine({ maxLogRows: 1000 });
  try {
    const logs = engine.shared.logs;
    const origin = { callerId: 'map', queryId: 'long', cascadeId: 'label' } as const;
    let most = 0;
    for (let at = 0; at < 20_000; at += 500) {
      await logs.calls(
        Array.from({ length: 500 }, (_, i) =>
          loggedCall(origin, { sessionId: `s-${at + i}`, index: at + i }, null),
        ),
      );
      await logs.flush();
      most = Math.max(
        most,
        await count((sql) => engine.query(sql), 'SELECT count(*) AS n FROM rvbbit.unified_logs'),
      );
    }
    assert.ok(most < 2000, `the log held ${most} rows`);
    // The newest call is there; the first is not.
    assert.is(
      await count(
        (sql) => engine.query(sql),
        `SELECT count(*) AS n FROM rvbbit.unified_logs WHERE session_id = 's-19999'`,
      ),
      1,
    );
    assert.is(
      await count(
        (sql) => engine.query(sql),
        `SELECT count(*) AS n FROM rvbbit.unified_logs WHERE session_id = 's-0'`,
      ),
      0,
    );
  } finally {
    await engine.close();
  }
});

test('the log is compressed as it grows: 196,608 calls within the bound hold 2.7 MB of DuckDB memory, not 19.9 MB, and all are there', async () => {
  // No copy happens (the bound is above the rows): only the checkpoints every COMPRESS_EVERY rows
  // compress them. Without them the rows stay as appended (these rows have few fields: ~100 bytes each).
  const engine = await createEngine({ maxLogRows: 1_000_000 });
  try {
    const logs = engine.shared.logs;
    const origin = { callerId: 'map', queryId: 'long', cascadeId: 'label' } as const;
    const n = 3 * COMPRESS_EVERY;
    for (let at = 0; at < n; at += 4096) {
      await logs.calls(
        Array.from({ length: 4096 }, (_, i) =>
          loggedCall(
            origin,
            { sessionId: `session-${(at + i).toString(36).padStart(8, '0')}`, index: at + i },
            null,
          ),
        ),
      );
    }
    await logs.flush();
    assert.is(await count((sql) => engine.query(sql), 'SELECT count(*) AS n FROM rvbbit.unified_logs'), n);
    const tableMb =
      (await count(
        (sql) => engine.query(sql),
        `SELECT memory_usage_bytes AS n FROM duckdb_memory() WHERE tag = 'IN_MEMORY_TABLE'`,
      )) /
      2 ** 20;
    assert.ok(tableMb < 8, `the log's table holds ${tableMb.toFixed(1)} MB`);
    assert.is(
      await count(
        (sql) => engine.query(sql),
        `SELECT count(*) AS n FROM rvbbit.unified_logs WHERE session_id = 'session-${(n - 1).toString(36).padStart(8, '0')}'`,
      ),
      1,
    );
  } finally {
    await engine.close();
  }
});

test('past the bound the oldest rows are deleted and their blocks given back: 100,000 kept of 300,000 hold what 100,000 compressed rows do', async () => {
  // LogRetention over its own in-memory COMPRESS database, its rows appended by INSERT.
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  try {
    await con.run(`ATTACH ':memory:' AS rvbbit (COMPRESS)`);
    await con.run('CREATE TABLE rvbbit.unified_logs (session_id VARCHAR, row_index BIGINT, status VARCHAR)');
    const kept = new LogRetention(
      new ConnectionQueue(con),
      { table: 'rvbbit.unified_logs', database: 'rvbbit', closeWriter: () => {} },
      100_000,
    );
    const read = async (sql: string) => Number((await con.runAndReadAll(sql)).getRowObjectsJS()[0]!.n);
    const tableMb = async () =>
      (await read(`SELECT memory_usage_bytes AS n FROM duckdb_memory() WHERE tag = 'IN_MEMORY_TABLE'`)) /
      2 ** 20;
    for (let at = 0; at < 300_000; at += 50_000) {
      await con.run(
        `INSERT INTO rvbbit.unified_logs SELECT 'session-' || md5(range::VARCHAR), range, 'ok' FROM range(${at}, ${at + 50_000})`,
      );
      await kept.added(50_000);
    }
    // Checkpoints at 100,000 (nothing past the bound), 200,000 and 300,000 (the oldest 100,000 each time).
    assert.equal(kept.checkpoints, { run: 3, refused: 0 });
    await kept.settle();
    assert.is(await read('SELECT min(row_index) AS n FROM rvbbit.unified_logs'), 200_000);
    assert.is(await read('SELECT count(*) AS n FROM rvbbit.unified_logs'), 100_000);
    const after = await tableMb();
    // The same 100,000 rows written once and checkpointed: what the kept rows should cost.
    await con.run(`ATTACH ':memory:' AS fresh (COMPRESS)`);
    await con.run('CREATE TABLE fresh.t AS SELECT * FROM rvbbit.unified_logs');
    await con.run('CHECKPOINT fresh');
    const both = await tableMb();
    assert.ok(
      after <= (both - after) * 1.5,
      `the log holds ${after.toFixed(1)} MB, a fresh copy ${(both - after).toFixed(1)}`,
    );
  } finally {
    con.closeSync();
    instance.closeSync();
  }
});

test('the call log as a ring: 300,000 calls under a bound of 100,000 keep exactly the newest, each segment one row group (nothing for a checkpoint to merge or rewrite)', async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  try {
    const store = await ensureRvbbitSchema(con, { inMemory: true, maxLogRows: 100_000 });
    assert.is(store.maxLogRows, 100_000);
    // A quarter of the bound a segment, at most SEGMENT_ROWS; one more segment than the bound needs.
    assert.is(SEGMENT_ROWS, 16_384);
    assert.equal(callLogSegments(100_000), { rows: 16_384, count: 8 });
    assert.equal(callLogSegments(200_000), { rows: 16_384, count: 14 });
    assert.equal(callLogSegments(40_000), { rows: 10_000, count: 5 });
    assert.equal(callLogSegments(3), { rows: 1, count: 4 });
    let closed = 0;
    const ring = new CallLogRing(
      new ConnectionQueue(con),
      { database: 'rvbbit', closeWriter: () => closed++ },
      100_000,
    );
    const read = async (sql: string) => Number((await con.runAndReadAll(sql)).getRowObjectsJS()[0]!.n);
    let most = 0;
    for (let at = 0; at < 300_000; at += 10_000) {
      // Appended in row_index order: the newest are the highest.
      await con.run(
        `INSERT INTO rvbbit.${ring.table} (session_id, row_index, status)
         SELECT 'session-' || md5(range::VARCHAR), range, 'ok' FROM range(${at}, ${at + 10_000})`,
      );
      await ring.added(10_000);
      most = Math.max(most, await read('SELECT count(*) AS n FROM rvbbit.unified_logs'));
      // The segment taking calls holds each commit as a group of its own until its turn's
      // checkpoint merges them, uncompressed, into one; every other segment is one group.
      for (let i = 0; i < ring.segments.count; i++)
        if (callLogSegment(i) !== ring.table)
          assert.ok(
            (await read(
              `SELECT count(DISTINCT row_group_id) AS n FROM pragma_storage_info('rvbbit.${callLogSegment(i)}')`,
            )) <= 1,
            `segment ${i} holds more than one row group at ${at + 10_000} calls`,
          );
    }
    // A turn once a segment has its 16,384 (here every second append of 10,000), each checkpointed;
    // the log never past the bound, a segment and an append.
    assert.equal(ring.turns, { made: 15, checkpoints: 15, refused: 0 });
    assert.ok(closed >= 15, `the writer was closed ${closed} times`);
    assert.ok(most <= 100_000 + 16_384 + 10_000, `the log held ${most} rows`);
    // A statement's calls since a turn: the segment taking calls, the ones before it, or every one.
    const made = ring.turns.made;
    assert.is(ring.callsSince(made), `rvbbit.${ring.table}`);
    assert.is(
      ring.callsSince(made - 1),
      `(SELECT * FROM rvbbit.${callLogSegment((15 - 1) % 8)} UNION ALL SELECT * FROM rvbbit.${ring.table})`,
    );
    assert.is(ring.callsSince(made - 7), 'rvbbit.unified_logs');
    await ring.settle();
    assert.equal(
      (
        await con.runAndReadAll(
          'SELECT count(*)::INTEGER AS n, min(row_index)::INTEGER AS lo, max(row_index)::INTEGER AS hi FROM rvbbit.unified_logs',
        )
      ).getRowObjectsJS(),
      [{ n: 100_000, lo: 200_000, hi: 299_999 }],
    );
    // Found by session, through the view.
    assert.is(
      await read(
        `SELECT count(*) AS n FROM rvbbit.unified_logs WHERE session_id = 'session-' || md5('250000')`,
      ),
      1,
    );
  } finally {
    con.closeSync();
    instance.closeSync();
  }
});

test('maxLogRows must be a positive integer: ENGINE_OPTION', async () => {
  for (const bad of [0, 1.5, -1]) {
    try {
      await createEngine({ maxLogRows: bad });
      assert.unreachable(`maxLogRows ${bad} was taken`);
    } catch (err) {
      assert.is((err as { code?: string }).code, 'ENGINE_OPTION');
      assert.is((err as Error).message, `options.maxLogRows must be a positive integer, got ${bad}`);
    }
  }
});

test.run();
