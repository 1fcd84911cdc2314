/**
 * Single flight for answers: identical calls in flight at the same time, in
 * one statement or across sessions of one engine, are made once and shared;
 * the log shows each shared answer (`answered_by = 'shared'`, a cache hit).
 * `cache = false` shares within its statement only.
 */
import * as assert from 'uvu/assert';
import type { Engine } from '../../src/index.js';
import { engineSuite } from './engine-fixture.js';

const t = engineSuite('engine: single flight');

/** `n` sessions of the engine: each its own DuckDB connection, as a server's clients have. */
function sessions(f: { readonly engine: Engine }, n: number) {
  return Promise.all(Array.from({ length: n }, () => f.engine.session()));
}

t('10 sessions running the same 200-row MAP at once make 200 calls and get the same rows', async ({ f }) => {
  f.sim.setOptions({ latencyMs: 20 });
  const clients = await sessions(f, 10);
  const sql = `RVBBIT MAP PARALLEL 8 'label' AS label
    USING (SELECT range AS id, 'Shared Widget ' || range AS text FROM range(200))`;
  const results = await Promise.all(clients.map((s) => s.query(sql)));
  for (const s of clients) s.close();
  assert.is(f.sim.stats().requests, 200);
  for (const r of results) {
    assert.is(r.rows.length, 200);
    assert.ok(r.rows.every((row) => typeof row.label === 'string' && (row.label as string).length > 0));
    assert.equal(r.rows, results[0]!.rows);
  }
  const logs = await f.engine.query(
    `SELECT count(*) FILTER (WHERE NOT cache_hit)::INTEGER AS calls,
            count(*) FILTER (WHERE answered_by = 'shared' AND cache_hit)::INTEGER AS shared,
            count(*) FILTER (WHERE answered_by = 'cache')::INTEGER AS cached
     FROM rvbbit.unified_logs WHERE cascade_id = 'label'
       AND query_id IN (SELECT query_id FROM rvbbit.queries WHERE text LIKE '%Shared Widget%')`,
  );
  const { calls, shared, cached } = logs.rows[0] as { calls: number; shared: number; cached: number };
  assert.is(calls, 200);
  assert.is(shared + cached, 1800);
  assert.ok(shared > 0, 'some answers were shared while in flight');
  assert.is(f.engine.shared.cache.flights.size, 0);
});

t(
  'one statement with 100 identical rows (no DISTINCT) makes 1 call; 99 rows log the shared answer',
  async ({ f }) => {
    f.sim.setOptions({ latencyMs: 20 });
    const r = await f.engine.query(
      `RVBBIT MAP PARALLEL 8 'label' AS label USING (SELECT 'Lone Gadget' AS text FROM range(100))`,
    );
    assert.is(f.sim.stats().requests, 1);
    assert.is(r.rows.length, 100);
    assert.is(new Set(r.rows.map((row) => row.label)).size, 1);
    const q = await f.engine.query(
      `SELECT query_id, calls::INTEGER AS calls, cache_hits::INTEGER AS hits FROM rvbbit.queries
     WHERE kind = 'map' ORDER BY started_at DESC LIMIT 1`,
    );
    const { query_id, calls, hits } = q.rows[0] as { query_id: string; calls: number; hits: number };
    assert.equal([calls, hits], [1, 99]);
    const logs = await f.engine.query(
      `SELECT answered_by = 'shared' AS shared, cache_hit, count(*)::INTEGER AS n,
       count(DISTINCT session_id)::INTEGER AS sessions
     FROM rvbbit.unified_logs WHERE query_id = $1 GROUP BY ALL ORDER BY n`,
      [query_id],
    );
    assert.equal(logs.rows, [
      { shared: false, cache_hit: false, n: 1, sessions: 1 },
      { shared: true, cache_hit: true, n: 99, sessions: 1 },
    ]);
    // The shared rows name the session of the call that answered them.
    const all = await f.engine.query(
      `SELECT count(DISTINCT session_id)::INTEGER AS n FROM rvbbit.unified_logs WHERE query_id = $1`,
      [query_id],
    );
    assert.is(all.rows[0]!.n, 1);
  },
);

t(
  'a row whose answer landed after its page missed the cache logs the session that made it',
  async ({ f }) => {
    // Row 40 repeats row 0's text, in the same input page (64 rows at PARALLEL 2), whose lookup
    // missed both. At PARALLEL 2 the dispatch window (8 one-row chunks) holds row 40 back until
    // 33 rows are done, row 0 among the first two: row 40 finds no flight left to wait on and the
    // answer in the cache's memory, and shares it, logged like a row that waited on the flight.
    f.sim.setOptions({ latencyMs: 2 });
    const r = await f.engine.query(
      `RVBBIT MAP PARALLEL 2 'label' AS label
     USING (SELECT CASE WHEN range IN (0, 40) THEN 'Echo Lamp' ELSE 'Echo Lamp ' || range END AS text
            FROM range(64) ORDER BY range)`,
    );
    assert.is(f.sim.stats().requests, 63);
    assert.is(r.rows[40]!.label, r.rows[0]!.label);
    const q = await f.engine.query(
      `SELECT query_id FROM rvbbit.queries WHERE kind = 'map' ORDER BY started_at DESC LIMIT 1`,
    );
    const logs = await f.engine.query(
      `SELECT row_index::INTEGER AS row_index, answered_by, cache_hit, session_id
     FROM rvbbit.unified_logs WHERE query_id = $1 AND row_index IN (0, 40) ORDER BY row_index`,
      [q.rows[0]!.query_id as string],
    );
    const [first, repeat] = logs.rows as {
      row_index: number;
      answered_by: string;
      cache_hit: boolean;
      session_id: string;
    }[];
    assert.equal([first!.row_index, first!.cache_hit], [0, false]);
    assert.equal([repeat!.row_index, repeat!.answered_by, repeat!.cache_hit], [40, 'shared', true]);
    assert.ok(first!.session_id.length > 0);
    assert.is(repeat!.session_id, first!.session_id);
  },
);

