/**
 * The LLM client's `/embeddings` call against the simulator: batched inputs
 * in order, deterministic vectors whose cosine follows word overlap, usage
 * and cost, retries through 5xx, and clear errors, counted by the simulator.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

test("the client asks base64 (the official SDK's default); a server that answers numbers anyway is read the same", async () => {
  const bodies: Record<string, unknown>[] = [];
  const vector = [0.25, -0.5, 0.125, 1];
  // An OpenAI-compatible server that ignores encoding_format and always answers floats.
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (b) => {
      text += b;
    });
    req.on('end', () => {
      const body = JSON.parse(text) as { input: string[] };
      bodies.push(body);
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          object: 'list',
          data: body.input.map((_, index) => ({ object: 'embedding', index, embedding: vector })),
          model: 'plain',
          usage: { prompt_tokens: 2, total_tokens: 2 },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const sim = await startSimulator();
  const plain = createLlmClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` });
  const llm = createLlmClient({ baseUrl: sim.url });
  try {
    const r = await plain.embed({ model: 'plain', input: ['a', 'b'] });
    assert.equal(bodies, [{ model: 'plain', input: ['a', 'b'], encoding_format: 'base64' }]);
    assert.equal(
      r.vectors.map((v) => Array.from(v)),
      [vector, vector],
    );
    // The simulator answers base64: the same vectors as its float32 values.
    const b = await llm.embed({ model: 'm', input: ['red shoes'] });
    assert.equal(Array.from(b.vectors[0]!), Array.from(Float32Array.from(simEmbedding('red shoes'))));
  } finally {
    await plain.close();
    await llm.close();
    await sim.close();
    server.close();
  }
});

test.run();
