import { Worker } from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmClient } from '../../src/llm/client.js';
import { SharedGate } from '../../src/llm/shared-gate.js';
import { startSimulator } from '../../src/sim/index.js';
import { ask, wait } from './helpers.js';

// On Node 20 `execArgv: ['--import', 'tsx']` does not let a raw Worker's own entry be .ts
// (the pool's threads start from workers/thread-boot.mjs for this reason), so a JS trampoline
// registers tsx in the worker first.
const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then(({ register }) => { register(); return import(${JSON.stringify(new URL('./gate-worker.ts', import.meta.url).href)}); })`;

function runWorker(data: Record<string, unknown>): Promise<{ id: number; done: number }> {
  const worker = new Worker(boot, { eval: true, workerData: data });
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => code !== 0 && reject(new Error(`worker exited ${code}`)));
  });
}

test('one gate across 2 worker threads and the main thread: in flight never exceeds the ceiling', async () => {
  // The simulator's gate holds answers until 5 calls are in flight: the bound is reached however busy the machine.
  const sim = await startSimulator({ latencyMs: 15, gate: { requests: 5 } });
  const gate = new SharedGate({ maxConcurrency: 5 });
  const llm = createLlmClient({ baseUrl: sim.url, gate });
  try {
    const [a, b, main] = await Promise.all([
      runWorker({ buffer: gate.buffer, url: sim.url, calls: 40, id: 1 }),
      runWorker({ buffer: gate.buffer, url: sim.url, calls: 40, id: 2 }),
      Promise.all(Array.from({ length: 20 }, (_, i) => llm.chat(ask(`main ${i}`)))),
    ]);
    assert.is(a.done + b.done + main.length, 100);
    const s = sim.stats();
    assert.is(s.completed, 100);
    assert.is(s.maxInFlight, 5);
    assert.equal(gate.snapshot(), { inFlight: 0, limit: 5, ceiling: 5 });
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('AIMD: a 429 halves the allowed concurrency (min 1); successes raise it back to the ceiling', async () => {
  const gate = new SharedGate({ maxConcurrency: 8, increaseEvery: 2, decreaseHoldMs: 0 });
  const cycle = async (outcome: 'ok' | 'throttled') => {
    await gate.acquire();
    gate.release(outcome);
  };
  await cycle('throttled');
  assert.is(gate.snapshot().limit, 4);
  await cycle('throttled');
  await cycle('throttled');
  await cycle('throttled');
  assert.is(gate.snapshot().limit, 1);
  for (let i = 0; i < 2; i++) await cycle('ok');
  assert.is(gate.snapshot().limit, 2);
  for (let i = 0; i < 40; i++) await cycle('ok');
  assert.is(gate.snapshot().limit, 8);
  const other = SharedGate.fromBuffer(gate.buffer);
  await other.acquire();
  other.release('throttled');
  assert.is(gate.snapshot().limit, 4, 'a 429 seen in another thread lowers the limit here');
});

test('a 429 storm lowers the limit at the simulator; the run still finishes', async () => {
  // A bucket of 2 refilled every 10 ms: 32 requests at once meet a 429 unless they reach the
  // simulator more than 10 ms apart (a loaded CI machine spread 200 rps / burst 10 thin enough).
  const sim = await startSimulator({ rateLimit: { rps: 100, burst: 2 }, latencyMs: 5 });
  const gate = new SharedGate({ maxConcurrency: 32, increaseEvery: 1000 });
  const llm = createLlmClient({
    baseUrl: sim.url,
    gate,
    retries: 50,
    backoff: { baseMs: 5, maxMs: 50, maxRetryAfterMs: 50 },
  });
  try {
    await Promise.all(Array.from({ length: 60 }, (_, i) => llm.chat(ask(`s ${i}`))));
    assert.ok(sim.stats().byStatus['429']! > 0);
    assert.ok(gate.snapshot().limit < 32, `limit ${gate.snapshot().limit}`);
    assert.is(sim.stats().completed, 60);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('rate: attempts start at least 1/rps apart; pause() holds everyone back', async () => {
  const gate = new SharedGate({ maxConcurrency: 100, requestsPerSecond: 50 });
  let t = performance.now();
  await Promise.all(
    Array.from({ length: 11 }, async () => {
      await gate.acquire();
      gate.release('ok');
    }),
  );
  assert.ok(performance.now() - t >= 190, `took ${performance.now() - t}`);
  const free = new SharedGate({ maxConcurrency: 2 });
  free.pause(150);
  t = performance.now();
  await free.acquire();
  free.release('ok');
  assert.ok(performance.now() - t >= 140);
  await wait(1);
});

test('reclaim(): the slots of a worker that died return to the gate', async () => {
  const gate = new SharedGate({ maxConcurrency: 4 });
  const worker = new Worker(boot, { eval: true, workerData: { buffer: gate.buffer, grabAndDie: 3 } });
  const threadId = worker.threadId;
  await new Promise((r) => worker.once('exit', r));
  assert.is(gate.snapshot().inFlight, 3);
  assert.is(gate.reclaim(threadId), 3);
  assert.is(gate.snapshot().inFlight, 0);
  assert.is(gate.reclaim(threadId), 0);
});

test('an abort while waiting for a slot leaves the gate consistent', async () => {
  const gate = new SharedGate({ maxConcurrency: 1 });
  await gate.acquire();
  const ac = new AbortController();
  const waiting = (gate.acquire(ac.signal) ?? Promise.resolve()).then(
    () => 'got',
    () => 'aborted',
  );
  ac.abort();
  assert.is(await waiting, 'aborted');
  gate.release('ok');
  assert.is(gate.snapshot().inFlight, 0);
  await gate.acquire();
  assert.is(gate.snapshot().inFlight, 1);
  gate.release('ok');
});

test.run();
