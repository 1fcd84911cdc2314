import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmClient } from '../../src/llm/client.js';
import type { RetryEvent } from '../../src/llm/retry.js';
import { startSimulator } from '../../src/sim/index.js';
import { ask, codeOf, fast } from './helpers.js';

test('resets: the connection error is retried and the call succeeds', async () => {
  const sim = await startSimulator({ resetRate: 0.3, seed: 2 });
  const retries: RetryEvent[] = [];
  const llm = createLlmClient({
    baseUrl: sim.url,
    backoff: fast,
    retries: 8,
    onRetry: (e) => retries.push(e),
  });
  try {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => llm.chat(ask(`reset ${i}`))));
    const s = sim.stats();
    assert.is(results.length, 40);
    assert.ok(s.resets > 3, `resets ${s.resets}`);
    assert.ok(retries.every((r) => r.code === 'LLM_CONNECTION'));
    assert.is(retries.length, s.resets);
    assert.is(s.requests, 40 + s.resets);
  } finally {
    await llm.close();
    await sim.close();
  }
});

/** The attempt deadline of the hangs test. */
const DEADLINE_MS = 2_000;

test('hangs: the attempt deadline fires and the retry succeeds', async () => {
  const sim = await startSimulator({ hangRate: 0.3, seed: 5 });
  const retries: RetryEvent[] = [];
  const llm = createLlmClient({
    baseUrl: sim.url,
    backoff: fast,
    retries: 8,
    // Long enough that an answer that does come never meets it on a loaded
    // machine (it would be asked twice, and the counts below would be off):
    // at load ~10, 500 ms was not (a call failed all 8 attempts).
    timeoutMs: DEADLINE_MS,
    onRetry: (e) => retries.push(e),
  });
  try {
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => llm.chat(ask(`hang ${i}`))));
    const s = sim.stats();
    assert.is(results.length, 30);
    assert.ok(s.hangs > 3, `hangs ${s.hangs}`);
    assert.ok(retries.every((r) => r.code === 'LLM_TIMEOUT'));
    assert.is(retries.length, s.hangs);
    assert.is(s.requests, 30 + s.hangs);
    for (const r of results.filter((x) => x.attempts > 1)) assert.ok(r.durationMs >= DEADLINE_MS - 5);
    await new Promise((r) => setTimeout(r, 20));
    assert.is(sim.stats().inFlight, 0);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('malformed bodies are retried; all hangs → exhausted with lastCode LLM_TIMEOUT', async () => {
  const sim = await startSimulator({ malformedRate: 0.3, seed: 8 });
  // The 80 ms deadline is the hanging call's alone: on a loaded machine a
  // malformed-body round's well-formed answers could take longer, time out,
  // be asked again, and be answered twice (completed 46–58 of 30 seen).
  const llm = createLlmClient({ baseUrl: sim.url, backoff: fast, retries: 8 });
  try {
    await Promise.all(Array.from({ length: 30 }, (_, i) => llm.chat(ask(`m ${i}`))));
    const s = sim.stats();
    assert.ok(s.malformed > 3);
    assert.is(s.completed, 30);
    assert.is(s.requests, 30 + s.malformed);
    sim.setOptions({ malformedRate: 0, hangRate: 1 });
    const e = await codeOf(llm.chat(ask('never'), { retries: 2, timeoutMs: 80 }));
    assert.is(e.code, 'LLM_RETRIES_EXHAUSTED');
    assert.is(e.detail['lastCode'], 'LLM_TIMEOUT');
    assert.is(e.detail['attempts'], 2);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test.run();
