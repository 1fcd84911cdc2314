/**
 * `-- @ proxy: m recall r precision p [delta d]` end to end through the library
 * (src/statements/semantic/proxies/proxy.ts, SUPG thresholds src/plan/supg.ts): the
 * proxy scores every tuple by its logprobs, the statement's model answers the
 * importance sample and the uncertain band only, the rows meet the targets
 * against the statement model's own rows, and the strategy (rvbbit.queries) and
 * EXPLAIN say what was done. The statistical guarantee over many trials is
 * supg-guarantee.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SemFixture, startSemFixture } from './semantic-fixture.js';

const test = suite<{ f: SemFixture }>('semantic: proxy targets');

// 2,000 distinct tuples, 20% about eco-friendly things; 300 with 2% (too few for a recall bound).
const ITEMS = `CREATE TABLE items AS SELECT range::INTEGER AS id,
  CASE WHEN range % 5 = 0 THEN 'eco friendly bottle number ' ELSE 'plain steel part number ' END || range AS body
  FROM range(2000);
CREATE TABLE rare AS SELECT range::INTEGER AS id,
  CASE WHEN range % 50 = 0 THEN 'eco friendly bottle number ' ELSE 'plain steel part number ' END || range AS body
  FROM range(300);`;

test.before(async (ctx) => {
  // Pinned unpacked (operatorBatch: 1): the proxy's sample and band are counted as one big-model call per tuple; unannotated statements pack since issue 67
  // (test/semantic/auto-packing.test.ts).
  ctx.f = await startSemFixture(
    { defaultParallel: 32, operatorBatch: 1 },
    { profiles: { 'small-fast': { accuracy: 0.85 } } },
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
const sql = (table: string) => `SELECT id FROM ${table} WHERE body MEANS 'eco friendly' ORDER BY id`;

async function lastStrategy(f: SemFixture): Promise<string> {
  const r = await f.rows(
    `SELECT strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
  );
  return String(r[0]?.strategy);
}

const ids = (rows: Record<string, unknown>[]) => new Set(rows.map((r) => Number(r.id)));

test('recall 0.9 precision 0.9: targets met against the statement model; it answers only the sample and the band', async ({
  f,
}) => {
  const alone = ids(await f.rows(sql('items'), NO_CACHE));
  assert.is(alone.size, 400);
  await f.sim.resetStats();
  const got = ids(await f.rows(sql('items'), `${NO_CACHE}\n-- @ proxy: small-fast recall 0.9 precision 0.9`));
  const strategy = await lastStrategy(f);
  const m =
    /^batch; semantic_means: proxy small-fast targets recall 0\.9 precision 0\.9 delta 0\.05 \(SUPG\), scores from logprobs; sample (\d+) draws, (\d+) tuples to sim-small \((\d+) true\); thresholds: false under ([\d.]+), true at or above ([\d.]+|∞); proxy answered (\d+) of 2000, (\d+) more went to sim-small$/.exec(
      strategy,
    );
  assert.ok(m, strategy);
  const [draws, sampled, , , , kept, band] = m!.slice(1).map((x) => Number(x)) as number[];
  // Rounds of 200 draws until the sample holds the 70 positives recall 0.9 at δ/2 asks (supg.ts positivesFor).
  assert.is(draws! % 200, 0);
  const calls = (await f.sim.stats()).byModel;
  assert.is(calls['small-fast'], 2000);
  // The statement's model answered exactly the sampled tuples and the band: no other call.
  assert.is(calls['sim-small'], sampled! + band!);
  assert.is(sampled! + band! + kept!, 2000);
  // The proxy answered a share of the tuples itself (false under the recall threshold, true over the
  // precision one when its bound was reached: ∞ when it was not); the statement's model skipped them.
  assert.ok(kept! > 150, `kept ${kept}: ${strategy}`);
  let tp = 0;
  for (const id of got) if (alone.has(id)) tp++;
  assert.ok(tp / alone.size >= 0.9, `recall ${tp / alone.size}`);
  assert.ok(tp / got.size >= 0.9, `precision ${tp / got.size}`);
});

test('packed (batch: 16): the same rows, every packed answer scored by its own logprobs', async ({ f }) => {
  const annotations = '-- @ proxy: small-fast recall 0.9 precision 0.9';
  const unpacked = await f.rows(sql('items'), `${NO_CACHE}\n${annotations}`);
  const unpackedStrategy = await lastStrategy(f);
  await f.sim.resetStats();
  const packed = await f.rows(sql('items'), `${NO_CACHE}\n-- @ batch: 16\n${annotations}`);
  // The simulator answers a packed row as it answers the row alone, logprobs included (packed.ts).
  assert.equal(packed, unpacked);
  const strategy = await lastStrategy(f);
  assert.match(strategy, 'scores from logprobs;');
  assert.is(strategy.replace(/^[^;]*; /, ''), unpackedStrategy.replace(/^[^;]*; /, ''));
  // 2,000 tuples to the proxy in prompts of 16.
  assert.is((await f.sim.stats()).byModel['small-fast'], 125);
});

test('LIMIT windows: each window learns its own thresholds; the split sums over the windows', async ({
  f,
}) => {
  const got = await f.rows(
    `SELECT id FROM items WHERE body MEANS 'eco friendly' LIMIT 10`,
    `${NO_CACHE}\n-- @ proxy: small-fast recall 0.9 precision 0.9`,
  );
  assert.is(got.length, 10);
  const strategy = await lastStrategy(f);
  const m = /sample (\d+) draws, (\d+) tuples to sim-small .* (\d+) of (\d+)/.exec(strategy);
  assert.ok(m, strategy);
  const calls = (await f.sim.stats()).byModel;
  // The proxy answered every tuple of every window; the big model no more than them.
  assert.is(calls['small-fast'], Number(m![4]));
  assert.ok(calls['sim-small']! <= calls['small-fast']!);
});

test('a sample that cannot support the targets: every tuple goes to the statement model, and it says so', async ({
  f,
}) => {
  const alone = await f.rows(sql('rare'), NO_CACHE);
  assert.is(alone.length, 6);
  await f.sim.resetStats();
  const got = await f.rows(sql('rare'), `${NO_CACHE}\n-- @ proxy: small-fast recall 0.95`);
  assert.equal(got, alone);
  assert.equal((await f.sim.stats()).byModel, { 'small-fast': 300, 'sim-small': 300 });
  assert.match(
    await lastStrategy(f),
    /; the sample cannot support the targets: the sample of 200 holds \d+ positive answers? of the statement's model, under the 30 needed to bound recall; all 300 tuples went to sim-small$/,
  );
});

test('EXPLAIN states the targets, the sample and the calls; a score cannot take targets', async ({ f }) => {
  const e = await f.engine.query(
    `-- @ proxy: small-fast recall 0.9 precision 0.8 delta 0.1\nEXPLAIN ${sql('items')}`,
  );
  const plan = String(e.rows.find((x) => x.property === 'functions')?.value);
  assert.match(
    plan,
    "proxy small-fast scores all 2000 tuples (logprobs where the provider gives them, else its own confidence); targets recall 0.9 precision 0.8 delta 0.1 against sim-small's answers (SUPG importance sampling): a sample of 200 draws (at most 200 tuples, more rounds while it holds under 49 true answers, up to 40% of tuples) goes to sim-small, then only the uncertain band: sim-small answers 200 to 2000 tuples (saves up to 1800 of 2000 calls, known once run)",
  );
  const s = await f.engine.query(
    `-- @ proxy: small-fast recall 0.9\nEXPLAIN SELECT id, body ABOUT 'eco' AS s FROM items`,
  );
  assert.match(
    String(s.rows.find((x) => x.property === 'functions')?.value),
    'no proxy: semantic_about is a score (returns DOUBLE): recall and precision targets need a filter (BOOLEAN)',
  );
  assert.equal((await f.sim.stats()).byModel, {});
});

test('bad targets are errors naming the value', async ({ f }) => {
  for (const [note, what] of [
    ['small-fast recall 1.5', "got recall '1.5'"],
    ['small-fast recall 0.9 recall 0.8', "got 'recall' in"],
    ['small-fast delta 0.1', '(no recall, precision or accuracy)'],
    ['small-fast precision 0.9 delta 0.9', "got delta '0.9'"],
  ] as const) {
    try {
      await f.engine.query(`-- @ proxy: ${note}\n${sql('items')}`);
      assert.unreachable(note);
    } catch (err) {
      assert.is((err as { code?: string }).code, 'E_BAD_ANNOTATION_VALUE');
      assert.match((err as Error).message, what);
    }
  }
  assert.equal((await f.sim.stats()).byModel, {});
});

test.run();
