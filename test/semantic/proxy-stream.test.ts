/**
 * Logprobs while streaming: an engine whose provider streams its answers
 * (`provider.stream: true`: `stream: true` requests, server-sent events read back by
 * src/llm/stream-reply.ts) scores its proxies by the logprobs of each chunk
 * (`choices[0].logprobs.content`, as OpenAI streams them), and so gives the same rows,
 * the same calls and the same strategy as an engine that does not stream: recall and
 * precision targets (a filter) and an accuracy target (a classification), against one
 * simulator.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine } from '../../src/index.js';
import { type SimulatorProcessHandle, startSimulatorProcess } from '../../src/sim/index.js';

const test = suite<{ sim: SimulatorProcessHandle; plain: Engine; streaming: Engine }>(
  'semantic: proxy targets with a streaming provider',
);

const TABLES = `CREATE TABLE items AS SELECT range::INTEGER AS id,
  CASE WHEN range % 5 = 0 THEN 'eco friendly bottle number ' ELSE 'plain steel part number ' END || range AS body
  FROM range(1000);
CREATE TABLE tickets AS SELECT range::INTEGER AS id,
  'ticket ' || range || ' asks about ' || CASE range % 3 WHEN 0 THEN 'billing' WHEN 1 THEN 'shipping' ELSE 'refund' END AS body
  FROM range(1000);`;

async function engine(url: string, stream: boolean): Promise<Engine> {
  const e = await createEngine({
    // Pinned unpacked (operatorBatch: 1): the proxy's calls are compared one per tuple, streamed and not;
    // unannotated statements pack since issue 67 (test/semantic/auto-packing.test.ts).
    operatorBatch: 1,
    cascadeRoots: [],
    provider: {
      baseUrl: url,
      model: 'sim-small',
      maxConcurrency: 1000,
      backoff: { baseMs: 5, maxMs: 50 },
      ...(stream ? { stream: true } : {}),
    },
    threads: 2,
    defaultParallel: 32,
  });
  await e.query(TABLES);
  return e;
}

test.before(async (ctx) => {
  ctx.sim = await startSimulatorProcess({
    costPerMillion: { in: 0.15, out: 0.6 },
    profiles: { 'small-fast': { accuracy: 0.85 } },
  });
  ctx.plain = await engine(ctx.sim.url, false);
  ctx.streaming = await engine(ctx.sim.url, true);
});
test.after(async (ctx) => {
  await ctx.plain.close();
  await ctx.streaming.close();
  await ctx.sim.close();
});

async function run(sim: SimulatorProcessHandle, e: Engine, sql: string) {
  await sim.resetStats();
  const rows = (await e.query(sql)).rows;
  const stats = await sim.stats();
  const strategy = String(
    (
      await e.query(
        `SELECT strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
      )
    ).rows[0]?.strategy,
  );
  return { rows, byModel: stats.byModel, streamed: stats.streamed, completed: stats.completed, strategy };
}

for (const [name, sql, scored] of [
  [
    'recall 0.9 precision 0.9 (SUPG)',
    `-- @ cache: false\n-- @ proxy: small-fast recall 0.9 precision 0.9\nSELECT id FROM items WHERE body MEANS 'eco friendly' ORDER BY id`,
    'semantic_means: proxy small-fast targets recall 0.9 precision 0.9 delta 0.05 (SUPG), scores from logprobs;',
  ],
  [
    'accuracy 0.9 (a classification)',
    `-- @ cache: false\n-- @ proxy: small-fast accuracy 0.9\nSELECT id, CLASSIFY(body, 'billing,shipping,refund') AS topic FROM tickets ORDER BY id`,
    'classify: proxy small-fast targets accuracy 0.9 delta 0.05 (Clopper-Pearson, fixed-sequence thresholds), scores from logprobs;',
  ],
] as const) {
  test(`${name}: streamed, the same rows, calls and strategy, scored by the streamed logprobs`, async ({
    sim,
    plain,
    streaming,
  }) => {
    const a = await run(sim, plain, sql);
    const b = await run(sim, streaming, sql);
    assert.is(a.streamed, 0);
    // Every answer of the streaming engine came as server-sent events.
    assert.is(b.streamed, b.completed);
    assert.ok(b.completed > 1000, String(b.completed));
    assert.match(b.strategy, scored);
    assert.equal(b.rows, a.rows);
    assert.equal(b.byModel, a.byModel);
    assert.is(b.strategy, a.strategy);
  });
}

test.run();
