/**
 * An in-memory database's call log keeps its newest `maxLogRows` rows
 * (issue 66): DuckDB does not spill the in-memory `rvbbit` database, so a log
 * of every call grew with the work (73 MB after a million calls). Real engine,
 * real simulator over HTTP: the calls the simulator counts are logged, and
 * the log holds the bound's worth of the newest, found by session as before.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';
import { loggedCall } from '../../src/obs/log-writer.js';
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
    // The newest: the last 400 calls logged.
    assert.is(
      await count(
        q,
        'SELECT count(*) AS n FROM rvbbit.unified_logs WHERE rowid >= (SELECT max(rowid) - 399 FROM rvbbit.unified_logs)',
      ),
      400,
    );
    await f.engine.query(map(300));
    assert.is(f.sim.stats().requests, 1300);
    assert.is(await count(q, 'SELECT count(*) AS n FROM rvbbit.unified_logs'), 400);
    const last = (
      await q(`SELECT query_id FROM rvbbit.queries WHERE kind = 'map' ORDER BY started_at DESC LIMIT 1`)
    ).rows[0]!.query_id as string;
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

test('within one long statement the log never holds 2 × the bound (20,000 calls, bound 1,000): it is replaced by a copy of its newest rows', async () => {
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
