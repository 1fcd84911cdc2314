/**
 * `-- @ proxy: m confidence t` (src/statements/semantic/proxies/proxy.ts): the proxy model
 * answers every tuple with a confidence; only the unsure ones reach the
 * statement's model. The simulator gives `small-fast` a profile (80% right,
 * wrong answers unsure when self-reported; calibrated logprobs, with confident
 * errors, src/sim/profile.ts) and `loud-fast` one whose errors are often confident.
 * A provider without logprobs (simulator option `logprobs: false`) leaves the
 * self-reported confidence, and the strategy says so.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SemFixture, startSemFixture } from './semantic-fixture.js';

const test = suite<{ f: SemFixture }>('semantic: proxy models');

const ITEMS = `CREATE TABLE items AS SELECT range::INTEGER AS id,
  CASE WHEN range % 10 = 0 THEN 'eco friendly bottle number ' ELSE 'plain steel part number ' END || range AS body
  FROM range(1000);`;

test.before(async (ctx) => {
  ctx.f = await startSemFixture(
    // Pinned unpacked (operatorBatch: 1): the proxy's and the statement model's calls are counted one per tuple;
    // unannotated statements pack since issue 67 (test/semantic/auto-packing.test.ts).
    { defaultParallel: 32, operatorBatch: 1 },
    {
      profiles: {
        'small-fast': { accuracy: 0.8 },
        'loud-fast': { accuracy: 0.8, confidentErrors: 0.5 },
      },
    },
  );
  await ctx.f.engine.query(ITEMS);
});
test.after(async (ctx) => {
  await ctx.f.close();
});
test.before.each(async ({ f }) => {
  await f.sim.resetStats();
});

const SQL = `SELECT id FROM items WHERE body MEANS 'eco friendly' ORDER BY id`;
const NO_CACHE = '-- @ cache: false';

async function byModel(f: SemFixture): Promise<Record<string, number>> {
  return (await f.sim.stats()).byModel;
}

async function lastStrategy(f: SemFixture): Promise<string> {
  const r = await f.rows(
    `SELECT strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
  );
  return String(r[0]?.strategy);
}

test('without logprobs: the self-reported confidence; only unsure answers reach the statement model; same rows', async () => {
  const f = await startSemFixture(
    // Pinned unpacked (operatorBatch: 1): the proxy's and the statement model's calls are counted one per tuple;
    // unannotated statements pack since issue 67 (test/semantic/auto-packing.test.ts).
    { defaultParallel: 32, operatorBatch: 1 },
    { profiles: { 'small-fast': { accuracy: 0.8 } }, logprobs: false },
  );
  try {
    await f.engine.query(ITEMS);
    await selfReported(f);
  } finally {
    await f.close();
  }
});

async function selfReported(f: SemFixture) {
  const alone = await f.rows(SQL, NO_CACHE);
  assert.equal(await byModel(f), { 'sim-small': 1000 });
  await f.sim.resetStats();
  const proxied = await f.rows(SQL, `${NO_CACHE}\n-- @ proxy: small-fast confidence 0.8`);
  // Every wrong proxy answer is unsure under this profile, so the rows are the large model's own.
  assert.equal(proxied, alone);
  const calls = await byModel(f);
  assert.is(calls['small-fast'], 1000);
  const strategy = await lastStrategy(f);
  const kept = Number(/kept (\d+) of 1000/.exec(strategy)?.[1]);
  assert.match(
    strategy,
    /^batch; semantic_means: proxy small-fast kept \d+ of 1000 answers \(confidence ≥ 0\.8, self-reported confidence \(the provider gave no logprobs\)\), \d+ went to sim-small$/,
  );
  // Expensive calls are exactly the unsure share, well under all tuples (about 20% wrong + a third of the right).
  assert.is(calls['sim-small'], 1000 - kept);
  assert.ok(kept > 400 && kept < 700, `kept ${kept}`);
  const logged = await f.rows(
    `SELECT model, count(*)::INTEGER AS n FROM rvbbit.unified_logs
      WHERE query_id = (SELECT query_id FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1)
      GROUP BY model ORDER BY model`,
  );
  assert.equal(logged, [
    { model: 'sim-small', n: 1000 - kept },
    { model: 'small-fast', n: 1000 },
  ]);
}

test('with logprobs: the proxy is scored by them; the calibrated errors that pass are few and measured', async ({
  f,
}) => {
  const alone = new Set((await f.rows(SQL, NO_CACHE)).map((r) => r.id));
  await f.sim.resetStats();
  const proxied = new Set(
    (await f.rows(SQL, `${NO_CACHE}\n-- @ proxy: small-fast confidence 0.8`)).map((r) => r.id),
  );
  const strategy = await lastStrategy(f);
  assert.match(
    strategy,
    /^batch; semantic_means: proxy small-fast kept \d+ of 1000 answers \(confidence ≥ 0\.8, scores from logprobs\), \d+ went to sim-small$/,
  );
  const kept = Number(/kept (\d+) of 1000/.exec(strategy)?.[1]);
  const calls = await byModel(f);
  assert.is(calls['small-fast'], 1000);
  assert.is(calls['sim-small'], 1000 - kept);
  let disagree = 0;
  for (let id = 0; id < 1000; id++) if (alone.has(id) !== proxied.has(id)) disagree++;
  // Calibrated: the kept answers (p ≥ 0.8) are right about 90% of the time (mean p over [0.8, 1]).
  assert.ok(disagree > 0 && disagree < 0.15 * kept, `disagree ${disagree} of ${kept} kept`);
});

test('confident errors pass through: agreement with the large model alone is measured, not assumed', async ({
  f,
}) => {
  const alone = new Set((await f.rows(SQL, NO_CACHE)).map((r) => r.id));
  await f.sim.resetStats();
  const proxied = new Set(
    (await f.rows(SQL, `${NO_CACHE}\n-- @ proxy: loud-fast confidence 0.8`)).map((r) => r.id),
  );
  let disagree = 0;
  for (let id = 0; id < 1000; id++) if (alone.has(id) !== proxied.has(id)) disagree++;
  // About 20% wrong, half of those confident: ~10% of rows can disagree.
  assert.ok(disagree > 30 && disagree < 170, `disagree ${disagree}`);
  assert.ok((await byModel(f))['sim-small']! < 700);
});

test('proxy answers are cached apart: a plain query on the proxy model does not read them', async ({ f }) => {
  await f.rows(SQL, '-- @ proxy: small-fast confidence 0.8');
  await f.sim.resetStats();
  await f.rows(SQL, '-- @ proxy: small-fast confidence 0.8');
  assert.equal(await byModel(f), {});
  await f.rows(SQL, '-- @ model: small-fast');
  assert.equal(await byModel(f), { 'small-fast': 1000 });
});

test('a proxy on an operator that is not a filter or score is ignored, and EXPLAIN says so', async ({
  f,
}) => {
  const r = await f.engine.query(
    `-- @ proxy: small-fast\nEXPLAIN SELECT category, LLM_SUMMARIZE(body) FROM docs GROUP BY category`,
  );
  const fns = String(r.rows.find((x) => x.property === 'functions')?.value);
  assert.match(fns, 'no proxy: ');
  const e = await f.engine.query(`-- @ proxy: small-fast confidence 0.9\nEXPLAIN ${SQL}`);
  const plan = String(e.rows.find((x) => x.property === 'functions')?.value);
  assert.match(
    plan,
    'proxy small-fast answers first (scored by logprobs where the provider gives them, else its own confidence), the answers under confidence 0.9 go to sim-small',
  );
  assert.equal(await byModel(f), {});
});

test.run();
