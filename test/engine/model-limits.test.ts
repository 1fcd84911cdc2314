import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { ENGINE_CASCADES, type Fixture } from './engine-fixture.js';

// sim-small held to a 2,000-token window and 300 output tokens, as a config's llm.models would say.
const limits = suite<{ f: Fixture }>('engine: a model’s limits');

limits.before(async (ctx) => {
  // 'wordy' answers 600 tokens (the verbose quirk) under a 1,000-token cap.
  const sim = await startSimulator({
    quirks: { wordy: 'verbose' },
    verboseTokens: 600,
    maxOutputTokens: 1000,
  });
  const engine = await createEngine({
    cascadeRoots: [ENGINE_CASCADES],
    provider: {
      baseUrl: sim.url,
      model: 'sim-small',
      maxConcurrency: 100,
      backoff: { baseMs: 5, maxMs: 50 },
      models: {
        'sim-small': { contextWindow: 2000, maxOutputTokens: 300 },
        wordy: { maxOutputTokens: 1000 },
      },
    },
    threads: 2,
  });
  ctx.f = {
    engine,
    sim,
    async close() {
      await engine.close();
      await sim.close();
    },
  };
});
limits.after(async ({ f }) => f.close());
limits.before.each(({ f }) => f.sim.resetStats());

limits(
  'one over-long row among 100: 99 answers and that row’s LLM_CONTEXT_TOO_LONG, never sent',
  async ({ f }) => {
    const r = await f.engine.query(
      `RVBBIT MAP PARALLEL 8 'label' USING (
       SELECT range::INTEGER AS id,
              CASE WHEN range = 37 THEN repeat('a very long contract clause ', 600) ELSE 'Acme Widget ' || range END AS text
       FROM range(100))
     WITH (cache = false)`,
    );
    assert.equal(
      r.rows.map((row) => row.id),
      Array.from({ length: 100 }, (_, i) => i),
    );
    const failed = r.rows.filter((row) => row._error != null);
    assert.equal(
      failed.map((row) => row.id),
      [37],
    );
    assert.match(
      String(failed[0]!._error),
      /^the prompt has \d+ tokens; sim-small's context window is 2000 tokens$/,
    );
    // The call log keeps the code beside the message.
    const logged = await f.engine.query(
      `SELECT error FROM rvbbit.unified_logs WHERE status = 'error'
     AND query_id = (SELECT max_by(query_id, "timestamp") FROM rvbbit.unified_logs)`,
    );
    assert.equal(
      logged.rows.map((row) => String(row.error).replace(/\d+ tokens;/, 'N tokens;')),
      ["LLM_CONTEXT_TOO_LONG: the prompt has N tokens; sim-small's context window is 2000 tokens"],
    );
    assert.is(f.sim.stats().requests, 99);
  },
);

limits(
  'WITH (max_tokens = 100): each answer cut there is tried once more at the cap, and fits',
  async ({ f }) => {
    const r = await f.engine.query(
      `RVBBIT MAP PARALLEL 4 'label' USING (SELECT range::INTEGER AS id, 'text ' || range AS text FROM range(12))
     WITH (cache = false, model = 'wordy', max_tokens = 100)`,
    );
    assert.is(r.rows.length, 12);
    assert.ok(r.rows.every((row) => row._error === undefined || row._error === null));
    // Each row: one answer cut at 100 tokens, one more at the cap of 1,000, which holds its 600.
    const stats = f.sim.stats();
    assert.is(stats.truncated, 12);
    assert.is(stats.requests, 24);
    assert.is(stats.tokensOut, 12 * (100 + 600));
  },
);

limits('an answer longer than the cap: every row’s LLM_OUTPUT_TRUNCATED, retry counted', async ({ f }) => {
  f.sim.setOptions({ verboseTokens: 5000 });
  try {
    const r = await f.engine.query(
      `RVBBIT MAP PARALLEL 4 'label' USING (SELECT range::INTEGER AS id, 'text ' || range AS text FROM range(12))
       WITH (cache = false, model = 'wordy', max_tokens = 100)`,
    );
    assert.equal(
      r.rows.map((row) => String(row._error)),
      Array(12).fill(`wordy's answer was cut at max_tokens 1000 (1000 tokens): finish_reason "length"`),
    );
    const stats = f.sim.stats();
    assert.is(stats.truncated, 24);
    assert.is(stats.requests, 24);
  } finally {
    f.sim.setOptions({ verboseTokens: 600 });
  }
});

limits.run();
