/**
 * A server client's progress NOTICEs say `$ unknown` while the statement's
 * model has no price (no reported cost, none in the price table), as the
 * CLI's progress bar does: never `$0.0000`, which would read as free. With a
 * price the figure is dollars. Through the pg client, over the wire.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ServerFixture, startServerFixture } from './helpers.js';

let f: ServerFixture;
test.before(async () => {
  // The simulator reports no cost; the example cascade's small-fast is not in the engine's price table.
  f = await startServerFixture({ noticeIntervalMs: 0 }, { latencyMs: 20, costPerMillion: null });
});
test.after(async () => {
  await f.close();
});

const MAP = (model: string) =>
  `RVBBIT MAP 'traits/extract_brand.yaml' AS (brand VARCHAR) USING (SELECT id, product_name FROM products ORDER BY id LIMIT 3) WITH (cache = false, model = '${model}')`;

async function progress(sql: string): Promise<string[]> {
  const c = await f.client();
  const notices: string[] = [];
  c.on('notice', (n) => notices.push(n.message ?? ''));
  await c.query(sql);
  return notices.filter((m) => m.startsWith('rvbbit progress:'));
}

test('unpriced: every progress NOTICE says $ unknown once a call finished; priced: dollars', async () => {
  const unpriced = await progress(MAP('small-fast'));
  assert.ok(unpriced.length > 0);
  for (const m of unpriced) assert.match(m, /, \d+ calls, \d+ cache hits, \$ unknown, ETA /);
  const priced = await progress(MAP('sim-small'));
  assert.ok(priced.length > 0);
  for (const m of priced) assert.match(m, /, \d+ calls, \d+ cache hits, \$0\.\d{4}, ETA /);
});

test.run();