t('cache = false: identical rows share within the statement, never across statements', async ({ f }) => {
  f.sim.setOptions({ latencyMs: 30 });
  const sql = `RVBBIT MAP PARALLEL 4 'label' AS label
    USING (SELECT 'Fresh Gizmo ' || (range % 2) AS text FROM range(100)) WITH (cache = false)`;
  const clients = await sessions(f, 2);
  const [a, b] = await Promise.all(clients.map((s) => s.query(sql)));
  for (const s of clients) s.close();
  assert.is(a!.rows.length, 100);
  assert.is(b!.rows.length, 100);
  // Two distinct inputs per statement, each statement its own calls.
  assert.is(f.sim.stats().requests, 4);
});

t('a failed call is not shared with another statement: its rows make their own call', async ({ f }) => {
  f.sim.setOptions({ latencyMs: 100 });
  const clients = await sessions(f, 2);
  const sql = `RVBBIT MAP PARALLEL 4 'label' AS label USING (SELECT 'Flaky Thing' AS text FROM range(10))`;
  // The first statement's run times out (its rows fail); the second, started once that call
  // reached the simulator (not after a fixed delay: on a loaded machine the second could call
  // first and the first would share its answer), waited on it, and then makes its own call.
  const first = clients[0]!.query(`${sql} WITH (timeout = '20ms', retries = 1)`);
  while (f.sim.stats().requests === 0) await new Promise((r) => setTimeout(r, 1));
  const [failed, fine] = await Promise.all([first, clients[1]!.query(sql)]);
  for (const s of clients) s.close();
  assert.ok(failed!.rows.every((row) => typeof row._error === 'string'));
  assert.is(fine!.rows.length, 10);
  // The simulator's seeded shuffle of the words ('flaky thing' before issue 67's messages).
  assert.equal([...new Set(fine!.rows.map((row) => row.label))], ['thing flaky']);
  assert.is(f.sim.stats().requests, 2);
  assert.is(f.engine.shared.cache.flights.size, 0);
});

t("a statement cancelled while its rows wait on another statement's call stops at once", async ({ f }) => {
  // The call takes 4 s: a cancel that waited for it would come after its answer (a 100 ms cancel is
  // seconds early even on a busy machine).
  f.sim.setOptions({ latencyMs: 4000 });
  const clients = await sessions(f, 2);
  const sql = `RVBBIT MAP 'label' AS label USING (SELECT 'Slow Thing' AS text)`;
  const first = clients[0]!.query(sql);
  while (f.sim.stats().requests === 0) await new Promise((r) => setTimeout(r, 5));
  const err = await clients[1]!.query(sql, [], { signal: AbortSignal.timeout(100) }).then(
    () => undefined,
    (e: { code: string }) => e,
  );
  assert.is(err?.code, 'CANCELLED');
  assert.is(f.sim.stats().completed, 0, "did not wait for the other statement's call");
  const r = await first;
  assert.is(r.rows[0]!.label, 'thing slow'); // 'slow thing' before issue 67's messages
  for (const s of clients) s.close();
  assert.is(f.sim.stats().requests, 1);
});

t(
  'semantic operators: two statements at once with overlapping tuples call each tuple once',
  async ({ f }) => {
    f.sim.setOptions({ latencyMs: 30 });
    const clients = await sessions(f, 2);
    const texts = (xs: string[]) => xs.map((x) => `('${x}')`).join(', ');
    const left = ['eco bottle', 'steel knife', 'solar charger', 'eco bottle', 'trail shoe'];
    const right = ['solar charger', 'trail shoe', 'yoga mat', 'eco bottle', 'yoga mat'];
    const sql = (xs: string[]) =>
      // Unpacked (-- @ batch: 1; unannotated statements pack since issue 67): each tuple's call is shared on its own.
      `-- @ parallel: 4\n-- @ batch: 1
     SELECT t, t MEANS 'good for the planet' AS green FROM (VALUES ${texts(xs)}) v(t)`;
    const [a, b] = await Promise.all([clients[0]!.query(sql(left)), clients[1]!.query(sql(right))]);
    for (const s of clients) s.close();
    assert.is(a!.rows.length, 5);
    assert.is(b!.rows.length, 5);
    assert.is(f.sim.stats().requests, new Set([...left, ...right]).size);
    const answer = new Map(a!.rows.map((r) => [r.t, r.green]));
    for (const r of b!.rows) if (answer.has(r.t)) assert.is(r.green, answer.get(r.t));
  },
);

t.run();
