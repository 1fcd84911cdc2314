/**
 * The parts of a scale-out test, all real: a `redis-server` of its own, the
 * simulator on loopback (in this process: workers reach it over HTTP), `rvbbit
 * worker` child processes run from source, and engines made with and without
 * the queue against the same simulator.
 */
import { fileURLToPath } from 'node:url';
import { createEngine, type Engine, type EngineOptions } from '../../src/index.js';
import type { QueueOptions } from '../../src/scale/queue-options.js';
import { type SimulatorHandle, type SimulatorOptions, startSimulator } from '../../src/sim/index.js';
import { type Running, start, waitFor } from '../cli/helpers.js';
import { type RedisHandle, startRedis } from './redis-server.js';

export const ENGINE_CASCADES = fileURLToPath(new URL('../fixtures/cascades/engine/', import.meta.url));

/** No provider key of the test machine reaches a worker. */
const NO_KEYS = { RVBBIT_API_KEY: '', OPENAI_API_KEY: '', OPENROUTER_API_KEY: '', RVBBIT_CONFIG: '' };

export interface ScaleFixture {
  readonly redis: RedisHandle;
  readonly sim: SimulatorHandle;
  readonly workers: Running[];
  /** An engine whose chunks go to the queue. */
  coordinator(options?: Partial<QueueOptions>, engine?: EngineOptions): Promise<Engine>;
  /** An engine that runs everything itself, for comparison. */
  local(engine?: EngineOptions): Promise<Engine>;
  close(): Promise<void>;
}

/** Starts `rvbbit worker` on `redis` and resolves once it takes jobs (or rejects with its stderr). */
export async function startWorker(
  redis: string,
  args: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<Running> {
  const w = start(['worker', '--redis', redis, ...args], { env: { ...NO_KEYS, ...env } });
  await Promise.race([
    waitFor(w.out, /taking jobs/, 30_000),
    w.done.then((r) => {
      throw new Error(`worker exited ${r.code}: ${r.err}`);
    }),
  ]);
  return w;
}

/** Runs `rvbbit worker` expecting it to fail; resolves with its exit code and stderr. */
export async function failingWorker(redis: string, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  return start(['worker', '--redis', redis, ...args], { env: { ...NO_KEYS, ...env } }).done;
}

export async function startScale(
  workers: number,
  sim: SimulatorOptions = {},
  workerArgs: readonly string[] = [],
): Promise<ScaleFixture> {
  const redis = await startRedis();
  const simulator = await startSimulator(sim);
  const running = await Promise.all(
    Array.from({ length: workers }, () =>
      startWorker(redis.url, ['--max-concurrency', '1000', '--threads', '1', ...workerArgs], {
        RVBBIT_BASE_URL: simulator.url,
      }),
    ),
  );
  const engines: Engine[] = [];
  const make = async (o: EngineOptions) => {
    const e = await createEngine({
      cascadeRoots: [ENGINE_CASCADES],
      provider: { baseUrl: simulator.url, maxConcurrency: 1000 },
      threads: 1,
      ...o,
    });
    engines.push(e);
    return e;
  };
  return {
    redis,
    sim: simulator,
    workers: running,
    coordinator: (options = {}, engine = {}) =>
      make({
        ...engine,
        queue: { redis: redis.url, noWorkerTimeoutMs: 5_000, redisDownMs: 1_000, ...options },
      }),
    local: (engine = {}) => make(engine),
    async close() {
      await Promise.allSettled(engines.map((e) => e.close()));
      for (const w of running) if (w.child.exitCode === null) w.child.kill('SIGKILL');
      await Promise.allSettled(running.map((w) => w.done));
      await simulator.close();
      await redis.stop('SIGKILL');
    },
  };
}
