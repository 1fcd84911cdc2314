/**
 * EXPLAIN's `est_calls` with a proxy (src/statements/semantic/explain/explain-semantic.ts): the proxy's
 * own calls are counted, never left out. The embedding proxy's `/embeddings` requests are
 * an `embeddings` line and part of `est_calls`, counted as the embedder batches them (at most
 * 2,048 texts and 600,000 characters per request); a model proxy's chat calls are in its
 * function's `calls_expected`. Each figure is held against the simulator's counters for the
 * same statement run for real: the embedding requests exactly, the chat calls bounded
 * (the statement model answers the sample and the band, known once run).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SemFixture, startSemFixture } from './semantic-fixture.js';

const test = suite<{ f: SemFixture }>('semantic: EXPLAIN counts the proxy calls');

// 40 distinct long texts (20,000 characters each, 800,000 in all): two embedding requests by characters.
// 120 short distinct texts for the model proxy.
const TABLES = `CREATE TABLE essays AS SELECT range::INTEGER AS id,
  (CASE WHEN range % 4 = 0 THEN 'eco friendly bottle ' ELSE 'plain steel part ' END || range || ' ') || repeat('lorem ipsum ', 1666) AS body
  FROM range(40);
CREATE TABLE items AS SELECT range::INTEGER AS id,
  CASE WHEN range % 5 = 0 THEN 'eco friendly bottle number ' ELSE 'plain steel part number ' END || range AS body
  FROM range(120);`;

test.before(async (ctx) => {
  // Pinned unpacked (operatorBatch: 1): these count a proxy's calls against one call per tuple to the big model; unannotated statements pack since issue 67
  // (test/semantic/auto-packing.test.ts).
  ctx.f = await startSemFixture(
    { defaultParallel: 16, operatorBatch: 1 },
    { profiles: { 'small-fast': { accuracy: 0.85 } } },
  );
  await ctx.f.engine.query(TABLES);
});
test.after(async (ctx) => {
  await ctx.f.close();
});
test.before.each(async ({ f }) => {
  await f.sim.resetStats();
});

const NO_CACHE = '-- @ cache: false';

async function explain(f: SemFixture, sql: string): Promise<Record<string, string>> {
  const r = await f.engine.query(`EXPLAIN ${sql}`);
  return Object.fromEntries(r.rows.map((x) => [String(x.property), String(x.value)]));
}

async function lastCalls(f: SemFixture): Promise<number> {
  const r = await f.rows(
    `SELECT calls FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
  );
  return Number(r[0]?.calls);
}

const chatCalls = (byModel: Record<string, number>) => Object.values(byModel).reduce((a, b) => a + b, 0);

test('embedding proxy: EXPLAIN states its embedding requests, the run makes exactly them; cached, none', async ({
  f,
}) => {
  const statement = `-- @ proxy: embedding recall 0.9 precision 0.9
SELECT id FROM essays WHERE body MEANS 'eco friendly' ORDER BY id`;
  const e = await explain(f, `${NO_CACHE}\n${statement}`);
  // 40 texts and the criterion; 800,000 characters make two requests (600,000 at most each).
  assert.is(
    e.embeddings,
    'proxy embeddings for semantic_means (text-embedding-3-small): 41 distinct texts, 0 cached, 2 calls of up to 2048',
  );
  // At most every tuple to the statement's model, and the two embedding requests.
  assert.is(e.est_calls, '42');
  assert.equal((await f.sim.stats()).byModel, {});
  assert.is((await f.sim.stats()).embeddingRequests, 0);
  await f.rows(statement, NO_CACHE);
  const s = await f.sim.stats();
  assert.is(s.embeddingRequests, 2);
  assert.is(s.embeddingInputs, 41);
  assert.equal(Object.keys(s.byModel), ['sim-small']);
  assert.ok(s.byModel['sim-small']! <= 40, JSON.stringify(s.byModel));
  // rvbbit.queries counts both kinds, within EXPLAIN's bound.
  assert.is(await lastCalls(f), s.byModel['sim-small']! + 2);
  // With the cache on: the first run embeds (and caches) them, then EXPLAIN counts none and a run makes none.
  await f.rows(statement);
  await f.sim.resetStats();
  const cached = await explain(f, statement);
  assert.is(
    cached.embeddings,
    'proxy embeddings for semantic_means (text-embedding-3-small): 41 distinct texts, 41 cached, 0 calls of up to 2048',
  );
  await f.rows(statement);
  assert.is((await f.sim.stats()).embeddingRequests, 0);
});

test("a function's own embedding proxy, WITH (proxy = 'embedding', …): the same count, the same requests", async ({
  f,
}) => {
  await f.engine.query(
    `CREATE SEMANTIC FUNCTION about_topic(t VARCHAR, topic VARCHAR) RETURNS BOOLEAN
       WITH (proxy = 'embedding', recall = 0.9, precision = 0.9) AS 'Is {{ t }} about {{ topic }}?'`,
  );
  await f.sim.resetStats();
  const statement = `SELECT id FROM items WHERE about_topic(body, 'eco friendly') ORDER BY id`;
  const e = await explain(f, `${NO_CACHE}\n${statement}`);
  assert.is(
    e.embeddings,
    'proxy embeddings for about_topic (text-embedding-3-small): 121 distinct texts, 0 cached, 1 calls of up to 2048',
  );
  assert.is(e.est_calls, '121');
  await f.rows(statement, NO_CACHE);
  const s = await f.sim.stats();
  assert.is(s.embeddingRequests, 1);
  assert.is(s.embeddingInputs, 121);
  assert.ok(s.byModel['sim-small']! <= 120, JSON.stringify(s.byModel));
  assert.is(await lastCalls(f), s.byModel['sim-small']! + 1);
});

for (const proxy of [
  'small-fast confidence 0.8',
  'small-fast recall 0.9 precision 0.9',
  'small-fast accuracy 0.9',
]) {
  const classify = proxy.includes('accuracy');
  const statement = classify
    ? `-- @ proxy: ${proxy}\nSELECT id, CLASSIFY(body, 'eco,steel') AS kind FROM items ORDER BY id`
    : `-- @ proxy: ${proxy}\nSELECT id FROM items WHERE body MEANS 'eco friendly' ORDER BY id`;
  const fn = classify ? 'classify' : 'semantic_means';

  test(`model proxy (${proxy}): its chat calls are in calls_expected and est_calls, which bound the run's`, async ({
    f,
  }) => {
    const e = await explain(f, `${NO_CACHE}\n${statement}`);
    assert.match(e.functions!, `${fn}: 120 distinct tuples, 0 cached, 240 calls; `);
    assert.match(
      e.functions!,
      '; calls: 120 to small-fast (0 of its answers cached), then at most 120 to sim-small',
    );
    assert.is(e.est_calls, '240');
    assert.equal((await f.sim.stats()).byModel, {});
    await f.rows(statement, NO_CACHE);
    const s = await f.sim.stats();
    assert.is(s.byModel['small-fast'], 120);
    assert.ok(s.byModel['sim-small']! <= 120, JSON.stringify(s.byModel));
    assert.is(await lastCalls(f), chatCalls(s.byModel));
    assert.ok(chatCalls(s.byModel) <= 240);
    // Cached (a run with the cache on first): EXPLAIN counts no proxy call, only the statement model's
    // tuples not cached (those the proxy kept: at most, since the same proxy keeps them again), and the run makes none.
    await f.rows(statement);
    await f.sim.resetStats();
    const cached = await explain(f, statement);
    const m = new RegExp(`${fn}: 120 distinct tuples, (\\d+) cached, (\\d+) calls; `).exec(cached.functions!);
    assert.ok(m, cached.functions);
    const [hits, calls] = [Number(m![1]), Number(m![2])];
    assert.is(calls, 120 - hits);
    assert.match(
      cached.functions!,
      `; calls: 0 to small-fast (120 of its answers cached), then at most ${calls} to sim-small`,
    );
    assert.is(cached.est_calls, String(calls));
    await f.rows(statement);
    assert.equal((await f.sim.stats()).byModel, {});
  });
}

test('packed (-- @ batch: 16): the proxy packs as the statement model does, counted so', async ({ f }) => {
  const statement = `-- @ batch: 16\n-- @ proxy: small-fast confidence 0.8\nSELECT id FROM items WHERE body MEANS 'eco friendly' ORDER BY id`;
  const e = await explain(f, `${NO_CACHE}\n${statement}`);
  assert.match(e.functions!, 'semantic_means: 120 distinct tuples, 0 cached, 16 calls; ');
  assert.match(
    e.functions!,
    '; calls: 8 to small-fast (0 of its answers cached), then at most 8 to sim-small',
  );
  await f.rows(statement, NO_CACHE);
  const s = await f.sim.stats();
  assert.is(s.byModel['small-fast'], 8);
  assert.ok(s.byModel['sim-small']! <= 8, JSON.stringify(s.byModel));
});

test.run();
