/**
 * An annotation means on RVBBIT MAP and RUN what it means before semantic SQL,
 * or is refused there (grammar/annotation-use.ts), never parsed and dropped:
 * `-- @ model`, `cache`, `timeout`, `retries` and the budgets reach a MAP's
 * calls as the WITH options of the same names do (WITH wins when both are
 * written), `-- @ model` and `cache` a RUN's; a key a kind does not take is
 * E_ANNOTATION_NOT_ALLOWED before any call. Real engine, real simulator.
 */
import * as assert from 'uvu/assert';
import { codeOf, engineSuite, type Fixture, productsSql } from './engine-fixture.js';

const t = engineSuite('engine: annotations on every statement kind');

const map = (n: number, extra = '') =>
  `RVBBIT MAP PARALLEL 2 'label' USING (SELECT id, product_name AS text FROM (${productsSql(n)}))${extra}`;

const RUN = `RVBBIT RUN 'summarize_table' USING (SELECT 'toys' AS category FROM range(3))`;

/** The models the last statement that made calls asked, with how many calls each (rvbbit.unified_logs). */
async function loggedModels(t: { f: Fixture }) {
  const r = await t.f.engine.query(
    `SELECT model, count(*)::INTEGER AS n FROM rvbbit.unified_logs
     WHERE query_id = (SELECT max_by(query_id, "timestamp") FROM rvbbit.unified_logs) GROUP BY 1 ORDER BY 1`,
  );
  return r.rows;
}

t('-- @ model before a MAP: every call of the MAP asks that model', async (ctx) => {
  const r = await ctx.f.engine.query(`-- @ model: sim-large\n${map(3, ' WITH (cache = false)')}`);
  assert.is(r.rows.length, 3);
  assert.is(ctx.f.sim.stats().requests, 3);
  assert.equal(await loggedModels(ctx), [{ model: 'sim-large', n: 3 }]);
});

t('-- @ model before EXPLAIN and CREATE TABLE … AS of a MAP: that model too', async (ctx) => {
  const explain = await ctx.f.engine.query(`-- @ model: sim-large\nEXPLAIN ${map(3)}`);
  const models = explain.rows.find((row) => row.property === 'models');
  assert.is(models?.value, 'sim-large');
  await ctx.f.engine.query(
    `-- @ model: sim-large\nCREATE TEMP TABLE labelled AS ${map(2, ' WITH (cache = false)')}`,
  );
  assert.is(ctx.f.sim.stats().requests, 2);
  assert.equal(await loggedModels(ctx), [{ model: 'sim-large', n: 2 }]);
});

t('WITH (model = …) wins over -- @ model', async (ctx) => {
  await ctx.f.engine.query(`-- @ model: sim-large\n${map(2, " WITH (cache = false, model = 'sim-small')")}`);
  assert.equal(await loggedModels(ctx), [{ model: 'sim-small', n: 2 }]);
});

t('-- @ cache: false before a MAP asks again what the cache holds', async (ctx) => {
  await ctx.f.engine.query(map(3));
  assert.is(ctx.f.sim.stats().requests, 3);
  await ctx.f.engine.query(map(3));
  assert.is(ctx.f.sim.stats().requests, 3, 'the same MAP again answers from the cache');
  await ctx.f.engine.query(`-- @ cache: false\n${map(3)}`);
  assert.is(ctx.f.sim.stats().requests, 6);
});

t('-- @ retries before a MAP: that many attempts per call', async (ctx) => {
  ctx.f.sim.setOptions({ errorRate: 1 });
  const r = await ctx.f.engine.query(`-- @ retries: 2\n${map(3, ' WITH (cache = false)')}`);
  assert.is(r.rows.length, 3);
  for (const row of r.rows) assert.match(String(row._error), /500/);
  assert.is(ctx.f.sim.stats().requests, 6);
});

t('-- @ timeout before a MAP: a run past it fails with the deadline', async (ctx) => {
  // Answers a minute away: the deadline, not an answer, must end the runs (busy-machine seconds cannot pass for it).
  ctx.f.sim.setOptions({ latencyMs: 60_000 });
  const started = Date.now();
  const r = await ctx.f.engine.query(
    `-- @ timeout: 100ms\n-- @ retries: 1\n${map(2, ' WITH (cache = false)')}`,
  );
  assert.is(ctx.f.sim.stats().completed, 0, 'the deadline, not the answer, ended the runs');
  assert.ok(Date.now() - started < 30_000);
  for (const row of r.rows) assert.ok(row._error, 'every row carries its error');
});

