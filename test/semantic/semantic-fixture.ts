/**
 * A real engine against the simulator in a child process, whose request
 * counters the tests read (the engine's own default simulator runs on a
 * thread of its own; test/cli/default-path.test.ts covers that path). Tables
 * are small and fixed, so every answer (word overlap in the simulator) is
 * known and repeatable.
 */
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import { createEngine, type Engine, type EngineOptions } from '../../src/index.js';
import type { PriceTable } from '../../src/llm/pricing.js';
import {
  type SimulatorOptions,
  type SimulatorProcessHandle,
  startSimulatorProcess,
} from '../../src/sim/index.js';

export const EXTRA_CASCADES = fileURLToPath(new URL('../fixtures/cascades/semantic-extra/', import.meta.url));
export const BROKEN_TEMPLATE_CASCADES = fileURLToPath(
  new URL('../fixtures/cascades/semantic-broken-template/', import.meta.url),
);
export const COLLIDE_CASCADES = fileURLToPath(
  new URL('../fixtures/cascades/semantic-collide/', import.meta.url),
);

/** 300 short movie reviews written for the tests (id, movie, reviewer, stars, review); the docs' examples use it too. */
export const REVIEWS_CSV = fileURLToPath(new URL('../../examples/data/reviews.csv', import.meta.url));

export const STRATEGIES = ['batch', 'sequential', 'vectorized', 'union_all'] as const;

export interface SemFixture {
  readonly engine: Engine;
  readonly sim: SimulatorProcessHandle;
  /** Runs `sql` (annotations prepended) and returns its rows. */
  rows(sql: string, annotations?: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Requests the simulator received since the last reset. */
  requests(): Promise<number>;
  close(): Promise<void>;
}

export const TABLES = `
CREATE TABLE docs AS SELECT * FROM (VALUES
  (1, 'Eco bottle', 'recycled eco friendly water bottle made from plastic waste', 'home', 5),
  (2, 'Trail running shoe', 'light running shoe with a durable grip for trail runs', 'sport', 4),
  (3, 'Phone battery pack', 'battery pack that charges a phone twice, the battery is not good in cold', 'tech', 2),
  (4, 'Bamboo toothbrush', 'eco friendly bamboo toothbrush with compostable bristles', 'home', 5),
  (5, 'Kitchen knife', 'sharp steel kitchen knife that stays durable for years', 'home', 4),
  (6, 'Solar charger', 'solar panel charger for a phone battery, eco friendly energy', 'tech', 3),
  (7, 'Road running shoe', 'cushioned running shoe for road races', 'sport', 5),
  (8, 'Broken headphones', 'terrible headphones, the sound is bad and they broke', 'tech', 1),
  (9, 'Mystery box', NULL, 'other', NULL),
  (10, 'Glass bottle', 'reusable glass water bottle, eco and durable', 'home', 4),
  (11, 'Yoga mat', 'natural rubber yoga mat, eco friendly and durable grip', 'sport', 5),
  (12, 'USB cable', 'durable usb cable that charges a phone fast', 'tech', 4)
) v(id, title, body, category, rating);
CREATE TABLE cats AS SELECT * FROM (VALUES ('eco bottle'), ('running shoe'), ('phone battery'), ('kitchen knife'), ('yoga mat')) v(label);
CREATE TABLE empty_docs AS SELECT * FROM docs WHERE false;
CREATE TABLE reviews AS SELECT * FROM read_csv('${REVIEWS_CSV}');
`;

export async function startSemFixture(
  /** `prices`: the provider's price table (none by default: every model unpriced). */
  engine: EngineOptions & { readonly prices?: PriceTable } = {},
  sim: SimulatorOptions = {},
  tables = TABLES,
): Promise<SemFixture> {
  const simulator = await startSimulatorProcess({ costPerMillion: { in: 0.15, out: 0.6 }, ...sim });
  const { prices, ...options } = engine;
  const e = await createEngine({
    cascadeRoots: [],
    provider: {
      baseUrl: simulator.url,
      model: 'sim-small',
      maxConcurrency: 1000,
      backoff: { baseMs: 5, maxMs: 50 },
      ...(prices ? { prices } : {}),
    },
    threads: 2,
    ...options,
  });
  await e.query(tables);
  return {
    engine: e,
    sim: simulator,
    async rows(sql, annotations = '', params) {
      const r = await e.query(`${annotations}\n${sql}`, params);
      return r.rows as Record<string, unknown>[];
    },
    async requests() {
      return (await simulator.stats()).requests;
    },
    async close() {
      await e.close();
      await simulator.close();
    },
  };
}

/** Rows as comparable text (bigint-safe), sorted when the query has no ORDER BY. */
export function canon(rows: readonly Record<string, unknown>[], sorted: boolean): string[] {
  const text = rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)));
  return sorted ? text.sort() : text;
}

/**
 * A suite over one fixture: started before its tests, closed after them, the
 * simulator's counters reset before each test (which asserts them).
 */
export function semSuite(
  name: string,
  engine: EngineOptions = {},
  sim: SimulatorOptions = {},
  tables = TABLES,
) {
  const test = suite<{ f: SemFixture }>(name);
  test.before(async (ctx) => {
    ctx.f = await startSemFixture(engine, sim, tables);
  });
  test.after(async (ctx) => {
    await ctx.f.close();
  });
  test.before.each(async ({ f }) => {
    await f.sim.resetStats();
  });
  return test;
}

/** Rows as JSON values (BIGINT as a number), for deep equality with literals; the caller names their shape. */
export function jsonRows<Row = Record<string, unknown>>(rows: readonly Record<string, unknown>[]): Row[] {
  return JSON.parse(JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))) as Row[];
}
