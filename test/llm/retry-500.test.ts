import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmClient } from '../../src/llm/client.js';
import type { RetryEvent } from '../../src/llm/retry.js';
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

test('an unexpected status (3xx) is LLM_HTTP_ERROR; a 503 with Retry-After is waited for', async () => {
  let calls = 0;
  const server = createServer((req, res) => {
    req.resume();
    calls++;
    if (req.url?.startsWith('/redirect')) {
      res.writeHead(302, { location: '/elsewhere' });
      res.end();
    } else if (calls === 2) {
      res.writeHead(503, { 'retry-after': '0.2' });
      res.end('busy');
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'ok' } }] }));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const redirect = createLlmClient({ baseUrl: `${root}/redirect/v1`, backoff: fast });
  const busy = createLlmClient({ baseUrl: `${root}/v1`, backoff: fast });
  try {
    const e = await codeOf(redirect.chat(ask('x')));
    assert.is(e.code, 'LLM_HTTP_ERROR');
    assert.is(e.detail['status'], 302);
    const started = performance.now();
    const r = await busy.chat(ask('y'));
    assert.is(r.content, 'ok');
    assert.is(r.attempts, 2);
    assert.ok(performance.now() - started >= 195, 'waited for Retry-After: 0.2');
    assert.is(r.usage.cost, null);
    assert.is(r.answeredBy, '127.0.0.1');
  } finally {
    await Promise.all([redirect.close(), busy.close()]);
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test.run();
