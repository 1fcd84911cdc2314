/**
 * `rvbbit.queries`: one vocabulary of kinds (map, run, semantic, sql,
 * explain) whether a statement succeeded or not, and a cancelled or failed
 * statement carries the calls, cache hits and cost it did spend (its
 * `rvbbit.unified_logs` rows), not zeros.
 */
import * as assert from 'uvu/assert';
import type { Engine } from '../../src/index.js';
import { engineSuite, productsSql } from './engine-fixture.js';

const test = engineSuite('engine: rvbbit.queries kinds and totals');

type QueryRow = { query_id: string; kind: string; status: string; calls: number; cost: number | null };

async function lastQuery(engine: Engine): Promise<QueryRow> {
  const r = await engine.query(
    `SELECT query_id, kind, status, calls::INTEGER AS calls, cost FROM rvbbit.queries
     WHERE text NOT LIKE '%rvbbit.queries%' ORDER BY started_at DESC LIMIT 1`,
  );
  return r.rows[0] as QueryRow;
}

async function logged(engine: Engine, queryId: string): Promise<{ calls: number; cost: number }> {
  const r = await engine.query(
    `SELECT count(*)::INTEGER AS calls, coalesce(sum(cost), 0) AS cost FROM rvbbit.unified_logs
     WHERE query_id = $1 AND NOT cache_hit`,
    [queryId],
  );
  return r.rows[0] as { calls: number; cost: number };
}

const fails = async (engine: Engine, sql: string) => {
  try {
    await engine.query(sql);
  } catch {
    return;
  }
  assert.unreachable(`should fail: ${sql}`);
};

test('a cancelled MAP is stored cancelled with the calls it made', async ({ f }) => {
  f.sim.setOptions({ latencyMs: 30 });
  const controller = new AbortController();
  const sql = `RVBBIT MAP PARALLEL 4 'label' USING (SELECT id, product_name AS text FROM (${productsSql(200)}))
    WITH (cache = false)`;
  try {
    await f.engine.query(sql, undefined, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.rowsDone >= 20) controller.abort();
      },
    });
    assert.unreachable('should be cancelled');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'CANCELLED');
  }
  const q = await lastQuery(f.engine);
  assert.is(q.kind, 'map');
  assert.is(q.status, 'cancelled');
  const spent = await logged(f.engine, q.query_id);
  assert.ok(spent.calls >= 20 && spent.calls < 200, `${spent.calls} calls`);
  assert.is(q.calls, spent.calls);
  assert.ok(q.cost !== null && Math.abs(q.cost - spent.cost) < 1e-12, `${q.cost} vs ${spent.cost}`);
});

test("a MAP failed by on_error = 'fail' is stored as an error with its calls", async ({ f }) => {
  f.sim.setOptions({ errorRate: 1 });
  await fails(
    f.engine,
    `RVBBIT MAP 'label' USING (SELECT id, product_name AS text FROM (${productsSql(3)}))
     WITH (cache = false, on_error = 'fail', retries = 0)`,
  );
  const q = await lastQuery(f.engine);
  assert.is(q.kind, 'map');
  assert.is(q.status, 'error');
  const spent = await logged(f.engine, q.query_id);
  assert.ok(spent.calls >= 1, `${spent.calls} calls`);
  assert.is(q.calls, spent.calls);
});

test('failed statements are logged with the kind of their success', async ({ f }) => {
  const cases: [string, string][] = [
    ['SELECT * FROM no_such_table', 'sql'],
    [`RVBBIT MAP 'no_such_cascade' USING (SELECT 1 AS x)`, 'map'],
    [`CREATE TABLE t_fail AS RVBBIT MAP 'no_such_cascade' USING (SELECT 1 AS x)`, 'map'],
    [`RVBBIT RUN 'no_such_cascade' USING (SELECT 1 AS x)`, 'run'],
    [`EXPLAIN RVBBIT MAP 'no_such_cascade' USING (SELECT 1 AS x)`, 'explain'],
    [`SELECT x FROM (SELECT 1 AS x) WHERE x MEANS 'one'`, 'semantic'],
    [`EXPLAIN SELECT x FROM (SELECT 1 AS x) WHERE x MEANS 'one'`, 'explain'],
  ];
  for (const [sql, kind] of cases) {
    await fails(f.engine, sql);
    const q = await lastQuery(f.engine);
    assert.equal([q.kind, q.status, q.calls], [kind, 'error', 0], sql);
  }
  // And the same words on success.
  await f.engine.query('SELECT 1');
  assert.is((await lastQuery(f.engine)).kind, 'sql');
  await f.engine.query(`RVBBIT MAP 'label' USING (SELECT 'Acme' AS text)`);
  assert.is((await lastQuery(f.engine)).kind, 'map');
  assert.equal(
    (await f.engine.query(`SELECT DISTINCT kind FROM rvbbit.queries ORDER BY kind`)).rows.map((r) => r.kind),
    ['explain', 'map', 'run', 'semantic', 'sql'],
  );
});

test('a cancelled semantic SELECT is stored cancelled with the calls it made', async ({ f }) => {
  f.sim.setOptions({ latencyMs: 30 });
  const controller = new AbortController();
  // Cancelled once calls have been answered, not on a 300 ms timer: at load 20 none had been by then.
  const answered = (async () => {
    while (f.sim.stats().completed < 2) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
  })();
  try {
    await f.engine.query(
      // Unpacked (-- @ batch: 1; unannotated statements pack since issue 67): 200 calls of 30 ms, cancelled part-way.
      `-- @ parallel: 2\n-- @ batch: 1\n-- @ cache: false\nSELECT id FROM (${productsSql(200)}) WHERE product_name MEANS 'cancel me'`,
      undefined,
      { signal: controller.signal },
    );
    assert.unreachable('should be cancelled');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'CANCELLED');
  }
  await answered;
  const q = await lastQuery(f.engine);
  assert.equal([q.kind, q.status], ['semantic', 'cancelled']);
  const spent = await logged(f.engine, q.query_id);
  assert.ok(spent.calls >= 1 && spent.calls < 200, `${spent.calls} calls`);
  assert.is(q.calls, spent.calls);
});

test('a stream the consumer stops is stored cancelled with the calls it made', async ({ f }) => {
  f.sim.setOptions({ latencyMs: 5 });
  const sql = `RVBBIT MAP PARALLEL 2 'label' USING (SELECT id, product_name AS text FROM (${productsSql(400)}))
    WITH (cache = false, limit = 0)`;
  for await (const batch of f.engine.stream(sql)) {
    assert.ok(batch.length > 0);
    break;
  }
  const q = await lastQuery(f.engine);
  assert.equal([q.kind, q.status], ['map', 'cancelled']);
  const spent = await logged(f.engine, q.query_id);
  assert.ok(spent.calls >= 1, `${spent.calls} calls`);
  assert.is(q.calls, spent.calls);
});

test.run();
