/**
 * Runs one planned run: an engine statement (with onProgress for time to
 * first row) or a yardstick replaying the captured calls, measured.
 */
import type { Engine } from '../src/index.js';
import type { SimulatorProcessHandle } from '../src/sim/process.js';
import { type Measured, measure, type RunOutput } from './measure.js';
import type { Scenario, Strategy } from './scenarios/scenario.js';
import type { CapturedCalls } from './yardsticks/capture.js';
import { runPromisePool } from './yardsticks/promise-pool.js';
import type { RawUndici } from './yardsticks/raw-undici.js';

export interface RunnerContext {
  readonly engine: Engine;
  readonly sim: SimulatorProcessHandle;
  readonly raw: RawUndici;
  readonly seed: number;
}

/** The untimed body of one run; resolves to rows out and time to first row. */
export function runBody(
  ctx: RunnerContext,
  scenario: Scenario,
  strategy: Strategy,
  n: number,
  parallel: number,
  calls: CapturedCalls,
): () => Promise<RunOutput> {
  if (strategy === 'pool') {
    return async () => {
      const r = await runPromisePool(calls.url, calls.bodies, parallel);
      return { rowsOut: r.contents.length, firstRowMs: r.firstMs };
    };
  }
  if (strategy === 'raw') {
    return async () => {
      const r = await ctx.raw.run(calls.url, calls.bodies, parallel);
      return { rowsOut: r.contents.length, firstRowMs: r.firstMs };
    };
  }
  const sql = scenario.sql(strategy, n, parallel);
  return async () => {
    const started = performance.now();
    let first: number | null = null;
    const result = await ctx.engine.query(sql, undefined, {
      onProgress: () => {
        first ??= performance.now() - started;
      },
    });
    return { rowsOut: result.rows.length, firstRowMs: first };
  };
}

/** Times one run against the simulator (counters reset, latency re-seeded). */
export function timedRun(
  ctx: RunnerContext,
  scenario: Scenario,
  strategy: Strategy,
  n: number,
  parallel: number,
  calls: CapturedCalls,
): Promise<Measured> {
  return measure(ctx.sim, ctx.seed, runBody(ctx, scenario, strategy, n, parallel, calls));
}
