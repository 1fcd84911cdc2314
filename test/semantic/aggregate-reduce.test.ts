/**
 * LLM aggregates over groups longer than the model's window reduce
 * hierarchically: no call over the window reaches the provider, the answer
 * is the same on every run, and each part is cached on its own.
 */
import * as assert from 'uvu/assert';
import { windowSuite } from './window-fixture.js';

const WINDOW = 16_000;

// 20,000 reviews in group 'big' (about 200k tokens), two small groups.
const TABLES = `CREATE TABLE reviews AS
    SELECT CASE WHEN range < 20000 THEN 'big' WHEN range < 20010 THEN 'small' ELSE 'tiny' END AS grp,
           'review ' || range || ': the battery ' || CASE range % 3 WHEN 0 THEN 'lasts all day' WHEN 1 THEN 'died fast' ELSE 'is fine' END AS t
    FROM range(20013)`;

const known = windowSuite('aggregates reduce to the window (window known)', WINDOW, true, TABLES);

known(
  'a 20,000-row LLM_SUMMARIZE under a 16k window: summaries of parts, then of summaries; no call over the window',
  async ({ f }) => {
    const sql = `SELECT grp, LLM_SUMMARIZE(t) AS s FROM reviews GROUP BY grp ORDER BY grp`;
    // EXPLAIN says the levels before any call: the run makes exactly its calls.
    const explained = await f.engine.query(`EXPLAIN ${sql}`);
    const value = (key: string) => String(explained.rows.find((row) => row.property === key)?.value);
    assert.is(
      value('functions'),
      "llm_summarize: 3 distinct tuples, 0 cached, 19 calls; pairwise: one call per distinct tuple; reduced: 1 group over sim-small's 16000-token window in 2 levels (16 + 1 calls)",
    );
    assert.is(value('est_calls'), '19');
    assert.is(f.sim.stats().requests, 0);
    const r = await f.engine.query(sql);
    assert.equal(
      r.rows.map((row) => row.grp),
      ['big', 'small', 'tiny'],
    );
    for (const row of r.rows) assert.type(row.s, 'string');
    const stats = f.sim.stats();
    assert.is(stats.contextRejected, 0);
    assert.ok(stats.maxPromptTokens <= WINDOW, String(stats.maxPromptTokens));
    // The big group's ~200k tokens in parts of under 16k, then one call over their summaries; the small ones whole.
    // The two small groups whole; the big one in 16 parts, then one call over their 16 summaries.
    assert.is(stats.requests, 2 + 16 + 1);
    // The same statement again: every part and level from the cache, the same answers.
    f.sim.resetStats();
    const again = await f.engine.query(sql);
    assert.equal(again.rows, r.rows);
    assert.is(f.sim.stats().requests, 0);
  },
);

known.run();

const learned = windowSuite(
  'aggregates reduce to the window (window learned from the provider)',
  WINDOW,
  false,
  TABLES,
);

learned(
  'the first refusal teaches the window; the group is then reduced as if it had been known',
  async ({ f }) => {
    const r = await f.engine.query(`SELECT LLM_SUMMARIZE(t) AS s FROM reviews WHERE grp = 'big'`);
    assert.type(r.rows[0]!.s, 'string');
    const stats = f.sim.stats();
    // Only the group's first ask went over the window: the worker's client learned it from that 400.
    assert.is(stats.contextRejected, 1);
    assert.ok(stats.maxPromptTokens > WINDOW);
  },
);

learned.run();

// The case on the openai profile: gpt-4o-mini's published 128,000-token window, which the
// client knows from the same table, over one group of 60,000 reviews (over 900,000 tokens).
const openai = windowSuite(
  'aggregates reduce to the window (openai profile, gpt-4o-mini)',
  128_000,
  false,
  `CREATE TABLE reviews AS SELECT 'review ' || range || ': the battery ' ||
     CASE range % 3 WHEN 0 THEN 'lasts all day, I charge it every other night' WHEN 1 THEN 'died fast after the update' ELSE 'is fine for a week of walks' END AS t
   FROM range(60000)`,
  { profile: 'openai' },
  'gpt-4o-mini',
);

openai(
  '60,000 rows under gpt-4o-mini: EXPLAIN’s levels, then exactly those calls, none refused',
  async ({ f }) => {
    const sql = `SELECT LLM_SUMMARIZE(t) AS s FROM reviews`;
    const explained = await f.engine.query(`EXPLAIN ${sql}`);
    const line = String(explained.rows.find((row) => row.property === 'functions')?.value);
    // 919,766 prompt tokens in 8 parts of at most 119,104, then one call over their 8 summaries.
    assert.match(line, "; reduced: 1 group over gpt-4o-mini's 128000-token window in 2 levels (8 + 1 calls)");
    const r = await f.engine.query(sql);
    assert.type(r.rows[0]!.s, 'string');
    const stats = f.sim.stats();
    assert.is(stats.contextRejected, 0);
    assert.ok(stats.maxPromptTokens <= 128_000, String(stats.maxPromptTokens));
    assert.ok(stats.tokensIn > 7 * 128_000, String(stats.tokensIn));
    assert.is(stats.requests, 8 + 1);
  },
);

openai.run();
