/**
 * `delivery = 'batch'` through the engine: a MAP's calls go to the
 * provider's Batch API as one batch, the answers come back in input order,
 * equal to the synchronous ones, at half the price; RUN and an operator the
 * same; rvbbit.batches and rvbbit.unified_logs say what happened.
 */
import * as assert from 'uvu/assert';
import { engineSuite, productsSql } from './engine-fixture.js';

const t = engineSuite('engine: delivery = batch');

type Rows = readonly Record<string, unknown>[];
const N = 1000;
const MAP = `RVBBIT MAP 'brand' USING (${productsSql(N)})`;

const costOf = async (f: { engine: { query(sql: string): Promise<{ rows: Rows }> } }) =>
  Number(
    (await f.engine.query(`SELECT cost FROM rvbbit.queries ORDER BY started_at DESC LIMIT 1`)).rows[0]!.cost,
  );

t(
  'a 1,000-row MAP: one batch, 1,000 answers in input order equal to the sync run, at exactly half the cost',
  async ({ f }) => {
    f.sim.setOptions({ batchCompletionMs: 50 });
    const sync = await f.engine.query(`${MAP} WITH (cache = false)`);
    const syncCost = await costOf(f);
    assert.is(f.sim.stats().requests, N);
    f.sim.resetStats();
    const batch = await f.engine.query(`${MAP} WITH (cache = false, delivery = 'batch')`);
    const batchCost = await costOf(f);
    const s = f.sim.stats();
    assert.equal([s.batchesCreated, s.filesUploaded, s.batchLines, s.requests], [1, 1, N, 0]);
    assert.is(batch.rows.length, N);
    assert.equal(batch.rows, sync.rows);
    assert.equal(
      batch.rows.map((r) => r.id),
      Array.from({ length: N }, (_, i) => i),
    );
    assert.ok(Math.abs(batchCost - syncCost / 2) < 1e-12, `batch ${batchCost} vs sync ${syncCost}`);
    const logs = (
      await f.engine.query(
        `SELECT delivery, count(*)::INTEGER AS n FROM rvbbit.unified_logs
       WHERE query_id = (SELECT query_id FROM rvbbit.queries WHERE text LIKE 'RVBBIT MAP%' ORDER BY started_at DESC LIMIT 1) GROUP BY 1`,
      )
    ).rows;
    assert.equal(logs, [{ delivery: 'batch', n: N }]);
    const batches = (await f.engine.query(`SELECT status, total, completed, failed FROM rvbbit.batches`))
      .rows;
    assert.equal(batches, [{ status: 'completed', total: BigInt(N), completed: BigInt(N), failed: 0n }]);
  },
);

t('the same MAP again is answered from the cache: no batch at all', async ({ f }) => {
  f.sim.setOptions({ batchCompletionMs: 20 });
  const q = `RVBBIT MAP 'brand' USING (${productsSql(20)}) WITH (delivery = 'batch')`;
  const first = await f.engine.query(q);
  assert.is(f.sim.stats().batchesCreated, 1);
  f.sim.resetStats();
  const again = await f.engine.query(q);
  assert.equal(again.rows, first.rows);
  assert.equal([f.sim.stats().batchesCreated, f.sim.stats().requests], [0, 0]);
});

t('failed lines are asked again as normal calls; every row answered', async ({ f }) => {
  f.sim.setOptions({ batchCompletionMs: 20, batchLineErrorRate: 0.2 });
  const r = await f.engine.query(
    `RVBBIT MAP 'brand' USING (${productsSql(100)}) WITH (cache = false, delivery = 'batch')`,
  );
  const s = f.sim.stats();
  assert.is(r.rows.length, 100);
  assert.ok(
    r.rows.every((row) => typeof row.result === 'string' && JSON.parse(row.result as string).brand !== ''),
  );
  assert.is(s.batchesCreated, 1);
  assert.ok(s.requests > 0 && s.requests < 100, `direct calls ${s.requests}`);
  const logs = (
    await f.engine.query(
      `SELECT coalesce(delivery, 'sync') AS d, count(*)::INTEGER AS n FROM rvbbit.unified_logs
       WHERE query_id = (SELECT query_id FROM rvbbit.queries WHERE text LIKE 'RVBBIT MAP%' ORDER BY started_at DESC LIMIT 1) GROUP BY 1 ORDER BY 1`,
    )
  ).rows;
  assert.equal(logs, [
    { d: 'batch', n: 100 - s.requests },
    { d: 'sync', n: s.requests },
  ]);
});

t('an operator with -- @ delivery: batch: one batch, the same rows as sync', async ({ f }) => {
  f.sim.setOptions({ batchCompletionMs: 20, batchLineErrorRate: 0 });
  const sql = `SELECT id FROM (${productsSql(30, 7)}) WHERE product_name MEANS 'a widget number 3' ORDER BY id`;
  const sync = await f.engine.query(`-- @ cache: false\n${sql}`);
  f.sim.resetStats();
  const batch = await f.engine.query(`-- @ cache: false\n-- @ delivery: batch\n${sql}`);
  assert.equal(batch.rows, sync.rows);
  assert.is(f.sim.stats().requests, 0);
  assert.ok(f.sim.stats().batchesCreated >= 1);
});

t('RUN with delivery = batch: its call goes as a batch', async ({ f }) => {
  f.sim.setOptions({ batchCompletionMs: 20 });
  const r = await f.engine.query(
    `RVBBIT RUN 'summarize_table' USING (SELECT *, 'tools' AS category FROM (${productsSql(6)})) WITH (cache = false, delivery = 'batch')`,
  );
  assert.is(r.rows[0]!.status, 'success');
  const s = f.sim.stats();
  assert.equal([s.batchesCreated, s.requests], [1, 0]);
});

t('RUN ASYNC with delivery = batch: rvbbit.jobs.progress follows the batch', async ({ f }) => {
  // 3 s: the engine polls at 100, 250, 475, 812, … ms, and the intermediate states must outlast a
  // poll of rvbbit.jobs by this test at load 20 (at 300 ms only "completed" was seen once).
  f.sim.setOptions({ batchCompletionMs: 3_000 });
  const started = await f.engine.query(
    `RVBBIT RUN ASYNC 'summarize_table' USING (SELECT *, 'tools' AS category FROM (${productsSql(4)})) WITH (cache = false, delivery = 'batch')`,
  );
  const id = String(started.rows[0]!.session_id);
  const job = async () =>
    (await f.engine.query(`SELECT status, progress FROM rvbbit.jobs WHERE session_id = '${id}'`)).rows[0]!;
  const seen = new Set<string>();
  for (let i = 0; i < 400 && (await job()).status === 'running'; i++) {
    const p = (await job()).progress;
    if (typeof p === 'string') seen.add(p.replace(/batch_\w+/, 'batch_X'));
    await new Promise((r) => setTimeout(r, 10));
  }
  const done = await job();
  assert.is(done.status, 'success');
  assert.match(String(done.progress), /^batch batch_\w+: completed, 1 of 1 answered$/);
  // While it ran, the provider's intermediate states showed up.
  assert.ok(
    [...seen].some((p) => /: (validating|in_progress|finalizing), /.test(p)),
    [...seen].join(' | '),
  );
  assert.is(f.sim.stats().batchesCreated, 1);
});

t.run();
