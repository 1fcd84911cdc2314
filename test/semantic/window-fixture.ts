/**
 * An engine against a simulator that holds every model to a context window
 * (`contextWindow`), for the tests of operators and aggregates at the
 * model's limits. `known`: the client is told sim-small's window (as a
 * config's llm.models would say); otherwise it learns it from the provider's
 * first refusal.
 */
import { suite } from 'uvu';
import { createEngine, type Engine } from '../../src/index.js';
import { type SimulatorHandle, startSimulator } from '../../src/sim/index.js';

export interface WindowFixture {
  readonly engine: Engine;
  readonly sim: SimulatorHandle;
}

export async function startWindowFixture(
  window: number,
  known: boolean,
  tables: string,
): Promise<WindowFixture> {
  const sim = await startSimulator({ contextWindow: window });
  const engine = await createEngine({
    cascadeRoots: [],
    provider: {
      baseUrl: sim.url,
      model: 'sim-small',
      maxConcurrency: 100,
      backoff: { baseMs: 5, maxMs: 50 },
      ...(known ? { models: { 'sim-small': { contextWindow: window } } } : {}),
    },
    threads: 2,
  });
  await engine.query(tables);
  return { engine, sim };
}

/** A suite over one such fixture, the simulator's counters reset before each test. */
export function windowSuite(name: string, window: number, known: boolean, tables: string) {
  const test = suite<{ f: WindowFixture }>(name);
  test.before(async (ctx) => {
    ctx.f = await startWindowFixture(window, known, tables);
  });
  test.after(async ({ f }) => {
    await f.engine.close();
    await f.sim.close();
  });
  test.before.each(({ f }) => f.sim.resetStats());
  return test;
}
