import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmClient, type RetryEvent } from '../../src/llm/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { ask, codeOf, fast } from './helpers.js';

test('20% 500s: every call finishes within the retry budget; request counts add up exactly', async () => {
  const sim = await startSimulator({ errorRate: 0.2, seed: 4, latencyMs: 1 });
  const retries: RetryEvent[] = [];
  const llm = createLlmClient({
    baseUrl: sim.url,
    backoff: fast,
    retries: 8,
    onRetry: (e) => retries.push(e),
  });
  try {
    const results = await Promise.all(Array.from({ length: 150 }, (_, i) => llm.chat(ask(`row ${i}`))));
    const s = sim.stats();
    assert.is(results.length, 150);
    assert.ok(retries.length > 10, `only ${retries.length} retries`);
    assert.ok(retries.every((r) => r.status === 500 && r.code === 'LLM_HTTP_500'));
    assert.is(s.completed, 150);
    assert.is(s.byStatus['500'], retries.length);
    assert.is(s.requests, 150 + retries.length);
    assert.is(
      results.reduce((n, r) => n + r.attempts, 0),
      s.requests,
    );
    assert.ok(results.every((r) => r.attempts <= 8));
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('retries exhausted: LLM_RETRIES_EXHAUSTED with the last status and the attempts made', async () => {
  const sim = await startSimulator({ errorRate: 1 });
  const llm = createLlmClient({ baseUrl: sim.url, backoff: fast, retries: 3 });
  try {
    const e = await codeOf(llm.chat(ask('doomed')));
    assert.is(e.code, 'LLM_RETRIES_EXHAUSTED');
    assert.is(e.detail['status'], 500);
    assert.is(e.detail['attempts'], 3);
    assert.is(e.detail['lastCode'], 'LLM_HTTP_500');
    assert.match(e.message, /after 3 attempts/);
    assert.is(sim.stats().requests, 3);
    const once = await codeOf(llm.chat(ask('doomed'), { retries: 1 }));
    assert.is(once.detail['attempts'], 1);
    assert.is(sim.stats().requests, 4);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('a non-retryable 4xx fails at once with LLM_HTTP_<status>', async () => {
  const sim = await startSimulator({ maxBodyBytes: 200 });
  const llm = createLlmClient({ baseUrl: sim.url, backoff: fast });
  try {
    const e = await codeOf(llm.chat(ask('x'.repeat(500))));
    assert.is(e.code, 'LLM_HTTP_413');
    assert.is(e.detail['status'], 413);
    assert.is(sim.stats().requests, 1);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('a refused connection is retried, then reported', async () => {
  const sim = await startSimulator();
  const url = sim.url;
  await sim.close();
  const llm = createLlmClient({ baseUrl: url, backoff: fast, retries: 2 });
  try {
    const e = await codeOf(llm.chat(ask('anyone?')));
    assert.is(e.code, 'LLM_RETRIES_EXHAUSTED');
    assert.is(e.detail['lastCode'], 'LLM_CONNECTION');
    assert.is(e.detail['status'], null);
    assert.is(e.detail['attempts'], 2);
  } finally {
    await llm.close();
  }
});

test.run();
