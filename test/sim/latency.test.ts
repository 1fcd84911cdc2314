// The simulator's latency counts from a request's arrival, as a provider's
// response time does: its own work on a request happens inside it.

import { request } from 'undici';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSimulator } from '../../src/sim/index.js';
import { SimState } from '../../src/sim/sim-state.js';
import { postChat, user } from './post.js';

const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

test('an answer is due latencyMs after arrival, however long composing it took', async () => {
  const state = new SimState({ latencyMs: 300 });
  const arrived = performance.now();
  const due = state.dueTime();
  busy(200); // the simulator composing a large answer
  const sentAt = await new Promise<number>((resolve) => state.at(due, () => resolve(performance.now())));
  const after = sentAt - arrived;
  assert.ok(after >= 300, `sent ${after.toFixed(2)} ms after arrival, before its latency`);
  // Counted from the end of the work instead, it would be ≥ 500 ms.
  assert.ok(after < 450, `sent ${after.toFixed(0)} ms after arrival: the work was added to the latency`);
});

test('work longer than the latency: the answer goes at once', () => {
  const state = new SimState({ latencyMs: 20 });
  const due = state.dueTime();
  busy(40);
  let sent = false;
  state.at(due, () => {
    sent = true;
  });
  assert.ok(sent);
  // Due 20 ms after arrival, sent after 40 ms of work: at least 20 ms late, counted.
  assert.ok(state.stats.answeredLateMs >= 20, `late ${state.stats.answeredLateMs} ms`);
});

test('latency 0: at once', () => {
  const state = new SimState({});
  let sent = false;
  state.at(state.dueTime(), () => {
    sent = true;
  });
  assert.ok(sent);
});

test('over HTTP: no chat or embeddings answer of a burst comes before its latency', async () => {
  const sim = await startSimulator({ latencyMs: 150 });
  try {
    const timed = async (send: () => Promise<number>) => {
      const t0 = performance.now();
      const status = await send();
      return { status, ms: performance.now() - t0 };
    };
    const chats = Array.from({ length: 20 }, (_, i) =>
      timed(async () => (await postChat(sim.url, { model: 'm', messages: user(`request ${i}`) })).status),
    );
    const embeds = Array.from({ length: 4 }, (_, i) =>
      timed(async () => {
        const r = await request(`${sim.url}/embeddings`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'e', input: [`text ${i}`] }),
        });
        await r.body.text();
        return r.statusCode;
      }),
    );
    for (const { status, ms } of await Promise.all([...chats, ...embeds])) {
      assert.is(status, 200);
      assert.ok(ms >= 149, `answered after ${ms.toFixed(0)} ms, before its 150 ms latency`);
    }
    assert.is(sim.stats().requests, 20);
    assert.is(sim.stats().embeddingRequests, 4);
  } finally {
    await sim.close();
  }
});

test('stats place the first arrival and the last answer on the epoch clock, null after a reset', async () => {
  const sim = await startSimulator({ latencyMs: 50 });
  try {
    const now = () => performance.timeOrigin + performance.now();
    assert.is(sim.stats().firstRequestAt, null);
    assert.is(sim.stats().lastAnswerAt, null);
    const t0 = now();
    await postChat(sim.url, { model: 'm', messages: user('one') });
    const between = now();
    await postChat(sim.url, { model: 'm', messages: user('two') });
    const t1 = now();
    const { firstRequestAt, lastAnswerAt, answeredLateMs, completed } = sim.stats();
    assert.is(completed, 2);
    assert.ok(firstRequestAt !== null && firstRequestAt >= t0 && firstRequestAt <= between - 50);
    // The second answer, sent 50 ms after a request made once the first had come back.
    assert.ok(lastAnswerAt !== null && lastAnswerAt >= between + 50 && lastAnswerAt <= t1);
    assert.ok(lastAnswerAt - firstRequestAt >= 100);
    assert.ok(answeredLateMs >= 0 && Number.isFinite(answeredLateMs));
    sim.resetStats();
    assert.is(sim.stats().firstRequestAt, null);
    assert.is(sim.stats().lastAnswerAt, null);
    assert.is(sim.stats().answeredLateMs, 0);
  } finally {
    await sim.close();
  }
});

test.run();
