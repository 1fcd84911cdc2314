/**
 * The small-side plan for a condition over two values (LLM_FILTER('cond', x,
 * y) and `(x, y) MEANS 'cond'`) in a join: when one side has few distinct
 * values, one call per value of the other side asks for which of the small
 * side's values the condition holds; the rows equal the pairwise plan's, and
 * the candidates prompt says which value is the condition's first input.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SemFixture, startSemFixture, TABLES } from './semantic-fixture.js';

const DATA = `${TABLES}
CREATE TABLE moods AS SELECT * FROM (VALUES (1, 'I loved it, wonderful and moving'), (2, 'It was awful and boring'), (3, 'Great fun, I enjoyed it')) v(mid, phrase);`;

const test = suite<{ small: SemFixture; pairwise: SemFixture }>('semantic: small-side plan for conditions');

test.before(async (ctx) => {
  // Pinned unpacked (operatorBatch: 1): the pairs' plans are priced against one call per pair, and a value that is no pair asks alone; unannotated statements pack since issue 67
  // (test/semantic/auto-packing.test.ts).
  // smallSideLimit 3: only the 3 phrases are a small side (no set of 10 to 30 reviews is), so each
  // case sees the orientation it names; both sides small is priced both ways (small-side.test.ts).
  ctx.small = await startSemFixture(
    { defaultParallel: 8, operatorBatch: 1, smallSideLimit: 3 },
    { record: true },
    DATA,
  );
  ctx.pairwise = await startSemFixture({ defaultParallel: 8, smallSideLimit: 0, operatorBatch: 1 }, {}, DATA);
});
test.after(async (ctx) => {
  await ctx.small.close();
  await ctx.pairwise.close();
});

const NO_CACHE = '-- @ cache: false';

/** Rows and calls on both engines. */
async function both(ctx: { small: SemFixture; pairwise: SemFixture }, sql: string) {
  await ctx.small.sim.resetStats();
  await ctx.pairwise.sim.resetStats();
  const small = await ctx.small.rows(sql, NO_CACHE);
  const pairwise = await ctx.pairwise.rows(sql, NO_CACHE);
  return {
    small,
    pairwise,
    smallCalls: await ctx.small.requests(),
    pairwiseCalls: await ctx.pairwise.requests(),
    prompts: ((await ctx.small.sim.stats()).promptsSeen ?? []).map((p) =>
      p.messages.map((m) => m.content).join('\n'),
    ),
  };
}

const SAME = `SELECT r.id, m.mid FROM reviews r JOIN moods m
  ON LLM_FILTER('These two texts express the same sentiment', r.review, m.phrase)
  WHERE r.id <= 30 ORDER BY r.id, m.mid`;

test('LLM_FILTER over 30 reviews × 3 phrases: 30 calls instead of 90, the same rows', async (ctx) => {
  const r = await both(ctx, SAME);
  assert.is(r.pairwiseCalls, 90);
  assert.is(r.smallCalls, 30);
  assert.equal(r.small, r.pairwise);
  // Positive reviews pair with both positive phrases, negative ones with the awful one: a real mix.
  assert.ok(r.small.length > 10 && r.small.length < 60, String(r.small.length));
  assert.ok(r.small.some((x) => x.mid === 2) && r.small.some((x) => x.mid === 1));
  // One candidates prompt per review: the three phrases listed, the review labelled as the first input.
  assert.is(r.prompts.length, 30);
  // In code-unit order of the phrases (small-side.ts candidateInputs): before, in the order DuckDB listed the pairs
  // (I loved it…, It was awful…, Great fun…), which may change from run to run.
  assert.match(
    r.prompts[0]!,
    /<candidates><c n="0">Great fun, I enjoyed it<\/c><c n="1">I loved it, wonderful and moving<\/c><c n="2">It was awful and boring<\/c><\/candidates>/,
  );
  assert.match(
    r.prompts[0]!,
    /The value is r\.review, the first input; each candidate is m\.phrase, the second input\./,
  );
  assert.match(r.prompts[0]!, /<criterion>These two texts express the same sentiment<\/criterion>/);
});

test('under -- @ batch the cheaper plan wins: the candidate calls packed, n reviews a prompt, the 3 phrases stated once each (batch 16: 2 prompts, as many as the blocks of 16 × 3; batch 2: 15 prompts, 30 before they packed)', async (ctx) => {
  await ctx.small.sim.resetStats();
  const packed = await ctx.small.rows(SAME, `${NO_CACHE}\n-- @ batch: 16`);
  assert.is(await ctx.small.requests(), 2);
  await ctx.small.sim.resetStats();
  const candidates = await ctx.small.rows(SAME, `${NO_CACHE}\n-- @ batch: 2`);
  assert.is(await ctx.small.requests(), 15);
  const pairwise = await ctx.pairwise.rows(SAME, NO_CACHE);
  assert.equal(packed, pairwise);
  assert.equal(candidates, pairwise);
  const explained = await ctx.small.engine.query(`-- @ batch: 16\nEXPLAIN ${SAME}`);
  const fns = explained.rows.find((x) => x.property === 'functions')!.value as string;
  // Before issue 67 (the candidate calls never packed): `2 calls; blocks: up to 16 × 16 values per prompt, …`.
  assert.match(
    fns,
    /^llm_filter: 90 distinct tuples, 0 cached, 2 calls; small side: 3 distinct m\.phrase values as candidates, one task per r\.review value, up to 16 per prompt \(2 calls for 30 values instead of 90 pairs\)/,
    fns,
  );
});

