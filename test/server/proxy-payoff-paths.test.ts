/**
 * The proxy's pay-off rule (src/statements/semantic/proxies/proxy-payoff.ts) through
 * psql and `rvbbit serve`'s server, with a priced provider, against the library on the
 * same engine: a proxy as dear a call as the statement's model is never asked; a
 * mid-priced one that errs is asked about its pilot only; a cheap, good one runs after
 * its pilot. Each psql run gives the library's rows, exactly its calls per model, and
 * the same words in rvbbit.queries. Cache off, one tuple a call, so every call shows.
 * (The installed package's run: test/package/package.test.ts, consumer/payoff.mjs.)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requires } from '../requires.js';
import { type ServerFixture, startServerFixture } from './helpers.js';
import { psql } from './py-client.js';

const psqlTest = requires(test, 'psql');

// Dollars per million tokens: the statement's model at gpt-4o's prices, the proxies at 1, 0.5 and 0.06 of them.
const PRICES = {
  'sim-small': { in: 2.5, out: 10 },
  twin: { in: 2.5, out: 10 },
  'half-poor': { in: 1.25, out: 5 },
  'cheap-good': { in: 0.15, out: 0.6 },
};
const PROFILES = {
  twin: { accuracy: 0.9 },
  'half-poor': { accuracy: 0.6 },
  'cheap-good': { accuracy: 0.95 },
};

// 600 distinct texts written inline, 20% about eco-friendly things.
const ITEMS = `(SELECT range::INTEGER AS id, CASE WHEN range % 5 = 0 THEN 'eco friendly bottle number ' ELSE 'plain steel part number ' END || range AS body FROM range(600)) t`;
const statement = (proxy: string) =>
  `-- @ cache: false\n-- @ batch: 1\n-- @ proxy: ${proxy} recall 0.9 precision 0.9\nSELECT id FROM ${ITEMS} WHERE body MEANS 'eco friendly' ORDER BY id`;
const PROXIES = ['twin', 'half-poor', 'cheap-good'] as const;
type Proxy = (typeof PROXIES)[number];
const LAST_STRATEGY = `SELECT strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`;

interface Run {
  readonly rows: string[];
  readonly byModel: Record<string, number>;
  readonly strategy: string;
}

let f: ServerFixture;
const library = {} as Record<Proxy, Run>;

test.before(async () => {
  f = await startServerFixture({}, { profiles: PROFILES, costPerMillion: null, prices: PRICES }, PRICES);
  for (const proxy of PROXIES) {
    f.sim.resetStats();
    const rows = (await f.engine.query(statement(proxy))).rows.map((r) => String(r.id));
    const byModel = { ...f.sim.stats().byModel };
    const strategy = String((await f.engine.query(LAST_STRATEGY)).rows[0]?.strategy);
    library[proxy] = { rows, byModel, strategy };
  }
});
test.after(async () => {
  await f.close();
});

test('the library: twin is never asked, half-poor only about its pilot, cheap-good runs past its pilot', () => {
  assert.equal(library.twin.byModel, { 'sim-small': 600 });
  assert.match(
    library.twin.strategy,
    'proxy twin not used: a call of it costs 1× one of sim-small, so it cannot save',
  );
  // The pilot: PILOT_MIN (40) tuples to both models (5% of 600 is fewer), then the statement's model answers the other 560.
  assert.equal(library['half-poor'].byModel, { 'half-poor': 40, 'sim-small': 600 });
  assert.match(library['half-poor'].strategy, 'proxy half-poor not used past its pilot of 40 tuples');
  assert.is(library['cheap-good'].byModel['cheap-good'], 600);
  assert.ok(library['cheap-good'].byModel['sim-small']! < 600, JSON.stringify(library['cheap-good'].byModel));
  assert.match(library['cheap-good'].strategy, 'proxy cheap-good pays off by its pilot of 40 tuples');
  // The left-out proxies change no answer.
  assert.equal(library['half-poor'].rows, library.twin.rows);
  assert.is(library.twin.rows.length, 120);
});

for (const proxy of PROXIES) {
  psqlTest(
    `psql through the server, proxy ${proxy}: the library's rows, calls per model and strategy`,
    async () => {
      f.sim.resetStats();
      const r = await psql(f.port, ['-A', '-t', '-c', statement(proxy), '-c', LAST_STRATEGY]);
      assert.is(r.code, 0, r.err);
      const lines = r.out.trim().split('\n');
      assert.equal(lines.slice(0, -1), library[proxy].rows);
      assert.is(lines.at(-1), library[proxy].strategy);
      assert.equal(f.sim.stats().byModel, library[proxy].byModel);
    },
  );
}

test.run();
