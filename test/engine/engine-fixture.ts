/**
 * A real engine against a real simulator on loopback, with the engine test
 * cascades as its only root. Tests read the simulator's counters for exact
 * call counts and concurrency.
 */
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import { createEngine, type Engine, type EngineOptions } from '../../src/index.js';
import type { BreakerOptions } from '../../src/llm/breaker.js';
import { type SimulatorHandle, type SimulatorOptions, startSimulator } from '../../src/sim/index.js';

export const ENGINE_CASCADES = fileURLToPath(new URL('../fixtures/cascades/engine/', import.meta.url));

export interface Fixture {
  readonly engine: Engine;
  readonly sim: SimulatorHandle;
  close(): Promise<void>;
}

/** Provider settings a suite adds to the fixture's own (its simulator's URL, model, concurrency and short backoff). */
export interface FixtureProvider {
  readonly breaker?: BreakerOptions;
}

export async function startFixture(
  sim: SimulatorOptions = {},
  engine: EngineOptions = {},
  provider: FixtureProvider = {},
): Promise<Fixture> {
  const simulator = await startSimulator({ costPerMillion: { in: 0.15, out: 0.6 }, ...sim });
  const e = await createEngine({
    cascadeRoots: [ENGINE_CASCADES],
    // Short backoff keeps fault tests fast; Retry-After is still honoured.
    provider: {
      baseUrl: simulator.url,
      model: 'sim-small',
      maxConcurrency: 1000,
      backoff: { baseMs: 5, maxMs: 50 },
      ...provider,
    },
    threads: 2,
    ...engine,
  });
  return {
    engine: e,
    sim: simulator,
    async close() {
      await e.close();
      await simulator.close();
    },
  };
}

/** `n` rows of (id, product_name), ids 0..n-1, names repeating every `distinct` rows. */
export function productsSql(n: number, distinct = n): string {
  return `SELECT range::INTEGER AS id, 'Acme Widget ' || (range % ${distinct}) AS product_name FROM range(${n})`;
}

/**
 * A uvu suite with one fixture for all its tests: started before, closed
 * after, and before each test the simulator's counters reset and its options
 * back to answering at once, without errors or rate limits.
 */
export function engineSuite(name: string, engine: EngineOptions = {}, provider: FixtureProvider = {}) {
  const s = suite<{ f: Fixture }>(name);
  s.before(async (ctx) => {
    ctx.f = await startFixture({}, engine, provider);
  });
  s.after(async (ctx) => {
    await ctx.f.close();
  });
  s.before.each((ctx) => {
    ctx.f.sim.resetStats();
    ctx.f.sim.setOptions({ latencyMs: 0, latency: null, errorRate: 0, rateLimit: null, gate: null });
  });
  return s;
}

/** Four products (electronics, outdoor, kitchen) the statement tests query. */
export const PRODUCTS_TABLE = `CREATE TABLE products AS SELECT * FROM (VALUES
  (1, 'Apple iPhone 15', 'electronics', 999.0), (2, 'Sony WH-1000XM5', 'electronics', 349.0),
  (3, 'YETI Rambler', 'outdoor', 35.0), (4, 'OXO Salad Spinner', 'kitchen', 29.99)) t(id, product_name, category, price)`;

/** An engineSuite whose engine has the `products` table. */
export function productsSuite(name: string) {
  const s = engineSuite(name);
  s.before(async (ctx) => {
    await ctx.f.engine.query(PRODUCTS_TABLE);
  });
  return s;
}

export interface CodedError {
  readonly code: string;
  readonly message: string;
  readonly detail: Record<string, unknown>;
}

/** The error `p` rejects with (it must reject). */
export async function codeOf(p: Promise<unknown>): Promise<CodedError> {
  try {
    await p;
  } catch (err) {
    return err as CodedError;
  }
  throw new Error('expected an error');
}
