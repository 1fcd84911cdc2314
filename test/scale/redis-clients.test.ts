/**
 * The ioredis clients of the scale-out code, against a real redis-server:
 * passwords never shown, a refused connect fails fast, and a plain client
 * fails commands at once while Redis is away and is back after a restart.
 */
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

t('nothing listening: openRedis rejects at once', async () => {
  const port = await freePort();
  const t0 = Date.now();
  const err = await openRedis(`redis://127.0.0.1:${port}`).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err, 'connected to nothing');
  assert.match(errText(err), /ECONNREFUSED|Connection is closed/);
  assert.ok(Date.now() - t0 < 2_000, `took ${Date.now() - t0} ms`);
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
    const t1 = Date.now();
    const down = await c.ping().then(
      () => 'answered',
      (e: unknown) => errText(e),
    );
    assert.is.not(down, 'answered');
    assert.ok(Date.now() - t1 < 500, `failed after ${Date.now() - t1} ms`);
    c.disconnect();
  },
);

t.run();
