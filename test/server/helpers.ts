/**
 * A server on port 0 in front of a real engine and a real simulator, with the
 * example cascades and the example products table; node-postgres clients.
 */
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createEngine, type Engine } from '../../src/index.js';
import type { PriceTable } from '../../src/llm/pricing.js';
import { type ServerHandle, type ServerOptions, startServer } from '../../src/server/index.js';
import { type SimulatorHandle, type SimulatorOptions, startSimulator } from '../../src/sim/index.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const EXAMPLE_CASCADES = `${ROOT}examples/cascades`;
export const PRODUCTS_CSV = `${ROOT}examples/data/products.csv`;

export interface ServerFixture {
  readonly engine: Engine;
  readonly sim: SimulatorHandle;
  readonly server: ServerHandle;
  readonly port: number;
  readonly log: string[];
  client(extra?: Partial<pg.ClientConfig>): Promise<pg.Client>;
  close(): Promise<void>;
}

export async function startServerFixture(
  options: Partial<Omit<ServerOptions, 'engine'>> = {},
  sim: SimulatorOptions = {},
  /** The provider's price table (none by default: every model unpriced). */
  prices?: PriceTable,
): Promise<ServerFixture> {
  const simulator = await startSimulator({ costPerMillion: { in: 0.15, out: 0.6 }, ...sim });
  const engine = await createEngine({
    cascadeRoots: [EXAMPLE_CASCADES],
    provider: {
      baseUrl: simulator.url,
      model: 'sim-small',
      maxConcurrency: 1000,
      ...(prices ? { prices } : {}),
    },
    threads: 2,
  });
  await engine.query(`CREATE TABLE products AS SELECT * FROM read_csv('${PRODUCTS_CSV}')`);
  const log: string[] = [];
  const server = await startServer({ engine, port: 0, log: (line) => log.push(line), ...options });
  const clients: pg.Client[] = [];
  return {
    engine,
    sim: simulator,
    server,
    port: server.port,
    log,
    async client(extra = {}) {
      const c = new pg.Client({
        host: '127.0.0.1',
        port: server.port,
        user: 'tester',
        database: 'rvbbit',
        ...extra,
      });
      c.on('error', () => undefined);
      await c.connect();
      clients.push(c);
      return c;
    },
    async close() {
      await Promise.allSettled(clients.map((c) => c.end()));
      await server.close();
      await engine.close();
      await simulator.close();
    },
  };
}

/** The error a promise rejects with (fails if it resolves). */
export async function rejection<T = Error & Record<string, string>>(p: Promise<unknown>): Promise<T> {
  try {
    await p;
  } catch (err) {
    return err as T;
  }
  throw new Error('expected a rejection');
}
