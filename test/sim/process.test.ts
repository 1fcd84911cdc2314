import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSimulatorProcess } from '../../src/sim/index.js';
import { postChat, user } from './post.js';

test('startSimulatorProcess: the simulator in a child process, stats over HTTP', async () => {
  const sim = await startSimulatorProcess({ seed: 9 });
  try {
    assert.match(sim.url, /\/v1$/);
    assert.is((await postChat(sim.url, { model: 'm', messages: user('hi') })).status, 200);
    assert.is((await sim.stats()).requests, 1);
    await sim.setOptions({ errorRate: 1 });
    assert.is((await postChat(sim.url, { model: 'm', messages: user('hi') })).status, 500);
    await sim.resetStats();
    assert.is((await sim.stats()).requests, 0);
    const err = await sim.setOptions({ errorRate: 7 }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    assert.match(String(err?.message), /errorRate must be a fraction/);
  } finally {
    await sim.close();
  }
});

test.run();
