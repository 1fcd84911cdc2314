/**
 * The LLM client's `/embeddings` call against the simulator: batched inputs
 * in order, deterministic vectors whose cosine follows word overlap, usage
 * and cost, retries through 5xx, and clear errors, counted by the simulator.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLlmClient } from '../../src/llm/client.js';
import { SIM_EMBEDDING_DIMS, simEmbedding } from '../../src/sim/embeddings.js';
import { startSimulator } from '../../src/sim/index.js';
import { codeOf, fast } from '../llm/helpers.js';

const cos = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return d / Math.sqrt(na * nb);
};

test('one call embeds a batch, in input order; vectors are deterministic and unit length', async () => {
  const sim = await startSimulator();
  const llm = createLlmClient({ baseUrl: sim.url, prices: { 'emb-priced': { in: 0.02, out: 0 } } });
  try {
    const input = ['red running shoes', 'shoes for running, red', 'a quiet mountain lake', 'red shoes'];
    const r = await llm.embed({ model: 'emb-priced', input });
    assert.is(r.vectors.length, 4);
    assert.is(r.vectors[0]!.length, SIM_EMBEDDING_DIMS);
    assert.is(r.answeredBy, 'simulator');
    assert.is(r.attempts, 1);
    r.vectors.forEach((v, i) => {
      assert.equal(Array.from(v), Array.from(Float32Array.from(simEmbedding(input[i]!))));
      assert.ok(Math.abs(cos(v, v) - 1) < 1e-5);
    });
    // Same content words → cosine 1; none shared → 0; two of three shared → about 2/sqrt(2·3).
    assert.ok(Math.abs(cos(r.vectors[0]!, r.vectors[1]!) - 1) < 1e-5);
    assert.ok(Math.abs(cos(r.vectors[0]!, r.vectors[2]!)) < 1e-5);
    assert.ok(Math.abs(cos(r.vectors[0]!, r.vectors[3]!) - 2 / Math.sqrt(6)) < 1e-5);
    // Tokens ≈ characters / 4, priced by the table's input price.
    const chars = input.join('').length;
    assert.is(r.usage.tokensIn, Math.ceil(chars / 4));
    assert.is(r.usage.tokensOut, 0);
    assert.ok(Math.abs(r.usage.cost! - (Math.ceil(chars / 4) * 0.02) / 1e6) < 1e-15);
    const s = sim.stats();
    assert.is(s.embeddingRequests, 1);
    assert.is(s.embeddingInputs, 4);
    assert.is(s.requests, 0, 'embeddings are not chat requests');
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('a 500 is retried like a chat call; a bad request is a coded error', async () => {
  const sim = await startSimulator({ errorRate: 1 });
  const llm = createLlmClient({ baseUrl: sim.url, retries: 3, backoff: fast });
  try {
    const e = await codeOf(llm.embed({ model: 'm', input: ['a'] }));
    assert.is(e.code, 'LLM_RETRIES_EXHAUSTED');
    assert.is(sim.stats().embeddingRequests, 3);
    sim.setOptions({ errorRate: 0 });
    const ok = await llm.embed({ model: 'm', input: ['a'] });
    assert.is(ok.vectors.length, 1);
    assert.is((await codeOf(llm.embed({ model: 'm', input: [] }))).code, 'LLM_BAD_REQUEST');
    assert.is((await codeOf(llm.embed({ model: '', input: ['x'] }))).code, 'LLM_BAD_REQUEST');
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('every call reports to onCall, with usage', async () => {
  const sim = await startSimulator({ costPerMillion: { in: 1, out: 0 } });
  const calls: { model: string; ok: boolean; cost: number | null | undefined }[] = [];
  const llm = createLlmClient({
    baseUrl: sim.url,
    onCall: (c) => calls.push({ model: c.model, ok: c.ok, cost: c.usage?.cost }),
  });
  try {
    await llm.embed({ model: 'e', input: ['abcd'.repeat(10)] });
    assert.equal(calls, [{ model: 'e', ok: true, cost: 10 / 1e6 }]);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test.run();
