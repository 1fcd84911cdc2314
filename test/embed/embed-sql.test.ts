/**
 * EMBED, SIMILAR_TO and VECTOR_SEARCH over a real engine and the simulator
 * (in a child process, counted over HTTP): vectors are the simulator's
 * (deterministic), a re-run is answered from the cache with 0 embedding
 * calls, SIMILAR_TO makes no chat call, and VECTOR_SEARCH's top k is the
 * brute-force ranking of the same vectors.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SIM_EMBEDDING_DIMS, simEmbedding } from '../../src/sim/embeddings.js';
import { EMBED_BATCH } from '../../src/statements/semantic/embeddings/embedder.js';
import { type SemFixture, startSemFixture } from '../semantic/semantic-fixture.js';
import { cos } from './cosine.js';

let f: SemFixture;

const f32 = (v: readonly number[]) => Array.from(Float32Array.from(v));

test.before(async () => {
  f = await startSemFixture();
});
test.after(async () => {
  await f.close();
});

test('EMBED(text) is FLOAT[256], the simulator’s vector; a re-run makes 0 embedding calls', async () => {
  await f.sim.resetStats();
  const sql = 'SELECT id, EMBED(body) AS v FROM docs ORDER BY id';
  const rows = await f.rows(sql);
  assert.is(rows.length, 12);
  for (const r of rows) {
    if (r['id'] === 9) assert.is(r['v'], null, 'a NULL text has a NULL vector, no call');
    else {
      const body = (await f.rows(`SELECT body FROM docs WHERE id = ${r['id']}`))[0]!['body'] as string;
      assert.equal(r['v'], f32(simEmbedding(body)));
    }
  }
  const type = await f.rows("SELECT typeof(EMBED('x')) AS t");
  assert.is(type[0]!['t'], `FLOAT[${SIM_EMBEDDING_DIMS}]`);
  const first = await f.sim.stats();
  // The dimension probe, then the 11 distinct bodies in one batch (typeof() never evaluates its argument).
  assert.is(first.embeddingInputs, 12);
  assert.is(first.embeddingRequests, 2);
  assert.is(first.requests, 0, 'no chat call');
  await f.sim.resetStats();
  assert.equal(await f.rows(sql), rows);
  assert.is((await f.sim.stats()).embeddingRequests, 0, 'a re-run is answered from the cache');
  assert.ok(EMBED_BATCH >= 11);
});

test("EMBED('') is NULL without a call (OpenAI refuses an empty input)", async () => {
  await f.sim.resetStats();
  assert.equal(await f.rows("SELECT EMBED('') IS NULL AS n, '' SIMILAR_TO 'x' AS s"), [{ n: true, s: null }]);
  assert.is((await f.sim.stats()).embeddingInputs, 1, "only 'x'");
});

test('long texts go in calls of at most 1,000,000 characters', async () => {
  await f.sim.resetStats();
  // Three texts of 700,000 characters: one call each (two would pass the bound).
  const rows = await f.rows(
    "SELECT count(EMBED(repeat('word' || range || ' ', 100000))) AS n FROM range(3)",
    '-- @ cache: false',
  );
  assert.equal(rows, [{ n: 3n }]);
  const s = await f.sim.stats();
  assert.is(s.embeddingInputs, 3);
  assert.is(s.embeddingRequests, 3);
});

test('EMBED(text, model) embeds with that model (cached apart); the model must be a literal', async () => {
  await f.sim.resetStats();
  const rows = await f.rows("SELECT EMBED('red shoes', 'other-embedder') AS v");
  assert.equal(rows[0]!['v'], f32(simEmbedding('red shoes')));
  const s = await f.sim.stats();
  assert.is(s.embeddingRequests, 2, 'a probe for the new model, then the text');
  try {
    await f.rows('SELECT EMBED(body, category) FROM docs');
    assert.unreachable();
  } catch (err) {
    assert.is((err as { code: string }).code, 'EMBED_BAD_ARGUMENT');
  }
});

test('-- @ embed_model: m is the model of SIMILAR_TO and EMBED without one; a named model wins', async () => {
  const sql =
    "SELECT 'quiet lake cabin' SIMILAR_TO 'lake house' AS s, EMBED('x', 'other-embedder') IS NOT NULL AS e";
  await f.rows(sql, '-- @ embed_model: statement-embedder');
  const models = await f.rows(
    `SELECT DISTINCT model FROM rvbbit.unified_logs WHERE cascade_id = 'embed' AND NOT cache_hit
      AND query_id = (SELECT query_id FROM rvbbit.queries ORDER BY started_at DESC LIMIT 1) ORDER BY model`,
  );
  assert.equal(models, [{ model: 'other-embedder' }, { model: 'statement-embedder' }]);
});

test('a SIMILAR_TO b is the cosine of their vectors, with no chat call; bare in WHERE it is > threshold', async () => {
  await f.sim.resetStats();
  const rows = await f.rows(
    "SELECT id, body SIMILAR_TO 'eco friendly bottle' AS s FROM docs WHERE body IS NOT NULL ORDER BY id",
  );
  const q = simEmbedding('eco friendly bottle');
  for (const r of rows) {
    const body = (await f.rows(`SELECT body FROM docs WHERE id = ${r['id']}`))[0]!['body'] as string;
    assert.ok(Math.abs((r['s'] as number) - cos(f32(simEmbedding(body)), f32(q))) < 1e-6);
  }
  const hits = await f.rows("SELECT id FROM docs WHERE body SIMILAR_TO 'eco friendly bottle' ORDER BY id");
  const want = rows.filter((r) => (r['s'] as number) > 0.5).map((r) => ({ id: r['id'] }));
  assert.equal(hits, want);
  assert.ok(want.length > 0);
  assert.is((await f.sim.stats()).requests, 0, 'no chat call');
});

test('VECTOR_SEARCH top k = the brute-force ranking of the same vectors (exact search)', async () => {
  const all = await f.rows('SELECT id, title, body FROM docs WHERE body IS NOT NULL');
  for (const [query, k] of [
    ['eco friendly durable', 3],
    ['phone battery charger', 4],
    ['running shoe', 2],
  ] as const) {
    const q = f32(simEmbedding(query));
    const ranked = all
      .map((r) => ({
        id: r['id'],
        score: cos(f32(simEmbedding(r['body'] as string)), q),
        body: r['body'] as string,
      }))
      .sort((a, b) => b.score - a.score || (a.body < b.body ? -1 : 1))
      .slice(0, k);
    const got = await f.rows(`SELECT id, score FROM VECTOR_SEARCH('${query}', docs, body, ${k})`);
    // The same ranking written as plain SQL over EMBED, every row sorted.
    const bySql = await f.rows(
      `SELECT id FROM docs WHERE body IS NOT NULL ORDER BY array_cosine_similarity(EMBED(body), EMBED('${query}')) DESC, body LIMIT ${k}`,
    );
    assert.equal(
      got.map((r) => r['id']),
      bySql.map((r) => r['id']),
    );
    assert.equal(
      got.map((r) => r['id']),
      ranked.map((r) => r.id),
      query,
    );
    got.forEach((r, i) => {
      assert.ok(Math.abs((r['score'] as number) - ranked[i]!.score) < 1e-6);
    });
  }
  try {
    await f.rows("SELECT * FROM VECTOR_SEARCH('x', docs, body, 0)");
    assert.unreachable();
  } catch (err) {
    assert.is((err as { code: string }).code, 'EMBED_BAD_ARGUMENT');
  }
});

test('embedding calls are logged in rvbbit.unified_logs with tokens and cost, cache hits as hits', async () => {
  await f.rows("SELECT EMBED('a brand new sentence about lakes') AS v");
  const logged = await f.rows(
    "SELECT cell, cache_hit, tokens_in > 0 AS t, cost > 0 AS c, answered_by FROM rvbbit.unified_logs WHERE cascade_id = 'embed' AND NOT cache_hit ORDER BY timestamp DESC LIMIT 1",
  );
  assert.equal(logged, [{ cell: 'embed', cache_hit: false, t: true, c: true, answered_by: 'simulator' }]);
  await f.rows("SELECT EMBED('a brand new sentence about lakes') AS v");
  const hits = await f.rows(
    "SELECT count(*)::INT AS n FROM rvbbit.unified_logs WHERE cascade_id = 'embed' AND cache_hit",
  );
  assert.ok((hits[0]!['n'] as number) >= 1);
});

test('EXPLAIN counts the texts to embed and makes no call', async () => {
  await f.sim.resetStats();
  const rows = await f.rows("EXPLAIN SELECT EMBED(title || ' explained') AS v FROM docs");
  const embeddings = rows.find((r) => r['property'] === 'embeddings')?.['value'];
  assert.is(
    embeddings,
    'embeddings (text-embedding-3-small): 12 distinct texts, 0 cached, 1 calls of up to 2048',
  );
  assert.is(rows.find((r) => r['property'] === 'est_calls')?.['value'], '1');
  const s = await f.sim.stats();
  assert.is(s.requests + s.embeddingRequests, 0);
});

test('CREATE TABLE … AS SELECT EMBED(…): record passes rolled back, the table made once', async () => {
  await f.sim.resetStats();
  await f.rows('CREATE TABLE doc_vectors AS SELECT id, EMBED(title) AS v FROM docs');
  const rows = await f.rows('SELECT id, v FROM doc_vectors ORDER BY id');
  assert.is(rows.length, 12);
  const titles = await f.rows('SELECT id, title FROM docs ORDER BY id');
  rows.forEach((r, i) => {
    assert.equal(r['v'], f32(simEmbedding(titles[i]!['title'] as string)));
  });
  assert.is((await f.sim.stats()).embeddingInputs, 12);
  assert.equal(await f.rows('SELECT typeof(v) AS t FROM doc_vectors LIMIT 1'), [
    { t: `FLOAT[${SIM_EMBEDDING_DIMS}]` },
  ]);
  // Inside the user's own transaction the rolled-back passes cannot run: a clear error, nothing half-made.
  await f.rows('BEGIN');
  try {
    await f.rows("CREATE TABLE doc_vectors2 AS SELECT EMBED(title || ' again') AS v FROM docs");
    assert.unreachable();
  } catch (err) {
    assert.is((err as { code: string }).code, 'EMBED_NEEDS_BATCH');
  } finally {
    await f.rows('ROLLBACK');
  }
  // Beside a model operator: the record passes fetch the vectors, then the statement runs its own strategy (vectorized).
  await f.rows("CREATE TABLE doc_vectors3 AS SELECT id, EMBED(title) AS v, body MEANS 'eco' AS m FROM docs");
  const made = await f.rows('SELECT id, v, m FROM doc_vectors3 ORDER BY id');
  const means = await f.rows("SELECT id, body MEANS 'eco' AS m FROM docs ORDER BY id");
  assert.equal(
    made.map((r) => ({ id: r['id'], m: r['m'] })),
    means,
  );
  assert.equal(
    made.map((r) => r['v']),
    rows.map((r) => r['v']),
  );
});

test('sync strategies: embeddings fetched by record passes first, then the strategy runs as asked', async () => {
  const sql =
    "SELECT id, body SIMILAR_TO 'eco friendly' AS s, body MEANS 'eco friendly' AS m FROM docs WHERE body IS NOT NULL ORDER BY id";
  const batch = await f.rows(sql);
  for (const strategy of ['sequential', 'vectorized', 'union_all']) {
    assert.equal(await f.rows(sql, `-- @ strategy: ${strategy}`), batch, strategy);
  }
  await f.sim.resetStats();
  const top = await f.rows(
    "SELECT id FROM VECTOR_SEARCH('phone battery', docs, body, 2) ORDER BY id",
    '-- @ strategy: sequential',
  );
  assert.equal(top, await f.rows("SELECT id FROM VECTOR_SEARCH('phone battery', docs, body, 2) ORDER BY id"));
});

test('a failing /embeddings call fails the statement with the client’s code, logged as an error', async () => {
  await f.sim.setOptions({ errorRate: 1 });
  await f.sim.resetStats();
  try {
    await f.rows("SELECT EMBED('nobody has embedded this text yet') AS v", '-- @ retries: 2');
    assert.unreachable();
  } catch (err) {
    assert.is((err as { code: string }).code, 'LLM_RETRIES_EXHAUSTED');
  } finally {
    await f.sim.setOptions({ errorRate: 0 });
  }
  assert.is((await f.sim.stats()).embeddingRequests, 2, '-- @ retries applies to embedding calls');
  const logged = await f.rows(
    "SELECT status, error FROM rvbbit.unified_logs WHERE cascade_id = 'embed' AND status = 'error'",
  );
  assert.equal(logged, [{ status: 'error', error: 'LLM_RETRIES_EXHAUSTED' }]);
});

test('budget_dollars: no embedding call starts once spent (the statement fails as an operator would)', async () => {
  await f.sim.resetStats();
  // The inner EMBED's call spends the budget; the outer one's text is known only after it: not started.
  try {
    await f.rows(
      "SELECT EMBED(EMBED('a budget probe')::VARCHAR) AS v",
      '-- @ cache: false\n-- @ budget_dollars: 0.000000001',
    );
    assert.unreachable();
  } catch (err) {
    const e = err as { code: string; detail: Record<string, unknown>; message: string };
    assert.is(e.code, 'SEMANTIC_CALL_FAILED');
    assert.is(e.detail['cause'], 'BUDGET_EXCEEDED');
    assert.match(e.message, 'embed failed: BUDGET_EXCEEDED: budget_dollars was spent');
  }
  assert.is((await f.sim.stats()).embeddingRequests, 1);
  // Within budget: both run.
  const ok = await f.rows(
    "SELECT EMBED(EMBED('a budget probe')::VARCHAR) IS NOT NULL AS v",
    '-- @ cache: false\n-- @ budget_dollars: 1',
  );
  assert.equal(ok, [{ v: true }]);
});

test('budget_tokens counts both ways: embedding tokens stop operator calls', async () => {
  await f.sim.resetStats();
  // The MEANS over each vector's text needs the embedding first; its tokens spend the budget.
  try {
    await f.rows(
      "SELECT (EMBED('tokens spent by an embedding')::VARCHAR) MEANS 'numbers' AS m",
      '-- @ cache: false\n-- @ budget_tokens: 1',
    );
    assert.unreachable();
  } catch (err) {
    const e = err as { code: string; detail: Record<string, unknown> };
    assert.is(e.code, 'SEMANTIC_CALL_FAILED');
    assert.is(e.detail['cause'], 'BUDGET_EXCEEDED');
  }
  const s = await f.sim.stats();
  assert.is(s.embeddingRequests, 1);
  assert.is(s.requests, 0, 'no operator call started');
});

test('rvbbit.queries counts embedding calls and cache hits as the statement’s', async () => {
  await f.rows("SELECT EMBED('counted sentence one') AS a, EMBED('counted sentence two') AS b");
  const q = await f.rows(
    "SELECT calls::INT AS calls, cache_hits::INT AS cache_hits FROM rvbbit.queries WHERE text LIKE '%counted sentence one%' ORDER BY started_at DESC LIMIT 1",
  );
  assert.equal(q, [{ calls: 1, cache_hits: 0 }]);
});

test.run();
