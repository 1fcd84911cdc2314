/**
 * The ioredis clients of the scale-out code, against a real redis-server:
 * passwords never shown, a refused connect fails fast, and a plain client
 * fails commands at once while Redis is away and is back after a restart.
 */
import { type AddressInfo, createServer } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isReady, openRedis, redisUrlForDisplay } from '../../src/scale/redis-clients.js';
import { errText } from '../../src/scale/wait-helpers.js';
import { requires } from '../requires.js';
import { freePort, startRedis } from './redis-server.js';

const t = suite('scale: Redis clients');
const withRedis = requires(t, 'redis-server');

t('URLs: the password never shown', () => {
  assert.is(redisUrlForDisplay('redis://:s3cret@h:7000'), 'redis://:***@h:7000');
  assert.is(redisUrlForDisplay('redis://u:p%40ss@h:7000/2'), 'redis://u:***@h:7000/2');
  assert.is(redisUrlForDisplay('not a url'), 'redis://(invalid URL)');
});

// "At once" as steps, not a clock a busy machine stretches: the closed connection is the error (a
// wait for the connect timeout would end in the timeout's error), after one connection attempt.
t('nothing listening: openRedis rejects at once, with the refusal, after one attempt', async () => {
  const port = await freePort();
  const err = await openRedis(`redis://127.0.0.1:${port}`).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err, 'connected to nothing');
  assert.match(errText(err), /ECONNREFUSED|Connection is closed/);
  // A listener that closes every connection at once counts them.
  let attempts = 0;
  const closer = createServer((socket) => {
    attempts++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => closer.listen(0, '127.0.0.1', resolve));
  const closed = await openRedis(`redis://127.0.0.1:${(closer.address() as AddressInfo).port}`).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(closed, 'connected to a listener that closes');
  assert.match(errText(closed), /Connection is closed/);
  assert.is(attempts, 1);
  await new Promise((resolve) => closer.close(resolve));
});

withRedis(
  'after a Redis restart the same client works (new run_id); with Redis gone commands fail at once',
  async () => {
    const redis = await startRedis();
    const c = await openRedis(redis.url);
    const runId = /run_id:(\w+)/.exec(await c.info('server'))?.[1];
    await redis.restart();
    const t0 = Date.now();
    while (!isReady(c) && Date.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 50));
    assert.is(await c.ping(), 'PONG');
    const after = /run_id:(\w+)/.exec(await c.info('server'))?.[1];
    assert.ok(runId && after && after !== runId, `${runId} then ${after}`);
    await redis.stop('SIGKILL');
    const down = await c.ping().then(
      () => 'answered',
      (e: unknown) => errText(e),
    );
    // At once: refused by the client for want of an offline queue, not queued until a reconnect.
    assert.is(down, "Stream isn't writeable and enableOfflineQueue options is false");
    c.disconnect();
  },
);

t.run();
