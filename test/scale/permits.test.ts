/**
 * PARALLEL across hosts, at the Redis level (scale/permit-keys.ts), against a
 * real redis-server: a statement's P tokens are only ever moved between the
 * free list and holders, a blocked holder gets a token as soon as one is given
 * back (with the spend reported with it), a dead holder's tokens come back,
 * and the statement's end deletes every key, after which holders learn it is gone.
 */
import type { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PermitHolder, permitKeys, statementPermits } from '../../src/scale/permit-keys.js';
import { openRedis } from '../../src/scale/redis-clients.js';
import { requires } from '../requires.js';
import { type RedisHandle, startRedis } from './redis-server.js';

const t = requires(
  suite<{ redis: RedisHandle; client: Redis; blocking: Redis }>('scale: PARALLEL tokens in Redis'),
  'redis-server',
);

t.before(async (ctx) => {
  ctx.redis = await startRedis();
  ctx.client = await openRedis(ctx.redis.url);
  ctx.blocking = await openRedis(ctx.redis.url);
});
t.after(async (ctx) => {
  ctx.client?.disconnect();
  ctx.blocking?.disconnect();
  await ctx.redis?.stop();
});

const NONE = { nanos: 0, tokens: 0 };

t(
  'tokens are moved, never made: P in all, a holder past them blocks until one is given back',
  async ({ client, blocking }) => {
    await statementPermits.start(client, 's1', 3, { nanos: 5, tokens: 7 });
    const a = new PermitHolder('s1', 'host-a');
    const b = new PermitHolder('s1', 'host-b');
    const joined = await a.join(client);
    assert.equal(joined, {
      gone: false,
      count: 0,
      spend: { nanos: 5, tokens: 7 },
      target: 0,
    });
    const took = await a.take(client, 5);
    assert.ok(!took.gone && took.count === 3, JSON.stringify(took));
    await b.join(client);
    assert.equal((await client.hkeys(permitKeys('s1').holders)).sort(), ['host-a', 'host-b']);
    assert.equal(await b.take(client, 1).then((r) => !r.gone && r.count), 0);
    const t0 = Date.now();
    assert.is(await b.block(blocking, 0.2), false);
    assert.ok(Date.now() - t0 >= 150, 'BLMOVE waited');
    // Given back with its run's spend: the blocked holder gets the token, and the spend is there first.
    const waiting = b.block(blocking, 5);
    const released = await a.release(client, 1, { nanos: 100, tokens: 10 });
    assert.ok(!released.gone && released.count === 1, JSON.stringify(released));
    assert.is(await waiting, true);
    assert.equal(await b.sync(client, NONE).then((r) => !r.gone && r.spend), { nanos: 105, tokens: 17 });
    assert.is(await client.llen(permitKeys('s1').free), 0);
    assert.is(await client.llen(a.held), 2);
    assert.is(await client.llen(b.held), 1);
    // A holder gives back only what it holds.
    assert.equal(await b.release(client, 4, NONE).then((r) => !r.gone && r.count), 1);
    assert.is(await client.llen(permitKeys('s1').free), 1);
  },
);

t('a holder that is gone: its tokens come back; the live one keeps its own', async ({ client }) => {
  const a = new PermitHolder('s1', 'host-a');
  const moved = await statementPermits.reclaim(client, 's1', (h) => h === 'host-b');
  assert.is(moved, 2);
  assert.is(await client.llen(permitKeys('s1').free), 3);
  assert.is(await client.llen(a.held), 0);
  assert.equal(await client.hkeys(permitKeys('s1').holders), ['host-b']);
  // Returning everything leaves no holder and every token free.
  const b = new PermitHolder('s1', 'host-b');
  await b.take(client, 2);
  assert.is(await b.returnAll(client, { nanos: 1, tokens: 1 }), 2);
  assert.is(await client.llen(permitKeys('s1').free), 3);
  assert.equal(await client.hkeys(permitKeys('s1').holders), []);
});

t(
  'the end deletes every key of the statement; a holder then finds it gone and moves nothing',
  async ({ client }) => {
    const a = new PermitHolder('s1', 'host-a');
    await a.join(client);
    await a.take(client, 1);
    await statementPermits.end(client, 's1');
    assert.equal(await client.keys('rvbbit:permits:s1*'), []);
    assert.equal(await a.take(client, 1), { gone: true });
    assert.equal(await a.release(client, 1, NONE), { gone: true });
    assert.equal(await client.keys('rvbbit:permits:s1*'), [], 'a late release makes no key');
  },
);

t("targets: P water-filled over the holders' demands; a take stops at its target", async ({ client }) => {
  await statementPermits.start(client, 's3', 10, NONE);
  const [a, b, c] = ['a', 'b', 'c'].map((h) => new PermitHolder('s3', h)) as [
    PermitHolder,
    PermitHolder,
    PermitHolder,
  ];
  const target = (r: Awaited<ReturnType<PermitHolder['sync']>>) => (r.gone ? -1 : r.target);
  assert.is(target(await a.sync(client, NONE, 2)), 2, 'alone, it gets what it wants');
  assert.is(target(await b.sync(client, NONE, 20)), 8, 'the rest of P');
  assert.is(target(await c.sync(client, NONE, 20)), 4, 'an even split of what a leaves, rounded up');
  assert.is(target(await a.sync(client, NONE, 2)), 2, 'below the even split: its demand');
  assert.is(target(await b.sync(client, NONE, 20)), 4);
  const took = await a.take(client, 5, 2);
  assert.ok(!took.gone && took.count === 2, JSON.stringify(took));
  // A holder that leaves takes its demand with it.
  await c.returnAll(client);
  assert.is(target(await b.sync(client, NONE, 20)), 8);
  // Fewer tokens than holders: equal demands get equal targets, so none is left waiting with target 0.
  await statementPermits.start(client, 's3', 1, NONE);
  for (const h of [a, b, c]) await h.join(client, 1);
  for (const h of [a, b, c]) assert.is(target(await h.sync(client, NONE, 1)), 1);
  await statementPermits.end(client, 's3');
  assert.equal(await client.keys('rvbbit:permits:s3*'), []);
});

t(
  'a statement of PARALLEL 2,500: every token made; it lives STATEMENT_TTL_MS unless refreshed',
  async ({ client }) => {
    await statementPermits.start(client, 's2', 2500, NONE);
    assert.is(await client.llen(permitKeys('s2').free), 2500);
    const ttl = await client.pttl(permitKeys('s2').live);
    assert.ok(ttl > 50_000 && ttl <= 60_000, String(ttl));
    assert.is(await statementPermits.refresh(client, 's2'), true);
    await statementPermits.end(client, 's2');
    assert.is(await statementPermits.refresh(client, 's2'), false);
  },
);

t.run();
