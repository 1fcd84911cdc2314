/**
 * The proxy's pay-off rule (src/statements/semantic/proxies/proxy-payoff.ts)
 * through the library, with a priced provider: a proxy as dear a call as the
 * statement's model is never asked; a mid-priced one that errs is asked about
 * its pilot only, then left out; a cheap, good one runs after its pilot. Exact
 * calls from the simulator's counters, the strategy's words, and the bound on
 * what a left-out proxy costs: its pilot, PILOT_SHARE of the tuples.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SemFixture, startSemFixture } from './semantic-fixture.js';

const test = suite<{ f: SemFixture }>('semantic: proxy pay-off');

// 2,000 distinct tuples, 20% about eco-friendly things (as proxy-targets.test.ts).
const ITEMS = `CREATE TABLE items AS SELECT range::INTEGER AS id,
  CASE WHEN range % 5 = 0 THEN 'eco friendly bottle number ' ELSE 'plain steel part number ' END || range AS body
  FROM range(2000);`;

// Dollars per million tokens: the statement's model at gpt-4o's prices, the proxies at 1, 0.5 and 0.06 of them.
const PRICES = {
  'sim-small': { in: 2.5, out: 10 },
  twin: { in: 2.5, out: 10 },
  'half-poor': { in: 1.25, out: 5 },
  'cheap-good': { in: 0.15, out: 0.6 },
};

test.before(async (ctx) => {
  ctx.f = await startSemFixture(
    {
      defaultParallel: 32,
      operatorBatch: 1,
      prices: PRICES,
    },
    {
      profiles: { twin: { accuracy: 0.9 }, 'half-poor': { accuracy: 0.6 }, 'cheap-good': { accuracy: 0.95 } },
      // The simulator reports each call's cost at the same prices (the engine logs the provider's figure).
      costPerMillion: null,
      prices: PRICES,
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

const NO_CACHE = '-- @ cache: false';
const SQL = `SELECT id FROM items WHERE body MEANS 'eco friendly' ORDER BY id`;

async function last(f: SemFixture): Promise<{ strategy: string; cost: number }> {
  const r = await f.rows(
    `SELECT strategy, cost FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
  );
  return { strategy: String(r[0]?.strategy), cost: Number(r[0]?.cost) };
}

async function explain(f: SemFixture, sql: string): Promise<Record<string, string>> {
  const r = await f.engine.query(`EXPLAIN ${sql}`);
  return Object.fromEntries(r.rows.map((x) => [String(x.property), String(x.value)]));
}

const ids = (rows: Record<string, unknown>[]) => rows.map((r) => Number(r.id));

test('a proxy as dear a call as the statement model is never asked', async ({ f }) => {
  const alone = ids(await f.rows(SQL, NO_CACHE));
  assert.is(alone.length, 400);
  await f.sim.resetStats();
  const got = ids(await f.rows(SQL, `${NO_CACHE}\n-- @ proxy: twin recall 0.9 precision 0.9`));
  assert.equal(got, alone);
  assert.equal((await f.sim.stats()).byModel, { 'sim-small': 2000 });
  const { strategy } = await last(f);
  assert.match(
    strategy,
    'semantic_means: proxy twin not used: a call of it costs 1× one of sim-small, so it cannot save (all tuples to sim-small)',
  );
  // EXPLAIN says so before any call, and counts none of the proxy's.
  const plan = await explain(f, `-- @ proxy: twin recall 0.9 precision 0.9\n${NO_CACHE}\n${SQL}`);
  assert.is(plan.est_calls, '2000');
  assert.match(plan.functions!, '; proxy twin not used: a call of it costs 1× one of sim-small');
});

test('EXPLAIN states the pilot of a cheaper proxy, and counts the proxy calls as the most the run makes', async ({
  f,
}) => {
  const plan = await explain(f, `-- @ proxy: cheap-good confidence 0.9\n${NO_CACHE}\n${SQL}`);
  assert.is(plan.est_calls, '4000');
  assert.match(
    plan.functions!,
    "; pay-off rule: a pilot of 100 tuples to both models first; past it cheap-good runs only if its price a call (0.06× sim-small's by the price table; the pilot measures it)",
  );
  assert.equal((await f.sim.stats()).byModel, {});
});

test('a mid-priced proxy that errs: asked about its pilot, then left out; it costs at most its pilot', async ({
  f,
}) => {
  const alone = ids(await f.rows(SQL, NO_CACHE));
  const aloneCost = (await last(f)).cost;
  await f.sim.resetStats();
  const got = ids(await f.rows(SQL, `${NO_CACHE}\n-- @ proxy: half-poor recall 0.9 precision 0.9`));
  assert.equal(got, alone);
  // The pilot: 5% of 2,000 tuples to both models; then the statement's model answers the other 1,900.
  assert.equal((await f.sim.stats()).byModel, { 'half-poor': 100, 'sim-small': 2000 });
  const { strategy, cost } = await last(f);
  assert.match(
    strategy,
    /semantic_means: proxy half-poor not used past its pilot of 100 tuples: [\d.]+% of tuples predicted to sim-small at ([\d.]+)× its price a call would cost [\d.]+× of sim-small alone \(the rest to sim-small\)/,
  );
  // The ratio the pilot paid: over the table's 0.5, its prompt asking its confidence too.
  const ratio = Number(/at ([\d.]+)× its price a call/.exec(strategy)![1]);
  assert.ok(ratio > 0.5 && ratio < 1, strategy);
  // The stated bound: 1 + PILOT_SHARE × that ratio (to rounding: the pilot's tuples are as long as the others).
  assert.ok(cost <= aloneCost * (1 + 0.05 * ratio) * 1.002, `${cost} against ${aloneCost} alone`);
});

test('a confidence threshold: a proxy too unsure is left out after its pilot', async ({ f }) => {
  await f.rows(SQL, `${NO_CACHE}\n-- @ proxy: half-poor confidence 0.95`);
  assert.equal((await f.sim.stats()).byModel, { 'half-poor': 100, 'sim-small': 2000 });
  const { strategy } = await last(f);
  assert.match(strategy, /semantic_means: proxy half-poor not used past its pilot of 100 tuples/);
});

test('a cheap, good proxy pays off: it runs after its pilot, and the statement model answers fewer tuples', async ({
  f,
}) => {
  const alone = new Set(ids(await f.rows(SQL, NO_CACHE)));
  const aloneCost = (await last(f)).cost;
  await f.sim.resetStats();
  const got = ids(await f.rows(SQL, `${NO_CACHE}\n-- @ proxy: cheap-good recall 0.9 precision 0.9`));
  const calls = (await f.sim.stats()).byModel;
  assert.is(calls['cheap-good'], 2000);
  assert.ok(calls['sim-small']! < 2000, JSON.stringify(calls));
  const { strategy, cost } = await last(f);
  assert.match(
    strategy,
    /; proxy cheap-good pays off by its pilot of 100 tuples \([\d.]+% of tuples predicted to sim-small;/,
  );
  assert.ok(cost < aloneCost, `${cost} against ${aloneCost} alone`);
  const kept = got.filter((id) => alone.has(id)).length;
  assert.ok(kept / alone.size >= 0.9 && kept / got.length >= 0.9, `${kept} of ${got.length}, ${alone.size}`);
});

test.run();
