import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmClient } from '../../src/llm/client.js';
import { startSimulator } from '../../src/sim/index.js';
import { ask, codeOf } from './helpers.js';

test('deterministic answers, one attempt each, answered by the simulator', async () => {
  const sim = await startSimulator();
  const llm = createLlmClient({ baseUrl: sim.url });
  try {
    const a = await llm.chat(ask('Say something about "Lisbon"'));
    const b = await llm.chat(ask('Say something about "Lisbon"'));
    assert.is(a.content, b.content);
    assert.is(a.attempts, 1);
    assert.is(a.answeredBy, 'simulator');
    assert.is(a.model, 'sim-small');
    assert.ok(a.durationMs >= 0);
    assert.is(sim.stats().requests, 2);
    assert.is(sim.stats().completed, 2);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('usage from the provider; cost from the provider, else the price table, else null', async () => {
  const sim = await startSimulator();
  const llm = createLlmClient({
    baseUrl: sim.url,
    prices: { 'priced-model': { in: 2, out: 8 } },
    aliases: { cheap: 'priced-model' },
  });
  try {
    const prompt = 'x'.repeat(400);
    const unknown = await llm.chat(ask(prompt, 'unpriced'));
    assert.is(unknown.usage.tokensIn, 100);
    assert.is(unknown.usage.tokensOut, Math.ceil(unknown.content.length / 4));
    assert.is(unknown.usage.cost, null);
    const priced = await llm.chat(ask(prompt, 'cheap'));
    assert.is(priced.model, 'priced-model');
    assert.is(priced.usage.cost, (100 * 2 + priced.usage.tokensOut * 8) / 1e6);
    sim.setOptions({ costPerMillion: { in: 1, out: 1 } });
    const reported = await llm.chat(ask(prompt, 'cheap'));
    assert.is(reported.usage.cost, (100 + reported.usage.tokensOut) / 1e6);
    assert.is(sim.stats().tokensIn, 300);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('defaultModel fills a missing model; bad requests and options are rejected clearly', async () => {
  const sim = await startSimulator({ record: true });
  const llm = createLlmClient({ baseUrl: sim.url, defaultModel: 'the-default' });
  try {
    const r = await llm.chat({ model: '', messages: [{ role: 'user', content: 'hi' }] });
    assert.is(r.model, 'the-default');
    assert.is((await codeOf(llm.chat({ model: 'm', messages: [] }))).code, 'LLM_BAD_REQUEST');
    assert.throws(() => createLlmClient({ baseUrl: 'ftp://x' }), /options.baseUrl must be an http\(s\) URL/);
    assert.throws(
      () => createLlmClient({ baseUrl: sim.url, retries: 0 }),
      /options.retries must be a positive integer/,
    );
    assert.throws(() => createLlmClient({ baseUrl: sim.url, maxConcurrency: 1.5 }), /maxConcurrency/);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('temperature and max_tokens reach the provider; onCall reports each call', async () => {
  const sim = await startSimulator({ record: true });
  const calls: unknown[] = [];
  const llm = createLlmClient({ baseUrl: sim.url, onCall: (c) => calls.push(c) });
  try {
    await llm.chat({ ...ask('hi'), temperature: 0, maxTokens: 50 });
    assert.is(calls.length, 1);
    const c = calls[0] as { ok: boolean; attempts: number; answeredBy: string; usage: { tokensIn: number } };
    assert.is(c.ok, true);
    assert.is(c.attempts, 1);
    assert.is(c.answeredBy, 'simulator');
    assert.ok(c.usage.tokensIn > 0);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test.run();
