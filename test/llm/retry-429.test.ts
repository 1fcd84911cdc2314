import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmClient } from '../../src/llm/client.js';
import { parseRetryAfter, type RetryEvent } from '../../src/llm/retry.js';
import { startSimulator } from '../../src/sim/index.js';
import { ask, fast } from './helpers.js';

test('parseRetryAfter reads delta-seconds and HTTP-dates', () => {
  const now = Date.parse('Sat, 21 Nov 2026 00:00:00 GMT');
  assert.is(parseRetryAfter('2', now), 2000);
  assert.is(parseRetryAfter('0.5', now), 500);
  assert.is(parseRetryAfter(['3'], now), 3000);
  assert.is(parseRetryAfter('Sat, 21 Nov 2026 00:00:07 GMT', now), 7000);
  assert.is(parseRetryAfter('Fri, 20 Nov 2026 00:00:00 GMT', now), 0);
  assert.is(parseRetryAfter('soon', now), undefined);
  assert.is(parseRetryAfter(undefined, now), undefined);
});

for (const format of ['seconds', 'date'] as const) {
  test(`a 429 storm (Retry-After as ${format}) finishes, and every wait honours Retry-After`, async () => {
    // A burst of 5, not 20: the 40 calls' arrivals spread over a few hundred ms
    // on a loaded machine, and a bucket of 20 refilled meanwhile let so many
    // through that fewer than 20 met a 429 (16–19 seen under load).
    const sim = await startSimulator({ rateLimit: { rps: 20, burst: 5 }, retryAfterFormat: format });
    const retries: RetryEvent[] = [];
    const llm = createLlmClient({
      baseUrl: sim.url,
      backoff: fast,
      retries: 8,
      onRetry: (e) => retries.push(e),
    });
    try {
      const started = performance.now();
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => llm.chat(ask(`storm ${i}`))));
      const elapsed = performance.now() - started;
      assert.is(results.length, 40);
      assert.ok(retries.length >= 20, `retries ${retries.length}`);
      for (const r of retries) {
        assert.is(r.status, 429);
        assert.ok(r.retryAfterMs !== undefined);
        assert.ok(r.delayMs >= r.retryAfterMs!, `waited ${r.delayMs} < Retry-After ${r.retryAfterMs}`);
      }
      // A call that met a 429 took at least its Retry-After.
      const retried = results.filter((r) => r.attempts > 1);
      const minAfter = Math.min(...retries.map((r) => r.retryAfterMs!));
      for (const r of retried) assert.ok(r.durationMs >= minAfter - 5, `${r.durationMs} < ${minAfter}`);
      if (format === 'seconds') assert.ok(elapsed >= 1000);
      const s = sim.stats();
      assert.is(s.completed, 40);
      assert.is(s.byStatus['429'], retries.length);
      assert.is(s.requests, 40 + retries.length);
      assert.is(
        results.reduce((n, r) => n + r.attempts, 0),
        s.requests,
      );
    } finally {
      await llm.close();
      await sim.close();
    }
  });
}

test.run();
