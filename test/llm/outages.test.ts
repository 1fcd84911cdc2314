/**
 * Retries by time and the circuit breaker, against the real simulator with
 * the client's DEFAULT retry settings: a 429 storm and a 4 s outage (refused
 * connections, then 503s) lose no call; a dead endpoint fails every call
 * with one LLM_ENDPOINT_DOWN naming host and port, within its 8 s bound.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmClient } from '../../src/llm/client.js';
import type { RetryEvent } from '../../src/llm/retry.js';
import { startSimulator } from '../../src/sim/index.js';
import { ask, codeOf, wait } from './helpers.js';

const KEY = 'sk-test-outage-0123456789';

test('a 429 storm (Retry-After) with default settings: every call answers, the gate narrows', async () => {
  // The gate holds the first 40 requests and judges them together (src/sim/options.ts): 20 over the
  // burst get 429 however busy the machine, where a client slowed by load 15 spread its first 40 over
  // enough time for the bucket to refill, and no 429 came.
  const sim = await startSimulator({
    rateLimit: { rps: 100, burst: 20 },
    latencyMs: 5,
    gate: { requests: 40 },
  });
  const retries: RetryEvent[] = [];
  const llm = createLlmClient({ baseUrl: sim.url, maxConcurrency: 40, onRetry: (e) => retries.push(e) });
  try {
    const results = await Promise.all(Array.from({ length: 150 }, (_, i) => llm.chat(ask(`storm ${i}`))));
    const s = sim.stats();
    assert.is(results.length, 150);
    assert.is(s.completed, 150);
    assert.ok((s.byStatus['429'] ?? 0) > 0, 'the storm happened');
    assert.ok(retries.every((r) => r.status === 429 && r.retryAfterMs !== undefined));
    assert.is(s.requests, 150 + retries.length);
  } finally {
    await llm.close();
    await sim.close();
  }
});

for (const mode of ['refuse', 'error'] as const) {
  test(`a 4 s outage (${mode === 'refuse' ? 'connections refused' : 'every call 503'}) with default settings: 0 calls lost`, async () => {
    const sim = await startSimulator({ latencyMs: 20 });
    const llm = createLlmClient({ baseUrl: sim.url, apiKey: KEY, maxConcurrency: 30 });
    try {
      const calls = Array.from({ length: 150 }, async (_, i) => {
        await wait(i * 15); // spread over ~2 s: rows keep arriving during the outage
        return llm.chat(ask(`row ${i}`));
      });
      await wait(200);
      sim.setOptions({ outage: { mode, forMs: 4000 } });
      const results = await Promise.allSettled(calls);
      const failed = results.filter((r) => r.status === 'rejected');
      assert.is(
        failed.length,
        0,
        `failed: ${failed.map((f) => String((f as PromiseRejectedResult).reason?.code)).join(', ')}`,
      );
      // An answer being written when the connections dropped counts as completed there too.
      assert.ok(sim.stats().completed >= 150);
    } finally {
      await llm.close();
      await sim.close();
    }
  });
}

test('a dead endpoint: every call fails with LLM_ENDPOINT_DOWN naming host:port (never the key), within the bound', async () => {
  const gone = await startSimulator();
  const url = gone.url;
  const port = gone.port;
  await gone.close();
  const seen: string[] = [];
  const llm = createLlmClient({
    baseUrl: url,
    apiKey: `${KEY}\n`,
    maxConcurrency: 50,
    onCall: (r) => seen.push(JSON.stringify(r)),
  });
  const started = performance.now();
  try {
    const errors = await Promise.all(Array.from({ length: 300 }, (_, i) => codeOf(llm.chat(ask(`r${i}`)))));
    const elapsed = performance.now() - started;
    assert.equal([...new Set(errors.map((e) => e.code))], ['LLM_ENDPOINT_DOWN']);
    for (const e of errors) {
      assert.match(e.message, `LLM endpoint 127.0.0.1:${port} is down`);
      assert.match(e.message, /no connection/);
      assert.not.match(e.message, /outage-0123/);
      assert.is(e.detail['host'], `127.0.0.1:${port}`);
    }
    assert.not.ok(seen.some((s) => s.includes('outage-0123')));
    // The bound is 8 s from the first failure; generous for a loaded machine.
    assert.ok(elapsed < 40_000, `took ${Math.round(elapsed)} ms`);
    // Once down, a new call fails fast (it may be the one probe, which fails at once too).
    const t0 = performance.now();
    assert.is((await codeOf(llm.chat(ask('later')))).code, 'LLM_ENDPOINT_DOWN');
    assert.ok(performance.now() - t0 < 5000);
  } finally {
    await llm.close();
  }
});

test('the breaker closes when the endpoint answers again: a later call succeeds', async () => {
  const sim = await startSimulator();
  const llm = createLlmClient({
    baseUrl: sim.url,
    breaker: { downAfterMs: 1500, openAfterMs: 200, probeEveryMs: 100 },
  });
  try {
    sim.setOptions({ outage: { mode: 'error' } });
    const down = await Promise.all(Array.from({ length: 20 }, (_, i) => codeOf(llm.chat(ask(`d${i}`)))));
    assert.equal([...new Set(down.map((e) => e.code))], ['LLM_ENDPOINT_DOWN']);
    assert.match(down[0]!.message, /last: HTTP 503/);
    sim.setOptions({ outage: null });
    await wait(150); // the next probe slot
    const ok = await llm.chat(ask('back'));
    assert.ok(ok.content.length > 0);
    const more = await Promise.all(Array.from({ length: 10 }, (_, i) => llm.chat(ask(`m${i}`))));
    assert.is(more.length, 10);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('any answer below 500 closes the breaker: a probe answered 413 reports its own 413, then calls flow', async () => {
  const sim = await startSimulator();
  const llm = createLlmClient({
    baseUrl: sim.url,
    breaker: { downAfterMs: 1000, openAfterMs: 100, probeEveryMs: 100 },
  });
  try {
    sim.setOptions({ outage: { mode: 'error' } });
    const down = await Promise.all(Array.from({ length: 10 }, (_, i) => codeOf(llm.chat(ask(`d${i}`)))));
    assert.equal([...new Set(down.map((e) => e.code))], ['LLM_ENDPOINT_DOWN']);
    sim.setOptions({ outage: null, maxBodyBytes: 300 });
    await wait(150);
    assert.is((await codeOf(llm.chat(ask('x'.repeat(400))))).code, 'LLM_HTTP_413');
    const ok = await llm.chat(ask('small'));
    assert.ok(ok.content.length > 0);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('an explicit retries count still caps outage failures (LLM_RETRIES_EXHAUSTED after exactly N)', async () => {
  const sim = await startSimulator({ errorRate: 1 });
  const llm = createLlmClient({ baseUrl: sim.url, backoff: { baseMs: 5, maxMs: 20 } });
  try {
    const e = await codeOf(llm.chat(ask('x'), { retries: 2 }));
    assert.is(e.code, 'LLM_RETRIES_EXHAUSTED');
    assert.is(e.detail['attempts'], 2);
    assert.is(sim.stats().requests, 2);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('the per-call deadline ends waiting out a 429 that never clears', async () => {
  const sim = await startSimulator({ rateLimit: { rps: 0.001, burst: 1 } });
  const llm = createLlmClient({ baseUrl: sim.url, deadlineMs: 1500, backoff: { maxRetryAfterMs: 300 } });
  try {
    await llm.chat(ask('takes the only token'));
    const e = await codeOf(llm.chat(ask('waits')));
    assert.is(e.code, 'LLM_RETRIES_EXHAUSTED');
    assert.match(e.message, /deadline 1500 ms/);
    assert.is(e.detail['status'], 429);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test.run();
