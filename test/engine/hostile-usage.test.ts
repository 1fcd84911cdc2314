/**
 * A provider's usage figures are not taken on trust (src/llm/usage.ts):
 * negative, text or absurd token counts are counted from the call's text
 * instead, so `budget_tokens` stops a statement where honest figures stop it,
 * every paid call keeps its rvbbit.unified_logs row (1e18 tokens never reach
 * the INTEGER columns), and the row's `warning` says the figure was estimated.
 * The simulator sends the hostile figures (its `usageOverride` knob), over HTTP.
 */
import * as assert from 'uvu/assert';
import { engineSuite, type Fixture } from './engine-fixture.js';

const u = engineSuite('engine: usage figures within reason');
// With a context window the simulator counts tokens as OpenAI does (o200k_base), as the client's estimate does.
u.before.each(({ f }) => f.sim.setOptions({ contextWindow: 128_000 }));
u.after.each(({ f }) => f.sim.setOptions({ contextWindow: null, usageOverride: null }));

const rows = (n: number) => `SELECT range::INTEGER AS id, 'a blue phone ' || range AS text FROM range(${n})`;
const map = (n: number, parallel: number, extra = '') =>
  `RVBBIT MAP PARALLEL ${parallel} 'label' USING (${rows(n)}) WITH (cache = false${extra})`;

async function lastQueryLogs(f: Fixture) {
  const q = await f.engine.query(
    `SELECT query_id, calls::INTEGER AS calls, status FROM rvbbit.queries WHERE kind = 'map' ORDER BY started_at DESC LIMIT 1`,
  );
  const logged = await f.engine.query(
    `SELECT count(*)::INTEGER AS n, sum(tokens_in + tokens_out)::BIGINT AS tokens, max(tokens_in)::BIGINT AS max_in,
            sum(cost) AS cost, count(*) FILTER (WHERE warning LIKE '%usage estimated: prompt_tokens and completion_tokens were not a token count%')::INTEGER AS estimated
       FROM rvbbit.unified_logs WHERE query_id = $1`,
    [String(q.rows[0]!.query_id)],
  );
  return { query: q.rows[0]!, logs: logged.rows[0]! };
}

u(
  'budget_tokens: 100 stops at the same call as honest usage when the provider reports negative or text counts',
  async ({ f }) => {
    // PARALLEL 1: rows start one at a time, so where the budget stops depends on the counts alone.
    const honest = await f.engine.query(map(20, 1, ', budget_tokens = 100'));
    const honestCalls = f.sim.stats().requests;
    assert.ok(honestCalls > 1 && honestCalls < 20, `honest: ${honestCalls} calls`);
    const honestLogs = await lastQueryLogs(f);
    assert.is(honestLogs.logs.estimated, 0);
    const answered = honest.rows.filter((r) => r._error == null).length;
    for (const usageOverride of [
      { prompt_tokens: -50, completion_tokens: -10, total_tokens: -60 },
      { prompt_tokens: 'many', completion_tokens: 'a few', total_tokens: 'lots' },
      { prompt_tokens: 12.5, completion_tokens: 1e18 },
    ]) {
      f.sim.resetStats();
      f.sim.setOptions({ usageOverride });
      try {
        const r = await f.engine.query(map(20, 1, ', budget_tokens = 100'));
        const what = JSON.stringify(usageOverride);
        assert.is(f.sim.stats().requests, honestCalls, what);
        assert.is(r.rows.filter((row) => row._error == null).length, answered, what);
        const { query, logs } = await lastQueryLogs(f);
        assert.is(query.calls, honestCalls, what);
        assert.is(logs.n, honestCalls, what);
        // Counted from the text: what the simulator counted (the same encoding), flagged on every row.
        assert.is(logs.tokens, honestLogs.logs.tokens, what);
        assert.is(logs.estimated, honestCalls, what);
      } finally {
        f.sim.setOptions({ usageOverride: null });
      }
    }
  },
);

u(
  'usage of 1e18 tokens: all 20 paid calls logged, with their tokens counted from the text',
  async ({ f }) => {
    const honest = await f.engine.query(map(20, 4));
    assert.is(honest.rows.length, 20);
    const honestLogs = await lastQueryLogs(f);
    f.sim.resetStats();
    f.sim.setOptions({ usageOverride: { prompt_tokens: 1e18, completion_tokens: 1e18, total_tokens: 2e18 } });
    try {
      const r = await f.engine.query(map(20, 4));
      assert.is(r.rows.filter((row) => row._error == null).length, 20);
      assert.is(f.sim.stats().requests, 20);
      const { query, logs } = await lastQueryLogs(f);
      assert.is(query.calls, 20);
      assert.is(query.status, 'ok');
      assert.is(logs.n, 20);
      assert.is(logs.estimated, 20);
      assert.is(logs.tokens, honestLogs.logs.tokens);
      assert.ok(Number(logs.max_in) < 1_000, String(logs.max_in));
    } finally {
      f.sim.setOptions({ usageOverride: null });
    }
  },
);

u.run();
