/**
 * The RESP2 client BullMQ runs on, against a real redis-server: pipelined
 * replies in order (strings, integers, nulls, nested arrays, errors),
 * replies split across TCP reads (a large value), AUTH from the URL,
 * pub/sub pushes, and a clean failure once the server is gone.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseRedisUrl, RespClient, redisUrlForDisplay } from '../../src/scale/resp-client.js';
import { type RedisHandle, startRedis } from './redis-server.js';

const t = suite<{ redis: RedisHandle }>('scale: RESP client');

t.before(async (ctx) => {
  ctx.redis = await startRedis();
});
t.after(async (ctx) => {
  await ctx.redis.stop();
});

t('pipelined commands answer in order, every reply type', async ({ redis }) => {
  const c = new RespClient(redis.url);
  await c.connect();
  const big = 'x'.repeat(300_000);
  const replies = await Promise.all([
    c.send('SET', ['k', big]),
    c.send('GET', ['k']),
    c.send('INCRBY', ['n', '5']),
    c.send('GET', ['missing']),
    c.send('RPUSH', ['l', 'a', 'b']),
    c.send('EVAL', ["return {1, 'two', {3}}", '0']),
    c.send('HGET', ['k', 'f']).catch((e: Error) => e.message),
  ]);
  assert.equal(replies, ['OK', big, 5, null, 2, [1, 'two', [3]], replies[6]]);
  assert.match(String(replies[6]), /^WRONGTYPE/);
  c.close();
});

t('pub/sub: a subscriber receives messages as pushes', async ({ redis }) => {
  const sub = new RespClient(redis.url);
  const got: string[] = [];
  sub.onmessage = (channel, message) => got.push(`${channel}:${message}`);
  await sub.connect();
  await sub.send('SUBSCRIBE', ['ch']);
  const pub = new RespClient(redis.url);
  await pub.connect();
  assert.is(await pub.send('PUBLISH', ['ch', 'hello']), 1);
  while (got.length === 0) await new Promise((r) => setTimeout(r, 5));
  assert.equal(got, ['ch:hello']);
  sub.close();
  pub.close();
});

t('URLs: user, password and db; the password never shown', () => {
  assert.equal(parseRedisUrl('redis://u:p%40ss@h:7000/2'), {
    host: 'h',
    port: 7000,
    username: 'u',
    password: 'p@ss',
    db: 2,
  });
  assert.is(redisUrlForDisplay('redis://:s3cret@h:7000'), 'redis://:***@h:7000');
});

t('a server that goes away rejects pending and later commands', async () => {
  const own = await startRedis();
  const c = new RespClient(own.url);
  let closed = false;
  c.onclose = () => {
    closed = true;
  };
  await c.connect();
  const pending = c.send('BLPOP', ['nothing', '0']).catch((e: Error) => e.message);
  await own.stop('SIGKILL');
  assert.is(await pending, 'Connection closed');
  assert.ok(closed);
  assert.is(await c.send('PING').catch((e: Error) => e.message), 'Connection closed');
});

t.run();
