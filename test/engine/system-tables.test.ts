/**
 * A statement's log rows, cache rows and cache figures are committed by the
 * next statement that reads them, not at its own end (engine/system-tables.ts):
 * a commit costs ~1.4 ms whatever it holds, and four or five at every
 * statement's end were a quarter of a small semantic statement's time. What a
 * reader sees must not change: a statement naming one of these tables (any
 * session, readSystem) reads every statement that ended before it, and rows
 * nobody asks for are committed within the deadline all the same.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROWS_COMMITTED_WITHIN_MS } from '../../src/obs/schema.js';
import { startFixture } from './engine-fixture.js';

const MEANS = `SELECT t FROM (VALUES ('a kind review'), ('a cruel review')) v(t) WHERE t MEANS 'kind' ORDER BY t`;

/** The queries rows committed, read on a connection of the log's database that no statement goes through. */
async function committedQueries(f: Awaited<ReturnType<typeof startFixture>>): Promise<number> {
  return f.engine.shared.logDb.q.run(async (con) => {
    const r = await con.runAndReadAll(
      `SELECT count(*)::INTEGER AS n FROM rvbbit.queries WHERE kind = 'semantic'`,
    );
    return r.getRows()[0]![0] as number;
  });
}

test('a statement ends without committing its log; the next statement that names the log reads it', async () => {
  const f = await startFixture();
  try {
    await f.engine.query(MEANS);
    await f.engine.query(MEANS);
    // Appended, not committed: a reader outside every statement sees none yet (the deadline is 250 ms away).
    assert.is(await committedQueries(f), 0);
    // A plain statement that does not name the log commits nothing either.
    await f.engine.query('SELECT 42 AS answer');
    assert.is(await committedQueries(f), 0);
    const seen = await f.engine.query(
      `SELECT count(*)::INTEGER AS statements, sum(calls)::INTEGER AS calls FROM rvbbit.queries WHERE kind = 'semantic'`,
    );
    assert.equal(seen.rows, [{ statements: 2, calls: f.sim.stats().requests }]);
    const calls = await f.engine.query(
      `SELECT count(*)::INTEGER AS n FROM rvbbit.unified_logs WHERE NOT cache_hit`,
    );
    assert.equal(calls.rows, [{ n: f.sim.stats().requests }]);
  } finally {
    await f.close();
  }
});

test('another session and readSystem read the rows of a statement that just ended', async () => {
  const f = await startFixture();
  try {
    const other = await f.engine.session();
    await f.engine.query(MEANS);
    const fromSession = await other.query(
      `SELECT count(*)::INTEGER AS n FROM rvbbit.queries WHERE kind = 'semantic'`,
    );
    assert.equal(fromSession.rows, [{ n: 1 }]);
    await f.engine.query(MEANS);
    assert.equal(
      await f.engine.readSystem(`SELECT count(*)::INTEGER AS n FROM rvbbit.queries WHERE kind = 'semantic'`),
      [{ n: 2 }],
    );
    await other.close();
  } finally {
    await f.close();
  }
});

test('rows no reader asks for are committed by the deadline all the same', async () => {
  const f = await startFixture();
  try {
    await f.engine.query(MEANS);
    assert.is(await committedQueries(f), 0);
    // The deadline's timer commits them (unref'd, so a process is never held open for it); polled, not slept once.
    const until = Date.now() + 20 * ROWS_COMMITTED_WITHIN_MS;
    while ((await committedQueries(f)) === 0 && Date.now() < until)
      await new Promise((r) => setTimeout(r, 25));
    assert.is(await committedQueries(f), 1);
  } finally {
    await f.close();
  }
});

/** Rows of `sql` read on the system connection, which no statement goes through. */
async function raw(
  f: Awaited<ReturnType<typeof startFixture>>,
  sql: string,
): Promise<Record<string, unknown>[]> {
  return f.engine.shared.system.run(async (con) => (await con.runAndReadAll(sql)).getRowObjectsJS());
}

test('the cache’s rows and figures: committed for the statement that names them, not for one that only sets the option', async () => {
  const f = await startFixture();
  try {
    await f.engine.query(MEANS);
    const calls = f.sim.stats().requests;
    assert.ok(calls > 0);
    assert.equal(await raw(f, 'SELECT count(*)::INTEGER AS n FROM rvbbit.cache'), [{ n: 0 }]);
    assert.equal(await raw(f, 'SELECT count(*)::INTEGER AS n FROM rvbbit.cache_stats'), [{ n: 0 }]);
    // `cache` as an option is no read of the table.
    await f.engine.query(`-- @ cache: false\nSELECT 1 AS one`);
    await f.engine.query(`RVBBIT MAP 'label' USING (SELECT 'x' AS text) WITH (limit = 0, cache = false)`);
    assert.equal(await raw(f, 'SELECT count(*)::INTEGER AS n FROM rvbbit.cache_stats'), [{ n: 0 }]);
    const stats = await f.engine.query(
      'SELECT hits::INTEGER AS hits, misses::INTEGER AS misses FROM rvbbit.cache_stats',
    );
    assert.equal(stats.rows, [{ hits: 0, misses: 2 }]);
    // One answer a row (the two rows went in one packed call).
    const rows = await f.engine.query('SELECT count(*)::INTEGER AS n FROM rvbbit.cache');
    assert.equal(rows.rows, [{ n: 2 }]);
    // The same statement again: answered from the cache, no call.
    const before = f.sim.stats().requests;
    await f.engine.query(MEANS);
    assert.is(f.sim.stats().requests, before);
    assert.equal(
      await f.engine.readSystem(
        'SELECT hits::INTEGER AS hits, misses::INTEGER AS misses FROM rvbbit.cache_stats',
      ),
      [{ hits: 2, misses: 2 }],
    );
  } finally {
    await f.close();
  }
});

test.run();
