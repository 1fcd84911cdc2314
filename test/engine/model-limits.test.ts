import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { ENGINE_CASCADES, type Fixture } from './engine-fixture.js';

// sim-small held to a 2,000-token window and 300 output tokens, as a config's llm.models would say.
const limits = suite<{ f: Fixture }>('engine: a model’s limits');

limits.before(async (ctx) => {
  const sim = await startSimulator({});
  const engine = await createEngine({
    cascadeRoots: [ENGINE_CASCADES],
    provider: {
      baseUrl: sim.url,
      model: 'sim-small',
      maxConcurrency: 100,
      backoff: { baseMs: 5, maxMs: 50 },
      models: { 'sim-small': { contextWindow: 2000, maxOutputTokens: 300 } },
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

limits.run();
