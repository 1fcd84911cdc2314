import { request } from 'undici';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSimulator } from '../../src/sim/index.js';
import { contentOf, postChat, user } from './post.js';

test('the same request gets the same answer; the model is echoed; usage is reported', async () => {
  const sim = await startSimulator();
  try {
    const body = { model: 'sim-small', messages: user('Write one line about "Blue Bottle Coffee" beans') };
    const a = await postChat(sim.url, body);
    const b = await postChat(sim.url, body);
    assert.is(a.status, 200);
    assert.is(a.text, b.text);
    assert.is(a.headers['x-rvbbit-simulator'], '1');
    const json = JSON.parse(a.text);
    assert.is(json.model, 'sim-small');
    assert.is(json.usage.prompt_tokens, Math.ceil(body.messages[0]!.content.length / 4));
    assert.is(json.usage.completion_tokens, Math.ceil(contentOf(a).length / 4));
    assert.is(json.usage.cost, undefined);
    const other = await postChat(sim.url, { ...body, model: 'sim-large' });
    assert.is(JSON.parse(other.text).model, 'sim-large');
    const s = sim.stats();
    assert.is(s.requests, 3);
    assert.is(s.completed, 3);
    assert.equal(s.byStatus, { '200': 3 });
    assert.is(s.inFlight, 0);
  } finally {
    await sim.close();
  }
});

test('requests longer than V8 hashes, of one length, are each answered by their own text, a repeat alike', async () => {
  // Past 16,383 characters V8 hashes a string by its length alone: the answer cache is keyed by a
  // digest of the request (chat-handler.ts), and two requests of one length must not share an answer.
  const sim = await startSimulator();
  try {
    const pad = ' and more'.repeat(2000);
    const ask = (subject: string) => ({
      model: 'sim-small',
      messages: user(`Write one line about "${subject}" beans${pad}`),
    });
    assert.is(JSON.stringify(ask('Oslo')).length, JSON.stringify(ask('Rome')).length);
    assert.ok(JSON.stringify(ask('Oslo')).length > 16_383);
    const oslo = await postChat(sim.url, ask('Oslo'));
    const rome = await postChat(sim.url, ask('Rome'));
    const again = await postChat(sim.url, ask('Oslo'));
    assert.is(contentOf(oslo), 'Simulated answer: Oslo');
    assert.is(contentOf(rome), 'Simulated answer: Rome');
    assert.is(again.text, oslo.text);
    assert.is(sim.stats().completed, 3);
  } finally {
    await sim.close();
  }
});

test('a restarted simulator with the same seed answers the same', async () => {
  const body = { model: 'm', messages: user('List three words about "Oslo" as JSON with "words"') };
  const s1 = await startSimulator({ seed: 42 });
  const a = contentOf(await postChat(s1.url, body));
  await s1.close();
  const s2 = await startSimulator({ seed: 42 });
  const b = contentOf(await postChat(s2.url, body));
  await s2.close();
  assert.is(a, b);
});

test('GET /stats returns stats(); POST /stats/reset clears it; GET /v1/models lists models', async () => {
  const sim = await startSimulator({ costPerMillion: { in: 1, out: 2 } });
  try {
    await postChat(sim.url, { model: 'm', messages: user('hello there') });
    const root = sim.url.replace(/\/v1$/, '');
    const stats = await (await request(`${root}/stats`)).body.json();
    assert.equal(stats, sim.stats());
    const models = (await (await request(`${sim.url}/models`)).body.json()) as { data: { id: string }[] };
    assert.ok(models.data.some((m) => m.id === 'sim-small'));
    await (await request(`${root}/stats/reset`, { method: 'POST' })).body.text();
    assert.is(sim.stats().requests, 0);
    const priced = JSON.parse((await postChat(sim.url, { model: 'm', messages: user('hello there') })).text);
    const u = priced.usage;
    assert.is(u.cost, (u.prompt_tokens * 1 + u.completion_tokens * 2) / 1e6);
  } finally {
    await sim.close();
  }
});

test('bad requests: invalid JSON, missing messages, oversize body, unknown route', async () => {
  const sim = await startSimulator({ maxBodyBytes: 1000 });
  try {
    assert.is((await postChat(sim.url, '{nope')).status, 400);
    assert.is((await postChat(sim.url, { model: 'm' })).status, 400);
    assert.is((await postChat(sim.url, { model: 'm', messages: user('x'.repeat(2000)) })).status, 413);
    const res = await request(`${sim.url}/nothing`);
    await res.body.text();
    assert.is(res.statusCode, 404);
    assert.equal(sim.stats().byStatus, { '400': 2, '413': 1 });
  } finally {
    await sim.close();
  }
});

test('setOptions checks its input and applies at once', async () => {
  const sim = await startSimulator();
  try {
    assert.throws(() => sim.setOptions({ errorRate: 2 }), /errorRate must be a fraction/);
    sim.setOptions({ errorRate: 1 });
    assert.is((await postChat(sim.url, { model: 'm', messages: user('x') })).status, 500);
    sim.setOptions({ errorRate: 0 });
    assert.is((await postChat(sim.url, { model: 'm', messages: user('x') })).status, 200);
  } finally {
    await sim.close();
  }
});

test.run();
