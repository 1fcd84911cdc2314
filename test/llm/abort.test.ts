import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmClient } from '../../src/llm/client.js';
import { startSimulator } from '../../src/sim/index.js';
import { ask, codeOf, until, wait } from './helpers.js';

/**
 * What "at once" means here: long before the answer or the backoff would end,
 * each made a minute long, so a busy machine's slowness (seconds) cannot pass
 * for a wait and a wait cannot pass for slowness.
 */
const A_MINUTE = 60_000;

test('abort during a request: rejects at once, and no further request reaches the simulator', async () => {
  const sim = await startSimulator({ latencyMs: A_MINUTE });
  const llm = createLlmClient({ baseUrl: sim.url, retries: 5, backoff: { baseMs: 10, maxMs: 10 } });
  try {
    const ac = new AbortController();
    const started = performance.now();
    const p = codeOf(llm.chat(ask('slow'), { signal: ac.signal }));
    await until(() => sim.stats().requests === 1, 'the request reached the simulator');
    ac.abort();
    const e = await p;
    assert.is(e.code, 'LLM_ABORTED');
    // The answer never came: rejected on the abort, not on the answer.
    assert.is(sim.stats().completed, 0);
    assert.ok(performance.now() - started < A_MINUTE / 2, 'rejected long before the answer would come');
    const before = sim.stats().requests;
    assert.is(before, 1);
    await wait(300);
    assert.is(sim.stats().requests, before);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('abort during a backoff wait: no wait for the backoff, no further attempt', async () => {
  const sim = await startSimulator({ errorRate: 1 });
  let backingOff = false;
  const llm = createLlmClient({
    baseUrl: sim.url,
    retries: 5,
    backoff: { baseMs: A_MINUTE, maxMs: A_MINUTE },
    onRetry: () => {
      backingOff = true;
    },
  });
  try {
    const ac = new AbortController();
    const started = performance.now();
    const p = codeOf(llm.chat(ask('x'), { signal: ac.signal }));
    await until(() => backingOff, 'the first attempt failed and its backoff began');
    ac.abort();
    const e = await p;
    assert.is(e.code, 'LLM_ABORTED');
    assert.ok(performance.now() - started < A_MINUTE / 2, 'no wait for the minute-long backoff');
    assert.is(sim.stats().requests, 1);
    await wait(200);
    assert.is(sim.stats().requests, 1);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('abort while queued at the gate; an already-aborted signal sends nothing', async () => {
  const sim = await startSimulator({ latencyMs: 150 });
  const llm = createLlmClient({ baseUrl: sim.url, maxConcurrency: 1 });
  try {
    const first = llm.chat(ask('first'));
    const ac = new AbortController();
    const queued = codeOf(llm.chat(ask('second'), { signal: ac.signal }));
    await wait(30);
    ac.abort();
    assert.is((await queued).code, 'LLM_ABORTED');
    await first;
    assert.is(sim.stats().requests, 1);
    const pre = AbortSignal.abort();
    assert.is((await codeOf(llm.chat(ask('third'), { signal: pre }))).code, 'LLM_ABORTED');
    assert.is(sim.stats().requests, 1);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test("a caller's timeout signal gives LLM_TIMEOUT", async () => {
  const sim = await startSimulator({ latencyMs: 300 });
  const llm = createLlmClient({ baseUrl: sim.url });
  try {
    const e = await codeOf(llm.chat(ask('slow'), { signal: AbortSignal.timeout(50) }));
    assert.is(e.code, 'LLM_TIMEOUT');
  } finally {
    await llm.close();
    await sim.close();
  }
});

test.run();
