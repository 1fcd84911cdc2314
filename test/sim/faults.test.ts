import { request } from 'undici';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSimulator } from '../../src/sim/index.js';
import { postChat, user } from './post.js';

async function outcome(url: string, i: number): Promise<string> {
  try {
    const r = await postChat(url, { model: 'm', messages: user(`request ${i}`) });
    if (r.status !== 200) return String(r.status);
    try {
      JSON.parse(r.text);
      return 'ok';
    } catch {
      return 'malformed';
    }
  } catch {
    return 'reset';
  }
}

async function run(
  seed: number,
  n: number,
): Promise<{ seq: string[]; stats: ReturnType<Awaited<ReturnType<typeof startSimulator>>['stats']> }> {
  const sim = await startSimulator({ seed, errorRate: 0.2, resetRate: 0.1, malformedRate: 0.1 });
  try {
    const seq: string[] = [];
    for (let i = 0; i < n; i++) seq.push(await outcome(sim.url, i));
    return { seq, stats: sim.stats() };
  } finally {
    await sim.close();
  }
}

test('faults are seeded: same seed and order → same faults; counters add up', async () => {
  const a = await run(11, 60);
  const b = await run(11, 60);
  const c = await run(12, 60);
  assert.equal(a.seq, b.seq);
  assert.not.equal(a.seq, c.seq);
  const n = (k: string) => a.seq.filter((x) => x === k).length;
  assert.ok(n('500') > 3 && n('reset') > 0 && n('malformed') > 0 && n('ok') > 20, a.seq.join(','));
  assert.is(a.stats.requests, 60);
  assert.is(a.stats.completed, n('ok'));
  assert.is(a.stats.byStatus['500'], n('500'));
  assert.is(a.stats.resets, n('reset'));
  assert.is(a.stats.malformed, n('malformed'));
  assert.is(a.stats.byStatus['200'], n('ok') + n('malformed'));
});

test('hangs: no answer until the client gives up; inFlight drops when it does', async () => {
  const sim = await startSimulator({ hangRate: 1 });
  try {
    const started = performance.now();
    const err = await request(`${sim.url}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm', messages: user('x') }),
      signal: AbortSignal.timeout(150),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err, 'the hung request must not be answered');
    assert.ok(performance.now() - started >= 140);
    assert.is(sim.stats().hangs, 1);
    await new Promise((r) => setTimeout(r, 50));
    assert.is(sim.stats().inFlight, 0);
    assert.is(sim.stats().maxInFlight, 1);
  } finally {
    await sim.close();
  }
});

test('latency: fixed, and lognormal from a seed', async () => {
  const sim = await startSimulator({ latencyMs: 60 });
  try {
    let t = performance.now();
    await postChat(sim.url, { model: 'm', messages: user('x') });
    assert.ok(performance.now() - t >= 55);
    sim.setOptions({ latency: { dist: 'lognormal', medianMs: 30, sigma: 0.3 } });
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      t = performance.now();
      await postChat(sim.url, { model: 'm', messages: user(`y${i}`) });
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const median = times[7]!;
    assert.ok(median > 18 && median < 60, `median ${median}`);
  } finally {
    await sim.close();
  }
});

test('maxInFlight counts concurrent requests', async () => {
  const sim = await startSimulator({ latencyMs: 50 });
  try {
    await Promise.all(
      Array.from({ length: 7 }, (_, i) => postChat(sim.url, { model: 'm', messages: user(`c${i}`) })),
    );
    assert.is(sim.stats().maxInFlight, 7);
    assert.is(sim.stats().inFlight, 0);
  } finally {
    await sim.close();
  }
});

test.run();