t('-- @ budget_tokens before a MAP stops starting rows once spent', async (ctx) => {
  const r = await ctx.f.engine.query(
    `-- @ budget_tokens: 1\nRVBBIT MAP PARALLEL 1 'label' USING (SELECT id, product_name AS text FROM (${productsSql(3)})) WITH (cache = false)`,
  );
  assert.is(ctx.f.sim.stats().requests, 1);
  // PARALLEL 1: one row starts, its tokens spend the budget, the other two never start.
  assert.equal(r.rows.map((row) => row._error ?? null).sort(), [
    'budget_tokens was spent before this row started',
    'budget_tokens was spent before this row started',
    null,
  ]);
});

t(
  '-- @ budget_dollars before a MAP with an unpriced model is BUDGET_UNPRICED, as the WITH option is',
  async (ctx) => {
    const e = await codeOf(
      ctx.f.engine.query(`-- @ budget_dollars: 0.5\n-- @ model: unpriced-model\n${map(2)}`),
    );
    assert.is(e.code, 'BUDGET_UNPRICED');
    assert.is(ctx.f.sim.stats().requests, 0);
  },
);

t('-- @ model and -- @ cache: false before a RUN', async (ctx) => {
  const first = await ctx.f.engine.query(`-- @ model: sim-large\n${RUN}`);
  assert.is(first.rows[0]!.status, 'success');
  assert.is(ctx.f.sim.stats().requests, 1);
  assert.equal(await loggedModels(ctx), [{ model: 'sim-large', n: 1 }]);
  await ctx.f.engine.query(`-- @ model: sim-large\n${RUN}`);
  assert.is(ctx.f.sim.stats().requests, 1, 'the same RUN again answers from the cache');
  await ctx.f.engine.query(`-- @ model: sim-large\n-- @ cache: false\n${RUN}`);
  assert.is(ctx.f.sim.stats().requests, 2);
});

t('-- @ timeout before a RUN: the run past it fails with the deadline', async (ctx) => {
  ctx.f.sim.setOptions({ latencyMs: 60_000 });
  const started = Date.now();
  const r = await ctx.f.engine.query(`-- @ timeout: 100ms\n-- @ cache: false\n${RUN}`);
  assert.is(ctx.f.sim.stats().completed, 0, 'the deadline, not the answer, ended the run');
  assert.ok(Date.now() - started < 30_000);
  assert.is(r.rows[0]!.status, 'failed');
  assert.match(String(r.rows[0]!.error), /deadline of 100 ms/);
});

t('a key the statement kind does not take is refused at the annotation, before any call', async (ctx) => {
  const cases: [string, string, number][] = [
    [
      `-- @ threshold: 0.7\n${map(2)}`,
      '-- @ threshold does not apply to RVBBIT MAP: it is the cut-off of ABOUT and SIMILAR_TO used as a predicate, and an RVBBIT statement has no semantic operator',
      1,
    ],
    [
      `-- @ model: sim-large\n-- @ batch: 4\n${map(2)}`,
      '-- @ batch does not apply to RVBBIT MAP: it packs semantic operator tuples into one prompt; to send n rows to one cascade run, write RVBBIT MAP BATCH n',
      2,
    ],
    [
      `-- @ parallel: 4\n${RUN}`,
      '-- @ parallel does not apply to RVBBIT RUN: RVBBIT RUN runs its cascade once, so there is nothing to run in parallel; for one run per row, write RVBBIT MAP PARALLEL n',
      1,
    ],
    [
      `EXPLAIN\n-- @ answer in French\n${RUN}`,
      "a hint (-- @ text) does not apply to RVBBIT RUN: it is added to semantic operator prompts; a cascade's prompts are in its file, and a comment that is not an annotation starts with -- alone",
      2,
    ],
  ];
  for (const [sql, message, line] of cases) {
    const e = await codeOf(ctx.f.engine.query(sql));
    assert.is(e.code, 'E_ANNOTATION_NOT_ALLOWED', sql);
    assert.is(e.message.split('\n')[0], message);
    assert.equal([e.detail.line, e.detail.column], [line, 1]);
  }
  assert.is(ctx.f.sim.stats().requests, 0);
});

t.run();
