/**
 * Semantic GROUP BY (src/statements/semantic/aggregates/dimension.ts): TOPICS(col, n) discovers n
 * labels from a sample (one call), then assigns each distinct value, 16 per
 * prompt; SENTIMENT(col) has fixed labels. Every row gets exactly one label.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SemFixture, startSemFixture } from './semantic-fixture.js';

const test = suite<{ f: SemFixture }>('semantic: GROUP BY a dimension');

const REVIEWS = `CREATE OR REPLACE TABLE reviews AS SELECT * FROM (VALUES
  (1, 'battery drains fast on this phone'),
  (2, 'phone battery lasts two days'),
  (3, 'shipping took three weeks'),
  (4, 'late shipping and a damaged box'),
  (5, 'great price for the quality'),
  (6, 'cheap price, good value'),
  (7, 'battery swollen after a month'),
  (8, 'shipping was fast and cheap'),
  (9, 'price went up twice'),
  (10, 'love this phone, great screen')
) v(id, body);
CREATE TABLE many AS SELECT range::INTEGER AS id, 'review number ' || range || ' about ' ||
  CASE range % 3 WHEN 0 THEN 'battery life' WHEN 1 THEN 'shipping speed' ELSE 'the price' END AS body
  FROM range(200);`;

test.before(async (ctx) => {
  ctx.f = await startSemFixture({ defaultParallel: 8 }, {});
  await ctx.f.engine.query(REVIEWS);
});
test.after(async (ctx) => {
  await ctx.f.close();
});
test.before.each(async ({ f }) => {
  await f.sim.resetStats();
});

const NO_CACHE = '-- @ cache: false';

async function lastStrategy(f: SemFixture): Promise<string> {
  const r = await f.rows(
    `SELECT strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
  );
  return String(r[0]?.strategy);
}

test('TOPICS(col, 3): 3 labels found in one call, every row in exactly one group', async ({ f }) => {
  const groups = await f.rows(
    `SELECT TOPICS(body, 3) AS topic, count(*)::INTEGER AS n, list(id ORDER BY id) AS ids
       FROM reviews GROUP BY TOPICS(body, 3) ORDER BY topic`,
    NO_CACHE,
  );
  const strategy = await lastStrategy(f);
  const labels = /topics\(n=3, sample=40\): (.*)$/.exec(strategy)?.[1]?.split(' | ') ?? [];
  assert.is(labels.length, 3, strategy);
  assert.equal(
    groups.map((g) => g.topic),
    [...labels].sort(),
  );
  const ids = groups.flatMap((g) => g.ids as number[]).sort((a, b) => a - b);
  assert.equal(ids, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  // 1 discovery call + ceil(10 distinct values / 16) assign calls.
  assert.is(await f.requests(), 2);
});

test('200 rows of 200 distinct values: 1 + ceil(200 / 16) calls; a re-run is all cache', async ({ f }) => {
  const sql = `SELECT TOPICS(body, 3, 10) AS t, count(*)::INTEGER AS n FROM many GROUP BY 1 ORDER BY 1`;
  const first = await f.rows(sql);
  assert.is(await f.requests(), 1 + Math.ceil(200 / 16));
  assert.is(
    first.reduce((sum, r) => sum + (r.n as number), 0),
    200,
  );
  await f.sim.resetStats();
  assert.equal(await f.rows(sql), first);
  assert.is(await f.requests(), 0);
});

test('SENTIMENT(col): fixed labels, no discovery call', async ({ f }) => {
  const rows = await f.rows(
    `SELECT SENTIMENT(body) AS s, list(id ORDER BY id) AS ids FROM reviews GROUP BY 1 ORDER BY 1`,
    NO_CACHE,
  );
  for (const r of rows) assert.ok(['positive', 'negative', 'neutral'].includes(String(r.s)));
  assert.is(rows.flatMap((r) => r.ids as number[]).length, 10);
  assert.is(await f.requests(), 1);
});

test('EXPLAIN counts the discovery and the packed assign calls without calling', async ({ f }) => {
  const r = await f.engine.query(`-- @ cache: false\nEXPLAIN SELECT TOPICS(body, 4) FROM many GROUP BY 1`);
  const byName = new Map(r.rows.map((x) => [x.property, String(x.value)]));
  assert.is(byName.get('est_calls'), String(1 + Math.ceil(200 / 16)));
  assert.match(byName.get('functions') ?? '', 'labels discovered from up to 40 distinct values');
  assert.is(await f.requests(), 0);
  // Once run (and cached), EXPLAIN shows the labels and expects no call.
  await f.rows(`SELECT TOPICS(body, 4) FROM many GROUP BY 1`);
  const again = await f.engine.query(`EXPLAIN SELECT TOPICS(body, 4) FROM many GROUP BY 1`);
  const after = new Map(again.rows.map((x) => [x.property, String(x.value)]));
  assert.is(after.get('est_calls'), '0');
  assert.match(after.get('functions') ?? '', /dimension: labels [^|]+ \| [^|]+/);
});

test('a dimension outside a query is a clear error', async ({ f }) => {
  try {
    await f.engine.query(`CREATE TABLE t AS SELECT TOPICS(body, 3) AS t FROM reviews`);
    assert.unreachable();
  } catch (err) {
    assert.is((err as { code?: string }).code, 'SEMANTIC_DIMENSION_QUERY');
    assert.match((err as Error).message, 'TOPICS at line 1, column 26 runs only in a query');
  }
});

test.run();
