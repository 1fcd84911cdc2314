/**
 * RUN honours the result cache as MAP does: the same cascade, model and input
 * rows answer from the cache without a call; other rows, `cache = false` or
 * another model run again.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Fixture, startFixture } from './engine-fixture.js';

const t = suite<{ f: Fixture }>('engine: RUN cache');

t.before(async (ctx) => {
  ctx.f = await startFixture();
  await ctx.f.engine.query(
    `CREATE TABLE items AS SELECT * FROM (VALUES (1, 'red car', 'toys'), (2, 'blue kite', 'toys'),
       (3, 'green pan', 'kitchen')) t(id, product_name, category)`,
  );
});
t.after(async (ctx) => {
  await ctx.f.close();
});

async function run(f: Fixture, sql: string) {
  await f.sim.resetStats();
  const row = (await f.engine.query(sql)).rows[0]!;
  return { row, requests: (await f.sim.stats()).requests };
}

t('the same RUN twice: the second answers from the cache, same outputs, no call, cost 0', async ({ f }) => {
  const sql = `RVBBIT RUN 'summarize_table' USING (SELECT * FROM items WHERE category = 'toys')`;
  const first = await run(f, sql);
  assert.is(first.row.status, 'success');
  assert.ok(first.requests > 0);
  const second = await run(f, sql);
  assert.is(second.requests, 0);
  assert.is(second.row.status, 'success');
  assert.is(second.row.cost, 0);
  assert.is(second.row.outputs, first.row.outputs);
  assert.is.not(second.row.table_created, first.row.table_created, 'each RUN still writes its own table');
  const q = await f.engine.query(
    `SELECT cache_hits::INTEGER AS cache_hits, calls::INTEGER AS calls FROM rvbbit.queries WHERE kind = 'run' ORDER BY started_at DESC LIMIT 1`,
  );
  assert.equal(q.rows, [{ cache_hits: 1, calls: 0 }]);
});

t('other rows, cache = false or another model run the cascade again', async ({ f }) => {
  const base = `RVBBIT RUN 'summarize_table' USING (SELECT * FROM items WHERE category = 'toys')`;
  await run(f, base);
  assert.ok((await run(f, `RVBBIT RUN 'summarize_table' USING (SELECT * FROM items)`)).requests > 0);
  assert.ok((await run(f, `${base} WITH (cache = false)`)).requests > 0);
  assert.ok((await run(f, `${base} WITH (model = 'sim-large')`)).requests > 0);
});

t.run();
