/**
 * What the provider did with a call crosses Redis with its call record: a
 * worker's cached prompt tokens (usage.prompt_tokens_details.cached_tokens)
 * reach the coordinator's rvbbit.unified_logs.tokens_cached.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine } from '../../src/index.js';
import type { Running } from '../cli/helpers.js';
import { requires } from '../requires.js';
import { type RedisHandle, startRedis } from './redis-server.js';
import { ENGINE_CASCADES, startWorker } from './scale-fixture.js';

const t = requires(
  suite<{ redis: RedisHandle; server: Server; worker: Running; coord: Engine }>(
    'scale: provider fields of a call cross the queue',
  ),
  'redis-server',
);

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

t.before(async (ctx) => {
  ctx.redis = await startRedis();
  // Every answer: 2,000 prompt tokens of which 1,536 served from the prompt cache.
  ctx.server = createServer(async (req, res) => {
    const parsed = JSON.parse(await body(req)) as { model: string };
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        id: 'chatcmpl-1',
        object: 'chat.completion',
        model: parsed.model,
        choices: [
          { index: 0, message: { role: 'assistant', content: '{"label":"x"}' }, finish_reason: 'stop' },
        ],
        usage: {
          prompt_tokens: 2000,
          completion_tokens: 10,
          total_tokens: 2010,
          prompt_tokens_details: { cached_tokens: 1536 },
        },
      }),
    );
  });
  await new Promise<void>((r) => ctx.server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(ctx.server.address() as AddressInfo).port}/v1`;
  ctx.worker = await startWorker(ctx.redis.url, ['--threads', '1'], { RVBBIT_BASE_URL: url });
  ctx.coord = await createEngine({
    cascadeRoots: [ENGINE_CASCADES],
    provider: { baseUrl: url, model: 'm' },
    threads: 1,
    queue: { redis: ctx.redis.url, noWorkerTimeoutMs: 5_000, redisDownMs: 1_000 },
  });
});
t.after(async (ctx) => {
  await ctx.coord?.close();
  if (ctx.worker && ctx.worker.child.exitCode === null) ctx.worker.child.kill('SIGKILL');
  await ctx.worker?.done;
  await new Promise<void>((r) => ctx.server.close(() => r()));
  await ctx.redis?.stop('SIGKILL');
});

t(
  'a MAP run by a worker: every logged call has tokens_cached 1536, answered_by worker/endpoint',
  async ({ coord }) => {
    await coord.query(
      `RVBBIT MAP PARALLEL 4 'label' USING (SELECT 'row ' || range AS text FROM range(20)) WITH (cache = false)`,
    );
    const logs = await coord.query(
      `SELECT count(*)::INTEGER AS calls, min(tokens_cached) AS lo, max(tokens_cached) AS hi,
       count(*) FILTER (WHERE answered_by LIKE '%:%/127.0.0.1')::INTEGER AS remote
     FROM rvbbit.unified_logs WHERE caller_id = 'map' AND NOT cache_hit`,
    );
    assert.equal(logs.rows, [{ calls: 20, lo: 1536, hi: 1536, remote: 20 }]);
  },
);

t.run();
