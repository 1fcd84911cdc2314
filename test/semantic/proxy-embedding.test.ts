/**
 * `-- @ proxy: embedding recall r precision p [delta d]` end to end through the
 * library (src/statements/semantic/proxies/proxy.ts, src/plan/embedding-proxy.ts): the
 * statement's embedding model scores every tuple by the similarity of its text to
 * the criterion (no chat call), the statement's model answers the importance sample
 * and the uncertain band only, the rows meet the targets against the statement
 * model's own rows, embedding calls are counted apart and cached as every
 * embedding is, and EXPLAIN says what will be done. The statistical guarantee
 * over many trials is supg-embedding-guarantee.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SemFixture, startSemFixture } from './semantic-fixture.js';

const test = suite<{ f: SemFixture }>('semantic: embedding proxy');

// 2,000 distinct tuples: a fifth name one or two words of the criterion among 3–6 others.
const ITEMS = `CREATE TABLE gear AS SELECT range::INTEGER AS id,
  concat_ws(' ', 'item', range::VARCHAR,
    CASE WHEN range % 5 = 0 THEN (CASE WHEN range % 2 = 0 THEN 'waterproof jacket' ELSE 'hiking' END) END,
    ['cotton', 'wool', 'linen', 'denim'][1 + range % 4], ['shirt', 'scarf', 'towel'][1 + range % 3],
    CASE WHEN range % 3 = 0 THEN 'with copper buttons and velvet trim' END) AS body
  FROM range(2000);`;

test.before(async (ctx) => {
  // A noisy embedding model (profile.ts embeddingNoise): its similarity ranks the big model's answers imperfectly.
  ctx.f = await startSemFixture(
    // Pinned unpacked (operatorBatch: 1): the statement model's sample and band are counted as one call per tuple; unannotated statements pack since issue 67
    // (test/semantic/auto-packing.test.ts).
    { defaultParallel: 32, operatorBatch: 1 },
    { profiles: { 'text-embedding-3-small': { embeddingNoise: 1 } } },
  );
  await ctx.f.engine.query(ITEMS);
});
test.after(async (ctx) => {
  await ctx.f.close();
});
test.before.each(async ({ f }) => {
  await f.sim.resetStats();
});

const NO_CACHE = '-- @ cache: false';
const PROXY = '-- @ proxy: embedding recall 0.9 precision 0.9';
const sql = `SELECT id FROM gear WHERE body MEANS 'waterproof breathable hiking jacket' ORDER BY id`;

async function lastStrategy(f: SemFixture): Promise<string> {
  const r = await f.rows(
    `SELECT strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
  );
  return String(r[0]?.strategy);
}

const ids = (rows: Record<string, unknown>[]) => new Set(rows.map((r) => Number(r.id)));
const STRATEGY =
  /^batch; semantic_means: proxy embedding \(text-embedding-3-small\) targets recall 0\.9 precision 0\.9 delta 0\.05 \(SUPG\), scores from text-embedding-3-small similarity \(2001 texts: (\d+) embedding calls?, (\d+) cached; no chat call\); sample (\d+) draws, (\d+) tuples to sim-small \((\d+) true\); thresholds: false under ([\d.]+|−∞), true at or above ([\d.]+|∞); proxy answered (\d+) of 2000, (\d+) more went to sim-small$/;

test('recall 0.9 precision 0.9: one embedding call, no proxy chat call; the statement model answers the sample and the band; targets met', async ({
  f,
}) => {
  const alone = ids(await f.rows(sql, NO_CACHE));
  assert.is(alone.size, 400);
  await f.sim.resetStats();
  const got = ids(await f.rows(sql, `${NO_CACHE}\n${PROXY}`));
  const strategy = await lastStrategy(f);
  const m = STRATEGY.exec(strategy);
  assert.ok(m, strategy);
  const [calls, cached, , sampled, , , , kept, band] = m!.slice(1).map((x) => Number(x)) as number[];
  // 2,000 texts and the criterion in one request (EMBED_BATCH 2,048), none from the cache.
  assert.is(calls, 1);
  assert.is(cached, 0);
  const s = await f.sim.stats();
  assert.is(s.embeddingRequests, 1);
  assert.is(s.embeddingInputs, 2001);
  // Chat calls: the statement's model only, for exactly the sampled tuples and the band.
  assert.equal(s.byModel, { 'sim-small': sampled! + band! });
  assert.is(sampled! + band! + kept!, 2000);
  assert.ok(kept! > 200, `kept ${kept}: ${strategy}`);
  let tp = 0;
  for (const id of got) if (alone.has(id)) tp++;
  assert.ok(tp / alone.size >= 0.9, `recall ${tp / alone.size}`);
  assert.ok(tp / got.size >= 0.9, `precision ${tp / got.size}`);
});

test('cached: a second run embeds nothing and calls nothing, the same rows', async ({ f }) => {
  const first = await f.rows(sql, PROXY);
  const firstStrategy = STRATEGY.exec(await lastStrategy(f));
  assert.ok(firstStrategy);
  await f.sim.resetStats();
  const second = await f.rows(sql, PROXY);
  assert.equal(second, first);
  const m = STRATEGY.exec(await lastStrategy(f));
  assert.ok(m);
  assert.is(m![1], '0');
  assert.is(m![2], '2001');
  const s = await f.sim.stats();
  assert.is(s.embeddingRequests, 0);
  assert.equal(s.byModel, {});
});

test('EXPLAIN names the embedding proxy and calls nothing', async ({ f }) => {
  const e = await f.engine.query(`${NO_CACHE}\n${PROXY}\nEXPLAIN ${sql}`);
  const plan = String(e.rows.find((x) => x.property === 'functions')?.value);
  assert.match(
    plan,
    "proxy embedding (text-embedding-3-small) scores all 2000 tuples by the similarity of their first argument to the others (embedding calls of up to 2048 texts, cached texts free; no chat call); targets recall 0.9 precision 0.9 delta 0.05 against sim-small's answers (SUPG importance sampling): a sample of 200 draws",
  );
  const s = await f.sim.stats();
  assert.is(s.embeddingRequests, 0);
  assert.equal(s.byModel, {});
});

test('the embedding proxy without targets is an error naming the value', async ({ f }) => {
  for (const note of ['embedding', 'embedding confidence 0.8']) {
    try {
      await f.engine.query(`-- @ proxy: ${note}\n${sql}`);
      assert.unreachable(note);
    } catch (err) {
      assert.is((err as { code?: string }).code, 'E_BAD_ANNOTATION_VALUE');
      assert.match(
        (err as Error).message,
        `the embedding proxy needs targets: 'embedding recall r precision p [delta d] [sample n]', got '${note}'`,
      );
    }
  }
  const s = await f.sim.stats();
  assert.is(s.embeddingRequests, 0);
  assert.equal(s.byModel, {});
});

test.run();
