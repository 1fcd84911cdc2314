/**
 * A provider's prompt cache, end to end: `usage.prompt_tokens_details.cached_tokens`
 * from the endpoint reaches rvbbit.unified_logs.tokens_cached through the
 * worker threads, and the logged cost prices those tokens at the table's
 * `cached_in` (the rest of the input at `in`).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine } from '../../src/index.js';
import { ENGINE_CASCADES } from './engine-fixture.js';

const test = suite<{ engine: Engine; server: Server }>('engine: cached prompt tokens logged and priced');

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

test.before(async (ctx) => {
  // Every answer: 2,000 prompt tokens of which 1,536 cached, 10 completion tokens.
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
  const { port } = ctx.server.address() as AddressInfo;
  ctx.engine = await createEngine({
    cascadeRoots: [ENGINE_CASCADES],
    threads: 1,
    provider: {
      baseUrl: `http://127.0.0.1:${port}/v1`,
      model: 'm',
      retries: 1,
      prices: { m: { in: 2, out: 8, cached_in: 1, batch_discount: 0.5 } },
    },
  });
});
test.after(async (ctx) => {
  await ctx.engine.close();
  await new Promise<void>((r) => ctx.server.close(() => r()));
});

test('MAP: tokens_cached per call, cost = (2000 − 1536) × 2 + 1536 × 1 + 10 × 8 per 1M', async ({
  engine,
}) => {
  await engine.query(
    `RVBBIT MAP PARALLEL 2 'label' USING (SELECT 'row ' || range AS text FROM range(3)) WITH (cache = false)`,
  );
  const logs = await engine.query(
    `SELECT row_index::INTEGER AS i, tokens_in, tokens_cached, tokens_out, cost, delivery
     FROM rvbbit.unified_logs WHERE caller_id = 'map' ORDER BY row_index`,
  );
  // 464 × 2 + 1536 × 1 + 10 × 8 = 2544 (no batch delivery: no discount).
  assert.equal(
    logs.rows,
    [0, 1, 2].map((i) => ({
      i,
      tokens_in: 2000,
      tokens_cached: 1536,
      tokens_out: 10,
      cost: 0.002544,
      delivery: null,
    })),
  );
  const q = await engine.query(`SELECT cost FROM rvbbit.queries WHERE kind = 'map'`);
  assert.equal(q.rows, [{ cost: 3 * 0.002544 }]);
});

test.run();
