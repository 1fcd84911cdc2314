/**
 * Workers that are missing or cannot start, and one that stops: with no
 * worker alive the statement says it is waiting, then fails after its
 * deadline; a worker started with a bad cache folder or no provider exits
 * and its error reaches the coordinator's statement error; SIGTERM lets a
 * worker finish the jobs it holds (the MAP completes, every row once).
 */
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, RvbbitError } from '../../src/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { requires } from '../requires.js';
import { type MainThreadClocks, mainThreadClocks, ownWallMs } from '../server/turn-clock.mjs';
import { startRedis } from './redis-server.js';
import { ENGINE_CASCADES, failingWorker, startWorker } from './scale-fixture.js';

const mapSql = (n: number, parallel: number) =>
  `RVBBIT MAP PARALLEL ${parallel} 'label' USING (SELECT i AS id, 'w ' || i AS text FROM range(${n}) t(i) ORDER BY i) WITH (cache = false, limit = 0)`;

const t = requires(suite('scale: workers missing, broken, stopping'), 'redis-server');

t(
  'no worker, one with a bad cascade folder, one with no provider: a notice, then QUEUE_NO_WORKER naming both errors',
  async () => {
    const redis = await startRedis();
    try {
      const [badRoot, noProvider] = await Promise.all([
        failingWorker(redis.url, ['--cache-dir', '/nonexistent/rvbbit-cascades'], {
          RVBBIT_BASE_URL: 'http://127.0.0.1:9/v1',
        }),
        failingWorker(redis.url, [], { RVBBIT_BASE_URL: '' }),
      ]);
      assert.is(badRoot.code, 2);
      assert.match(badRoot.err, /--cache-dir \/nonexistent\/rvbbit-cascades: no such folder/);
      assert.is(noProvider.code, 2);
      assert.match(noProvider.err, /no LLM provider configured for this worker/);
      const notices: string[] = [];
      const engine = await createEngine({
        cascadeRoots: [ENGINE_CASCADES],
        provider: 'simulator',
        queue: { redis: redis.url, noWorkerTimeoutMs: 1_500, onNotice: (m) => notices.push(m) },
      });
      const t0 = Date.now();
      const own: string[] = [];
      // The wait is timed from the notice that it began: the statement's first model work starts
      // the built-in simulator before it (engine start no longer does), which is not the queue's wait.
      let waitingSince: MainThreadClocks | undefined;
      const err = await engine
        .query(mapSql(10, 5), undefined, {
          onNotice: (m) => {
            waitingSince ??= mainThreadClocks();
            own.push(m);
          },
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      const took = Date.now() - t0;
      // The engine's deadline, on this thread: by its own clock (less its waits for a core).
      const waited = waitingSince === undefined ? Number.NaN : ownWallMs(waitingSince, mainThreadClocks());
      await engine.close();
      assert.ok(err instanceof RvbbitError, String(err));
      assert.is((err as RvbbitError).code, 'QUEUE_NO_WORKER');
      const message = (err as RvbbitError).message;
      assert.match(
        message,
        /no rvbbit worker took this statement's chunks from redis:\/\/127\.0\.0\.1:\d+ in 1\.5 s/,
      );
      assert.match(message, /--cache-dir \/nonexistent\/rvbbit-cascades: no such folder/);
      assert.match(message, /no LLM provider configured for this worker/);
      // The notice goes to the statement's own callback (a server client's NOTICE), not the engine's.
      assert.equal(notices, []);
      assert.is(own.length, 1);
      assert.match(own[0]!, /waiting for an rvbbit worker on redis:\/\/127\.0\.0\.1:\d+ \(none is alive\)/);
      assert.ok(took >= 1_500 && waited < 4_000, `failed after ${took} ms, ${waited} ms after the notice`);
    } finally {
      await redis.stop();
    }
  },
);

t(
  'SIGTERM mid-MAP: the worker finishes the jobs it holds and exits 0; the MAP completes on the other',
  async () => {
    const redis = await startRedis();
    const sim = await startSimulator({ latencyMs: 40 });
    const env = { RVBBIT_BASE_URL: sim.url };
    const args = ['--max-concurrency', '1000', '--threads', '1'];
    // Worker 0 keeps the cascades jobs carry in a private folder inside this one, removed when it stops.
    const cacheParent = mkdtempSync(join(tmpdir(), 'rvbbit-cache-parent-'));
    const workers = await Promise.all([
      startWorker(redis.url, [...args, '--cache-dir', cacheParent], env),
      startWorker(redis.url, args, env),
    ]);
    const engine = await createEngine({
      cascadeRoots: [ENGINE_CASCADES],
      provider: { baseUrl: sim.url },
      queue: { redis: redis.url },
    });
    try {
      const running = engine.query(mapSql(400, 20));
      while (sim.stats().requests < 100) await new Promise((r) => setTimeout(r, 5));
      const own = readdirSync(cacheParent);
      assert.is(own.length, 1);
      assert.match(own[0]!, /^rvbbit-worker-/);
      assert.ok(
        (statSync(join(cacheParent, own[0]!)).mode & 0o077) === 0,
        'the folder is the worker’s alone',
      );
      workers[0]!.child.kill('SIGTERM');
      const result = await running;
      const stopped = await workers[0]!.done;
      assert.is(stopped.code, 0);
      assert.match(stopped.err, /finishing the jobs it holds/);
      assert.equal(readdirSync(cacheParent), [], 'the private folder is gone with the worker');
      assert.is(result.rows.length, 400);
      assert.equal(
        result.rows.map((r) => Number(r.id)),
        Array.from({ length: 400 }, (_, i) => i),
      );
      assert.ok(result.rows.every((r) => typeof r.result === 'string'));
      // Nothing was asked twice: the stopping worker finished what it held.
      assert.is(sim.stats().requests, 400);
    } finally {
      await engine.close();
      for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
      await Promise.allSettled(workers.map((w) => w.done));
      await sim.close();
      await redis.stop();
    }
  },
);

t.run();
