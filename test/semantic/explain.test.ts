/** EXPLAIN over a semantic SELECT: operators, strategy, expected calls and cost, without a paid call. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SemFixture, startSemFixture } from './semantic-fixture.js';

const test = suite<{ f: SemFixture }>('semantic: EXPLAIN');

test.before(async (ctx) => {
  // Pinned unpacked (operatorBatch: 1): these count one call per distinct tuple in every clause, the record
  // passes' work; packing chosen by default is test/semantic/auto-packing.test.ts (issue 67).
  ctx.f = await startSemFixture({ defaultParallel: 4, operatorBatch: 1 });
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
  // MEANS: the 11 non-NULL bodies. ALIGNS runs only on rows MEANS lets through, unknown until it
  // answers: counted for every row that could pass (the 11 of them), an upper bound.
  assert.is(
    value(e, 'functions'),
    'semantic_means: 11 distinct tuples, 0 cached, 11 calls; pairwise: one call per distinct tuple\n' +
      'semantic_aligns: 11 distinct tuples, 0 cached, 11 calls; pairwise: one call per distinct tuple',
  );
  assert.is(value(e, 'est_calls'), '22');
  assert.ok(Number(value(e, 'est_dollars')) > 0);
  await f.rows(sql);
  // No body means 'explain criterion': the run made the 11 MEANS calls and no ALIGNS call.
  assert.is(await f.requests(), 11);
  const again = await f.rows(`EXPLAIN ${sql}`);
  assert.match(value(again, 'functions'), /semantic_means: 11 distinct tuples, 11 cached, 0 calls/);
  assert.match(value(again, 'functions'), /semantic_aligns: 11 distinct tuples, 0 cached, 11 calls/);
});

/** Where the estimate is exact: no operator's rows or inputs wait on an answer it cannot know. */
const EXACT: readonly [string, string, number][] = [
  ['SELECT list', `SELECT id, title ALIGNS 'shoe' AS a FROM docs`, 12],
  ['WHERE', `SELECT id FROM docs WHERE body MEANS 'eco bottle'`, 11],
  ['aggregate, grouped', `SELECT category, LLM_SUMMARIZE(body) AS s FROM docs GROUP BY category`, 4],
  ['aggregate, whole table', `SELECT LLM_CLASSIFY(body, 'good,bad') AS c FROM docs`, 1],
  ['GROUP BY', `SELECT title MEANS 'a shoe' AS shoe, count(*) AS n FROM docs GROUP BY 1`, 12],
  ['ORDER BY', `SELECT id FROM docs ORDER BY body RELEVANCE TO 'durable' LIMIT 3`, 11],
  // 12 before issue 67 priced the small side both ways: one call per label listing the 12 titles costs fewer tokens
  // than one per title listing the 5 labels.
  ['JOIN ON', `SELECT d.id, c.label FROM docs d SEMANTIC JOIN cats c ON d.title ~ c.label`, 5],
  // HAVING over an aggregate: MEANS is fed by each group's summary (4 groups, 4 distinct summaries).
  [
    'HAVING',
    `SELECT category FROM docs GROUP BY category HAVING LLM_SUMMARIZE(body) MEANS 'eco friendly'`,
    8,
  ],
];

for (const [clause, sql, calls] of EXACT) {
  test(`every clause counts: ${clause}: EXPLAIN's calls are the run's requests`, async ({ f }) => {
    await f.sim.resetStats();
    const e = await f.rows(`EXPLAIN ${sql}`, '-- @ cache: false');
    assert.is(await f.requests(), 0);
    assert.is(value(e, 'est_calls'), String(calls));
    assert.ok(Number(value(e, 'est_dollars')) > 0, value(e, 'est_dollars'));
    await f.rows(sql, '-- @ cache: false');
    assert.is(await f.requests(), calls);
  });
}

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

test('-- @ delivery: batch: the delivery line, the batch price (sim-small: half) and the dollars saved', async ({
  f,
}) => {
  await f.sim.resetStats();
  const sql = `EXPLAIN SELECT id, title ALIGNS 'shoe' AS a FROM docs WHERE body MEANS 'eco bottle'`;
  const sync = await f.rows(sql, '-- @ cache: false');
  const batch = await f.rows(sql, '-- @ cache: false\n-- @ delivery: batch');
  assert.is(value(sync, 'delivery'), 'sync');
  assert.ok(!sync.some((r) => r.property === 'est_dollars_saved'));
  assert.is(value(batch, 'delivery'), 'batch (provider Batch API, answers within 24 h)');
  assert.equal(
    ['est_calls', 'est_tokens_in', 'est_tokens_out'].map((k) => value(batch, k)),
    ['est_calls', 'est_tokens_in', 'est_tokens_out'].map((k) => value(sync, k)),
  );
  const dollars = Number(value(sync, 'est_dollars'));
  assert.ok(dollars > 0);
  assert.is(Number(value(batch, 'est_dollars')), dollars / 2);
  assert.is(Number(value(batch, 'est_dollars_saved')), dollars / 2);
  assert.equal(batch.map((r) => r.property).slice(2, 4), ['parallel', 'delivery']);
  // An unpriced model: both unknown, never a guess.
  const unpriced = await f.rows(sql, '-- @ model: nowhere\n-- @ delivery: batch');
  assert.equal(
    [value(unpriced, 'est_dollars'), value(unpriced, 'est_dollars_saved')],
    ['unknown', 'unknown'],
  );
  assert.is(await f.requests(), 0);
});

test.run();
