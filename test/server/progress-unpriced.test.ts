/**
 * A server client's progress NOTICEs say `$ unknown` while the statement's
 * model has no price (no reported cost, none in the price table), as the
 * CLI's progress bar does: never `$0.0000`, which would read as free. With a
 * price the figure is dollars, printed as the CLI prints them (formatDollars:
 * the last NOTICE reads what rvbbit.queries logged, not `$0.0001`). Through
 * the pg client, over the wire.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatCost } from '../../base/dollars.js';
import type { Progress } from '../../src/dispatch/progress.js';
import { progressNotice } from '../../src/server/progress-notice.js';
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

async function progress(sql: string, logged?: (cost: number | null) => void): Promise<string[]> {
  const c = await f.client();
  const notices: string[] = [];
  c.on('notice', (n) => notices.push(n.message ?? ''));
  await c.query(sql);
  if (logged) {
    const q = await c.query('SELECT cost FROM rvbbit.queries ORDER BY started_at DESC LIMIT 1');
    logged(q.rows[0].cost);
  }
  return notices.filter((m) => m.startsWith('rvbbit progress:'));
}

test('unpriced: every progress NOTICE says $ unknown once a call finished; priced: dollars', async () => {
  const unpriced = await progress(MAP('small-fast'));
  assert.ok(unpriced.length > 0);
  for (const m of unpriced) assert.match(m, /, \d+ calls, \d+ cache hits, \$ unknown, ETA /);
  let cost: number | null = null;
  const priced = await progress(MAP('sim-small'), (c) => {
    cost = c;
  });
  assert.ok(priced.length > 0);
  for (const m of priced) assert.match(m, /, \d+ calls, \d+ cache hits, \$\d+(\.\d+)?, ETA /);
  // The last NOTICE (every row done) says the statement's logged cost, as the CLI's cost line says it.
  assert.ok(cost !== null && cost > 0, String(cost));
  assert.match(priced[priced.length - 1]!, `rvbbit progress: 3/3 rows, `);
  assert.match(priced[priced.length - 1]!, `, 3 calls, 0 cache hits, ${formatCost(cost)}, ETA `);
});

test('a progress NOTICE prints dollars as the CLI does: four significant digits, unknown stays unknown', () => {
  const p = (dollars: number, unpriced?: boolean): Progress => ({
    rowsDone: 2,
    rowsTotal: 4,
    rowsPerSec: 10,
    calls: 2,
    cacheHits: 0,
    dollars,
    etaMs: 200,
    ...(unpriced ? { unpriced } : {}),
  });
  assert.is(
    progressNotice(p(0.00008190000000000001)).M,
    'rvbbit progress: 2/4 rows, 10.0 rows/s, 2 calls, 0 cache hits, $0.0000819, ETA 0.2s',
  );
  assert.match(progressNotice(p(0)).M, ', $0, ETA');
  assert.match(progressNotice(p(12.3456)).M, ', $12.35, ETA');
  assert.match(progressNotice(p(0, true)).M, ', $ unknown, ETA');
});

test.run();
