/**
 * Semantic top-k: `ORDER BY a RELEVANCE TO q LIMIT k` (and its function form,
 * `ORDER BY ABOUT(a, q) DESC`) with `-- @ prefilter: m` scores only the m
 * texts nearest the topic by embedding, and returns the top k of full scoring.
 *
 * The data (N = 10,000, test/fixtures/relevance-items.ts) has one known top
 * 10 by the simulator's relevance, and one of those rows is far down the
 * embedding order: in the nearest 100, not the nearest 10. So the model's
 * ranking is what finds it, and m = 10 misses it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { itemId, itemsTableSql, TOPIC } from '../fixtures/relevance-items.js';
import { type SemFixture, startSemFixture } from '../semantic/semantic-fixture.js';

const N = 10_000;
const K = 10;
const M = 100;
/** Row i's id: the rows are shuffled, so the relevant ones are not the first scanned. */
const idOf = (i: number) => itemId(i, N);
const EXPECTED = Array.from({ length: K }, (_, i) => idOf(i));
const DATA = itemsTableSql(N);

const TOPK = `SELECT id FROM items ORDER BY body RELEVANCE TO '${TOPIC}' LIMIT ${K}`;
const ids = (rows: Record<string, unknown>[]) => rows.map((r) => r['id']);

const test = suite<{ f: SemFixture }>('embed: semantic top-k');

test.before(async (ctx) => {
  // Pinned unpacked (operatorBatch: 1): the bound is in calls per scored row (m + k·log m), and unannotated
  // statements pack since issue 67 (10,000 rows in 625 calls); the packed test says -- @ batch: 16, which wins.
  ctx.f = await startSemFixture({ defaultParallel: 16, operatorBatch: 1 }, {}, DATA);
});
test.after(async (ctx) => {
  await ctx.f.close();
});

test(`the top ${K} of full scoring (${N} calls) with ${M} calls and 5 embedding calls`, async ({ f }) => {
  await f.sim.resetStats();
  const full = ids(await f.rows(TOPK, '-- @ cache: false'));
  assert.is(await f.requests(), N);
  assert.equal(full, EXPECTED);

  await f.sim.resetStats();
  const pruned = ids(await f.rows(TOPK, `-- @ cache: false\n-- @ prefilter: ${M}`));
  const s = await f.sim.stats();
  assert.equal(pruned, full);
  assert.is(s.requests, M);
  // 10,000 distinct texts (the topic is row 0's text), 2,048 per call.
  assert.is(s.embeddingInputs, N);
  assert.is(s.embeddingRequests, 5);
  assert.ok(s.requests + s.embeddingRequests <= M + K * Math.log2(M), 'calls ≤ m + k·log m');
});

test('the function form, ORDER BY ABOUT(a, q) DESC, is the same plan', async ({ f }) => {
  await f.sim.resetStats();
  const rows = await f.rows(
    `SELECT id FROM items ORDER BY ABOUT(body, '${TOPIC}') DESC LIMIT ${K}`,
    `-- @ cache: false\n-- @ prefilter: ${M}`,
  );
  assert.equal(ids(rows), EXPECTED);
  assert.is(await f.requests(), M);
});

test('embeddings alone do not find the top k, nor does a too small m: the model ranks', async ({ f }) => {
  const byCosine = ids(
    await f.rows(`SELECT id FROM items ORDER BY body SIMILAR_TO '${TOPIC}' DESC, id LIMIT ${K}`),
  );
  assert.not.ok(byCosine.includes(idOf(1)), 'row 1 is not among the 10 nearest');
  await f.sim.resetStats();
  const small = ids(await f.rows(TOPK, '-- @ cache: false\n-- @ prefilter: 10'));
  assert.is(await f.requests(), 10);
  assert.not.ok(small.includes(idOf(1)));
  assert.equal(
    small.slice(0, K - 1),
    EXPECTED.filter((id) => id !== idOf(1)),
  );
});

test('packed under -- @ batch: 16, with the same rows', async ({ f }) => {
  await f.sim.resetStats();
  const rows = await f.rows(TOPK, `-- @ cache: false\n-- @ prefilter: ${M}\n-- @ batch: 16`);
  assert.equal(ids(rows), EXPECTED);
  assert.is(await f.requests(), Math.ceil(M / 16));
});

test('inside a subquery', async ({ f }) => {
  await f.sim.resetStats();
  const rows = await f.rows(
    `SELECT id, length(body) > 0 AS has_text FROM (
       SELECT id, body FROM items ORDER BY ABOUT(body, '${TOPIC}') DESC LIMIT 3
     ) ORDER BY id`,
    `-- @ cache: false\n-- @ prefilter: ${M}`,
  );
  assert.equal(
    rows,
    EXPECTED.slice(0, 3)
      .sort((a, b) => a - b)
      .map((id) => ({ id, has_text: true })),
  );
  assert.is(await f.requests(), M);
});

test('not pre-filtered: ascending, a second ORDER BY key, fewer rows than m', async ({ f }) => {
  const few = `FROM items WHERE id < 200`;
  for (const [sql, calls] of [
    [`SELECT id ${few} ORDER BY body RELEVANCE TO '${TOPIC}' ASC LIMIT 3`, 200],
    [`SELECT id ${few} ORDER BY id % 2, body RELEVANCE TO '${TOPIC}' LIMIT 3`, 200],
    [`SELECT id ${few} ORDER BY ABOUT(body, '${TOPIC}') ASC LIMIT 3`, 200],
  ] as const) {
    await f.sim.resetStats();
    await f.rows(sql, `-- @ cache: false\n-- @ prefilter: ${M}`);
    assert.is(await f.requests(), calls, sql);
  }
  await f.sim.resetStats();
  const rows = await f.rows(
    `SELECT id FROM items WHERE id IN (${EXPECTED.join(', ')}) ORDER BY body RELEVANCE TO '${TOPIC}' LIMIT 3`,
    `-- @ cache: false\n-- @ prefilter: ${M}`,
  );
  assert.equal(ids(rows), EXPECTED.slice(0, 3));
  assert.is(await f.requests(), K, 'ten rows, all scored');
});

test('EXPLAIN shows the rows scored against all rows, and counts those calls', async ({ f }) => {
  await f.sim.resetStats();
  const r = await f.engine.query(`EXPLAIN -- @ cache: false\n-- @ prefilter: ${M}\n${TOPK}`);
  const plan = Object.fromEntries(r.rows.map((x) => [x['property'], x['value']]));
  assert.equal(String(plan['embeddings']).split('\n'), [
    `relevance prefilter ${M}: ${N} values; the ${M} nearest the topic by embedding scored by the model (${M} calls at most), ${N - M} sorted after them unscored`,
    `prefilter embeddings (text-embedding-3-small): ${N} distinct texts, 0 cached, 5 calls of up to 2048`,
  ]);
  assert.is(plan['est_calls'], String(M + 5));
  const s = await f.sim.stats();
  assert.is(s.requests + s.embeddingRequests, 0, 'EXPLAIN calls nothing');
});

test.run();