test('the small side written first: candidates are the first input; opposite sentiments; same rows', async (ctx) => {
  const sql = `SELECT r.id, m.mid FROM moods m, reviews r
    WHERE r.id <= 24 AND LLM_FILTER('The two texts have opposite sentiments', m.phrase, r.review) ORDER BY r.id, m.mid`;
  const r = await both(ctx, sql);
  assert.is(r.pairwiseCalls, 72);
  assert.is(r.smallCalls, 24);
  assert.equal(r.small, r.pairwise);
  assert.ok(r.small.length > 0);
  assert.match(
    r.prompts[0]!,
    /Each candidate is m\.phrase, the first input; the value is r\.review, the second input\./,
  );
});

test('a tuple MEANS takes the same plan; two conditions in one statement are two groups', async (ctx) => {
  const tuple = `SELECT r.id, m.mid FROM reviews r CROSS JOIN moods m
    WHERE r.id <= 20 AND (r.review, m.phrase) MEANS 'the same sentiment' ORDER BY r.id, m.mid`;
  const t = await both(ctx, tuple);
  assert.is(t.pairwiseCalls, 60);
  assert.is(t.smallCalls, 20);
  assert.equal(t.small, t.pairwise);
  const two = `SELECT r.id, m.mid,
      LLM_FILTER('These two texts express the same sentiment', r.review, m.phrase) AS same,
      LLM_FILTER('The two texts have opposite sentiments', r.review, m.phrase) AS opposite
    FROM reviews r, moods m WHERE r.id <= 10 ORDER BY r.id, m.mid`;
  const w = await both(ctx, two);
  assert.is(w.pairwiseCalls, 60);
  assert.is(w.smallCalls, 20);
  assert.equal(w.small, w.pairwise);
  assert.is(w.small.length, 30);
});

test('EXPLAIN names the plan; pairs that share no side, or a side too large, stay pairwise', async (ctx) => {
  const explained = await ctx.small.engine.query(`EXPLAIN ${SAME}`);
  const fns = explained.rows.find((x) => x.property === 'functions')!.value as string;
  assert.is(
    fns,
    'llm_filter: 90 distinct tuples, 0 cached, 30 calls; small side: 3 distinct m.phrase values as candidates, one call per r.review value (30 calls instead of 90 pairs)',
  );
  // Two columns of one row: every pair has its own values, no side repeats.
  const own = `SELECT id FROM reviews WHERE id <= 12 AND LLM_FILTER('The review mentions the movie', review, movie)`;
  const o = await both(ctx, own);
  assert.is(o.smallCalls, 12);
  assert.is(o.pairwiseCalls, 12);
  assert.equal(o.small, o.pairwise);
  // Three values: not a pair.
  const three = `SELECT r.id FROM reviews r, moods m WHERE r.id <= 5 AND LLM_FILTER('All agree', r.review, m.phrase, r.movie)`;
  const h = await both(ctx, three);
  assert.is(h.smallCalls, 15);
  assert.equal(h.small, h.pairwise);
});

test('-- @ small_side: n bounds the small side per statement, over the engine default either way', async (ctx) => {
  // The engine's limit (3): 3 phrases are a small side; small_side 2 makes them too many, 0 never plans one.
  for (const [annotation, calls] of [
    ['', 30],
    ['-- @ small_side: 2', 90],
    ['-- @ small_side: 0', 90],
    ['-- @ small_side: 3', 30],
  ] as const) {
    await ctx.small.sim.resetStats();
    const rows = await ctx.small.rows(SAME, `${NO_CACHE}\n${annotation}`);
    assert.is(await ctx.small.requests(), calls, annotation);
    await ctx.pairwise.sim.resetStats();
    assert.equal(rows, await ctx.pairwise.rows(SAME, NO_CACHE), annotation);
  }
  // The engine whose default is 0 plans the small side when the statement raises it.
  await ctx.pairwise.sim.resetStats();
  await ctx.pairwise.rows(SAME, `${NO_CACHE}\n-- @ small_side: 3`);
  assert.is(await ctx.pairwise.requests(), 30);
  const explained = await ctx.pairwise.engine.query(`-- @ small_side: 3\nEXPLAIN ${SAME}`);
  assert.match(
    explained.rows.find((x) => x.property === 'functions')!.value as string,
    /small side: 3 distinct m\.phrase values as candidates/,
  );
});

test.run();
