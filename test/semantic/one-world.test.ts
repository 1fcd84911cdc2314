/**
 * The simulator's one world (src/sim/world.ts, issue 68): every (question, text) has one
 * true answer, and a model gives it at its profiled accuracy whatever the operator form,
 * the packing or the model's name. Through the engine (its real prompts, packed as it
 * packs them) against the simulator in a child process: `sim-small` profiled at 0.85
 * stands in for a proxy, `gpt-4o-mini` (no profile: accuracy 1) for the statement model.
 *
 * Every text is drawn from a seeded generator, so each count below is exact and
 * reproducible; the statistical claim (agreement = profiled accuracy ± 0.03 over ≥ 1,000
 * texts) is asserted alongside the exact counts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ONE_WORLD_CRITERION, ONE_WORLD_LABELS, oneWorldTexts } from '../fixtures/one-world-texts.js';
import { REVIEWS_CSV, type SemFixture, startSemFixture } from './semantic-fixture.js';

const ACCURACY = 0.85;
const TEXTS = 1200;
const SEED = 68;

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;
const TABLES = `CREATE TABLE tickets AS SELECT * FROM (VALUES ${oneWorldTexts(TEXTS, SEED)
  .map((t, i) => `(${i}, ${sqlString(t)})`)
  .join(', ')}) v(id, t);
CREATE TABLE reviews AS SELECT id, stars, review FROM read_csv('${REVIEWS_CSV}') WHERE id % 12 = 1;
CREATE SEMANTIC FUNCTION topic_of(t VARCHAR) RETURNS ENUM('billing', 'shipping', 'refund')
  AS 'Which topic is this ticket about? {{ t }}';`;

const test = suite<{ f: SemFixture }>('semantic: one world across models and operator forms');

test.before(async (ctx) => {
  ctx.f = await startSemFixture(
    { defaultParallel: 16 },
    { profiles: { 'sim-small': { accuracy: ACCURACY } } },
    TABLES,
  );
});
test.after(async (ctx) => {
  await ctx.f.close();
});

const ask = (f: SemFixture, model: string, select: string) =>
  f.rows(`SELECT id, ${select} AS a FROM tickets ORDER BY id`, `-- @ model: ${model}\n-- @ cache: false`);

const FORMS = {
  MEANS: `t MEANS '${ONE_WORLD_CRITERION}'`,
  CLASSIFY: `CLASSIFY(t, '${ONE_WORLD_LABELS.join(',')}')`,
  ENUM: `topic_of(t)::VARCHAR`,
} as const;

test('sim-small agrees with the statement model at its profiled accuracy ± 0.03, for MEANS, CLASSIFY and ENUM alike (1,200 seeded texts)', async ({
  f,
}) => {
  const agreed: Record<string, number> = {};
  for (const [form, select] of Object.entries(FORMS)) {
    const big = await ask(f, 'gpt-4o-mini', select);
    const small = await ask(f, 'sim-small', select);
    assert.is(big.length, TEXTS);
    assert.is(small.length, TEXTS);
    agreed[form] = big.filter((r, i) => r.a === small[i]!.a).length;
    assert.ok(
      Math.abs(agreed[form]! / TEXTS - ACCURACY) <= 0.03,
      `${form}: ${agreed[form]} of ${TEXTS} agree, profiled accuracy ${ACCURACY}`,
    );
  }
  // Exact and reproducible (the texts and the errors are seeded); CLASSIFY and the ENUM
  // function ask one question (the label list) of one text, so sim-small errs on the same rows.
  assert.equal(agreed, { MEANS: 1023, CLASSIFY: 1019, ENUM: 1019 });
});

test('the statement model answers the truth on every form: CLASSIFY, the ENUM function and LLM(… RETURNING ENUM) give one label per text, MEANS and LLM_FILTER one verdict', async ({
  f,
}) => {
  for (const model of ['gpt-4o-mini', 'sim-small']) {
    const classify = await ask(f, model, FORMS.CLASSIFY);
    const fn = await ask(f, model, FORMS.ENUM);
    const llm = await ask(
      f,
      model,
      `LLM('Which topic?', t RETURNING ENUM('refund', 'billing', 'shipping'))::VARCHAR`,
    );
    assert.equal(fn, classify, `${model}: the ENUM function`);
    assert.equal(llm, classify, `${model}: LLM RETURNING ENUM`);
    const means = await ask(f, model, FORMS.MEANS);
    const filter = await ask(f, model, `LLM_FILTER('${ONE_WORLD_CRITERION}', t)`);
    assert.equal(filter, means, `${model}: LLM_FILTER`);
  }
  // Texts naming no topic get the world's pick: every label turns up.
  const labels = (await ask(f, 'gpt-4o-mini', FORMS.CLASSIFY)).map((r) => r.a);
  assert.equal(new Set(labels), new Set(['billing', 'shipping', 'refund']));
});

test('a packed and an unpacked MEANS give the same answers, the proxy model`s errors included', async ({
  f,
}) => {
  for (const model of ['gpt-4o-mini', 'sim-small']) {
    const packed = await f.rows(
      `SELECT id, ${FORMS.MEANS} AS a FROM tickets ORDER BY id`,
      `-- @ model: ${model}\n-- @ cache: false\n-- @ batch: 16`,
    );
    await f.sim.resetStats();
    const unpacked = await f.rows(
      `SELECT id, ${FORMS.MEANS} AS a FROM tickets WHERE id < 300 ORDER BY id`,
      `-- @ model: ${model}\n-- @ cache: false\n-- @ batch: 1`,
    );
    assert.is((await f.sim.stats()).requests, 300);
    assert.equal(unpacked, packed.slice(0, 300), model);
  }
});

test('"from 1 to 5 stars" answers stay in 1..5, and two models give each text the same rating', async ({
  f,
}) => {
  const rate = `LLM('Rate this ticket from 1 to 5 stars', t RETURNING INTEGER)`;
  const big = await ask(f, 'gpt-4o-mini', rate);
  const other = await ask(f, 'sim-large', rate);
  const stars = big.map((r) => Number(r.a));
  assert.ok(
    stars.every((s) => Number.isInteger(s) && s >= 1 && s <= 5),
    String(stars),
  );
  assert.equal(new Set(stars), new Set([1, 2, 3, 4, 5]));
  assert.equal(other, big);
});

test('a pair condition "opposite sentiments" agrees with the per-row sentiment labels on every pair', async ({
  f,
}) => {
  const labels = await f.rows(
    `SELECT id, CLASSIFY(review, 'positive,negative,neutral') AS s FROM reviews ORDER BY id`,
    '-- @ model: gpt-4o-mini\n-- @ cache: false',
  );
  const sentimentOf = new Map(labels.map((r) => [r.id, r.s]));
  // The reviews hold both signs; some one-star reviews end "Not worth the ticket price.", a sentence the
  // pair judge always read on its own (before issue 68 the label read the whole text as negated: positive).
  assert.equal([...sentimentOf.values()].filter((s) => s === 'negative').length, 9);
  assert.equal([...sentimentOf.values()].filter((s) => s === 'positive').length, 14);
  for (const model of ['gpt-4o-mini', 'sim-large']) {
    const pairs = await f.rows(
      `SELECT r1.id AS a, r2.id AS b FROM reviews r1, reviews r2
       WHERE r1.id < r2.id AND LLM_FILTER('The two reviews express opposite sentiments', r1.review, r2.review)
       ORDER BY a, b`,
      `-- @ model: ${model}\n-- @ cache: false`,
    );
    const expected: { a: unknown; b: unknown }[] = [];
    for (const [a, sa] of sentimentOf)
      for (const [b, sb] of sentimentOf)
        if (Number(a) < Number(b) && [sa, sb].sort().join() === 'negative,positive') expected.push({ a, b });
    assert.is(expected.length, 9 * 14);
    assert.equal(pairs, expected, model);
  }
});

test.run();
