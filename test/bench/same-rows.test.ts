import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ensureTables } from '../../bench/data.js';
import { SCENARIOS } from '../../bench/scenarios/index.js';
import { mapScenario } from '../../bench/scenarios/map.js';
import { probeOperators } from '../../bench/scenarios/operator.js';
import { CASCADE_ROOTS } from '../../bench/suite.js';
import { type Capturer, startCapturer } from '../../bench/yardsticks/capture.js';
import { runPromisePool } from '../../bench/yardsticks/promise-pool.js';
import { RawUndici } from '../../bench/yardsticks/raw-undici.js';
import { createEngine, type Engine } from '../../src/index.js';
import { type SimulatorProcessHandle, startSimulatorProcess } from '../../src/sim/index.js';

const N = 24;
const same = suite<{ sim: SimulatorProcessHandle; engine: Engine; capturer: Capturer }>(
  'bench: every strategy returns the same rows',
);

same.before(async (ctx) => {
  // In its own process: sequential and vectorized block this thread while a row's call runs.
  ctx.sim = await startSimulatorProcess({ latencyMs: 0, seed: 42 });
  ctx.engine = await createEngine({
    cascadeRoots: CASCADE_ROOTS,
    provider: { baseUrl: ctx.sim.url, model: 'sim-small', maxConcurrency: 1000 },
    threads: 2,
    cache: true,
  });
  ctx.capturer = await startCapturer(ctx.sim.url, CASCADE_ROOTS);
  await ensureTables(ctx.engine, N);
  await ensureTables(ctx.capturer.engine, N);
});
same.after(async (ctx) => {
  await ctx.capturer.close();
  await ctx.engine.close();
  await ctx.sim.close();
});

same(
  'MAP: the promise pool and raw undici, replaying the captured calls, read the answers batch returns',
  async (ctx) => {
    const calls = await ctx.capturer.capture(mapScenario.sql('batch', N, 8));
    assert.is(calls.bodies.length, N);
    const result = await ctx.engine.query(mapScenario.sql('batch', N, 8));
    const labelOf = new Map(result.rows.map((r) => [String(r.text), r.label]));
    assert.ok([...labelOf.values()].every((v) => typeof v === 'string' && v.length > 0));
    // Calls arrive in any order: each body names its row by the row's text.
    const expected = calls.bodies.map((body) => {
      const text = [...labelOf.keys()].find((t) => body.includes(JSON.stringify(t).slice(1, -1)));
      assert.ok(text !== undefined, 'every captured call belongs to a row');
      return labelOf.get(text!);
    });
    assert.is(new Set(expected).size > 1, true);
    const pool = await runPromisePool(calls.url, calls.bodies, 8);
    assert.equal(pool.contents.map(mapScenario.extract), expected);
    const raw = new RawUndici();
    try {
      const r = await raw.run(calls.url, calls.bodies, 8);
      assert.equal(r.contents.map(mapScenario.extract), expected);
    } finally {
      await raw.close();
    }
  },
);

same('MAP: DISTINCT and the warm cache give the same labels as a cold run', async (ctx) => {
  const cold = await ctx.engine.query(mapScenario.sql('batch', N, 8));
  await mapScenario.warm!(ctx.engine, N);
  const warm = await ctx.engine.query(mapScenario.sql('batch_warm', N, 8));
  assert.equal(warm.rows, cold.rows);
  const distinct = await ctx.engine.query(mapScenario.sql('batch_distinct', N, 8));
  assert.is(distinct.rows.length, mapScenario.calls('batch_distinct', N));
});

same('operators: sequential, union_all, vectorized and batch return the same rows', async (ctx) => {
  // The engine ships the operators: the suite's availability probe must say so.
  assert.is(await probeOperators(ctx.engine), null);
  for (const s of SCENARIOS.filter((x) => x.workload !== 'map')) {
    const expected = (await ctx.engine.query(s.sql('batch', N, 8))).rows;
    assert.ok(expected.length > 0, `${s.name}: batch returned rows`);
    for (const strategy of s.strategies.filter((x) => x !== 'batch')) {
      const got = (await ctx.engine.query(s.sql(strategy, N, 8))).rows;
      assert.equal(got, expected, `${s.name}: ${strategy} = batch`);
    }
  }
});

same.run();
