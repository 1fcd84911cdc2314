/** The simulator's `outage` option: refused connections or 503s, ending after `forMs` or when cleared. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSimulator } from '../../src/sim/index.js';
import { postChat, user } from './post.js';

const ask = (url: string) =>
  postChat(url, { model: 'm', messages: user('hello') }).then(
    (r) => String(r.status),
    (err: { code?: string; cause?: { code?: string } }) => String(err.code ?? err.cause?.code ?? 'error'),
  );

test("'refuse' closes the port until forMs has passed, then answers on the same port", async () => {
  const sim = await startSimulator();
  try {
    assert.is(await ask(sim.url), '200');
    sim.setOptions({ outage: { mode: 'refuse', forMs: 600 } });
    await new Promise((r) => setTimeout(r, 50));
    assert.is(await ask(sim.url), 'ECONNREFUSED');
    await new Promise((r) => setTimeout(r, 900));
    assert.is(await ask(sim.url), '200');
    assert.is(sim.stats().completed, 2);
  } finally {
    await sim.close();
  }
});

test("'error' answers 503 until cleared; closing during a refuse outage works", async () => {
  const sim = await startSimulator();
  try {
    sim.setOptions({ outage: { mode: 'error' } });
    assert.is(await ask(sim.url), '503');
    assert.is(sim.stats().byStatus['503'], 1);
    sim.setOptions({ outage: null });
    assert.is(await ask(sim.url), '200');
    sim.setOptions({ outage: { mode: 'refuse' } });
  } finally {
    await sim.close();
  }
});

test('a bad outage option is refused with SIM_BAD_OPTION', async () => {
  const sim = await startSimulator();
  try {
    assert.throws(() => sim.setOptions({ outage: { mode: 'nap' as 'error' } }), /outage\.mode/);
    assert.throws(() => sim.setOptions({ outage: { mode: 'error', forMs: -1 } }), /outage\.forMs/);
  } finally {
    await sim.close();
  }
});

test.run();
