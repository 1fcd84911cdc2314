import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSimulator } from '../../src/sim/index.js';
import { postChat, user } from './post.js';

test('over the rate: 429 with Retry-After in seconds', async () => {
  const sim = await startSimulator({ rateLimit: { rps: 2 } });
  try {
    const replies = [];
    for (let i = 0; i < 4; i++)
      replies.push(await postChat(sim.url, { model: 'm', messages: user(`r${i}`) }));
    assert.equal(
      replies.map((r) => r.status),
      [200, 200, 429, 429],
    );
    assert.is(replies[2]!.headers['retry-after'], '1');
    assert.match(JSON.parse(replies[2]!.text).error.message, /rate limit/);
    assert.equal(sim.stats().byStatus, { '200': 2, '429': 2 });
    assert.is(sim.stats().requests, 4);
  } finally {
    await sim.close();
  }
});

test('Retry-After as an HTTP-date', async () => {
  const sim = await startSimulator({ rateLimit: { rps: 1 }, retryAfterFormat: 'date' });
  try {
    await postChat(sim.url, { model: 'm', messages: user('a') });
    const r = await postChat(sim.url, { model: 'm', messages: user('b') });
    assert.is(r.status, 429);
    const at = Date.parse(String(r.headers['retry-after']));
    assert.ok(Number.isFinite(at) && at >= Date.now() - 1000, String(r.headers['retry-after']));
  } finally {
    await sim.close();
  }
});

test('the rate limit can be lifted at run time', async () => {
  const sim = await startSimulator({ rateLimit: { rps: 1 } });
  try {
    await postChat(sim.url, { model: 'm', messages: user('a') });
    assert.is((await postChat(sim.url, { model: 'm', messages: user('b') })).status, 429);
    sim.setOptions({ rateLimit: null });
    assert.is((await postChat(sim.url, { model: 'm', messages: user('c') })).status, 200);
  } finally {
    await sim.close();
  }
});

test.run();
