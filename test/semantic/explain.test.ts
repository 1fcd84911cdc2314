/** EXPLAIN over a semantic SELECT: operators, strategy, expected calls and cost, without a paid call. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SemFixture, startSemFixture } from './semantic-fixture.js';

const test = suite<{ f: SemFixture }>('semantic: EXPLAIN');

test.before(async (ctx) => {
  ctx.f = await startSemFixture({ defaultParallel: 4 });
});
test.after(async (ctx) => {
  await ctx.f.close();
});

const value = (rows: Record<string, unknown>[], key: string) =>
  String(rows.find((r) => r.property === key)?.value);

test('operators, strategy, distinct calls and cache hits expected, no call made', async ({ f }) => {
  await f.sim.resetStats();
  const sql = `SELECT id, title ALIGNS 'shoe' AS a FROM docs WHERE body MEANS 'explain criterion'`;
  const e = await f.rows(`EXPLAIN ${sql}`, '-- @ parallel: 8');
  assert.is(await f.requests(), 0);
  assert.is(value(e, 'strategy'), 'batch');
  assert.is(value(e, 'parallel'), '8');
  assert.is(
    value(e, 'operators'),
    'ALIGNS → semantic_aligns (select, line 2 col 20)\nMEANS → semantic_means (where, line 2 col 61)',
  );
  // One record pass: the 11 non-NULL bodies; ALIGNS waits for MEANS' answers, so it is not counted yet.
  assert.is(
    value(e, 'functions'),
    'semantic_means: 11 distinct tuples, 0 cached, 11 calls; pairwise: one call per distinct tuple',
  );
  assert.is(value(e, 'est_calls'), '11');
  assert.ok(Number(value(e, 'est_dollars')) > 0);
  await f.rows(sql);
  const again = await f.rows(`EXPLAIN ${sql}`);
  assert.match(value(again, 'functions'), /semantic_means: 11 distinct tuples, 11 cached, 0 calls/);
});

test('EXPLAIN (FORMAT JSON) and the union_all split report', async ({ f }) => {
  const j = await f.rows(
    `EXPLAIN (FORMAT JSON) SELECT id FROM docs WHERE body MEANS 'eco' ORDER BY id`,
    '-- @ strategy: union_all',
  );
  const report = JSON.parse(String(j[0]!.explain)) as {
    strategy: string;
    functions: { calls_expected: number }[];
  };
  assert.is(
    report.strategy,
    'sequential (union_all cannot split this query: the query has ORDER at the top level)',
  );
  const t = await f.rows(
    `EXPLAIN SELECT id FROM docs WHERE body MEANS 'eco'`,
    '-- @ strategy: union_all\n-- @ parallel: 3',
  );
  assert.is(value(t, 'strategy'), 'union_all (3 branches on hash(row) % 3)');
});

test.run();
