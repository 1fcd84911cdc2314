/**
 * An engine against a simulator that holds every model to a context window
 * (`contextWindow`), for the tests of operators and aggregates at the
 * model's limits (or, given `simOptions`, as those say: the openai profile
 * holds OpenAI's models to their published windows). `known`: the client is
 * told the model's window (as a config's llm.models would say); otherwise it
 * knows what it knows (the published table) or learns it from the
 * provider's first refusal.
 */
import { suite } from 'uvu';
import { createEngine, type Engine } from '../../src/index.js';
import { type SimulatorHandle, type SimulatorOptions, startSimulator } from '../../src/sim/index.js';

export interface WindowFixture {
  readonly engine: Engine;
  readonly sim: SimulatorHandle;
}

export async function startWindowFixture(
  window: number,
  known: boolean,
  tables: string,
  simOptions: SimulatorOptions = { contextWindow: window },
  model = 'sim-small',
): Promise<WindowFixture> {
  const sim = await startSimulator(simOptions);
  const engine = await createEngine({
    cascadeRoots: [],
    provider: {
      baseUrl: sim.url,
      model,
      maxConcurrency: 100,
      backoff: { baseMs: 5, maxMs: 50 },
      ...(known ? { models: { [model]: { contextWindow: window } } } : {}),
    },
    threads: 2,
  });
  await engine.query(tables);
  return { engine, sim };
}

/** A suite over one such fixture, the simulator's counters reset before each test. */
export function windowSuite(
  name: string,
  window: number,
  known: boolean,
  tables: string,
  sim?: SimulatorOptions,
  model?: string,
) {
  const test = suite<{ f: WindowFixture }>(name);
  test.before(async (ctx) => {
    ctx.f = await startWindowFixture(window, known, tables, sim, model);
  });
  test.after(async ({ f }) => {
    await f.engine.close();
    await f.sim.close();
  });
  test.before.each(({ f }) => f.sim.resetStats());
  return test;
}
